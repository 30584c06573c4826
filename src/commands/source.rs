//! Where reading commands get their metrics: the proxies of a live cluster (connect, resolve the
//! targets, scrape) or a file (snapshot, merged exposition, raw proxy text, or a
//! `linkerd diagnostics proxy-metrics` dump).

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use tokio_util::sync::CancellationToken;

use super::Context;
use crate::cli::{ObfuscateMode, TargetLabels, Via};
use crate::cluster::{self, Cluster};
use crate::error::{Error, Exit, Result};
use crate::forward::{self, FetchOptions};
use crate::metrics::model::{Snapshot, TARGET_LABEL_NAMES, Target};
use crate::metrics::obfuscate::Obfuscation;
use crate::metrics::parse;
use crate::resolve::{self, PodTarget, Scope, Selection, TargetError, TargetLabelSet};
use crate::scrape::{self, Outcome, Progress, ScrapeOptions};

impl From<Via> for forward::Via {
    fn from(via: Via) -> Self {
        match via {
            Via::Portforward => forward::Via::PortForward,
            Via::Apiserver => forward::Via::ApiServer,
        }
    }
}

impl From<ObfuscateMode> for Obfuscation {
    fn from(mode: ObfuscateMode) -> Self {
        match mode {
            ObfuscateMode::Compat => Obfuscation::Compat,
            ObfuscateMode::Strict => Obfuscation::Strict,
        }
    }
}

impl From<TargetLabels> for TargetLabelSet {
    fn from(set: TargetLabels) -> Self {
        match set {
            TargetLabels::Full => TargetLabelSet::Full,
            TargetLabels::Minimal => TargetLabelSet::Minimal,
        }
    }
}

/// A connected cluster and the meshed pods the targets resolved to.
#[derive(Clone)]
pub struct Live {
    /// The connection.
    pub cluster: Cluster,
    /// The pods to scrape, sorted by (namespace, pod).
    pub pods: Vec<PodTarget>,
    /// What the pods were resolved from, to list them again ([`relist`]).
    pub selection: Selection,
}

/// Connects with the global options and resolves `targets` (spec §3). Skipped pods are reported
/// on stderr, one line each, unless `-q`.
pub async fn resolve(ctx: &Context, targets: &[String]) -> Result<Live> {
    let global = &ctx.global;
    let specs = resolve::parse_targets(targets).map_err(target_error)?;
    let selector = global
        .selector
        .as_deref()
        .map(resolve::LabelSelector::parse)
        .transpose()
        .map_err(|e| target_error(e.into()))?;
    let cluster = cluster::connect(&global.cluster_options())
        .await
        .map_err(|e| Error::Failed(e.to_string()))?;
    let selection = Selection {
        targets: specs,
        scope: Scope::from_flags(
            global.namespace.as_deref(),
            global.all_namespaces,
            &cluster.default_namespace,
        ),
        selector,
    };
    match resolve::resolve(&cluster.client, &selection).await {
        Ok(resolved) => {
            for skipped in &resolved.skipped {
                ctx.warn(skipped);
            }
            Ok(Live {
                cluster,
                pods: resolved.pods,
                selection,
            })
        }
        Err(TargetError::NoMeshedPods(none)) => {
            for skipped in &none.skipped {
                ctx.warn(skipped);
            }
            Err(Error::Failed(none.to_string()))
        }
        Err(e) => Err(target_error(e)),
    }
}

