//! [`scrape_window`]: the two scrapes `--window` apart that rates are computed over (`stat`,
//! `edges`, `authz`, `routes`), or one scrape since proxy start, each body handed to the caller
//! as it arrives so it can reduce and drop it.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::{Live, Options, report_failures, scrape_each_read};
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
/// Each body goes to `read` as it arrives, on the task that fetched it (so bodies are decoded
/// and reduced on every core while the fetches go on), and what it made of the body to `fold`
/// with the scrape it belongs to, one pod at a time; an `Err` from either (a malformed body)
/// counts as a failure of that pod. Ctrl-C (`cancel`) during the wait ends the run with an
/// error after naming the pods that failed.
pub(crate) async fn scrape_window<R: Send + 'static>(
    options: &Options,
    live: &Live,
    window: Window,
    cancel: &CancellationToken,
    read: impl Fn(&PodTarget, Scraped) -> Result<R, String> + Send + Sync + 'static,
    fold: impl FnMut(Pass, &PodTarget, R) -> Result<(), String>,
) -> Result<WindowScrape> {
    scrape_window_by_pass(
        options,
        live,
        SecondScrape::Again(window),
        cancel,
        move |_, pod, scraped| read(pod, scraped),
        fold,
    )
    .await
}

/// What [`scrape_window_by_pass`] scrapes second.
pub(crate) enum SecondScrape<'l> {
    /// The pods that answered the first scrape, `Window::between` later (no window: nothing).
    Again(Window),
    /// Other pods, right after the first scrape.
    Other(&'l Live),
}

/// [`scrape_window`], with `read` told which scrape each body comes from, and the second scrape
/// taking the pods `second` says. With [`SecondScrape::Other`], what the report counts is the
/// pods of both scrapes.
pub(crate) async fn scrape_window_by_pass<R: Send + 'static>(
    options: &Options,
    live: &Live,
    second: SecondScrape<'_>,
    cancel: &CancellationToken,
    read: impl Fn(Pass, &PodTarget, Scraped) -> Result<R, String> + Send + Sync + 'static,
    mut fold: impl FnMut(Pass, &PodTarget, R) -> Result<(), String>,
) -> Result<WindowScrape> {
    let mut total = live.pods.len();
    let mut failures = Vec::new();
    let read = Arc::new(read);
    let (answered, interrupted) = one_pass(
        options,
        live,
        cancel,
        Pass::First,
        &read,
        &mut fold,
        &mut failures,
    )
    .await;
    let not_windowed = |failures, answered: Vec<PodTarget>| WindowScrape {
        failures,
        succeeded: answered.len(),
        total,
        interrupted,
        windowed: false,
    };
    if interrupted || answered.is_empty() {
        return Ok(not_windowed(failures, answered));
    }
    let mut succeeded = 0;
    let again = match second {
        SecondScrape::Again(Window { between: None }) => {
            return Ok(not_windowed(failures, answered));
        }
        SecondScrape::Again(Window {
            between: Some(between),
        }) => {
            if !wait_for_second(options.progress, between, "scrape", cancel).await {
                let nothing = WindowScrape {
                    failures,
                    total,
                    ..WindowScrape::default()
                };
                nothing.report();
                return Err(Error::Failed(
                    "interrupted before the second scrape; nothing to show".into(),
                ));
            }
            Live {
                pods: answered,
                ..live.clone()
            }
        }
        SecondScrape::Other(other) => {
            total += other.pods.len();
            succeeded = answered.len();
            other.clone()
        }
    };
    let (answered, interrupted) = one_pass(
        options,
        &again,
        cancel,
        Pass::Second,
        &read,
        &mut fold,
        &mut failures,
    )
    .await;
    Ok(WindowScrape {
        failures,
        succeeded: succeeded + answered.len(),
        total,
        interrupted,
        windowed: true,
    })
}

/// Waits `between` before the second scrape (or `read`, as `what` names it), saying so on stderr
/// when `progress`; `false` when Ctrl-C (`cancel`) came first.
pub(crate) async fn wait_for_second(
    progress: bool,
    between: Duration,
    what: &str,
    cancel: &CancellationToken,
) -> bool {
    if progress {
        eprintln!(
            "waiting {} for the second {what}",
            humantime::format_duration(between)
        );
    }
    tokio::select! {
        () = tokio::time::sleep(between) => true,
        () = cancel.cancelled() => false,
    }
}

