//! Bash completion of the `kubectl-linkerd_export` executable works past the subcommand: the
//! script (printed, and as checked in under completions/) is sourced in bash and its function
//! called with COMP_WORDS/COMP_CWORD set, the way kubectl's own completion tests drive bash.

use std::path::Path;
use std::process::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
use crate::support::BIN;

/// The candidates bash offers for `words`, the last being the word under the cursor, using the
/// completion script at `script`.
fn complete(script: &Path, words: &[&str]) -> Vec<String> {
    let cword = words.len() - 1;
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let prev = if cword > 0 { words[cword - 1] } else { "" };
    let program = format!(
        "source '{script}'\n\
         func=$(complete -p kubectl-linkerd_export | sed -n 's/.*-F \\([^ ]*\\).*/\\1/p')\n\
         COMP_WORDS=({words})\n\
         COMP_CWORD={cword}\n\
         COMP_LINE=\"${{COMP_WORDS[*]}}\"\n\
         COMP_POINT=${{#COMP_LINE}}\n\
         \"$func\" kubectl-linkerd_export '{cur}' '{prev}'\n\
         printf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
        script = script.display(),
        words = quoted.join(" "),
        cur = words[cword],
    );
    let out = Command::new("bash")
        .args(["--norc", "--noprofile", "-c", &program])
        .output()
        .expect("bash");
    assert!(
        out.status.success(),
        "bash failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

fn printed_script(dir: &Path) -> std::path::PathBuf {
    let out = Command::new(BIN)
        .args(["completion", "bash"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let path = dir.join("kubectl-linkerd_export.bash");
    std::fs::write(&path, out.stdout).unwrap();
    path
}

fn assert_completes_past_the_subcommand(script: &Path) {
    let subcommands = complete(script, &["kubectl-linkerd_export", "st"]);
    assert_eq!(subcommands, ["stat"], "{}", script.display());

    let options = complete(script, &["kubectl-linkerd_export", "stat", "--wi"]);
    assert_eq!(options, ["--window"], "{}", script.display());

    let formats = complete(script, &["kubectl-linkerd_export", "stat", "-o", ""]);
    assert!(
        formats.contains(&"table".to_string()) && formats.contains(&"json".to_string()),
        "{}: {formats:?}",
        script.display()
    );

    let nested = complete(script, &["kubectl-linkerd_export", "completion", "--inst"]);
    assert_eq!(nested, ["--install"], "{}", script.display());

    let help = complete(script, &["kubectl-linkerd_export", "help", "st"]);
    assert_eq!(help, ["stat"], "{}", script.display());
}

#[test]
fn the_printed_bash_script_completes_options_after_the_subcommand() {
    let dir = tempfile::tempdir().unwrap();
    assert_completes_past_the_subcommand(&printed_script(dir.path()));
}

#[test]
fn the_checked_in_bash_script_completes_options_after_the_subcommand() {
    assert_completes_past_the_subcommand(
        &Path::new(ROOT).join("completions/kubectl-linkerd_export.bash"),
    );
}
