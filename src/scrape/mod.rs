//! The scrape: bounded concurrent fan-out over the selected proxies, per-proxy deadlines, progress, Ctrl-C.
//!
//! [`scrape_each`] hands each [`Outcome`] to a callback as soon as that pod is done, so a reducer
//! (`stat`) can fold a body and drop it; [`scrape_each_read`] first reads each body on the task
//! that fetched it, in parallel with the other fetches, so only what it read reaches the callback;
//! [`scrape_all`] collects the outcomes sorted by (namespace, pod).
//! Cancellation is a [`CancellationToken`]: once cancelled, in-flight fetches are dropped (closing
//! their connections), no new ones start, and what finished is still returned with
//! `interrupted: true`. [`crate::interrupt`] wires the token to Ctrl-C.

mod progress;

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use futures::StreamExt;
use tokio_util::sync::CancellationToken;
use tokio_util::task::{AbortOnDropHandle, TaskTracker};

pub use progress::Progress;

use crate::forward::{self, FetchOptions, ForwardError};
use crate::resolve::{PodTarget, Workload};

/// The default number of proxies scraped at once.
///
/// Measured on 2026-11-25 with `benches/fanout.rs` (500 simulated proxies, 20 ms simulated latency
/// on every API request and port-forward set-up, simulator in the same process, 2 CPUs): 1.31 s at
/// 32, 0.98 s at 64 and 0.76 s at 128, against 23.4 s at 1. Each port-forward waits ~40 ms on the
/// API server and kubelet and costs a TLS handshake and a WebSocket of CPU; 64 in flight hides most
/// of the waits behind the CPU work, and more mostly adds load on the API server and kubelets.
pub const DEFAULT_CONCURRENCY: usize = 64;

/// The path scraped on each proxy's admin port.
pub const METRICS_PATH: &str = "/metrics";

/// How a scrape runs.
#[derive(Debug, Clone)]
pub struct ScrapeOptions {
    /// Transport, per-proxy deadline (connect + fetch) and body limit.
    pub fetch: FetchOptions,
    /// Most proxies scraped at once (`--concurrency`); 0 is treated as 1.
    pub concurrency: usize,
    /// The path fetched from each admin port, normally [`METRICS_PATH`].
    pub path: String,
    /// Whether to draw a progress bar on stderr.
    pub progress: Progress,
}

impl Default for ScrapeOptions {
    fn default() -> Self {
        ScrapeOptions {
            fetch: FetchOptions::default(),
            concurrency: DEFAULT_CONCURRENCY,
            path: METRICS_PATH.to_string(),
            progress: Progress::Hidden,
        }
    }
}

/// One proxy's metrics as fetched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scraped {
    /// The response body: gunzipped, unless the fetch kept it compressed ([`Scraped::gzip`]).
    pub body: Bytes,
    /// Whether `body` is still gzip-encoded ([`forward::FetchOptions::keep_gzip`]).
    pub gzip: bool,
    /// The response's `Content-Type`, if any.
    pub content_type: Option<String>,
    /// When the fetch started: the sample timestamp, as Prometheus uses the scrape's start.
    pub scraped_at: SystemTime,
    /// How long connect + fetch took.
    pub elapsed: Duration,
}

impl Scraped {
    /// The body as text: decoded when it came compressed, within `limit` bytes.
    pub fn text(&self, limit: u64) -> Result<String, String> {
        let bytes = if self.gzip {
            // Taken over, not copied: the decoded buffer is this body's alone.
            Vec::from(forward::gunzip_limited(&self.body, limit).map_err(|e| e.to_string())?)
        } else {
            self.body.to_vec()
        };
        String::from_utf8(bytes)
            .map_err(|e| format!("metrics are not UTF-8 text: {}", e.utf8_error()))
    }

    /// Hands the body's text to `on_lines` a piece at a time, each ending at a line end,
    /// decoding a compressed body as it goes (so it is never held decoded whole).
    pub fn for_each_line_chunk(
        &self,
        limit: u64,
        mut on_lines: impl FnMut(&str),
    ) -> Result<(), String> {
        if self.gzip {
            return forward::for_each_line_chunk(&self.body, limit, on_lines)
                .map_err(|e| e.to_string());
        }
        let text = std::str::from_utf8(&self.body)
            .map_err(|e| format!("metrics are not UTF-8 text: {e}"))?;
        on_lines(text);
        Ok(())
    }
}

/// What happened to one pod: its metrics as fetched ([`Scraped`]), or what a
/// [`scrape_each_read`] reader made of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome<T = Scraped> {
    /// The pod.
    pub target: PodTarget,
    /// Its metrics, or why they could not be fetched.
    pub result: Result<T, ForwardError>,
}

