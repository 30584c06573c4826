//! The real `kubectl` against the simulated API server (TLS, token auth, discovery, lists).

use std::path::Path;
use std::process::Command;

use linkerd_export_sim::{Sim, SimConfig};

const KUBECTL: &str = "/usr/bin/kubectl";

fn kubectl(kubeconfig: &Path, cache: &Path, args: &[&str]) -> String {
    let out = Command::new(KUBECTL)
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .arg("--cache-dir")
        .arg(cache)
        .args(args)
        .output()
        .expect("run kubectl");
    assert!(
        out.status.success(),
        "kubectl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_gets_namespaces_pods_and_deployments() {
    assert!(
        Path::new(KUBECTL).exists(),
        "this test needs the real kubectl at {KUBECTL}"
    );
    let sim = Sim::start(SimConfig::default()).await.expect("start sim");
    let dir = tempfile::tempdir().expect("temp dir");
    let kc = dir.path().join("kubeconfig");
    sim.write_kubeconfig(&kc).expect("write kubeconfig");
    let cache = dir.path().join("cache");
    let pods = sim.pods().len();

    let (ns, all_pods, deploys, table) = tokio::task::spawn_blocking(move || {
        (
            kubectl(&kc, &cache, &["get", "ns"]),
            kubectl(&kc, &cache, &["get", "pods", "-A", "-o", "json"]),
            kubectl(
                &kc,
                &cache,
                &["get", "deploy", "-n", "emojivoto", "-o", "name"],
            ),
            kubectl(&kc, &cache, &["get", "pods", "-l", "app=web-svc"]),
        )
    })
    .await
    .expect("kubectl task");

    let names: Vec<&str> = ns
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(
        names,
        ["default", "emojivoto", "linkerd", "linkerd-viz"],
        "{ns}"
    );
    assert!(
        ns.lines().next().unwrap_or_default().starts_with("NAME"),
        "{ns}"
    );

    let list: serde_json::Value = serde_json::from_str(&all_pods).expect("pods JSON");
    let items = list["items"].as_array().expect("items");
    assert_eq!(items.len(), pods);
    assert!(
        items
            .iter()
            .all(|p| p["kind"] == "Pod" && p["metadata"]["uid"].is_string())
    );

    let rows: Vec<Vec<&str>> = table
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(
        rows[0],
        ["NAME", "READY", "STATUS", "RESTARTS", "AGE"],
        "{table}"
    );
    assert_eq!(rows.len(), 2, "{table}");
    assert!(
        rows[1][0].starts_with("web-") && rows[1][1] == "2/2" && rows[1][2] == "Running",
        "{table}"
    );

    assert_eq!(
        deploys.lines().collect::<Vec<_>>(),
        [
            "deployment.apps/emoji",
            "deployment.apps/vote-bot",
            "deployment.apps/voting",
            "deployment.apps/web"
        ]
    );
}
