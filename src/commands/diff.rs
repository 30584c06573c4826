//! `diff`: compare two metric sets. Each side is a snapshot or raw file, or a live TARGET
//! (`diff before.om deploy/web`, `diff deploy/web-v1 deploy/web-v2`); `diff TARGET --interval
//! DUR` compares a target with itself DUR later.
//!
//! When both sides are different live targets, the labels that name the workload (`deployment`,
//! ..., `instance`, the pod's labels) are dropped from both so the two workloads' series line up.

use std::path::{Path, PathBuf};

use serde::Serialize;
use tokio_util::sync::CancellationToken;

use super::{Context, write_stdout};
use crate::cli::{DiffArgs, DiffByArg, DiffFormat, ReadFrom};
use crate::error::{Error, Exit, Result};
use crate::interrupt;
use crate::metrics::diff::{self, DiffBy, DiffOptions, SnapshotDiff};
use crate::metrics::model::Snapshot;
use crate::metrics::obfuscate::{self, Obfuscation};
use crate::metrics::select::Filter;
use crate::render::table::{self, DiffLabels, TableOptions};
use crate::source::{self, Source};

/// File name endings that make a `diff` argument a file even when it does not exist yet.
const FILE_ENDINGS: &[&str] = &[".om", ".prom", ".txt", ".openmetrics"];

/// One side of a diff as given on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Side {
    /// A snapshot or raw metrics file.
    File(PathBuf),
    /// A live target (`deploy/web`, `ns/emojivoto`, `deploy`).
    Target(String),
}

impl Side {
    /// Tells a file from a target: an existing file, a path starting with `/` or `.`, a path
    /// with more than one `/` (a target has at most one), or a name ending in .om, .prom, .txt or
    /// .openmetrics is a file; anything else is a target.
    pub fn classify(arg: &str) -> Side {
        let file = Path::new(arg).is_file()
            || arg.starts_with('/')
            || arg.starts_with('.')
            || arg.matches('/').count() > 1
            || FILE_ENDINGS.iter().any(|e| arg.ends_with(e));
        if file {
            Side::File(PathBuf::from(arg))
        } else {
            Side::Target(arg.to_string())
        }
    }

    fn describe(&self) -> String {
        match self {
            Side::File(path) => path.display().to_string(),
            Side::Target(target) => target.clone(),
        }
    }
}

impl From<DiffByArg> for DiffBy {
    fn from(by: DiffByArg) -> Self {
        match by {
            DiffByArg::Workload => DiffBy::Workload,
            DiffByArg::Pod => DiffBy::Pod,
        }
    }
}

/// One side as loaded.
#[derive(Debug, Clone, Serialize)]
struct Loaded {
    /// The file or target it came from.
    source: String,
    /// How many proxies (targets) it holds.
    proxies: usize,
    /// Its earliest scrape time, in milliseconds since the epoch.
    #[serde(skip_serializing_if = "Option::is_none")]
    scrape_time_ms: Option<i64>,
    #[serde(skip)]
    snapshot: Snapshot,
}

/// `diff -o json`: both sides described, then the diff.
#[derive(Serialize)]
struct JsonDiff<'d> {
    old: &'d Loaded,
    new: &'d Loaded,
    #[serde(flatten)]
    diff: &'d SnapshotDiff,
}

