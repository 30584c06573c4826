//! `export --remote-write URL --every DUR`: collect and push a round every interval until Ctrl-C.
//! The first Ctrl-C lets the round in flight finish, the second abandons it; the report says
//! which happened and what was sent.

use std::future::Future;
use std::time::Duration;

use super::{PushFailure, PushReport, RemoteWriter};
use crate::export::interrupt::Interrupt;
use crate::export::{ExportError, Metadata, Series};

/// One round's samples, as the source collected them: any owning iterator of [`Series`] (a
/// `Vec`, or one that walks a scraped snapshot and builds each series as it goes).
#[derive(Debug, Clone, Default)]
pub struct Collected<S = Vec<Series>> {
    /// The samples, with target labels.
    pub series: S,
    /// Type and help of their families.
    pub metadata: Vec<Metadata>,
}

/// How a repeated export ended without error: always by an interrupt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EveryReport {
    /// Rounds completed.
    pub rounds: usize,
    /// What the receiver accepted over all rounds.
    pub totals: PushReport,
    /// Whether the interrupt came while a round was in flight (which was then finished), as
    /// opposed to between rounds.
    pub finished_in_flight: bool,
}

impl EveryReport {
    /// `interrupted: finished the batch in flight; sent N samples in M requests to URL over R
    /// rounds`.
    pub fn summary(&self, url: &str) -> String {
        let how = if self.finished_in_flight {
            "interrupted: finished the batch in flight"
        } else {
            "interrupted between batches"
        };
        format!(
            "{how}; {} over {} rounds",
            self.totals.summary(url),
            self.rounds
        )
    }
}

/// A repeated export that stopped on an error (a failed batch, a failed collection, or a second
/// interrupt abandoning the batch in flight).
#[derive(Debug)]
pub struct EveryFailure {
    /// Rounds completed before the failing one.
    pub rounds: usize,
    /// What the receiver accepted before the failure, the failing round's accepted part included.
    pub totals: PushReport,
    /// The failing round's failure.
    pub failure: PushFailure,
}

impl std::fmt::Display for EveryFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "round {}: {}; {} samples accepted in all",
            self.rounds + 1,
            self.failure,
            self.totals.samples
        )
    }
}

impl std::error::Error for EveryFailure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.failure)
    }
}

/// Runs `collect` then [`RemoteWriter::push`] every `every` (measured from each round's start)
/// until an interrupt. `on_round` is told each completed round's number (1-based) and report.
pub async fn run_every<F, Fut, S>(
    writer: &RemoteWriter,
    every: Duration,
    interrupt: &Interrupt,
    mut collect: F,
    mut on_round: impl FnMut(usize, &PushReport),
) -> Result<EveryReport, EveryFailure>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Collected<S>, String>>,
    S: IntoIterator<Item = Series>,
{
    let mut totals = PushReport::default();
    let mut rounds = 0;
    let start = tokio::time::Instant::now();
    loop {
        let failure =
            |totals: PushReport, rounds: usize, unsent: usize, error: ExportError| EveryFailure {
                rounds,
                totals,
                failure: PushFailure {
                    accepted: PushReport::default(),
                    unsent,
                    error,
                },
            };
        let collected = tokio::select! {
            collected = collect() => collected,
            () = interrupt.abandon() => return Err(failure(totals, rounds, 0, ExportError::Abandoned)),
        };
        let collected =
            collected.map_err(|err| failure(totals, rounds, 0, ExportError::Source(err)))?;
        let pushed = writer
            .push(collected.series, &collected.metadata, interrupt)
            .await;
        // Read before `on_round` runs, so an interrupt it causes counts as between rounds.
        let stopped_in_flight = interrupt.stop_requested();
        match pushed {
            Ok(report) => {
                totals.add(&report);
                rounds += 1;
                on_round(rounds, &report);
            }
            Err(failure) => {
                totals.add(&failure.accepted);
                return Err(EveryFailure {
                    rounds,
                    totals,
                    failure,
                });
            }
        }
        if stopped_in_flight {
            return Ok(EveryReport {
                rounds,
                totals,
                finished_in_flight: true,
            });
        }
        let next = start + every.saturating_mul(u32::try_from(rounds).unwrap_or(u32::MAX));
        tokio::select! {
            () = tokio::time::sleep_until(next) => {}
            () = interrupt.stop() => return Ok(EveryReport { rounds, totals, finished_in_flight: false }),
        }
    }
}
