//! The README's test command is `./scripts/test.sh`: it installs what the tests drive when missing
//! (or says what to install), then runs `cargo test --no-fail-fast` with its arguments (every
//! test binary runs even when one fails); `.ci/run` runs it too.
//!
//! The script runs with a PATH holding only stand-ins that record how they were called, so no
//! package is installed and no cargo is started.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(ROOT).join(path)).expect(path)
}

/// A directory of executables for PATH: `bash`, `dirname` and `env` are the real ones, `id` says
/// `uid`, `apt-get` and `cargo` append their arguments to `apt-get.log` / `cargo.log`, and each
/// of `present` prints a version.
struct Stubs {
    dir: tempfile::TempDir,
}

impl Stubs {
    fn new(uid: u32, present: &[&str]) -> Stubs {
        let stubs = Stubs {
            dir: tempfile::tempdir().unwrap(),
        };
        for real in ["bash", "dirname", "env"] {
            let target = ["/usr/bin", "/bin"]
                .iter()
                .map(|d| Path::new(d).join(real))
                .find(|p| p.exists())
                .unwrap_or_else(|| panic!("no {real}"));
            std::os::unix::fs::symlink(target, stubs.dir.path().join(real)).unwrap();
        }
        stubs.script("id", &format!("echo {uid}"));
        for logged in ["apt-get", "cargo"] {
            let log = stubs.log_path(logged);
            stubs.script(logged, &format!("echo \"$*\" >> '{}'", log.display()));
        }
        for tool in present {
            stubs.script(tool, "echo version 1");
        }
        stubs
    }

    fn script(&self, name: &str, body: &str) {
        let path = self.dir.path().join(name);
        std::fs::write(&path, format!("#!/usr/bin/env bash\n{body}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    fn log_path(&self, name: &str) -> PathBuf {
        self.dir.path().join(format!("{name}.log"))
    }

    /// The lines `name` logged, one per run.
    fn calls(&self, name: &str) -> Vec<String> {
        std::fs::read_to_string(self.log_path(name))
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }

    fn run_test_script(&self, args: &[&str]) -> Output {
        Command::new(Path::new(ROOT).join("scripts/test.sh"))
            .args(args)
            .env_clear()
            .env("PATH", self.dir.path())
            .output()
            .unwrap()
    }
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn readme_and_ci_run_the_test_script() {
    let readme = read("README.md");
    let quick_start =
        &readme[readme.find("## Quick start").unwrap()..readme.find("## Install").unwrap()];
    let commands: Vec<&str> = quick_start
        .lines()
        .filter(|l| l.starts_with("$ "))
        .take(2)
        .collect();
    assert!(
        commands[1].starts_with("$ ./scripts/test.sh "),
        "the quick start's second command: {commands:?}"
    );
    let section = &readme[readme.find("## Running the tests").unwrap()..];
    let first_command = section.lines().find(|l| l.starts_with("$ ")).unwrap();
    assert_eq!(first_command, "$ ./scripts/test.sh");

    let ci = read(".ci/run");
    let lines: Vec<&str> = ci
        .lines()
        .filter(|l| !l.trim_start().starts_with('#') && !l.trim().is_empty())
        .collect();
    let clippy = lines
        .iter()
        .position(|l| l.starts_with("cargo clippy"))
        .expect("clippy in .ci/run");
    let fmt = lines
        .iter()
        .position(|l| l.starts_with("cargo fmt --check"))
        .expect("fmt in .ci/run");
    // The README's tests run after the checks of the code and before anything else (the
    // benchmarks' smoke run), so nothing that is not about the code can keep them from running.
    let tests = lines
        .iter()
        .position(|l| *l == "./scripts/test.sh")
        .expect("the README's test command in .ci/run");
    assert!(fmt < clippy && clippy < tests, "{ci}");
    assert_eq!(lines[tests + 1..], ["scripts/bench-smoke.sh"], "{ci}");
    assert!(!lines.iter().any(|l| l.starts_with("cargo test")), "{ci}");
    for tool in ["prometheus", "promtool", "kubectl"] {
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with(tool) && l.contains("version")),
            "{tool}'s version line in {ci}"
        );
    }
}

#[test]
fn as_root_the_missing_packages_are_installed_then_cargo_test_runs_with_the_arguments() {
    let stubs = Stubs::new(0, &[]);
    let out = stubs.run_test_script(&["--test", "cli", "stat::", "--", "--nocapture"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stubs.calls("apt-get"),
        [
            "update -qq",
            "install -y -qq prometheus victoria-metrics tmux"
        ]
    );
    assert_eq!(
        stubs.calls("cargo"),
        ["test --no-fail-fast --test cli stat:: -- --nocapture"]
    );
}

#[test]
fn only_what_is_missing_is_installed() {
    let stubs = Stubs::new(0, &["prometheus", "promtool", "victoria-metrics"]);
    let out = stubs.run_test_script(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stubs.calls("apt-get"),
        ["update -qq", "install -y -qq tmux"]
    );
    assert_eq!(stubs.calls("cargo"), ["test --no-fail-fast"]);
}

#[test]
fn with_everything_present_nothing_is_installed() {
    let stubs = Stubs::new(
        1000,
        &["prometheus", "promtool", "victoria-metrics", "tmux"],
    );
    let out = stubs.run_test_script(&["--lib"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stubs.calls("apt-get").is_empty());
    assert_eq!(stubs.calls("cargo"), ["test --no-fail-fast --lib"]);
}

#[test]
fn without_root_it_says_what_to_install_and_does_not_test() {
    let stubs = Stubs::new(1000, &["tmux"]);
    let out = stubs.run_test_script(&[]);
    assert_eq!(out.status.code(), Some(1));
    let message = stderr(&out);
    assert!(message.starts_with("error: "), "{message}");
    assert!(
        message.contains("apt-get install -y prometheus victoria-metrics`"),
        "{message}"
    );
    assert!(stubs.calls("apt-get").is_empty());
    assert!(stubs.calls("cargo").is_empty());
}
