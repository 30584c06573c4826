//! `snapshot`: one scrape saved as an OpenMetrics file (spec §7): every sample with its target
//! labels and scrape timestamp, an info family saying what the snapshot is about, `# EOF`.
//!
//! The info family is `linkerd_export_snapshot_info{version,context,targets,scope,...} 1 TIME`;
//! it carries no target label, so reading the file back ([`take_info`], called by
//! [`source::load_file`]) can lift it out before the samples are split into targets.

use std::io::Write;
use std::path::Path;
use std::time::SystemTime;

use tokio_util::sync::CancellationToken;

use super::source::Live;
use super::{Context, source, write_stdout};
use crate::cli::SnapshotArgs;
use crate::error::{Error, Exit, Result};
use crate::metrics::model::{Family, MetricType, Sample, Snapshot, Target};
use crate::metrics::obfuscate::{self, Obfuscation};
use crate::metrics::select::Filter;
use crate::metrics::write::{self, Format, WriteOptions};
use crate::scrape;

/// The info family's name (its one sample is named `linkerd_export_snapshot_info`).
pub const INFO_FAMILY: &str = "linkerd_export_snapshot";

/// What a snapshot is about.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SnapshotInfo {
    /// Labels of the info sample: `version`, `context`, `targets`, `scope`, and `selector` or
    /// `from_file` when they apply, sorted by name.
    pub labels: Vec<(String, String)>,
    /// When the scrape started, in milliseconds since the epoch.
    pub time_ms: Option<i64>,
}

