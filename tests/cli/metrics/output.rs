//! `metrics` output: the merged formats (`-o prom`, `openmetrics`, `json`) with their target
//! labels, `--obfuscate` in both strengths, and the filters (`-m`, `--match`), including the
//! warning for a filter that matches nothing.

use crate::support::{Mesh, run, success};

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

#[test]
fn filters_that_match_nothing_warn_naming_them() {
    let mesh = Mesh::start();
    let snap = mesh.snapshot("snap.om", &["-n", "emojivoto"]);
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
