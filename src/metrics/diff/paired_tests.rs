//! [`PairedDiff`] against [`super::diff`] of the whole sides: the same rows, whatever order the
//! proxies come in.

use super::paired::paired_whole;
use super::*;
use crate::metrics::model::Target;

const BODY: &str = include_str!(
    "../../../tests/fixtures/linkerd/datadog__linkerd__tests__fixtures__linkerd_v2.txt"
);

fn target(deployment: &str, pod: &str, time_ms: i64, text: String) -> Target {
    let labels = vec![
        ("namespace".to_string(), "emojivoto".to_string()),
        ("pod".to_string(), pod.to_string()),
        ("deployment".to_string(), deployment.to_string()),
    ];
    Target::parse(text, labels, Some(time_ms)).unwrap()
}

/// `BODY` a scrape later: every `step`th sample up by `by` (down where `by` is negative),
/// every 11th sample left out, and one series it did not have.
fn later(step: usize, by: f64) -> String {
    let mut out = String::new();
    for (i, line) in BODY.lines().enumerate() {
        match line.rsplit_once(' ') {
            Some((series, value)) if !line.starts_with('#') => {
                if i % 11 == 5 {
                    continue;
                }
                match value.parse::<f64>() {
                    Ok(v) if i % step == 0 => out.push_str(&format!("{series} {}\n", v + by)),
                    _ => out.push_str(&format!("{line}\n")),
                }
            }
            _ => out.push_str(&format!("{line}\n")),
        }
    }
    out.push_str("# TYPE new_total counter\nnew_total{direction=\"inbound\"} 4\n");
    out
}

/// Two deployments of two pods each, scraped twice: one pod's counters went down (a restart as
/// Prometheus' increase() reads it), the others grew, each pod 10 to 13 s apart.
fn sides() -> (Snapshot, Snapshot) {
    let pods = [
        ("web", "web-1"),
        ("web", "web-2"),
        ("emoji", "emoji-1"),
        ("emoji", "emoji-2"),
    ];
    let old = pods
        .iter()
        .map(|(d, p)| target(d, p, 1_000_000, BODY.to_string()))
        .collect();
    let new = pods
        .iter()
        .enumerate()
        .map(|(i, (d, p))| {
            let body = if *p == "web-2" {
                later(2, -3.0)
            } else {
                later(3 + i, 7.0)
            };
            target(d, p, 1_010_000 + 1_000 * i as i64, body)
        })
        .collect();
    (Snapshot { targets: old }, Snapshot { targets: new })
}

fn every_option() -> Vec<DiffOptions> {
    [DiffBy::Workload, DiffBy::Pod]
        .into_iter()
        .flat_map(|by| [false, true].map(|only_changed| DiffOptions { by, only_changed }))
        .collect()
}

#[test]
fn proxies_paired_one_at_a_time_give_what_the_whole_sides_give() {
    let (old, new) = sides();
    for options in every_option() {
        let whole = super::diff(&old, &new, options).to_snapshot_diff();
        let paired = paired_whole(&old, &new, options)
            .expect("one target a pod")
            .to_snapshot_diff();
        assert!(whole.series.len() > 50, "{options:?}");
        assert!(!whole.histograms.is_empty(), "{options:?}");
        assert!(
            whole.series.iter().any(|s| s.change == Change::Added)
                && whole.series.iter().any(|s| s.change == Change::Removed),
            "{options:?}"
        );
        // Two pods a workload: their sums are the same in either order, bit for bit.
        assert_eq!(paired, whole, "{options:?}");
    }
}

#[test]
fn the_order_proxies_come_in_changes_nothing() {
    let (old, new) = sides();
    let options = DiffOptions::default();
    let in_order = |reversed: bool| {
        let mut rows = PairedDiff::new(options);
        let mut pairs: Vec<(Target, Target)> = old
            .targets
            .iter()
            .cloned()
            .zip(new.targets.iter().cloned())
            .collect();
        if reversed {
            pairs.reverse();
        }
        for (a, b) in pairs {
            rows.add(pair(Some(a), Some(b), options));
        }
        assert_eq!(rows.proxies(), (4, 4));
        assert_eq!(
            rows.earliest_scrape_ms(),
            (Some(1_000_000), Some(1_010_000))
        );
        rows.finish().to_snapshot_diff()
    };
    let forward = in_order(false);
    assert_eq!(forward.elapsed_secs, Some(13.0));
    assert_eq!(forward, in_order(true));
}

#[test]
fn a_proxy_on_one_side_only_adds_its_series_as_added_or_removed() {
    let (old, new) = sides();
    let options = DiffOptions {
        by: DiffBy::Pod,
        only_changed: false,
    };
    let mut rows = PairedDiff::new(options);
    rows.add(pair(Some(old.targets[0].clone()), None, options));
    rows.add(pair(None, Some(new.targets[1].clone()), options));
    let d = rows.finish().to_snapshot_diff();
    let of_pod = |pod: &'static str| {
        d.series
            .iter()
            .filter(move |s| s.labels.contains(&("pod".to_string(), pod.to_string())))
    };
    assert!(of_pod("web-1").all(|s| s.change == Change::Removed));
    assert!(of_pod("web-2").all(|s| s.change == Change::Added));
    assert_eq!(
        of_pod("web-1").count() + of_pod("web-2").count(),
        d.series.len()
    );
    assert!(of_pod("web-1").count() > 50 && of_pod("web-2").count() > 50);
}
