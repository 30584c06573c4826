//! `edges`: scrape the targets twice `--window` apart (once with `--since-start`), keep of each
//! body only the lines [`metrics::edges`](crate::metrics::edges) reads, and print who talks to
//! whom as a table or JSON; or the same from one or two saved files.

use std::path::PathBuf;

use comfy_table::Cell;
use tokio_util::sync::CancellationToken;

use super::source::{self, Live};
use super::{Context, stat, stream_stdout};
use crate::cli::{EdgesArgs, EdgesFormat};
use crate::error::{Error, Exit, Result};
use crate::metrics::edges::{self, EdgeRow};
use crate::metrics::model::Target;
use crate::metrics::stat::ProxyKey;
use crate::render::table::{self, TableOptions};
use crate::resolve::PodTarget;
use crate::scrape;

/// One scrape: each proxy that answered with the lines `edges` reads.
type Proxies = Vec<(ProxyKey, Target)>;

/// Runs `edges`.
pub async fn run(ctx: &Context, args: EdgesArgs) -> Result<Exit> {
    if !args.from_file.is_empty() {
        let (before, after) = from_files(&args.from_file)?;
        print(ctx, &edges::compute(before.as_deref(), &after), args.output)?;
        return Ok(Exit::Success);
    }
    let live = source::resolve(ctx, &args.targets).await?;
    let total = live.pods.len();
    let cancel = scrape::cancel_on_ctrl_c();
    let mut failures = Vec::new();
    let (first, interrupted) = scrape(ctx, &live, &cancel, &mut failures).await;
    let (before, after, interrupted) = if args.since_start || interrupted || first.is_empty() {
        (None, first, interrupted)
    } else {
        if ctx.progress {
            eprintln!(
                "waiting {} for the second scrape",
                humantime::format_duration(args.window)
            );
        }
        tokio::select! {
            () = tokio::time::sleep(args.window) => {}
            () = cancel.cancelled() => {
                report(&failures, 0, total, false);
                return Err(Error::Failed("interrupted before the second scrape; nothing to show".into()));
            }
        }
        // A pod that failed the first scrape has no baseline: it is reported once, not re-scraped.
        let again = Live {
            pods: live
                .pods
                .iter()
                .filter(|p| {
                    first
                        .iter()
                        .any(|(k, _)| k.namespace == p.namespace && k.pod == p.pod)
                })
                .cloned()
                .collect(),
            ..live
        };
        let (second, interrupted) = scrape(ctx, &again, &cancel, &mut failures).await;
        (Some(first), second, interrupted)
    };
    if !after.is_empty() {
        print(ctx, &edges::compute(before.as_deref(), &after), args.output)?;
    }
    Ok(report(&failures, after.len(), total, interrupted))
}

/// [`source::report_failures`] over owned failures, each pod named once.
fn report(
    failures: &[(PodTarget, String)],
    succeeded: usize,
    total: usize,
    interrupted: bool,
) -> Exit {
    source::report_failures(
        failures.iter().map(|(pod, message)| (pod, message.clone())),
        succeeded,
        total,
        interrupted,
    )
}

/// Scrapes every pod of `live` once, keeping of each body only the lines `edges` reads. Pods that
/// fail, or whose kept lines are malformed, are added to `failures`. Also says whether Ctrl-C cut
/// the scrape short.
async fn scrape(
    ctx: &Context,
    live: &Live,
    cancel: &CancellationToken,
    failures: &mut Vec<(PodTarget, String)>,
) -> (Proxies, bool) {
    let mut proxies = Vec::new();
    let summary = source::scrape_each(ctx, live, cancel, |outcome| {
        let parsed = outcome
            .result
            .map_err(|e| e.to_string())
            .and_then(|scraped| {
                let mut text = String::new();
                scraped.for_each_line_chunk(ctx.global.max_body_size, |chunk| {
                    for line in chunk.lines().filter(|l| edges::reads(l)) {
                        text.push_str(line);
                        text.push('\n');
                    }
                })?;
                Target::parse(text, Vec::new(), Some(source::epoch_ms(scraped.scraped_at)))
                    .map_err(|e| format!("malformed metrics: {e}"))
            });
        match parsed {
            Ok(target) => proxies.push((ProxyKey::from(&outcome.target), target)),
            Err(message) => failures.push((outcome.target, message)),
        }
    })
    .await;
    (proxies, summary.interrupted)
}

/// The proxies of one file (one scrape), or of two (before and after).
fn from_files(files: &[PathBuf]) -> Result<(Option<Proxies>, Proxies)> {
    match files {
        [only] => Ok((None, stat::targets_from_file(only, only)?)),
        // Targets without a pod label are named after the second file on both sides, as `stat`
        // names them, so raw dumps of the same proxy line up.
        [before, after] => Ok((
            Some(stat::targets_from_file(before, after)?),
            stat::targets_from_file(after, after)?,
        )),
        _ => Err(Error::Usage(
            "--from-file takes one file (numbers since proxy start) or two (before and after)"
                .into(),
        )),
    }
}

/// Prints the edges as a table (kubectl's look) or a JSON array.
fn print(ctx: &Context, rows: &[EdgeRow], format: EdgesFormat) -> Result<()> {
    if format == EdgesFormat::Json {
        return stream_stdout(|out| {
            serde_json::to_writer_pretty(&mut *out, rows)?;
            writeln!(out)
        });
    }
    let wide = format == EdgesFormat::Wide;
    let mut header = vec![
        "SRC",
        "DST",
        "SRC_NS",
        "DST_NS",
        "CLIENT_ID",
        "SERVER_ID",
        "SECURED",
        "RPS",
        "TCP_CONN",
    ];
    if wide {
        header.extend(["REQUESTS", "TCP_OPENED", "TCP_CLOSED"]);
    }
    let options = TableOptions::for_stdout(ctx.color);
    let mut out = table::new_table(&header, options);
    let text = |v: &str| Cell::new(if v.is_empty() { "-" } else { v });
    let count = |n: f64| table::number(format!("{n}"));
    for row in rows {
        let mut cells = vec![
            text(&row.src_text()),
            text(&row.dst),
            text(&row.src_ns),
            text(&row.dst_ns),
            text(row.client_id.as_deref().unwrap_or_default()),
            text(row.server_id.as_deref().unwrap_or_default()),
            text(&row.secured),
            table::number(table::rps_text(row.rps)),
            count(row.connections),
        ];
        if wide {
            cells.extend([count(row.requests), count(row.opened), count(row.closed)]);
        }
        out.add_row(cells);
    }
    stream_stdout(|w| w.write_all(table::finish(&out, options).as_bytes()))
}
