//! `stat`: the numbers of `linkerd viz stat`, computed from two scrapes `--window` apart (or one,
//! since proxy start), each body reduced as it arrives so memory stays flat on large meshes; or
//! from one or two saved files.
//!
//! `--from-file A`: numbers since each proxy started, as of A's scrape time. `--from-file A
//! --from-file B`: the window from A to B, as if A and B were the two scrapes.

use super::{Context, write_stdout};
use crate::cli::{ReadFrom, StatArgs};
use crate::error::{Error, Exit, Result};
use crate::interrupt;
use crate::metrics::stat::{self, GroupBy, ProxyKey, StatLine, StatState, state_of_targets};
use crate::render::stat::{StatFormat, render};
use crate::source::{self, Federation};

/// `edges`, `authz` and `routes` name a file's proxies as `stat` does (until they take these
/// from the library themselves).
pub(crate) use crate::metrics::stat::{proxy_key, workload_name};
pub(crate) use source::targets_from_file;

/// Runs `stat`.
pub(super) async fn run(ctx: &Context, args: StatArgs) -> Result<Exit> {
    let by = GroupBy::from(args.by);
    let format = StatFormat::from(args.output);
    if !args.from_file.is_empty() {
        let (before, after) = source::stat_files(&args.from_file)?;
        let lines = stat::stat_lines_of(before.as_ref(), &after, by);
        print_lines(ctx, &lines, format, by)?;
        return Ok(Exit::Success);
    }
    if let Some(ReadFrom::Prometheus(url)) = &args.read_from {
        return run_federated(ctx, &args, by, url.as_deref()).await;
    }
    let options = ctx.source_options();
    let live = source::resolve(&options, &args.targets).await?;
    let selected: Vec<ProxyKey> = live.pods.iter().map(ProxyKey::from).collect();
    let cancel = interrupt::cancel_on_ctrl_c();
    let window = (!args.since_start).then_some(args.window);
    let measured = source::stat_window(&options, &live, window, &cancel).await?;
    if !measured.after.proxies.is_empty() {
        let lines = stat::stat_lines(measured.before.as_ref(), &measured.after, by, &selected);
        print_lines(ctx, &lines, format, by)?;
    }
    Ok(measured.report())
}

/// Prints stat lines on stdout, with a NAMESPACE column under `-A` or when rows span namespaces.
fn print_lines(ctx: &Context, lines: &[StatLine], format: StatFormat, by: GroupBy) -> Result<()> {
    let namespace_column = ctx.global.all_namespaces || stat::spans_namespaces(lines);
    let out = render(lines, format, by, namespace_column, ctx.color)
        .map_err(|e| Error::Failed(format!("cannot encode JSON: {e}")))?;
    write_stdout(&out)
}

/// `stat --source prometheus[=URL]`: the same numbers from two reads of the linkerd-viz
/// Prometheus' `/federate` `--window` apart (or one, with `--since-start`). Each proxy's scrape
/// time is the one Prometheus recorded, so rates cover Prometheus' own scrape interval.
async fn run_federated(
    ctx: &Context,
    args: &StatArgs,
    by: GroupBy,
    url: Option<&str>,
) -> Result<Exit> {
    let federation = Federation::connect(&ctx.source_options(), &args.targets, url).await?;
    let read = || async {
        let snapshot = federation.snapshot().await?;
        Ok::<StatState, Error>(state_of_targets(
            snapshot
                .targets
                .iter()
                .map(|target| (proxy_key(target, String::new()), target)),
        ))
    };
    let first = read().await?;
    let (before, after) = if args.since_start {
        (None, first)
    } else {
        let cancel = interrupt::cancel_on_ctrl_c();
        if !source::wait_for_second(ctx.progress, args.window, "read", &cancel).await {
            return Err(Error::Failed(
                "interrupted before the second read; nothing to show".into(),
            ));
        }
        (Some(first), read().await?)
    };
    let lines = stat::stat_lines_of(before.as_ref(), &after, by);
    print_lines(ctx, &lines, StatFormat::from(args.output), by)?;
    Ok(Exit::Success)
}
