//! The proxies of a live cluster as a source: connect, resolve the targets to meshed pods
//! (spec §3), and scrape them, collected into a snapshot or handed over one body at a time.

use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use super::{Options, epoch_ms, pod_name};
use crate::cluster::{self, Cluster};
use crate::error::{Error, Exit, Result};
use crate::metrics::model::{Snapshot, Target};
use crate::resolve::{self, PodTarget, Scope, Selection, TargetError};
use crate::scrape::{self, Outcome, Progress, ScrapeOptions, Scraped};

/// A connected cluster and the meshed pods the targets resolved to.
#[derive(Clone)]
pub(crate) struct Live {
    /// The connection.
    pub(crate) cluster: Cluster,
    /// The pods to scrape, sorted by (namespace, pod).
    pub(crate) pods: Vec<PodTarget>,
    /// What the pods were resolved from, to list them again ([`relist`]).
    pub(crate) selection: Selection,
}

/// Connects with `options` and resolves `targets` (spec §3). Skipped pods are reported on
/// stderr, one line each, unless `-q`.
pub(crate) async fn resolve(options: &Options, targets: &[String]) -> Result<Live> {
    let specs = resolve::parse_targets(targets)?;
    let selector = options
        .selector
        .as_deref()
        .map(resolve::LabelSelector::parse)
        .transpose()
        .map_err(TargetError::from)?;
    let cluster = cluster::connect(&options.cluster).await?;
    let selection = Selection {
        targets: specs,
        scope: Scope::from_flags(
            options.namespace.as_deref(),
            options.all_namespaces,
            &cluster.default_namespace,
        ),
        selector,
    };
    resolve_selection(options, cluster, selection).await
}

/// Resolves `selection` to meshed pods on `cluster`, as [`resolve()`] does once connected.
pub(crate) async fn resolve_selection(
    options: &Options,
    cluster: Cluster,
    selection: Selection,
) -> Result<Live> {
    match resolve::resolve(&cluster.client, &selection).await {
        Ok(resolved) => {
            for skipped in &resolved.skipped {
                options.warn(skipped);
            }
            Ok(Live {
                cluster,
                pods: resolved.pods,
                selection,
            })
        }
        Err(TargetError::NoMeshedPods(none)) => {
            for skipped in &none.skipped {
                options.warn(skipped);
            }
            Err(Error::Failed(none.to_string()))
        }
        Err(e) => Err(e.into()),
    }
}

/// `live` with its targets resolved to pods again, for runs that outlast a rollout (`export
/// --every`, `export --serve`, `top`): new pods are scraped, deleted ones no longer are. Skipped
/// pods were reported by [`resolve`] and are not again. When the pods cannot be listed, the error
/// says why, and the caller keeps the previous list.
pub(crate) async fn relist(options: &Options, live: &Live) -> Result<Live, TargetError> {
    let pods = match resolve::resolve(&live.cluster.client, &live.selection).await {
        Ok(resolved) => resolved.pods,
        Err(TargetError::NoMeshedPods(none)) => {
            options.warn(none);
            Vec::new()
        }
        Err(e) => return Err(e),
    };
    Ok(Live {
        cluster: live.cluster.clone(),
        pods,
        selection: live.selection.clone(),
    })
}

/// The scrape options `options` ask for.
pub(crate) fn scrape_options(options: &Options) -> ScrapeOptions {
    ScrapeOptions {
        fetch: options.fetch,
        concurrency: options.concurrency,
        progress: if options.progress {
            Progress::Bar
        } else {
            Progress::Hidden
        },
        ..ScrapeOptions::default()
    }
}

/// [`scrape_options`] for a caller that decodes each body as it reads it: bodies stay
/// compressed while in flight ([`scrape::Scraped::gzip`]).
pub(crate) fn streaming_scrape_options(options: &Options) -> ScrapeOptions {
    let mut scrape = scrape_options(options);
    scrape.fetch.keep_gzip = true;
    scrape
}

/// Scrapes every pod of `live` once, handing each outcome to `on_outcome` as it completes. Bodies
/// come still compressed when the proxy compressed them ([`streaming_scrape_options`]).
pub(crate) async fn scrape_each(
    options: &Options,
    live: &Live,
    cancel: &CancellationToken,
    on_outcome: impl FnMut(Outcome),
) -> scrape::Summary {
    scrape::scrape_each(
        &live.cluster.client,
        live.pods.clone(),
        &streaming_scrape_options(options),
        cancel,
        on_outcome,
    )
    .await
}

/// [`scrape_each`], with each body handed to `read` on the task that fetched it, so bodies are
/// decoded and reduced on every core while the fetches go on; `on_outcome` gets what `read` made
/// of them, one pod at a time. For callers that keep only what they make of a body: a caller
/// that keeps every body (`metrics`) gains nothing, and decoded bodies would pile up ahead of it
/// (`metrics -A -o prom` at 3,214 pods: peak 0.66 → 1.3 GiB; docs/BENCHMARKS.md).
pub(crate) async fn scrape_each_read<T: Send + 'static>(
    options: &Options,
    live: &Live,
    cancel: &CancellationToken,
    read: Arc<impl Fn(&PodTarget, Scraped) -> T + Send + Sync + 'static>,
    on_outcome: impl FnMut(Outcome<T>),
) -> scrape::Summary {
    scrape::scrape_each_read(
        &live.cluster.client,
        live.pods.clone(),
        &streaming_scrape_options(options),
        cancel,
        read,
        on_outcome,
    )
    .await
}

