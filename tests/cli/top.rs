//! `top` against the simulated mesh: one table per interval without a terminal, and the
//! interactive mode in a pseudo-terminal (util-linux `script`), quit with `q`, terminal restored
//! (alternate screen left, cursor shown, `stty` back to canonical mode with echo).

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::support;
use crate::support::{BIN, Mesh, run};

#[test]
fn without_a_terminal_it_prints_one_table_per_interval_busiest_first() {
    let mesh = Mesh::start();
    let (code, out, err) = run(mesh.cmd().args([
        "top",
        "-n",
        "emojivoto",
        "--interval",
        "1s",
        "--iterations",
        "2",
    ]));
    assert_eq!(code, 0, "{err}");
    let tables: Vec<&str> = out.split("\n\n").collect();
    assert_eq!(tables.len(), 2, "{out}");
    for table in tables {
        let mut lines = table.lines();
        let status = lines.next().unwrap();
        assert!(
            status.starts_with("# 20") && status.contains("proxies 4/4"),
            "{status}"
        );
        assert!(lines.next().unwrap().starts_with("NAME "));
        let names: Vec<&str> = lines
            .map(|l| l.split_whitespace().next().unwrap())
            .collect();
        assert_eq!(names.len(), 4, "{table}");
        // web and emoji (10 rps) before voting (5 rps); vote-bot receives nothing.
        assert!(
            names[..2].contains(&"deployment/web") && names[..2].contains(&"deployment/emoji"),
            "{table}"
        );
        assert_eq!(
            names[2..],
            ["deployment/voting", "deployment/vote-bot"],
            "{table}"
        );
    }
}