/// `live` with its targets resolved to pods again, for runs that outlast a rollout (`export
/// --every`, `export --serve`): new pods are scraped, deleted ones no longer are. Skipped pods
/// were reported by [`resolve`] and are not again. When the pods cannot be listed, the error
/// says why, and the caller keeps the previous list.
pub async fn relist(ctx: &Context, live: &Live) -> Result<Live, TargetError> {
    let pods = match resolve::resolve(&live.cluster.client, &live.selection).await {
        Ok(resolved) => resolved.pods,
        Err(TargetError::NoMeshedPods(none)) => {
            ctx.warn(none);
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

fn target_error(e: TargetError) -> Error {
    if e.is_usage() {
        Error::Usage(e.to_string())
    } else {
        Error::Failed(e.to_string())
    }
}

/// The scrape options the global flags ask for.
pub fn scrape_options(ctx: &Context) -> ScrapeOptions {
    ScrapeOptions {
        fetch: FetchOptions {
            via: ctx.global.via.into(),
            timeout: ctx.global.timeout,
            max_body: ctx.global.max_body_size,
            keep_gzip: false,
        },
        concurrency: ctx.global.concurrency,
        progress: if ctx.progress {
            Progress::Bar
        } else {
            Progress::Hidden
        },
        ..ScrapeOptions::default()
    }
}

/// [`scrape_options`] for a caller that decodes each body as it reads it: bodies stay
/// compressed while in flight ([`scrape::Scraped::gzip`]).
pub fn streaming_scrape_options(ctx: &Context) -> ScrapeOptions {
    let mut options = scrape_options(ctx);
    options.fetch.keep_gzip = true;
    options
}

/// Scrapes every pod of `live` once, handing each outcome to `on_outcome` as it completes. Bodies
/// come still compressed when the proxy compressed them ([`streaming_scrape_options`]).
pub async fn scrape_each(
    ctx: &Context,
    live: &Live,
    cancel: &CancellationToken,
    on_outcome: impl FnMut(Outcome),
) -> scrape::Summary {
    scrape::scrape_each(
        &live.cluster.client,
        live.pods.clone(),
        &streaming_scrape_options(ctx),
        cancel,
        on_outcome,
    )
    .await
}

/// Scrapes every pod of `live` once into a snapshot (target labels, scrape times), sorted by
/// (namespace, pod); failed pods are named on stderr, and the exit status says whether all, some
/// or none succeeded.
pub async fn scrape_snapshot(
    ctx: &Context,
    live: &Live,
    cancel: &CancellationToken,
) -> (Snapshot, Exit) {
    let mut snapshot = Snapshot::default();
    let exit = scrape_targets(ctx, live, cancel, |target| snapshot.targets.push(target)).await;
    snapshot.targets.sort_by(|a, b| {
        (a.label("namespace"), a.label("pod")).cmp(&(b.label("namespace"), b.label("pod")))
    });
    (snapshot, exit)
}

/// Scrapes every pod of `live` once, handing each body, indexed with its target labels and
/// scrape time, to `on_target` as soon as it is in (in completion order), so no body is kept
/// longer than the caller keeps it. Failed pods are named on stderr, and the exit status says
/// whether all, some or none succeeded.
pub async fn scrape_targets(
    ctx: &Context,
    live: &Live,
    cancel: &CancellationToken,
    mut on_target: impl FnMut(Target),
) -> Exit {
    let total = live.pods.len();
    let mut failures = Vec::new();
    let mut succeeded = 0;
    let summary = scrape_each(ctx, live, cancel, |outcome| {
        let limit = ctx.global.max_body_size;
        let parsed = outcome
            .result
            .map_err(|e| e.to_string())
            .and_then(|s| Ok((s.text(limit)?, s.scraped_at)))
            .and_then(|(text, at)| {
                parse_outcome(&outcome.target, ctx.global.target_labels.into(), text, at)
            });
        match parsed {
            Ok(target) => {
                succeeded += 1;
                on_target(target);
            }
            Err(message) => failures.push((outcome.target, message)),
        }
    })
    .await;
    failures.sort_by(|(a, _), (b, _)| (&a.namespace, &a.pod).cmp(&(&b.namespace, &b.pod)));
    report_failures(
        failures.iter().map(|(pod, message)| (pod, message.clone())),
        succeeded,
        total,
        summary.interrupted,
    )
}

/// `namespace/pod`, the way failures name a pod on stderr.
pub fn pod_name(target: &PodTarget) -> String {
    format!("{}/{}", target.namespace, target.pod)
}

/// Milliseconds since the epoch.
pub fn epoch_ms(time: SystemTime) -> i64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// One pod's body parsed strictly into a snapshot target with its target labels (`set`) and
/// scrape time. A malformed body is an error for that pod, naming the line and column.
pub fn parse_outcome(
    target: &PodTarget,
    set: TargetLabelSet,
    text: String,
    scraped_at: SystemTime,
) -> Result<Target, String> {
    Target::parse(text, target.target_labels(set), Some(epoch_ms(scraped_at)))
        .map_err(|e| format!("malformed metrics: {e}"))
}

/// Says on stderr which pods failed, and whether the scrape was cut short; returns the exit status
/// for the run: success, partial (some failed), or failure (none succeeded).
pub fn report_failures<'a>(
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

/// Reads a metrics file: a snapshot or merged exposition (target labels recognised), raw proxy
/// text (one target without labels), or `linkerd diagnostics proxy-metrics` output (one target per
/// `# POD` section). Malformed lines, an OpenMetrics file cut short (OpenMetrics syntax or a
/// snapshot info sample, but no final `# EOF`) and a file without any sample are errors naming
/// the file.
pub fn load_file(path: &Path) -> Result<Snapshot> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::read(path, e))?;
    let bad =
        |e: parse::ParseError| Error::Failed(format!("{}: malformed metrics: {e}", path.display()));
    let snapshot = if parse::has_pod_header(&text) {
        let (snapshot, errors) = Snapshot::from_diagnostics(&text);
        if let Some(e) = errors.into_iter().next() {
            return Err(bad(e));
        }
        snapshot
    } else {
        let complete = parse::ends_with_eof(&text);
        let openmetrics = !complete && parse::says_openmetrics(&text);
        let mut snapshot = Snapshot::from_merged_text(text, TARGET_LABEL_NAMES).map_err(bad)?;
        let info = snapshot.take_info();
        if !complete && (openmetrics || info.is_some()) {
            return Err(Error::Failed(format!(
                "{}: the OpenMetrics file ends without \"# EOF\": it was cut short; \
                 take the snapshot again or restore the rest of the file",
                path.display()
            )));
        }
        snapshot
    };
    if snapshot.sample_count() == 0 {
        return Err(Error::Failed(format!(
            "{}: no metrics found",
            path.display()
        )));
    }
    Ok(snapshot)
}
