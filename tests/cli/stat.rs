//! `stat` against the simulated mesh: rates, success rates and latency percentiles checked
//! against its traffic model; restarts, failed pods, groupings and output formats.

use crate::support;
use crate::support::{Mesh, assert_close, run};
use linkerd_export_sim::traffic::LATENCY_BOUNDS_MS;
use linkerd_export_sim::{Fault, LatencyDist, SimConfig};
use serde_json::Value;

const WORKLOADS: [&str; 3] = ["web", "emoji", "voting"];

fn json_rows(mesh: &Mesh, args: &[&str]) -> (i32, Vec<Value>, String) {
    let (code, out, err) = run(mesh.cmd().args(["stat", "-o", "json"]).args(args));
    let rows: Value = serde_json::from_str(&out)
        .unwrap_or_else(|e| panic!("stat -o json is not JSON ({e}): {out:?}\nstderr: {err}"));
    (
        code,
        rows.as_array().expect("an array of rows").clone(),
        err,
    )
}

fn row<'a>(rows: &'a [Value], workload: &str) -> &'a Value {
    rows.iter()
        .find(|r| r["workload"] == format!("deployment/{workload}"))
        .unwrap_or_else(|| panic!("no row for {workload} in {rows:#?}"))
}

/// Where `histogram_quantile` may put the `q` quantile of `dist`: within 2 % of the model's value,
/// except when `q` falls exactly on a bucket boundary; then whole-number counts (rounded down)
/// can push the rank past the boundary, and Prometheus' algorithm interpolates from the bound of
/// the bucket before the next non-empty one — anywhere up to that bucket's bound.
fn quantile_range(dist: &LatencyDist, q: f64) -> (f64, f64) {
    let want = dist.quantile(q);
    let cumulative = dist.cumulative();
    match cumulative.iter().position(|c| (c - q).abs() < 1e-9) {
        Some(i) => {
            let next = (i + 1..cumulative.len())
                .find(|&j| cumulative[j] > cumulative[i])
                .unwrap_or(i);
            (LATENCY_BOUNDS_MS[i] * 0.98, LATENCY_BOUNDS_MS[next] * 1.02)
        }
        None => (want * 0.98, want * 1.02),
    }
}

fn number(row: &Value, field: &str) -> f64 {
    row[field]
        .as_f64()
        .unwrap_or_else(|| panic!("{field} missing in {row}"))
}

#[test]
fn since_start_numbers_match_the_traffic_model() {
    let mesh = Mesh::start();
    let (code, rows, err) = json_rows(&mesh, &["-n", "emojivoto", "--since-start"]);
    assert_eq!(code, 0, "{err}");
    for workload in WORKLOADS {
        let expected = mesh.expected(workload);
        let r = row(&rows, workload);
        // Counters since proxy start hold many requests: rates and ratios are close to exact.
        assert_close(
            &format!("{workload} rps"),
            number(r, "rps"),
            expected.rps,
            expected.rps * 0.02,
        );
        assert_close(
            &format!("{workload} success rate"),
            number(r, "success_rate"),
            expected.success_rate,
            0.005,
        );
        for (field, q) in [
            ("latency_p50_ms", 0.5),
            ("latency_p95_ms", 0.95),
            ("latency_p99_ms", 0.99),
        ] {
            let (low, high) = quantile_range(&expected.latency, q);
            let got = number(r, field);
            assert!(
                (low..=high).contains(&got),
                "{workload} {field}: got {got}, expected {low}..={high}"
            );
        }
        assert_eq!(r["meshed_pods"], 1);
        assert_eq!(r["selected_pods"], 1);
        assert!(number(r, "tcp_connections") >= 1.0);
    }
    let bot = row(&rows, "vote-bot");
    assert_eq!(bot["rps"], Value::Null, "vote-bot receives no traffic");
    assert_eq!(bot["meshed_pods"], 1);
}

#[test]
fn window_rates_over_replicas_match_the_traffic_model() {
    let mesh = Mesh::with(SimConfig {
        replicas: 2,
        ..SimConfig::default()
    });
    let (code, rows, err) = json_rows(&mesh, &["-n", "emojivoto", "--window", "3s"]);
    assert_eq!(code, 0, "{err}");
    for workload in WORKLOADS {
        let expected = mesh.expected(workload);
        let r = row(&rows, workload);
        // Counts are whole numbers (one request per pod per window) and the proxies render in
        // 100 ms ticks at their own clock, while rates use the client's scrape times: under a
        // loaded machine the two drift apart by a few hundred milliseconds per scrape.
        let tolerance = 2.0 / 3.0 + expected.rps * 0.15;
        assert_close(
            &format!("{workload} rps"),
            number(r, "rps"),
            expected.rps,
            tolerance,
        );
        assert_close(
            &format!("{workload} success rate"),
            number(r, "success_rate"),
            expected.success_rate,
            0.2,
        );
        assert_eq!(r["meshed_pods"], 2);
        assert_eq!(r["selected_pods"], 2);
        assert!(number(r, "read_bytes_per_sec") > 0.0);
    }
}

