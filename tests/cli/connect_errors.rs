//! An API server that cannot be reached, or cannot be trusted, is named in the error with what to
//! check, as kubectl does (spec §9).

use crate::support::{Mesh, bin, run};
use linkerd_export_sim::{kubeconfig, tls};

/// Runs `metrics` with `kubeconfig` (YAML) written next to the mesh; returns the exit code and
/// the plugin's `error:` line. (Other lines, such as a dependency's own log line, are spec §2's
/// concern, not this test's.)
fn metrics_with(mesh: &Mesh, yaml: &str) -> (i32, String) {
    let path = mesh.path("other.kubeconfig");
    std::fs::write(&path, yaml).expect("write kubeconfig");
    let (code, _, err) = run(bin()
        .env("HOME", mesh.dir())
        .arg("--kubeconfig")
        .arg(&path)
        .args(["metrics", "deploy/web"]));
    let line = err
        .lines()
        .find(|l| l.starts_with("error: "))
        .unwrap_or_else(|| panic!("no error line in {err}"));
    (code, line.to_string())
}

#[test]
fn a_refused_connection_names_the_server_and_the_fix() {
    let mesh = Mesh::start();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = closed.local_addr().expect("addr");
    drop(closed);
    let yaml = kubeconfig::render(
        &format!("https://{addr}"),
        mesh.sim.ca_pem(),
        mesh.sim.token(),
        "emojivoto",
    );
    let (code, err) = metrics_with(&mesh, &yaml);
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        err,
        format!(
            "error: cannot list pods in namespace \"emojivoto\": the connection to the server {addr} was refused - did you specify the right host or port?"
        )
    );
}

#[test]
fn an_untrusted_certificate_names_the_server_and_what_to_check() {
    let mesh = Mesh::start();
    let other_ca = tls::generate().expect("another CA").ca_pem;
    let yaml = kubeconfig::render(
        &mesh.sim.server_url(),
        &other_ca,
        mesh.sim.token(),
        "emojivoto",
    );
    let (code, err) = metrics_with(&mesh, &yaml);
    assert_eq!(code, 1, "{err}");
    let want = format!(
        "error: cannot list pods in namespace \"emojivoto\": cannot verify the server {} over TLS (invalid peer certificate: ",
        mesh.sim.addr()
    );
    assert!(err.starts_with(&want), "{err}");
    assert!(
        err.ends_with(
            "check the cluster's certificate-authority-data (or certificate-authority) in the kubeconfig, and that the server address is one its certificate is for"
        ),
        "{err}"
    );
    assert!(!err.contains(mesh.sim.token()), "{err}");
}
