//! tmux as a real terminal for the tests: a server of its own per test, windows of a chosen size,
//! what they show (polled until done, with a deadline) and keys typed into them.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// A tmux server of its own (socket in a temporary directory), killed when dropped.
pub struct Tmux {
    socket: PathBuf,
    /// Sessions started by [`Tmux::run`]: each keeps its own name and stays until the server is
    /// killed, because killing the last session stops the server, and a session started right
    /// then can reach the dying server ("server exited unexpectedly").
    runs: std::cell::Cell<u32>,
}

impl Tmux {
    pub fn start(dir: &Path) -> Tmux {
        Tmux {
            socket: dir.join("tmux.sock"),
            runs: std::cell::Cell::new(0),
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
    pub fn run(&self, columns: u16, env: &[&str], shell: &str) -> String {
        let marker = "__finished__";
        let script = format!("{shell}; echo {marker}; exec cat");
        let session = format!("run{}", self.runs.get());
        self.runs.set(self.runs.get() + 1);
        let mut cmd = self.tmux();
        cmd.args(["new-session", "-d", "-s", &session])
            .args(["-x", &columns.to_string(), "-y", "200"])
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
                .args(["capture-pane", "-p", "-J", "-e", "-S", "-", "-t", &session])
                .output()
                .expect("tmux capture-pane");
            let screen = String::from_utf8_lossy(&out.stdout).into_owned();
            if let Some(end) = screen.find(&format!("{marker}\n")) {
                return screen[..end].to_string();
            }
            assert!(Instant::now() < deadline, "no end of output: {screen}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Tmux {
    /// Starts `shell` in a new `columns` × `rows` window, without colour, and leaves it running.
    pub fn start_session(&self, columns: u16, rows: u16, shell: &str) {
        let status = self
            .tmux()
            .args(["new-session", "-d", "-x", &columns.to_string()])
            .args([
                "-y",
                &rows.to_string(),
                "-e",
                "TERM=xterm",
                "-e",
                "NO_COLOR=1",
            ])
            .arg(shell)
            .status()
            .expect("tmux runs");
        assert!(status.success(), "tmux new-session failed");
    }

    /// Polls what the window shows until `done` holds (60 s at most) and returns it.
    pub fn wait_for(&self, what: &str, done: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let out = self
                .tmux()
                .args(["capture-pane", "-p"])
                .output()
                .expect("tmux capture-pane");
            let screen = String::from_utf8_lossy(&out.stdout).into_owned();
            if done(&screen) {
                return screen;
            }
            assert!(Instant::now() < deadline, "{what}: {screen}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Types `keys` into the window.
    pub fn keys(&self, keys: &str) {
        let status = self
            .tmux()
            .args(["send-keys", "-l", keys])
            .status()
            .expect("tmux send-keys");
        assert!(status.success());
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