#[test]
fn table_is_sorted_and_names_namespaces_with_all_namespaces() {
    let mesh = Mesh::start();
    let (code, out, err) = run(mesh
        .cmd()
        .args(["stat", "-n", "emojivoto", "--since-start"]));
    assert_eq!(code, 0, "{err}");
    let mut lines = out.lines();
    let header: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    assert_eq!(header[..3], ["NAME", "MESHED", "SUCCESS"]);
    let names: Vec<&str> = lines
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "deployment/emoji",
            "deployment/vote-bot",
            "deployment/voting",
            "deployment/web"
        ]
    );
    assert!(
        out.contains("85.00%") || out.contains("84.99%") || out.contains("85.01%"),
        "{out}"
    );

    assert!(!out.contains('\u{1b}'), "no colour on a pipe");
    let (_, coloured, _) = run(mesh.cmd().args([
        "stat",
        "-n",
        "emojivoto",
        "--since-start",
        "--color",
        "always",
    ]));
    let voting = coloured.lines().find(|l| l.contains("voting")).unwrap();
    assert!(
        voting.contains("\u{1b}[38;5;9m"),
        "failing success rate in red: {voting:?}"
    );

    let (code, out, err) = run(mesh
        .cmd()
        .args(["stat", "-A", "--since-start", "-o", "wide"]));
    assert_eq!(code, 0, "{err}");
    let header: Vec<&str> = out.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(header[..2], ["NAMESPACE", "NAME"]);
    assert!(header.contains(&"READ_BYTES/SEC") && header.contains(&"ROUTE_RPS"));
    let namespaces: Vec<&str> = out
        .lines()
        .skip(1)
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    let mut sorted = namespaces.clone();
    sorted.sort();
    assert_eq!(namespaces, sorted);
    assert!(namespaces.contains(&"linkerd") && namespaces.contains(&"emojivoto"));
    assert!(
        err.contains("not meshed"),
        "skipped pods are reported: {err}"
    );
}

#[test]
fn restarts_between_scrapes_give_no_negative_or_absurd_rates() {
    let mesh = Mesh::with(SimConfig {
        faults: vec!["restart:voting-*".parse::<Fault>().unwrap()],
        ..SimConfig::default()
    });
    let (code, rows, err) = json_rows(&mesh, &["-n", "emojivoto", "--window", "2s"]);
    assert_eq!(code, 0, "{err}");
    let expected = mesh.expected("voting");
    let voting = row(&rows, "voting");
    let rps = number(voting, "rps");
    assert_close("voting rps across a restart", rps, expected.rps, 2.0);
    let requests = number(voting, "requests");
    assert!((0.0..=expected.rps * 4.0).contains(&requests), "{voting}");
    for r in &rows {
        for field in [
            "rps",
            "requests",
            "read_bytes_per_sec",
            "write_bytes_per_sec",
        ] {
            if let Some(v) = r[field].as_f64() {
                assert!(v >= 0.0, "negative {field}: {r}");
            }
        }
    }
}

#[test]
fn failed_pods_are_named_and_the_exit_status_is_partial() {
    let mesh = Mesh::with(SimConfig {
        faults: vec!["refuse:emoji-*".parse::<Fault>().unwrap()],
        ..SimConfig::default()
    });
    let (code, rows, err) = json_rows(&mesh, &["-n", "emojivoto", "--window", "1s"]);
    assert_eq!(code, 3, "partial: {err}");
    assert!(err.contains("error: pod emojivoto/emoji-"), "{err}");
    let emoji = row(&rows, "emoji");
    assert_eq!(emoji["meshed_pods"], 0);
    assert_eq!(emoji["selected_pods"], 1);
    assert_eq!(emoji["rps"], Value::Null);
    assert!(row(&rows, "web")["rps"].as_f64().is_some());

    let (code, out, _) =
        run(mesh
            .cmd()
            .args(["stat", "deploy/emoji", "-n", "emojivoto", "--since-start"]));
    assert_eq!(code, 1, "every scrape failed");
    assert!(out.is_empty(), "{out}");
}

