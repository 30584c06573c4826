//! `export`: get the scraped metrics out (spec §6) — pushed to a remote-write receiver once or
//! `--every` interval, served on `/metrics` and `/federate` for a Prometheus to scrape, or written
//! to an OpenMetrics file for backfilling. The protocols live in [`crate::export`], the reading
//! in [`crate::source`]; this module wires the options to them and tells progress on stderr.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio_util::sync::CancellationToken;

use super::{Context, stream_stdout, write_stdout};
use crate::cli::ExportArgs;
use crate::error::{Error, Exit, Result};
use crate::export::remote_write::buffer::show_size;
use crate::export::remote_write::{Buffer, Collected, Event, RemoteWriter, run_every_buffered};
use crate::export::save::{self, SaveRequest};
use crate::export::serve;
use crate::export::{bridge, duplicates};
use crate::interrupt::Interrupt;
use crate::metrics::model::Snapshot;
use crate::source::{self, DEADLINE_MARGIN, Scraper, Source};

/// Runs `export`.
pub(super) async fn run(ctx: &Context, args: ExportArgs) -> Result<Exit> {
    let options = ctx.source_options();
    if let Some(path) = args.output_file {
        // The backfill file is a snapshot: same content, same atomic write.
        let request = SaveRequest {
            filter: args.filter.filter()?,
            targets: args.source.targets,
            from_file: args.source.from_file,
            live_from: args.read_from.as_ref().into(),
            obfuscation: ctx.global.obfuscation(),
            output: path,
        };
        return save::save(&options, request, |write| stream_stdout(|out| write(out))).await;
    }
    let filter = args.filter.filter()?;
    // Checked before the cluster is contacted, so a wrong flag is reported at once.
    let writer = match &args.remote_write {
        Some(url) => Some(RemoteWriter::new(args.remote_write_config(url.clone())?)?),
        None => None,
    };
    let source = match &args.source.from_file {
        Some(path) => Source::File(source::file::load_packed(path)?),
        None => {
            Source::open(
                &options,
                &args.source.targets,
                &args.read_from.as_ref().into(),
            )
            .await?
        }
    };
    let follow = args.serve.is_some() || args.every.is_some();
    let scraper = Scraper::new(options, source, filter, ctx.global.obfuscation(), follow);
    if let Some(addr) = &args.serve {
        return serve_until_interrupted(ctx, addr, scraper).await;
    }
    let writer = writer.ok_or_else(|| {
        Error::Usage("give one of --remote-write URL, --serve ADDR or -O FILE".into())
    })?;
    match args.every {
        Some(every) => {
            let buffer = match &args.buffer_dir {
                Some(dir) => Buffer::spooled(dir, args.buffer)?,
                None => Buffer::memory(args.buffer),
            };
            push_every(ctx, &writer, every, buffer, &scraper).await
        }
        None => push_once(ctx, &writer, &scraper).await,
    }
}

fn now_ms() -> i64 {
    source::epoch_ms(SystemTime::now())
}

/// Merges the duplicate series of each proxy's scrape before it is sent, with a warning: Mimir
/// and Cortex reject a batch that holds them.
fn merge_duplicates(ctx: &Context, snapshot: &mut Snapshot) {
    let dropped = duplicates::merge_duplicates(snapshot);
    if dropped > 0 {
        ctx.warn(format!(
            "{dropped} duplicate {} (same name and labels in one scrape) merged before remote write, keeping the last value",
            if dropped == 1 { "sample" } else { "samples" }
        ));
    }
}

/// `--remote-write URL`: one scrape, one push.
async fn push_once(ctx: &Context, writer: &RemoteWriter, scraper: &Scraper) -> Result<Exit> {
    // One listener: the first interrupt cuts the scrape short, or lets the push in flight
    // finish; the second abandons it.
    let interrupt = Interrupt::signals();
    let Ok((mut snapshot, exit)) = scraper.snapshot(&interrupt.cancel_token(), None).await else {
        // Each proxy that failed was named on stderr.
        return Ok(Exit::Failure);
    };
    merge_duplicates(ctx, &mut snapshot);
    let round = bridge::collected(snapshot, now_ms());
    let report = writer
        .push(round.series, &round.metadata, &interrupt)
        .await
        .map_err(|failure| Error::Failed(failure.to_string()))?;
    if !ctx.global.quiet {
        eprintln!("{}", report.summary(writer.url()));
    }
    Ok(exit)
}

