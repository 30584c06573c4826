//! `__complete` answers with names from the cluster (through a real kube client talking HTTP to a
//! loopback API server) or from the kubeconfig, and without them when the cluster does not answer.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use clap::CommandFactory;
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use linkerd_export::cli::Cli;
use linkerd_export::cluster::{Cluster, ClusterOptions};
use linkerd_export::completion::run_complete;
use tokio::net::TcpListener;

use crate::support::Mesh;

/// A PartialObjectMetadataList, as the API server answers kube's metadata-only lists.
fn metadata_list(objects: &[(&str, Option<&str>)]) -> String {
    let items: Vec<String> = objects
        .iter()
        .map(|(name, namespace)| {
            let namespace = namespace.map_or(String::new(), |ns| format!(r#","namespace":"{ns}""#));
            format!(
                r#"{{"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/v1","metadata":{{"name":"{name}"{namespace}}}}}"#
            )
        })
        .collect();
    format!(
        r#"{{"kind":"PartialObjectMetadataList","apiVersion":"meta.k8s.io/v1","metadata":{{"resourceVersion":"1"}},"items":[{}]}}"#,
        items.join(",")
    )
}

fn route(path: &str) -> Option<String> {
    let list = match path {
        "/api/v1/namespaces" => metadata_list(&[
            ("linkerd", None),
            ("emojivoto", None),
            ("linkerd-viz", None),
        ]),
        "/apis/apps/v1/namespaces/emojivoto/deployments" => metadata_list(&[
            ("web", Some("emojivoto")),
            ("voting", Some("emojivoto")),
            ("emoji", Some("emojivoto")),
            ("vote-bot", Some("emojivoto")),
        ]),
        "/apis/apps/v1/deployments" => {
            metadata_list(&[("web", Some("a")), ("web", Some("b")), ("api", Some("b"))])
        }
        "/api/v1/namespaces/default/pods" => metadata_list(&[("web-5d8-x1", Some("default"))]),
        _ => return None,
    };
    Some(list)
}

/// A loopback API server answering [`route`]; records every path asked for.
struct ApiServer {
    addr: SocketAddr,
    paths: Arc<Mutex<Vec<String>>>,
}

impl ApiServer {
    async fn start() -> ApiServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let paths = Arc::new(Mutex::new(Vec::new()));
        let seen = paths.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let seen = seen.clone();
                let service = hyper::service::service_fn(move |req: Request<Incoming>| {
                    let path = req.uri().path().to_string();
                    seen.lock().unwrap().push(path.clone());
                    let response = match route(&path) {
                        Some(body) => Response::builder()
                            .header("content-type", "application/json")
                            .body(Full::new(Bytes::from(body))),
                        None => Response::builder().status(404).body(Full::new(Bytes::from(
                            r#"{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404}"#,
                        ))),
                    };
                    async move { Ok::<_, Infallible>(response.unwrap()) }
                });
                tokio::spawn(
                    hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service),
                );
            }
        });
        ApiServer { addr, paths }
    }

    fn paths(&self) -> Vec<String> {
        self.paths.lock().unwrap().clone()
    }
}

/// A connection to the API server at `addr`, whose context's namespace is `default`.
fn cluster_at(addr: SocketAddr) -> Cluster {
    linkerd_export::cluster::install_crypto_provider();
    let config = kube::Config::new(format!("http://{addr}").parse().unwrap());
    Cluster {
        client: kube::Client::try_from(config).unwrap(),
        context: None,
        default_namespace: "default".to_string(),
    }
}

/// Runs `__complete WORDS` connecting to `addr`; returns the output and the options the connection
/// was asked for (`None` when no lookup needed the cluster).
async fn complete_with(addr: SocketAddr, words: &[&str]) -> (String, Option<ClusterOptions>) {
    let words: Vec<String> = words.iter().map(|w| w.to_string()).collect();
    let asked = Arc::new(Mutex::new(None));
    let record = asked.clone();
    let mut out = Vec::new();
    run_complete(
        &Cli::command(),
        &words,
        |options| async move {
            *record.lock().unwrap() = Some(options);
            Ok::<_, Infallible>(cluster_at(addr))
        },
        &mut out,
    )
    .await
    .unwrap();
    let scope = asked.lock().unwrap().take();
    (String::from_utf8(out).unwrap(), scope)
}

