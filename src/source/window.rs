//! [`scrape_window`]: the two scrapes `--window` apart that rates are computed over (`stat`,
//! `edges`, `authz`, `routes`), or one scrape since proxy start, each body handed to the caller
//! as it arrives so it can reduce and drop it.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::{Live, Options, report_failures, scrape_each};
use crate::error::{Error, Exit, Result};
use crate::resolve::PodTarget;
use crate::scrape::Scraped;

/// Which scrape of a window a body comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pass {
    /// The first scrape: the baseline of a window, or the only scrape since proxy start.
    First,
    /// The second scrape, `Window::between` after the first.
    Second,
}

/// How the two scrapes are spaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Window {
    /// Time between the first scrape and the second; `None` scrapes once (numbers since each
    /// proxy started).
    pub(crate) between: Option<Duration>,
}

/// What a window's scrapes came to.
#[derive(Debug, Clone, Default)]
pub(crate) struct WindowScrape {
    /// The pods that failed, with why, each once: the first scrape's, then the second's, each
    /// sorted by (namespace, pod).
    pub(crate) failures: Vec<(PodTarget, String)>,
    /// The pods whose body the last scrape handed over.
    pub(crate) succeeded: usize,
    /// The pods the targets resolved to.
    pub(crate) total: usize,
    /// Whether Ctrl-C cut the last scrape short.
    pub(crate) interrupted: bool,
    /// Whether the second scrape ran, so the first is a baseline. It does not when there is no
    /// window, or when the first was interrupted or nobody answered it.
    pub(crate) windowed: bool,
}

impl WindowScrape {
    /// Says on stderr which pods failed, and whether the scrape was cut short; returns the exit
    /// status: success, partial (some failed), or failure (none succeeded).
    pub(crate) fn report(&self) -> Exit {
        report_failures(
            self.failures
                .iter()
                .map(|(pod, message)| (pod, message.clone())),
            self.succeeded,
            self.total,
            self.interrupted,
        )
    }
}

/// Scrapes every pod of `live`, then, with a window, waits `between` and scrapes again the pods
/// that answered the first time (a pod without a baseline is reported once, not scraped again).
/// Each body goes to `fold` with the scrape it belongs to as it arrives; an `Err` from `fold`
/// (a malformed body) counts as a failure of that pod. Ctrl-C (`cancel`) during the wait ends
/// the run with an error after naming the pods that failed.
pub(crate) async fn scrape_window(
    options: &Options,
    live: &Live,
    window: Window,
    cancel: &CancellationToken,
    mut fold: impl FnMut(Pass, &PodTarget, Scraped) -> Result<(), String>,
) -> Result<WindowScrape> {
    let total = live.pods.len();
    let mut failures = Vec::new();
    let (answered, interrupted) =
        one_pass(options, live, cancel, Pass::First, &mut fold, &mut failures).await;
    let Some(between) = window
        .between
        .filter(|_| !interrupted && !answered.is_empty())
    else {
        return Ok(WindowScrape {
            failures,
            succeeded: answered.len(),
            total,
            interrupted,
            windowed: false,
        });
    };
    if options.progress {
        eprintln!(
            "waiting {} for the second scrape",
            humantime::format_duration(between)
        );
    }
    tokio::select! {
        () = tokio::time::sleep(between) => {}
        () = cancel.cancelled() => {
            let nothing = WindowScrape { failures, total, ..WindowScrape::default() };
            nothing.report();
            return Err(Error::Failed("interrupted before the second scrape; nothing to show".into()));
        }
    }
    let again = Live {
        pods: answered,
        ..live.clone()
    };
    let (answered, interrupted) = one_pass(
        options,
        &again,
        cancel,
        Pass::Second,
        &mut fold,
        &mut failures,
    )
    .await;
    Ok(WindowScrape {
        failures,
        succeeded: answered.len(),
        total,
        interrupted,
        windowed: true,
    })
}

/// One scrape of `live`: the pods whose body `fold` took, sorted by (namespace, pod), and whether
/// Ctrl-C cut it short. Failures are added to `failures`, sorted.
async fn one_pass(
    options: &Options,
    live: &Live,
    cancel: &CancellationToken,
    pass: Pass,
    fold: &mut impl FnMut(Pass, &PodTarget, Scraped) -> Result<(), String>,
    failures: &mut Vec<(PodTarget, String)>,
) -> (Vec<PodTarget>, bool) {
    let mut answered = Vec::new();
    let mut failed = Vec::new();
    let summary = scrape_each(options, live, cancel, |outcome| {
        let folded = outcome
            .result
            .map_err(|e| e.to_string())
            .and_then(|scraped| fold(pass, &outcome.target, scraped));
        match folded {
            Ok(()) => answered.push(outcome.target),
            Err(message) => failed.push((outcome.target, message)),
        }
    })
    .await;
    let by_pod = |a: &PodTarget, b: &PodTarget| (&a.namespace, &a.pod).cmp(&(&b.namespace, &b.pod));
    answered.sort_by(by_pod);
    failed.sort_by(|(a, _), (b, _)| by_pod(a, b));
    failures.extend(failed);
    (answered, summary.interrupted)
}
