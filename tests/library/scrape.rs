//! The fan-out against the simulated mesh: outcomes stream as they complete, concurrency stays
//! bounded, results are sorted, failures are per pod, and cancellation keeps finished work.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime};

use crate::support::Mesh;
use crate::support::cluster::Connected;
use linkerd_export::forward::{FetchOptions, ForwardError};
use linkerd_export::resolve::{PodTarget, Resolved, Scope, Selection, resolve};
use linkerd_export::scrape::{
    Outcome, Report, ScrapeOptions, Scraped, scrape_all, scrape_each, scrape_each_read,
};
use tokio_util::sync::CancellationToken;

async fn emojivoto_pods(env: &Connected) -> Vec<PodTarget> {
    let selection = Selection {
        targets: Vec::new(),
        scope: Scope::Namespace("emojivoto".into()),
        selector: None,
    };
    let Resolved { pods, .. } = resolve(&env.cluster.client, &selection).await.unwrap();
    pods
}

/// Scrape options with `concurrency` fetches at once, each within `timeout`.
fn options(concurrency: usize, timeout: Duration) -> ScrapeOptions {
    ScrapeOptions {
        concurrency,
        fetch: FetchOptions {
            timeout,
            ..FetchOptions::default()
        },
        ..ScrapeOptions::default()
    }
}

/// `scrape_all` of `pods` with [`options`]`(concurrency, timeout)`, never cancelled.
async fn scrape_uncancelled(
    env: &Connected,
    pods: Vec<PodTarget>,
    concurrency: usize,
    timeout: Duration,
) -> Report {
    scrape_all(
        &env.cluster.client,
        pods,
        &options(concurrency, timeout),
        &CancellationToken::new(),
    )
    .await
}

