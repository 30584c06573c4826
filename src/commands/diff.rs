//! `diff`: compare two metric sets. Each side is a snapshot or raw file, or a live TARGET
//! (`diff before.om deploy/web`, `diff deploy/web-v1 deploy/web-v2`); `diff TARGET --interval
//! DUR` compares a target with itself DUR later.
//!
//! Two file sides are read and indexed at once, one on each core.
//!
//! When both sides are different live targets, the labels that name the workload (`deployment`,
//! ..., `instance`, the pod's labels) are dropped from both so the two workloads' series line up.

use tokio_util::sync::CancellationToken;

use super::{Context, stream_stdout};
use crate::cli::{DiffArgs, ReadFrom, Side};
use crate::error::{Error, Exit, Result};
use crate::interrupt;
use crate::metrics::diff::{self, DiffOptions};
use crate::metrics::filter;
use crate::metrics::model::Snapshot;
use crate::metrics::obfuscate::{self, Obfuscation};
use crate::render::diff::{DiffSide, render};
use crate::source::{self, Source};

/// Runs `diff`.
pub(super) async fn run(ctx: &Context, args: DiffArgs) -> Result<Exit> {
    let filter = args.filter.filter()?;
    let sides = args.sides();
    let cancel = interrupt::cancel_on_ctrl_c();
    let (mut old, mut new, exit) = match (sides.as_slice(), args.interval) {
        ([Side::Target(target)], Some(interval)) => {
            over_interval(ctx, target, interval, args.read_from.as_ref(), &cancel).await?
        }
        ([Side::File(path)], Some(_)) => {
            return Err(Error::Usage(format!(
                "--interval compares a live target with itself, and {} is a file; give a TARGET such as deploy/web",
                path.display()
            )));
        }
        ([Side::File(a), Side::File(b)], None) => {
            // Two files are read and indexed at once, one on each core; `a`'s error first.
            let (old, new) =
                crate::metrics::join(|| load_file(a, &sides[0]), || load_file(b, &sides[1]));
            (old?, new?, Exit::Success)
        }
        ([a, b], None) => {
            let (old, exit_a) = load(ctx, a, args.read_from.as_ref(), &cancel).await?;
            if let Side::Target(_) = b {
                room_for_another_side(&old.snapshot)?;
            }
            let (new, exit_b) = load(ctx, b, args.read_from.as_ref(), &cancel).await?;
            (old, new, worse(exit_a, exit_b))
        }
        ([_, _], Some(_)) => {
            return Err(Error::Usage(
                "--interval compares one target with itself; give one TARGET, or two sides without --interval".into(),
            ));
        }
        _ => {
            return Err(Error::Usage(
                "diff needs two sides (snapshot files or targets), or one TARGET with --interval DUR"
                    .into(),
            ));
        }
    };
    if let [Side::Target(a), Side::Target(b)] = sides.as_slice()
        && a != b
    {
        filter::drop_workload_labels(&mut old.snapshot);
        filter::drop_workload_labels(&mut new.snapshot);
    }
    let mut kept = 0;
    for side in [&mut old, &mut new] {
        filter.retain_snapshot(&mut side.snapshot);
        kept += side
            .snapshot
            .targets
            .iter()
            .map(|t| t.sample_count())
            .sum::<usize>();
        if let Some(level) = ctx.global.obfuscate.map(Obfuscation::from) {
            obfuscate::obfuscate_snapshot(&mut side.snapshot, level);
        }
    }
    if let Some(warning) = args.filter.matched_nothing(kept) {
        ctx.warn(warning);
    }
    let options = DiffOptions {
        by: args.by.into(),
        only_changed: args.only_changed,
    };
    let result = diff::diff(&old.snapshot, &new.snapshot, options);
    // The rows hold what they print: the bodies are not needed for printing.
    drop((
        std::mem::take(&mut old.snapshot),
        std::mem::take(&mut new.snapshot),
    ));
    stream_stdout(|out| {
        render(
            out,
            &old,
            &new,
            &result,
            args.output.into(),
            options.by,
            ctx.color,
        )
    })?;
    Ok(exit)
}

fn worse(a: Exit, b: Exit) -> Exit {
    let rank = |e: Exit| match e {
        Exit::Success => 0,
        Exit::Partial => 1,
        Exit::Failure => 2,
        Exit::Usage => 3,
    };
    if rank(b) > rank(a) { b } else { a }
}