#[test]
fn the_window_shown_is_the_time_between_scrapes_when_a_scrape_outlasts_the_interval() {
    // Each API request and port-forward takes 400 ms: a refresh (listing the pods again, then
    // scraping them) lasts longer than the 100 ms asked for, and the rates cover that time.
    let mesh = Mesh::builder().latency(Duration::from_millis(400)).start();
    let (code, out, err) = run(mesh.cmd().args([
        "top",
        "-n",
        "emojivoto",
        "--interval",
        "100ms",
        "--iterations",
        "1",
    ]));
    assert_eq!(code, 0, "{err}");
    let status = out.lines().next().unwrap();
    let window: f64 = status
        .split("window ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|w| w.strip_suffix('s'))
        .and_then(|w| w.parse().ok())
        .unwrap_or_else(|| panic!("no window in {status}"));
    assert!(window >= 0.8, "{status}");
}

#[test]
fn on_a_terminal_it_redraws_in_place_and_q_restores_the_terminal() {
    let mesh = Mesh::start();
    let command = format!(
        "stty rows 40 cols 160; {} --kubeconfig {} top -n emojivoto --interval 300ms; echo top-exit=$?; stty -a",
        BIN,
        mesh.kubeconfig.display()
    );
    let mut child = Command::new("script")
        .args(["-qfec", &command, "/dev/null"])
        .env("NO_COLOR", "1")
        .env("TERM", "xterm")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run script");
    let output = Arc::new(Mutex::new(Vec::new()));
    let reader = {
        let output = Arc::clone(&output);
        let mut stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stdout.read(&mut buf) {
                if n == 0 {
                    break;
                }
                output.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        })
    };
    let seen = |needle: &str| {
        String::from_utf8_lossy(&output.lock().unwrap())
            .matches(needle)
            .count()
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    // Two redraws of the table, then quit.
    while seen("deployment/voting") < 2 {
        assert!(
            Instant::now() < deadline,
            "no table drawn: {:?}",
            String::from_utf8_lossy(&output.lock().unwrap())
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    child.stdin.as_mut().unwrap().write_all(b"q").unwrap();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "top did not quit on q");
        std::thread::sleep(Duration::from_millis(50));
    };
    reader.join().unwrap();
    assert_eq!(status.code(), Some(0));
    let text = String::from_utf8_lossy(&output.lock().unwrap()).into_owned();
    let enter = text
        .find("\u{1b}[?1049h")
        .expect("alternate screen entered");
    let leave = text.rfind("\u{1b}[?1049l").expect("alternate screen left");
    assert!(enter < leave);
    let shown = text.rfind("\u{1b}[?25h").expect("cursor shown again");
    assert!(shown > enter);
    assert!(text.contains("q to quit"));
    assert!(text[enter..leave].contains("LATENCY_P99"));
    assert!(text[leave..].contains("top-exit=0"), "{text:?}");
    // Raw mode is off again: line editing and echo are back.
    let settings = &text[text.rfind("top-exit=").unwrap()..];
    assert!(
        settings.contains(" icanon") && settings.contains(" echo "),
        "{settings}"
    );
}

#[test]
fn from_a_snapshot_it_prints_one_table_busiest_first() {
    let mesh = Mesh::start();
    let snap = mesh.snapshot("snap.om", &["-n", "emojivoto"]);
    let (code, out, err) = run(support::bin().args(["top", "--from-file"]).arg(&snap));
    assert_eq!(code, 0, "{err}");
    let names: Vec<&str> = out
        .lines()
        .skip(1)
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(names.len(), 4, "{out}");
    assert_eq!(
        names[2..],
        ["deployment/voting", "deployment/vote-bot"],
        "{out}"
    );
}

#[test]
fn nothing_to_show_names_the_failed_pods_and_exits_1() {
    let mesh = Mesh::with(linkerd_export_sim::SimConfig {
        faults: vec!["refuse:emoji-*".parse().unwrap()],
        ..Default::default()
    });
    let (code, out, err) = run(mesh.cmd().args([
        "top",
        "deploy/emoji",
        "-n",
        "emojivoto",
        "--interval",
        "1s",
        "--iterations",
        "1",
    ]));
    assert_eq!(code, 1, "{err}");
    assert!(out.is_empty(), "{out}");
    assert!(err.contains("error: pod emojivoto/emoji-"), "{err}");
    assert!(err.contains("nothing to show"), "{err}");
}

/// Without a terminal too, each table lists the targets' pods again: after a rollout the new
/// pod has its row (from its second scrape) and the deleted one none.
#[test]
fn without_a_terminal_it_follows_a_rollout() {
    use std::io::{BufRead, BufReader};

    let mesh = Mesh::with(linkerd_export_sim::SimConfig {
        replicas: 2,
        ..Default::default()
    });
    let (old, new) = mesh.rollout_pods();
    let mut child = mesh
        .process()
        .args(["top", "deploy/web", "-n", "emojivoto", "--by", "pod"])
        .args(["--interval", "200ms", "--iterations", "40"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("top runs");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    // The rows of the next table: (pod, MESHED).
    let mut next_table = || -> Vec<(String, String)> {
        let mut rows = Vec::new();
        for line in lines.by_ref() {
            let line = line.unwrap();
            if line.is_empty() && !rows.is_empty() {
                break;
            }
            if line.starts_with('#') || line.starts_with("NAME") || line.is_empty() {
                continue;
            }
            let cells: Vec<&str> = line.split_whitespace().collect();
            rows.push((cells[0].to_string(), cells[1].to_string()));
        }
        rows
    };
    assert_eq!(next_table(), [(old.clone(), "1/1".to_string())]);

    assert!(mesh.sim.set_pod_present("emojivoto", &new, true));
    assert!(mesh.sim.set_pod_present("emojivoto", &old, false));
    let mut tables = 0;
    let after = loop {
        let rows = next_table();
        assert!(
            !rows.is_empty(),
            "top ended before the new pod was measured"
        );
        tables += 1;
        if rows.iter().all(|(pod, _)| *pod != old) && rows.iter().any(|(_, m)| m == "1/1") {
            break rows;
        }
    };
    assert_eq!(after, [(new.clone(), "1/1".to_string())]);
    assert!(tables <= 3, "{tables} tables after the rollout");
    let status = child.wait().unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    // A pod deleted between a refresh's listing and its scrape is an error of that refresh, as
    // it would be in a real rollout: exit 3 then, never more.
    assert!(matches!(status.code(), Some(0 | 3)), "{status:?}: {err}");
    assert!(!err.contains(&new), "{err}");
}
