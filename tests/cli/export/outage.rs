//! A long-running `export` rides out outages, driven through the built binary against the
//! simulated mesh: a real Prometheus receiver stopped and restarted mid-export loses nothing,
//! and an API server that goes away is told once, retried each round, and told back. Also where
//! `--serve` listens.

use crate::support::prometheus;
use crate::support::scripted_http;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, ChildStderr, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::support::Mesh;
use crate::support::process::{Running, signal};
use prometheus::Prometheus;
use tokio::net::{TcpListener, TcpStream};
use tokio::runtime::Runtime;
use tokio::task::JoinHandle;

const LIMIT: Duration = Duration::from_secs(60);

/// `N` of a `... over N rounds...` summary line.
fn rounds_in(summary: &str) -> usize {
    let (_, rest) = summary.split_once(" over ").expect(summary);
    rest.split(' ').next().unwrap().parse().unwrap()
}

#[test]
fn a_prometheus_restart_mid_export_loses_no_round() {
    let mesh = Mesh::still();
    let mut prometheus = Prometheus::start("");
    let url = format!("{}/api/v1/write", prometheus.url());
    let mut command = mesh.process();
    command
        .args(["export", "deploy/web", "-n", "emojivoto"])
        .args(["--remote-write", &url, "--every", "200ms"]);
    let mut export = Running::spawn(command);
    export.until("round 3 sent", |l| l.starts_with("round 3: sent "));

    prometheus.stop();
    let warning = export.until("the outage warning", |l| l.starts_with("warning: "));
    assert!(
        warning.contains("cannot reach") && warning.contains("queuing rounds until the receiver"),
        "{warning}"
    );
    for _ in 0..5 {
        export.until("a queued round", |l| l.contains(": queued "));
    }
    prometheus.restart();
    export.until("the receiver back", |l| {
        l.contains("the receiver answers again")
    });
    let sent_after = export.until("a round sent after", |l| l.contains(": sent "));
    let (code, lines) = export.interrupt();
    let summary = lines.last().unwrap().clone();
    assert_eq!(code, 0, "{lines:#?}");
    assert!(!summary.contains("lost"), "{summary}");
    assert!(
        summary.contains("queued during an outage and sent later"),
        "{summary}"
    );
    let warnings = lines.iter().filter(|l| l.starts_with("warning:")).count();
    assert_eq!(warnings, 1, "one warning per outage: {lines:#?}");
    let rounds = rounds_in(&summary);
    assert!(rounds >= 9, "{sent_after} {summary}");

    // Every series holds one sample per round: none lost, none twice.
    let counts = prometheus.query(
        r#"count_over_time(request_total{deployment="web"}[1h])"#,
        None,
    );
    assert!(!counts.is_empty());
    for series in &counts {
        let stored: usize = series["value"][1].as_str().unwrap().parse().unwrap();
        assert_eq!(stored, rounds, "{series}");
    }
}

/// A TCP relay in front of the simulated API server that can be taken down (connections cut,
/// new ones closed at once and counted) and brought back, as an API server restart looks to a
/// client.
struct Relay {
    addr: SocketAddr,
    up: Arc<AtomicBool>,
    turned_away: Arc<AtomicUsize>,
    open: Arc<Mutex<Vec<JoinHandle<()>>>>,
    runtime: Runtime,
}

