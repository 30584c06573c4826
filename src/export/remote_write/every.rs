//! `export --remote-write URL --every DUR`: collect and push a round every interval until Ctrl-C,
//! riding out receiver outages: a request the receiver cannot take (unreachable, 5xx, 429) is
//! queued in a bounded [`Buffer`] with every request after it, and the queue is resent in order
//! once the receiver answers again, while rounds keep being collected. The first Ctrl-C lets the
//! round in flight finish (and tries the queue once more), the second abandons it; the report
//! accounts for every sample: sent, sent from the buffer, lost to a full buffer, left queued.

use std::future::Future;
use std::path::PathBuf;
use std::time::Duration;

use tokio::time::Instant;

use super::buffer::{Buffer, DEFAULT_BUFFER_BYTES, Dropped};
use super::{Encoded, PushFailure, PushReport, RemoteWriter, retry};
use crate::export::{ExportError, Metadata, Series};
use crate::interrupt::Interrupt;

/// One round's samples, as the source collected them: any owning iterator of [`Series`] (a
/// `Vec`, or one that walks a scraped snapshot and builds each series as it goes).
#[derive(Debug, Clone, Default)]
pub struct Collected<S = Vec<Series>> {
    /// The samples, with target labels.
    pub series: S,
    /// Type and help of their families.
    pub metadata: Vec<Metadata>,
}

/// What happened to the samples that were not simply sent as scraped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Buffered {
    /// Samples that waited in the buffer during an outage and were then accepted (part of the
    /// totals).
    pub resent: usize,
    /// Samples dropped, oldest first, because the buffer was full.
    pub dropped: usize,
    /// Samples still queued at the end.
    pub left: usize,
    /// Where the samples left are kept for the next run (`--buffer-dir`); `None` when they were
    /// in memory, and so are lost.
    pub kept_in: Option<PathBuf>,
    /// Rounds for which nothing could be collected (each was retried the next interval).
    pub skipped: usize,
}

impl Buffered {
    /// Samples lost for good: dropped from a full buffer, or left in memory at the end.
    pub fn lost(&self) -> usize {
        self.dropped + if self.kept_in.is_none() { self.left } else { 0 }
    }

    /// The clauses added to a summary line: empty when every sample went out as scraped.
    fn notes(&self) -> String {
        let mut notes = String::new();
        if self.resent > 0 {
            notes.push_str(&format!(
                " ({} queued during an outage and sent later)",
                self.resent
            ));
        }
        if self.dropped > 0 {
            notes.push_str(&format!(
                "; {} samples lost: dropped from the full buffer",
                self.dropped
            ));
        }
        if self.left > 0 {
            match &self.kept_in {
                Some(dir) => notes.push_str(&format!(
                    "; {} samples not sent yet, kept in {} for the next run",
                    self.left,
                    dir.display()
                )),
                None => notes.push_str(&format!(
                    "; {} samples lost: still queued at exit",
                    self.left
                )),
            }
        }
        if self.skipped > 0 {
            notes.push_str(&format!(
                "; {} {} skipped (nothing could be collected)",
                self.skipped,
                if self.skipped == 1 { "round" } else { "rounds" }
            ));
        }
        notes
    }
}

/// How a repeated export ended without error: always by an interrupt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EveryReport {
    /// Rounds collected and handed over (sent, or queued).
    pub rounds: usize,
    /// What the receiver accepted over all rounds, from the buffer included.
    pub totals: PushReport,
    /// Whether the interrupt came while a round was in flight (which was then finished), as
    /// opposed to between rounds.
    pub finished_in_flight: bool,
    /// What went through the buffer, was lost, or is left.
    pub buffered: Buffered,
}

