//! Writers: round trips through our own parser, and promtool's acceptance of the output.

use std::collections::BTreeMap;

use linkerd_export::metrics::MetricType;

use linkerd_export::metrics::model::{Snapshot, TARGET_LABEL_NAMES, Target};
use linkerd_export::metrics::parse;
use linkerd_export::metrics::write::{self, Format, WriteOptions};
use linkerd_export::resolve::{PodTarget, TargetLabelSet, Workload};

use crate::support::prometheus::{backfill, promtool};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/linkerd");

fn fixture_texts() -> Vec<(String, String)> {
    let mut out: Vec<_> = std::fs::read_dir(FIXTURES)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

/// Every fixture as one target of a snapshot, with distinct target labels.
fn fixture_snapshot() -> Snapshot {
    let targets = fixture_texts()
        .iter()
        .enumerate()
        .map(|(i, (_, text))| {
            let pod = PodTarget {
                namespace: "emojivoto".into(),
                pod: format!("web-{i}"),
                uid: format!("uid-{i}"),
                container: "linkerd-proxy".into(),
                admin_port: 4191,
                workload: Some(Workload {
                    kind: "deployment",
                    name: "web".into(),
                }),
                pod_ip: Some(format!("10.42.0.{i}")),
                labels: [("app".to_string(), "web-svc".to_string())].into(),
            };
            let labels = pod.target_labels(TargetLabelSet::Full);
            Target::parse(text.clone(), labels, Some(1_764_014_400_000 + i as i64)).unwrap()
        })
        .collect();
    Snapshot { targets }
}

type SampleKey = (Vec<(String, String)>, String, Vec<(String, String)>);

/// Every sample as (the target labels that name a proxy, sample name, the other labels, sorted)
/// → value bits, with OpenMetrics' counter naming applied when `om`. Pod labels (`app`) are
/// target labels only where a body has a `process_start_time_seconds` sample to find them by,
/// so they count with the sample's own labels.
fn samples(snapshot: &Snapshot, om: bool) -> BTreeMap<SampleKey, u64> {
    let mut out = BTreeMap::new();
    for t in &snapshot.targets {
        for f in t.families() {
            for s in f.samples() {
                let mut name = s.name.to_string();
                if om
                    && f.kind() == MetricType::Counter
                    && !name.ends_with("_total")
                    && !name.ends_with("_created")
                {
                    name.push_str("_total");
                }
                let (mut target, mut own): (Vec<_>, Vec<_>) = t
                    .labels
                    .iter()
                    .cloned()
                    .partition(|(n, _)| TARGET_LABEL_NAMES.contains(&n.as_str()));
                target.sort();
                own.extend(s.owned_labels());
                own.sort();
                let prev = out.insert((target, name, own), s.value.to_bits());
                assert!(prev.is_none(), "duplicate series in {t:?}");
            }
        }
    }
    out
}

fn reparse(text: &str) -> Snapshot {
    Snapshot::from_merged_text(text.to_string(), TARGET_LABEL_NAMES).unwrap()
}

#[test]
fn single_body_round_trip_keeps_every_sample() {
    for (name, text) in fixture_texts() {
        let snapshot = Snapshot {
            targets: vec![Target::parse(text.clone(), vec![], None).unwrap()],
        };
        for format in [Format::Prometheus, Format::OpenMetrics] {
            let out = write::to_string(
                &snapshot,
                WriteOptions {
                    format,
                    timestamps: false,
                },
            );
            let again = reparse(&out);
            let om = format == Format::OpenMetrics;
            assert_eq!(
                samples(&again, false),
                samples(&snapshot, om),
                "{name} {format:?}"
            );
            let parsed = parse::parse(&text).unwrap().sample_count();
            assert_eq!(again.sample_count(), parsed, "{name}");
        }
    }
}

#[test]
fn merged_output_has_each_family_once_and_target_labels() {
    let snapshot = fixture_snapshot();
    for format in [Format::Prometheus, Format::OpenMetrics] {
        let out = write::to_string(
            &snapshot,
            WriteOptions {
                format,
                timestamps: true,
            },
        );
        let mut seen = std::collections::HashSet::new();
        for line in out.lines().filter(|l| l.starts_with("# TYPE ")) {
            let name = line.split(' ').nth(2).unwrap();
            assert!(
                seen.insert(name.to_string()),
                "{format:?}: family {name} twice"
            );
        }
        let again = reparse(&out);
        assert_eq!(
            samples(&again, false),
            samples(&snapshot, format == Format::OpenMetrics),
            "{format:?}"
        );
        assert_eq!(again.targets.len(), snapshot.targets.len());
        let web3 = again
            .targets
            .iter()
            .find(|t| t.label("pod") == Some("web-3"))
            .unwrap();
        assert_eq!(web3.scrape_time_ms, Some(1_764_014_400_003));
        let with_start_time: Vec<_> = again
            .targets
            .iter()
            .filter(|t| {
                t.families()
                    .any(|f| f.name() == "process_start_time_seconds")
            })
            .collect();
        assert!(!with_start_time.is_empty());
        for target in with_start_time {
            assert_eq!(target.label("app"), Some("web-svc"), "{:?}", target.labels);
            assert_eq!(target.labels.len(), 6, "{:?}", target.labels);
        }
        assert!(out.contains("request_total{job=\"linkerd-proxy\",instance=\"10.42.0.0:4191\",namespace=\"emojivoto\",pod=\"web-0\",deployment=\"web\",app=\"web-svc\","), "{out}");
    }
    let om = write::to_string(
        &snapshot,
        WriteOptions {
            format: Format::OpenMetrics,
            timestamps: true,
        },
    );
    assert!(om.ends_with("# EOF\n"));
    assert!(om.contains("# TYPE request counter\n"));
    assert!(om.contains("# UNIT process_cpu_seconds seconds\n"));
    assert!(om.contains(" 1764014400.000\n"));
    let prom = write::to_string(
        &snapshot,
        WriteOptions {
            format: Format::Prometheus,
            timestamps: true,
        },
    );
    assert!(prom.contains("# TYPE process_cpu_seconds_total counter\n"));
    assert!(prom.contains(" 1764014400000\n"));
    assert!(!prom.contains("# UNIT"));
}

#[test]
fn escapes_special_values_and_clashing_labels_round_trip() {
    let text = "# HELP m a \\\\ help\\nline\n# TYPE m gauge\nm{v=\"a\\\\b\\\"c\\nd\",pod=\"inner\"} NaN\nm{v=\"x\"} +Inf\nm{v=\"y\"} -Inf\nm{v=\"z\"} 1e-300\nm{v=\"w\"} 123456789012345680000000\n";
    let snapshot = Snapshot {
        targets: vec![
            Target::parse(text.to_string(), vec![("pod".into(), "web-1".into())], None).unwrap(),
        ],
    };
    let out = write::to_string(
        &snapshot,
        WriteOptions {
            format: Format::OpenMetrics,
            timestamps: false,
        },
    );
    assert!(out.contains("# HELP m a \\\\ help\\nline\n"), "{out}");
    assert!(
        out.contains("m{pod=\"inner\",v=\"a\\\\b\\\"c\\nd\"} NaN\n"),
        "{out}"
    );
    let again = parse::parse(&out).unwrap();
    let values: Vec<f64> = again.samples().map(|(_, s)| s.value).skip(1).collect();
    assert_eq!(
        values,
        [
            f64::INFINITY,
            f64::NEG_INFINITY,
            1e-300,
            123456789012345680000000.0
        ]
    );
    assert_eq!(again.families[0].help_text().unwrap(), "a \\ help\nline");
}

#[test]
fn promtool_accepts_prom_output() {
    let out = write::to_string(
        &fixture_snapshot(),
        WriteOptions {
            format: Format::Prometheus,
            timestamps: false,
        },
    );
    let (code, report) = promtool(&["check", "metrics"], Some(&out));
    // Exit 3 means lint findings only (Linkerd's own `_ms` names); 1 would be a parse error.
    assert!(matches!(code, 0 | 3), "{report}");
    assert!(!report.contains("error"), "{report}");
    assert!(!report.contains("no help text"), "{report}");
}

#[test]
fn promtool_backfills_openmetrics_output() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("snapshot.om");
    let out = write::to_string(
        &fixture_snapshot(),
        WriteOptions {
            format: Format::OpenMetrics,
            timestamps: true,
        },
    );
    std::fs::write(&file, out).unwrap();
    let blocks = dir.path().join("blocks");
    backfill(&file, &blocks);
    assert!(std::fs::read_dir(&blocks).unwrap().count() > 0);
}
