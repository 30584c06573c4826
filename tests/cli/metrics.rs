//! `metrics` end to end: the built binary against the simulated mesh over TLS, WebSocket
//! port-forwarding and the API server's pod proxy. Here, which pods it scrapes: every target form,
//! namespaces and selectors, the special pods, both `--via` modes, and usage errors; `faults` holds
//! each fault kind and the exit codes of spec §9, `output` the merged formats, obfuscation and
//! filters.

mod faults;
mod output;

use crate::support::{Mesh, raw_pods, stderr, stdout, success};

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
