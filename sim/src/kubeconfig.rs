//! The kubeconfig that points clients (kube-rs, `kubectl`) at the simulated API server, and
//! writing it where only its owner can read it.

use std::io::Write as _;
use std::path::Path;

use base64::Engine as _;

/// The kubeconfig's cluster, user and context name.
pub const CONTEXT: &str = "sim";

/// A kubeconfig (YAML) with one cluster at `server` trusting `ca_pem`, one user with bearer
/// `token`, and the current context `sim` whose namespace is `namespace`.
pub fn render(server: &str, ca_pem: &str, token: &str, namespace: &str) -> String {
    let ca = base64::engine::general_purpose::STANDARD.encode(ca_pem);
    format!(
        "apiVersion: v1
kind: Config
clusters:
- name: {CONTEXT}
  cluster:
    server: {server}
    certificate-authority-data: {ca}
users:
- name: {CONTEXT}
  user:
    token: {token}
contexts:
- name: {CONTEXT}
  context:
    cluster: {CONTEXT}
    user: {CONTEXT}
    namespace: {namespace}
current-context: {CONTEXT}
preferences: {{}}
"
    )
}

/// Writes `contents` to `path` readable by its owner only (mode 0600 on Unix): a new file in the
/// same directory, renamed over `path`, so an existing file is replaced rather than written
/// through (keeping its mode) and a symlink at `path` is replaced rather than followed.
pub fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| std::io::Error::other("not a file name"))?
        .to_string_lossy();
    let mut attempt = 0;
    let (temp, mut file) = loop {
        let temp = dir.join(format!(".{name}.{:016x}.tmp", fastrand::u64(..)));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        match options.open(&temp) {
            Ok(file) => break (temp, file),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && attempt < 8 => attempt += 1,
            Err(e) => return Err(e),
        }
    };
    let written = file
        .write_all(contents)
        .and_then(|()| file.sync_all())
        .and_then(|()| std::fs::rename(&temp, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written
}
