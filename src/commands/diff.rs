//! `diff`: compare two metric sets. Each side is a snapshot or raw file, or a live TARGET
//! (`diff before.om deploy/web`, `diff deploy/web-v1 deploy/web-v2`); `diff TARGET --interval
//! DUR` compares a target with itself DUR later.
//!
//! Two file sides are read and indexed at once, one on each core. A target's proxies over an
//! interval, two targets' proxies, and a file against a target's proxies are compared one proxy
//! at a time as each proxy's second side comes in (`paired`), so a live side is never held
//! whole; a file side is, its targets compressed when it is large (then two files are compared a
//! pod at a time too), and so is a side read through Prometheus.
//!
//! When both sides are different live targets, the labels that name the workload (`deployment`,
//! ..., `instance`, the pod's labels) are dropped from both so the two workloads' series line up.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::{Context, stream_stdout};
use crate::cli::{DiffArgs, ReadFrom, Side};
use crate::error::{Error, Exit, Result};
use crate::interrupt;
use crate::metrics::diff::{self, DiffOptions, DiffRows, ProxyPair};
use crate::metrics::filter::{self, Filter};
use crate::metrics::model::{PackedTarget, Snapshot, Target};
use crate::metrics::obfuscate::{self, Obfuscation};
use crate::render::diff::{DiffSide, render};
use crate::source::{self, SecondScrape, Source, Window};

mod paired;

use paired::FileSide::{New, Old};
use paired::{file_against_target, paired, two_files};

/// Two sides compared: what the header shows of each, the rows, how many samples the filters
/// kept, and whether every proxy answered.
struct Compared {
    old: DiffSide,
    new: DiffSide,
    rows: DiffRows,
    kept: usize,
    exit: Exit,
}

/// What is done to each side before it is compared.
struct Prepare {
    filter: Filter,
    obfuscation: Option<Obfuscation>,
    options: DiffOptions,
    /// Two different targets: their workload labels are dropped so their series line up.
    two_targets: bool,
}

