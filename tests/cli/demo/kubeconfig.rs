//! `demo --serve --kubeconfig-out FILE`: the kubeconfig carries a token, so it is created 0600, and
//! an existing file or symlink at FILE is replaced, never written through (spec §8).

#![cfg(unix)]

use std::io::BufRead;
use std::os::unix::fs::{MetadataExt, PermissionsExt, symlink};
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::Duration;

use crate::support::BIN;

/// A `demo --serve` process, killed when dropped.
struct Demo(Child);

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `demo --serve --kubeconfig-out out` and waits (up to a deadline) for the path it
/// announces on stdout's first line.
fn serve(out: &Path) -> Demo {
    let mut child = std::process::Command::new(BIN)
        .env_remove("KUBECONFIG")
        .args(["demo", "--serve", "--kubeconfig-out"])
        .arg(out)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn demo --serve");
    let stdout = child.stdout.take().expect("stdout");
    let demo = Demo(child);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = std::io::BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("demo --serve announces its kubeconfig");
    assert_eq!(line.trim_end(), out.display().to_string());
    demo
}

fn mode(path: &Path) -> u32 {
    std::fs::symlink_metadata(path)
        .expect("stat")
        .permissions()
        .mode()
        & 0o777
}

#[test]
fn a_new_kubeconfig_is_private() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("new.kubeconfig");
    let _demo = serve(&out);
    assert_eq!(mode(&out), 0o600);
    let text = std::fs::read_to_string(&out).expect("read");
    assert!(text.contains("token: "), "{text}");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .expect("list")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(leftovers, [std::ffi::OsString::from("new.kubeconfig")]);
}

#[test]
fn an_existing_file_is_replaced_not_written_through() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("kubeconfig");
    let other_name = dir.path().join("hard-link");
    std::fs::write(&out, "old contents\n").expect("write");
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    std::fs::hard_link(&out, &other_name).expect("hard link");
    let before = std::fs::metadata(&out).expect("stat").ino();
    let _demo = serve(&out);
    assert_eq!(mode(&out), 0o600);
    assert!(
        std::fs::read_to_string(&out)
            .expect("read")
            .contains("token: ")
    );
    assert_ne!(std::fs::metadata(&out).expect("stat").ino(), before);
    assert_eq!(
        std::fs::read_to_string(&other_name).expect("read"),
        "old contents\n",
        "the old file is left as it was"
    );
    assert_eq!(mode(&other_name), 0o644);
}

#[test]
fn a_symlink_is_replaced_not_followed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let target = dir.path().join("elsewhere");
    std::fs::write(&target, "not a kubeconfig\n").expect("write");
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let out = dir.path().join("kubeconfig");
    symlink(&target, &out).expect("symlink");
    let _demo = serve(&out);
    assert!(std::fs::symlink_metadata(&out).expect("lstat").is_file());
    assert_eq!(mode(&out), 0o600);
    assert!(
        std::fs::read_to_string(&out)
            .expect("read")
            .contains("token: ")
    );
    assert_eq!(
        std::fs::read_to_string(&target).expect("read"),
        "not a kubeconfig\n"
    );
}
