//! Property: the simulated proxies' counters never decrease, whatever the scrape timing, except
//! under the `restart` fault. Every running proxy is scraped in rounds, three ways at once
//! (directly with gzip, through a port-forward tunnel, through `pods/proxy`), together with the
//! linkerd-viz Prometheus' `/federate`; every body is parsed with the crate's parser, and every
//! counter, histogram bucket, `_count` and `_sum` series of a pod must be at least what any scrape
//! of the previous round saw (each round starts after the previous one has finished).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Read;
use std::time::Duration;

use futures::future::join_all;
use k8s_openapi::api::core::v1::Pod;
use kube::Api;
use linkerd_export::metrics::MetricType;
use linkerd_export::metrics::parse;
use linkerd_export_sim::{SimHandle, SimPod};
use tokio::net::TcpStream;

use crate::support::Mesh;
use crate::support::fetch::get;

/// Scrape rounds; each covers every proxy three ways plus one federation request. With four
/// replicas a web → voting pod-to-pod series carries about 0.3 requests per second, so a success
/// counter that stepped back would stay back for up to three seconds: longer than a round.
const ROUNDS: usize = 20;

/// The labels the federation endpoint adds to every sample (target labels).
const TARGET_LABELS: [&str; 10] = [
    "job",
    "namespace",
    "pod",
    "container",
    "instance",
    "control_plane_ns",
    "deployment",
    "statefulset",
    "daemonset",
    "cronjob",
];

/// A series of one pod: (namespace, pod, sample name, labels sorted by name).
type Key = (String, String, String, Vec<(String, String)>);

/// One scraped body and the pod it came from (`None` for the federation endpoint, whose samples
/// name their pod in target labels).
struct Scraped {
    pod: Option<(String, String)>,
    via: &'static str,
    body: String,
}

async fn direct(sim: &SimHandle, pod: &SimPod) -> Scraped {
    let addr = sim.proxy_addr(&pod.namespace, &pod.name).expect("proxy");
    let res = get(
        TcpStream::connect(addr).await.expect("connect"),
        "/metrics",
        &[("accept-encoding", "gzip")],
    )
    .await;
    assert_eq!(res.status, 200, "direct {}", pod.name);
    let gz = res.body.expect("body");
    let mut body = String::new();
    flate2::read::GzDecoder::new(&gz[..])
        .read_to_string(&mut body)
        .expect("gunzip");
    Scraped {
        pod: Some((pod.namespace.clone(), pod.name.clone())),
        via: "direct",
        body,
    }
}

async fn tunnel(client: &kube::Client, pod: &SimPod) -> Scraped {
    let port = pod.admin_port.expect("meshed");
    let pods: Api<Pod> = Api::namespaced(client.clone(), &pod.namespace);
    let mut pf = pods
        .portforward(&pod.name, &[port])
        .await
        .expect("portforward");
    let res = get(pf.take_stream(port).expect("stream"), "/metrics", &[]).await;
    assert_eq!(res.status, 200, "port-forward {}", pod.name);
    Scraped {
        pod: Some((pod.namespace.clone(), pod.name.clone())),
        via: "port-forward",
        body: String::from_utf8(res.body.expect("body").to_vec()).expect("utf-8"),
    }
}

async fn proxied(client: &kube::Client, ns: &str, name: &str, port: u16, path: &str) -> String {
    let req = http::Request::get(format!(
        "/api/v1/namespaces/{ns}/pods/{name}:{port}/proxy/{path}"
    ))
    .body(Vec::new())
    .expect("request");
    client.request_text(req).await.expect("pods/proxy")
}

async fn pods_proxy(client: &kube::Client, pod: &SimPod) -> Scraped {
    let port = pod.admin_port.expect("meshed");
    Scraped {
        pod: Some((pod.namespace.clone(), pod.name.clone())),
        via: "pods/proxy",
        body: proxied(client, &pod.namespace, &pod.name, port, "metrics").await,
    }
}

async fn federation(client: &kube::Client, prometheus: &SimPod) -> Scraped {
    Scraped {
        pod: None,
        via: "federate",
        body: proxied(
            client,
            &prometheus.namespace,
            &prometheus.name,
            9090,
            "federate?match[]=%7Bjob%3D%22linkerd-proxy%22%7D",
        )
        .await,
    }
}

