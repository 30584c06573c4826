use super::*;
use crate::metrics::model::{TARGET_LABEL_NAMES, Target};

const BODY: &str = "\
# HELP request_total Total count of HTTP requests.
# TYPE request_total counter
request_total{direction=\"inbound\"} 12
# TYPE process_start_time_seconds gauge
process_start_time_seconds 1764014000
";

fn target(pod: &str, time: i64) -> Target {
    Target::parse(
        BODY.to_string(),
        vec![
            ("namespace".into(), "emojivoto".into()),
            ("pod".into(), pod.into()),
            ("container".into(), "linkerd-proxy".into()),
            ("deployment".into(), "web".into()),
        ],
        Some(time),
    )
    .unwrap()
}

fn info() -> Vec<(String, String)> {
    info_of(vec![
        ("version", "0.1.0".into()),
        ("context", "prod".into()),
        ("targets", "deploy/web".into()),
        ("scope", "emojivoto".into()),
    ])
}

fn two_pods() -> Snapshot {
    Snapshot {
        targets: vec![
            target("web-2", 1_764_014_400_250),
            target("web-1", 1_764_014_400_000),
        ],
    }
}

#[test]
fn snapshot_text_is_openmetrics_with_info_timestamps_and_eof() {
    let text = snapshot_text(&mut two_pods(), info());
    assert!(text.contains("# TYPE linkerd_export_snapshot info\n"));
    assert!(text.contains(
        "linkerd_export_snapshot_info{context=\"prod\",scope=\"emojivoto\",targets=\"deploy/web\",version=\"0.1.0\"} 1 1764014400.000\n"
    ), "stamped with the earliest scrape: {text}");
    assert!(text.contains(
        "request_total{namespace=\"emojivoto\",pod=\"web-2\",container=\"linkerd-proxy\",deployment=\"web\",direction=\"inbound\"} 12 1764014400.250\n"
    ));
    assert!(text.ends_with("# EOF\n"));
    assert_eq!(text.matches("# EOF").count(), 1);
    // No free comments: OpenMetrics allows only HELP, TYPE, UNIT and EOF.
    for line in text.lines().filter(|l| l.starts_with('#')) {
        let word = line.split(' ').nth(1).unwrap_or("");
        assert!(["HELP", "TYPE", "UNIT", "EOF"].contains(&word), "{line}");
    }
}

#[test]
fn reading_a_snapshot_back_restores_targets_and_lifts_the_info() {
    let text = snapshot_text(&mut two_pods(), info());
    let mut back = Snapshot::from_merged_text(text.clone(), TARGET_LABEL_NAMES).unwrap();
    let mut lifted = back.take_info().expect("info family present");
    lifted.sort();
    let mut want = info();
    want.sort();
    assert_eq!(lifted, want);
    assert_eq!(back.targets.len(), 2);
    assert_eq!(back.targets[0].label("pod"), Some("web-2"));
    assert_eq!(back.targets[0].scrape_time_ms, Some(1_764_014_400_250));
    assert_eq!(back.targets[1].scrape_time_ms, Some(1_764_014_400_000));
}

#[test]
fn atomic_write_replaces_the_file_and_leaves_no_temporary() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("snap.om");
    std::fs::write(&path, "old").unwrap();
    write_atomic(&path, b"new contents").unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "new contents");
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, [std::ffi::OsString::from("snap.om")]);
    let missing_dir = dir.path().join("nope").join("snap.om");
    let err = write_atomic(&missing_dir, b"x").unwrap_err();
    assert!(err.to_string().starts_with("cannot write "), "{err}");
}

#[test]
fn the_held_file_is_the_same_as_the_whole_one() {
    let whole = snapshot_text(&mut two_pods(), info());
    let mut held = HeldSnapshot::new(Format::OpenMetrics);
    let pods = two_pods();
    let earliest = pods.targets.iter().filter_map(|t| t.scrape_time_ms).min();
    for target in pods.targets {
        held.push(target);
    }
    held.push(Snapshot::info_target(info(), earliest));
    // The info target first, the pods in the order given (as `two_pods` and `snapshot_text` have).
    held.sort_by_key(|labels| !labels.is_empty());
    let mut out = Vec::new();
    held.write_io(&mut out, true).unwrap();
    assert_eq!(String::from_utf8(out).unwrap(), whole);
}
