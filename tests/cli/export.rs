//! `export` and `prometheus-config` driven through the built binary against the simulated mesh:
//! pushed into, scraped by and backfilled into a real Prometheus; promtool checks the generated
//! configuration; usage errors exit 2.

mod duplicates;
mod outage;
mod target_labels;

use crate::support::prometheus;
use crate::support::scripted_http;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::support::{BIN, Mesh, stderr, stdout, success, with_sorted_labels};
use linkerd_export_sim::SimConfig;
use prometheus::Prometheus;
use scripted_http::Reply;

const LIMIT: Duration = Duration::from_secs(60);

/// A mesh whose counters stand still during the test, so two reads agree exactly.
fn still_mesh() -> Mesh {
    Mesh::with(SimConfig {
        tick: Duration::from_secs(3600),
        ..SimConfig::default()
    })
}

/// The number of samples `metrics -o prom` prints for the same targets.
fn sample_lines(mesh: &Mesh, args: &[&str]) -> usize {
    let output = mesh
        .cmd()
        .args(["metrics", "-o", "prom"])
        .args(args)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    stdout(&output)
        .lines()
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .count()
}

/// `N` from `sent N samples in M requests to URL`.
fn samples_sent(stderr: &str, url: &str) -> usize {
    let line = stderr
        .lines()
        .find(|line| line.starts_with("sent ") && line.ends_with(&format!(" to {url}")))
        .unwrap_or_else(|| panic!("no summary line in {stderr}"));
    line.split(' ').nth(1).unwrap().parse().unwrap()
}

