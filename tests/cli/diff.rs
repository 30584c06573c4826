//! `diff` against the simulated mesh: a target over an interval, file against target, two files,
//! two workloads; counters with delta and rate, histograms, filters, usage errors.

use crate::support::{Mesh, assert_close, run};
use serde_json::Value;

mod file_against_live;

fn diff_json(mesh: &Mesh, args: &[&str]) -> Value {
    let (code, out, err) = run(mesh.cmd().arg("diff").args(args).args(["-o", "json"]));
    assert_eq!(code, 0, "{args:?}: {err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"))
}

/// `diff deploy/WORKLOAD -n emojivoto --interval INTERVAL ARGS` as JSON: one emojivoto
/// deployment's change over an interval.
fn diff_over_interval(mesh: &Mesh, workload: &str, interval: &str, args: &[&str]) -> Value {
    let target = format!("deploy/{workload}");
    let mut all = vec![target.as_str(), "-n", "emojivoto", "--interval", interval];
    all.extend_from_slice(args);
    diff_json(mesh, &all)
}

fn label<'a>(series: &'a Value, name: &str) -> Option<&'a str> {
    series["labels"].as_object()?.get(name)?.as_str()
}

#[test]
fn a_target_over_an_interval_shows_counter_deltas_and_rates() {
    let mesh = Mesh::start();
    let diff = diff_over_interval(
        &mesh,
        "web",
        "2s",
        &[
            "--only-changed",
            "--match",
            "response_total{direction=\"inbound\"}",
        ],
    );
    assert_eq!(diff["old"]["source"], "deploy/web, first scrape");
    assert_eq!(diff["new"]["proxies"], 1);
    let elapsed = diff["elapsed_secs"].as_f64().unwrap();
    assert!((1.5..5.0).contains(&elapsed), "{elapsed}");
    let series = diff["series"].as_array().unwrap();
    assert!(!series.is_empty());
    let mut total_rate = 0.0;
    let mut failure_rate = 0.0;
    for s in series {
        assert_eq!(s["name"], "response_total");
        assert_eq!(label(s, "direction"), Some("inbound"));
        assert_eq!(s["change"], "changed");
        assert_eq!(label(s, "pod"), None, "summed per workload by default");
        assert_eq!(label(s, "deployment"), Some("web"));
        let (old, new) = (s["old"].as_f64().unwrap(), s["new"].as_f64().unwrap());
        let delta = s["delta"].as_f64().unwrap();
        assert_eq!(delta, new - old);
        let rate = s["rate"].as_f64().unwrap();
        assert_close("rate is delta per second", rate, delta / elapsed, 1e-9);
        total_rate += rate;
        if label(s, "classification") == Some("failure") {
            failure_rate += rate;
        }
    }
    let expected = mesh.expected("web");
    assert_close("inbound response rate", total_rate, expected.rps, 2.5);
    assert_close(
        "inbound failure rate",
        failure_rate,
        expected.rps * (1.0 - expected.success_rate),
        1.0,
    );
    assert!(
        diff["histograms"].as_array().unwrap().is_empty(),
        "filtered out"
    );
}

#[test]
fn histograms_are_summarised_by_count_and_quantiles() {
    let mesh = Mesh::start();
    let diff = diff_over_interval(
        &mesh,
        "emoji",
        "1s",
        &[
            "--match",
            "response_latency_ms_bucket{direction=\"inbound\",status_code=\"200\"}",
            "--match",
            "response_latency_ms_count{direction=\"inbound\",status_code=\"200\"}",
        ],
    );
    let histograms = diff["histograms"].as_array().unwrap();
    assert_eq!(histograms.len(), 1, "{histograms:#?}");
    let h = &histograms[0];
    assert_eq!(h["family"], "response_latency_ms");
    assert_eq!(h["change"], "changed");
    let count_delta = h["count_delta"].as_f64().unwrap();
    assert!(count_delta >= 5.0, "about 10 requests a second: {h}");
    // emoji answers half its requests within 1 ms, all within 4 ms.
    let expected = mesh.expected("emoji").latency;
    let p50 = h["new_p50"].as_f64().unwrap();
    assert_close("emoji p50 since start", p50, expected.quantile(0.5), 0.05);
    let window_p99 = h["window_p99"].as_f64().unwrap();
    assert!((0.0..=4.0).contains(&window_p99), "{h}");
}

