//! Kubeconfig loading through `cluster::connect`: precedence of `--context`, default namespace,
//! and errors that name the file or context without echoing secrets.

use std::path::{Path, PathBuf};

use linkerd_export::cluster::{ClusterError, ClusterOptions, connect};

const SECRET_TOKEN: &str = "s3cr3t-t0ken-never-print-me";

fn kubeconfig(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("config");
    std::fs::write(&path, text).unwrap();
    path
}

fn two_contexts() -> String {
    format!(
        r#"apiVersion: v1
kind: Config
current-context: dev
clusters:
- name: c
  cluster:
    server: https://127.0.0.1:1
    insecure-skip-tls-verify: true
users:
- name: u
  user:
    token: {SECRET_TOKEN}
contexts:
- name: dev
  context: {{cluster: c, user: u, namespace: emojivoto}}
- name: bare
  context: {{cluster: c, user: u}}
"#
    )
}

async fn connect_with(
    path: &Path,
    context: Option<&str>,
) -> Result<linkerd_export::cluster::Cluster, ClusterError> {
    connect(&ClusterOptions {
        kubeconfig: Some(path.to_path_buf()),
        context: context.map(str::to_string),
        ..ClusterOptions::default()
    })
    .await
}

#[tokio::test]
async fn current_context_and_its_namespace_are_used() {
    let dir = tempfile::tempdir().unwrap();
    let path = kubeconfig(dir.path(), &two_contexts());
    let cluster = connect_with(&path, None).await.unwrap();
    assert_eq!(cluster.context.as_deref(), Some("dev"));
    assert_eq!(cluster.default_namespace, "emojivoto");
}

#[tokio::test]
async fn context_flag_overrides_and_namespace_defaults_to_default() {
    let dir = tempfile::tempdir().unwrap();
    let path = kubeconfig(dir.path(), &two_contexts());
    let cluster = connect_with(&path, Some("bare")).await.unwrap();
    assert_eq!(cluster.context.as_deref(), Some("bare"));
    assert_eq!(cluster.default_namespace, "default");
}

#[tokio::test]
async fn unknown_context_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = kubeconfig(dir.path(), &two_contexts());
    let err = connect_with(&path, Some("prod"))
        .await
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.starts_with("context \"prod\" not found in kubeconfig "),
        "{err}"
    );
    assert!(err.ends_with("/config"), "{err}");
}

#[tokio::test]
async fn missing_file_names_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nope");
    let err = connect_with(&path, None).await.err().unwrap().to_string();
    assert_eq!(
        err,
        format!("cannot load kubeconfig {}: no such file", path.display())
    );
}

#[tokio::test]
async fn broken_yaml_is_reported_without_its_contents() {
    let dir = tempfile::tempdir().unwrap();
    let path = kubeconfig(
        dir.path(),
        &format!("users:\n- name: u\n  user: {{token: {SECRET_TOKEN}\n  : ]["),
    );
    let err = connect_with(&path, None).await.err().unwrap().to_string();
    assert!(err.starts_with("cannot load kubeconfig "), "{err}");
    assert!(!err.contains(SECRET_TOKEN), "{err}");
}

#[tokio::test]
async fn missing_current_context_asks_for_one() {
    let dir = tempfile::tempdir().unwrap();
    let text = two_contexts().replace("current-context: dev\n", "");
    let path = kubeconfig(dir.path(), &text);
    let err = connect_with(&path, None).await.err().unwrap().to_string();
    assert!(
        err.contains("has no current-context: pass --context NAME"),
        "{err}"
    );
}

#[tokio::test]
async fn bad_client_key_is_reported_without_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let key_b64 =
        "LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tCm5vdGFrZXkKLS0tLS1FTkQgUFJJVkFURSBLRVktLS0tLQo=";
    let text = two_contexts().replace(
        &format!("token: {SECRET_TOKEN}"),
        &format!("client-certificate-data: {key_b64}\n    client-key-data: {key_b64}"),
    );
    let path = kubeconfig(dir.path(), &text);
    match connect_with(&path, None).await {
        Ok(_) => panic!("a garbage client key must be rejected"),
        Err(err) => {
            let text = err.to_string();
            assert!(text.starts_with("cannot "), "{text}");
            assert!(
                !text.contains(key_b64) && !text.contains("notakey"),
                "{text}"
            );
        }
    }
}
