//! `kubectl linkerd-export <TAB>`: the helper `completion kubectl --install` writes is run the way
//! kubectl runs it (the plugin's words plus the word being completed, on a PATH holding the plugin),
//! and through the real kubectl's `__complete` when kubectl is installed.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::support::kubectl::{KUBECTL, require_kubectl};

use crate::support::BIN;

/// A PATH directory with the plugin (as kubectl would find it) and the installed helper.
struct PluginPath {
    dir: tempfile::TempDir,
}

impl PluginPath {
    fn new() -> PluginPath {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("bin");
        let out = Command::new(BIN)
            .args(["completion", "kubectl", "--install"])
            .arg(&bin)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let said = String::from_utf8(out.stdout).unwrap();
        assert!(
            said.contains(
                &bin.join("kubectl_complete-linkerd_export")
                    .display()
                    .to_string()
            )
        );
        std::os::unix::fs::symlink(BIN, bin.join("kubectl-linkerd_export")).unwrap();
        PluginPath { dir }
    }

    fn bin(&self) -> PathBuf {
        self.dir.path().join("bin")
    }

    /// Runs `program args` with only this directory and the system's on PATH, and no kubeconfig.
    fn run(&self, program: &Path, args: &[&str]) -> Output {
        Command::new(program)
            .args(args)
            .env_clear()
            .env(
                "PATH",
                format!("{}:/usr/local/bin:/usr/bin:/bin", self.bin().display()),
            )
            .env("HOME", self.dir.path())
            .env("KUBECONFIG", self.dir.path().join("no-kubeconfig"))
            .output()
            .unwrap()
    }

    /// The helper's answer to the words typed after `kubectl linkerd-export`.
    fn helper(&self, words: &[&str]) -> String {
        let out = self.run(&self.bin().join("kubectl_complete-linkerd_export"), words);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }
}

/// The candidate values (descriptions dropped) and the directive line of a `__complete` answer.
fn candidates(output: &str) -> (Vec<String>, String) {
    let mut lines: Vec<&str> = output.lines().collect();
    let directive = lines.pop().expect("a directive line").to_string();
    let values = lines
        .iter()
        .map(|l| l.split('\t').next().unwrap().to_string())
        .collect();
    (values, directive)
}

fn has(values: &[String], value: &str) -> bool {
    values.iter().any(|v| v == value)
}

fn answer(values: &[&str], directive: &str) -> (Vec<String>, String) {
    (
        values.iter().map(|v| v.to_string()).collect(),
        directive.to_string(),
    )
}

#[test]
fn the_installed_helper_is_an_executable_script_running_the_plugin() {
    use std::os::unix::fs::PermissionsExt;
    let path = PluginPath::new();
    let helper = path.bin().join("kubectl_complete-linkerd_export");
    let mode = std::fs::metadata(&helper).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o755);
    let printed = Command::new(BIN)
        .args(["completion", "kubectl"])
        .output()
        .unwrap();
    assert_eq!(std::fs::read(&helper).unwrap(), printed.stdout);
}

#[test]
fn the_helper_completes_subcommands_flags_values_and_target_types() {
    let path = PluginPath::new();

    let (values, directive) = candidates(&path.helper(&[""]));
    assert!(
        has(&values, "metrics") && has(&values, "completion"),
        "{values:?}"
    );
    assert!(!has(&values, "__complete"), "{values:?}");
    assert_eq!(directive, ":4");

    let out = path.helper(&["metrics", "-o", ""]);
    assert!(out.starts_with("raw\t"), "{out}");
    assert_eq!(
        candidates(&out),
        answer(&["raw", "prom", "openmetrics", "json"], ":4")
    );

    let (values, _) = candidates(&path.helper(&["-n", "emojivoto", "metrics", "--v"]));
    assert!(
        has(&values, "--via") && has(&values, "--verbose"),
        "{values:?}"
    );
    assert!(values.iter().all(|v| v.starts_with("--v")), "{values:?}");

    assert_eq!(
        candidates(&path.helper(&["metrics", "--via", "p"])),
        answer(&["portforward"], ":4")
    );
    assert_eq!(
        candidates(&path.helper(&["metrics", "dep"])),
        answer(&["deploy/"], ":6")
    );
    assert_eq!(
        candidates(&path.helper(&["completion", ""])).0,
        ["bash", "zsh", "fish", "powershell", "elvish", "kubectl"]
    );
}

#[test]
fn without_a_cluster_name_lookups_answer_nothing_quickly() {
    let path = PluginPath::new();
    assert_eq!(
        path.helper(&["metrics", "-n", "emojivoto", "deploy/"]),
        ":4\n"
    );
    assert_eq!(path.helper(&["-n", ""]), ":4\n");
}