/// Runs `diff`.
pub async fn run(ctx: &Context, args: DiffArgs) -> Result<Exit> {
    let filter = Filter::new(&args.filter.metric, &args.filter.matches)
        .map_err(|e| Error::Usage(e.to_string()))?;
    let mut sides: Vec<Side> = args.from_file.iter().cloned().map(Side::File).collect();
    sides.extend(args.sides.iter().map(|s| Side::classify(s)));
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
        ([a, b], None) => {
            let (old, exit_a) = load(ctx, a, args.read_from.as_ref(), &cancel).await?;
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
        drop_workload_labels(&mut old.snapshot);
        drop_workload_labels(&mut new.snapshot);
    }
    for side in [&mut old, &mut new] {
        filter.retain_snapshot(&mut side.snapshot);
        if let Some(level) = ctx.global.obfuscate.map(Obfuscation::from) {
            obfuscate::obfuscate_snapshot(&mut side.snapshot, level);
        }
    }
    let options = DiffOptions {
        by: args.by.into(),
        only_changed: args.only_changed,
    };
    let result = diff::diff(&old.snapshot, &new.snapshot, options);
    let out = match args.output {
        DiffFormat::Json => {
            let json = JsonDiff {
                old: &old,
                new: &new,
                diff: &result,
            };
            let mut out = serde_json::to_vec_pretty(&json)
                .map_err(|e| Error::Failed(format!("cannot encode JSON: {e}")))?;
            out.push(b'\n');
            out
        }
        DiffFormat::Table | DiffFormat::Wide => {
            let labels = match (args.output, options.by) {
                (DiffFormat::Wide, _) => DiffLabels::All,
                (_, DiffBy::Pod) => DiffLabels::Distinguishing(&["pod"]),
                (_, DiffBy::Workload) => DiffLabels::Distinguishing(&[]),
            };
            let mut out = format!("--- {}\n+++ {}\n", header(&old), header(&new));
            out.push_str(&table::render_diff(
                &result,
                TableOptions::for_stdout(ctx.color),
                labels,
            ));
            out.into_bytes()
        }
    };
    write_stdout(&out)?;
    Ok(exit)
}

/// `deploy/web (3 proxies, scraped 2026-11-24T21:00:00Z)`.
fn header(side: &Loaded) -> String {
    let time = side
        .scrape_time_ms
        .and_then(|ms| u64::try_from(ms).ok())
        .map(|ms| std::time::UNIX_EPOCH + std::time::Duration::from_millis(ms))
        .map(|t| format!(", scraped {}", humantime::format_rfc3339_seconds(t)))
        .unwrap_or_default();
    let noun = if side.proxies == 1 {
        "proxy"
    } else {
        "proxies"
    };
    format!("{} ({} {noun}{time})", side.source, side.proxies)
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

fn loaded(source: String, snapshot: Snapshot) -> Loaded {
    Loaded {
        source,
        proxies: snapshot.targets.len(),
        scrape_time_ms: snapshot
            .targets
            .iter()
            .filter_map(|t| t.scrape_time_ms)
            .min(),
        snapshot,
    }
}

async fn load(
    ctx: &Context,
    side: &Side,
    read_from: Option<&ReadFrom>,
    cancel: &CancellationToken,
) -> Result<(Loaded, Exit)> {
    match side {
        Side::File(path) => {
            let snapshot = source::file::load_file(path)?;
            if snapshot.targets.is_empty() {
                return Err(Error::Failed(format!(
                    "{}: no metrics found",
                    path.display()
                )));
            }
            Ok((loaded(side.describe(), snapshot), Exit::Success))
        }
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
            Ok((loaded(side.describe(), snapshot), exit))
        }
    }
}

async fn over_interval(
    ctx: &Context,
    target: &str,
    interval: std::time::Duration,
    read_from: Option<&ReadFrom>,
    cancel: &CancellationToken,
) -> Result<(Loaded, Loaded, Exit)> {
    let options = ctx.source_options();
    let live = Source::open(&options, &[target.to_string()], &read_from.into()).await?;
    let (first, exit_a) = live.read(&options, cancel).await;
    if first.targets.is_empty() {
        return Err(Error::Failed(format!(
            "no proxy of {target} could be scraped"
        )));
    }
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
        loaded(label("first scrape"), first),
        loaded(label("second scrape"), second),
        worse(exit_a, exit_b),
    ))
}

/// Removes the target labels that name the workload and its pods (the workload label,
/// `instance`, the pod's labels), keeping `job`, `namespace` and `pod`, so two workloads' series
/// compare as one.
fn drop_workload_labels(snapshot: &mut Snapshot) {
    const KEPT: &[&str] = &["job", "namespace", "pod"];
    for target in &mut snapshot.targets {
        target
            .labels
            .retain(|(name, _)| KEPT.contains(&name.as_str()));
    }
}
