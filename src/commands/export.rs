//! `export`: get the scraped metrics out (spec §6) — pushed to a remote-write receiver once or
//! `--every` interval, served on `/metrics` and `/federate` for a Prometheus to scrape, or written
//! to an OpenMetrics file for backfilling. The protocols live in [`crate::export`]; this module
//! scrapes, filters and hands over.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use tokio_util::sync::CancellationToken;

use super::federation::LiveSource;
use super::source;
use super::{Context, snapshot, write_stdout};
use crate::cli::{ExportArgs, SnapshotArgs};
use crate::error::{Error, Exit, Result};
use crate::export::http::HttpOptions;
use crate::export::interrupt::Interrupt;
use crate::export::remote_write::buffer::show_size;
use crate::export::remote_write::{
    Auth, Buffer, Collected, Event, RemoteWriteConfig, RemoteWriter, parse_header,
    run_every_buffered,
};
use crate::export::serve;
use crate::export::{bridge, duplicates};
use crate::metrics::model::Snapshot;
use crate::metrics::obfuscate::{self, Obfuscation};
use crate::metrics::select::Filter;
use crate::resolve::TargetError;

/// Time kept back from a scraper's deadline for rendering and sending the answer; also the least
/// per-proxy deadline when the scraper's is shorter than that.
const SERVE_MARGIN: Duration = Duration::from_millis(100);

/// Runs `export`.
pub async fn run(ctx: &Context, args: ExportArgs) -> Result<Exit> {
    if let Some(path) = args.output_file {
        // The backfill file is a snapshot: same content, same atomic write.
        return snapshot::run(
            ctx,
            SnapshotArgs {
                source: args.source,
                filter: args.filter,
                output_file: path,
                read_from: args.read_from,
            },
        )
        .await;
    }
    let filter = Filter::new(&args.filter.metric, &args.filter.matches)
        .map_err(|e| Error::Usage(e.to_string()))?;
    // Checked before the cluster is contacted, so a wrong flag is reported at once.
    let writer = match &args.remote_write {
        Some(url) => Some(RemoteWriter::new(remote_write_config(&args, url.clone())?)?),
        None => None,
    };
    let scraper = Scraper {
        ctx: ctx.clone(),
        origin: match &args.source.from_file {
            Some(path) => Origin::File(source::load_file(path)?),
            None => Origin::Live(Box::new(
                LiveSource::open(ctx, &args.source.targets, args.read_from.as_ref()).await?,
            )),
        },
        filter,
        obfuscation: ctx.global.obfuscate.map(Obfuscation::from),
        follow: args.serve.is_some() || args.every.is_some(),
        unlisted_since: Mutex::new(None),
    };
    if let Some(addr) = &args.serve {
        return serve_until_interrupted(ctx, addr, scraper).await;
    }
    let writer = writer.ok_or_else(|| {
        Error::Usage("give one of --remote-write URL, --serve ADDR or -O FILE".into())
    })?;
    match args.every {
        Some(every) => {
            let buffer = match &args.buffer_dir {
                Some(dir) => {
                    Buffer::spooled(dir, args.buffer).map_err(|e| Error::Failed(e.to_string()))?
                }
                None => Buffer::memory(args.buffer),
            };
            push_every(ctx, &writer, every, buffer, &scraper).await
        }
        None => push_once(ctx, &writer, &scraper).await,
    }
}

/// What `--remote-write` and its companion flags ask for.
fn remote_write_config(args: &ExportArgs, url: String) -> Result<RemoteWriteConfig> {
    let auth = if let Some(token) = &args.bearer_token {
        Auth::Bearer(token.clone())
    } else if let Some(path) = &args.bearer_token_file {
        let token = std::fs::read_to_string(path).map_err(|e| Error::read(path, e))?;
        if token.trim().is_empty() {
            return Err(Error::Failed(format!(
                "{}: the bearer token file is empty",
                path.display()
            )));
        }
        Auth::Bearer(token.trim().to_string())
    } else if let Some(credentials) = &args.basic_auth {
        let (username, password) = credentials.split_once(':').ok_or_else(|| {
            Error::Usage("--basic-auth expects USER:PASSWORD (with a colon)".into())
        })?;
        Auth::Basic {
            username: username.to_string(),
            password: password.to_string(),
        }
    } else {
        Auth::None
    };
    let headers = args
        .headers
        .iter()
        .map(|header| parse_header(header).map_err(|e| Error::Usage(e.to_string())))
        .collect::<Result<_>>()?;
    Ok(RemoteWriteConfig {
        auth,
        headers,
        max_samples_per_request: args.batch_size,
        http: HttpOptions {
            timeout: args.write_timeout,
            ca_file: args.ca_file.clone(),
        },
        ..RemoteWriteConfig::new(url)
    })
}

