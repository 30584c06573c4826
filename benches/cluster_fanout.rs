//! Fan-out wall time over ~500 simulated proxies with 20 ms of simulated API latency, at several
//! `--concurrency` values and both transports: the measurement behind `DEFAULT_CONCURRENCY`.
//!
//! Run: `cargo bench --bench cluster_fanout`. The simulator shares the process (and CPUs) with the
//! client, so absolute numbers are pessimistic; the shape across concurrencies is what matters.

use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use linkerd_export::cluster::{ClusterOptions, connect};
use linkerd_export::forward::{FetchOptions, Via};
use linkerd_export::resolve::{Scope, Selection, resolve};
use linkerd_export::scrape::{ScrapeOptions, scrape_all};
use linkerd_export_sim::{Sim, SimConfig};
use tokio_util::sync::CancellationToken;

fn fanout(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("kubeconfig");
    let (sim, cluster, pods) = runtime.block_on(async {
        // 5 emojivoto namespaces × 4 deployments × 25 replicas = 500 app pods.
        let sim = Sim::start(SimConfig {
            replicas: 25,
            namespaces: 4,
            latency: Duration::from_millis(20),
            ..SimConfig::default()
        })
        .await
        .expect("start sim");
        sim.write_kubeconfig(&path).expect("kubeconfig");
        let cluster = connect(&ClusterOptions {
            kubeconfig: Some(path.clone()),
            context: None,
            ..ClusterOptions::default()
        })
        .await
        .expect("connect");
        let selection = Selection {
            targets: Vec::new(),
            scope: Scope::AllNamespaces,
            selector: None,
        };
        let pods = resolve(&cluster.client, &selection)
            .await
            .expect("resolve")
            .pods;
        (sim, cluster, pods)
    });

    let mut group = c.benchmark_group(format!("fanout_{}_pods_20ms", pods.len()));
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(5));
    for via in [Via::PortForward, Via::ApiServer] {
        for concurrency in [8, 16, 32, 64, 128] {
            let opts = ScrapeOptions {
                concurrency,
                fetch: FetchOptions {
                    via,
                    ..FetchOptions::default()
                },
                ..ScrapeOptions::default()
            };
            group.bench_with_input(
                BenchmarkId::new(via.to_string(), concurrency),
                &opts,
                |b, opts| {
                    b.iter(|| {
                        let report = runtime.block_on(scrape_all(
                            &cluster.client,
                            pods.clone(),
                            opts,
                            &CancellationToken::new(),
                        ));
                        assert!(report.outcomes.iter().all(|o| o.result.is_ok()));
                    })
                },
            );
        }
    }
    group.finish();
    drop(sim);
}

criterion_group!(benches, fanout);
criterion_main!(benches);
