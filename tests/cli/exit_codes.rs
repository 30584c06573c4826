//! Exit status by fault, not by path (spec §9): a file named on the command line that cannot be
//! read or used exits 1 whichever flag named it, and the error still shows its cause.

use std::path::Path;

use crate::support::{bin, run};

/// Runs `export --remote-write` with `flags` and a home without a kubeconfig: the remote-write
/// flags are checked before the cluster is contacted. Returns the exit code and stderr.
fn export_with(home: &Path, flags: &[&std::ffi::OsStr]) -> (i32, String) {
    let (code, _, stderr) = run(bin()
        .env("HOME", home)
        .args(["export", "deploy/web", "-n", "emojivoto"])
        .args(["--remote-write", "http://127.0.0.1:9/api/v1/write"])
        .args(flags));
    (code, stderr)
}

/// Runs `metrics deploy/web` with a kubeconfig holding `yaml` in an empty home; returns the exit
/// code and stderr.
fn metrics_with_kubeconfig(home: &Path, yaml: &str) -> (i32, String) {
    let kubeconfig = home.join("kubeconfig");
    std::fs::write(&kubeconfig, yaml).unwrap();
    let (code, _, stderr) = run(bin()
        .env("HOME", home)
        .arg("--kubeconfig")
        .arg(&kubeconfig)
        .args(["metrics", "deploy/web"]));
    (code, stderr)
}

#[test]
fn an_unreadable_ca_file_and_bearer_token_file_exit_alike_with_the_cause() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing");
    let not_found = std::fs::read(&missing).unwrap_err().to_string();
    for flag in ["--ca-file", "--bearer-token-file"] {
        let (code, stderr) = export_with(dir.path(), &[flag.as_ref(), missing.as_os_str()]);
        assert_eq!(code, 1, "{flag}: {stderr}");
        assert!(
            stderr.starts_with("error: ") && stderr.contains(&missing.display().to_string()),
            "{flag}: {stderr}"
        );
        assert!(stderr.contains(&not_found), "{flag}: the cause: {stderr}");
    }
}

#[test]
fn a_ca_file_without_certificates_and_an_empty_token_file_exit_alike() {
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, "not a certificate\n").unwrap();
    let token = dir.path().join("token");
    std::fs::write(&token, "\n").unwrap();
    for (flag, file, says) in [
        ("--ca-file", &ca, "no CERTIFICATE block"),
        (
            "--bearer-token-file",
            &token,
            "the bearer token file is empty",
        ),
    ] {
        let (code, stderr) = export_with(dir.path(), &[flag.as_ref(), file.as_os_str()]);
        assert_eq!(code, 1, "{flag}: {stderr}");
        assert!(stderr.contains(says), "{flag}: {stderr}");
    }
}

#[test]
fn a_cluster_error_shows_its_cause() {
    let dir = tempfile::tempdir().unwrap();
    let plugin = dir.path().join("no-such-credential-plugin");
    let (code, stderr) = metrics_with_kubeconfig(
        dir.path(),
        &format!(
            "apiVersion: v1\nkind: Config\n\
             clusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:9\n\
             contexts:\n- name: ctx\n  context: {{cluster: c, user: u}}\n\
             current-context: ctx\n\
             users:\n- name: u\n  user:\n    exec:\n      \
             apiVersion: client.authentication.k8s.io/v1\n      \
             command: {}\n      interactiveMode: Never\n",
            plugin.display()
        ),
    );
    assert_eq!(code, 1, "{stderr}");
    let not_found = std::process::Command::new(&plugin)
        .output()
        .unwrap_err()
        .to_string();
    assert_eq!(
        stderr.trim_end(),
        format!(
            "error: cannot create a client for context \"ctx\": cannot run the exec credential \
             plugin {}: {not_found}",
            plugin.display()
        )
    );
}

#[test]
fn a_kubeconfig_that_does_not_parse_is_named_without_its_contents() {
    let dir = tempfile::tempdir().unwrap();
    let (code, stderr) = metrics_with_kubeconfig(
        dir.path(),
        "users:\n- name: u\n  user:\n    token: s3cret-token\n  : [\n",
    );
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(
        stderr.trim_end(),
        "error: cannot load kubeconfig ~/kubeconfig: not a valid kubeconfig (YAML parse error)"
    );
}