/// /usr/bin/kubectl, which must be new enough (1.26) to complete plugins: the test fails,
/// saying so, rather than pass without running it.
fn kubectl() -> PathBuf {
    require_kubectl();
    let kubectl = PathBuf::from(KUBECTL);
    let out = Command::new(&kubectl)
        .args(["version", "--client"])
        .output()
        .unwrap();
    let version = String::from_utf8_lossy(&out.stdout);
    let minor: Option<u32> = version
        .split("v1.")
        .nth(1)
        .and_then(|rest| rest.split('.').next())
        .and_then(|m| m.parse().ok());
    assert!(
        minor.is_some_and(|m| m >= 26),
        "these tests need kubectl 1.26+ (plugin completion) at {KUBECTL}, found: {version}"
    );
    kubectl
}

#[test]
fn kubectl_itself_completes_the_plugin_through_the_helper() {
    let kubectl = kubectl();
    let path = PluginPath::new();

    let complete = |words: &[&str]| {
        let mut args = vec!["__complete"];
        args.extend_from_slice(words);
        let out = path.run(&kubectl, &args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };

    let (values, _) = candidates(&complete(&["linkerd-e"]));
    assert_eq!(values, ["linkerd-export"]);

    let (values, directive) = candidates(&complete(&["linkerd-export", ""]));
    assert!(
        has(&values, "metrics") && has(&values, "demo"),
        "{values:?}"
    );
    assert_eq!(directive, ":4");

    let out = complete(&["linkerd-export", "metrics", "-o", "o"]);
    assert_eq!(candidates(&out), answer(&["openmetrics"], ":4"));
    let out = complete(&["linkerd-export", "-n", "emojivoto", "metrics", "st"]);
    assert_eq!(candidates(&out), answer(&["sts/"], ":6"));
    let (values, _) = candidates(&complete(&["linkerd-export", "metrics", "--obf"]));
    assert_eq!(values, ["--obfuscate"]);
}

/// Presses TAB in bash after `kubectl WORDS`: kubectl's own bash completion script (with a
/// stand-in for bash-completion's word splitter, which this machine lacks) fills COMPREPLY.
fn bash_tab(path: &PluginPath, words: &[&str]) -> Vec<String> {
    let script = r#"
_get_comp_words_by_ref() {
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD-1]}
    words=("${COMP_WORDS[@]}")
    cword=$COMP_CWORD
}
source <(kubectl completion bash)
COMP_WORDS=(kubectl "$@")
COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
COMP_LINE="${COMP_WORDS[*]}"
COMP_POINT=${#COMP_LINE}
__start_kubectl kubectl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}" 2>/dev/null
printf '%s\n' "${COMPREPLY[@]}"
"#;
    let mut args = vec!["-c", script, "bash"];
    args.extend_from_slice(words);
    let out = path.run(Path::new("/bin/bash"), &args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect()
}

#[test]
fn bash_tab_completes_kubectl_linkerd_export() {
    kubectl();
    let path = PluginPath::new();
    assert_eq!(bash_tab(&path, &["linkerd-export", "met"]), ["metrics"]);
    assert_eq!(
        bash_tab(&path, &["linkerd-export", "metrics", "-o", ""]),
        ["raw", "prom", "openmetrics", "json"]
    );
    assert_eq!(
        bash_tab(&path, &["linkerd-export", "metrics", "--ou"]),
        ["--output"]
    );
    assert_eq!(
        bash_tab(&path, &["linkerd-export", "metrics", "cj"]),
        ["cj/"]
    );
}

/// `completion kubectl --install DIR` with `PATH` set to `path`: exit code, stdout, stderr.
fn install_with_path(dir: &Path, path: &str, quiet: bool) -> (Option<i32>, String, String) {
    let mut cmd = Command::new(BIN);
    if quiet {
        cmd.arg("-q");
    }
    let out = cmd
        .args(["completion", "kubectl", "--install"])
        .arg(dir)
        .env("PATH", path)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn installing_off_path_warns_instead_of_promising_completion() {
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path().join("bin");

    let (code, said, warned) = install_with_path(&dir, "/usr/bin:/bin", false);
    assert_eq!(code, Some(0), "{warned}");
    assert!(said.starts_with("installed "), "{said}");
    assert!(!said.contains("now completes"), "{said}");
    assert_eq!(
        warned,
        format!(
            "warning: {} is not on PATH, so kubectl will not find the helper: add it to PATH, or install into a directory that is\n",
            dir.display()
        )
    );

    let (code, _, warned) = install_with_path(&dir, "/usr/bin:/bin", true);
    assert_eq!(code, Some(0));
    assert!(warned.is_empty(), "-q: {warned}");

    let on_path = format!("/usr/bin:{}:/bin", dir.display());
    let (code, said, warned) = install_with_path(&dir, &on_path, false);
    assert_eq!(code, Some(0), "{warned}");
    assert!(said.contains("now completes"), "{said}");
    assert!(warned.is_empty(), "{warned}");
}