impl EveryReport {
    /// `interrupted: finished the batch in flight; sent N samples in M requests to URL over R
    /// rounds`, followed by what went through the buffer, was lost or is left, if anything.
    pub fn summary(&self, url: &str) -> String {
        let how = if self.finished_in_flight {
            "interrupted: finished the batch in flight"
        } else {
            "interrupted between batches"
        };
        format!(
            "{how}; {} over {} rounds{}",
            self.totals.summary(url),
            self.rounds,
            self.buffered.notes()
        )
    }
}

/// A repeated export that stopped on an error (a batch the receiver refused, a series that
/// cannot be sent, a buffer that cannot be written, or a second interrupt abandoning the batch
/// in flight).
#[derive(Debug)]
pub struct EveryFailure {
    /// Rounds handed over before the failing one.
    pub rounds: usize,
    /// What the receiver accepted before the failure, the failing round's accepted part included.
    pub totals: PushReport,
    /// The failing round's failure; its `unsent` counts the queued samples too.
    pub failure: PushFailure,
    /// What went through the buffer before the failure, was lost, or is left.
    pub buffered: Buffered,
}

impl std::fmt::Display for EveryFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "round {}: {}; {} samples accepted in all",
            self.rounds + 1,
            self.failure,
            self.totals.samples
        )?;
        let buffered = Buffered {
            // The samples left are already counted as not sent.
            left: if self.buffered.kept_in.is_some() {
                self.buffered.left
            } else {
                0
            },
            ..self.buffered.clone()
        };
        f.write_str(&buffered.notes())
    }
}

impl std::error::Error for EveryFailure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.failure)
    }
}

/// What [`run_every_buffered`] tells its caller as it goes.
#[derive(Debug)]
pub enum Event<'a> {
    /// Round `round` went out as scraped.
    Sent {
        /// The round's number, 1-based.
        round: usize,
        /// What the receiver accepted.
        report: &'a PushReport,
    },
    /// The receiver could not take a request of round `round`: it, and every request after it,
    /// is queued until the receiver answers again. Told once per outage.
    Unavailable {
        /// The round's number.
        round: usize,
        /// Why, after the retries that fitted before the next round.
        error: &'a ExportError,
    },
    /// Round `round` (or the rest of it) was queued.
    Queued {
        /// The round's number.
        round: usize,
        /// What of the round was accepted before the rest was queued.
        sent: &'a PushReport,
        /// Samples of the round queued.
        samples: usize,
        /// The buffer after queuing them.
        buffer: &'a Buffer,
    },
    /// The buffer was full: its oldest requests were dropped to make room.
    Dropped {
        /// The round being queued.
        round: usize,
        /// What was dropped.
        dropped: Dropped,
        /// The bound, in bytes.
        limit: u64,
    },
    /// The receiver answers again and the buffer is empty.
    Recovered {
        /// The round after which it emptied.
        round: usize,
        /// Queued samples sent since the outage began.
        samples: usize,
        /// In how many requests.
        requests: usize,
    },
    /// Nothing could be collected for round `round`; the next interval tries again.
    Skipped {
        /// The round's number.
        round: usize,
        /// Why.
        error: &'a str,
    },
}

/// Runs `collect` then pushes every `every` (measured from each round's start) until an
/// interrupt, with an in-memory buffer of 64 MiB. `on_round` is told each round sent as
/// scraped, with its number (1-based) and report.
pub async fn run_every<F, Fut, S>(
    writer: &RemoteWriter,
    every: Duration,
    interrupt: &Interrupt,
    collect: F,
    mut on_round: impl FnMut(usize, &PushReport),
) -> Result<EveryReport, EveryFailure>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Collected<S>, String>>,
    S: IntoIterator<Item = Series>,
{
    let buffer = Buffer::memory(DEFAULT_BUFFER_BYTES);
    run_every_buffered(writer, every, buffer, interrupt, collect, |event| {
        if let Event::Sent { round, report } = event {
            on_round(round, report);
        }
    })
    .await
}

