//! Shared set-up for every root test binary: the one way to start a simulated mesh (in-process,
//! through [`Mesh::builder`]), the built binary pointed at it through a kubeconfig, and small
//! helpers for reading what it printed. Submodules hold the rest: a library client connected to
//! the mesh, plain HTTP GETs, the real kubectl, a spawned run watched line by line, tmux,
//! Prometheus, VictoriaMetrics, and a scripted HTTP server.

#![allow(dead_code)] // each test binary uses its own subset

pub mod cluster;
pub mod fetch;
pub mod kubectl;
pub mod process;
pub mod prometheus;
pub mod scripted_http;
pub mod tmux;
pub mod victoria;

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use assert_cmd::Command;
use linkerd_export::interrupt::Interrupt;
use linkerd_export_sim::{ExpectedTraffic, Sim, SimConfig, SimHandle};
use tokio::runtime::Runtime;

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_kubectl-linkerd_export");

/// A running simulated mesh and a kubeconfig that reaches it.
pub struct Mesh {
    /// The simulation.
    pub sim: SimHandle,
    /// Where its kubeconfig is written.
    pub kubeconfig: PathBuf,
    dir: tempfile::TempDir,
    // Last, so the servers stop only after everything above is dropped. `None` when the mesh
    // runs in the caller's runtime ([`MeshBuilder::start_here`]).
    runtime: Option<Runtime>,
}

/// What a [`Mesh`] simulates: the default emojivoto topology unless told otherwise.
#[must_use]
pub struct MeshBuilder {
    config: SimConfig,
}

impl MeshBuilder {
    /// Starts from `config` instead of the default.
    pub fn config(self, config: SimConfig) -> MeshBuilder {
        MeshBuilder { config }
    }

    /// Injected faults, e.g. `["refuse:web-*"]`.
    pub fn faults(mut self, faults: &[&str]) -> MeshBuilder {
        self.config.faults = faults.iter().map(|f| f.parse().expect("fault")).collect();
        self
    }

    /// Replicas of each emojivoto deployment.
    pub fn replicas(mut self, replicas: u32) -> MeshBuilder {
        self.config.replicas = replicas;
        self
    }

    /// Delay added to every API request and port-forward set-up.
    pub fn latency(mut self, latency: Duration) -> MeshBuilder {
        self.config.latency = latency;
        self
    }

    /// Clock step of the proxies' counters (an hour keeps them still for a test).
    pub fn tick(mut self, tick: Duration) -> MeshBuilder {
        self.config.tick = tick;
        self
    }

    /// Counters that stand still for the test's duration (they step once an hour), so two reads
    /// at different moments agree exactly.
    pub fn still(self) -> MeshBuilder {
        self.tick(Duration::from_secs(3600))
    }

    /// Starts the mesh on a runtime of its own, for synchronous tests.
    pub fn start(self) -> Mesh {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let sim = runtime
            .block_on(Sim::start(self.config))
            .expect("simulator starts");
        Mesh::around(sim, Some(runtime))
    }

    /// Starts the mesh on the calling runtime, for `#[tokio::test]`s.
    pub async fn start_here(self) -> Mesh {
        let sim = Sim::start(self.config).await.expect("simulator starts");
        Mesh::around(sim, None)
    }
}

impl Mesh {
    /// The default emojivoto topology.
    pub fn start() -> Mesh {
        Mesh::builder().start()
    }

    /// A mesh with the given configuration.
    pub fn with(config: SimConfig) -> Mesh {
        Mesh::builder().config(config).start()
    }

    /// A mesh with faults, e.g. `["refuse:web-*"]`.
    pub fn with_faults(faults: &[&str]) -> Mesh {
        Mesh::builder().faults(faults).start()
    }

    /// The default topology with counters that stand still ([`MeshBuilder::still`]).
    pub fn still() -> Mesh {
        Mesh::builder().still().start()
    }

    /// A mesh to configure before it starts.
    pub fn builder() -> MeshBuilder {
        MeshBuilder {
            config: SimConfig::default(),
        }
    }

    /// `sim` with its kubeconfig written to a new scratch directory.
    fn around(sim: SimHandle, runtime: Option<Runtime>) -> Mesh {
        let dir = tempfile::tempdir().expect("temp dir");
        let kubeconfig = dir.path().join("kubeconfig");
        sim.write_kubeconfig(&kubeconfig)
            .expect("kubeconfig written");
        Mesh {
            sim,
            kubeconfig,
            dir,
            runtime,
        }
    }

