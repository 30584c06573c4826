//! `export --remote-write` through the built binary into a real VictoriaMetrics, the stricter
//! receiver: every series `metrics -o prom` prints for the same pods is stored with the same
//! labels and value, and a PromQL query over the target labels adds up to what was printed.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::support::victoria::Victoria;
use crate::support::{Mesh, run, samples_sent};

const LIMIT: Duration = Duration::from_secs(60);

/// A sample line of `metrics -o prom`: its labels, `__name__` included, and its value.
fn parse_sample(line: &str) -> (BTreeMap<String, String>, f64) {
    let (name, rest) = line
        .split_once('{')
        .unwrap_or_else(|| line.split_once(' ').expect("name and value"));
    let (labels, value) = rest.rsplit_once('}').unwrap_or(("", rest));
    let pair = regex::Regex::new(r#"([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)""#).unwrap();
    let mut map: BTreeMap<String, String> = pair
        .captures_iter(labels)
        .map(|c| {
            let value = c[2]
                .replace(r"\n", "\n")
                .replace(r#"\""#, "\"")
                .replace(r"\\", "\\");
            (c[1].to_string(), value)
        })
        .collect();
    map.insert("__name__".into(), name.to_string());
    let value = match value.split_whitespace().next().expect("a value") {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        "NaN" => f64::NAN,
        number => number.parse().expect("a number"),
    };
    (map, value)
}

/// Whether VictoriaMetrics stored `printed` as `stored`. Its storage is decimal: integers (every
/// counter) come back exact, a fraction with about 12 significant digits kept
/// (1.2345678901234567 comes back 1.234567890123, a `_timestamp_seconds` gauge loses its
/// microseconds).
fn kept(printed: f64, stored: f64) -> bool {
    if printed.is_infinite() || printed.fract() == 0.0 {
        stored == printed
    } else {
        ((stored - printed) / printed).abs() <= 1e-11
    }
}

#[test]
fn victoria_metrics_stores_every_series_metrics_prints_with_target_labels() {
    let mesh = Mesh::still();
    let printed: Vec<_> = mesh
        .prom_samples(&["deploy", "-n", "emojivoto"])
        .iter()
        .map(|line| {
            // The writer drops empty label values, as Prometheus treats them as absent.
            let (mut labels, value) = parse_sample(line);
            labels.retain(|_, v| !v.is_empty());
            (labels, value)
        })
        .collect();
    let victoria = Victoria::start();
    let url = victoria.write_url();
    let (code, _, err) = run(mesh
        .cmd()
        .args([
            "export",
            "deploy",
            "-n",
            "emojivoto",
            "--remote-write",
            &url,
        ])
        .args(["--batch-size", "500"]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(samples_sent(&err, &url), printed.len(), "{err}");

    // VictoriaMetrics drops NaN samples: its storage has no NaN.
    let mut expected: BTreeMap<BTreeMap<String, String>, f64> = printed
        .iter()
        .filter(|(_, value)| !value.is_nan())
        .cloned()
        .collect();
    let stored = victoria.export_until(r#"{namespace="emojivoto"}"#, LIMIT, |s| {
        s.len() >= expected.len()
    });
    assert_eq!(stored.len(), expected.len(), "{}", victoria.log());
    for series in &stored {
        let value = expected
            .remove(&series.labels)
            .unwrap_or_else(|| panic!("stored but not printed: {:?}", series.labels));
        assert!(
            series.values.len() == 1 && kept(value, series.values[0]),
            "{:?}: printed {value}, stored {:?}",
            series.labels,
            series.values
        );
    }
    assert!(expected.is_empty(), "missing: {:?}", expected.keys().next());

    // web's request counters, selected by target labels as a dashboard does: every one of its
    // pods, each counter exact.
    let printed_web: BTreeMap<_, _> = printed
        .iter()
        .filter(|(l, _)| {
            l["__name__"] == "request_total" && l.get("deployment").is_some_and(|d| d == "web")
        })
        .cloned()
        .collect();
    let web = victoria
        .export(r#"request_total{job="linkerd-proxy",namespace="emojivoto",deployment="web"}"#);
    assert!(!web.is_empty());
    assert_eq!(web.len(), printed_web.len());
    for series in &web {
        let labels = &series.labels;
        assert!(labels["pod"].starts_with("web-"), "{labels:?}");
        assert!(labels["instance"].ends_with(":4191"), "{labels:?}");
        assert_eq!(labels["control_plane_ns"], "linkerd", "{labels:?}");
        assert_eq!(series.values, [printed_web[labels]], "{labels:?}");
    }
    let total: f64 = printed_web.values().sum();
    let scraped = web.iter().flat_map(|s| &s.timestamps).max().unwrap();
    let answer = victoria.query(
        r#"sum(request_total{namespace="emojivoto",deployment="web"})"#,
        Some(*scraped as f64 / 1000.0),
    );
    let answered: f64 = answer[0]["value"][1].as_str().unwrap().parse().unwrap();
    assert_eq!(answered, total, "{answer:?}");
}
