//! Shared set-up for the CLI integration tests: a simulated mesh started in-process and the built
//! binary pointed at it through a kubeconfig.

#![allow(dead_code)] // each test binary uses its own subset

use std::path::{Path, PathBuf};

use linkerd_export::sim::{Sim, SimConfig, SimHandle};
use tokio::runtime::Runtime;

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_kubectl-linkerd_export");

/// A running simulated mesh and a kubeconfig that reaches it.
pub struct Mesh {
    /// The simulation.
    pub handle: SimHandle,
    /// Where its kubeconfig is written.
    pub kubeconfig: PathBuf,
    dir: tempfile::TempDir,
    // Last, so the servers stop only after everything above is dropped.
    runtime: Runtime,
}

impl Mesh {
    /// The default emojivoto topology.
    pub fn start() -> Mesh {
        Mesh::with(SimConfig::default())
    }

    /// A mesh with the given configuration.
    pub fn with(config: SimConfig) -> Mesh {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let handle = runtime
            .block_on(Sim::start(config))
            .expect("simulator starts");
        let dir = tempfile::tempdir().expect("temp dir");
        let kubeconfig = dir.path().join("kubeconfig");
        handle
            .write_kubeconfig(&kubeconfig)
            .expect("kubeconfig written");
        Mesh {
            handle,
            kubeconfig,
            dir,
            runtime,
        }
    }

    /// A mesh with faults, e.g. `["refuse:web-*"]`.
    pub fn with_faults(faults: &[&str]) -> Mesh {
        Mesh::with(SimConfig {
            faults: faults.iter().map(|f| f.parse().expect("fault")).collect(),
            ..SimConfig::default()
        })
    }

    /// The binary with `--kubeconfig` pointing at this mesh and no ambient kube configuration.
    pub fn cmd(&self) -> assert_cmd::Command {
        let mut cmd = assert_cmd::Command::new(BIN);
        cmd.env_remove("KUBECONFIG")
            .env("HOME", self.dir.path())
            .arg("--kubeconfig")
            .arg(&self.kubeconfig);
        cmd
    }

    /// A scratch directory that lives as long as the mesh.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The name of the first pod in `namespace` whose name starts with `prefix`.
    pub fn pod(&self, namespace: &str, prefix: &str) -> String {
        self.handle
            .pods()
            .iter()
            .find(|p| p.namespace == namespace && p.name.starts_with(prefix))
            .map(|p| p.name.clone())
            .unwrap_or_else(|| panic!("no simulated pod {namespace}/{prefix}*"))
    }
}

/// The pod names of a raw dump's `# POD NAME (i of n)` headers, in order.
pub fn raw_pods(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter_map(|l| l.strip_prefix("# POD "))
        .map(|rest| rest.split(' ').next().unwrap_or_default().to_string())
        .collect()
}

/// Stdout of a finished command, as text.
pub fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Stderr of a finished command, as text.
pub fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}