/// One scrape of `live`: the pods whose body `fold` took, sorted by (namespace, pod), and whether
/// Ctrl-C cut it short. Failures are added to `failures`, sorted.
async fn one_pass<R: Send + 'static>(
    options: &Options,
    live: &Live,
    cancel: &CancellationToken,
    pass: Pass,
    read: &Arc<impl Fn(Pass, &PodTarget, Scraped) -> Result<R, String> + Send + Sync + 'static>,
    fold: &mut impl FnMut(Pass, &PodTarget, R) -> Result<(), String>,
    failures: &mut Vec<(PodTarget, String)>,
) -> (Vec<PodTarget>, bool) {
    let mut answered = Vec::new();
    let mut failed = Vec::new();
    let read = read.clone();
    let read = Arc::new(move |pod: &PodTarget, scraped| read(pass, pod, scraped));
    let summary = scrape_each_read(options, live, cancel, read, |outcome| {
        let folded = outcome
            .result
            .map_err(|e| e.to_string())
            .and_then(|read| read)
            .and_then(|read| fold(pass, &outcome.target, read));
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

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use linkerd_export_sim::{Fault, Sim, SimConfig, SimHandle};

    use super::*;
    use crate::cluster::ClusterOptions;
    use crate::forward::FetchOptions;
    use crate::metrics::stat::StatState;
    use crate::resolve::TargetLabelSet;

    /// A simulated mesh with `faults`, options reaching it, and its emojivoto pods resolved.
    async fn mesh(faults: &[&str]) -> (SimHandle, tempfile::TempDir, Options, Live) {
        let sim = Sim::start(SimConfig {
            faults: faults.iter().map(|f| f.parse::<Fault>().unwrap()).collect(),
            ..SimConfig::default()
        })
        .await
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let kubeconfig = dir.path().join("kubeconfig");
        sim.write_kubeconfig(&kubeconfig).unwrap();
        let options = Options {
            cluster: ClusterOptions {
                kubeconfig: Some(kubeconfig),
                ..ClusterOptions::default()
            },
            namespace: Some("emojivoto".into()),
            all_namespaces: false,
            selector: None,
            fetch: FetchOptions::default(),
            concurrency: 4,
            progress: false,
            target_labels: TargetLabelSet::Full,
            quiet: true,
        };
        let live = crate::source::resolve(&options, &[]).await.unwrap();
        (sim, dir, options, live)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_second_scrape_takes_the_pods_that_answered_the_first() {
        let (_sim, _dir, options, live) = mesh(&["refuse:web-*"]).await;
        let mut passes: Vec<(Pass, String)> = Vec::new();
        let window = Window {
            between: Some(Duration::from_millis(1)),
        };
        let scraped = scrape_window(
            &options,
            &live,
            window,
            &CancellationToken::new(),
            |_, _| Ok(()),
            |pass, pod, ()| {
                passes.push((pass, pod.pod.clone()));
                Ok(())
            },
        )
        .await
        .unwrap();
        assert!(scraped.windowed);
        assert_eq!(scraped.total, live.pods.len());
        assert_eq!(scraped.succeeded, live.pods.len() - 1);
        assert_eq!(scraped.failures.len(), 1, "{:?}", scraped.failures);
        assert!(scraped.failures[0].0.pod.starts_with("web-"));
        let pods = |which: Pass| {
            let mut pods: Vec<&str> = passes
                .iter()
                .filter(|(pass, _)| *pass == which)
                .map(|(_, pod)| pod.as_str())
                .collect();
            pods.sort_unstable();
            pods
        };
        assert_eq!(pods(Pass::First), pods(Pass::Second));
        assert_eq!(pods(Pass::First).len(), live.pods.len() - 1);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn ctrl_c_during_the_wait_ends_the_run_without_a_second_scrape() {
        let (_sim, _dir, options, live) = mesh(&[]).await;
        let cancel = CancellationToken::new();
        let (bodies, second) = (AtomicUsize::new(0), AtomicUsize::new(0));
        let window = Window {
            between: Some(Duration::from_secs(3600)),
        };
        // Ctrl-C as the last body of the first scrape is in: the wait is what it cuts short.
        let read = |_: &PodTarget, _| Ok(());
        let run = scrape_window(&options, &live, window, &cancel, read, |pass, _, ()| {
            if pass == Pass::Second {
                second.fetch_add(1, Ordering::Relaxed);
            }
            if bodies.fetch_add(1, Ordering::Relaxed) + 1 == live.pods.len() {
                cancel.cancel();
            }
            Ok(())
        });
        let ended = tokio::time::timeout(Duration::from_secs(60), run)
            .await
            .expect("the wait is cut short");
        let error = ended.expect_err("an error, nothing to show").to_string();
        assert!(
            error.contains("interrupted before the second scrape"),
            "{error}"
        );
        assert_eq!(second.load(Ordering::Relaxed), 0);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn rounds_of_top_keep_each_series_as_a_baseline_and_rows_as_increases() {
        // `top` compares each round with the one before, series by series (a counter that went
        // down counts from zero), as each proxy comes in: what a round keeps is a baseline of
        // every series for the next round (~4 bytes each) and its increases per row.
        let (_sim, _dir, options, live) = mesh(&[]).await;
        let cancel = CancellationToken::new();
        let kept = |state: &StatState| -> (usize, usize) {
            assert_eq!(state.proxies.len(), live.pods.len());
            let counters = state.proxies.iter().map(|p| p.counters_kept()).sum();
            let baselines = state.proxies.iter().map(|p| p.baseline_kept()).sum();
            (counters, baselines)
        };
        let mut previous = StatState::default();
        let first = crate::source::stat_round(&options, &live, &mut previous, &cancel)
            .await
            .unwrap()
            .after;
        let (counters, series) = kept(&first);
        assert_eq!(counters, 0, "the first round is only a baseline");
        assert!(series > 0);
        let mut previous = first;
        let second = crate::source::stat_round(&options, &live, &mut previous, &cancel)
            .await
            .unwrap()
            .after;
        assert!(
            previous.proxies.is_empty(),
            "each proxy's previous round is released once compared with"
        );
        let (increases, next) = kept(&second);
        assert!(
            increases > 0 && increases < series,
            "{increases} increases per row against {series} series"
        );
        assert!(next > 0, "the second round is the third's baseline");
    }
}
