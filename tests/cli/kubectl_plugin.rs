//! The real kubectl finds the plugin on PATH and runs it against the simulated mesh.

use crate::support::kubectl::{kubectl, plugin_path};
use crate::support::{Mesh, stderr, stdout};

#[test]
fn kubectl_lists_the_plugin() {
    let mesh = Mesh::start();
    let (plugin, path) = plugin_path(&mesh);
    let out = kubectl(&mesh, &path)
        .args(["plugin", "list"])
        .output()
        .unwrap();
    let listed = stdout(&out);
    assert!(
        listed
            .lines()
            .any(|l| l.trim() == plugin.display().to_string()),
        "kubectl plugin list: {listed}{}",
        stderr(&out)
    );
}

#[test]
fn kubectl_runs_the_plugin_help_and_metrics() {
    let mesh = Mesh::start();
    let (_, path) = plugin_path(&mesh);
    let help = kubectl(&mesh, &path)
        .args(["linkerd-export", "--help"])
        .output()
        .unwrap();
    assert_eq!(help.status.code(), Some(0), "{}", stderr(&help));
    assert!(
        stdout(&help).contains("Usage: kubectl linkerd-export [OPTIONS] <COMMAND>"),
        "{}",
        stdout(&help)
    );

    let web = mesh.pod("emojivoto", "web-");
    let out = kubectl(&mesh, &path)
        .args(["linkerd-export", "metrics", "deploy/web", "-n", "emojivoto"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).starts_with(&format!("#\n# POD {web} (1 of 1)\n#\n")));

    // kubectl passes the plugin's exit status through.
    let failed = kubectl(&mesh, &path)
        .args([
            "linkerd-export",
            "metrics",
            "deploy/nope",
            "-n",
            "emojivoto",
        ])
        .output()
        .unwrap();
    assert_eq!(failed.status.code(), Some(1), "{}", stderr(&failed));
}

#[test]
fn kubectl_reads_the_simulator() {
    let mesh = Mesh::start();
    let (_, path) = plugin_path(&mesh);
    let out = kubectl(&mesh, &path)
        .args(["get", "pods", "-A", "-o", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        list["items"].as_array().unwrap().len(),
        mesh.sim.pods().len()
    );
}
