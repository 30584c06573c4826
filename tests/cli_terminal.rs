//! Tables in a real terminal (tmux, 80 columns): like kubectl, a row is one line and no cell is
//! wrapped mid-word; a table wider than the terminal overflows (the terminal folds the long
//! line, which tmux joins back), so a terminal shows the table a pipe gets (spec §2).

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use support::{Mesh, run};

/// A tmux server of its own (socket in a temporary directory), killed when dropped.
struct Tmux {
    socket: PathBuf,
}

impl Tmux {
    fn start(dir: &Path) -> Tmux {
        Tmux {
            socket: dir.join("tmux.sock"),
        }
    }

    fn tmux(&self) -> Command {
        let mut cmd = Command::new("tmux");
        cmd.arg("-S").arg(&self.socket).env_remove("TMUX");
        cmd
    }

    /// Runs `shell` in a new `columns`-wide window (with `env` set, `NAME=value`) and returns
    /// what the window shows, folded lines joined and colours as escape sequences, once the
    /// command has finished.
    fn run(&self, columns: u16, env: &[&str], shell: &str) -> String {
        let marker = "__finished__";
        let script = format!("{shell}; echo {marker}; exec cat");
        let mut cmd = self.tmux();
        cmd.args(["new-session", "-d", "-x", &columns.to_string(), "-y", "200"])
            .args(["-e", "TERM=xterm"]);
        for var in env {
            cmd.args(["-e", var]);
        }
        let status = cmd.arg(script).status().expect("tmux runs");
        assert!(status.success(), "tmux new-session failed");
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let out = self
                .tmux()
                .args(["capture-pane", "-p", "-J", "-e", "-S", "-"])
                .output()
                .expect("tmux capture-pane");
            let screen = String::from_utf8_lossy(&out.stdout).into_owned();
            if let Some(end) = screen.find(&format!("{marker}\n")) {
                let _ = self.tmux().arg("kill-session").status();
                return screen[..end].to_string();
            }
            assert!(Instant::now() < deadline, "no end of output: {screen}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self
            .tmux()
            .arg("kill-server")
            .stderr(std::process::Stdio::null())
            .status();
    }
}

fn trimmed_lines(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| l.trim_end().to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

fn cells(line: &str) -> Vec<&str> {
    line.split_whitespace().collect()
}

/// The plugin against `mesh` with `args`, as a shell command line (stderr dropped).
fn shell_line(mesh: &Mesh, args: &[&str]) -> String {
    format!(
        "HOME={} {} --kubeconfig {} {} 2>/dev/null",
        mesh.dir().display(),
        env!("CARGO_BIN_EXE_kubectl-linkerd_export"),
        mesh.kubeconfig.display(),
        args.iter()
            .map(|a| format!("'{a}'"))
            .collect::<Vec<_>>()
            .join(" ")
    )
}

#[test]
fn stat_colours_failing_success_rates_as_color_and_no_color_say() {
    let mesh = Mesh::start();
    let tmux = Tmux::start(mesh.dir());
    let stat = ["stat", "-n", "emojivoto", "--since-start"];
    let voting_line = |env: &[&str], color: &str| {
        let args = [&stat[..], &["--color", color]].concat();
        let screen = tmux.run(100, env, &shell_line(&mesh, &args));
        screen
            .lines()
            .find(|l| l.contains("voting"))
            .unwrap_or_else(|| panic!("no voting row: {screen}"))
            .to_string()
    };
    // voting succeeds 85 %: red on a terminal unless told otherwise.
    assert!(voting_line(&[], "auto").contains('\u{1b}'));
    assert!(voting_line(&["NO_COLOR=1"], "always").contains('\u{1b}'));
    assert!(!voting_line(&[], "never").contains('\u{1b}'));
    assert!(!voting_line(&["NO_COLOR=1"], "auto").contains('\u{1b}'));
    // Not a terminal: only `always` colours.
    for (color, coloured) in [("always", true), ("auto", false), ("never", false)] {
        let (code, out, err) = run(mesh
            .cmd()
            .env_remove("NO_COLOR")
            .args(stat)
            .args(["--color", color]));
        assert_eq!(code, 0, "{err}");
        assert_eq!(out.contains('\u{1b}'), coloured, "--color {color}: {out:?}");
    }
}

#[test]
fn tables_in_an_80_column_terminal_keep_one_line_per_row() {
    let mesh = Mesh::start();
    let tmux = Tmux::start(mesh.dir());
    let snapshot = mesh.path("snap.om");
    let (code, _, err) = run(mesh
        .cmd()
        .args(["snapshot", "-n", "emojivoto", "-O"])
        .arg(&snapshot));
    assert_eq!(code, 0, "{err}");
    let snapshot = snapshot.display().to_string();
    let commands: [Vec<&str>; 3] = [
        vec![
            "stat",
            "-n",
            "emojivoto",
            "--since-start",
            "--by",
            "authority",
        ],
        vec!["stat", "-A", "--since-start", "-o", "wide"],
        vec![
            "diff",
            &snapshot,
            "deploy/web",
            "-n",
            "emojivoto",
            "-m",
            "response_total",
        ],
    ];
    for args in commands {
        // What a pipe gets.
        let (_, piped, err) = run(mesh.cmd().args(&args));
        let piped = trimmed_lines(&piped);
        assert!(!piped.is_empty(), "{args:?}: {err}");
        assert!(
            piped.iter().any(|l| l.chars().count() > 80),
            "{args:?}: the table is wider than the terminal: {piped:#?}"
        );
        let shell = shell_line(&mesh, &args);
        let shown = trimmed_lines(&tmux.run(80, &["NO_COLOR=1"], &shell));
        // Numbers move between the two runs; the layout does not: as many lines, the same
        // header, each row as many cells starting with the same name.
        assert_eq!(
            shown.len(),
            piped.len(),
            "{args:?}: {shown:#?} vs {piped:#?}"
        );
        assert_eq!(shown[0], piped[0], "{args:?}: header");
        for (on_screen, in_pipe) in shown.iter().zip(&piped) {
            let (a, b) = (cells(on_screen), cells(in_pipe));
            assert_eq!(
                (a.len(), a.first()),
                (b.len(), b.first()),
                "{args:?}: {on_screen:?} vs {in_pipe:?}"
            );
        }
    }
}
