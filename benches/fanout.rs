//! End-to-end fan-out benchmark, side by side in one run: scraping every proxy of a 500-pod
//! simulated mesh (each API request and port-forward set-up delayed by `--latency`, standing in for
//! a real API server and kubelet) with the default concurrency, with `--concurrency 1`, and —
//! as the ceiling — fetching the same bodies straight from the simulated proxies' loopback sockets
//! at the default concurrency. Prints medians and the two ratios issue #2 sets goals for.
//!
//! Run: `cargo bench --bench fanout` (env: `FANOUT_PODS` (default 500), `FANOUT_LATENCY_MS`
//! (default 20), `FANOUT_RUNS` (default 5; `--concurrency 1` runs once, it takes ~25 s),
//! `FANOUT_CONCURRENCY` (default: the default `--concurrency`)).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use futures::StreamExt;
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::TokioIo;
use linkerd_export::cluster::{self, ClusterOptions};
use linkerd_export::scrape::{self, DEFAULT_CONCURRENCY, ScrapeOptions};
use linkerd_export::sim::{Sim, SimConfig};
use linkerd_export::target::{self, Scope, Selection, TargetSpec};
use tokio_util::sync::CancellationToken;

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// GET /metrics from a proxy's loopback socket, gzip accepted and decoded like the real path.
async fn fetch_direct(addr: SocketAddr) -> usize {
    let tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tcp))
        .await
        .expect("handshake");
    tokio::spawn(conn);
    let request = http::Request::get("/metrics")
        .header("host", "localhost")
        .header("accept-encoding", "gzip")
        .body(Empty::<bytes::Bytes>::new())
        .expect("request");
    let response = sender.send_request(request).await.expect("response");
    let gzip = response
        .headers()
        .get("content-encoding")
        .is_some_and(|v| v == "gzip");
    let body = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    if gzip {
        let mut text = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&body[..]), &mut text)
            .expect("gunzip");
        text.len()
    } else {
        body.len()
    }
}

fn main() {
    let pods = env_or("FANOUT_PODS", 500);
    let latency = Duration::from_millis(env_or("FANOUT_LATENCY_MS", 20));
    let runs = env_or("FANOUT_RUNS", 5) as usize;
    let concurrency = env_or("FANOUT_CONCURRENCY", DEFAULT_CONCURRENCY as u64) as usize;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let kubeconfig = dir.path().join("kubeconfig");

    runtime.block_on(async {
        // Four emojivoto deployments: pods / 4 replicas each.
        let replicas = u32::try_from(pods.div_ceil(4)).expect("pod count");
        let sim = Sim::start(SimConfig {
            replicas,
            latency,
            ..SimConfig::default()
        })
        .await
        .expect("simulator");
        sim.write_kubeconfig(&kubeconfig).expect("kubeconfig");
        let cluster = cluster::connect(&ClusterOptions {
            kubeconfig: Some(kubeconfig.clone()),
            context: None,
        })
        .await
        .expect("client");
        let selection = Selection {
            targets: vec![TargetSpec::Namespace("emojivoto".into())],
            scope: Scope::Namespace("emojivoto".into()),
            selector: None,
        };
        let targets = target::resolve(&cluster.client, &selection)
            .await
            .expect("targets")
            .pods;
        let addrs: Vec<SocketAddr> = targets
            .iter()
            .map(|t| sim.proxy_addr(&t.namespace, &t.pod).expect("proxy address"))
            .collect();
        println!(
            "fan-out over {} proxies, {} ms simulated API/kubelet latency, {runs} runs (median)",
            targets.len(),
            latency.as_millis()
        );

        let scrape_with = |concurrency: usize| {
            let targets = targets.clone();
            let client = cluster.client.clone();
            async move {
                let opts = ScrapeOptions {
                    concurrency,
                    ..ScrapeOptions::default()
                };
                let started = Instant::now();
                let report =
                    scrape::scrape_all(&client, targets, &opts, &CancellationToken::new()).await;
                let elapsed = started.elapsed();
                let failed = report.outcomes.iter().filter(|o| o.result.is_err()).count();
                assert_eq!(
                    failed, 0,
                    "every scrape must succeed for the numbers to mean anything"
                );
                elapsed
            }
        };

        let mut concurrent = Vec::new();
        let mut direct = Vec::new();
        for _ in 0..runs {
            concurrent.push(scrape_with(concurrency).await);
            let started = Instant::now();
            let bytes: usize = futures::stream::iter(addrs.iter().copied())
                .map(fetch_direct)
                .buffer_unordered(concurrency)
                .collect::<Vec<usize>>()
                .await
                .into_iter()
                .sum();
            assert!(bytes > 0);
            direct.push(started.elapsed());
        }
        let sequential = scrape_with(1).await;

        let concurrent = median(concurrent);
        let direct = median(direct);
        let n = targets.len() as f64;
        let rate = |d: Duration| n / d.as_secs_f64();
        println!(
            "port-forward, --concurrency {concurrency}:           {:>8.1} ms  {:>7.0} proxies/s",
            concurrent.as_secs_f64() * 1e3,
            rate(concurrent)
        );
        println!(
            "port-forward, --concurrency 1:            {:>8.1} ms  {:>7.0} proxies/s",
            sequential.as_secs_f64() * 1e3,
            rate(sequential)
        );
        println!(
            "direct from the proxies, concurrency {concurrency}:  {:>8.1} ms  {:>7.0} proxies/s",
            direct.as_secs_f64() * 1e3,
            rate(direct)
        );
        println!(
            "speed-up of --concurrency {concurrency} over --concurrency 1: {:.1}x (goal >= 15x)",
            sequential.as_secs_f64() / concurrent.as_secs_f64()
        );
        println!(
            "port-forward rate / direct rate: {:.2}x (goal >= 0.5x)",
            rate(concurrent) / rate(direct)
        );
    });
}
