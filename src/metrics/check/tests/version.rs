//! Version skew: across the selected proxies and against the control plane.

use super::*;

#[test]
fn version_skew_names_the_pods_off_the_common_version() {
    let old = Body {
        version: "edge-24.1.1",
        ..Body::default()
    };
    let after = [
        proxy("web", "web-1", NOW_MS, &Body::default()),
        proxy("web", "web-2", NOW_MS, &old),
        now("emoji", &Body::default()),
    ];
    let report = run(None, &after, &[]);
    let found = the_problem(&report);
    assert_eq!(found.result, Outcome::Warning);
    assert_eq!(found.pods, ["emojivoto/web-2"]);
    assert_eq!(
        found.details,
        ["edge-24.1.1: 1 proxy", "edge-25.11.1: 2 proxies"]
    );
}

/// A body reporting `version`, its proxy started `ago` seconds before now.
fn running(version: &str, ago: f64) -> Body<'_> {
    Body {
        version,
        start: NOW_MS as f64 / 1000.0 - ago,
        ..Body::default()
    }
}

/// The control plane in `linkerd` whose proxies report these (version, started seconds ago).
fn control_plane(proxies: &[(&str, f64)]) -> ControlPlane {
    ControlPlane::Proxies {
        namespace: "linkerd".into(),
        proxies: proxies
            .iter()
            .enumerate()
            .map(|(i, (v, ago))| {
                proxy(
                    "linkerd-destination",
                    &format!("cp-{i}"),
                    NOW_MS,
                    &running(v, *ago),
                )
            })
            .collect(),
    }
}

/// The `linkerd-version` lines of `report`.
fn version_lines(report: &Report) -> Vec<&Finding> {
    report
        .categories
        .iter()
        .filter(|c| c.category_name == "linkerd-version")
        .flat_map(|c| &c.checks)
        .collect()
}

#[test]
fn proxies_on_the_control_plane_version_match_it() {
    let after = [now("web", &Body::default()), now("emoji", &Body::default())];
    let cp = control_plane(&[("edge-25.11.1", 600.0)]);
    let report = one_scrape(&after, THRESHOLDS, Some(&cp));
    let lines: Vec<&str> = version_lines(&report)
        .iter()
        .map(|f| f.description.as_str())
        .collect();
    assert_eq!(
        lines,
        [
            "proxies run one version (edge-25.11.1)",
            "data plane and control plane versions match (edge-25.11.1)"
        ]
    );
    assert_eq!(report.status, Outcome::Success);
    assert_eq!(
        report.control_plane,
        Some(ControlPlaneVersion {
            namespace: "linkerd".into(),
            version: Some("edge-25.11.1".into()),
            error: None,
        })
    );
}

#[test]
fn a_data_plane_behind_an_upgraded_control_plane_is_named_pod_by_pod() {
    let after = [
        now("web", &Body::default()),
        now("emoji", &running("edge-24.1.1", 60.0)),
    ];
    // Mid-upgrade: the newest control-plane proxy has the new version.
    let cp = control_plane(&[("edge-25.11.1", 86_400.0), ("edge-25.12.1", 60.0)]);
    let report = one_scrape(&after, THRESHOLDS, Some(&cp));
    let lines = version_lines(&report);
    assert_eq!(lines.len(), 2, "{lines:#?}");
    assert_eq!(lines[0].pods, ["emojivoto/emoji-1"], "skew across the pods");
    let behind = lines[1];
    assert_eq!(behind.result, Outcome::Warning);
    assert_eq!(
        behind.description,
        "2 proxies not running the control plane's version (edge-25.12.1): emojivoto/web-1, emojivoto/emoji-1"
    );
    assert_eq!(behind.pods, ["emojivoto/web-1", "emojivoto/emoji-1"]);
    assert_eq!(
        behind.details,
        [
            "emojivoto/web-1 (edge-25.11.1)",
            "emojivoto/emoji-1 (edge-24.1.1)"
        ]
    );
}

#[test]
fn an_unknown_control_plane_version_says_why_and_compares_nothing() {
    let after = [now("web", &Body::default())];
    let forbidden = ControlPlane::Unreadable {
        namespace: "linkerd".into(),
        reason: "cannot list pods in namespace \"linkerd\": forbidden".into(),
    };
    let none = control_plane(&[]);
    for (cp, error) in [
        (
            &forbidden,
            "cannot list pods in namespace \"linkerd\": forbidden",
        ),
        (
            &none,
            "no control-plane pod (label linkerd.io/control-plane-component) in namespace \"linkerd\": is Linkerd installed there?",
        ),
    ] {
        let report = one_scrape(&after, THRESHOLDS, Some(cp));
        assert_eq!(version_lines(&report).len(), 1);
        assert_eq!(report.status, Outcome::Success);
        let known = report.control_plane.expect("looked up");
        assert_eq!((known.version, known.error.as_deref()), (None, Some(error)));
    }
}

#[test]
fn a_file_gives_the_control_plane_its_labelled_proxies() {
    let labelled = |pod: &str, labels: &[(&str, &str)]| {
        let mut p = proxy("x", pod, NOW_MS, &Body::default());
        p.key.namespace = "linkerd".into();
        p.target.labels = labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        p
    };
    let proxies = [
        now("web", &Body::default()),
        labelled(
            "linkerd-identity-1",
            &[("control_plane_component", "identity")],
        ),
        labelled("linkerd-other", &[("control_plane_ns", "linkerd")]),
    ];
    let Some(ControlPlane::Proxies {
        namespace,
        proxies: found,
    }) = control_plane_in(&proxies)
    else {
        panic!("no control plane found");
    };
    assert_eq!(namespace, "linkerd");
    let pods: Vec<&str> = found.iter().map(|p| p.key.pod.as_str()).collect();
    assert_eq!(pods, ["linkerd-identity-1"]);
    assert!(
        control_plane_in(&proxies[..1]).is_none(),
        "no labelled proxy"
    );
}
