//! Whole commands as a user runs them, process start to exit, on one large proxy body: the
//! plugin's `metrics -o prom`, `metrics -o raw` (a copy: the floor), `stat --since-start` and
//! `diff BODY BODY`, next to a whole-process `prometheus-parse` program reading the same file
//! and, for `diff`, one that does a diff's work with `prometheus-parse`: read both files, match
//! series by name and labels, print old, new and delta for each.
//!
//! The body is generated here: every family of the real `prommatch` sampleMetrics fixture, each
//! sample repeated with a distinct `pod_ix` label, until the body passes `WHOLE_PROCESS_MB`
//! (default 19). Each command runs `WHOLE_PROCESS_RUNS` times (default 7), interleaved; the
//! medians of wall time and peak RSS (from `wait4`) are printed with the ratio to
//! `prometheus-parse`. `WHOLE_PROCESS_BASELINE=PATH` adds the same commands run by another
//! build of the plugin (an older release), side by side in the same run.
//!
//! ```text
//! cargo bench --bench whole_process
//! WHOLE_PROCESS_BASELINE=/usr/local/bin/kubectl-linkerd_export cargo bench --bench whole_process
//! ```

use std::fs;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/linkerd/linkerd2__testutil__prommatch__testdata__sampleMetrics.txt"
);
const BINARY: &str = env!("CARGO_BIN_EXE_kubectl-linkerd_export");
/// Set in the child that stands for a `prometheus-parse` program, to what it does: [`PARSE`] or
/// [`DIFF`]. Its arguments are the files.
const PEER_MODE: &str = "WHOLE_PROCESS_PROMETHEUS_PARSE";
/// The peer reads one file and counts its samples.
const PARSE: &str = "parse";
/// The peer diffs two files.
const DIFF: &str = "diff";

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The fixture's families, each sample repeated with `pod_ix="0"`, `pod_ix="1"`, ... until the
/// body is at least `min_bytes` long.
fn big_body(min_bytes: usize) -> String {
    let fixture = fs::read_to_string(FIXTURE).expect("fixture");
    let mut families: Vec<(Vec<&str>, Vec<&str>)> = Vec::new();
    for line in fixture.lines() {
        if line.starts_with("# HELP") || line.starts_with("# TYPE") {
            if families
                .last()
                .is_none_or(|(_, samples)| !samples.is_empty())
            {
                families.push((Vec::new(), Vec::new()));
            }
            families.last_mut().expect("pushed").0.push(line);
        } else if !line.starts_with('#') && !line.trim().is_empty() {
            if families.is_empty() {
                families.push((Vec::new(), Vec::new()));
            }
            families.last_mut().expect("pushed").1.push(line);
        }
    }
    let one_copy: usize = families
        .iter()
        .flat_map(|(_, samples)| samples)
        .map(|s| s.len() + 16)
        .sum();
    let copies = min_bytes / one_copy.max(1) + 1;
    let mut body = String::with_capacity(min_bytes + (1 << 20));
    for (meta, samples) in &families {
        for line in meta {
            body.push_str(line);
            body.push('\n');
        }
        for i in 0..copies {
            for sample in samples {
                match sample.find('{') {
                    Some(brace) => {
                        body.push_str(&sample[..=brace]);
                        body.push_str(&format!("pod_ix=\"{i}\""));
                        if !sample[brace + 1..].starts_with('}') {
                            body.push(',');
                        }
                        body.push_str(&sample[brace + 1..]);
                    }
                    None => {
                        let space = sample.find(' ').expect("sample value");
                        body.push_str(&sample[..space]);
                        body.push_str(&format!("{{pod_ix=\"{i}\"}}"));
                        body.push_str(&sample[space..]);
                    }
                }
                body.push('\n');
            }
        }
    }
    body
}

/// A command to time: its name, program, arguments, and the peer mode when it is a peer program.
type Timed<'a> = (String, String, Vec<&'a str>, Option<&'static str>);

/// What one run of a command cost.
struct Run {
    wall: Duration,
    max_rss_kb: i64,
}

fn run(program: &str, args: &[&str], peer: Option<&str>) -> Run {
    let mut command = Command::new(program);
    command
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    if let Some(mode) = peer {
        command.env(PEER_MODE, mode);
    }
    let started = Instant::now();
    #[expect(
        clippy::zombie_processes,
        reason = "wait4 below reaps the child, and gives its rusage, which Child::wait cannot"
    )]
    let child = command.spawn().expect("spawn");
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to fill in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: the pid is our own child's, and both out-pointers are valid for writes.
    let waited = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    let wall = started.elapsed();
    assert!(waited > 0, "wait4 failed");
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "{program} {args:?} failed: status {status}"
    );
    Run {
        wall,
        max_rss_kb: usage.ru_maxrss,
    }
}

/// The `prometheus-parse` program: read the file, parse every line, count the samples.
fn prometheus_parse_program(path: &str) {
    println!("{}", prometheus_parse_file(path).samples.len());
}

fn prometheus_parse_file(path: &str) -> prometheus_parse::Scrape {
    let text = fs::read_to_string(path).expect("read");
    let lines = text.lines().map(|l| Ok(l.to_owned()));
    prometheus_parse::Scrape::parse(lines).expect("parse")
}

