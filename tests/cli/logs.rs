//! What reaches stderr (spec §2): below -vv only the plugin's own `warning:`/`error:` lines, never a
//! dependency's log line; no colour into a pipe; `-q` silences warnings.

use crate::support::{Mesh, bin, run};

/// Every non-empty stderr line is the plugin's own, and none carries ANSI colour.
fn assert_only_plugin_lines(stderr: &str) {
    assert!(!stderr.contains('\u{1b}'), "colour in a pipe: {stderr:?}");
    for line in stderr.lines().filter(|l| !l.trim().is_empty()) {
        assert!(
            line.starts_with("error: ") || line.starts_with("warning: "),
            "not the plugin's own line: {line:?} in\n{stderr}"
        );
    }
    assert!(!stderr.contains("failed with status"), "{stderr}");
}

#[test]
fn a_proxy_503_through_the_api_server_prints_only_the_plugins_error() {
    let mesh = Mesh::with_faults(&["status=503:web-*"]);
    for color in ["auto", "always", "never"] {
        let (code, _, stderr) = run(mesh.cmd().args([
            "metrics",
            "deploy/web",
            "-n",
            "emojivoto",
            "--via",
            "apiserver",
            "--color",
            color,
        ]));
        assert_eq!(code, 1, "{stderr}");
        assert!(stderr.contains("error: "), "{stderr}");
        assert_only_plugin_lines(&stderr);
    }
}

#[test]
fn a_refused_port_forward_prints_only_the_plugins_error() {
    let mesh = Mesh::with_faults(&["refuse:web-*"]);
    let (code, _, stderr) = run(mesh
        .cmd()
        .args(["metrics", "deploy/web", "-n", "emojivoto"]));
    assert_eq!(code, 1, "{stderr}");
    assert_only_plugin_lines(&stderr);
}

#[test]
fn an_unreachable_api_server_prints_only_the_plugins_error() {
    let mesh = Mesh::start();
    let unreachable = mesh.path("unreachable");
    std::fs::write(
        &unreachable,
        mesh.sim
            .kubeconfig()
            .replace(&mesh.sim.server_url(), "https://127.0.0.1:1"),
    )
    .unwrap();
    let (code, _, stderr) = run(bin().arg("--kubeconfig").arg(&unreachable).args([
        "metrics",
        "deploy/web",
        "-n",
        "emojivoto",
    ]));
    assert_eq!(code, 1, "{stderr}");
    assert_only_plugin_lines(&stderr);
}

#[test]
fn quiet_drops_warnings_and_keeps_the_exit_status() {
    let mesh = Mesh::with_faults(&["status=503:web-*"]);
    let args = ["stat", "deploy", "-n", "emojivoto", "--via", "apiserver"];
    let (code, _, loud) = run(mesh.cmd().args(args));
    assert_eq!(code, 3, "{loud}");
    assert_only_plugin_lines(&loud);
    let (code, _, quiet) = run(mesh.cmd().arg("-q").args(args));
    assert_eq!(code, 3, "{quiet}");
    assert_only_plugin_lines(&quiet);
    assert!(!quiet.contains("warning: "), "{quiet}");
}

#[test]
fn debug_logs_are_not_coloured_into_a_pipe() {
    let mesh = Mesh::with_faults(&["status=503:web-*"]);
    let (code, _, stderr) = run(mesh.cmd().env_remove("NO_COLOR").args([
        "-vv",
        "--color",
        "always",
        "metrics",
        "deploy/web",
        "-n",
        "emojivoto",
        "--via",
        "apiserver",
    ]));
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("DEBUG"), "-vv logs at debug: {stderr}");
    assert!(!stderr.contains('\u{1b}'), "colour in a pipe: {stderr:?}");
}
