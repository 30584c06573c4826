//! `authz`: scrape the targets twice `--window` apart (once with `--since-start`), reduce each
//! body to its authorization counters as it arrives, and print
//! [`metrics::authz`](crate::metrics::authz)'s rows as a table or JSON.

use std::path::PathBuf;

use super::{Context, stat, stream_stdout};
use crate::cli::{AuthzArgs, AuthzFormat};
use crate::error::{Error, Exit, Result};
use crate::interrupt;
use crate::metrics::authz::{self, ProxyCounts, Rows};
use crate::metrics::model::Target;
use crate::render::table::{TableOptions, render_authz};
use crate::resolve::PodTarget;
use crate::scrape::Scraped;
use crate::source::{self, Pass, Window};

/// Runs `authz`.
pub(super) async fn run(ctx: &Context, args: AuthzArgs) -> Result<Exit> {
    let (before, after, exit) = if args.from_file.is_empty() {
        live(ctx, &args).await?
    } else {
        let (before, after) = from_files(&args.from_file)?;
        (before, after, Exit::Success)
    };
    let Rows { rows, skipped } = authz::rows(before.as_deref(), &after);
    for pod in &skipped {
        ctx.warn(format!(
            "{pod}: left out, its counters cover no known span (no process_start_time_seconds, or not in both scrapes)"
        ));
    }
    if rows.is_empty() {
        ctx.warn("no authorization counters: the proxies served no inbound_*_authz_* series");
    }
    match args.output {
        AuthzFormat::Json => stream_stdout(|out| {
            serde_json::to_writer_pretty(&mut *out, &rows)?;
            writeln!(out)
        })?,
        format => {
            let table = render_authz(
                &rows,
                format == AuthzFormat::Wide,
                TableOptions::for_stdout(ctx.color),
            );
            stream_stdout(|out| out.write_all(table.as_bytes()))?;
        }
    }
    Ok(exit)
}

/// The reduction of one target, named as `stat` names it.
fn counts_of(target: &Target, fallback_pod: String) -> ProxyCounts {
    let key = stat::proxy_key(target, fallback_pod);
    let pod = if key.namespace.is_empty() {
        key.pod.clone()
    } else {
        format!("{}/{}", key.namespace, key.pod)
    };
    ProxyCounts::of(&key.namespace, &stat::workload_name(&key), &pod, target)
}

type Scrapes = (Option<Vec<ProxyCounts>>, Vec<ProxyCounts>);

/// One file is one scrape (rates since proxy start), two are the two scrapes of a window.
fn from_files(files: &[PathBuf]) -> Result<Scrapes> {
    let read = |path: &PathBuf, name_from: &PathBuf| -> Result<Vec<ProxyCounts>> {
        Ok(stat::targets_from_file(path, name_from)?
            .map(|(key, target)| counts_of(&target, key.pod))
            .collect())
    };
    match files {
        [only] => Ok((None, read(only, only)?)),
        // Targets without a pod label are named after the second file on both sides, as `stat`
        // names them, so raw dumps of the same proxy line up.
        [before, after] => Ok((Some(read(before, after)?), read(after, after)?)),
        _ => Err(Error::Usage(
            "--from-file takes one file (one scrape) or two (before and after)".into(),
        )),
    }
}

/// Scrapes twice `--window` apart (once with `--since-start`), keeping each body only until it
/// is reduced. The exit status says whether every proxy answered both scrapes.
async fn live(
    ctx: &Context,
    args: &AuthzArgs,
) -> Result<(Option<Vec<ProxyCounts>>, Vec<ProxyCounts>, Exit)> {
    let options = ctx.source_options();
    let live = source::resolve(&options, &args.targets).await?;
    let cancel = interrupt::cancel_on_ctrl_c();
    let window = Window {
        between: (!args.since_start).then_some(args.window),
    };
    let (mut first, mut second) = (Vec::new(), Vec::new());
    let reading = options.clone();
    let read = move |pod: &PodTarget, scraped: Scraped| {
        let target = source::parse_scraped(&reading, pod, &scraped)?;
        Ok(counts_of(&target, String::new()))
    };
    let scraped =
        source::scrape_window(&options, &live, window, &cancel, read, |pass, _, counts| {
            match pass {
                Pass::First => first.push(counts),
                Pass::Second => second.push(counts),
            }
            Ok(())
        })
        .await?;
    let exit = scraped.report();
    if cancel.is_cancelled() {
        return Err(Error::Failed(
            "interrupted before every proxy was scraped twice; nothing to report".into(),
        ));
    }
    if exit == Exit::Failure {
        return Err(Error::Failed("no proxy could be scraped".into()));
    }
    Ok(if scraped.windowed {
        (Some(first), second, exit)
    } else {
        (None, first, exit)
    })
}