/// Counts at the end of [`scrape_each`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// Outcomes delivered (succeeded + failed).
    pub done: usize,
    /// Outcomes that are errors.
    pub failed: usize,
    /// Whether cancellation stopped the scrape before every pod was done.
    pub interrupted: bool,
}

/// Every outcome of a scrape, sorted by (namespace, pod).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// One per finished pod; pods still in flight when interrupted are absent.
    pub outcomes: Vec<Outcome>,
    /// Whether cancellation stopped the scrape before every pod was done.
    pub interrupted: bool,
}

/// Scrapes every target with at most `opts.concurrency` in flight over the shared client, calling
/// `on_outcome` as each completes (in completion order). Returns when all are done or `cancel`
/// fires.
pub async fn scrape_each<F>(
    client: &kube::Client,
    targets: Vec<PodTarget>,
    opts: &ScrapeOptions,
    cancel: &CancellationToken,
    on_outcome: F,
) -> Summary
where
    F: FnMut(Outcome),
{
    let as_fetched = Arc::new(|_: &PodTarget, scraped: Scraped| scraped);
    scrape_each_read(client, targets, opts, cancel, as_fetched, on_outcome).await
}

/// [`scrape_each`], with each body handed to `read` on the task that fetched it, as soon as it is
/// in: bodies are decoded and reduced on every worker thread at once, while the fetches go on,
/// and `on_outcome` (which runs on the caller's task, one outcome at a time) gets only what
/// `read` made of them.
pub async fn scrape_each_read<T, R, F>(
    client: &kube::Client,
    targets: Vec<PodTarget>,
    opts: &ScrapeOptions,
    cancel: &CancellationToken,
    read: Arc<R>,
    mut on_outcome: F,
) -> Summary
where
    T: Send + 'static,
    R: Fn(&PodTarget, Scraped) -> T + Send + Sync + 'static,
    F: FnMut(Outcome<T>),
{
    let targets = start_order(targets);
    let total = targets.len();
    let bar = opts.progress.start(total);
    let shared = Arc::new(opts.clone());
    // A port-forward's close finishes after its fetch has handed the body over and freed its
    // slot (`forward::fetch_leaving_close`); all are waited for before the scrape returns.
    let closes = TaskTracker::new();
    // Each fetch is its own task so that decoding (TLS, WebSocket, gunzip) spreads over every
    // worker thread instead of running on the caller's; dropping the handle (Ctrl-C, or the
    // caller giving up) aborts the task and closes its connection.
    let spawn = |target: PodTarget| {
        let task = AbortOnDropHandle::new(tokio::spawn(scrape_one(
            client.clone(),
            target,
            shared.clone(),
            closes.clone(),
            read.clone(),
        )));
        async move {
            match task.await {
                Ok(outcome) => outcome,
                Err(err) => std::panic::resume_unwind(err.into_panic()),
            }
        }
    };
    let mut outcomes = std::pin::pin!(
        futures::stream::iter(targets)
            .map(spawn)
            .buffer_unordered(opts.concurrency.max(1))
            .take_until(cancel.cancelled())
    );
    let mut summary = Summary::default();
    while let Some((outcome, transfer)) = outcomes.next().await {
        // Logged as the caller takes it, not as the fetch ends: a pod logged as scraped is one
        // whose outcome is in the caller's hands, even if Ctrl-C comes next.
        log_outcome(&outcome, transfer);
        summary.done += 1;
        summary.failed += usize::from(outcome.result.is_err());
        bar.update(summary.done, summary.failed);
        on_outcome(outcome);
    }
    bar.finish();
    summary.interrupted = summary.done < total;
    closes.close();
    if !cancel.is_cancelled() {
        closes.wait().await;
    }
    summary
}

