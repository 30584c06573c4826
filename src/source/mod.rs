//! Where metrics come from, for every command: the proxies of a live cluster (resolve the targets,
//! scrape them over [`crate::forward`], whole or streaming, once, twice a window apart
//! (`scrape_window`) or on each round of a long run (`Scraper`)), the linkerd-viz
//! Prometheus' federation API ([`prometheus`]), or a file (`file`); `metrics -o raw` holds
//! the bodies as served (`raw`); `stat`, `top` and `demo` reduce each body as it arrives
//! (`stat_window`), `diff` pairs each proxy's two scrapes (or two targets' proxies) as the
//! second comes in (`scrape_pairs`), and `check` keeps only the lines its checks read (`check`). Every way ends
//! in the same result, a [`Snapshot`] (with the [`Exit`] status of the read), or hands each
//! proxy's body to the caller as it arrives so a reducing command never holds them all.
//!
//! The library sees `Options`, never the command line: `src/cli/` maps its flags to them.

pub(crate) mod check;
pub(crate) mod file;
mod pairs;
pub mod prometheus;
mod proxies;
pub(crate) mod raw;
mod scraper;
mod stat;
mod window;

use std::time::{SystemTime, UNIX_EPOCH};

use tokio_util::sync::CancellationToken;

use crate::cluster::ClusterOptions;
use crate::error::{Exit, Result};
use crate::forward::FetchOptions;
use crate::metrics::model::{PackedTarget, Snapshot};
use crate::resolve::{self, TargetLabelSet};

pub(crate) use pairs::scrape_pairs;
pub(crate) use prometheus::Federation;
#[cfg(feature = "demo")]
pub(crate) use proxies::resolve_selection;
pub(crate) use proxies::{
    Live, parse_scraped, relist, report_failures, resolve, scrape_each, scrape_each_read,
    scrape_options, scrape_snapshot, scrape_targets, scrape_targets_read,
};
pub(crate) use scraper::{DEADLINE_MARGIN, Scraper};
pub(crate) use stat::{stat_files, stat_round, stat_window, targets_from_file};
pub(crate) use window::{Pass, SecondScrape, Window, scrape_window, wait_for_second};

/// How to reach the cluster and the proxies, and what to say on stderr: everything the sources
/// need from the global options.
#[derive(Debug, Clone)]
pub(crate) struct Options {
    /// The kubeconfig, context and kubectl's override flags.
    pub cluster: ClusterOptions,
    /// `-n`: the namespace targets are looked up in (default: the context's).
    pub namespace: Option<String>,
    /// `-A`: every namespace.
    pub all_namespaces: bool,
    /// `-l`: a label selector over the pods.
    pub selector: Option<String>,
    /// Transport, per-proxy deadline and body limit.
    pub fetch: FetchOptions,
    /// Most proxies scraped at once.
    pub concurrency: usize,
    /// Whether to draw a progress bar (and say when a window is waited for) on stderr.
    pub progress: bool,
    /// Which target labels samples get.
    pub target_labels: TargetLabelSet,
    /// `-q`: no warnings on stderr.
    pub quiet: bool,
}

impl Options {
    /// Prints a warning on stderr unless `-q`.
    pub(crate) fn warn(&self, message: impl std::fmt::Display) {
        if !self.quiet {
            eprintln!("warning: {message}");
        }
    }
}

/// Where live metrics are read (`--source`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) enum LiveFrom {
    /// The proxies themselves (the default).
    #[default]
    Proxies,
    /// The linkerd-viz Prometheus' `/federate`: found in the cluster, or at this base URL.
    Prometheus(Option<String>),
}

/// Metrics to read, resolved once and read as often as needed: the proxies or the linkerd-viz
/// Prometheus (read each time), or a file (read once, when opened).
pub(crate) enum Source {
    /// The targets' proxies, scraped on each read.
    Proxies(Live),
    /// The linkerd-viz Prometheus' federation API, read on each read.
    Prometheus(Federation),
    /// A file's targets, those of a large file held compressed ([`file::load_packed`]).
    File(Vec<PackedTarget>),
}

impl Source {
    /// Resolves `targets` to pods, or to federation selectors through Prometheus.
    pub(crate) async fn open(
        options: &Options,
        targets: &[String],
        from: &LiveFrom,
    ) -> Result<Source> {
        Ok(match from {
            LiveFrom::Prometheus(url) => {
                Source::Prometheus(Federation::connect(options, targets, url.as_deref()).await?)
            }
            LiveFrom::Proxies => Source::Proxies(resolve(options, targets).await?),
        })
    }

    /// For runs that outlast a rollout: the source with the targets' pods listed again
    /// ([`relist`]), or why they cannot be listed, or `None` when there is nothing to redo
    /// (through Prometheus the federation selectors follow by themselves; a file never changes).
    pub(crate) async fn relisted(
        &self,
        options: &Options,
    ) -> Option<std::result::Result<Source, resolve::TargetError>> {
        match self {
            Source::Proxies(live) => Some(relist(options, live).await.map(Source::Proxies)),
            Source::Prometheus(_) | Source::File(_) => None,
        }
    }

    /// How many pods are scraped (through Prometheus or from a file: none listed).
    pub(crate) fn pod_count(&self) -> usize {
        match self {
            Source::Proxies(live) => live.pods.len(),
            Source::Prometheus(_) | Source::File(_) => 0,
        }
    }

    /// One read, and whether everything answered: failed proxies, or a failed federation read,
    /// are named on stderr.
    pub(crate) async fn read(
        &self,
        options: &Options,
        cancel: &CancellationToken,
    ) -> (Snapshot, Exit) {
        match self {
            Source::Proxies(live) => scrape_snapshot(options, live, cancel).await,
            Source::Prometheus(federation) => match federation.snapshot().await {
                Ok(snapshot) => (snapshot, Exit::Success),
                Err(error) => {
                    eprintln!("error: {error}");
                    (Snapshot::default(), Exit::Failure)
                }
            },
            Source::File(targets) => {
                let targets = targets.iter().map(PackedTarget::to_target).collect();
                (Snapshot { targets }, Exit::Success)
            }
        }
    }
}

/// `namespace/pod`, the way failures name a pod on stderr.
pub(crate) fn pod_name(target: &resolve::PodTarget) -> String {
    format!("{}/{}", target.namespace, target.pod)
}

/// Milliseconds since the epoch.
pub(crate) fn epoch_ms(time: SystemTime) -> i64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}