#[test]
fn remote_write_stores_every_scraped_sample_with_target_labels() {
    let mesh = still_mesh();
    let expected = sample_lines(&mesh, &["deploy", "-n", "emojivoto"]);
    let prometheus = Prometheus::start("");
    let url = format!("{}/api/v1/write", prometheus.url());
    let output = mesh
        .cmd()
        .args([
            "export",
            "deploy",
            "-n",
            "emojivoto",
            "--remote-write",
            &url,
        ])
        .args(["--batch-size", "500"])
        .output()
        .unwrap();
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(0), "{err}");
    let sent = samples_sent(&err, &url);
    assert_eq!(sent, expected, "{err}");
    assert!(
        err.contains(&format!("in {} requests", sent.div_ceil(500))),
        "{err}"
    );

    let stored = prometheus.query_until(r#"{namespace="emojivoto"}"#, LIMIT, |r| r.len() == sent);
    assert_eq!(stored.len(), sent);
    let web = prometheus.query(r#"request_total{deployment="web"}"#, None);
    assert!(!web.is_empty());
    for series in &web {
        let pod = series["metric"]["pod"].as_str().unwrap();
        assert!(pod.starts_with("web-"), "{series}");
        assert_eq!(series["metric"]["job"], "linkerd-proxy", "{series}");
        assert_eq!(series["metric"]["app"], "web-svc", "{series}");
        assert_eq!(series["metric"]["control_plane_ns"], "linkerd", "{series}");
        assert!(
            series["metric"]["instance"]
                .as_str()
                .is_some_and(|i| i.ends_with(":4191")),
            "{series}"
        );
    }
}

#[test]
fn a_rejecting_receiver_is_an_error_naming_url_and_status() {
    let mesh = still_mesh();
    let prometheus = Prometheus::start_with("", false);
    let url = format!("{}/api/v1/write", prometheus.url());
    let output = mesh
        .cmd()
        .args([
            "export",
            "deploy/web",
            "-n",
            "emojivoto",
            "--remote-write",
            &url,
        ])
        .output()
        .unwrap();
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(
        err.starts_with(&format!("error: {url} answered HTTP 404")),
        "{err}"
    );
    assert!(err.contains("--web.enable-remote-write-receiver"), "{err}");
    assert!(err.contains("0 samples accepted before that"), "{err}");
}

#[test]
fn credentials_and_headers_reach_the_receiver_and_stay_out_of_errors() {
    let mesh = still_mesh();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(scripted_http::start(
        vec![Reply::new(401, "invalid token")],
        None,
    ));
    let url = format!("http://{}/api/v1/write", server.addr);
    let token = mesh.dir().join("token");
    std::fs::write(&token, "s3cret-token\n").unwrap();
    let output = mesh
        .cmd()
        .args([
            "export",
            "deploy/web",
            "-n",
            "emojivoto",
            "--remote-write",
            &url,
        ])
        .arg("--bearer-token-file")
        .arg(&token)
        .args(["--header", "X-Scope-OrgID: team-a"])
        .output()
        .unwrap();
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(err.contains("answered HTTP 401"), "{err}");
    assert!(err.contains("invalid token"), "{err}");
    assert!(!err.contains("s3cret"), "{err}");
    let received = server.received.lock().unwrap();
    assert_eq!(received.len(), 1, "a 401 is not retried");
    assert_eq!(received[0].headers["authorization"], "Bearer s3cret-token");
    assert_eq!(received[0].headers["x-scope-orgid"], "team-a");
    assert_eq!(received[0].headers["content-encoding"], "snappy");
}

/// The `export --serve` child process, killed when dropped.
struct Served {
    child: Child,
    addr: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(mesh: &Mesh, args: &[&str]) -> Served {
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
    let mesh = still_mesh();
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

#[test]
fn backfill_file_is_accepted_by_promtool() {
    let mesh = still_mesh();
    let file = mesh.dir().join("linkerd.om");
    let output = mesh
        .cmd()
        .args(["export", "-n", "emojivoto", "-o", "openmetrics", "-O"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.ends_with("# EOF\n"));
    assert!(
        text.contains("linkerd_export_snapshot_info{"),
        "the info family"
    );
    let blocks = mesh.dir().join("blocks");
    let promtool = Command::new("promtool")
        .args(["tsdb", "create-blocks-from", "openmetrics"])
        .arg(&file)
        .arg(&blocks)
        .output()
        .unwrap();
    assert!(
        promtool.status.success(),
        "{}",
        String::from_utf8_lossy(&promtool.stderr)
    );
    assert!(std::fs::read_dir(&blocks).unwrap().next().is_some());
}

#[test]
fn prometheus_config_detects_the_viz_namespace() {
    let mesh = Mesh::start();
    let output = mesh.cmd().arg("prometheus-config").output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let yaml: serde_norway::Value = serde_norway::from_str(&stdout(&output)).unwrap();
    let job = &yaml[0];
    assert_eq!(job["metrics_path"], "/federate");
    assert_eq!(
        job["kubernetes_sd_configs"][0]["namespaces"]["names"][0],
        "linkerd-viz"
    );

    let output = success(
        mesh.cmd()
            .args(["prometheus-config", "--format", "service-monitor"]),
    );
    let monitor: serde_norway::Value = serde_norway::from_str(&output).unwrap();
    assert_eq!(monitor["kind"], "ServiceMonitor");
    assert_eq!(monitor["metadata"]["namespace"], "linkerd-viz");
    assert_eq!(monitor["spec"]["endpoints"][0]["path"], "/federate");
}

#[test]
fn static_prometheus_config_passes_promtool() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(BIN)
        .args(["prometheus-config", "--viz-namespace", "linkerd-viz"])
        .args(["--format", "static", "--target", "127.0.0.1:9090"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let config = dir.path().join("prometheus.yml");
    std::fs::write(&config, format!("scrape_configs:\n{}", stdout(&output))).unwrap();
    let check = Command::new("promtool")
        .args(["check", "config"])
        .arg(&config)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
}

#[test]
fn usage_errors_exit_2() {
    let cases: [&[&str]; 9] = [
        &["metrics", "--source", "prom"],
        &[
            "export",
            "-O",
            "-",
            "--source",
            "prometheus=",
            "--from-file",
            "x.om",
        ],
        &["export", "deploy/web"],
        &["export", "--serve", ":0", "--bearer-token", "t"],
        &[
            "export",
            "--remote-write",
            "http://127.0.0.1:1/w",
            "-o",
            "openmetrics",
        ],
        &["export", "--serve", "127.0.0.1:0", "-O", "out.om"],
        &[
            "export",
            "--remote-write",
            "http://127.0.0.1:1/w",
            "--serve",
            ":0",
        ],
        &["export", "-O", "out.om", "--every", "10s"],
        &["prometheus-config", "--format", "static"],
    ];
    for args in cases {
        let output = Command::new(BIN).args(args).output().unwrap();
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
    }
    let output = Command::new(BIN)
        .args([
            "prometheus-config",
            "--viz-namespace",
            "v",
            "--target",
            "h:1",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("only used with --format static"));
}

#[test]
fn every_pushes_rounds_until_ctrl_c_then_sums_them_up() {
    let mesh = still_mesh();
    let prometheus = Prometheus::start("");
    let url = format!("{}/api/v1/write", prometheus.url());
    let mut child = mesh
        .process()
        .args(["export", "deploy/web", "-n", "emojivoto"])
        .args(["--remote-write", &url, "--every", "200ms"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut seen = Vec::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        let second = line.starts_with("round 2: sent ");
        seen.push(line);
        if second {
            break;
        }
    }
    assert!(seen.iter().any(|l| l.starts_with("round 2: ")), "{seen:?}");
    let interrupted = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(interrupted.success());
    let status = child.wait().unwrap();
    let rest: Vec<String> = lines.map(Result::unwrap).collect();
    assert_eq!(status.code(), Some(0), "{seen:?} {rest:?}");
    let last = rest.last().unwrap_or_else(|| panic!("{seen:?}"));
    assert!(
        last.starts_with("interrupted") && last.contains(&format!("to {url} over ")),
        "{last}"
    );
    let up = prometheus.query(
        r#"count_over_time(request_total{deployment="web"}[5m])"#,
        None,
    );
    assert!(!up.is_empty());
    for series in &up {
        let rounds: f64 = series["value"][1].as_str().unwrap().parse().unwrap();
        assert!(rounds >= 2.0, "{series}");
    }
}

/// A long-running `--serve` follows a rollout: each scrape lists the deployment's pods again, so
/// the replacement pod is scraped and the deleted one is neither scraped nor an error.
#[test]
fn serve_follows_a_rollout() {
    let mesh = Mesh::with(SimConfig {
        replicas: 2,
        tick: Duration::from_secs(3600),
        ..SimConfig::default()
    });
    let mut web: Vec<String> = mesh
        .sim
        .pods()
        .iter()
        .filter(|p| p.namespace == "emojivoto" && p.name.starts_with("web-"))
        .map(|p| p.name.clone())
        .collect();
    web.sort();
    let [old, new] = <[String; 2]>::try_from(web).expect("two web pods");
    assert!(mesh.sim.set_pod_present("emojivoto", &new, false));
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
    let mesh = still_mesh();
    let mut served = serve(&mesh, &["-n", "emojivoto"]);
    let (status, _) = prometheus::get(&served.addr, "/metrics").unwrap();
    assert_eq!(status, 200);
    let terminated = Command::new("kill")
        .args(["-TERM", &served.child.id().to_string()])
        .status()
        .unwrap();
    assert!(terminated.success());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let status = loop {
        if let Some(status) = served.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "still serving 10 s after SIGTERM"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(0), "{status:?}");
}

/// The sample lines of `metrics -o prom` with `args`, each with its labels sorted by name (a
/// series is its label set, whatever order a writer put them in), sorted.
fn samples_by_label_set(mesh: &Mesh, args: &[&str]) -> Vec<String> {
    let output = success(mesh.cmd().args(["metrics", "-o", "prom"]).args(args));
    let mut lines: Vec<String> = output
        .lines()
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(with_sorted_labels)
        .collect();
    lines.sort();
    lines
}

#[test]
fn source_prometheus_reads_what_the_proxies_serve() {
    let mesh = still_mesh();
    let scope = ["deploy/web", "-n", "emojivoto"];
    let direct = samples_by_label_set(&mesh, &scope);
    assert!(!direct.is_empty());
    let through_viz =
        samples_by_label_set(&mesh, &[&scope[..], &["--source", "prometheus"]].concat());
    assert_eq!(through_viz, direct, "the simulated linkerd-viz Prometheus");

    // `export --serve` answers /federate like a Prometheus does: a URL source to read from.
    let served = serve(&mesh, &["-n", "emojivoto"]);
    let source = format!("prometheus=http://{}", served.addr);
    let through_url = samples_by_label_set(&mesh, &[&scope[..], &["--source", &source]].concat());
    assert_eq!(through_url, direct, "a Prometheus URL");

    let file = mesh.dir().join("federated.om");
    let output = mesh
        .cmd()
        .args(["export", "-n", "emojivoto", "--source", "prometheus", "-O"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let promtool = Command::new("promtool")
        .args(["tsdb", "create-blocks-from", "openmetrics"])
        .arg(&file)
        .arg(mesh.dir().join("blocks"))
        .output()
        .unwrap();
    assert!(
        promtool.status.success(),
        "{}",
        String::from_utf8_lossy(&promtool.stderr)
    );
    let text = success(mesh.cmd().args([
        "snapshot",
        "deploy/web",
        "-n",
        "emojivoto",
        "--source",
        &source,
        "-O",
        "-",
    ]));
    assert!(
        text.contains(&format!(r#"source="http://{}/federate?"#, served.addr)),
        "{text}"
    );
    assert!(text.ends_with("# EOF\n"));
}

#[test]
fn an_unreachable_prometheus_source_is_an_error_naming_it() {
    let mesh = still_mesh();
    let output = mesh
        .cmd()
        .args([
            "metrics",
            "-n",
            "emojivoto",
            "--source",
            "prometheus=http://127.0.0.1:1",
        ])
        .output()
        .unwrap();
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(
        err.starts_with("error: cannot reach http://127.0.0.1:1/federate?"),
        "{err}"
    );
    let output = mesh
        .cmd()
        .args([
            "export",
            "--source",
            "prometheus",
            "-l",
            "app=web",
            "-O",
            "-",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
}

/// `(workload, requests, success rate, p50)` per row of `stat -o json` with `args`.
fn stat_rows(mesh: &Mesh, args: &[&str]) -> Vec<(String, String, String, String)> {
    let output = success(mesh.cmd().args(["stat", "-o", "json"]).args(args));
    let rows: Vec<serde_json::Value> = serde_json::from_str(&output).unwrap();
    rows.iter()
        .map(|row| {
            (
                row["workload"].to_string(),
                row["requests"].to_string(),
                row["success_rate"].to_string(),
                row["latency_p50_ms"].to_string(),
            )
        })
        .collect()
}

#[test]
fn stat_and_diff_read_through_the_viz_prometheus() {
    let mesh = still_mesh();
    let scope = ["deploy", "-n", "emojivoto", "--since-start"];
    let direct = stat_rows(&mesh, &scope);
    assert_eq!(direct.len(), 4, "{direct:?}");
    let through_viz = stat_rows(&mesh, &[&scope[..], &["--source", "prometheus"]].concat());
    assert_eq!(through_viz, direct);

    let output = success(
        mesh.cmd()
            .args([
                "diff",
                "deploy/web",
                "-n",
                "emojivoto",
                "--interval",
                "10ms",
            ])
            .args([
                "--source",
                "prometheus",
                "-o",
                "json",
                "-m",
                "request_total",
            ]),
    );
    let diff: serde_json::Value = serde_json::from_str(&output).unwrap();
    assert_eq!(diff["old"]["proxies"], 1, "{diff}");
    assert_eq!(diff["new"]["proxies"], 1, "{diff}");
}
