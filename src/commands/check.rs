//! `check`: read the targets once (twice with `--window`) or one or two files
//! ([`source::check`](crate::source::check)), hand the scrapes to
//! [`metrics::check`](crate::metrics::check), and print the report as `linkerd check` does, or
//! as JSON. Exit 0 when all is good, 3 on warnings, 1 on problems.

use super::{Context, stream_stdout};
use crate::cli::{CheckArgs, CheckFormat};
use crate::error::{Exit, Result};
use crate::interrupt;
use crate::metrics::check::{self, ControlPlane, Input, Outcome, Thresholds, Unreachable};
use crate::render;
use crate::source::{self, check::CheckScrape};

/// Runs `check`.
pub(super) async fn run(ctx: &Context, args: CheckArgs) -> Result<Exit> {
    if !args.from_file.is_empty() {
        let (before, after) = source::check::read_files(&args.from_file)?;
        let control_plane = check::control_plane_in(&after.proxies);
        return report(
            ctx,
            &args,
            before.as_ref(),
            &after,
            &[],
            control_plane.as_ref(),
        );
    }
    let options = ctx.source_options();
    let live = source::resolve(&options, &args.targets).await?;
    let cancel = interrupt::cancel_on_ctrl_c();
    let read = source::check::read_live(&options, &live, args.window, &cancel).await?;
    let control_plane =
        source::check::control_plane(&options, &live, &read.after.proxies, &cancel).await;
    report(
        ctx,
        &args,
        read.before.as_ref(),
        &read.after,
        &read.unreachable,
        Some(&control_plane),
    )
}

/// Runs the checks, prints the report, and gives the exit status it implies.
fn report(
    ctx: &Context,
    args: &CheckArgs,
    before: Option<&CheckScrape>,
    after: &CheckScrape,
    unreachable: &[Unreachable],
    control_plane: Option<&ControlPlane>,
) -> Result<Exit> {
    let report = check::check(&Input {
        before: before.map(|b| b.proxies.as_slice()),
        after: &after.proxies,
        stats: (before.map(|b| &b.stats), &after.stats),
        unreachable,
        thresholds: Thresholds {
            cert_warn_secs: args.cert_warn.as_secs_f64(),
            min_success: args.min_success,
        },
        control_plane,
    });
    if let Some(error) = report.control_plane.as_ref().and_then(|c| c.error.as_ref()) {
        ctx.warn(format_args!(
            "cannot read the control plane's version: {error}; proxies are compared with each other only"
        ));
    }
    match args.output {
        CheckFormat::Text => {
            stream_stdout(|out| render::check::write_text(out, &report, ctx.color))?
        }
        CheckFormat::Json => stream_stdout(|out| {
            serde_json::to_writer_pretty(&mut *out, &report)?;
            writeln!(out)
        })?,
    }
    Ok(match report.status {
        Outcome::Success => Exit::Success,
        Outcome::Warning => Exit::Partial,
        Outcome::Error => Exit::Failure,
    })
}