#[tokio::test]
async fn workload_names_come_from_the_namespace_typed() {
    let server = ApiServer::start().await;
    let (out, scope) = complete_with(
        server.addr,
        &["--context", "prod", "metrics", "-n", "emojivoto", "deploy/"],
    )
    .await;
    assert_eq!(
        out,
        "deploy/emoji\ndeploy/vote-bot\ndeploy/voting\ndeploy/web\n:4\n"
    );
    let options = scope.expect("the cluster was asked");
    assert_eq!(options.context.as_deref(), Some("prod"));
    assert_eq!(
        server.paths(),
        ["/apis/apps/v1/namespaces/emojivoto/deployments"]
    );

    let (out, _) = complete_with(
        server.addr,
        &["metrics", "--namespace=emojivoto", "deployment/vo"],
    )
    .await;
    assert_eq!(out, "deployment/vote-bot\ndeployment/voting\n:4\n");
}

#[tokio::test]
async fn without_a_namespace_the_clients_default_is_used_and_all_namespaces_dedupes() {
    let server = ApiServer::start().await;
    let (out, _) = complete_with(server.addr, &["metrics", "po/"]).await;
    assert_eq!(out, "po/web-5d8-x1\n:4\n");
    let (out, _) = complete_with(server.addr, &["-A", "metrics", "deploy/"]).await;
    assert_eq!(out, "deploy/api\ndeploy/web\n:4\n");
    assert_eq!(
        server.paths(),
        [
            "/api/v1/namespaces/default/pods",
            "/apis/apps/v1/deployments"
        ]
    );
}

#[tokio::test]
async fn namespace_names_complete_options_and_ns_targets() {
    let server = ApiServer::start().await;
    let (out, _) = complete_with(server.addr, &["-n", "li"]).await;
    assert_eq!(out, "linkerd\nlinkerd-viz\n:4\n");
    let (out, _) = complete_with(server.addr, &["metrics", "ns/"]).await;
    assert_eq!(out, "ns/emojivoto\nns/linkerd\nns/linkerd-viz\n:4\n");
}

#[tokio::test]
async fn static_answers_do_not_touch_the_cluster() {
    let server = ApiServer::start().await;
    let (out, scope) = complete_with(server.addr, &["metrics", "-o", "j"]).await;
    assert!(
        out.starts_with("json\t") && out.ends_with("\n:4\n"),
        "{out}"
    );
    assert!(scope.is_none());
    assert!(server.paths().is_empty());
}

#[tokio::test]
async fn an_unreachable_or_failing_cluster_gives_no_names() {
    let closed = {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        listener.local_addr().unwrap()
    };
    let (out, _) = complete_with(closed, &["metrics", "deploy/"]).await;
    assert_eq!(out, ":4\n");

    let server = ApiServer::start().await;
    let (out, _) = complete_with(server.addr, &["metrics", "-n", "nowhere", "sts/"]).await;
    assert_eq!(out, ":4\n");
    assert_eq!(
        server.paths(),
        ["/apis/apps/v1/namespaces/nowhere/statefulsets"]
    );

    let mut out = Vec::new();
    run_complete(
        &Cli::command(),
        &["deploy/".to_string()],
        |_| async { Err::<Cluster, _>("no kubeconfig") },
        &mut out,
    )
    .await
    .unwrap();
    assert_eq!(out, b":4\n");
}

#[tokio::test]
async fn a_cluster_that_never_answers_is_given_up_on() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            open.push(stream);
        }
    });
    let (out, _) = complete_with(addr, &["metrics", "deploy/"]).await;
    assert_eq!(out, ":4\n");
    held.abort();
}

#[tokio::test]
async fn context_names_come_from_the_kubeconfig_typed() {
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("config");
    std::fs::write(
        &kubeconfig,
        "apiVersion: v1\nkind: Config\nclusters: []\nusers: []\ncurrent-context: prod\ncontexts:\n\
         - name: staging\n  context: {cluster: c, user: u}\n\
         - name: prod\n  context: {cluster: c, user: u}\n\
         - name: sandbox\n  context: {cluster: c, user: u}\n",
    )
    .unwrap();
    let path = kubeconfig.to_str().unwrap();
    let server = ApiServer::start().await;
    let (out, scope) = complete_with(server.addr, &["--kubeconfig", path, "--context", "s"]).await;
    assert_eq!(out, "sandbox\nstaging\n:4\n");
    assert!(scope.is_none(), "contexts need no cluster");
    let (out, _) = complete_with(
        server.addr,
        &["--kubeconfig", path, "metrics", "--context="],
    )
    .await;
    assert_eq!(
        out,
        "--context=prod\n--context=sandbox\n--context=staging\n:4\n"
    );
}

