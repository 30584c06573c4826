//! A spawned run of the binary watched while it runs: its stderr read line by line as it comes,
//! a signal sent to it, and its exit awaited with a deadline.

use std::io::{BufRead, BufReader, Lines};
use std::process::{Child, ChildStderr, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// A running process and the lines of its stderr, read as they come.
pub struct Running {
    /// The process.
    pub child: Child,
    lines: Lines<BufReader<ChildStderr>>,
    seen: Vec<String>,
}

impl Running {
    /// Spawns `command` with stdout discarded and stderr piped.
    pub fn spawn(mut command: Command) -> Running {
        let mut child = command
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let lines = BufReader::new(child.stderr.take().unwrap()).lines();
        Running {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Reads stderr until a line satisfies `done`; returns it.
    pub fn until(&mut self, what: &str, done: impl Fn(&str) -> bool) -> String {
        for line in self.lines.by_ref() {
            let line = line.unwrap();
            self.seen.push(line.clone());
            if done(&line) {
                return line;
            }
        }
        panic!("stderr ended before {what}: {:#?}", self.seen);
    }

    /// Ctrl-C, then the exit code and every line of stderr.
    pub fn interrupt(mut self) -> (i32, Vec<String>) {
        signal(&self.child, "-INT");
        let status = self.child.wait().unwrap();
        self.seen.extend(self.lines.map(Result::unwrap));
        (status.code().unwrap_or(-1), self.seen)
    }
}

/// Sends `signal` (`-INT`, `-TERM`) to `child` with kill(1), asserting it was delivered.
pub fn signal(child: &Child, signal: &str) {
    let sent = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(sent.success(), "kill {signal} {}", child.id());
}

/// Waits for `child` to exit, polling until `limit` has passed; past it, kills the child and
/// fails the test saying `what` did not happen.
pub fn exit_within(child: &mut Child, limit: Duration, what: &str) -> ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            panic!("{what}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