#[test]
fn a_snapshot_against_a_live_target_and_two_files() {
    let mesh = Mesh::start();
    let snap = mesh.snapshot("web.om", &["deploy/web", "-n", "emojivoto"]);

    let snap_arg = snap.to_str().unwrap();
    let (code, out, err) = run(mesh.cmd().args([
        "diff",
        snap_arg,
        "deploy/web",
        "-n",
        "emojivoto",
        "-m",
        "request_total",
        "--by",
        "pod",
    ]));
    assert_eq!(code, 0, "{err}");
    let mut lines = out.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with(&format!("--- {snap_arg} (1 proxy, scraped "))
    );
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("+++ deploy/web (1 proxy, scraped ")
    );
    let header: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    assert_eq!(
        header,
        ["CHANGE", "SERIES", "OLD", "NEW", "DELTA", "RATE/SEC"]
    );
    let rows: Vec<&str> = out
        .lines()
        .filter(|l| l.contains("request_total{"))
        .collect();
    assert!(!rows.is_empty());
    assert!(
        rows.iter().all(|r| r.contains("pod=\"web-")),
        "per pod: {rows:?}"
    );
    assert!(
        out.trim_end()
            .lines()
            .last()
            .unwrap()
            .contains(" series changed, "),
        "{out}"
    );

    // The same file on both sides: nothing changed.
    let (code, out, err) = run(mesh
        .cmd()
        .args(["diff", snap_arg, snap_arg, "--only-changed"]));
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains(
            "0 series changed, 0 added, 0 removed, 0 unchanged; 0 of 0 histograms changed"
        ),
        "{out}"
    );
    let all = diff_json(&mesh, &["--from-file", snap_arg, "--from-file", snap_arg]);
    let series = all["series"].as_array().unwrap();
    assert!(!series.is_empty());
    assert!(
        series
            .iter()
            .all(|s| s["change"] == "unchanged" && s["delta"] == 0.0)
    );
}

#[test]
fn two_workloads_line_up_without_their_workload_labels() {
    let mesh = Mesh::start();
    let diff = diff_json(
        &mesh,
        &[
            "deploy/web",
            "deploy/emoji",
            "-n",
            "emojivoto",
            "-m",
            "process_start_time_seconds",
        ],
    );
    let series = diff["series"].as_array().unwrap();
    assert_eq!(series.len(), 1, "{series:#?}");
    assert_eq!(label(&series[0], "deployment"), None);
    assert_eq!(label(&series[0], "namespace"), Some("emojivoto"));
    assert_ne!(series[0]["change"], "added");
    assert_eq!(diff["old"]["source"], "deploy/web");
    assert_eq!(diff["new"]["source"], "deploy/emoji");
}

#[test]
fn two_targets_that_share_a_pod_compare_it_with_itself() {
    // deploy/web's pod is also one of `deploy`'s: its two scrapes are paired (counters
    // increase), while the other deployments' pods are only on the new side.
    let mesh = Mesh::start();
    let diff = diff_json(
        &mesh,
        &[
            "deploy/web",
            "deploy",
            "-n",
            "emojivoto",
            "--by",
            "pod",
            "-m",
            "request_total",
        ],
    );
    let series = diff["series"].as_array().unwrap();
    let web = |s: &&Value| label(s, "pod").is_some_and(|p| p.starts_with("web-"));
    let (shared, others): (Vec<&Value>, Vec<&Value>) = series.iter().partition(web);
    assert!(!shared.is_empty() && !others.is_empty(), "{series:#?}");
    for s in &shared {
        assert!(
            s["change"] == "changed" || s["change"] == "unchanged",
            "web's pod is on both sides: {s}"
        );
        assert!(
            s["delta"].as_f64().unwrap() < s["new"].as_f64().unwrap(),
            "{s}"
        );
    }
    assert!(others.iter().all(|s| s["change"] == "added"), "{others:#?}");
    assert_eq!(diff["old"]["proxies"], 1);
    assert_eq!(
        diff["new"]["proxies"],
        diff["new"]["proxies"].as_u64().unwrap().max(4)
    );
}