/// The `prometheus-parse` diff program: parse both files, match series by name and labels (a
/// histogram by its count), print each series' old value, new value and delta, then the old
/// side's series the new side lacks.
fn prometheus_parse_diff_program(old: &str, new: &str) {
    use prometheus_parse::Value;
    use std::io::Write;
    let keyed = |scrape: prometheus_parse::Scrape| {
        scrape.samples.into_iter().map(|sample| {
            let value = match sample.value {
                Value::Counter(v) | Value::Gauge(v) | Value::Untyped(v) => v,
                Value::Histogram(buckets) => buckets.last().map_or(0.0, |b| b.count),
                Value::Summary(quantiles) => quantiles.len() as f64,
            };
            (format!("{}{{{}}}", sample.metric, sample.labels), value)
        })
    };
    let mut before: std::collections::HashMap<String, f64> =
        keyed(prometheus_parse_file(old)).collect();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for (series, value) in keyed(prometheus_parse_file(new)) {
        match before.remove(&series) {
            Some(old) => writeln!(out, "{series} {old} {value} {}", value - old),
            None => writeln!(out, "{series} added {value}"),
        }
        .expect("write");
    }
    for (series, old) in before {
        writeln!(out, "{series} {old} removed").expect("write");
    }
    out.flush().expect("flush");
}

fn median<T: Copy + Ord>(mut values: Vec<T>) -> T {
    values.sort();
    values[values.len() / 2]
}

fn main() {
    if let Ok(mode) = std::env::var(PEER_MODE) {
        let files: Vec<String> = std::env::args().skip(1).collect();
        match (mode.as_str(), files.as_slice()) {
            (PARSE, [file]) => prometheus_parse_program(file),
            (DIFF, [old, new]) => prometheus_parse_diff_program(old, new),
            _ => panic!("{PEER_MODE}={mode} with files {files:?}"),
        }
        return;
    }
    if std::env::args().any(|a| a == "--list") {
        println!("whole_process: bench");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let big = dir.path().join("big.prom");
    let body = big_body(env_or("WHOLE_PROCESS_MB", 19) << 20);
    fs::write(&big, &body).expect("write body");
    let input_mb = body.len() as f64 / (1 << 20) as f64;
    drop(body);
    let big = big.to_str().expect("utf-8 path");
    let me = std::env::current_exe().expect("current exe");
    let me = me.to_str().expect("utf-8 path");

    let plugin_commands = |suffix: &str, binary: &str| -> Vec<Timed<'_>> {
        [
            (
                "metrics -o raw",
                vec!["metrics", "--from-file", big, "-o", "raw"],
            ),
            (
                "metrics -o prom",
                vec!["metrics", "--from-file", big, "-o", "prom"],
            ),
            (
                "stat --since-start",
                vec!["stat", "--from-file", big, "--since-start"],
            ),
            ("diff BODY BODY", vec!["diff", big, big]),
        ]
        .into_iter()
        .map(|(name, args)| (format!("{name}{suffix}"), binary.to_string(), args, None))
        .collect()
    };
    let mut commands: Vec<Timed<'_>> = vec![
        (
            "prometheus-parse program".into(),
            me.to_string(),
            vec![big],
            Some(PARSE),
        ),
        (
            "prometheus-parse diff program".into(),
            me.to_string(),
            vec![big, big],
            Some(DIFF),
        ),
    ];
    commands.extend(plugin_commands("", BINARY));
    if let Ok(baseline) = std::env::var("WHOLE_PROCESS_BASELINE") {
        commands.extend(plugin_commands(" (baseline)", &baseline));
    }
    let runs = env_or("WHOLE_PROCESS_RUNS", 7);
    let mut results: Vec<Vec<Run>> = commands.iter().map(|_| Vec::new()).collect();
    for _ in 0..runs {
        for (i, (_, program, args, peer)) in commands.iter().enumerate() {
            results[i].push(run(program, args, *peer));
        }
    }
    println!("input: {input_mb:.1} MiB, {runs} runs each, medians");
    println!(
        "{:<37} {:>10} {:>12} {:>14} {:>14}",
        "command", "wall", "peak RSS", "vs peer (wall)", "vs diff peer"
    );
    let peer_wall = median(results[0].iter().map(|r| r.wall).collect());
    let diff_peer_wall = median(results[1].iter().map(|r| r.wall).collect());
    for ((name, ..), runs) in commands.iter().zip(&results) {
        let wall = median(runs.iter().map(|r| r.wall).collect());
        let rss = median(runs.iter().map(|r| r.max_rss_kb).collect());
        // Only a diff is compared with the program that does a diff's work.
        let vs_diff_peer = if name.starts_with("diff ") {
            format!(
                "{:>13.1}x",
                diff_peer_wall.as_secs_f64() / wall.as_secs_f64()
            )
        } else {
            String::new()
        };
        println!(
            "{name:<37} {:>8.1}ms {:>9.1} MiB {:>13.1}x {vs_diff_peer:>14}",
            wall.as_secs_f64() * 1000.0,
            rss as f64 / 1024.0,
            peer_wall.as_secs_f64() / wall.as_secs_f64()
        );
    }
}