#[test]
fn groupings_by_pod_direction_authority_and_route() {
    let mesh = Mesh::with(SimConfig {
        replicas: 2,
        ..SimConfig::default()
    });
    let args = ["-n", "emojivoto", "--since-start"];
    let (_, pods, _) = json_rows(&mesh, &[&args[..], &["deploy/web", "--by", "pod"]].concat());
    assert_eq!(pods.len(), 2, "{pods:#?}");
    let total: f64 = pods.iter().map(|p| number(p, "rps")).sum();
    assert_close("web rps over pods", total, mesh.expected("web").rps, 0.3);
    assert!(
        pods.iter()
            .all(|p| p["pod"].as_str().unwrap().starts_with("web-"))
    );

    let (_, dirs, _) = json_rows(
        &mesh,
        &[&args[..], &["deploy/web", "--by", "direction"]].concat(),
    );
    let directions: Vec<&str> = dirs
        .iter()
        .map(|r| r["direction"].as_str().unwrap())
        .collect();
    assert_eq!(directions, ["inbound", "outbound"]);
    let outbound = &dirs[1];
    // web calls emoji (10 rps) and voting (5 rps).
    assert_close("web outbound rps", number(outbound, "rps"), 15.0, 0.3);

    let (_, auths, _) = json_rows(
        &mesh,
        &[&args[..], &["deploy/web", "--by", "authority"]].concat(),
    );
    let outbound_authorities: Vec<&str> = auths
        .iter()
        .filter(|r| r["direction"] == "outbound")
        .map(|r| r["authority"].as_str().unwrap())
        .collect();
    assert!(
        outbound_authorities.iter().any(|a| a.starts_with("emoji")),
        "{auths:#?}"
    );
    assert!(
        outbound_authorities.iter().any(|a| a.starts_with("voting")),
        "{auths:#?}"
    );

    let (code, routes, err) = json_rows(
        &mesh,
        &[&args[..], &["deploy/web", "--by", "route"]].concat(),
    );
    assert_eq!(code, 0, "{err}");
    assert!(!routes.is_empty(), "route metrics are summarised");
    assert!(routes.iter().all(|r| r["route"].is_string()), "{routes:#?}");
}

#[test]
fn usage_errors_exit_2() {
    let mesh = Mesh::start();
    for args in [
        &["stat", "--window", "0s"][..],
        &["stat", "--since-start", "--window", "5s"],
        &["stat", "--by", "nothing"],
        &[
            "stat",
            "--from-file",
            "a",
            "--from-file",
            "b",
            "--from-file",
            "c",
        ],
    ] {
        let (code, _, err) = run(mesh.cmd().args(args));
        assert_eq!(code, 2, "{args:?}: {err}");
    }
}

#[test]
fn two_raw_dumps_line_up_and_use_their_modification_times() {
    let dir = tempfile::tempdir().unwrap();
    let now = std::time::SystemTime::now();
    let copy = |name: &str, to: &str, age_secs: u64| {
        let path = dir.path().join(to);
        std::fs::copy(support::fixture(name), &path).unwrap();
        let file = std::fs::File::options().write(true).open(&path).unwrap();
        file.set_modified(now - std::time::Duration::from_secs(age_secs))
            .unwrap();
        path
    };
    let before = copy(
        "linkerd2-proxy__commit-3eab1e84e__outbound-route-backend-before.txt",
        "before.txt",
        20,
    );
    let after = copy(
        "linkerd2-proxy__commit-3eab1e84e__outbound-route-backend-after.txt",
        "after.txt",
        10,
    );
    let (code, out, err) = run(support::bin()
        .args(["stat", "--by", "route", "-o", "json", "--from-file"])
        .arg(&before)
        .arg("--from-file")
        .arg(&after));
    assert_eq!(code, 0, "{err}");
    let rows: Vec<Value> = serde_json::from_str(&out).unwrap();
    assert_eq!(rows.len(), 1, "{rows:#?}");
    let route = &rows[0];
    // `--by route` is the route view (SPEC §4b): the parent is the service and port.
    assert_eq!(route["parent"], "simple-app-v1:80");
    assert_eq!(route["workload"], "pod/after");
    let requests = number(route, "requests");
    assert!(requests > 0.0, "{route}");
    assert_close(
        "route rps over the 10 s between the files",
        number(route, "rps"),
        requests / 10.0,
        1e-9,
    );
}

