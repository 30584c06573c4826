//! `--source prometheus[=URL]` (spec §6): read the targets' proxy metrics through the
//! linkerd-viz Prometheus' federation API instead of from the proxies — the Prometheus pod found
//! in the viz namespace (reached like the proxies are), or a Prometheus at a URL; and
//! [`LiveSource`], which reading commands use to read either way.

use tokio_util::sync::CancellationToken;

use super::source::Live;
use super::{Context, snapshot, source, write_stdout};
use crate::cli::{ReadFrom, SnapshotArgs};
use crate::cluster;
use crate::error::{Error, Exit, Result};
use crate::export::federate::{self, FederationSource};
use crate::export::http::HttpOptions;
use crate::export::viz;
use crate::forward::FetchOptions;
use crate::metrics::model::{Snapshot, TARGET_LABEL_NAMES};
use crate::metrics::obfuscate;
use crate::metrics::select::Filter;
use crate::resolve;

/// `--source prometheus[=URL]`: the targets' proxy metrics as the linkerd-viz Prometheus
/// federates them, with the target labels it gives them.
pub(crate) struct Federation {
    selectors: Vec<String>,
    reader: FederationReader,
}

enum FederationReader {
    Url(FederationSource),
    Cluster {
        client: kube::Client,
        viz_namespace: String,
        fetch: FetchOptions,
    },
}

impl Federation {
    /// Turns the targets and scope into federation selectors and finds the Prometheus to read:
    /// `url`, else the linkerd-viz Prometheus pod of the cluster.
    pub(crate) async fn connect(
        ctx: &Context,
        targets: &[String],
        url: Option<&str>,
    ) -> Result<Federation> {
        let global = &ctx.global;
        if global.selector.is_some() {
            return Err(Error::Usage(
                "-l/--selector cannot be used with --source prometheus: Prometheus' series carry no pod labels; use TYPE/NAME targets".into(),
            ));
        }
        let specs = resolve::parse_targets(targets).map_err(|e| Error::Usage(e.to_string()))?;
        let options = global.cluster_options();
        let (reader, default_namespace) = match url {
            Some(url) => {
                // Only the kubeconfig's namespace is wanted from the cluster, and "default" stands
                // in for it when there is no kubeconfig: a Prometheus URL needs no cluster.
                let default_namespace = if global.namespace.is_some() || global.all_namespaces {
                    String::new()
                } else {
                    cluster::connect(&options)
                        .await
                        .map_or_else(|_| "default".to_string(), |c| c.default_namespace)
                };
                let source = FederationSource::new(
                    url,
                    &HttpOptions {
                        timeout: global.timeout,
                        ca_file: None,
                    },
                )
                .map_err(|e| Error::Usage(e.to_string()))?;
                (FederationReader::Url(source), default_namespace)
            }
            None => {
                let cluster = cluster::connect(&options)
                    .await
                    .map_err(|e| Error::Failed(e.to_string()))?;
                let viz_namespace = viz::detect_namespace(&cluster.client)
                    .await
                    .map_err(|e| Error::Failed(e.to_string()))?;
                let reader = FederationReader::Cluster {
                    client: cluster.client,
                    viz_namespace,
                    fetch: source::scrape_options(ctx).fetch,
                };
                (reader, cluster.default_namespace)
            }
        };
        let namespace = match (&global.namespace, global.all_namespaces) {
            (_, true) => None,
            (Some(namespace), false) => Some(namespace.as_str()),
            (None, false) => Some(default_namespace.as_str()),
        };
        let selectors = federate::target_selectors(&specs, namespace);
        Ok(Federation { selectors, reader })
    }

    /// Reads `/federate` once and parses it into a snapshot with target labels.
    pub(crate) async fn snapshot(&self) -> Result<Snapshot> {
        self.read().await.map(|(snapshot, _)| snapshot)
    }

    /// Reads `/federate` once: the snapshot and the URL read (credentials removed).
    async fn read(&self) -> Result<(Snapshot, String)> {
        let selectors: Vec<&str> = self.selectors.iter().map(String::as_str).collect();
        let federated = match &self.reader {
            FederationReader::Url(source) => source.fetch(&selectors).await,
            FederationReader::Cluster {
                client,
                viz_namespace,
                fetch,
            } => federate::fetch_from_cluster(client, viz_namespace, &selectors, fetch).await,
        }
        .map_err(|e| Error::Failed(e.to_string()))?;
        let snapshot = Snapshot::from_merged_text(federated.text, TARGET_LABEL_NAMES)
            .map_err(|e| Error::Failed(format!("{}: malformed answer: {e}", federated.url)))?;
        if snapshot.targets.is_empty() {
            return Err(Error::Failed(format!(
                "{} has no series for {}: check the namespace and targets",
                federated.url,
                self.selectors.join(" or ")
            )));
        }
        Ok((snapshot, federated.url))
    }
}

