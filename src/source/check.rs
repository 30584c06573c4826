//! `check`'s reading of the proxies: one scrape (two a window apart, through [`scrape_window`])
//! in which each body is reduced by `stat`'s reducer and only the lines the checks read
//! ([`check::reads`]) are kept; the control plane's proxies, found as Linkerd finds them; and
//! the same from one or two files.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::{Live, Options, Pass, Window, epoch_ms, pod_name, scrape_window, targets_from_file};
use crate::error::{Error, Result};
use crate::metrics::check::{self, ControlPlane, Proxy, Unreachable};
use crate::metrics::model::Target;
use crate::metrics::stat::{BodyReducer, ProxyKey, StatState};
use crate::resolve::{
    self, LabelSelector, PodTarget, Scope, Selection, TargetError, TargetLabelSet, TargetSpec,
};
use crate::scrape::Scraped;

/// One scrape as `check` keeps it: the lines of each body the checks read, and `stat`'s
/// reduction of the bodies.
#[derive(Default)]
pub(crate) struct CheckScrape {
    /// Each proxy's lines the checks read, sorted by (namespace, pod).
    pub(crate) proxies: Vec<Proxy>,
    /// `stat`'s reduction of the same bodies.
    pub(crate) stats: StatState,
}

/// What [`read_live`] read: the scrapes, and the proxies that could not be read (each once).
pub(crate) struct CheckRead {
    /// The first scrape of a window.
    pub(crate) before: Option<CheckScrape>,
    /// The only scrape, or the second.
    pub(crate) after: CheckScrape,
    /// The pods that failed either scrape (`namespace/pod`), with why; they are not judged.
    pub(crate) unreachable: Vec<Unreachable>,
}

/// Reads every pod of `live` once, or twice `window` apart. A pod that fails a scrape (or
/// serves malformed metrics) is unreachable and is in neither scrape's result after it failed.
/// Ctrl-C cuts the run short with an error: a partial report would look like a healthy one.
pub(crate) async fn read_live(
    options: &Options,
    live: &Live,
    window: Option<Duration>,
    cancel: &CancellationToken,
) -> Result<CheckRead> {
    let (mut first, mut second) = (CheckScrape::default(), CheckScrape::default());
    let (limit, set) = (options.fetch.max_body, options.target_labels);
    let scraped = scrape_window(
        options,
        live,
        Window { between: window },
        cancel,
        move |pod: &PodTarget, scraped: Scraped| read_body(limit, set, pod, scraped),
        |pass, pod, (reducer, target)| {
            // Success rates need only sums since start, or a window's first scrape as
            // baselines and the second as increases: not every series of every proxy.
            let into = match pass {
                Pass::First => {
                    first.stats.add_checked(reducer)?;
                    if window.is_some() {
                        first.stats.keep_last_as_baseline();
                    } else {
                        first.stats.sum_last_since_start();
                    }
                    &mut first
                }
                Pass::Second => {
                    second.stats.add_checked(reducer)?;
                    second.stats.fold_last_against(&mut first.stats);
                    &mut second
                }
            };
            into.proxies.push(Proxy {
                key: ProxyKey::from(pod),
                target,
            });
            Ok(())
        },
    )
    .await?;
    if scraped.interrupted {
        return Err(Error::Failed(
            "interrupted before every proxy was scraped; nothing to report".into(),
        ));
    }
    let mut unreachable = BTreeMap::new();
    for (pod, reason) in scraped.failures {
        unreachable.entry(pod_name(&pod)).or_insert(reason);
    }
    let unreachable = unreachable
        .into_iter()
        .map(|(pod, reason)| Unreachable { pod, reason })
        .collect();
    let by_pod =
        |a: &Proxy, b: &Proxy| (&a.key.namespace, &a.key.pod).cmp(&(&b.key.namespace, &b.key.pod));
    first.proxies.sort_by(by_pod);
    second.proxies.sort_by(by_pod);
    let (before, after) = match (window, scraped.windowed) {
        (None, _) => (None, first),
        (Some(_), true) => (Some(first), second),
        (Some(_), false) => (Some(first), CheckScrape::default()),
    };
    Ok(CheckRead {
        before,
        after,
        unreachable,
    })
}