/// The order [`scrape_each`] starts fetches in: one pod of each workload (by namespace and
/// workload; bare pods each on their own) in turn, keeping the given order within a workload and
/// among workloads.
///
/// Pods of one workload serve bodies of about the same size, and listed order groups them: a run
/// through 125 small-body pods kept the port-forwards waiting on the API server and kubelet with
/// a core idle, then 125 large-body pods queued for the CPU (`benches/fanout.rs`, busy cores by
/// tenth of the run: 0.7 0.6 1.7 1.6 0.9 ...). Taking workloads in turn mixes the two, so the CPU
/// work of some fetches overlaps the round trips of others.
pub fn start_order(targets: Vec<PodTarget>) -> Vec<PodTarget> {
    let mut groups: Vec<VecDeque<PodTarget>> = Vec::new();
    let mut index: HashMap<(String, Workload), usize> = HashMap::new();
    for target in targets {
        let slot = match &target.workload {
            Some(workload) => *index
                .entry((target.namespace.clone(), workload.clone()))
                .or_insert_with(|| {
                    groups.push(VecDeque::new());
                    groups.len() - 1
                }),
            None => {
                groups.push(VecDeque::new());
                groups.len() - 1
            }
        };
        groups[slot].push_back(target);
    }
    let mut ordered = Vec::with_capacity(groups.iter().map(VecDeque::len).sum());
    while !groups.is_empty() {
        groups.retain_mut(|group| {
            ordered.extend(group.pop_front());
            !group.is_empty()
        });
    }
    ordered
}

/// [`scrape_each`], collecting the outcomes sorted by (namespace, pod).
pub async fn scrape_all(
    client: &kube::Client,
    targets: Vec<PodTarget>,
    opts: &ScrapeOptions,
    cancel: &CancellationToken,
) -> Report {
    let mut outcomes = Vec::with_capacity(targets.len());
    let summary = scrape_each(client, targets, opts, cancel, |o| outcomes.push(o)).await;
    outcomes.sort_by(|a, b| {
        (&a.target.namespace, &a.target.pod).cmp(&(&b.target.namespace, &b.target.pod))
    });
    Report {
        outcomes,
        interrupted: summary.interrupted,
    }
}

/// A fetched body's size (as it came, compressed or not) and how long connect + fetch took,
/// for the log line written when the caller takes the outcome.
type Transfer = (usize, Duration);

/// One line per proxy at `-vv`: which pod, how long, how much, or why not.
fn log_outcome<T>(outcome: &Outcome<T>, transfer: Option<Transfer>) {
    let target = &outcome.target;
    match &outcome.result {
        Ok(_) => {
            let (bytes, elapsed) = transfer.unwrap_or_default();
            tracing::debug!(
                namespace = %target.namespace,
                pod = %target.pod,
                bytes,
                elapsed = ?elapsed,
                "scraped"
            );
        }
        Err(err) => tracing::debug!(
            namespace = %target.namespace,
            pod = %target.pod,
            "scrape failed: {err}"
        ),
    }
}

async fn scrape_one<T>(
    client: kube::Client,
    target: PodTarget,
    opts: Arc<ScrapeOptions>,
    closes: TaskTracker,
    read: Arc<impl Fn(&PodTarget, Scraped) -> T>,
) -> (Outcome<T>, Option<Transfer>) {
    let scraped_at = SystemTime::now();
    let started = Instant::now();
    let result = forward::fetch_leaving_close(
        &client,
        &target.namespace,
        &target.pod,
        target.admin_port,
        &opts.path,
        &opts.fetch,
        &closes,
    )
    .await
    .map(|fetched| Scraped {
        body: fetched.body,
        gzip: fetched.gzip,
        content_type: fetched.content_type,
        scraped_at,
        elapsed: started.elapsed(),
    });
    let transfer = result
        .as_ref()
        .ok()
        .map(|scraped| (scraped.body.len(), scraped.elapsed));
    let result = result.map(|scraped| read(&target, scraped));
    (Outcome { target, result }, transfer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(namespace: &str, pod: &str, workload: Option<&str>) -> PodTarget {
        PodTarget {
            namespace: namespace.into(),
            pod: pod.into(),
            uid: String::new(),
            container: "linkerd-proxy".into(),
            admin_port: 4191,
            workload: workload.map(|name| Workload {
                kind: "deployment",
                name: name.into(),
            }),
            pod_ip: None,
            labels: Default::default(),
        }
    }

    #[test]
    fn fetches_start_one_workload_at_a_time_in_turn() {
        let targets = vec![
            target("a", "emoji-1", Some("emoji")),
            target("a", "emoji-2", Some("emoji")),
            target("a", "emoji-3", Some("emoji")),
            target("a", "web-1", Some("web")),
            target("b", "web-1", Some("web")),
            target("a", "debug", None),
            target("a", "web-2", Some("web")),
            target("a", "solo", None),
        ];
        let started: Vec<String> = start_order(targets)
            .into_iter()
            .map(|t| format!("{}/{}", t.namespace, t.pod))
            .collect();
        assert_eq!(
            started,
            [
                "a/emoji-1",
                "a/web-1",
                "b/web-1",
                "a/debug",
                "a/solo",
                "a/emoji-2",
                "a/web-2",
                "a/emoji-3"
            ]
        );
    }
}