#[test]
fn usage_and_input_errors() {
    let mesh = Mesh::start();
    let bad = mesh.path("bad.txt");
    std::fs::write(&bad, "this is { not metrics\n").unwrap();
    let bad = bad.to_str().unwrap();
    for (args, code) in [
        (vec!["diff"], 2),
        (vec!["diff", "deploy/web"], 2),
        (vec!["diff", "./a.om", "--interval", "1s"], 2),
        (
            vec!["diff", "deploy/web", "deploy/emoji", "--interval", "1s"],
            2,
        ),
        (vec!["diff", "a", "b", "c"], 2),
        (
            vec!["diff", "deploy/web", "--interval", "1s", "--match", "x{"],
            2,
        ),
        (vec!["diff", bad, bad], 1),
        (vec!["diff", "./missing.om", "./missing.om"], 1),
    ] {
        let (got, out, err) = run(mesh.cmd().args(&args).args(["-n", "emojivoto"]));
        assert_eq!(got, code, "{args:?}: {err}");
        assert!(out.is_empty(), "{args:?}: {out}");
        assert!(err.starts_with("error: "), "{args:?}: {err}");
    }
    let (_, _, err) = run(mesh.cmd().args(["diff", bad, bad]));
    assert!(
        err.contains("bad.txt") && err.contains("malformed"),
        "{err}"
    );
    // The two files are read at once; the first side's error is the one reported.
    for (args, named, not) in [
        (["diff", bad, "./missing.om"], "bad.txt", "missing.om"),
        (["diff", "./missing.om", bad], "missing.om", "bad.txt"),
    ] {
        let (code, _, err) = run(mesh.cmd().args(args));
        assert_eq!(code, 1, "{args:?}: {err}");
        assert!(err.contains(named) && !err.contains(not), "{args:?}: {err}");
    }
}

#[test]
fn a_restart_within_the_interval_counts_from_zero() {
    let mesh = Mesh::with_faults(&["restart:web-*"]);
    let diff = diff_over_interval(
        &mesh,
        "web",
        "2s",
        &["--match", "response_total{direction=\"inbound\"}"],
    );
    let series = diff["series"].as_array().unwrap();
    assert!(!series.is_empty());
    let mut total_rate = 0.0;
    for s in series {
        let (old, new) = (s["old"].as_f64().unwrap(), s["new"].as_f64().unwrap());
        assert!(
            new < old,
            "the proxy restarted, its counters went down: {s}"
        );
        let delta = s["delta"].as_f64().unwrap();
        assert_eq!(delta, new, "increase() counts from zero after a reset");
        total_rate += s["rate"].as_f64().unwrap();
    }
    assert_close(
        "inbound rate across a restart",
        total_rate,
        mesh.expected("web").rps,
        2.5,
    );
}

#[test]
fn a_proxy_that_failed_either_scrape_is_left_out_of_both_sides() {
    // web's body is malformed: its first scrape is held as served until the second comes in,
    // and only then read, so the pod fails once, named with the scrape that was malformed.
    let mesh = Mesh::with_faults(&["garbage:web-*"]);
    let args = [
        "diff",
        "deploy",
        "-n",
        "emojivoto",
        "--interval",
        "100ms",
        "-o",
        "json",
    ];
    let (code, out, err) = run(mesh.cmd().args(args));
    assert_eq!(code, 3, "{err}");
    let failures: Vec<&str> = err.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(failures.len(), 1, "{err}");
    assert!(
        failures[0].contains("pod emojivoto/web-")
            && failures[0].contains("first scrape: malformed"),
        "{err}"
    );
    let diff: Value = serde_json::from_str(&out).unwrap();
    let proxies = diff["old"]["proxies"].as_u64().unwrap();
    assert!(proxies >= 3, "{proxies}");
    assert_eq!(diff["new"]["proxies"].as_u64(), Some(proxies));
    let series = diff["series"].as_array().unwrap();
    let deployments: std::collections::BTreeSet<&str> = series
        .iter()
        .filter_map(|s| label(s, "deployment"))
        .collect();
    assert_eq!(
        deployments.into_iter().collect::<Vec<_>>(),
        ["emoji", "vote-bot", "voting"],
        "web is on neither side"
    );
    assert!(
        series
            .iter()
            .all(|s| s["change"] != "removed" && s["change"] != "added")
    );

    // When no proxy answered both, there is nothing to compare.
    let (code, _, err) = run(mesh
        .cmd()
        .args(["diff", "deploy/web", "-n", "emojivoto"])
        .args(["--interval", "100ms"]));
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("no proxy of deploy/web answered both scrapes"),
        "{err}"
    );
}

