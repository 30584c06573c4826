//! `export --serve` through the built binary: a real Prometheus scrapes it and gets the target
//! labels, a long-running serve follows a rollout, and SIGTERM ends it cleanly.

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::time::Duration;

use crate::support::Mesh;
use crate::support::process::{exit_within, signal};
use crate::support::prometheus::{self, Prometheus};

const LIMIT: Duration = Duration::from_secs(60);

/// The `export --serve` child process, killed when dropped.
pub(super) struct Served {
    child: Child,
    /// The address it printed it listens on.
    pub(super) addr: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `export --serve 127.0.0.1:0 ARGS`, once it printed the address it listens on.
pub(super) fn serve(mesh: &Mesh, args: &[&str]) -> Served {
    let mut child = mesh
        .process()
        .args(["export", "--serve", "127.0.0.1:0"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let served = Served {
        child,
        addr: first.trim().to_string(),
    };
    assert!(
        served.addr.starts_with("127.0.0.1:") && !served.addr.ends_with(":0"),
        "first stdout line: {first:?}"
    );
    served
}

#[test]
fn serve_is_scraped_by_prometheus_with_target_labels() {
    let mesh = Mesh::still();
    let served = serve(&mesh, &["-n", "emojivoto"]);
    let (status, federated) = prometheus::get(
        &served.addr,
        "/federate?match%5B%5D=request_total%7Bdeployment%3D%22web%22%7D",
    )
    .unwrap();
    assert_eq!(status, 200, "{federated}");
    assert!(
        federated
            .lines()
            .filter(|l| !l.starts_with('#'))
            .all(|l| l.starts_with("request_total{") && l.contains(r#"job="linkerd-proxy""#)),
        "{federated}"
    );
    assert!(federated.contains(r#"deployment="web""#), "{federated}");

    let prometheus = Prometheus::start(&format!(
        "- job_name: linkerd-export\n  static_configs:\n  - targets: ['{}']\n",
        served.addr
    ));
    let up = prometheus.query_until(r#"up{job="linkerd-export"} == 1"#, LIMIT, |r| r.len() == 1);
    assert_eq!(up.len(), 1, "{}", prometheus.log());
    let web = prometheus.query_until(
        r#"request_total{job="linkerd-export",deployment="web"}"#,
        LIMIT,
        |r| !r.is_empty(),
    );
    assert!(!web.is_empty(), "{}", prometheus.log());
    for series in &web {
        assert_eq!(series["metric"]["namespace"], "emojivoto", "{series}");
        assert!(
            series["metric"]["pod"]
                .as_str()
                .unwrap()
                .starts_with("web-"),
            "{series}"
        );
    }
}

/// A long-running `--serve` follows a rollout: each scrape lists the deployment's pods again, so
/// the replacement pod is scraped and the deleted one is neither scraped nor an error.
#[test]
fn serve_follows_a_rollout() {
    let mesh = Mesh::builder().replicas(2).still().start();
    let (old, new) = mesh.rollout_pods();
    let served = serve(&mesh, &["deploy/web", "-n", "emojivoto"]);
    let scraped_pods = || {
        let (status, body) = prometheus::get(&served.addr, "/metrics").unwrap();
        assert_eq!(status, 200, "{body}");
        let has = |pod: &str| body.contains(&format!("pod=\"{pod}\""));
        (has(&old), has(&new))
    };
    assert_eq!(scraped_pods(), (true, false), "before the rollout");

    assert!(mesh.sim.set_pod_present("emojivoto", &new, true));
    assert!(mesh.sim.set_pod_present("emojivoto", &old, false));
    assert_eq!(scraped_pods(), (false, true), "after the rollout");
}

/// SIGTERM (what Kubernetes sends a pod it stops) ends `--serve` as Ctrl-C does: cleanly, exit 0.
#[test]
fn serve_stops_cleanly_on_sigterm() {
    let mesh = Mesh::still();
    let mut served = serve(&mesh, &["-n", "emojivoto"]);
    let (status, _) = prometheus::get(&served.addr, "/metrics").unwrap();
    assert_eq!(status, 200);
    signal(&served.child, "-TERM");
    let status = exit_within(
        &mut served.child,
        Duration::from_secs(10),
        "still serving 10 s after SIGTERM",
    );
    assert_eq!(status.code(), Some(0), "{status:?}");
}