impl Relay {
    fn start(target: SocketAddr) -> Relay {
        let runtime = Runtime::new().unwrap();
        let listener = runtime.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
        let addr = listener.local_addr().unwrap();
        let up = Arc::new(AtomicBool::new(true));
        let turned_away = Arc::new(AtomicUsize::new(0));
        let open: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let (accepting, counted, tasks) = (up.clone(), turned_away.clone(), open.clone());
        runtime.spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if !accepting.load(Ordering::SeqCst) {
                    counted.fetch_add(1, Ordering::SeqCst);
                    continue;
                }
                let task = tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                tasks.lock().unwrap().push(task);
            }
        });
        Relay {
            addr,
            up,
            turned_away,
            open,
            runtime,
        }
    }

    fn down(&self) {
        self.up.store(false, Ordering::SeqCst);
        for task in self.open.lock().unwrap().drain(..) {
            task.abort();
        }
    }

    fn back(&self) {
        self.up.store(true, Ordering::SeqCst);
    }

    /// Waits until `n` more connections were turned away than `from`.
    fn wait_turned_away(&self, from: usize, n: usize) {
        let deadline = Instant::now() + LIMIT;
        while self.turned_away.load(Ordering::SeqCst) < from + n {
            assert!(Instant::now() < deadline, "the export stopped trying");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// Points the mesh's kubeconfig at `relay` instead of the API server.
fn through(mesh: &Mesh, relay: &Relay) {
    let kubeconfig = std::fs::read_to_string(&mesh.kubeconfig).unwrap();
    let server = mesh.sim.addr().to_string();
    assert!(kubeconfig.contains(&server));
    std::fs::write(
        &mesh.kubeconfig,
        kubeconfig.replace(&server, &relay.addr.to_string()),
    )
    .unwrap();
}

#[test]
fn every_warns_once_while_the_api_server_is_away_and_says_when_it_is_back() {
    let mesh = Mesh::still();
    let relay = Relay::start(mesh.sim.addr());
    through(&mesh, &relay);
    let receiver = relay
        .runtime
        .block_on(scripted_http::start(Vec::new(), None));
    let mut command = mesh.process();
    command
        .args(["export", "deploy/web", "-n", "emojivoto"])
        .args(["--remote-write", &format!("http://{}/w", receiver.addr)])
        .args(["--every", "100ms"]);
    let mut export = Running::spawn(command);
    export.until("round 2 sent", |l| l.starts_with("round 2: sent "));

    relay.down();
    // Many rounds' worth of tries while it is away.
    relay.wait_turned_away(0, 8);
    relay.back();
    let back = export.until("the API server back", |l| {
        l.starts_with("the API server answers again after ")
    });
    assert!(back.ends_with("(pods listed: 1)"), "{back}");
    export.until("a round sent after", |l| l.contains(": sent "));
    let (code, lines) = export.interrupt();
    assert_eq!(code, 0, "{lines:#?}");
    let told: Vec<&String> = lines
        .iter()
        .filter(|l| l.starts_with("warning:") && l.contains("keeping the last pod list (1 found)"))
        .collect();
    assert_eq!(told.len(), 1, "{lines:#?}");
    let per_round = lines
        .iter()
        .filter(|l| l.starts_with("round ") && l.contains(": skipped: "))
        .count();
    assert_eq!(per_round, 1, "told once, not once per round: {lines:#?}");
    assert!(!lines.iter().any(|l| l.starts_with("error:")), "{lines:#?}");
    let summary = lines.last().unwrap();
    assert!(
        summary.contains("rounds skipped (nothing could be collected)"),
        "{summary}"
    );
}

/// A `--serve` export and the address it printed.
fn serve(mesh: &Mesh, addr: &str) -> (Child, String, BufReader<ChildStderr>) {
    let mut child = mesh
        .process()
        .args(["export", "deploy/web", "-n", "emojivoto", "--serve", addr])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    (child, line.trim().to_string(), stderr)
}

fn stop(mut child: Child, stderr: BufReader<ChildStderr>) -> Vec<String> {
    signal(&child, "-INT");
    child.wait().unwrap();
    stderr.lines().map(Result::unwrap).collect()
}

#[test]
fn serve_a_bare_port_binds_loopback_and_every_interface_is_warned_about() {
    let mesh = Mesh::still();
    let port = prometheus::free_addr()
        .rsplit_once(':')
        .unwrap()
        .1
        .to_string();
    let (child, bound, stderr) = serve(&mesh, &port);
    assert_eq!(bound, format!("127.0.0.1:{port}"));
    let (status, _) = prometheus::get(&bound, "/metrics").unwrap();
    assert_eq!(status, 200);
    let lines = stop(child, stderr);
    assert!(
        !lines.iter().any(|l| l.starts_with("warning:")),
        "{lines:#?}"
    );

    for every in [":0", "0.0.0.0:0"] {
        let (child, bound, stderr) = serve(&mesh, every);
        assert!(bound.starts_with("0.0.0.0:"), "{every}: {bound}");
        let lines = stop(child, stderr);
        let warning = lines
            .iter()
            .find(|l| l.starts_with("warning:"))
            .unwrap_or_else(|| panic!("{every}: {lines:#?}"));
        assert!(
            warning.contains(&format!("--serve {every} listens on every interface"))
                && warning.contains("no authentication"),
            "{warning}"
        );
    }
}

#[test]
fn serve_answers_503_while_the_api_server_is_away_and_warns_once() {
    let mesh = Mesh::still();
    let relay = Relay::start(mesh.sim.addr());
    through(&mesh, &relay);
    let (child, bound, stderr) = serve(&mesh, "127.0.0.1:0");
    assert_eq!(prometheus::get(&bound, "/metrics").unwrap().0, 200);
    relay.down();
    for _ in 0..3 {
        let (status, body) = prometheus::get(&bound, "/metrics").unwrap();
        assert_eq!(status, 503, "{body}");
        assert!(
            body.starts_with("the targets' pods cannot be listed: "),
            "{body}"
        );
    }
    relay.back();
    let (status, body) = prometheus::get(&bound, "/metrics").unwrap();
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("deployment=\"web\""));
    let lines = stop(child, stderr);
    let warnings = lines.iter().filter(|l| l.starts_with("warning:")).count();
    assert_eq!(warnings, 1, "{lines:#?}");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("the API server answers again after ")),
        "{lines:#?}"
    );
}

#[test]
fn samples_lost_to_a_full_buffer_are_counted_and_exit_3() {
    let mesh = Mesh::still();
    let runtime = Runtime::new().unwrap();
    let down: Vec<scripted_http::Reply> = (0..1000)
        .map(|_| scripted_http::Reply::new(503, "restarting"))
        .collect();
    let receiver = runtime.block_on(scripted_http::start(down, None));
    let mut command = mesh.process();
    command
        .args(["export", "deploy/web", "-n", "emojivoto"])
        .args(["--remote-write", &format!("http://{}/w", receiver.addr)])
        .args(["--every", "100ms", "--buffer", "1B"]);
    let mut export = Running::spawn(command);
    for _ in 0..2 {
        let dropped = export.until("a dropped round", |l| l.contains("the buffer is full"));
        assert!(
            dropped.starts_with("warning: round ")
                && dropped.contains("(1 B): dropped the oldest "),
            "{dropped}"
        );
    }
    let (code, lines) = export.interrupt();
    assert_eq!(code, 3, "{lines:#?}");
    let summary = lines.last().unwrap();
    assert!(
        summary.starts_with("interrupted")
            && summary.contains("samples lost: dropped from the full buffer"),
        "{summary}"
    );
}
