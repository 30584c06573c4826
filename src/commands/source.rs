//! Where reading commands get their metrics: the proxies of a live cluster (connect, resolve the
//! targets, scrape) or a file (snapshot, merged exposition, raw proxy text, or a
//! `linkerd diagnostics proxy-metrics` dump).

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use tokio_util::sync::CancellationToken;

use super::Context;
use crate::cli::{ObfuscateMode, Via};
use crate::cluster::{self, Cluster, ClusterOptions};
use crate::error::{Error, Exit, Result};
use crate::forward::{self, FetchOptions};
use crate::metrics::model::{Snapshot, TARGET_LABEL_NAMES, Target};
use crate::metrics::obfuscate::Obfuscation;
use crate::metrics::parse;
use crate::scrape::{self, Outcome, Progress, Report, ScrapeOptions};
use crate::target::{self, PodTarget, Scope, Selection, TargetError};

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
    let specs = target::parse_targets(targets).map_err(target_error)?;
    let selector = global
        .selector
        .as_deref()
        .map(target::LabelSelector::parse)
        .transpose()
        .map_err(|e| target_error(e.into()))?;
    let cluster = cluster::connect(&ClusterOptions {
        kubeconfig: global.kubeconfig.clone(),
        context: global.context.clone(),
    })
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
    match target::resolve(&cluster.client, &selection).await {
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
    let pods = match target::resolve(&live.cluster.client, &live.selection).await {
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
            ..FetchOptions::default()
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

/// Scrapes every pod of `live` once, stopping early on Ctrl-C.
pub async fn scrape_once(ctx: &Context, live: &Live) -> Report {
    let cancel = scrape::cancel_on_ctrl_c();
    scrape_with(ctx, live, &cancel).await
}

/// Scrapes every pod of `live` once, stopping early when `cancel` fires.
pub async fn scrape_with(ctx: &Context, live: &Live, cancel: &CancellationToken) -> Report {
    scrape::scrape_all(
        &live.cluster.client,
        live.pods.clone(),
        &scrape_options(ctx),
        cancel,
    )
    .await
}

/// Scrapes every pod of `live` once into a snapshot (target labels, scrape times); failed pods
/// are named on stderr, and the exit status says whether all, some or none succeeded.
pub async fn scrape_snapshot(
    ctx: &Context,
    live: &Live,
    cancel: &CancellationToken,
) -> (Snapshot, Exit) {
    let total = live.pods.len();
    let report = scrape_with(ctx, live, cancel).await;
    let mut snapshot = Snapshot::default();
    let mut failures = Vec::new();
    for outcome in &report.outcomes {
        let parsed = outcome
            .result
            .as_ref()
            .map_err(ToString::to_string)
            .and_then(|s| parse_outcome(&outcome.target, &s.body, s.scraped_at));
        match parsed {
            Ok(target) => snapshot.targets.push(target),
            Err(message) => failures.push((&outcome.target, message)),
        }
    }
    let succeeded = snapshot.targets.len();
    let exit = report_failures(failures, succeeded, total, report.interrupted);
    (snapshot, exit)
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

/// The target labels of `pod` as owned pairs, for the metrics model.
pub fn owned_target_labels(pod: &PodTarget) -> Vec<(String, String)> {
    pod.target_labels()
        .into_iter()
        .map(|(name, value)| (name.to_string(), value))
        .collect()
}

/// One pod's body parsed strictly into a snapshot target with its target labels and scrape time.
/// A malformed body is an error for that pod, naming the line and column.
pub fn parse_outcome(
    target: &PodTarget,
    body: &[u8],
    scraped_at: SystemTime,
) -> Result<Target, String> {
    let text = std::str::from_utf8(body).map_err(|e| format!("metrics are not UTF-8 text: {e}"))?;
    let parsed = parse::parse(text).map_err(|e| format!("malformed metrics: {e}"))?;
    Ok(Target::from_body(
        &parsed,
        owned_target_labels(target),
        Some(epoch_ms(scraped_at)),
    ))
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

/// The failures of a report, for [`report_failures`].
pub fn failures(outcomes: &[Outcome]) -> impl Iterator<Item = (&PodTarget, String)> {
    outcomes
        .iter()
        .filter_map(|o| o.result.as_ref().err().map(|e| (&o.target, e.to_string())))
}

/// Reads a metrics file: a snapshot or merged exposition (target labels recognised), raw proxy
/// text (one target without labels), or `linkerd diagnostics proxy-metrics` output (one target per
/// `# POD` section). Malformed lines are an error naming the file, line and column.
pub fn load_file(path: &Path) -> Result<Snapshot> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::read(path, e))?;
    let bad =
        |e: parse::ParseError| Error::Failed(format!("{}: malformed metrics: {e}", path.display()));
    if text.lines().any(|l| l.starts_with("# POD ")) {
        let (snapshot, errors) = Snapshot::from_diagnostics(&text);
        return match errors.into_iter().next() {
            Some(e) => Err(bad(e)),
            None => Ok(snapshot),
        };
    }
    let body = parse::parse(&text).map_err(bad)?;
    let mut snapshot = Snapshot::from_merged(&body, TARGET_LABEL_NAMES);
    snapshot.take_info();
    Ok(snapshot)
}