#[test]
fn outbound_rows_count_tcp_to_servers_and_quiet_rows_have_no_numbers() {
    let mesh = Mesh::start();
    let (code, rows, err) = json_rows(
        &mesh,
        &[
            "-n",
            "emojivoto",
            "--since-start",
            "deploy/web",
            "--by",
            "direction",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let outbound = rows
        .iter()
        .find(|r| r["direction"] == "outbound")
        .unwrap_or_else(|| panic!("no outbound row in {rows:#?}"));
    // web calls emoji and voting: the proxy's connections to them are on peer="dst".
    let to = |dst: &str| {
        mesh.sim
            .expected_outbound("emojivoto", "web", dst)
            .unwrap_or_else(|| panic!("no web -> {dst} edge"))
    };
    let (emoji, voting) = (to("emoji"), to("voting"));
    assert_close(
        "web outbound read bytes/s",
        number(outbound, "read_bytes_per_sec"),
        emoji.read_bytes_per_sec + voting.read_bytes_per_sec,
        (emoji.read_bytes_per_sec + voting.read_bytes_per_sec) * 0.02,
    );
    assert_close(
        "web outbound write bytes/s",
        number(outbound, "write_bytes_per_sec"),
        emoji.write_bytes_per_sec + voting.write_bytes_per_sec,
        (emoji.write_bytes_per_sec + voting.write_bytes_per_sec) * 0.02,
    );
    assert!(number(outbound, "tcp_connections") >= 2.0, "{outbound}");

    // vote-bot serves no requests: every number of its row is null, as linkerd viz shows `-`.
    let (_, rows, _) = json_rows(&mesh, &["-n", "emojivoto", "--since-start"]);
    let bot = row(&rows, "vote-bot");
    for field in [
        "requests",
        "success_rate",
        "rps",
        "latency_p50_ms",
        "tcp_connections",
        "read_bytes_per_sec",
        "write_bytes_per_sec",
    ] {
        assert_eq!(bot[field], Value::Null, "{field} of {bot}");
    }
    let (_, table, _) =
        run(mesh
            .cmd()
            .args(["stat", "-n", "emojivoto", "--since-start", "-o", "wide"]));
    let bot = table.lines().find(|l| l.contains("vote-bot")).unwrap();
    let cells: Vec<&str> = bot.split_whitespace().collect();
    // SUCCESS through WRITE_BYTES/SEC; the ROUTE_ columns are what it sends.
    assert!(cells[2..12].iter().all(|c| *c == "-"), "{bot}");
}

#[test]
fn wide_shows_the_share_of_requests_that_were_mtls() {
    // vote-bot sends without mTLS; web's calls and every inbound request are mTLS.
    let mesh = Mesh::with_faults(&["notls:vote-bot-*"]);
    let args = ["-n", "emojivoto", "--since-start", "--by", "direction"];
    let (code, rows, err) = json_rows(&mesh, &args);
    assert_eq!(code, 0, "{err}");
    assert_eq!(tls_share(&rows, "vote-bot", "outbound"), 0.0);
    assert_eq!(tls_share(&rows, "web", "outbound"), 1.0);
    assert_eq!(tls_share(&rows, "web", "inbound"), 1.0);
    // Over a window too (each proxy's increases folded as its second scrape arrives).
    let windowed = ["-n", "emojivoto", "--window", "2s", "--by", "direction"];
    let (code, rows, err) = json_rows(&mesh, &windowed);
    assert_eq!(code, 0, "{err}");
    assert_eq!(tls_share(&rows, "vote-bot", "outbound"), 0.0);
    assert_eq!(tls_share(&rows, "web", "outbound"), 1.0);

    let (code, table, err) = run(mesh.cmd().args(["stat", "-o", "wide"]).args(args));
    assert_eq!(code, 0, "{err}");
    let mut lines = table.lines();
    let header: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    let tls = header
        .iter()
        .position(|h| *h == "TLS")
        .expect("a TLS column");
    let cell = |workload: &str, direction: &str| {
        table
            .lines()
            .map(|l| l.split_whitespace().collect::<Vec<_>>())
            .find(|c| c[0] == format!("deployment/{workload}") && c[1] == direction)
            .map(|c| c[tls].to_string())
            .unwrap_or_else(|| panic!("no {direction} row for {workload}: {table}"))
    };
    assert_eq!(cell("vote-bot", "outbound"), "0.00%");
    assert_eq!(cell("web", "outbound"), "100.00%");
    // The plain table has no TLS column.
    let (_, plain, _) = run(mesh.cmd().args(["stat"]).args(args));
    assert!(!plain.lines().next().unwrap().contains("TLS"), "{plain}");
}

/// `tls_share` of `workload`'s row for `direction`.
fn tls_share(rows: &[Value], workload: &str, direction: &str) -> f64 {
    let name = format!("deployment/{workload}");
    let r = rows
        .iter()
        .find(|r| r["workload"] == name && r["direction"] == direction)
        .unwrap_or_else(|| panic!("no {direction} row for {workload}: {rows:#?}"));
    number(r, "tls_share")
}
