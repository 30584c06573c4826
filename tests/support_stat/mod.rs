//! Shared set-up for the `stat`, `top`, `diff` and `snapshot` integration tests: a simulated mesh
//! served from a runtime inside the test process, and the built binary pointed at it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use linkerd_export::sim::{ExpectedTraffic, Sim, SimConfig, SimHandle};

/// A running simulated mesh and a kubeconfig for it.
pub struct Mesh {
    pub sim: SimHandle,
    pub dir: tempfile::TempDir,
    pub kubeconfig: PathBuf,
    // Dropped last: it serves the simulation.
    _runtime: tokio::runtime::Runtime,
}

impl Mesh {
    /// Starts the default emojivoto mesh.
    pub fn start() -> Mesh {
        Mesh::with(SimConfig::default())
    }

    /// Starts a mesh with `config`.
    pub fn with(config: SimConfig) -> Mesh {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let sim = runtime
            .block_on(Sim::start(config))
            .expect("start simulation");
        let dir = tempfile::tempdir().expect("temp dir");
        let kubeconfig = dir.path().join("kubeconfig");
        sim.write_kubeconfig(&kubeconfig).expect("write kubeconfig");
        Mesh {
            sim,
            dir,
            kubeconfig,
            _runtime: runtime,
        }
    }

    /// The binary with `--kubeconfig` set and colour off.
    pub fn cmd(&self) -> Command {
        let mut cmd = bin();
        cmd.arg("--kubeconfig").arg(&self.kubeconfig);
        cmd
    }

    /// A path in the test's temporary directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// What `stat` should show for a workload's inbound traffic.
    pub fn expected(&self, workload: &str) -> ExpectedTraffic {
        self.sim
            .expected_inbound("emojivoto", workload)
            .unwrap_or_else(|| panic!("no expected traffic for {workload}"))
    }
}

/// The built binary, with colour off and no inherited kubeconfig.
pub fn bin() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kubectl-linkerd_export"));
    cmd.env_remove("KUBECONFIG").env("NO_COLOR", "1");
    cmd
}

/// Runs `cmd`, returning exit code, stdout and stderr.
pub fn run(cmd: &mut Command) -> (i32, String, String) {
    let out = cmd.output().expect("run binary");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).expect("utf-8 stdout"),
        String::from_utf8(out.stderr).expect("utf-8 stderr"),
    )
}

/// `actual` is within `tolerance` (absolute) of `expected`.
pub fn assert_close(what: &str, actual: f64, expected: f64, tolerance: f64) {
    assert!(
        (actual - expected).abs() <= tolerance,
        "{what}: got {actual}, expected {expected} ± {tolerance}"
    );
}

/// A fixture of real proxy output.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/linkerd")
        .join(name)
}