impl SnapshotInfo {
    /// Value of label `name`.
    pub fn label(&self, name: &str) -> Option<&str> {
        self.labels
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Runs `snapshot`.
pub async fn run(ctx: &Context, args: SnapshotArgs) -> Result<Exit> {
    let filter = Filter::new(&args.filter.metric, &args.filter.matches)
        .map_err(|e| Error::Usage(e.to_string()))?;
    let obfuscation = ctx.global.obfuscate.map(Obfuscation::from);
    let (mut snapshot, mut info, exit) = match &args.source.from_file {
        Some(path) => from_file(path)?,
        None => from_cluster(ctx, &args.source.targets).await?,
    };
    if snapshot.targets.is_empty() {
        return Ok(exit);
    }
    filter.retain_snapshot(&mut snapshot);
    if let Some(level) = obfuscation {
        obfuscate::obfuscate_snapshot(&mut snapshot, level);
    }
    info.time_ms = info.time_ms.or_else(|| earliest_scrape(&snapshot));
    let text = to_openmetrics(&snapshot, &info);
    if args.output_file.as_os_str() == "-" {
        write_stdout(text.as_bytes())?;
    } else {
        write_atomic(&args.output_file, text.as_bytes())?;
        if !ctx.global.quiet {
            eprintln!(
                "saved {} samples from {} proxies to {}",
                snapshot.sample_count(),
                snapshot.targets.len(),
                args.output_file.display()
            );
        }
    }
    Ok(exit)
}

async fn from_cluster(ctx: &Context, targets: &[String]) -> Result<(Snapshot, SnapshotInfo, Exit)> {
    let live = source::resolve(ctx, targets).await?;
    let (snapshot, exit) = scrape_snapshot(ctx, &live, &scrape::cancel_on_ctrl_c()).await;
    let global = &ctx.global;
    let scope = if global.all_namespaces {
        "all namespaces".to_string()
    } else {
        global
            .namespace
            .clone()
            .unwrap_or_else(|| live.cluster.default_namespace.clone())
    };
    let mut labels = vec![
        ("version", env!("CARGO_PKG_VERSION").to_string()),
        ("context", live.cluster.context.clone().unwrap_or_default()),
        ("targets", targets.join(" ")),
        ("scope", scope),
    ];
    if let Some(selector) = &global.selector {
        labels.push(("selector", selector.clone()));
    }
    Ok((snapshot, info_of(labels), exit))
}

/// Scrapes every pod of `live` once into a snapshot (target labels, scrape times); failed pods
/// are named on stderr, and the exit status says whether all, some or none succeeded.
pub(crate) async fn scrape_snapshot(
    ctx: &Context,
    live: &Live,
    cancel: &CancellationToken,
) -> (Snapshot, Exit) {
    let total = live.pods.len();
    let report = source::scrape_with(ctx, live, cancel).await;
    let mut snapshot = Snapshot::default();
    let mut failures = Vec::new();
    for outcome in &report.outcomes {
        let parsed = outcome
            .result
            .as_ref()
            .map_err(ToString::to_string)
            .and_then(|s| source::parse_outcome(&outcome.target, &s.body, s.scraped_at));
        match parsed {
            Ok(target) => snapshot.targets.push(target),
            Err(message) => failures.push((&outcome.target, message)),
        }
    }
    let succeeded = snapshot.targets.len();
    let exit = source::report_failures(failures, succeeded, total, report.interrupted);
    (snapshot, exit)
}

fn from_file(path: &Path) -> Result<(Snapshot, SnapshotInfo, Exit)> {
    let snapshot = source::load_file(path)?;
    if snapshot.targets.is_empty() {
        return Err(Error::Failed(format!(
            "{}: no metrics found",
            path.display()
        )));
    }
    let mut snapshot = snapshot;
    // Raw text has no scrape time: the file's modification time is the best estimate.
    let file_time = std::fs::metadata(path)
        .and_then(|m| m.modified())
        .unwrap_or_else(|_| SystemTime::now());
    for target in &mut snapshot.targets {
        target
            .scrape_time_ms
            .get_or_insert_with(|| source::epoch_ms(file_time));
    }
    let labels = vec![
        ("version", env!("CARGO_PKG_VERSION").to_string()),
        ("context", String::new()),
        ("targets", String::new()),
        ("from_file", path.display().to_string()),
    ];
    Ok((snapshot, info_of(labels), Exit::Success))
}

fn info_of(labels: Vec<(&str, String)>) -> SnapshotInfo {
    let mut labels: Vec<(String, String)> = labels
        .into_iter()
        .map(|(n, v)| (n.to_string(), v))
        .collect();
    labels.sort();
    SnapshotInfo {
        labels,
        time_ms: None,
    }
}

fn earliest_scrape(snapshot: &Snapshot) -> Option<i64> {
    snapshot
        .targets
        .iter()
        .filter_map(|t| t.scrape_time_ms)
        .min()
}

/// The snapshot file's text: the info family first, then every family with target labels and
/// sample timestamps, then `# EOF`.
pub fn to_openmetrics(snapshot: &Snapshot, info: &SnapshotInfo) -> String {
    let info_target = Target {
        labels: Vec::new(),
        scrape_time_ms: info.time_ms,
        families: vec![Family {
            name: INFO_FAMILY.to_string(),
            kind: MetricType::Info,
            help: Some(
                "What this snapshot is about: tool version, kubeconfig context, targets and scope."
                    .to_string(),
            ),
            unit: None,
            samples: vec![Sample {
                name: format!("{INFO_FAMILY}_info"),
                labels: info.labels.clone(),
                value: 1.0,
                timestamp_ms: info.time_ms,
            }],
        }],
    };
    let options = WriteOptions {
        format: Format::OpenMetrics,
        timestamps: true,
    };
    let info_only = Snapshot {
        targets: vec![info_target],
    };
    // Two writes instead of one merged snapshot: the scraped families are not copied.
    let mut text = write::to_string(&info_only, options);
    let families_end = text.strip_suffix("# EOF\n").map_or(text.len(), str::len);
    text.truncate(families_end);
    write::write_snapshot(&mut text, snapshot, options).expect("writing to a String cannot fail");
    text
}

/// Removes the info family from a snapshot read back from a file, and returns what it said.
/// Targets left without families by the removal are dropped.
pub fn take_info(snapshot: &mut Snapshot) -> Option<SnapshotInfo> {
    let mut info = None;
    snapshot.targets.retain_mut(|target| {
        let before = target.families.len();
        target.families.retain(|family| {
            let is_info =
                family.name == INFO_FAMILY || family.name == format!("{INFO_FAMILY}_info");
            if is_info && let Some(sample) = family.samples.first() {
                info = Some(SnapshotInfo {
                    labels: sample.labels.clone(),
                    time_ms: sample.timestamp_ms.or(target.scrape_time_ms),
                });
            }
            !is_info
        });
        !(target.families.is_empty() && before > 0)
    });
    info
}

/// Writes `bytes` to `path` through a temporary file in the same directory and a rename, so a
/// reader never sees half a snapshot and a failed write leaves an older file intact.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let Some(name) = path.file_name() else {
        return Err(Error::Usage(format!(
            "{}: not a file name; give a file path, or - for stdout",
            path.display()
        )));
    };
    let temporary = dir.join(format!(
        ".{}.{}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    let written = std::fs::File::create(&temporary)
        .and_then(|mut file| {
            file.write_all(bytes)?;
            file.sync_all()
        })
        .and_then(|()| std::fs::rename(&temporary, path));
    written.map_err(|e| {
        let _ = std::fs::remove_file(&temporary);
        Error::write(path, e)
    })
}

#[cfg(test)]
mod tests;
