//! Pure metrics logic: parse, model, filter, aggregate, quantile, diff, obfuscate. No I/O.
//!
//! - [`parse`]: zero-copy parser for Prometheus text 0.0.4 / OpenMetrics 1.0 (strict or
//!   lenient) and a line stream for reducers.
//! - [`model`]: owned families and samples, [`model::Target`] (one proxy's scrape with its target
//!   labels and time) and [`model::Snapshot`] (many targets); conversions from parsed bodies,
//!   merged expositions and `linkerd diagnostics proxy-metrics` output.
//! - [`held`]: scraped bodies held compressed until every proxy is in (printing commands).
//! - [`write`]: merged Prometheus text / OpenMetrics writers (`-o prom`, `-o openmetrics`,
//!   snapshots).
//! - [`filter`]: `-m` name patterns and `--match` PromQL selectors.
//! - [`obfuscate`]: `--obfuscate` on raw bodies and snapshots.
//! - [`aggregate`]: `sum by` across targets.
//! - [`quantile`]: Prometheus' `histogram_quantile`.
//! - [`stat`]: the `linkerd viz stat` numbers from a streaming reducer.
//! - [`diff`]: snapshot diffs.
//! - [`check`]: `check`'s data-plane health findings.
//! - [`edges`]: `edges`'s who-talks-to-whom rows.
//! - [`authz`]: `authz`'s allowed and denied rates per server, route and authorization.
//! - [`routes`]: the route view of §4b (`routes`).
//!
//! The vocabulary they share lives here: [`MetricType`], which the parser reads and the model
//! keeps, so neither imports the other for it.

pub mod aggregate;
pub mod authz;
pub mod check;
pub mod diff;
pub mod edges;
pub mod filter;
pub mod held;
pub mod model;
pub mod obfuscate;
pub mod parse;
pub mod quantile;
pub mod routes;
pub mod stat;
pub mod write;

use serde::Serialize;

/// The hasher of series identities where a scrape is matched to an earlier one by hash
/// (`stat`'s and `edges`' baselines): fixed, so both scrapes of a run agree.
pub(crate) const SERIES_HASHER: foldhash::quality::FixedState =
    foldhash::quality::FixedState::with_seed(0);

/// From this size on, a body's work is split between two threads when there are two cores
/// ([`join`]); below it, a thread costs more than it saves.
pub(crate) const PARALLEL_MIN_BYTES: usize = 1 << 20;

/// Whether this process may run on more than one core, so that splitting a large body's work
/// between two threads can pay off.
pub(crate) fn more_than_one_core() -> bool {
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, usize::from)) > 1
}

/// `(a(), b())`, with `b` on a second thread when there is more than one core and a thread can be
/// started; otherwise one after the other, `b` first, so that `a` may wait for what `b` sends.
pub(crate) fn join<A: Send, B: Send>(
    a: impl FnOnce() -> A + Send,
    b: impl FnOnce() -> B + Send,
) -> (A, B) {
    join_on(more_than_one_core(), a, b)
}

/// [`join`], told whether to try a second thread.
fn join_on<A: Send, B: Send>(
    second_thread: bool,
    a: impl FnOnce() -> A + Send,
    b: impl FnOnce() -> B + Send,
) -> (A, B) {
    if !second_thread {
        let b = b();
        return (a(), b);
    }
    // Held so that `b` is still here to run if its thread cannot be started.
    let b = std::sync::Mutex::new(Some(b));
    let run_b = || {
        let b = b
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
            .expect("`b` runs once");
        b()
    };
    std::thread::scope(
        |scope| match std::thread::Builder::new().spawn_scoped(scope, run_b) {
            Ok(handle) => {
                let a = a();
                let b = handle
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                (a, b)
            }
            Err(_) => {
                let b = run_b();
                (a(), b)
            }
        },
    )
}

/// A metric family type, as declared by `# TYPE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MetricType {
    /// `counter`.
    Counter,
    /// `gauge`.
    Gauge,
    /// `histogram`.
    Histogram,
    /// `gaugehistogram` (OpenMetrics).
    GaugeHistogram,
    /// `summary`.
    Summary,
    /// `info` (OpenMetrics).
    Info,
    /// `stateset` (OpenMetrics).
    StateSet,
    /// `untyped` (text 0.0.4) or `unknown` (OpenMetrics), or no TYPE line.
    Untyped,
}

impl MetricType {
    /// Read the word after `# TYPE name`.
    pub fn from_exposition(word: &str) -> Option<Self> {
        Some(match word {
            "counter" => MetricType::Counter,
            "gauge" => MetricType::Gauge,
            "histogram" => MetricType::Histogram,
            "gaugehistogram" => MetricType::GaugeHistogram,
            "summary" => MetricType::Summary,
            "info" => MetricType::Info,
            "stateset" => MetricType::StateSet,
            "untyped" | "unknown" => MetricType::Untyped,
            _ => return None,
        })
    }

    /// The OpenMetrics spelling (`unknown` for untyped).
    pub fn openmetrics_name(self) -> &'static str {
        match self {
            MetricType::Counter => "counter",
            MetricType::Gauge => "gauge",
            MetricType::Histogram => "histogram",
            MetricType::GaugeHistogram => "gaugehistogram",
            MetricType::Summary => "summary",
            MetricType::Info => "info",
            MetricType::StateSet => "stateset",
            MetricType::Untyped => "unknown",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{join, join_on};

    #[test]
    fn join_gives_both_results_in_order_and_passes_on_a_panic_of_either() {
        assert_eq!(join(|| 1, || 2), (1, 2));
        let first = std::panic::catch_unwind(|| join(|| -> u8 { panic!("first") }, || 2));
        assert!(first.is_err());
        let second = std::panic::catch_unwind(|| join(|| 1, || -> u8 { panic!("second") }));
        assert!(second.is_err());
    }

    #[test]
    fn on_one_thread_b_runs_first_so_a_can_take_what_b_sent() {
        let (sent, received) = std::sync::mpsc::channel();
        // `a` takes what is there without waiting: all of it only if `b` ran before.
        let (all, ()) = join_on(
            false,
            move || received.try_iter().collect::<Vec<u8>>(),
            move || (0..3).for_each(|i| sent.send(i).unwrap()),
        );
        assert_eq!(all, [0, 1, 2]);
    }
}
