//! The completion scripts checked in under completions/ are what `completion SHELL` prints now.

use std::path::Path;
use std::process::Command;

use clap_complete::{Generator, Shell};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
use crate::support::BIN;

fn completion(shell: &str) -> String {
    let out = Command::new(BIN)
        .args(["completion", shell])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "completion {shell} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn checked_in(file_name: &str) -> String {
    let path = Path::new(ROOT).join("completions").join(file_name);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; run scripts/completions.sh", path.display()))
}

#[test]
fn checked_in_shell_scripts_are_current() {
    for shell in [
        Shell::Bash,
        Shell::Zsh,
        Shell::Fish,
        Shell::PowerShell,
        Shell::Elvish,
    ] {
        let name = shell.to_string();
        let printed = completion(&name);
        assert!(
            printed.contains("kubectl-linkerd_export") && printed.contains("metrics"),
            "{name} script does not complete the plugin's subcommands"
        );
        let file_name = shell.file_name("kubectl-linkerd_export");
        assert!(
            checked_in(&file_name) == printed,
            "completions/{file_name} is stale: run scripts/completions.sh"
        );
    }
}

#[test]
fn checked_in_kubectl_helper_is_current_and_executable() {
    use std::os::unix::fs::PermissionsExt;
    assert!(
        checked_in("kubectl_complete-linkerd_export") == completion("kubectl"),
        "completions/kubectl_complete-linkerd_export is stale: run scripts/completions.sh"
    );
    let path = Path::new(ROOT).join("completions/kubectl_complete-linkerd_export");
    let mode = std::fs::metadata(path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o755);
}

#[test]
fn unknown_shells_are_usage_errors() {
    let out = Command::new(BIN)
        .args(["completion", "tcsh"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("bash") && stderr.contains("kubectl"),
        "{stderr}"
    );
}