/// Live metrics, from the proxies or through the linkerd-viz Prometheus (`--source`): resolved
/// once, read as often as needed.
pub(crate) enum LiveSource {
    /// The targets' proxies, scraped on each read.
    Proxies(Live),
    /// The linkerd-viz Prometheus' federation API, read on each read.
    Prometheus(Federation),
}

impl LiveSource {
    /// Resolves `targets` to pods, or to federation selectors with `--source prometheus`.
    pub(crate) async fn open(
        ctx: &Context,
        targets: &[String],
        read_from: Option<&ReadFrom>,
    ) -> Result<LiveSource> {
        Ok(match read_from {
            Some(ReadFrom::Prometheus(url)) => {
                LiveSource::Prometheus(Federation::connect(ctx, targets, url.as_deref()).await?)
            }
            Some(ReadFrom::Proxies) | None => {
                LiveSource::Proxies(source::resolve(ctx, targets).await?)
            }
        })
    }

    /// For runs that outlast a rollout: the source with the targets' pods listed again
    /// ([`source::relist`]), or why they cannot be listed, or `None` when there is nothing to
    /// redo (through Prometheus, the federation selectors follow by themselves).
    pub(crate) async fn relisted(
        &self,
        ctx: &Context,
    ) -> Option<Result<LiveSource, resolve::TargetError>> {
        match self {
            LiveSource::Proxies(live) => {
                Some(source::relist(ctx, live).await.map(LiveSource::Proxies))
            }
            LiveSource::Prometheus(_) => None,
        }
    }

    /// How many pods are scraped (through Prometheus: none listed).
    pub(crate) fn pod_count(&self) -> usize {
        match self {
            LiveSource::Proxies(live) => live.pods.len(),
            LiveSource::Prometheus(_) => 0,
        }
    }

    /// One read, and whether everything answered: failed proxies, or a failed federation read,
    /// are named on stderr.
    pub(crate) async fn read(&self, ctx: &Context, cancel: &CancellationToken) -> (Snapshot, Exit) {
        match self {
            LiveSource::Proxies(live) => source::scrape_snapshot(ctx, live, cancel).await,
            LiveSource::Prometheus(federation) => match federation.snapshot().await {
                Ok(snapshot) => (snapshot, Exit::Success),
                Err(error) => {
                    eprintln!("error: {error}");
                    (Snapshot::default(), Exit::Failure)
                }
            },
        }
    }
}

/// `snapshot -O FILE --source prometheus[=URL]` (and `export -O`): the snapshot file, read
/// through the federation API.
pub(crate) async fn save_snapshot(
    ctx: &Context,
    args: &SnapshotArgs,
    url: Option<&str>,
) -> Result<Exit> {
    let path = &args.output_file;
    let filter = Filter::new(&args.filter.metric, &args.filter.matches)
        .map_err(|e| Error::Usage(e.to_string()))?;
    let federation = Federation::connect(ctx, &args.source.targets, url).await?;
    let (mut snapshot, read) = federation.read().await?;
    filter.retain_snapshot(&mut snapshot);
    if let Some(level) = ctx.global.obfuscate {
        obfuscate::obfuscate_snapshot(&mut snapshot, level.into());
    }
    let (samples, proxies) = (snapshot.sample_count(), snapshot.targets.len());
    let info = [
        ("version", env!("CARGO_PKG_VERSION").to_string()),
        ("targets", args.source.targets.join(" ")),
        ("source", read),
    ];
    let text = snapshot::snapshot_text(
        &mut snapshot,
        info.into_iter().map(|(n, v)| (n.to_string(), v)).collect(),
    );
    if path.as_os_str() == "-" {
        write_stdout(text.as_bytes())?;
    } else {
        snapshot::write_atomic(path, text.as_bytes())?;
        if !ctx.global.quiet {
            eprintln!(
                "saved {samples} samples from {proxies} proxies to {}",
                path.display()
            );
        }
    }
    Ok(Exit::Success)
}