/// Where samples come from: the proxies or the linkerd-viz Prometheus, read each time, or a
/// file read once.
enum Origin {
    Live(Box<LiveSource>),
    File(Snapshot),
}

/// Produces a filtered, obfuscated snapshot per round or request.
struct Scraper {
    ctx: Context,
    origin: Origin,
    filter: Filter,
    obfuscation: Option<Obfuscation>,
    /// List the targets' pods again before each scrape (`--every`, `--serve`), so a long run
    /// follows rollouts.
    follow: bool,
    /// Since when the targets' pods could not be listed again, while that lasts: the outage is
    /// told once when it begins and once when it ends, not on every round.
    unlisted_since: Mutex<Option<Instant>>,
}

impl Scraper {
    /// One snapshot, and whether every proxy answered (failures are named on stderr); or why
    /// nothing was scraped. `timeout` caps the per-proxy deadline, for a scraper that waits no
    /// longer than that.
    async fn snapshot(
        &self,
        cancel: &CancellationToken,
        timeout: Option<Duration>,
    ) -> Result<(Snapshot, Exit), String> {
        let (mut snapshot, exit) = match &self.origin {
            Origin::File(snapshot) => (snapshot.clone(), Exit::Success),
            Origin::Live(live) => {
                let started = Instant::now();
                let relisted = if self.follow {
                    live.relisted(&self.ctx).await
                } else {
                    None
                };
                let relisted = match relisted {
                    Some(Ok(relisted)) => {
                        self.listed_again(relisted.pod_count());
                        Some(relisted)
                    }
                    Some(Err(error)) => return Err(self.not_listed(&error, live.pod_count())),
                    None => None,
                };
                let live = relisted.as_ref().unwrap_or(live);
                let mut ctx = self.ctx.clone();
                if let Some(limit) = timeout {
                    // Listing the pods again came out of the same deadline.
                    let left = limit.saturating_sub(started.elapsed()).max(SERVE_MARGIN);
                    ctx.global.timeout = ctx.global.timeout.min(left);
                }
                live.read(&ctx, cancel).await
            }
        };
        if exit == Exit::Failure {
            return Err("no proxy could be scraped".to_string());
        }
        self.filter.retain_snapshot(&mut snapshot);
        if let Some(level) = self.obfuscation {
            obfuscate::obfuscate_snapshot(&mut snapshot, level);
        }
        Ok((snapshot, exit))
    }

    /// The pods could not be listed: warns when this begins an outage. Nothing is scraped
    /// meanwhile, since both ways to reach a proxy go through the API server; the previous pod
    /// list is kept for when it answers. Returns the reason, for the round or the request.
    fn not_listed(&self, error: &TargetError, pods: usize) -> String {
        let mut since = self
            .unlisted_since
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if since.is_none() {
            *since = Some(Instant::now());
            self.ctx.warn(format!(
                "{error}; keeping the last pod list ({pods} found) and trying again on each \
                 scrape (told again only when the API server answers)"
            ));
        }
        format!("the targets' pods cannot be listed: {error}")
    }

    /// The pods were listed: says so when this ends an outage.
    fn listed_again(&self, pods: usize) {
        let since = self
            .unlisted_since
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take();
        if let Some(since) = since
            && !self.ctx.global.quiet
        {
            eprintln!(
                "the API server answers again after {} (pods listed: {pods})",
                humantime::format_duration(Duration::from_secs(since.elapsed().as_secs()))
            );
        }
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
    let Ok((mut snapshot, exit)) = scraper
        .snapshot(&crate::scrape::cancel_on_ctrl_c(), None)
        .await
    else {
        // Each proxy that failed was named on stderr.
        return Ok(Exit::Failure);
    };
    merge_duplicates(ctx, &mut snapshot);
    let round = bridge::collected(snapshot, now_ms());
    let report = writer
        .push(round.series, &round.metadata, &Interrupt::signals())
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
    let listener = serve::bind(addr)
        .await
        .map_err(|e| Error::Failed(e.to_string()))?;
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
            let timeout = deadline.map(|d| d.saturating_sub(SERVE_MARGIN).max(SERVE_MARGIN));
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