/// The most fetches that were in progress at the same instant, from each outcome's own start
/// time and duration.
fn max_overlap(outcomes: &[Outcome]) -> usize {
    let mut edges: Vec<(SystemTime, i32)> = Vec::new();
    for scraped in outcomes.iter().filter_map(|o| o.result.as_ref().ok()) {
        edges.push((scraped.scraped_at, 1));
        edges.push((scraped.scraped_at + scraped.elapsed, -1));
    }
    edges.sort();
    let (mut now, mut max) = (0i32, 0i32);
    for (_, delta) in edges {
        now += delta;
        max = max.max(now);
    }
    max as usize
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_pod_is_scraped_and_sorted() {
    let env = Mesh::builder().replicas(3).connect().await;
    let pods = emojivoto_pods(&env).await;
    assert_eq!(pods.len(), 12);
    let report = scrape_uncancelled(&env, pods.clone(), 4, Duration::from_secs(10)).await;
    assert!(!report.interrupted);
    let targets: Vec<PodTarget> = report.outcomes.iter().map(|o| o.target.clone()).collect();
    assert_eq!(
        targets, pods,
        "one outcome per pod, in (namespace, pod) order"
    );
    for outcome in &report.outcomes {
        let scraped = outcome.result.as_ref().unwrap();
        assert!(
            scraped.body.windows(13).any(|w| w == b"request_total"),
            "{}",
            outcome.target.pod
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrency_is_bounded() {
    let env = Mesh::builder()
        .replicas(3)
        .faults(&["slow=300ms:*"])
        .connect()
        .await;
    let pods = emojivoto_pods(&env).await;
    let report = scrape_uncancelled(&env, pods, 3, Duration::from_secs(10)).await;
    assert!(report.outcomes.iter().all(|o| o.result.is_ok()));
    let overlap = max_overlap(&report.outcomes);
    assert!(
        overlap <= 3,
        "{overlap} fetches overlapped with --concurrency 3"
    );
    assert!(overlap >= 2, "fetches did not overlap at all: {overlap}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outcomes_stream_in_completion_order_with_failures_per_pod() {
    let env = Mesh::builder()
        .faults(&["slow=1s:web-*", "status=500:voting-*"])
        .connect()
        .await;
    let pods = emojivoto_pods(&env).await;
    let mut order = Vec::new();
    let summary = scrape_each(
        &env.cluster.client,
        pods,
        &options(8, Duration::from_secs(10)),
        &CancellationToken::new(),
        |outcome| {
            order.push((outcome.target.pod.clone(), outcome.result.is_ok()));
        },
    )
    .await;
    assert_eq!(
        (summary.done, summary.failed, summary.interrupted),
        (4, 1, false)
    );
    let (last, ok) = order.last().unwrap();
    assert!(
        last.starts_with("web-") && *ok,
        "the slow pod finishes last: {order:?}"
    );
    assert!(
        order
            .iter()
            .any(|(pod, ok)| pod.starts_with("voting-") && !ok),
        "{order:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_proxy_timeout_fails_only_that_pod() {
    let env = Mesh::builder()
        .faults(&["slow=30s:emoji-*"])
        .connect()
        .await;
    let pods = emojivoto_pods(&env).await;
    let report = scrape_uncancelled(&env, pods, 8, Duration::from_millis(400)).await;
    let failed: Vec<(&str, &ForwardError)> = report
        .outcomes
        .iter()
        .filter_map(|o| o.result.as_ref().err().map(|e| (o.target.pod.as_str(), e)))
        .collect();
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert!(failed[0].0.starts_with("emoji-"));
    assert_eq!(
        failed[0].1,
        &ForwardError::Timeout(Duration::from_millis(400))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancellation_keeps_finished_outcomes() {
    let env = Mesh::builder()
        .faults(&["slow=60s:web-*", "slow=60s:emoji-*"])
        .connect()
        .await;
    let pods = emojivoto_pods(&env).await;
    let cancel = CancellationToken::new();
    let trigger = cancel.clone();
    let mut finished = 0;
    let opts = options(8, Duration::from_secs(120));
    let scrape = scrape_each(&env.cluster.client, pods, &opts, &cancel, |_| {
        finished += 1;
        if finished == 2 {
            trigger.cancel();
        }
    });
    let summary = tokio::time::timeout(Duration::from_secs(30), scrape)
        .await
        .expect("cancellation must stop in-flight fetches well before their 60s delay");
    assert_eq!((summary.done, summary.interrupted), (2, true));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scrape_returns_once_every_port_forward_is_closed() {
    // Each fetch frees its slot as soon as the body is in; the WebSocket closes finish on
    // their own tasks, and the scrape waits for them before it returns. The simulated close
    // takes the latency once more, so the last closes are still under way when the last body is in.
    let env = Mesh::builder()
        .replicas(5)
        .latency(Duration::from_millis(200))
        .connect()
        .await;
    let pods = emojivoto_pods(&env).await;
    let report = scrape_uncancelled(&env, pods, 8, Duration::from_secs(10)).await;
    assert!(report.outcomes.iter().all(|o| o.result.is_ok()));
    assert_eq!(
        env.sim.open_port_forwards(),
        0,
        "port-forwards still open when the scrape returned"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_are_read_on_the_fetch_tasks_at_once() {
    // Each read waits (up to a deadline) for another read to be under way at the same time:
    // two meet only when bodies are read on the tasks that fetched them, on both workers, and
    // not one after another on the caller's task.
    let env = Mesh::builder().connect().await;
    let pods = emojivoto_pods(&env).await;
    let (reading, met) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let read = {
        let (reading, met) = (reading.clone(), met.clone());
        move |pod: &PodTarget, scraped: Scraped| {
            reading.fetch_add(1, Ordering::SeqCst);
            let deadline = Instant::now() + Duration::from_secs(5);
            while reading.load(Ordering::SeqCst) < 2 && Instant::now() < deadline {
                std::thread::yield_now();
            }
            if reading.load(Ordering::SeqCst) >= 2 {
                met.fetch_add(1, Ordering::SeqCst);
            }
            reading.fetch_sub(1, Ordering::SeqCst);
            (pod.pod.clone(), scraped.body.len())
        }
    };
    let mut handed_over = Vec::new();
    let summary = scrape_each_read(
        &env.cluster.client,
        pods.clone(),
        &options(8, Duration::from_secs(30)),
        &CancellationToken::new(),
        Arc::new(read),
        |outcome: Outcome<(String, usize)>| {
            let (pod, bytes) = outcome.result.expect("every pod answers");
            assert_eq!(pod, outcome.target.pod, "what was read of this pod's body");
            assert!(bytes > 0);
            handed_over.push(pod);
        },
    )
    .await;
    assert_eq!(summary.done, pods.len());
    assert_eq!(handed_over.len(), pods.len());
    assert!(
        met.load(Ordering::SeqCst) > 0,
        "no two bodies were read at the same time"
    );
}
