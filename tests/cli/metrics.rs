//! `metrics` end to end: the built binary against the simulated mesh over TLS, WebSocket
//! port-forwarding and the API server's pod proxy — every target form, both `--via` modes, the
//! special pods, each fault kind, and the exit codes of spec §9.

use crate::support::{Mesh, raw_pods, run, stderr, stdout, success};

/// The emojivoto deployments' pods, sorted by name as the raw layout orders them.
fn emojivoto_pods(mesh: &Mesh) -> Vec<String> {
    let mut pods: Vec<String> = ["emoji", "vote-bot", "voting", "web"]
        .iter()
        .map(|p| mesh.pod("emojivoto", &format!("{p}-")))
        .collect();
    pods.sort();
    pods
}

#[test]
fn deployment_in_linkerd_raw_layout() {
    let mesh = Mesh::start();
    let text = success(
        mesh.cmd()
            .args(["metrics", "deploy/web", "-n", "emojivoto"]),
    );
    let web = mesh.pod("emojivoto", "web-");
    assert!(
        text.starts_with(&format!("#\n# POD {web} (1 of 1)\n#\n# HELP ")),
        "unexpected start: {}",
        &text[..text.len().min(200)]
    );
    assert!(text.contains("\nrequest_total{direction=\"inbound\""));
    assert!(
        text.ends_with("# EOF\n"),
        "the proxy's OpenMetrics tail is kept as served"
    );
}

#[test]
fn every_target_form_resolves_by_owner() {
    let mesh = Mesh::start();
    let web = mesh.pod("emojivoto", "web-");
    let web_rs = web.rsplit_once('-').unwrap().0.to_string();
    let nightly = mesh.pod("default", "nightly-");
    let nightly_job = nightly.rsplit_once('-').unwrap().0.to_string();
    let all = emojivoto_pods(&mesh);
    let cases: Vec<(Vec<String>, Vec<String>)> = vec![
        (vec!["deploy/web".into()], vec![web.clone()]),
        (vec!["deployment/web".into()], vec![web.clone()]),
        (vec!["deployments/web".into()], vec![web.clone()]),
        (vec!["deployment.apps/web".into()], vec![web.clone()]),
        (vec!["deploy".into(), "web".into()], vec![web.clone()]),
        (vec![format!("po/{web}")], vec![web.clone()]),
        (vec![format!("rs/{web_rs}")], vec![web.clone()]),
        (vec!["deploy".into()], all.clone()),
        (vec!["ns/emojivoto".into()], all.clone()),
        (vec![], all.clone()),
        (
            vec![
                "deploy/web".into(),
                "deploy/emoji".into(),
                "po/".to_string() + &web,
            ],
            {
                let mut v = vec![web.clone(), mesh.pod("emojivoto", "emoji-")];
                v.sort();
                v
            },
        ),
    ];
    for (targets, expected) in cases {
        let out = mesh
            .cmd()
            .args(["metrics", "-n", "emojivoto"])
            .args(&targets)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{targets:?}: {}", stderr(&out));
        assert_eq!(raw_pods(&stdout(&out)), expected, "targets {targets:?}");
    }

    let default_ns: Vec<(Vec<String>, String)> = vec![
        (vec!["sts/db".into()], "db-0".into()),
        (vec!["ds/agent".into()], mesh.pod("default", "agent-")),
        (vec!["rc/old-rc".into()], mesh.pod("default", "old-rc-")),
        (vec!["cj/nightly".into()], nightly.clone()),
        (vec!["cronjobs.batch/nightly".into()], nightly.clone()),
        (vec![format!("job/{nightly_job}")], nightly.clone()),
        (vec!["po/debug".into()], "debug".into()),
    ];
    for (targets, expected) in default_ns {
        let out = success(mesh.cmd().args(["metrics", "-n", "default"]).args(&targets));
        assert_eq!(raw_pods(&out), vec![expected], "targets {targets:?}");
    }
}

