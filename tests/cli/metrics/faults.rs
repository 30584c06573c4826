//! `metrics` when scrapes fail: each fault kind the simulator injects, named on stderr and as
//! `# ERROR:` in the dump while the healthy bodies stay intact, Ctrl-C mid-scrape, the flags that
//! raise a limit, and the exit codes of spec §9.

use crate::support::{Mesh, raw_pods, run, stderr, stdout, success};

use super::emojivoto_pods;

/// One failing pod among four: exit 3, the failure named on stderr and as `# ERROR:` in the dump,
/// the three healthy bodies intact.
fn assert_partial(faults: &[&str], extra: &[&str], expect_in_error: &[&str]) {
    let mesh = Mesh::with_faults(faults);
    let web = mesh.pod("emojivoto", "web-");
    let out = mesh
        .cmd()
        .args(["metrics", "deploy", "-n", "emojivoto"])
        .args(extra)
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{faults:?}: {err}");
    assert!(
        err.contains(&format!("error: pod emojivoto/{web}: ")),
        "{faults:?}: {err}"
    );
    for needle in expect_in_error {
        assert!(err.contains(needle), "{faults:?}: want {needle:?} in {err}");
    }
    let text = stdout(&out);
    assert_eq!(raw_pods(&text), emojivoto_pods(&mesh), "{faults:?}");
    let web_section = text.split(&format!("# POD {web} ")).nth(1).unwrap();
    assert!(
        web_section
            .split("# POD ")
            .next()
            .unwrap()
            .contains("# ERROR: "),
        "{faults:?}"
    );
    for healthy in ["emoji-", "voting-", "vote-bot-"] {
        let pod = mesh.pod("emojivoto", healthy);
        let section = text.split(&format!("# POD {pod} ")).nth(1).unwrap();
        let section = section.split("\n#\n# POD ").next().unwrap();
        assert!(
            section.contains("\nrequest_total{"),
            "{faults:?}: {pod} body intact"
        );
        assert!(
            section.trim_end().ends_with("# EOF"),
            "{faults:?}: {pod} body complete"
        );
    }
}

#[test]
fn refused_port_forward_reports_the_kubelet_error() {
    assert_partial(
        &["refuse:web-*"],
        &[],
        &[
            "port-forward failed: error forwarding port 4191 to pod ",
            ", uid : failed to execute portforward in network namespace \"/var/run/netns/cni-",
        ],
    );
}

#[test]
fn forbidden_port_forward_names_rbac_and_suggests_apiserver() {
    assert_partial(
        &["forbid:web-*"],
        &[],
        &["pods/portforward", "--via apiserver"],
    );
}

#[test]
fn vanished_pod_is_not_found() {
    assert_partial(&["notfound:web-*"], &[], &["pod not found"]);
}

#[test]
fn slow_proxy_times_out() {
    assert_partial(
        &["slow=30s:web-*"],
        &["--timeout", "1s"],
        &["timed out after 1s"],
    );
}

#[test]
fn proxy_http_status_is_reported() {
    assert_partial(&["status=503:web-*"], &[], &["proxy answered HTTP 503"]);
}

#[test]
fn reset_mid_body_is_reported() {
    // A kubelet reports the proxy's reset on the port-forward's error channel.
    assert_partial(&["reset:web-*"], &[], &["connection reset"]);
}

#[test]
fn huge_body_is_capped() {
    assert_partial(&["huge=80:web-*"], &[], &["response body exceeds 64 MiB"]);
}

#[test]
fn garbage_is_printed_raw_but_rejected_when_parsed() {
    let mesh = Mesh::with_faults(&["garbage:web-*"]);
    let raw = mesh
        .cmd()
        .args(["metrics", "deploy", "-n", "emojivoto"])
        .output()
        .unwrap();
    assert_eq!(
        raw.status.code(),
        Some(0),
        "raw passes bodies through: {}",
        stderr(&raw)
    );

    let web = mesh.pod("emojivoto", "web-");
    let out = mesh
        .cmd()
        .args(["metrics", "deploy", "-n", "emojivoto", "-o", "prom"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!(
            "error: pod emojivoto/{web}: malformed metrics: line "
        )),
        "{}",
        stderr(&out)
    );
    let text = stdout(&out);
    assert!(!text.contains(&format!(",namespace=\"emojivoto\",pod=\"{web}\"")));
    let voting = mesh.pod("emojivoto", "voting-");
    assert!(text.contains(&format!(",namespace=\"emojivoto\",pod=\"{voting}\"")));
}

#[test]
fn restarted_proxy_is_scraped_normally() {
    let mesh = Mesh::with_faults(&["restart:web-*"]);
    let out = success(mesh.cmd().args(["metrics", "deploy", "-n", "emojivoto"]));
    assert_eq!(raw_pods(&out), emojivoto_pods(&mesh));
}