/// One body read as `check` reads it: `stat`'s reducer takes every line, and the lines the
/// checks read are kept as a target with the pod's target labels.
fn read_body(
    limit: u64,
    set: TargetLabelSet,
    pod: &PodTarget,
    scraped: Scraped,
) -> Result<(BodyReducer, Target), String> {
    let scraped_at = epoch_ms(scraped.scraped_at);
    let mut reducer = BodyReducer::new(ProxyKey::from(pod), scraped_at);
    let mut text = String::new();
    scraped.for_each_line_chunk(limit, |chunk| {
        reducer.feed(chunk);
        for line in chunk.lines().filter(|l| check::reads(l)) {
            text.push_str(line);
            text.push('\n');
        }
    })?;
    let target = Target::parse(text, pod.target_labels(set), Some(scraped_at))
        .map_err(|e| format!("malformed metrics: {e}"))?;
    Ok((reducer, target))
}

/// The control plane's proxies, listed as Linkerd lists them (the pods of its namespace, from
/// the selected pods' `linkerd.io/control-plane-ns` label, with a
/// `linkerd.io/control-plane-component` label) and scraped unless `scraped` has them already.
pub(crate) async fn control_plane(
    options: &Options,
    live: &Live,
    scraped: &[Proxy],
    cancel: &CancellationToken,
) -> ControlPlane {
    let namespace = live
        .pods
        .iter()
        .find_map(|p| p.labels.get("linkerd.io/control-plane-ns"))
        .map_or("linkerd", String::as_str)
        .to_string();
    let selection = Selection {
        targets: vec![TargetSpec::Namespace(namespace.clone())],
        scope: Scope::Namespace(namespace.clone()),
        selector: LabelSelector::parse("linkerd.io/control-plane-component").ok(),
    };
    let pods = match resolve::resolve(&live.cluster.client, &selection).await {
        Ok(resolved) => resolved.pods,
        Err(TargetError::NoMeshedPods(_)) => Vec::new(),
        Err(e) => {
            return ControlPlane::Unreadable {
                namespace,
                reason: e.to_string(),
            };
        }
    };
    let same =
        |p: &Proxy, pod: &PodTarget| p.key.namespace == pod.namespace && p.key.pod == pod.pod;
    let (reused, missing): (Vec<PodTarget>, Vec<PodTarget>) = pods
        .into_iter()
        .partition(|pod| scraped.iter().any(|p| same(p, pod)));
    let mut proxies: Vec<Proxy> = scraped
        .iter()
        .filter(|p| reused.iter().any(|pod| same(p, pod)))
        .cloned()
        .collect();
    let mut failed = Vec::new();
    if !missing.is_empty() {
        let cp = Live {
            cluster: live.cluster.clone(),
            pods: missing,
            selection,
        };
        match read_live(options, &cp, None, cancel).await {
            Ok(read) => {
                proxies.extend(read.after.proxies);
                failed = read.unreachable;
            }
            Err(e) => {
                return ControlPlane::Unreadable {
                    namespace,
                    reason: e.to_string(),
                };
            }
        }
    }
    match failed.into_iter().next() {
        Some(Unreachable { pod, reason }) if proxies.is_empty() => ControlPlane::Unreadable {
            namespace,
            reason: format!("its proxies could not be scraped ({pod}: {reason})"),
        },
        _ => ControlPlane::Proxies { namespace, proxies },
    }
}

/// The proxies of one file (one scrape), or of two (before and after), as a live scrape keeps
/// them: each target reduced for `stat`'s numbers and cut down to the lines the checks read, one
/// at a time, so a large file is never held whole.
pub(crate) fn read_files(files: &[PathBuf]) -> Result<(Option<CheckScrape>, CheckScrape)> {
    let proxies = |path: &PathBuf, name_from: &PathBuf| -> Result<CheckScrape> {
        let mut scrape = CheckScrape::default();
        for (key, target) in targets_from_file(path, name_from)? {
            scrape.stats.add_target(key.clone(), &target);
            let target = target.keeping_lines(check::reads);
            scrape.proxies.push(Proxy { key, target });
        }
        Ok(scrape)
    };
    let (before, after) = match files {
        [only] => (None, proxies(only, only)?),
        // Targets without a pod label are named after the second file on both sides, as `stat`
        // names them, so raw dumps of the same proxy line up.
        [before, after] => (Some(proxies(before, after)?), proxies(after, after)?),
        _ => {
            return Err(Error::Usage(
                "--from-file takes one file (one scrape) or two (before and after)".into(),
            ));
        }
    };
    if after.proxies.is_empty() {
        return Err(Error::Failed(format!(
            "{}: no metrics found",
            files[files.len() - 1].display()
        )));
    }
    Ok((before, after))
}