    /// The binary with `--kubeconfig` pointing at this mesh and no ambient kube configuration.
    pub fn cmd(&self) -> Command {
        Command::from_std(self.process())
    }

    /// [`Mesh::cmd`] as a plain `std::process::Command`, for runs that are spawned and watched.
    pub fn process(&self) -> std::process::Command {
        let mut cmd = std::process::Command::new(BIN);
        cmd.env_remove("KUBECONFIG")
            .env("NO_COLOR", "1")
            .env("HOME", self.dir.path())
            .arg("--kubeconfig")
            .arg(&self.kubeconfig);
        cmd
    }

    /// A scratch directory that lives as long as the mesh.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// A path in the scratch directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The name of the first pod in `namespace` whose name starts with `prefix`.
    pub fn pod(&self, namespace: &str, prefix: &str) -> String {
        self.sim
            .pods()
            .iter()
            .find(|p| p.namespace == namespace && p.name.starts_with(prefix))
            .map(|p| p.name.clone())
            .unwrap_or_else(|| panic!("no simulated pod {namespace}/{prefix}*"))
    }

    /// `snapshot ARGS -O NAME` into the scratch directory, asserting it exits 0; the file's path.
    pub fn snapshot(&self, name: &str, args: &[&str]) -> PathBuf {
        let path = self.path(name);
        success(self.cmd().arg("snapshot").args(args).arg("-O").arg(&path));
        path
    }

    /// The sample lines `metrics -o prom ARGS` prints, asserting it exits 0.
    pub fn prom_samples(&self, args: &[&str]) -> Vec<String> {
        success(self.cmd().args(["metrics", "-o", "prom"]).args(args))
            .lines()
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .map(str::to_string)
            .collect()
    }

    /// The two web pods of a two-replica mesh, by name, the second taken out of the API
    /// server's pod list as a rollout's replacement is before it starts: `(old, new)`.
    pub fn rollout_pods(&self) -> (String, String) {
        let mut web: Vec<String> = self
            .sim
            .pods()
            .iter()
            .filter(|p| p.namespace == "emojivoto" && p.name.starts_with("web-"))
            .map(|p| p.name.clone())
            .collect();
        web.sort();
        let [old, new] = <[String; 2]>::try_from(web).expect("two web pods");
        assert!(self.sim.set_pod_present("emojivoto", &new, false));
        (old, new)
    }

    /// What `stat` should show for an emojivoto workload's inbound traffic.
    pub fn expected(&self, workload: &str) -> ExpectedTraffic {
        self.sim
            .expected_inbound("emojivoto", workload)
            .unwrap_or_else(|| panic!("no expected traffic for {workload}"))
    }
}

/// The built binary, with colour off and no inherited kubeconfig.
pub fn bin() -> Command {
    let mut cmd = Command::new(BIN);
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

/// Runs `cmd`, asserting it exits 0 (its stderr in the failure message); returns its stdout.
pub fn success(cmd: &mut Command) -> String {
    let out = cmd.output().expect("run binary");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{cmd:?} failed: {}",
        stderr(&out)
    );
    stdout(&out)
}

/// `N` from the `sent N samples in M requests to URL` line of an export's stderr.
pub fn samples_sent(stderr: &str, url: &str) -> usize {
    let line = stderr
        .lines()
        .find(|line| line.starts_with("sent ") && line.ends_with(&format!(" to {url}")))
        .unwrap_or_else(|| panic!("no summary line in {stderr}"));
    line.split(' ').nth(1).unwrap().parse().unwrap()
}

/// Now, in milliseconds since the Unix epoch (a remote-write sample's timestamp).
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// An interrupt that never fires.
pub fn never() -> Interrupt {
    let (trigger, interrupt) = Interrupt::new();
    std::mem::forget(trigger);
    interrupt
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

/// A sample line (`name{labels} value [timestamp]`) with its labels sorted by name: a series is
/// its label set, whatever order a writer put the labels in.
pub fn with_sorted_labels(line: &str) -> String {
    let Some((name, rest)) = line.split_once('{') else {
        return line.to_string();
    };
    let (labels, value) = rest.rsplit_once('}').expect("a closing brace");
    let pair = regex::Regex::new(r#"[A-Za-z_][A-Za-z0-9_]*="(?:[^"\\]|\\.)*""#).unwrap();
    let mut pairs: Vec<&str> = pair.find_iter(labels).map(|m| m.as_str()).collect();
    pairs.sort();
    format!("{name}{{{}}}{value}", pairs.join(","))
}
