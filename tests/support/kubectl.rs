//! The real kubectl (`/usr/bin/kubectl`) against a simulated mesh, with the plugin on a PATH the
//! way a krew or cargo install leaves it.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::{BIN, Mesh};

/// Where the tests expect the real kubectl.
pub const KUBECTL: &str = "/usr/bin/kubectl";

/// Fails the test, saying what is missing, unless the real kubectl is installed.
pub fn require_kubectl() {
    assert!(
        Path::new(KUBECTL).exists(),
        "these tests need the real kubectl at {KUBECTL}"
    );
}

/// A PATH whose first entry (in the mesh's scratch directory) holds only
/// `kubectl-linkerd_export`, as a krew or cargo install leaves it: the plugin's path and the PATH.
pub fn plugin_path(mesh: &Mesh) -> (PathBuf, String) {
    let bin_dir = mesh.dir().join("bin");
    std::fs::create_dir_all(&bin_dir).unwrap();
    let plugin = bin_dir.join("kubectl-linkerd_export");
    if !plugin.exists() {
        std::os::unix::fs::symlink(BIN, &plugin).unwrap();
    }
    let path = format!("{}:/usr/local/bin:/usr/bin:/bin", bin_dir.display());
    (plugin, path)
}

/// The real kubectl with `path` as its PATH, its home in the mesh's scratch directory and the
/// mesh's kubeconfig.
pub fn kubectl(mesh: &Mesh, path: &str) -> Command {
    require_kubectl();
    let mut cmd = Command::new(KUBECTL);
    cmd.env("PATH", path)
        .env("HOME", mesh.dir())
        .env("KUBECONFIG", &mesh.kubeconfig);
    cmd
}
