//! `export`: get the scraped metrics out (spec §6) — pushed to a remote-write receiver once or
//! `--every` interval, served on `/metrics` and `/federate` for a Prometheus to scrape, or written
//! to an OpenMetrics file for backfilling. The protocols live in [`crate::export`]; this module
//! scrapes, filters and hands over.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use tokio_util::sync::CancellationToken;

use super::federation::LiveSource;
use super::source;
use super::{Context, snapshot, write_stdout};
use crate::cli::{ExportArgs, SnapshotArgs};
use crate::error::{Error, Exit, Result};
use crate::export::bridge;
use crate::export::http::HttpOptions;
use crate::export::interrupt::Interrupt;
use crate::export::remote_write::{
    Auth, Collected, PushReport, RemoteWriteConfig, RemoteWriter, parse_header, run_every,
};
use crate::export::serve;
use crate::metrics::model::Snapshot;
use crate::metrics::obfuscate::{self, Obfuscation};
use crate::metrics::select::Filter;

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
        Some(url) => Some(
            RemoteWriter::new(remote_write_config(&args, url.clone())?)
                .map_err(|e| Error::Usage(e.to_string()))?,
        ),
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
    };
    if let Some(addr) = &args.serve {
        return serve_until_interrupted(ctx, addr, scraper).await;
    }
    let writer = writer.ok_or_else(|| {
        Error::Usage("give one of --remote-write URL, --serve ADDR or -O FILE".into())
    })?;
    match args.every {
        Some(every) => push_every(ctx, &writer, every, &scraper).await,
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
            return Err(Error::Usage(format!(
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
}

impl Scraper {
    /// One snapshot, and whether every proxy answered (failures are named on stderr). `timeout`
    /// caps the per-proxy deadline, for a scraper that waits no longer than that.
    async fn snapshot(
        &self,
        cancel: &CancellationToken,
        timeout: Option<Duration>,
    ) -> (Snapshot, Exit) {
        let (mut snapshot, exit) = match &self.origin {
            Origin::File(snapshot) => (snapshot.clone(), Exit::Success),
            Origin::Live(live) => {
                let started = Instant::now();
                let relisted = if self.follow {
                    live.relisted(&self.ctx).await
                } else {
                    None
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
        self.filter.retain_snapshot(&mut snapshot);
        if let Some(level) = self.obfuscation {
            obfuscate::obfuscate_snapshot(&mut snapshot, level);
        }
        (snapshot, exit)
    }
}

fn now_ms() -> i64 {
    source::epoch_ms(SystemTime::now())
}

/// `--remote-write URL`: one scrape, one push.
async fn push_once(ctx: &Context, writer: &RemoteWriter, scraper: &Scraper) -> Result<Exit> {
    let (snapshot, exit) = scraper
        .snapshot(&crate::scrape::cancel_on_ctrl_c(), None)
        .await;
    if exit == Exit::Failure {
        return Ok(exit);
    }
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

/// `--remote-write URL --every DUR`: scrape and push each interval until Ctrl-C or SIGTERM.
async fn push_every(
    ctx: &Context,
    writer: &RemoteWriter,
    every: Duration,
    scraper: &Scraper,
) -> Result<Exit> {
    // Ctrl-C is the interrupt's to handle: the scrape of a round is never cut short by it.
    let never = CancellationToken::new();
    let collect = || async {
        let (snapshot, exit) = scraper.snapshot(&never, None).await;
        if exit == Exit::Failure {
            return Err("no proxy could be scraped".to_string());
        }
        Ok::<Collected<bridge::SnapshotSeries>, String>(bridge::collected(snapshot, now_ms()))
    };
    let quiet = ctx.global.quiet;
    let url = writer.url().to_string();
    let on_round = |round: usize, report: &PushReport| {
        if !quiet {
            eprintln!("round {round}: {}", report.summary(&url));
        }
    };
    let report = run_every(writer, every, &Interrupt::signals(), collect, on_round)
        .await
        .map_err(|failure| Error::Failed(failure.to_string()))?;
    if !quiet {
        eprintln!("{}", report.summary(writer.url()));
    }
    Ok(Exit::Success)
}

/// `--serve ADDR`: `/metrics` and `/federate`, scraping on each request, until Ctrl-C or SIGTERM.
async fn serve_until_interrupted(ctx: &Context, addr: &str, scraper: Scraper) -> Result<Exit> {
    let listener = serve::bind(addr)
        .await
        .map_err(|e| Error::Failed(e.to_string()))?;
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
            let (snapshot, exit) = scraper.snapshot(&CancellationToken::new(), timeout).await;
            if exit == Exit::Failure {
                return Err("no proxy could be scraped".to_string());
            }
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
