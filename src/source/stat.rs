//! `stat`'s measurement from the proxies and from files: each body reduced into a
//! [`StatState`] as it arrives (one scrape since proxy start, or two a window apart, the second
//! folded against the first), and the reduced states of one or two saved files.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use tokio_util::sync::CancellationToken;

use super::{Options, epoch_ms, file::load_file, report_failures, streaming_scrape_options};
use crate::error::{Error, Exit, Result};
use crate::metrics::model::Target;
use crate::metrics::stat::{self, BodyReducer, Collected, Collection, Keep, ProxyKey, StatState};
use crate::resolve::PodTarget;
use crate::scrape;

/// `stat`'s live measurement of `pods` (what `stat`, `top` and `demo` print): one scrape since
/// each proxy started (`window` `None`), or two `window` apart, the second folded against the
/// first proxy by proxy so memory stays at one scrape's series, 16 bytes each. A pod that failed
/// the first scrape has no baseline: it is reported once, not scraped again. When the first
/// scrape gave nothing (or Ctrl-C cut it short) no second is taken, and `after` is empty.
pub(crate) async fn stat_window(
    options: &Options,
    client: &kube::Client,
    pods: &[PodTarget],
    window: Option<Duration>,
    cancel: &CancellationToken,
) -> Result<StatWindow> {
    let first_keep = if window.is_some() {
        Keep::Baseline
    } else {
        Keep::Everything
    };
    let mut first = collect_stat(options, client, pods.to_vec(), cancel, first_keep).await;
    let Some(window) = window else {
        return Ok(StatWindow {
            before: None,
            after: first.state,
            failures: first.failures,
            interrupted: first.interrupted,
        });
    };
    if first.interrupted || first.state.proxies.is_empty() {
        return Ok(StatWindow {
            before: None,
            after: StatState::default(),
            failures: first.failures,
            interrupted: first.interrupted,
        });
    }
    if options.progress {
        eprintln!(
            "waiting {} for the second scrape",
            humantime::format_duration(window)
        );
    }
    tokio::select! {
        () = tokio::time::sleep(window) => {}
        () = cancel.cancelled() => {
            report_failures(first.failures.iter().map(|(pod, m)| (pod, m.clone())), 0, pods.len(), false);
            return Err(Error::Failed("interrupted before the second scrape; nothing to show".into()));
        }
    }
    let scraped: Vec<PodTarget> = pods
        .iter()
        .filter(|p| first.state.proxy(&p.namespace, &p.pod).is_some())
        .cloned()
        .collect();
    let keep = Keep::IncreasesSince(&mut first.state);
    let second = collect_stat(options, client, scraped, cancel, keep).await;
    let mut failures = first.failures;
    failures.extend(second.failures);
    Ok(StatWindow {
        before: Some(first.state),
        after: second.state,
        failures,
        interrupted: second.interrupted,
    })
}

/// What [`stat_window`] measured: the scrapes to compute rows from, and the pods that failed.
pub(crate) struct StatWindow {
    /// The first scrape, with a window (only what was not folded into `after`).
    pub(crate) before: Option<StatState>,
    /// The second scrape (the only one without a window).
    pub(crate) after: StatState,
    /// The pods that failed either scrape, with why.
    pub(crate) failures: Vec<(PodTarget, String)>,
    /// Whether Ctrl-C cut the last scrape short.
    pub(crate) interrupted: bool,
}

impl StatWindow {
    /// Says on stderr which pods failed ([`report_failures`]) out of `total`, and gives the
    /// exit status.
    pub(crate) fn report(&self, total: usize) -> Exit {
        report_failures(
            self.failures
                .iter()
                .map(|(pod, message)| (pod, message.clone())),
            self.after.proxies.len(),
            total,
            self.interrupted,
        )
    }
}

/// Scrapes `pods` once, reducing each body into a [`Collection`] as it arrives and dropping it,
/// so at most `--concurrency` bodies are held at a time, and keeping of each proxy what `keep`
/// says.
pub(crate) async fn collect_stat(
    options: &Options,
    client: &kube::Client,
    pods: Vec<PodTarget>,
    cancel: &CancellationToken,
    keep: Keep<'_>,
) -> Collected {
    let mut collection = Collection::new(keep);
    let limit = options.fetch.max_body;
    let scrape_options = streaming_scrape_options(options);
    let summary = scrape::scrape_each(client, pods, &scrape_options, cancel, |outcome| {
        let key = ProxyKey::from(&outcome.target);
        let body = outcome
            .result
            .map_err(|e| e.to_string())
            .and_then(|scraped| {
                let mut reducer = BodyReducer::new(key, epoch_ms(scraped.scraped_at));
                scraped.for_each_line_chunk(limit, |text| reducer.feed(text))?;
                Ok(reducer)
            });
        collection.add(outcome.target, body);
    })
    .await;
    collection.finish(summary.interrupted)
}

/// The targets of a snapshot or raw proxy text ([`load_file`]), each with its pod and a scrape
/// time ([`stat::name_file_targets`]): a target without a timestamp gets the file's
/// modification time, and one without a `pod` label is named after `name_from`'s file name.
pub(crate) fn targets_from_file(path: &Path, name_from: &Path) -> Result<Vec<(ProxyKey, Target)>> {
    let snapshot = load_file(path)?;
    let file_time = std::fs::metadata(path)
        .and_then(|m| m.modified())
        .unwrap_or_else(|_| SystemTime::now());
    let stem = name_from
        .file_stem()
        .map_or_else(|| "file".into(), |s| s.to_string_lossy().into_owned());
    Ok(stat::name_file_targets(
        snapshot,
        &stem,
        epoch_ms(file_time),
    ))
}

/// `stat`'s reduced states of one file (since start) or two (before, after), for `stat` and
/// `top --from-file`. Two files make a window only when the second was scraped after the first.
pub(crate) fn stat_files(files: &[PathBuf]) -> Result<(Option<StatState>, StatState)> {
    let state = |path, name_from| targets_from_file(path, name_from).map(stat::state_of_targets);
    let (before, after) = match files {
        [only] => (None, state(only, only)?),
        // Targets without a pod label are named after the second file on both sides, so raw
        // dumps of the same proxy line up.
        [before, after] => {
            let (older, newer) = (state(before, after)?, state(after, after)?);
            match stat::check_window_order(&older, &newer) {
                Ok(()) => {}
                Err(stat::WindowOrder::Reversed) => {
                    return Err(Error::Usage(format!(
                        "{} was scraped before {}: give the older file first",
                        after.display(),
                        before.display()
                    )));
                }
                Err(stat::WindowOrder::Simultaneous) => {
                    return Err(Error::Usage(format!(
                        "{} and {} were scraped at the same time: there is no window to compute rates over",
                        before.display(),
                        after.display()
                    )));
                }
            }
            (Some(older), newer)
        }
        _ => {
            return Err(Error::Usage(
                "--from-file takes one file (numbers since proxy start) or two (before and after)"
                    .into(),
            ));
        }
    };
    Ok((before, after))
}