#[test]
fn all_namespaces_and_label_selector() {
    let mesh = Mesh::start();
    let out = mesh.cmd().args(["metrics", "-A"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let pods = raw_pods(&stdout(&out));
    let scrapeable = mesh.sim.pods().iter().filter(|p| p.has_proxy()).count();
    assert_eq!(
        pods.len(),
        scrapeable,
        "every running meshed pod once: {pods:?}"
    );
    assert!(pods.contains(&mesh.pod("linkerd-viz", "prometheus-")));

    let out = success(mesh.cmd().args([
        "metrics",
        "-n",
        "emojivoto",
        "-l",
        "app in (web-svc,voting-svc)",
    ]));
    let mut expected = vec![
        mesh.pod("emojivoto", "web-"),
        mesh.pod("emojivoto", "voting-"),
    ];
    expected.sort();
    assert_eq!(raw_pods(&out), expected);
}

#[test]
fn native_sidecar_and_custom_admin_port_are_scraped() {
    let mesh = Mesh::start();
    for (target, pod, workload) in [
        ("sts/db", "db-0", "statefulset=\"db\""),
        ("ds/agent", "agent-", "daemonset=\"agent\""),
    ] {
        let text = success(mesh.cmd().args([
            "metrics",
            "-n",
            "default",
            target,
            "-o",
            "prom",
            "-m",
            "process_start_time_seconds",
        ]));
        assert!(
            text.lines().any(|l| {
                l.starts_with("process_start_time_seconds{job=\"linkerd-proxy\",instance=\"")
                    && l.contains(&format!(",namespace=\"default\",pod=\"{pod}"))
                    && l.contains(workload)
            }),
            "{target}: {text}"
        );
    }
}

#[test]
fn unmeshed_and_pending_pods_are_reported_and_skipped() {
    let mesh = Mesh::start();
    let legacy = mesh.pod("default", "legacy-app-");
    let pending = mesh.pod("default", "pending-app-");
    let out = mesh
        .cmd()
        .args(["metrics", "-n", "default"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(&format!("skipping pod default/{legacy}: not meshed")),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "skipping pod default/{pending}: not running (phase Pending)"
        )),
        "{err}"
    );
    assert_eq!(err.matches(&legacy).count(), 1, "reported once: {err}");
    let pods = raw_pods(&stdout(&out));
    assert!(
        !pods.contains(&legacy) && !pods.contains(&pending),
        "{pods:?}"
    );

    let quiet = mesh
        .cmd()
        .args(["metrics", "-n", "default", "-q"])
        .output()
        .unwrap();
    assert_eq!(quiet.status.code(), Some(0));
    assert_eq!(stderr(&quiet), "", "-q drops warnings");

    let out = mesh
        .cmd()
        .args(["metrics", "-n", "default", &format!("po/{legacy}")])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(&format!(
            "error: no meshed pods found in namespace \"default\" for po/{legacy}"
        )),
        "{}",
        stderr(&out)
    );
}

#[test]
fn via_apiserver_returns_the_same_pods_and_bodies() {
    let mesh = Mesh::start();
    let text = success(mesh.cmd().args([
        "metrics",
        "-n",
        "emojivoto",
        "--via",
        "apiserver",
        "-o",
        "prom",
        "-m",
        "process_start_time_seconds",
    ]));
    for pod in emojivoto_pods(&mesh) {
        assert!(
            text.contains(&format!("pod=\"{pod}\"")),
            "{pod} missing: {text}"
        );
    }
    let raw = mesh
        .cmd()
        .args([
            "metrics",
            "deploy/voting",
            "-n",
            "emojivoto",
            "--via",
            "apiserver",
        ])
        .output()
        .unwrap();
    assert_eq!(raw.status.code(), Some(0));
    assert!(stdout(&raw).contains("response_total{direction=\"inbound\""));
}

#[test]
fn no_match_names_namespace_and_selector() {
    let mesh = Mesh::start();
    let out = mesh
        .cmd()
        .args(["metrics", "-n", "emojivoto", "-l", "app=nope"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out).trim(),
        "error: no meshed pods found in namespace \"emojivoto\" (selector \"app=nope\")"
    );
    let out = mesh
        .cmd()
        .args(["metrics", "deploy/nope", "-n", "emojivoto"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("deployments.apps \"nope\" not found in namespace \"emojivoto\"")
    );
}

#[test]
fn usage_errors_exit_2() {
    let mesh = Mesh::start();
    for args in [
        vec!["metrics", "widgets/x"],
        vec!["metrics", "--concurrency", "0"],
        vec!["metrics", "--timeout", "soon"],
        vec!["metrics", "-o", "yaml"],
        vec!["metrics", "--match", "x{"],
    ] {
        let out = mesh.cmd().args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).starts_with("error: "),
            "{args:?}: {}",
            stderr(&out)
        );
    }
}

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

#[test]
fn merged_formats_carry_target_labels() {
    let mesh = Mesh::start();
    let web = mesh.pod("emojivoto", "web-");
    let pod = mesh.sim.pods().iter().find(|p| p.name == web).unwrap();
    let hash = &pod.labels["pod-template-hash"];
    let text = success(mesh.cmd().args([
        "metrics",
        "deploy/web",
        "-n",
        "emojivoto",
        "-o",
        "openmetrics",
        "--match",
        "request_total{direction=\"inbound\"}",
    ]));
    let samples: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(samples.len(), 1, "{text}");
    assert!(
        samples[0].starts_with(&format!(
            "request_total{{job=\"linkerd-proxy\",instance=\"{}:4191\",namespace=\"emojivoto\",\
             pod=\"{web}\",deployment=\"web\",app=\"web-svc\",control_plane_ns=\"linkerd\",\
             pod_template_hash=\"{hash}\",version=\"v11\",workload_ns=\"emojivoto\",authority=",
            pod.ip
        )),
        "{}",
        samples[0]
    );
    assert!(text.ends_with("# EOF\n"));

    let json = mesh
        .cmd()
        .args([
            "metrics",
            "deploy/web",
            "-n",
            "emojivoto",
            "-o",
            "json",
            "-m",
            "request_total",
        ])
        .output()
        .unwrap();
    assert_eq!(json.status.code(), Some(0));
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).expect("valid JSON");
    let family = &value[0];
    assert_eq!(family["name"], "request_total");
    assert_eq!(family["type"], "COUNTER");
    assert_eq!(family["metrics"][0]["labels"]["pod"], web.as_str());
}