#[tokio::test]
async fn cluster_and_user_names_come_from_the_kubeconfig_typed() {
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("config");
    std::fs::write(
        &kubeconfig,
        "apiVersion: v1\nkind: Config\ncurrent-context: prod\n\
         clusters:\n- name: kind-dev\n  cluster: {server: \"https://127.0.0.1:1\"}\n\
         - name: eks-prod\n  cluster: {server: \"https://127.0.0.1:2\"}\n\
         users:\n- name: admin\n  user: {token: t}\n- name: viewer\n  user: {token: t}\n\
         contexts:\n- name: prod\n  context: {cluster: eks-prod, user: admin}\n",
    )
    .unwrap();
    let path = kubeconfig.to_str().unwrap();
    let server = ApiServer::start().await;
    let (out, scope) = complete_with(server.addr, &["--kubeconfig", path, "--cluster", ""]).await;
    assert_eq!(out, "eks-prod\nkind-dev\n:4\n");
    assert!(scope.is_none(), "kubeconfig names need no cluster");
    let (out, _) = complete_with(server.addr, &["--kubeconfig", path, "metrics", "--user=v"]).await;
    assert_eq!(out, "--user=viewer\n:4\n");
}

#[tokio::test]
async fn respond_connects_through_the_kubeconfig_typed_and_uses_its_namespace() {
    let server = ApiServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("config");
    std::fs::write(
        &kubeconfig,
        format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: other\n\
             clusters:\n- name: local\n  cluster: {{server: \"http://{}\"}}\n\
             users:\n- name: me\n  user: {{token: not-a-secret}}\n\
             contexts:\n\
             - name: mesh\n  context: {{cluster: local, user: me, namespace: emojivoto}}\n\
             - name: other\n  context: {{cluster: local, user: me}}\n",
            server.addr
        ),
    )
    .unwrap();
    let words: Vec<String> = [
        "--kubeconfig",
        kubeconfig.to_str().unwrap(),
        "--context",
        "mesh",
    ]
    .into_iter()
    .chain(["metrics", "deploy/e"])
    .map(String::from)
    .collect();
    let mut out = Vec::new();
    linkerd_export::completion::respond(&words, &mut out)
        .await
        .unwrap();
    assert_eq!(String::from_utf8(out).unwrap(), "deploy/emoji\n:4\n");
    assert_eq!(
        server.paths(),
        ["/apis/apps/v1/namespaces/emojivoto/deployments"]
    );
}

#[tokio::test]
async fn names_come_from_the_simulated_mesh_over_tls() {
    let mesh = Mesh::builder().start_here().await;
    let kubeconfig = &mesh.kubeconfig;
    let answer = |words: &[&str]| {
        let words: Vec<String> = ["--kubeconfig", kubeconfig.to_str().unwrap()]
            .iter()
            .chain(words)
            .map(|w| w.to_string())
            .collect();
        async move {
            let mut out = Vec::new();
            linkerd_export::completion::respond(&words, &mut out)
                .await
                .unwrap();
            String::from_utf8(out).unwrap()
        }
    };
    assert_eq!(
        answer(&["metrics", "-n", "emojivoto", "deploy/"]).await,
        "deploy/emoji\ndeploy/vote-bot\ndeploy/voting\ndeploy/web\n:4\n"
    );
    let namespaces = answer(&["-n", "linkerd"]).await;
    assert!(
        namespaces.starts_with("linkerd\n") && namespaces.contains("linkerd-viz\n"),
        "{namespaces}"
    );
    let pods = answer(&["metrics", "--namespace=emojivoto", "po/web"]).await;
    assert!(
        pods.starts_with("po/web-") && pods.ends_with("\n:4\n"),
        "{pods}"
    );
}
