use super::*;
use crate::metrics::model::Target;

/// The diff as its owned (JSON) rows, which the assertions read.
fn diff(old: &Snapshot, new: &Snapshot, options: DiffOptions) -> SnapshotDiff {
    super::diff(old, new, options).to_snapshot_diff()
}

fn target(pod: &str, time_ms: i64, text: &str) -> Target {
    let labels = vec![
        ("namespace".to_string(), "emojivoto".to_string()),
        ("pod".to_string(), pod.to_string()),
        ("deployment".to_string(), "web".to_string()),
    ];
    Target::parse(text.to_string(), labels, Some(time_ms)).unwrap()
}

const OLD: &str = "# TYPE request_total counter
request_total{direction=\"inbound\"} 100
request_total{direction=\"outbound\"} 5
# TYPE tcp_open_connections gauge
tcp_open_connections 4
# TYPE lat histogram
lat_bucket{le=\"10\"} 10
lat_bucket{le=\"100\"} 20
lat_bucket{le=\"+Inf\"} 20
lat_count 20
lat_sum 300
";

const NEW: &str = "# TYPE request_total counter
request_total{direction=\"inbound\"} 130
request_total{authority=\"x\",direction=\"outbound\"} 1
# TYPE tcp_open_connections gauge
tcp_open_connections 4
# TYPE lat histogram
lat_bucket{le=\"10\"} 10
lat_bucket{le=\"100\"} 40
lat_bucket{le=\"+Inf\"} 40
lat_count 40
lat_sum 1300
";

fn find<'d>(d: &'d SnapshotDiff, name: &str, label: (&str, &str)) -> &'d SeriesDiff {
    d.series
        .iter()
        .find(|s| s.name == name && s.labels.iter().any(|(n, v)| n == label.0 && v == label.1))
        .unwrap()
}

#[test]
fn per_pod_changes_rates_added_removed_and_histograms() {
    let a = Snapshot {
        targets: vec![target("web-1", 1_000_000, OLD)],
    };
    let b = Snapshot {
        targets: vec![target("web-1", 1_010_000, NEW)],
    };
    let d = diff(
        &a,
        &b,
        DiffOptions {
            by: DiffBy::Pod,
            only_changed: false,
        },
    );
    assert_eq!(d.elapsed_secs, Some(10.0));
    let inbound = find(&d, "request_total", ("direction", "inbound"));
    assert_eq!(
        (inbound.old, inbound.new, inbound.delta, inbound.rate),
        (Some(100.0), Some(130.0), Some(30.0), Some(3.0))
    );
    assert_eq!(inbound.change, Change::Changed);
    assert!(
        inbound
            .labels
            .contains(&("pod".to_string(), "web-1".to_string()))
    );
    let removed = d
        .series
        .iter()
        .find(|s| s.change == Change::Removed)
        .unwrap();
    assert_eq!(removed.old, Some(5.0));
    let added = find(&d, "request_total", ("authority", "x"));
    assert_eq!((added.change, added.delta), (Change::Added, None));
    let gauge = find(&d, "tcp_open_connections", ("pod", "web-1"));
    assert_eq!(
        (gauge.change, gauge.delta, gauge.rate),
        (Change::Unchanged, Some(0.0), None)
    );
    assert!(
        !d.series.iter().any(|s| s.family == "lat"),
        "histogram series are summarised"
    );
    let h = &d.histograms[0];
    assert_eq!(
        (h.values.old_count, h.values.new_count, h.values.count_delta),
        (Some(20.0), Some(40.0), Some(20.0))
    );
    assert_eq!(h.values.old_p50, Some(10.0));
    assert_eq!(h.values.window_p50, Some(10.0 + 90.0 * 0.5));
    assert_eq!(h.values.change, Change::Changed);
    let changed = diff(
        &a,
        &b,
        DiffOptions {
            by: DiffBy::Pod,
            only_changed: true,
        },
    );
    assert!(changed.series.iter().all(|s| s.change != Change::Unchanged));
    assert_eq!(changed.series.len(), d.series.len() - 1);
}

#[test]
fn workload_sums_pods_and_handles_resets() {
    // web-2 restarted: its counter went from 50 to 10, an increase of 10.
    let a = Snapshot {
        targets: vec![
            target("web-1", 1_000_000, OLD),
            target("web-2", 1_000_000, &OLD.replace(" 100\n", " 50\n")),
        ],
    };
    let b = Snapshot {
        targets: vec![
            target("web-1", 1_010_000, NEW),
            target("web-2", 1_010_000, &NEW.replace(" 130\n", " 10\n")),
        ],
    };
    let d = diff(&a, &b, DiffOptions::default());
    let inbound = find(&d, "request_total", ("direction", "inbound"));
    assert!(!inbound.labels.iter().any(|(n, _)| n == "pod"));
    assert_eq!(
        (inbound.old, inbound.new, inbound.delta),
        (Some(150.0), Some(140.0), Some(40.0))
    );
    assert_eq!(inbound.rate, Some(4.0));
    let gauge = find(&d, "tcp_open_connections", ("deployment", "web"));
    assert_eq!(gauge.new, Some(8.0));
    assert_eq!(d.histograms.len(), 1);
    assert_eq!(d.histograms[0].values.new_count, Some(80.0));
}

#[test]
fn serializes_labels_as_objects() {
    let a = Snapshot {
        targets: vec![target("web-1", 1_000_000, OLD)],
    };
    let b = Snapshot {
        targets: vec![target("web-1", 1_010_000, NEW)],
    };
    let d = diff(
        &a,
        &b,
        DiffOptions {
            by: DiffBy::Pod,
            only_changed: true,
        },
    );
    let json = serde_json::to_value(&d).unwrap();
    let first = &json["series"][0];
    assert_eq!(first["labels"]["pod"], "web-1");
    assert_eq!(first["change"], "added");
    assert_eq!(first["labels"]["authority"], "x");
    assert_eq!(json["histograms"][0]["count_delta"], 20.0);
}

#[test]
fn a_counter_is_one_family_in_prometheus_text_and_openmetrics() {
    let text = "# TYPE response_total counter\nresponse_total{classification=\"success\"} 10\n";
    let openmetrics =
        "# TYPE response counter\nresponse_total{classification=\"success\"} 12\n# EOF\n";
    let a = Snapshot {
        targets: vec![target("web-1", 1_000_000, openmetrics)],
    };
    let b = Snapshot {
        targets: vec![target("web-1", 1_002_000, text)],
    };
    for (old, new) in [(&a, &b), (&b, &a)] {
        let d = diff(old, new, DiffOptions::default());
        assert_eq!(d.series.len(), 1, "{:#?}", d.series);
        assert_eq!(d.series[0].family, "response_total");
        assert_eq!(d.series[0].name, "response_total");
        assert_eq!(d.series[0].change, Change::Changed);
    }
}

#[test]
fn per_process_gauges_are_not_summed_across_pods() {
    let body = |start: u32, expiry: u32, requests: u32| {
        format!(
            "# TYPE process_start_time_seconds gauge\nprocess_start_time_seconds {start}\n\
             # TYPE identity_cert_expiration_timestamp_seconds gauge\n\
             identity_cert_expiration_timestamp_seconds {expiry}\n\
             # TYPE request_total counter\nrequest_total 1{requests}\n"
        )
    };
    let side = |time_ms| Snapshot {
        targets: vec![
            target("web-1", time_ms, &body(1000, 5000, 1)),
            target("web-2", time_ms, &body(1200, 4000, 2)),
        ],
    };
    let d = diff(&side(1_000_000), &side(1_010_000), DiffOptions::default());
    let value = |name: &str| {
        let s = d.series.iter().find(|s| s.name == name).unwrap();
        s.new.unwrap()
    };
    assert_eq!(value("process_start_time_seconds"), 1000.0);
    assert_eq!(value("identity_cert_expiration_timestamp_seconds"), 4000.0);
    assert_eq!(value("request_total"), 23.0, "amounts are still summed");
}

#[test]
fn a_restart_counts_from_zero_and_each_pod_has_its_own_elapsed_time() {
    let body = |start: u32, requests: u32| {
        format!(
            "# TYPE process_start_time_seconds gauge\nprocess_start_time_seconds {start}\n\
             # TYPE request_total counter\nrequest_total {requests}\n"
        )
    };
    // web-1 restarted between the sides (its start time changed) and grew past its old count;
    // web-2 did not. web-2 was scraped 20 s apart, web-1 10 s apart.
    let old = Snapshot {
        targets: vec![
            target("web-1", 1_000_000, &body(100, 50)),
            target("web-2", 1_000_000, &body(100, 50)),
        ],
    };
    let new = Snapshot {
        targets: vec![
            target("web-1", 1_010_000, &body(900, 60)),
            target("web-2", 1_020_000, &body(100, 90)),
        ],
    };
    let d = diff(&old, &new, DiffOptions::default());
    let requests = d.series.iter().find(|s| s.name == "request_total").unwrap();
    assert_eq!(requests.delta, Some(60.0 + 40.0), "web-1 counts from zero");
    let rate = requests.rate.unwrap();
    assert!((rate - (6.0 + 2.0)).abs() < 1e-9, "{rate}");
}

#[test]
fn labels_with_nul_and_escapes_read_back_from_the_rows() {
    let body = |v: u32| {
        format!(
            "# TYPE x counter\nx_total{{a=\"nul\0x\",b=\"q\\\"\\n\"}} {v}\nx_total{{a=\"\u{1}\"}} 2\n"
        )
    };
    let a = Snapshot {
        targets: vec![target("web-1", 1_000_000, &body(1))],
    };
    let b = Snapshot {
        targets: vec![target("web-1", 1_010_000, &body(5))],
    };
    let owned = diff(&a, &b, DiffOptions::default());
    let labels = |s: &SeriesDiff| -> Vec<(String, String)> {
        s.labels
            .iter()
            .filter(|(n, _)| n == "a" || n == "b")
            .cloned()
            .collect()
    };
    let pair = |n: &str, v: &str| (n.to_string(), v.to_string());
    assert_eq!(labels(&owned.series[0]), [pair("a", "\u{1}")]);
    assert_eq!(
        labels(&owned.series[1]),
        [pair("a", "nul\0x"), pair("b", "q\"\n")]
    );
    assert_eq!(owned.series[1].delta, Some(4.0));
    assert_eq!(DiffRows::from(&owned).to_snapshot_diff(), owned);
}

#[test]
fn sums_over_pods_come_out_the_same_on_every_run() {
    // 0.1 + 0.2 + 0.3 depends on the order it is added in; the order must not depend on a map's
    // random seed.
    let side = |values: [&str; 6]| Snapshot {
        targets: values
            .iter()
            .enumerate()
            .map(|(i, v)| {
                target(
                    &format!("web-{i}"),
                    1_000_000,
                    &format!("# TYPE g gauge\ng {v}\n"),
                )
            })
            .collect(),
    };
    let a = side(["0.1", "0.2", "0.3", "0.7", "1e-17", "3.3"]);
    let b = side(["0.3", "0.1", "0.2", "1e-17", "0.7", "3.3"]);
    let sums = |d: &SnapshotDiff| {
        let g = find(d, "g", ("deployment", "web"));
        (g.old.unwrap().to_bits(), g.new.unwrap().to_bits())
    };
    let first = sums(&diff(&a, &b, DiffOptions::default()));
    for _ in 0..50 {
        assert_eq!(sums(&diff(&a, &b, DiffOptions::default())), first);
    }
}

#[test]
fn a_histogram_series_le_noted_while_hashing_is_the_one_read_from_its_labels() {
    // Bounds as written, escaped (read again), on the target (read again), and a series
    // without one.
    let body = "# TYPE h histogram\n\
        h_bucket{le=\"0.5\",x=\"a\"} 1\n\
        h_bucket{x=\"b\",le=\"1\\\\0\"} 2\n\
        h_bucket{x=\"c\"} 3\n\
        h_count{x=\"a\"} 3\n\
        h_sum{x=\"a\"} 1.5\n";
    let mut on_target = target("web-1", 1_000_000, body);
    on_target
        .labels
        .push(("le".to_string(), "+Inf".to_string()));
    for t in [target("web-2", 1_000_000, body), on_target] {
        let snapshot = Snapshot { targets: vec![t] };
        let series = series::series_of(&snapshot, DiffBy::Pod);
        let mut checked = 0;
        for p in series.values() {
            let at = series::Located {
                snapshot: &snapshot,
                at: p.at,
            };
            assert_eq!(at.le_at(p.le), at.le(), "{:?}", at.sample().labels);
            checked += 1;
        }
        assert_eq!(checked, 5);
    }
}

/// `old` and `new` as one pod each, scraped 10 s apart.
fn sides(old: &str, new: &str) -> (Snapshot, Snapshot) {
    (
        Snapshot {
            targets: vec![target("web-1", 1_000_000, old)],
        },
        Snapshot {
            targets: vec![target("web-1", 1_010_000, new)],
        },
    )
}

/// Every option set a diff takes.
fn every_option() -> Vec<DiffOptions> {
    [DiffBy::Workload, DiffBy::Pod]
        .into_iter()
        .flat_map(|by| [false, true].map(|only_changed| DiffOptions { by, only_changed }))
        .collect()
}

/// `in_order::diff`'s rows as owned rows, if it gives any, and `hashed`'s.
fn both_ways(
    old: &Snapshot,
    new: &Snapshot,
    options: DiffOptions,
) -> (Option<SnapshotDiff>, SnapshotDiff) {
    (
        in_order::diff(old, new, options, Some(10.0)).map(|d| d.to_snapshot_diff()),
        hashed(old, new, options, Some(10.0)).to_snapshot_diff(),
    )
}

/// `body` with each sample's labels written in the opposite order.
fn labels_reversed(body: &str) -> String {
    body.lines()
        .map(|line| match (line.find('{'), line.rfind('}')) {
            (Some(open), Some(close)) if !line.starts_with('#') => {
                let labels: Vec<&str> = line[open + 1..close].split(',').rev().collect();
                format!(
                    "{}{{{}}}{}\n",
                    &line[..open],
                    labels.join(","),
                    &line[close + 1..]
                )
            }
            _ => format!("{line}\n"),
        })
        .collect()
}

const HISTOGRAMS: &str = "# TYPE lat histogram
lat_bucket{route=\"a\",le=\"10\"} 1
lat_bucket{route=\"a\",le=\"100\"} 2
lat_bucket{route=\"a\",le=\"+Inf\"} 2
lat_sum{route=\"a\"} 30
lat_count{route=\"a\"} 2
lat_bucket{le=\"10\",route=\"b\"} 5
lat_bucket{le=\"+Inf\",route=\"b\"} 9
lat_count{route=\"b\"} 9
lat_sum{route=\"b\"} 900
# TYPE request_total counter
request_total{direction=\"inbound\",code=\"200\"} 100
request_total{direction=\"inbound\",code=\"500\"} 3
request_total{direction=\"outbound\",code=\"200\"} 7
";

#[test]
fn in_order_gives_what_hashing_gives_however_the_sides_are_written() {
    let more = HISTOGRAMS
        .replace("} 100\n", "} 150\n")
        .replace("lat_count{route=\"b\"} 9", "lat_count{route=\"b\"} 12");
    // A series added and one removed mid-family, a bucket added mid-histogram, a histogram
    // added between two, families in the other order.
    let added = more.replace(
        "request_total{direction=\"inbound\",code=\"500\"} 3\n",
        "request_total{direction=\"inbound\",code=\"404\"} 1\n",
    );
    let bucket = more.replace(
        "lat_bucket{route=\"a\",le=\"100\"} 2\n",
        "lat_bucket{route=\"a\",le=\"50\"} 2\nlat_bucket{route=\"a\",le=\"100\"} 2\n",
    );
    let histogram = more.replace(
        "lat_bucket{le=\"10\",route=\"b\"}",
        "lat_bucket{route=\"c\",le=\"1\"} 1\nlat_count{route=\"c\"} 1\nlat_bucket{le=\"10\",route=\"b\"}",
    );
    let (histograms, counters) = more.split_at(more.find("# TYPE request_total").unwrap());
    let swapped_families = format!("{counters}{histograms}");
    let pairs = [
        (HISTOGRAMS.to_string(), more.clone()),
        (HISTOGRAMS.to_string(), labels_reversed(&more)),
        (HISTOGRAMS.to_string(), added.clone()),
        (added, HISTOGRAMS.to_string()),
        (HISTOGRAMS.to_string(), bucket.clone()),
        (bucket, HISTOGRAMS.to_string()),
        (HISTOGRAMS.to_string(), histogram),
        (HISTOGRAMS.to_string(), swapped_families),
        (OLD.to_string(), NEW.to_string()),
    ];
    for (old, new) in &pairs {
        let (a, b) = sides(old, new);
        for options in every_option() {
            let (in_order, hashed) = both_ways(&a, &b, options);
            assert_eq!(
                in_order.as_ref(),
                Some(&hashed),
                "{options:?}\n{old}\n{new}"
            );
            assert!(!hashed.series.is_empty() && !hashed.histograms.is_empty());
        }
    }
}

#[test]
fn in_order_pairs_series_written_alike_by_position() {
    // Two series whose labels differ only in order are one series; written alike, they are
    // paired without hashing: the value read is the one at the same place.
    let (a, b) = sides(HISTOGRAMS, &HISTOGRAMS.replace("} 7\n", "} 8\n"));
    let rows = in_order::diff(&a, &b, DiffOptions::default(), None).unwrap();
    let outbound = rows
        .to_snapshot_diff()
        .series
        .into_iter()
        .find(|s| s.labels.iter().any(|(_, v)| v == "outbound"))
        .unwrap();
    assert_eq!((outbound.old, outbound.new), (Some(7.0), Some(8.0)));
    let owned = rows.to_snapshot_diff();
    let b_route = owned
        .histograms
        .iter()
        .find(|h| h.labels.iter().any(|(n, v)| n == "route" && v == "b"))
        .unwrap();
    assert_eq!(b_route.values.old_count, Some(9.0));
    assert_eq!(owned.histograms.len(), 2);
}

#[test]
fn in_order_gives_way_where_series_are_summed() {
    // Pods of one workload, and a series written twice on one side (changed or not).
    let pods = |body: &str| Snapshot {
        targets: vec![
            target("web-1", 1_000_000, body),
            target("web-2", 1_000_000, body),
        ],
    };
    let (a, b) = (
        pods(HISTOGRAMS),
        pods(&HISTOGRAMS.replace("} 100\n", "} 150\n")),
    );
    let workload = DiffOptions::default();
    assert_eq!(in_order::diff(&a, &b, workload, None), None);
    let by_pod = DiffOptions {
        by: DiffBy::Pod,
        only_changed: false,
    };
    let (in_order, by_hashes) = both_ways(&a, &b, by_pod);
    assert_eq!(in_order, Some(by_hashes));
    let twice = format!("{HISTOGRAMS}request_total{{code=\"200\",direction=\"inbound\"}} 100\n");
    let bucket_twice = HISTOGRAMS.replace(
        "lat_sum{route=\"a\"} 30\n",
        "lat_sum{route=\"a\"} 30\nlat_bucket{le=\"10\",route=\"a\"} 1\n",
    );
    let family_twice = format!("{HISTOGRAMS}# TYPE lat histogram\nlat_count{{route=\"a\"}} 2\n");
    for body in [twice, bucket_twice, family_twice] {
        for (old, new) in [(HISTOGRAMS, body.as_str()), (body.as_str(), HISTOGRAMS)] {
            let (a, b) = sides(old, new);
            for options in every_option() {
                for halves in [false, true] {
                    let rows = in_order::diff_in_halves(&a, &b, options, None, halves);
                    assert_eq!(rows, None, "{body}");
                }
                assert_eq!(
                    super::diff(&a, &b, options).to_snapshot_diff(),
                    hashed(&a, &b, options, Some(10.0)).to_snapshot_diff()
                );
            }
        }
    }
}
