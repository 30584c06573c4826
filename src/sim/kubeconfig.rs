//! The kubeconfig that points clients (kube-rs, `kubectl`) at the simulated API server.

use base64::Engine as _;

/// The kubeconfig's cluster, user and context name.
pub const CONTEXT: &str = "sim";

/// A kubeconfig (YAML) with one cluster at `server` trusting `ca_pem`, one user with bearer
/// `token`, and the current context `sim` whose namespace is `namespace`.
pub fn render(server: &str, ca_pem: &str, token: &str, namespace: &str) -> String {
    let ca = base64::engine::general_purpose::STANDARD.encode(ca_pem);
    format!(
        "apiVersion: v1
kind: Config
clusters:
- name: {CONTEXT}
  cluster:
    server: {server}
    certificate-authority-data: {ca}
users:
- name: {CONTEXT}
  user:
    token: {token}
contexts:
- name: {CONTEXT}
  context:
    cluster: {CONTEXT}
    user: {CONTEXT}
    namespace: {namespace}
current-context: {CONTEXT}
preferences: {{}}
"
    )
}