async fn load(
    ctx: &Context,
    side: &Side,
    read_from: Option<&ReadFrom>,
    cancel: &CancellationToken,
) -> Result<(DiffSide, Exit)> {
    match side {
        Side::File(path) => Ok((load_file(path, side)?, Exit::Success)),
        Side::Target(target) => {
            let options = ctx.source_options();
            let live =
                Source::open(&options, std::slice::from_ref(target), &read_from.into()).await?;
            let (snapshot, exit) = live.read(&options, cancel).await;
            if snapshot.targets.is_empty() {
                return Err(Error::Failed(format!(
                    "no proxy of {target} could be scraped"
                )));
            }
            Ok((DiffSide::new(side.describe(), snapshot), exit))
        }
    }
}

/// The file side `side`, at `path`.
fn load_file(path: &std::path::Path, side: &Side) -> Result<DiffSide> {
    let snapshot = source::file::load_file(path)?;
    if snapshot.targets.is_empty() {
        return Err(Error::Failed(format!(
            "{}: no metrics found",
            path.display()
        )));
    }
    Ok(DiffSide::new(side.describe(), snapshot))
}

async fn over_interval(
    ctx: &Context,
    target: &str,
    interval: std::time::Duration,
    read_from: Option<&ReadFrom>,
    cancel: &CancellationToken,
) -> Result<(DiffSide, DiffSide, Exit)> {
    let options = ctx.source_options();
    let live = Source::open(&options, &[target.to_string()], &read_from.into()).await?;
    let (first, exit_a) = live.read(&options, cancel).await;
    if first.targets.is_empty() {
        return Err(Error::Failed(format!(
            "no proxy of {target} could be scraped"
        )));
    }
    room_for_another_side(&first)?;
    if ctx.progress {
        eprintln!(
            "waiting {} for the second scrape",
            humantime::format_duration(interval)
        );
    }
    tokio::select! {
        () = tokio::time::sleep(interval) => {}
        () = cancel.cancelled() => {
            return Err(Error::Failed("interrupted before the second scrape; nothing to compare".into()));
        }
    }
    let (second, exit_b) = live.read(&options, cancel).await;
    if second.targets.is_empty() {
        return Err(Error::Failed(format!(
            "no proxy of {target} could be scraped the second time"
        )));
    }
    let label = |when: &str| format!("{target}, {when}");
    Ok((
        DiffSide::new(label("first scrape"), first),
        DiffSide::new(label("second scrape"), second),
        worse(exit_a, exit_b),
    ))
}

/// Both sides of a diff are held whole while they are compared (a live side of a large mesh is
/// gigabytes: docs/BENCHMARKS.md, "Session 11"). Before a second live side is scraped, fails
/// with what to do when it would not fit in the memory left, rather than run the machine out of
/// it: the second side takes about as much as the first.
fn room_for_another_side(first: &Snapshot) -> Result<()> {
    let Some(available) = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|meminfo| mem_available(&meminfo))
    else {
        return Ok(());
    };
    fits_another_side(first.held_bytes(), available)
}

/// `MemAvailable` of a `/proc/meminfo` text, in bytes.
fn mem_available(meminfo: &str) -> Option<u64> {
    let line = meminfo.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Whether a second side as large as one that holds `side` bytes fits in `available` bytes.
fn fits_another_side(side: u64, available: u64) -> Result<()> {
    if side <= available {
        return Ok(());
    }
    let gib = |bytes: u64| bytes as f64 / f64::from(1 << 30);
    Err(Error::Failed(format!(
        "diff holds both sides whole: the first takes {:.1} GiB and the second would need as much, \
         more than the {:.1} GiB of memory left; diff fewer pods at a time (one workload, \
         -n NAMESPACE, or -l SELECTOR)",
        gib(side),
        gib(available)
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_side_that_would_not_fit_is_refused_with_what_to_do() {
        let gib = 1u64 << 30;
        assert!(fits_another_side(9 * gib, 12 * gib).is_ok());
        let refused = fits_another_side(11 * gib, 10 * gib)
            .unwrap_err()
            .to_string();
        assert!(
            refused.contains("11.0 GiB") && refused.contains("10.0 GiB"),
            "{refused}"
        );
        assert!(refused.contains("-n NAMESPACE"), "{refused}");
    }

    #[test]
    fn memory_left_is_read_from_meminfo() {
        let meminfo = "MemTotal:       24683584 kB\nMemFree:        21378000 kB\n\
                       MemAvailable:   23637000 kB\nBuffers:            2324 kB\n";
        assert_eq!(mem_available(meminfo), Some(23_637_000 * 1024));
        assert_eq!(mem_available("MemTotal: 1 kB\n"), None);
    }
}