#[test]
fn a_snapshot_and_the_live_target_share_family_identity() {
    let mesh = Mesh::start();
    let snap = mesh.snapshot("voting.om", &["deploy/voting", "-n", "emojivoto"]);
    // The snapshot (OpenMetrics) names the counter family `response`, the proxy `response_total`:
    // they are one family, so the live side changes series, it does not remove and add them.
    let diff = diff_json(
        &mesh,
        &[
            snap.to_str().unwrap(),
            "deploy/voting",
            "-n",
            "emojivoto",
            "-m",
            "response_total|request_total|tcp_open_total",
        ],
    );
    let series = diff["series"].as_array().unwrap();
    assert!(series.len() >= 3, "{series:#?}");
    for s in series {
        assert!(
            s["change"] == "changed" || s["change"] == "unchanged",
            "{s:#}"
        );
    }
    assert!(series.iter().any(|s| s["name"] == "response_total"));
}

#[test]
fn a_filter_that_matches_nothing_on_either_side_warns_naming_it() {
    let mesh = Mesh::start();
    let snap = mesh.snapshot("web.om", &["deploy/web", "-n", "emojivoto"]);
    let snap = snap.to_str().unwrap();
    let (code, _, err) = run(mesh.cmd().args(["diff", snap, snap, "-m", "nosuchmetric"]));
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("warning: no series matched -m nosuchmetric"),
        "{err}"
    );
    let (code, _, err) = run(mesh.cmd().args(["diff", snap, snap, "-m", "request_total"]));
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("no series matched"), "{err}");
}

#[test]
fn two_files_written_differently_differ_only_where_their_series_do() {
    // The new file writes each series' labels in another order, adds a series and a bucket
    // in the middle of their families and changes one value: the rest is unchanged.
    let dir = tempfile::tempdir().expect("temp dir");
    let old = "# TYPE request_total counter\n\
        request_total{a=\"1\",b=\"x\"} 5\n\
        request_total{a=\"2\",b=\"x\"} 6\n\
        request_total{a=\"3\",b=\"x\"} 7\n\
        # TYPE lat histogram\n\
        lat_bucket{r=\"a\",le=\"1\"} 1\n\
        lat_bucket{r=\"a\",le=\"+Inf\"} 2\n\
        lat_count{r=\"a\"} 2\n\
        lat_sum{r=\"a\"} 3\n";
    let new = "# TYPE request_total counter\n\
        request_total{a=\"1\",b=\"x\"} 5\n\
        request_total{a=\"9\",b=\"x\"} 1\n\
        request_total{b=\"x\",a=\"2\"} 6\n\
        request_total{b=\"x\",a=\"3\"} 10\n\
        # TYPE lat histogram\n\
        lat_bucket{r=\"a\",le=\"1\"} 1\n\
        lat_bucket{r=\"a\",le=\"2\"} 2\n\
        lat_bucket{r=\"a\",le=\"+Inf\"} 2\n\
        lat_count{r=\"a\"} 2\n\
        lat_sum{r=\"a\"} 3\n";
    let (old_path, new_path) = (dir.path().join("old.prom"), dir.path().join("new.prom"));
    std::fs::write(&old_path, old).unwrap();
    std::fs::write(&new_path, new).unwrap();
    let (code, out, err) = run(crate::support::bin()
        .arg("diff")
        .args([&old_path, &new_path]));
    assert_eq!(code, 0, "{err}");
    let rows: Vec<Vec<&str>> = out
        .lines()
        .filter(|l| l.contains("request_total"))
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(
        rows,
        [
            vec!["request_total{a=\"1\"}", "5", "5", "0", "-"],
            vec!["request_total{a=\"2\"}", "6", "6", "0", "-"],
            vec!["changed", "request_total{a=\"3\"}", "7", "10", "+3", "-"],
            vec!["added", "request_total{a=\"9\"}", "-", "1", "-", "-"],
        ],
        "{out}"
    );
    assert!(
        out.ends_with(
            "1 series changed, 1 added, 0 removed, 2 unchanged; 0 of 1 histograms changed\n"
        ),
        "{out}"
    );
}
