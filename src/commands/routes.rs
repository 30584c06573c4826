//! `routes` and `stat --by route` (the same view, SPEC §4b): scrape the targets twice
//! `--window` apart (once with `stat --since-start`, or read one or two files), hand each
//! proxy's scrapes to [`metrics::routes`](crate::metrics::routes), and print the rows as a table
//! (a line per route, one per backend under it) or JSON.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use super::{Context, stat, stream_stdout};
use crate::cli::{ReadFrom, RoutesArgs, RoutesFormat, StatArgs, StatFormat};
use crate::error::{Error, Exit, Result};
use crate::interrupt;
use crate::metrics::model::Target;
use crate::metrics::routes::{self, RouteRow, Tally};
use crate::metrics::stat::ProxyKey;
use crate::render::table::{TableOptions, render_routes};
use crate::resolve::PodTarget;
use crate::source::{self, Pass, Window};

/// Runs `routes`.
pub(super) async fn run(ctx: &Context, args: RoutesArgs) -> Result<Exit> {
    let window = Some(args.window);
    run_view(ctx, &args.targets, &args.from_file, window, args.output).await
}

/// Runs `stat --by route`: the route view with `stat`'s targets, files, window (none with
/// `--since-start`: counts since each proxy started) and format.
pub(super) async fn run_for_stat(ctx: &Context, args: &StatArgs) -> Result<Exit> {
    if let Some(ReadFrom::Prometheus(_)) = args.read_from {
        return Err(Error::Usage(
            "stat --by route reads the proxies; use it without --source prometheus".into(),
        ));
    }
    let output = match args.output {
        StatFormat::Table => RoutesFormat::Table,
        StatFormat::Wide => RoutesFormat::Wide,
        StatFormat::Json => RoutesFormat::Json,
    };
    let window = (!args.since_start).then_some(args.window);
    run_view(ctx, &args.targets, &args.from_file, window, output).await
}

/// The route view of `targets` (or of `files`) over `window`, or since each proxy started.
async fn run_view(
    ctx: &Context,
    targets: &[String],
    files: &[PathBuf],
    window: Option<Duration>,
    output: RoutesFormat,
) -> Result<Exit> {
    if !files.is_empty() {
        let rows = from_files(files)?;
        print(ctx, output, &rows)?;
        return Ok(Exit::Success);
    }
    let options = ctx.source_options();
    let live = source::resolve(&options, targets).await?;
    let cancel = interrupt::cancel_on_ctrl_c();
    let (mut before, mut after) = (Vec::new(), Vec::new());
    let reading = options.clone();
    let scraped = source::scrape_window(
        &options,
        &live,
        Window { between: window },
        &cancel,
        move |pod: &PodTarget, scraped: crate::scrape::Scraped| {
            let target = source::parse_scraped(&reading, pod, &scraped)?;
            Ok(tally_of(stat::proxy_key(&target, String::new()), &target))
        },
        |pass, _, tally| {
            match pass {
                Pass::First => before.push(tally),
                Pass::Second => after.push(tally),
            }
            Ok(())
        },
    )
    .await?;
    let Some(window) = window else {
        let exit = scraped.report();
        print(ctx, output, &window_rows(None, &before, None))?;
        return Ok(exit);
    };
    if cancel.is_cancelled() && !scraped.windowed {
        return Err(Error::Failed(
            "interrupted before the second scrape; nothing to report".into(),
        ));
    }
    let exit = scraped.report();
    let rows = window_rows(Some(&before), &after, Some(window.as_secs_f64()));
    print(ctx, output, &rows)?;
    Ok(exit)
}

/// One proxy's tally with its pod (namespace, name) and scrape time.
struct Scraped {
    pod: (String, String),
    time_ms: Option<i64>,
    tally: Tally,
}

/// One target's tally, with the proxy it came from.
fn tally_of(k: ProxyKey, target: &Target) -> Scraped {
    let workload = k.workload.as_ref().map_or_else(
        || format!("pod/{}", k.pod),
        |w| format!("{}/{}", w.kind, w.name),
    );
    Scraped {
        tally: routes::tally(target, &k.namespace, &workload),
        time_ms: target.scrape_time_ms,
        pod: (k.namespace, k.pod),
    }
}

/// The rows of the window from `before` to `after` (proxies matched by pod; a proxy only in
/// `after` counts from its start). With `before`, rates divide by the mean time between each
/// proxy's two scrapes (`fallback_secs` when the scrapes carry no times).
fn window_rows(
    before: Option<&[Scraped]>,
    after: &[Scraped],
    fallback_secs: Option<f64>,
) -> Vec<RouteRow> {
    let Some(before) = before else {
        return routes::rows(after.iter().map(|s| s.tally.clone()), None);
    };
    let before: HashMap<&(String, String), &Scraped> = before.iter().map(|s| (&s.pod, s)).collect();
    let mut elapsed = Vec::new();
    let windows: Vec<Tally> = after
        .iter()
        .map(|s| {
            let earlier = before.get(&s.pod).copied();
            if let Some((t0, t1)) = earlier.and_then(|b| b.time_ms).zip(s.time_ms) {
                elapsed.push((t1 - t0) as f64 / 1000.0);
            }
            routes::delta(earlier.map(|b| &b.tally), &s.tally)
        })
        .collect();
    let window = match elapsed.len() {
        0 => fallback_secs,
        n => Some(elapsed.iter().sum::<f64>() / n as f64),
    };
    routes::rows(windows, window.filter(|w| *w > 0.0))
}

/// The rows of one file (counts since each proxy started, no rates) or two (the window between
/// their scrape times).
fn from_files(files: &[PathBuf]) -> Result<Vec<RouteRow>> {
    let read = |path: &PathBuf, name_from: &PathBuf| -> Result<Vec<Scraped>> {
        Ok(stat::targets_from_file(path, name_from)?
            .map(|(key, target)| tally_of(key, &target))
            .collect())
    };
    match files {
        [only] => Ok(window_rows(None, &read(only, only)?, None)),
        // Targets without a pod label are named after the second file on both sides, as `stat`
        // names them, so raw dumps of the same proxy line up.
        [first, second] => {
            let before = read(first, second)?;
            Ok(window_rows(Some(&before), &read(second, second)?, None))
        }
        _ => Err(Error::Usage(
            "--from-file takes one file (counts since start) or two (before and after)".into(),
        )),
    }
}

/// Prints `rows` as `-o` asks.
fn print(ctx: &Context, output: RoutesFormat, rows: &[RouteRow]) -> Result<()> {
    match output {
        RoutesFormat::Json => stream_stdout(|out| {
            serde_json::to_writer_pretty(&mut *out, rows)?;
            writeln!(out)
        }),
        RoutesFormat::Table | RoutesFormat::Wide => {
            if rows.is_empty() {
                eprintln!("no route metrics found");
                return Ok(());
            }
            let text = render_routes(
                rows,
                output == RoutesFormat::Wide,
                TableOptions::for_stdout(ctx.color),
            );
            stream_stdout(|out| out.write_all(text.as_bytes()))
        }
    }
}