#[test]
fn obfuscate_hashes_authorities_in_live_output() {
    let mesh = Mesh::start();
    let text =
        success(
            mesh.cmd()
                .args(["metrics", "deploy/web", "-n", "emojivoto", "--obfuscate"]),
        );
    assert!(
        !text.contains("web-svc.emojivoto.svc.cluster.local"),
        "authority hidden"
    );
    assert!(text.contains("authority=\""), "label kept, value hashed");
}

#[test]
fn strict_obfuscation_hides_pods_namespaces_and_addresses() {
    let mesh = Mesh::start();
    let pod = mesh.pod("emojivoto", "web-");
    for output in ["raw", "prom"] {
        let text = success(mesh.cmd().args([
            "metrics",
            "deploy/web",
            "-n",
            "emojivoto",
            "-o",
            output,
            "--obfuscate=strict",
        ]));
        for clear in [pod.as_str(), "emojivoto", "target_ip=\"10."] {
            assert!(!text.contains(clear), "-o {output}: {clear} left in clear");
        }
        assert!(text.contains("authority=\""), "-o {output}: labels kept");
        assert!(
            !text.contains("=\"e3b0c442\""),
            "-o {output}: an empty value stays empty"
        );
    }
}

#[test]
fn raw_output_with_a_filter_keeps_only_matching_families() {
    let mesh = Mesh::start();
    let text = success(mesh.cmd().args([
        "metrics",
        "deploy/web",
        "-n",
        "emojivoto",
        "-m",
        "request_total",
    ]));
    let body: Vec<&str> = text.lines().skip(3).collect();
    assert_eq!(
        body[0], "# HELP request_total Total count of HTTP requests.",
        "{text}"
    );
    assert_eq!(body[1], "# TYPE request_total counter");
    assert!(body.len() > 2, "{text}");
    assert!(
        body[2..].iter().all(|l| l.starts_with("request_total{")),
        "{text}"
    );
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

    let interrupted = Instant::now();
    let kill = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(kill.success());
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if interrupted.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            panic!("still running 10 s after Ctrl-C");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
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
fn filters_that_match_nothing_warn_naming_them() {
    let mesh = Mesh::start();
    let snap = mesh.path("snap.om");
    success(
        mesh.cmd()
            .args(["snapshot", "-n", "emojivoto", "-O"])
            .arg(&snap),
    );
    let snap = snap.to_string_lossy().into_owned();
    let cases: [(&[&str], &str); 5] = [
        (&["-m", "nosuchmetric"], "-m nosuchmetric"),
        (&["-o", "prom", "-m", "nosuch.*"], "-m nosuch.*"),
        (
            &[
                "-o",
                "json",
                "--match",
                "response_total{direction=\"sideways\"}",
            ],
            "--match 'response_total{direction=\"sideways\"}'",
        ),
        (
            &["-m", "nosuchmetric", "--from-file", &snap],
            "-m nosuchmetric",
        ),
        (
            &[
                "-o",
                "openmetrics",
                "-m",
                "nosuchmetric",
                "--from-file",
                &snap,
            ],
            "-m nosuchmetric",
        ),
    ];
    for (args, named) in cases {
        let (code, out, err) = run(mesh.cmd().args(["metrics", "-n", "emojivoto"]).args(args));
        assert_eq!(code, 0, "{args:?}: {err}");
        assert!(
            err.contains(&format!("warning: no series matched {named}")),
            "{args:?}: {err}"
        );
        assert!(!out.contains("response_total"), "{args:?}: {out}");
    }
    // -q silences it; a filter that matches says nothing.
    let (code, _, err) =
        run(mesh
            .cmd()
            .args(["metrics", "-q", "-n", "emojivoto", "-m", "nosuchmetric"]));
    assert_eq!((code, err.as_str()), (0, ""));
    let (code, out, err) =
        run(mesh
            .cmd()
            .args(["metrics", "-n", "emojivoto", "-m", "response_total"]));
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("response_total") && !err.contains("warning"),
        "{err}"
    );
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
