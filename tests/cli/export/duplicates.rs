//! Export hygiene (spec §6): a scrape that repeats a series (same name and labels) is sent to a
//! remote-write receiver with each series once, holding its last value, and a warning says how
//! many samples were merged. Driven through the binary from a `--from-file` body, against the
//! scripted loopback receiver.

use crate::support::scripted_http;

use std::collections::BTreeMap;

use crate::support::{bin, run};

/// A proxy body whose `request_total` inbound series appears twice (labels in another order the
/// second time) and whose `tcp_open_total` appears three times.
const BODY: &str = "\
# TYPE request_total counter
request_total{direction=\"inbound\",tls=\"true\"} 10
request_total{direction=\"outbound\",tls=\"true\"} 20
request_total{tls=\"true\",direction=\"inbound\"} 11
# TYPE tcp_open_total counter
tcp_open_total{direction=\"inbound\"} 1
tcp_open_total{direction=\"inbound\"} 2
tcp_open_total{direction=\"inbound\"} 3
";

/// Each series received as `name{sorted labels}` → its values.
fn received(server: &scripted_http::ScriptedServer) -> BTreeMap<String, Vec<f64>> {
    let mut out: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for request in server.received.lock().unwrap().iter() {
        for series in request.write_request().timeseries {
            let name = series
                .labels
                .iter()
                .find(|l| l.name == "__name__")
                .map(|l| l.value.clone())
                .unwrap_or_default();
            let mut labels: Vec<String> = series
                .labels
                .iter()
                .filter(|l| matches!(l.name.as_str(), "direction" | "tls"))
                .map(|l| format!("{}={}", l.name, l.value))
                .collect();
            labels.sort();
            out.entry(format!("{name}{{{}}}", labels.join(",")))
                .or_default()
                .extend(series.samples.iter().map(|s| s.value));
        }
    }
    out
}

#[test]
fn duplicate_series_are_merged_before_remote_write_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("web.prom");
    std::fs::write(&file, BODY).unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(scripted_http::start(vec![], None));
    let url = format!("http://{}/api/v1/write", server.addr);

    let (code, _, err) = run(bin()
        .args(["export", "--remote-write", &url, "--from-file"])
        .arg(&file));
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("warning: 3 duplicate samples (same name and labels in one scrape) merged before remote write, keeping the last value"),
        "{err}"
    );
    let series = received(&server);
    assert_eq!(
        series,
        BTreeMap::from([
            (
                "request_total{direction=inbound,tls=true}".to_string(),
                vec![11.0]
            ),
            (
                "request_total{direction=outbound,tls=true}".to_string(),
                vec![20.0]
            ),
            ("tcp_open_total{direction=inbound}".to_string(), vec![3.0]),
        ])
    );
}

#[test]
fn a_scrape_without_duplicates_sends_everything_without_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("web.prom");
    let distinct: String = BODY.lines().take(3).map(|l| format!("{l}\n")).collect();
    std::fs::write(&file, distinct).unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(scripted_http::start(vec![], None));
    let url = format!("http://{}/api/v1/write", server.addr);

    let (code, _, err) = run(bin()
        .args(["export", "--remote-write", &url, "--from-file"])
        .arg(&file));
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("duplicate"), "{err}");
    assert_eq!(received(&server).len(), 2);
}
