//! The export paths end to end on the simulated mesh: proxies scraped through the simulated API
//! server's port-forward, then pushed to, served to, federated through and backfilled into a
//! real Prometheus, every sample accounted for.

use crate::support::cluster::Connected;
use crate::support::prometheus;
use crate::support::{Mesh, never, now_ms};

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use linkerd_export::export::bridge::{self, snapshot_source};
use linkerd_export::export::http::HttpOptions;
use linkerd_export::export::remote_write::{RemoteWriteConfig, RemoteWriter};
use linkerd_export::export::serve;
use linkerd_export::metrics::model::{Snapshot, TARGET_LABEL_NAMES, Target};
use linkerd_export::metrics::write::{self, Format, WriteOptions};
use linkerd_export::render::prometheus_config::{ConfigFormat, ConfigRequest, render};
use linkerd_export::resolve::{Scope, Selection, TargetLabelSet, resolve};
use linkerd_export::scrape::{ScrapeOptions, scrape_all};
use linkerd_export::source::prometheus::{FederationSource, PROXY_SELECTOR};
use prometheus::Prometheus;
use tokio_util::sync::CancellationToken;

const NAMESPACE: &str = "emojivoto";
const LIMIT: Duration = Duration::from_secs(60);

/// A mesh whose counters stand still for the test's duration (they advance once an hour), so
/// two reads at different moments must agree exactly.
async fn still_mesh() -> (Connected, kube::Client) {
    let mesh = Mesh::builder().still().connect().await;
    let client = mesh.cluster.client.clone();
    (mesh, client)
}

/// Every meshed pod of the namespace scraped through port-forward, with target labels.
async fn scrape_namespace(client: &kube::Client) -> Snapshot {
    let selection = Selection {
        targets: Vec::new(),
        scope: Scope::Namespace(NAMESPACE.to_string()),
        selector: None,
    };
    let pods = resolve(client, &selection).await.unwrap().pods;
    let report = scrape_all(
        client,
        pods,
        &ScrapeOptions::default(),
        &CancellationToken::new(),
    )
    .await;
    let mut snapshot = Snapshot::default();
    for outcome in report.outcomes {
        let scraped = outcome.result.unwrap();
        let text = std::str::from_utf8(&scraped.body).unwrap();
        let labels = outcome.target.target_labels(TargetLabelSet::Full);
        let ms = scraped
            .scraped_at
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis() as i64;
        snapshot
            .targets
            .push(Target::parse(text.to_string(), labels, Some(ms)).unwrap());
    }
    assert!(snapshot.targets.len() >= 4, "the emojivoto pods");
    snapshot
}

type Samples = BTreeMap<(String, Vec<(String, String)>), u64>;

/// Every sample as (name, target + own labels) → value bits, a sample's own label winning over
/// a target label of the same name (spec §4a). Left out: empty labels (Prometheus treats them as
/// absent), and Prometheus' per-target series (`up`, `scrape_*`).
fn samples(snapshot: &Snapshot) -> Samples {
    let mut out = BTreeMap::new();
    for target in &snapshot.targets {
        for (_, sample) in target.samples() {
            if sample.name == "up" || sample.name.starts_with("scrape_") {
                continue;
            }
            let own = sample.owned_labels();
            let mut labels: Vec<(String, String)> = target
                .labels
                .iter()
                .filter(|(name, _)| !own.iter().any(|(n, _)| n == name))
                .chain(&own)
                .filter(|(_, value)| !value.is_empty())
                .cloned()
                .collect();
            labels.sort();
            out.insert((sample.name.to_string(), labels), sample.value.to_bits());
        }
    }
    out
}