/// Where a run stands: counts, the buffer, and whether the receiver is failing.
struct Run {
    rounds: usize,
    totals: PushReport,
    buffer: Buffer,
    buffered: Buffered,
    /// Whether the receiver failed and has not taken the whole queue since.
    outage: bool,
    /// Queued samples and requests sent since the outage began.
    recovered: PushReport,
}

impl Run {
    /// Queues `batch` last, telling what had to be dropped for it.
    fn queue(
        &mut self,
        round: usize,
        batch: Encoded,
        on_event: &mut impl FnMut(Event<'_>),
    ) -> Result<(), ExportError> {
        let dropped = self.buffer.push(batch.body, batch.samples)?;
        if dropped.samples > 0 || dropped.requests > 0 {
            self.buffered.dropped += dropped.samples;
            on_event(Event::Dropped {
                round,
                dropped,
                limit: self.buffer.limit(),
            });
        }
        Ok(())
    }

    /// Sends the queue, oldest first, until it is empty (then tells that the receiver is back)
    /// or a request fails in a way that may pass; a final failure is returned. Retries stop at
    /// `deadline`.
    async fn drain(
        &mut self,
        writer: &RemoteWriter,
        interrupt: &Interrupt,
        round: usize,
        deadline: Instant,
        on_event: &mut impl FnMut(Event<'_>),
    ) -> Result<(), ExportError> {
        while let Some((body, samples)) = self.buffer.front()? {
            match writer
                .send_with_retries(body, interrupt, Some(deadline))
                .await
            {
                Ok(retries) => {
                    self.buffer.remove_front()?;
                    for report in [&mut self.totals, &mut self.recovered] {
                        report.samples += samples;
                        report.requests += 1;
                        report.retries += retries;
                    }
                    self.buffered.resent += samples;
                }
                Err(error) if retry::may_succeed_later(&error) => return Ok(()),
                Err(error) => return Err(error),
            }
        }
        if self.outage {
            self.outage = false;
            on_event(Event::Recovered {
                round,
                samples: self.recovered.samples,
                requests: self.recovered.requests,
            });
        }
        Ok(())
    }

    /// The error report: `accepted` of the failing round, `unsent` of it (queued ones added).
    fn fail(mut self, accepted: PushReport, unsent: usize, error: ExportError) -> EveryFailure {
        self.buffered.left = self.buffer.samples();
        self.buffered.kept_in = self.buffer.dir().map(PathBuf::from);
        let queued_in_memory = if self.buffered.kept_in.is_none() {
            self.buffered.left
        } else {
            0
        };
        self.totals.add(&accepted);
        EveryFailure {
            rounds: self.rounds,
            totals: self.totals,
            failure: PushFailure {
                accepted,
                unsent: unsent + queued_in_memory,
                error,
            },
            buffered: self.buffered,
        }
    }

    fn finish(mut self, finished_in_flight: bool) -> EveryReport {
        self.buffered.left = self.buffer.samples();
        self.buffered.kept_in = self.buffer.dir().map(PathBuf::from);
        EveryReport {
            rounds: self.rounds,
            totals: self.totals,
            finished_in_flight,
            buffered: self.buffered,
        }
    }
}

/// [`run_every`] with the given buffer, telling `on_event` what happens: rounds sent, queued or
/// skipped, outages, overflows and recoveries. A request is retried (with the writer's backoff)
/// until the next round is due; then it is queued, and so is everything after it, until the
/// receiver takes the queue, oldest first. Rounds whose collection fails are skipped. A batch the
/// receiver refuses for good (a 4xx other than 429) ends the run with an error.
pub async fn run_every_buffered<F, Fut, S>(
    writer: &RemoteWriter,
    every: Duration,
    buffer: Buffer,
    interrupt: &Interrupt,
    mut collect: F,
    mut on_event: impl FnMut(Event<'_>),
) -> Result<EveryReport, EveryFailure>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Collected<S>, String>>,
    S: IntoIterator<Item = Series>,
{
    let mut run = Run {
        rounds: 0,
        totals: PushReport::default(),
        buffer,
        buffered: Buffered::default(),
        outage: false,
        recovered: PushReport::default(),
    };
    let start = Instant::now();
    let mut round = 0;
    loop {
        round += 1;
        let next = next_tick(start, every, Instant::now());
        let collected = tokio::select! {
            collected = collect() => collected,
            () = interrupt.abandon() => return Err(run.fail(PushReport::default(), 0, ExportError::Abandoned)),
        };
        let mut failed_now = false;
        let mut stopped_in_flight = interrupt.stop_requested();
        match collected {
            Err(error) => {
                run.buffered.skipped += 1;
                on_event(Event::Skipped {
                    round,
                    error: &error,
                });
            }
            Ok(collected) => {
                let mut batches = writer.batches(collected.series, &collected.metadata);
                let mut sent = PushReport::default();
                let mut queued = 0;
                while let Some(batch) = batches.next_batch() {
                    let batch = match batch {
                        Ok(batch) => batch,
                        Err((error, in_batch)) => {
                            let unsent = in_batch + batches.rest();
                            return Err(run.fail(sent, unsent, error));
                        }
                    };
                    if run.buffer.is_empty() && !failed_now {
                        match writer
                            .send_with_retries(batch.body.clone(), interrupt, Some(next))
                            .await
                        {
                            Ok(retries) => {
                                sent.samples += batch.samples;
                                sent.requests += 1;
                                sent.retries += retries;
                                continue;
                            }
                            Err(error) if retry::may_succeed_later(&error) => {
                                failed_now = true;
                                if !run.outage {
                                    run.outage = true;
                                    run.recovered = PushReport::default();
                                    on_event(Event::Unavailable {
                                        round,
                                        error: &error,
                                    });
                                }
                            }
                            Err(error) => {
                                let unsent = batch.samples + batches.rest();
                                return Err(run.fail(sent, unsent, error));
                            }
                        }
                    }
                    queued += batch.samples;
                    let samples = batch.samples;
                    if let Err(error) = run.queue(round, batch, &mut on_event) {
                        let unsent = samples + batches.rest();
                        return Err(run.fail(sent, unsent, error));
                    }
                }
                run.rounds += 1;
                run.totals.add(&sent);
                // Read before the event, so an interrupt it causes counts as between rounds.
                stopped_in_flight = interrupt.stop_requested();
                if queued > 0 {
                    on_event(Event::Queued {
                        round,
                        sent: &sent,
                        samples: queued,
                        buffer: &run.buffer,
                    });
                } else {
                    on_event(Event::Sent {
                        round,
                        report: &sent,
                    });
                }
            }
        }
        if !failed_now {
            // Once stopping, one attempt per request: what fails stays queued.
            let deadline = if stopped_in_flight {
                Instant::now()
            } else {
                next
            };
            if let Err(error) = run
                .drain(writer, interrupt, round, deadline, &mut on_event)
                .await
            {
                return Err(run.fail(PushReport::default(), 0, error));
            }
        }
        if stopped_in_flight {
            return Ok(run.finish(true));
        }
        tokio::select! {
            () = tokio::time::sleep_until(next) => {}
            () = interrupt.stop() => {
                if let Err(error) = run.drain(writer, interrupt, round, Instant::now(), &mut on_event).await {
                    return Err(run.fail(PushReport::default(), 0, error));
                }
                return Ok(run.finish(false));
            }
        }
    }
}

/// When the round after one starting at `now` is due: the next multiple of `every` after
/// `start`, skipping those already past.
fn next_tick(start: Instant, every: Duration, now: Instant) -> Instant {
    let elapsed = now.saturating_duration_since(start).as_nanos();
    let period = every.as_nanos().max(1);
    let ticks = u32::try_from(elapsed / period + 1).unwrap_or(u32::MAX);
    start + every.saturating_mul(ticks)
}