/// Scrapes every pod of `live` once into a snapshot (target labels, scrape times), sorted by
/// (namespace, pod); failed pods are named on stderr, and the exit status says whether all, some
/// or none succeeded.
pub(crate) async fn scrape_snapshot(
    options: &Options,
    live: &Live,
    cancel: &CancellationToken,
) -> (Snapshot, Exit) {
    let mut snapshot = Snapshot::default();
    let exit = scrape_targets(options, live, cancel, |target| {
        snapshot.targets.push(target)
    })
    .await;
    snapshot.targets.sort_by(|a, b| {
        (a.label("namespace"), a.label("pod")).cmp(&(b.label("namespace"), b.label("pod")))
    });
    (snapshot, exit)
}

/// Scrapes every pod of `live` once, handing each body, indexed with its target labels and
/// scrape time, to `on_target` as soon as it is in (in completion order), so no body is kept
/// longer than the caller keeps it. Failed pods are named on stderr, and the exit status says
/// whether all, some or none succeeded.
pub(crate) async fn scrape_targets(
    options: &Options,
    live: &Live,
    cancel: &CancellationToken,
    mut on_target: impl FnMut(Target),
) -> Exit {
    let mut tally = Tally::default();
    let summary = scrape_each(options, live, cancel, |outcome| {
        let parsed = outcome
            .result
            .map_err(|e| e.to_string())
            .and_then(|scraped| parse_scraped(options, &outcome.target, &scraped));
        if let Some(target) = tally.add(outcome.target, parsed) {
            on_target(target);
        }
    })
    .await;
    tally.report(live.pods.len(), summary.interrupted)
}

/// [`scrape_targets`], with each body parsed, and `read` run on its target, on the task that
/// fetched it, so bodies are parsed and reduced on every core while the fetches go on;
/// `on_read` gets what `read` made, one pod at a time. For callers that keep only what `read`
/// makes (see [`scrape_each_read`]).
pub(crate) async fn scrape_targets_read<T: Send + 'static>(
    options: &Options,
    live: &Live,
    cancel: &CancellationToken,
    read: impl Fn(Target) -> T + Send + Sync + 'static,
    mut on_read: impl FnMut(T),
) -> Exit {
    let parse = {
        let options = options.clone();
        Arc::new(move |pod: &PodTarget, scraped: Scraped| {
            parse_scraped(&options, pod, &scraped).map(&read)
        })
    };
    let mut tally = Tally::default();
    let summary = scrape_each_read(options, live, cancel, parse, |outcome| {
        let made = outcome.result.map_err(|e| e.to_string()).and_then(|r| r);
        if let Some(made) = tally.add(outcome.target, made) {
            on_read(made);
        }
    })
    .await;
    tally.report(live.pods.len(), summary.interrupted)
}

/// How many pods of a scrape were read, and why the others were not.
#[derive(Default)]
struct Tally {
    succeeded: usize,
    failures: Vec<(PodTarget, String)>,
}

impl Tally {
    /// Counts one pod's outcome; what was read of it, if it was.
    fn add<T>(&mut self, pod: PodTarget, outcome: Result<T, String>) -> Option<T> {
        match outcome {
            Ok(read) => {
                self.succeeded += 1;
                Some(read)
            }
            Err(message) => {
                self.failures.push((pod, message));
                None
            }
        }
    }

    /// Names the failed pods on stderr, sorted, and gives the exit status of the scrape of
    /// `total` pods ([`report_failures`]).
    fn report(mut self, total: usize, interrupted: bool) -> Exit {
        self.failures
            .sort_by(|(a, _), (b, _)| (&a.namespace, &a.pod).cmp(&(&b.namespace, &b.pod)));
        report_failures(
            self.failures
                .iter()
                .map(|(pod, message)| (pod, message.clone())),
            self.succeeded,
            total,
            interrupted,
        )
    }
}

/// One pod's body parsed strictly into a snapshot target with its target labels (as `options`
/// ask) and scrape time. A malformed body is an error for that pod, naming the line and column.
pub(crate) fn parse_scraped(
    options: &Options,
    target: &PodTarget,
    scraped: &Scraped,
) -> Result<Target, String> {
    let text = scraped.text(options.fetch.max_body)?;
    Target::parse(
        text,
        target.target_labels(options.target_labels),
        Some(epoch_ms(scraped.scraped_at)),
    )
    .map_err(|e| format!("malformed metrics: {e}"))
}

/// Says on stderr which pods failed, and whether the scrape was cut short; returns the exit status
/// for the run: success, partial (some failed), or failure (none succeeded).
pub(crate) fn report_failures<'a>(
    failures: impl IntoIterator<Item = (&'a PodTarget, String)>,
    succeeded: usize,
    total: usize,
    interrupted: bool,
) -> Exit {
    let mut failed = 0;
    for (pod, message) in failures {
        failed += 1;
        eprintln!("error: pod {}: {message}", pod_name(pod));
    }
    if interrupted {
        eprintln!(
            "interrupted: {} of {total} proxies scraped",
            succeeded + failed
        );
    }
    if succeeded == 0 {
        Exit::Failure
    } else if failed > 0 || interrupted {
        Exit::Partial
    } else {
        Exit::Success
    }
}