/// `federated` holds exactly the [`samples`] of `direct`; when not, the first few missing and
/// extra ones are named.
fn assert_same_samples(direct: &Snapshot, federated: &Snapshot) {
    let (direct, federated) = (samples(direct), samples(federated));
    let missing: Vec<_> = direct
        .keys()
        .filter(|k| !federated.contains_key(*k))
        .take(3)
        .collect();
    let extra: Vec<_> = federated
        .keys()
        .filter(|k| !direct.contains_key(*k))
        .take(3)
        .collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing {missing:?}, extra {extra:?}"
    );
    assert_eq!(federated, direct);
}

/// How many series of the namespace `prometheus` holds a second after the scrape at `scrape_ms`.
fn namespace_series_after(prometheus: &Prometheus, scrape_ms: i64) -> usize {
    let at = Some(scrape_ms as f64 / 1000.0 + 1.0);
    prometheus
        .query(&format!(r#"{{namespace="{NAMESPACE}"}}"#), at)
        .len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remote_write_of_a_scraped_mesh_stores_every_sample() {
    let (_mesh, client) = still_mesh().await;
    let snapshot = scrape_namespace(&client).await;
    let total = snapshot.sample_count();
    let scrape_ms = snapshot.targets[0].scrape_time_ms.unwrap();
    let prometheus = tokio::task::spawn_blocking(|| Prometheus::start(""))
        .await
        .unwrap();
    let writer = RemoteWriter::new(RemoteWriteConfig::new(format!(
        "{}/api/v1/write",
        prometheus.url()
    )))
    .unwrap();
    let collected = bridge::collected(snapshot, now_ms());
    let report = writer
        .push(collected.series, &collected.metadata, &never())
        .await
        .unwrap();
    assert_eq!(report.samples, total);
    assert_eq!(report.requests, total.div_ceil(2000));

    let stored =
        tokio::task::spawn_blocking(move || namespace_series_after(&prometheus, scrape_ms))
            .await
            .unwrap();
    assert_eq!(stored, total, "every sample, one series each");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn federation_through_prometheus_equals_reading_the_proxies() {
    let (mesh, client) = still_mesh().await;
    let direct = scrape_namespace(&client).await;

    // linkerd-viz' Prometheus scrapes every proxy as job linkerd-proxy and labels it with its pod;
    // a label the proxy set wins (spec §4a), as `honor_labels` makes it.
    let mut scrape_configs =
        String::from("- job_name: linkerd-proxy\n  honor_labels: true\n  static_configs:\n");
    for target in &direct.targets {
        let label = |name: &str| {
            target
                .labels
                .iter()
                .find(|(n, _)| n == name)
                .unwrap()
                .1
                .clone()
        };
        let addr = mesh
            .sim
            .proxy_addr(&label("namespace"), &label("pod"))
            .unwrap();
        scrape_configs.push_str(&format!("  - targets: ['{addr}']\n    labels:\n"));
        for (name, value) in &target.labels {
            scrape_configs.push_str(&format!("      {name}: '{value}'\n"));
        }
    }
    let pods = direct.targets.len();
    let prometheus = tokio::task::spawn_blocking(move || {
        let prometheus = Prometheus::start(&scrape_configs);
        let up = prometheus.query_until(r#"up{job="linkerd-proxy"} == 1"#, LIMIT, |r| {
            r.len() == pods
        });
        assert_eq!(up.len(), pods, "{}", prometheus.log());
        prometheus
    })
    .await
    .unwrap();

    let source = FederationSource::new(&prometheus.url(), &HttpOptions::default()).unwrap();
    let federated = source.fetch(&[PROXY_SELECTOR]).await.unwrap();
    let through_prometheus =
        Snapshot::from_merged_text(federated.text.clone(), TARGET_LABEL_NAMES).unwrap();
    assert_same_samples(&direct, &through_prometheus);
    drop(prometheus);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_with_the_generated_static_federation_config() {
    let (_mesh, client) = still_mesh().await;
    let total = scrape_namespace(&client).await.sample_count();
    let listener = serve::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let scraper = client.clone();
    let source = snapshot_source(move |_deadline| {
        let client = scraper.clone();
        async move { Ok(scrape_namespace(&client).await) }
    });
    tokio::spawn(serve::serve(
        listener,
        Arc::new(source),
        std::future::pending(),
    ));

    let federation_job = render(&ConfigRequest {
        format: ConfigFormat::Static,
        viz_namespace: "linkerd-viz".into(),
        target: Some(addr.clone()),
    })
    .unwrap();
    let metrics_job =
        format!("- job_name: linkerd-export\n  static_configs:\n  - targets: ['{addr}']\n");
    tokio::task::spawn_blocking(move || {
        let prometheus = Prometheus::start(&format!("{federation_job}{metrics_job}"));
        for job in ["linkerd", "linkerd-export"] {
            let up = prometheus.query_until(&format!(r#"up{{job="{job}"}} == 1"#), LIMIT, |r| {
                r.len() == 1
            });
            assert_eq!(up.len(), 1, "{job}: {}", prometheus.log());
        }
        let federated = format!(r#"{{job="linkerd-proxy",namespace="{NAMESPACE}"}}"#);
        let series = prometheus.query_until(&federated, LIMIT, |r| r.len() == total);
        assert_eq!(
            series.len(),
            total,
            "every proxy series, labelled job=linkerd-proxy by /federate"
        );
        let scraped = format!(r#"{{job="linkerd-export",namespace="{NAMESPACE}"}}"#);
        let series = prometheus.query_until(&scraped, LIMIT, |r| r.len() == total);
        assert_eq!(
            series.len(),
            total,
            "every proxy series through /metrics (OpenMetrics)"
        );
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openmetrics_file_backfills_into_prometheus() {
    let (_mesh, client) = still_mesh().await;
    let snapshot = scrape_namespace(&client).await;
    let total = snapshot.sample_count();
    let scrape_ms = snapshot.targets[0].scrape_time_ms.unwrap();
    let text = write::to_string(
        &snapshot,
        WriteOptions {
            format: Format::OpenMetrics,
            timestamps: true,
        },
    );
    tokio::task::spawn_blocking(move || {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("linkerd.om");
        std::fs::write(&file, text).unwrap();
        let data = dir.path().join("data");
        prometheus::backfill(&file, &data);
        let prometheus = Prometheus::start_on(&data);
        assert_eq!(namespace_series_after(&prometheus, scrape_ms), total);
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn the_viz_prometheus_is_found_and_federates_what_the_proxies_serve() {
    use linkerd_export::cluster::viz::{self, VizError};
    use linkerd_export::forward::FetchOptions;
    use linkerd_export::source::prometheus::fetch_from_cluster;

    let (_mesh, client) = still_mesh().await;
    assert_eq!(viz::detect_namespace(&client).await.unwrap(), "linkerd-viz");
    let pod = viz::prometheus_pod(&client, "linkerd-viz").await.unwrap();
    assert!(pod.starts_with("prometheus-"), "{pod}");
    let missing = viz::prometheus_pod(&client, NAMESPACE).await.unwrap_err();
    assert!(
        matches!(&missing, VizError::NoPrometheus(ns) if ns == NAMESPACE),
        "{missing:?}"
    );
    let direct = scrape_namespace(&client).await;
    let selector = format!(r#"{{job="linkerd-proxy",namespace="{NAMESPACE}"}}"#);
    let federated = fetch_from_cluster(
        &client,
        "linkerd-viz",
        &[&selector],
        &FetchOptions::default(),
    )
    .await
    .unwrap();
    assert!(
        federated
            .url
            .starts_with(&format!("linkerd-viz/{pod}:9090/federate?match%5B%5D=")),
        "{}",
        federated.url
    );
    let through_viz =
        Snapshot::from_merged_text(federated.text.clone(), TARGET_LABEL_NAMES).unwrap();
    assert_same_samples(&direct, &through_viz);
}
