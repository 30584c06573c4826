//! `edges`: scrape the targets twice `--window` apart (once with `--since-start`), read of each
//! body only the lines [`metrics::edges`](crate::metrics::edges) reads (the first scrape kept as
//! each proxy's baseline, the second summed into the edges as it arrives), and print who talks
//! to whom as a table or JSON; or the same from one or two saved files.

use std::collections::HashMap;
use std::path::PathBuf;

use comfy_table::Cell;

use super::{Context, stat, stream_stdout};
use crate::cli::{EdgesArgs, EdgesFormat};
use crate::error::{Error, Exit, Result};
use crate::interrupt;
use crate::metrics::edges::{self, EdgeRow, Edges, ProxyBaseline};
use crate::metrics::model::Target;
use crate::metrics::stat::ProxyKey;
use crate::render::table::{self, TableOptions};
use crate::resolve::PodTarget;
use crate::scrape::Scraped;
use crate::source::{self, Pass, Window};

/// One scrape: each proxy that answered with the lines `edges` reads.
type Proxies = Vec<(ProxyKey, Target)>;

/// Runs `edges`.
pub(super) async fn run(ctx: &Context, args: EdgesArgs) -> Result<Exit> {
    if !args.from_file.is_empty() {
        let (before, after) = from_files(&args.from_file)?;
        print(ctx, &edges::compute(before.as_deref(), &after), args.output)?;
        return Ok(Exit::Success);
    }
    let options = ctx.source_options();
    let live = source::resolve(&options, &args.targets).await?;
    let cancel = interrupt::cancel_on_ctrl_c();
    let window = Window {
        between: (!args.since_start).then_some(args.window),
    };
    // With a window the first scrape is kept only as each proxy's baseline, and the second is
    // summed into the edges proxy by proxy: no scrape is held whole.
    let windowed = window.between.is_some();
    let mut baselines: HashMap<(String, String), ProxyBaseline> = HashMap::new();
    let mut summed = Edges::new(windowed);
    let mut proxies = 0;
    let limit = options.fetch.max_body;
    let read = move |pod: &PodTarget, scraped: Scraped| {
        Ok((ProxyKey::from(pod), edge_lines(limit, &scraped)?))
    };
    let scraped = source::scrape_window(
        &options,
        &live,
        window,
        &cancel,
        read,
        |pass, _, (key, target)| {
            if pass == Pass::First && windowed {
                let pod = (key.namespace, key.pod);
                baselines.insert(pod, ProxyBaseline::of(&target));
            } else {
                let baseline = baselines.remove(&(key.namespace.clone(), key.pod.clone()));
                summed.add(&key, &target, baseline.as_ref());
                proxies += 1;
            }
            Ok(())
        },
    )
    .await?;
    // A window whose second scrape was not taken (Ctrl-C during the first, or nobody answered)
    // has nothing to show, as with `stat`.
    if proxies > 0 {
        print(ctx, &summed.rows(), args.output)?;
    }
    Ok(scraped.report())
}

/// The lines of a body `edges` reads, as a target with its scrape time.
fn edge_lines(limit: u64, scraped: &Scraped) -> Result<Target, String> {
    let mut text = String::new();
    scraped.for_each_line_chunk(limit, |chunk| {
        for line in chunk.lines().filter(|l| edges::reads(l)) {
            text.push_str(line);
            text.push('\n');
        }
    })?;
    Target::parse(text, Vec::new(), Some(source::epoch_ms(scraped.scraped_at)))
        .map_err(|e| format!("malformed metrics: {e}"))
}

/// The proxies of one file (one scrape), or of two (before and after), each cut down to the
/// lines `edges` reads as it is parsed, as a live scrape is.
fn from_files(files: &[PathBuf]) -> Result<(Option<Proxies>, Proxies)> {
    let read = |path: &PathBuf, name_from: &PathBuf| -> Result<Proxies> {
        Ok(stat::targets_from_file(path, name_from)?
            .map(|(key, target)| (key, target.keeping_lines(edges::reads)))
            .collect())
    };
    match files {
        [only] => Ok((None, read(only, only)?)),
        // Targets without a pod label are named after the second file on both sides, as `stat`
        // names them, so raw dumps of the same proxy line up.
        [before, after] => Ok((Some(read(before, after)?), read(after, after)?)),
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