/// Runs `diff`.
pub(super) async fn run(ctx: &Context, args: DiffArgs) -> Result<Exit> {
    let sides = args.sides();
    let cancel = interrupt::cancel_on_ctrl_c();
    let mut prepare = Prepare {
        filter: args.filter.filter()?,
        obfuscation: ctx.global.obfuscate.map(Obfuscation::from),
        options: DiffOptions {
            by: args.by.into(),
            only_changed: args.only_changed,
        },
        two_targets: false,
    };
    let by = prepare.options.by;
    let compared = match (sides.as_slice(), args.interval) {
        ([Side::Target(target)], Some(interval)) => {
            over_interval(
                ctx,
                target,
                interval,
                args.read_from.as_ref(),
                prepare,
                &cancel,
            )
            .await?
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
            two_files(old?, new?, &prepare)
        }
        ([Side::Target(a), Side::Target(b)], None) if a != b => {
            prepare.two_targets = true;
            two_targets(ctx, [a, b], args.read_from.as_ref(), prepare, &cancel).await?
        }
        ([Side::File(path), Side::Target(target)], None) => {
            let file = load_file(path, &sides[0])?;
            let read_from = args.read_from.as_ref();
            file_against_target(ctx, file, Old, target, read_from, prepare, &cancel).await?
        }
        ([Side::Target(target), Side::File(path)], None) => {
            let file = load_file(path, &sides[1])?;
            let read_from = args.read_from.as_ref();
            file_against_target(ctx, file, New, target, read_from, prepare, &cancel).await?
        }
        ([a, b], None) => {
            let (old, exit_a) = load(ctx, a, args.read_from.as_ref(), &cancel).await?;
            if let Side::Target(_) = b {
                room_for_another_side(&old.snapshot)?;
            }
            let (new, exit_b) = load(ctx, b, args.read_from.as_ref(), &cancel).await?;
            compare_whole(old, new, worse(exit_a, exit_b), &prepare)
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
    if let Some(warning) = args.filter.matched_nothing(compared.kept) {
        ctx.warn(warning);
    }
    stream_stdout(|out| {
        render(
            out,
            &compared.old,
            &compared.new,
            &compared.rows,
            args.output.into(),
            by,
            ctx.color,
        )
    })?;
    Ok(compared.exit)
}

impl Prepare {
    /// Filters and obfuscates `target`; how many samples the filters kept.
    fn target(&self, target: &mut Target) -> usize {
        if self.two_targets {
            filter::drop_target_workload_labels(target);
        }
        self.filter.retain_target(target);
        if let Some(level) = self.obfuscation {
            obfuscate::obfuscate_target(target, level);
        }
        target.sample_count()
    }

    /// One proxy's `old` and `new` targets, each filtered and obfuscated, paired
    /// ([`diff::pair`]); how many samples the filters kept of both.
    fn pair(&self, mut old: Option<Target>, mut new: Option<Target>) -> (ProxyPair, usize) {
        let kept = old.iter_mut().chain(&mut new).map(|t| self.target(t)).sum();
        (diff::pair(old, new, self.options), kept)
    }
}

/// Compares two sides held whole.
fn compare_whole(mut old: DiffSide, mut new: DiffSide, exit: Exit, prepare: &Prepare) -> Compared {
    let mut kept = 0;
    for side in [&mut old, &mut new] {
        for target in &mut side.snapshot.targets {
            kept += prepare.target(target);
        }
    }
    let rows = diff::diff(&old.snapshot, &new.snapshot, prepare.options);
    // The rows hold what they print: the bodies are not needed for printing.
    drop((
        std::mem::take(&mut old.snapshot),
        std::mem::take(&mut new.snapshot),
    ));
    Compared {
        old,
        new,
        rows,
        kept,
        exit,
    }
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
        Side::File(path) => Ok((load_file(path, side)?.unpacked(), Exit::Success)),
        Side::Target(target) => {
            let options = ctx.source_options();
            let live = open(&options, target, read_from).await?;
            read_whole(&live, &options, target, side.describe(), cancel).await
        }
    }
}

/// Where `target`'s metrics come from: its proxies, or Prometheus (`read_from`).
async fn open(
    options: &source::Options,
    target: &str,
    read_from: Option<&ReadFrom>,
) -> Result<Source> {
    Source::open(options, &[target.to_string()], &read_from.into()).await
}

/// `source`, opened for `target`, read whole into a side named `name`; no proxy read is an
/// error.
async fn read_whole(
    source: &Source,
    options: &source::Options,
    target: &str,
    name: String,
    cancel: &CancellationToken,
) -> Result<(DiffSide, Exit)> {
    let (snapshot, exit) = source.read(options, cancel).await;
    if snapshot.targets.is_empty() {
        return Err(Error::Failed(nothing_scraped(target)));
    }
    Ok((DiffSide::new(name, snapshot), exit))
}

/// The error when none of `target`'s proxies could be read.
fn nothing_scraped(target: &str) -> String {
    format!("no proxy of {target} could be scraped")
}

/// A file side as read: what the header names it, and its targets, those of a large file held
/// compressed until each is compared.
struct PackedSide {
    name: String,
    targets: Vec<PackedTarget>,
}

impl PackedSide {
    /// The side with every target parsed, to be compared whole.
    fn unpacked(self) -> DiffSide {
        DiffSide::new(self.name, Snapshot::unpacked(self.targets))
    }

    /// What the header shows of the side when it is compared one target at a time.
    fn counted(&self) -> DiffSide {
        let earliest = self.targets.iter().filter_map(|t| t.scrape_time_ms()).min();
        DiffSide::counted(self.name.clone(), self.targets.len(), earliest)
    }
}

/// The file side `side`, at `path`.
fn load_file(path: &std::path::Path, side: &Side) -> Result<PackedSide> {
    Ok(PackedSide {
        name: side.describe(),
        targets: source::file::load_packed(path)?,
    })
}

/// `target` compared with itself `interval` later: its proxies one at a time, or through
/// Prometheus two whole reads.
async fn over_interval(
    ctx: &Context,
    target: &str,
    interval: Duration,
    read_from: Option<&ReadFrom>,
    prepare: Prepare,
    cancel: &CancellationToken,
) -> Result<Compared> {
    let options = ctx.source_options();
    let source = open(&options, target, read_from).await?;
    if let Source::Proxies(live) = &source {
        let names = [
            format!("{target}, first scrape"),
            format!("{target}, second scrape"),
        ];
        let nothing = [
            nothing_scraped(target),
            format!("no proxy of {target} answered both scrapes"),
        ];
        let then = SecondScrape::Again(Window {
            between: Some(interval),
        });
        return paired(&options, live, then, names, nothing, prepare, cancel).await;
    }
    let label = |when: &str| format!("{target}, {when}");
    let (first, exit_a) =
        read_whole(&source, &options, target, label("first scrape"), cancel).await?;
    room_for_another_side(&first.snapshot)?;
    if !source::wait_for_second(ctx.progress, interval, "scrape", cancel).await {
        return Err(interrupted_before_second());
    }
    let (second, exit_b) = source.read(&options, cancel).await;
    if second.targets.is_empty() {
        return Err(Error::Failed(format!(
            "no proxy of {target} could be scraped the second time"
        )));
    }
    Ok(compare_whole(
        first,
        DiffSide::new(label("second scrape"), second),
        worse(exit_a, exit_b),
        &prepare,
    ))
}

fn interrupted_before_second() -> Error {
    Error::Failed("interrupted before the second scrape; nothing to compare".into())
}

/// Two different targets: their proxies one at a time when both are read from the proxies,
/// else both held whole.
async fn two_targets(
    ctx: &Context,
    [a, b]: [&String; 2],
    read_from: Option<&ReadFrom>,
    prepare: Prepare,
    cancel: &CancellationToken,
) -> Result<Compared> {
    let options = ctx.source_options();
    let first = open(&options, a, read_from).await?;
    if let Source::Proxies(first) = &first {
        let second = open(&options, b, read_from).await?;
        if let Source::Proxies(second) = &second {
            let names = [a.clone(), b.clone()];
            let nothing = [nothing_scraped(a), nothing_scraped(b)];
            let then = SecondScrape::Other(second);
            return paired(&options, first, then, names, nothing, prepare, cancel).await;
        }
    }
    let (old, exit_a) = load(ctx, &Side::Target(a.clone()), read_from, cancel).await?;
    room_for_another_side(&old.snapshot)?;
    let (new, exit_b) = load(ctx, &Side::Target(b.clone()), read_from, cancel).await?;
    Ok(compare_whole(old, new, worse(exit_a, exit_b), &prepare))
}

/// Where a diff holds both sides whole (read through Prometheus, a target against itself
/// without an interval, a file whose targets are not one per pod), a live side of a large mesh is
/// gigabytes (docs/BENCHMARKS.md, "Session 11"). Before such a second live side is read, fails
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