/// `--remote-write URL --every DUR`: scrape and push each interval until Ctrl-C or SIGTERM,
/// queuing what the receiver cannot take in `buffer`. Exit 3 when samples were lost.
async fn push_every(
    ctx: &Context,
    writer: &RemoteWriter,
    every: Duration,
    buffer: Buffer,
    scraper: &Scraper,
) -> Result<Exit> {
    // Ctrl-C is the interrupt's to handle: the scrape of a round is never cut short by it.
    let never = CancellationToken::new();
    let collect = || async {
        let (mut snapshot, _) = scraper.snapshot(&never, None).await?;
        merge_duplicates(ctx, &mut snapshot);
        Ok::<Collected<bridge::SnapshotSeries>, String>(bridge::collected(snapshot, now_ms()))
    };
    if let Some(dir) = buffer.dir()
        && !buffer.is_empty()
    {
        ctx.warn(format!(
            "{} samples an earlier run left in {} are sent first",
            buffer.samples(),
            dir.display()
        ));
    }
    let mut progress = Progress {
        ctx,
        url: writer.url(),
        skipping: false,
    };
    let report = run_every_buffered(
        writer,
        every,
        buffer,
        &Interrupt::signals(),
        collect,
        |event| progress.tell(event),
    )
    .await
    .map_err(|failure| Error::Failed(failure.to_string()))?;
    if !ctx.global.quiet {
        eprintln!("{}", report.summary(writer.url()));
    }
    Ok(if report.buffered.lost() > 0 {
        Exit::Partial
    } else {
        Exit::Success
    })
}

/// The stderr lines of `--every`: one per round, warnings when an outage begins, when the buffer
/// overflows and when rounds cannot be collected, and a line when the receiver is back.
struct Progress<'a> {
    ctx: &'a Context,
    url: &'a str,
    /// Whether the last round could not be collected (the next failure is not told again).
    skipping: bool,
}

impl Progress<'_> {
    fn tell(&mut self, event: Event<'_>) {
        let quiet = self.ctx.global.quiet;
        if !matches!(event, Event::Skipped { .. }) && self.skipping {
            self.skipping = false;
        }
        match event {
            Event::Sent { round, report } if !quiet => {
                eprintln!("round {round}: {}", report.summary(self.url));
            }
            Event::Unavailable { round, error } => {
                self.ctx.warn(format!(
                    "round {round}: {error}; queuing rounds until the receiver answers again"
                ));
            }
            Event::Queued {
                round,
                sent,
                samples,
                buffer,
            } if !quiet => {
                let sent = if sent.samples > 0 {
                    format!("sent {}, ", sent.samples)
                } else {
                    String::new()
                };
                eprintln!(
                    "round {round}: {sent}queued {samples} samples ({} of {} buffered{})",
                    show_size(buffer.used()),
                    show_size(buffer.limit()),
                    buffer
                        .dir()
                        .map(|dir| format!(" in {}", dir.display()))
                        .unwrap_or_default()
                );
            }
            Event::Dropped {
                round,
                dropped,
                limit,
            } => {
                self.ctx.warn(format!(
                    "round {round}: the buffer is full ({}): dropped the oldest {} samples \
                     ({} requests); raise --buffer to keep more",
                    show_size(limit),
                    dropped.samples,
                    dropped.requests
                ));
            }
            Event::Recovered {
                round,
                samples,
                requests,
            } if !quiet => {
                eprintln!(
                    "round {round}: the receiver answers again: sent the {samples} queued samples \
                     in {requests} requests"
                );
            }
            Event::Skipped { round, error } => {
                if !self.skipping && !quiet {
                    eprintln!("round {round}: skipped: {error}; trying again each round");
                }
                self.skipping = true;
            }
            _ => {}
        }
    }
}

/// `--serve ADDR`: `/metrics` and `/federate`, scraping on each request, until Ctrl-C or SIGTERM.
async fn serve_until_interrupted(ctx: &Context, addr: &str, scraper: Scraper) -> Result<Exit> {
    let listener = serve::bind(addr).await?;
    if serve::binds_every_interface(addr) {
        ctx.warn(format!(
            "--serve {addr} listens on every interface, and the endpoint has no authentication: \
             anyone who reaches this host can read the mesh's metrics (a bare port binds 127.0.0.1)"
        ));
    }
    let bound = listener
        .local_addr()
        .map_err(|e| Error::Failed(format!("cannot read the address bound for {addr}: {e}")))?;
    write_stdout(format!("{bound}\n").as_bytes())?;
    if !ctx.global.quiet {
        eprintln!("serving /metrics and /federate on http://{bound} (Ctrl-C or SIGTERM stops)");
    }
    let scraper = Arc::new(scraper);
    let source = bridge::snapshot_source(move |deadline: Option<Duration>| {
        let scraper = scraper.clone();
        async move {
            let timeout = deadline.map(|d| d.saturating_sub(DEADLINE_MARGIN).max(DEADLINE_MARGIN));
            let (snapshot, _) = scraper.snapshot(&CancellationToken::new(), timeout).await?;
            Ok(snapshot)
        }
    });
    let interrupt = Interrupt::signals();
    serve::serve(listener, Arc::new(source), async move {
        interrupt.stop().await;
    })
    .await;
    Ok(Exit::Success)
}