#[test]
fn every_scrape_failing_exits_1() {
    let mesh = Mesh::with_faults(&["refuse:*"]);
    let out = mesh
        .cmd()
        .args(["metrics", "deploy", "-n", "emojivoto"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(stderr(&out).matches("error: pod emojivoto/").count(), 4);
}

/// Ctrl-C while one proxy hangs: the scrape stops at once, prints the pods that finished, says how
/// far it got, and exits 3 (spec §9). `--timeout` is far beyond the test's patience, so only the
/// interrupt can end the run in time.
#[cfg(unix)]
#[test]
fn ctrl_c_prints_what_finished_and_exits_partial() {
    use std::io::{BufRead, BufReader, Read};
    use std::process::Stdio;
    use std::sync::mpsc;
    use std::time::{Duration, Instant};

    use crate::support::process::{exit_within, signal};

    let mesh = Mesh::with_faults(&["slow=300s:web-*"]);
    let mut child = mesh
        .process()
        .args(["-vv", "metrics", "-n", "emojivoto", "--timeout", "300s"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the binary");
    let mut stdout_pipe = child.stdout.take().expect("stdout");
    let stdout_reader = std::thread::spawn(move || {
        let mut text = String::new();
        stdout_pipe.read_to_string(&mut text).expect("read stdout");
        text
    });
    let (lines_tx, lines) = mpsc::channel();
    let stderr_pipe = child.stderr.take().expect("stderr");
    std::thread::spawn(move || {
        for line in BufReader::new(stderr_pipe).lines().map_while(Result::ok) {
            let _ = lines_tx.send(line);
        }
    });

    // Wait (with a deadline) until the three healthy proxies are done and only web hangs.
    let healthy: Vec<String> = emojivoto_pods(&mesh)
        .into_iter()
        .filter(|pod| !pod.starts_with("web-"))
        .collect();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut log = Vec::new();
    let mut scraped = 0;
    while scraped < healthy.len() {
        let left = deadline.saturating_duration_since(Instant::now());
        match lines.recv_timeout(left) {
            Ok(line) => {
                scraped += usize::from(line.contains("scraped"));
                log.push(line);
            }
            Err(_) => {
                let _ = child.kill();
                panic!(
                    "the healthy proxies were not scraped in time:\n{}",
                    log.join("\n")
                );
            }
        }
    }

    signal(&child, "-INT");
    let status = exit_within(
        &mut child,
        Duration::from_secs(10),
        "still running 10 s after Ctrl-C",
    );
    let text = stdout_reader.join().expect("stdout thread");
    log.extend(lines.try_iter());
    let log = log.join("\n");

    assert_eq!(status.code(), Some(3), "{log}");
    assert_eq!(raw_pods(&text), healthy, "{text}");
    assert!(log.contains("interrupted: 3 of 4 proxies scraped"), "{log}");
}

#[test]
fn forbidden_port_forward_names_get_then_create_from_1_35() {
    assert_partial(
        &["forbid:web-*"],
        &[],
        &[
            "cannot get resource \"pods/portforward\"",
            "needs RBAC `get` on `pods/portforward`",
            "from Kubernetes 1.35, `create` on `pods/portforward` too",
            "--via apiserver",
        ],
    );
    assert_partial(
        &["nocreate:web-*"],
        &[],
        &[
            "is forbidden (no reason given: Kubernetes 1.35+ answers so when `create` is missing); port-forwarding needs",
            "--via apiserver",
        ],
    );
}

#[test]
fn unreachable_kubelet_is_the_api_servers_500() {
    assert_partial(
        &["kubeletdown:web-*"],
        &[],
        &["API server answered HTTP 500: error dialing backend: dial tcp "],
    );
}

#[test]
fn a_timeout_names_the_flag_that_sets_it() {
    assert_partial(
        &["slow=30s:web-*"],
        &["--timeout", "1s"],
        &["timed out after 1s (a slow proxy may need a longer --timeout)"],
    );
}

#[test]
fn the_body_limit_names_its_flag_which_raises_it() {
    assert_partial(
        &["huge=2:web-*"],
        &["--max-body-size", "1Mi"],
        &["response body exceeds 1 MiB (raise the limit with --max-body-size)"],
    );
    let mesh = Mesh::with_faults(&["huge=2:web-*"]);
    let text = success(mesh.cmd().args([
        "metrics",
        "deploy/web",
        "-n",
        "emojivoto",
        "--max-body-size",
        "3Mi",
    ]));
    assert!(
        text.trim_end().ends_with("# EOF"),
        "{}",
        &text[text.len().saturating_sub(200)..]
    );
    let (code, _, err) = run(mesh.cmd().args(["metrics", "--max-body-size", "0"]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("invalid size \"0\""), "{err}");
}

#[test]
fn garbage_raw_body_is_printed_as_served_with_a_warning() {
    let mesh = Mesh::with_faults(&["garbage:web-*"]);
    let web = mesh.pod("emojivoto", "web-");
    let (code, out, err) = run(mesh.cmd().args(["metrics", "deploy", "-n", "emojivoto"]));
    assert_eq!(code, 0, "{err}");
    assert!(raw_pods(&out).contains(&web), "{out}");
    assert!(
        err.contains(&format!(
            "warning: pod emojivoto/{web}: malformed metrics: line "
        )) && err.contains("printed as served"),
        "{err}"
    );
    let voting = mesh.pod("emojivoto", "voting-");
    assert!(
        !err.contains(&voting),
        "well-formed bodies pass quietly: {err}"
    );
    let (code, _, err) =
        run(mesh
            .cmd()
            .args(["metrics", "deploy", "-n", "emojivoto", "--obfuscate"]));
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains(&format!(
            "warning: pod emojivoto/{web}: malformed metrics: line "
        )),
        "obfuscated, still reported: {err}"
    );
}