/// The monotonic series of `scraped`, learning which sample names are counters or histogram
/// series from typed bodies (`monotonic`) so the untyped federation samples can be judged too.
fn monotonic_series(scraped: &Scraped, monotonic: &mut HashSet<String>) -> Vec<(Key, f64)> {
    let body = parse::parse(&scraped.body)
        .unwrap_or_else(|e| panic!("{} body does not parse: {e}", scraped.via));
    let mut out = Vec::new();
    for (family, sample) in body.samples() {
        let name = sample.name.to_string();
        if matches!(family.kind, MetricType::Counter | MetricType::Histogram) {
            monotonic.insert(name.clone());
        } else if scraped.pod.is_some() || !monotonic.contains(&name) {
            continue;
        }
        let mut labels: Vec<(String, String)> = sample
            .labels
            .iter()
            .map(|l| (l.name.to_string(), l.value.to_string()))
            .collect();
        let (ns, pod) = match &scraped.pod {
            Some(pod) => pod.clone(),
            None => {
                let get = |k: &str| sample.labels.get(k).expect(k).to_string();
                labels.retain(|(k, _)| !TARGET_LABELS.contains(&k.as_str()));
                (get("namespace"), get("pod"))
            }
        };
        labels.sort();
        out.push(((ns, pod, name, labels), sample.value));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counters_never_decrease_under_concurrent_scrapes() {
    let tick = Duration::from_millis(5);
    let mesh = Mesh::builder()
        .replicas(4)
        .faults(&["restart:vote-bot-*"])
        .tick(tick)
        .start_here()
        .await;
    let client = mesh.kube_client().await;
    let sim = &mesh.sim;
    let proxies: Vec<SimPod> = sim
        .pods()
        .iter()
        .filter(|p| p.has_proxy())
        .cloned()
        .collect();
    let prometheus = proxies
        .iter()
        .find(|p| p.namespace == "linkerd-viz" && p.name.starts_with("prometheus-"))
        .expect("prometheus pod")
        .clone();
    let restarting =
        |ns: &str, pod: &str| ns.starts_with("emojivoto") && pod.starts_with("vote-bot-");

    let mut monotonic = HashSet::new();
    let mut previous: HashMap<Key, f64> = HashMap::new();
    let mut decreases: BTreeMap<Key, Vec<String>> = BTreeMap::new();
    let mut compared = 0usize;
    let mut restarts_seen = 0usize;
    for round in 0..ROUNDS {
        let mut scrapes = Vec::new();
        for pod in &proxies {
            scrapes.push(futures::FutureExt::boxed(direct(sim, pod)));
            scrapes.push(futures::FutureExt::boxed(tunnel(&client, pod)));
            scrapes.push(futures::FutureExt::boxed(pods_proxy(&client, pod)));
        }
        scrapes.push(futures::FutureExt::boxed(federation(&client, &prometheus)));
        let mut bodies = join_all(scrapes).await;
        // Typed bodies first, so federation samples are judged by the types they teach.
        bodies.sort_by_key(|s| s.pod.is_none());
        let mut current: HashMap<Key, f64> = HashMap::new();
        for scraped in &bodies {
            for (key, value) in monotonic_series(scraped, &mut monotonic) {
                if restarting(&key.0, &key.1) {
                    if previous.get(&key).is_some_and(|&before| value < before) {
                        restarts_seen += 1;
                    }
                } else if let Some(&before) = previous.get(&key) {
                    compared += 1;
                    if value < before {
                        decreases.entry(key.clone()).or_default().push(format!(
                            "round {round} via {}: {before} -> {value}",
                            scraped.via
                        ));
                    }
                }
                let slot = current.entry(key).or_insert(value);
                *slot = slot.max(value);
            }
        }
        previous = current;
        // Counters advance once per tick: let at least one pass before the next round.
        tokio::time::sleep(tick).await;
    }

    assert!(
        compared > 100_000,
        "only {compared} comparisons: the scrapes did not cover the mesh"
    );
    assert!(
        restarts_seen > 0,
        "the restart fault never reset a counter: the exception is not exercised"
    );
    let report: Vec<String> = decreases
        .iter()
        .take(10)
        .map(|((ns, pod, name, labels), seen)| {
            let labels: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
            format!(
                "{ns}/{pod} {name}{{{}}}: {}",
                labels.join(","),
                seen.join("; ")
            )
        })
        .collect();
    assert!(
        decreases.is_empty(),
        "{} series decreased in {compared} comparisons, e.g.\n{}",
        decreases.len(),
        report.join("\n")
    );
}
