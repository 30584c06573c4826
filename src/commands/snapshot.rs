//! `snapshot`: one scrape saved as an OpenMetrics file (spec §7): every sample with its target
//! labels and scrape timestamp, an info family saying what the snapshot is about, `# EOF`.
//! Each proxy's body is held compressed as it comes in and the file is written a family at a
//! time ([`HeldSnapshot`]), so a snapshot of a large mesh is never held whole.
//!
//! The info family is `linkerd_export_snapshot_info{version,context,targets,scope,...} 1 TIME`
//! ([`Snapshot::set_info`]); it carries no target label, so reading the file back
//! ([`source::load_file`], through [`Snapshot::take_info`]) lifts it out of the targets.

use std::io::Write;
use std::path::Path;
use std::time::SystemTime;

use super::{Context, source, stream_stdout};
use crate::cli::{ReadFrom, SnapshotArgs};
use crate::error::{Error, Exit, Result};
use crate::metrics::held::HeldSnapshot;
use crate::metrics::model::{Snapshot, Target};
use crate::metrics::obfuscate::{self, Obfuscation};
use crate::metrics::select::Filter;
use crate::metrics::write::{self, Format, WriteOptions};
use crate::scrape;

/// Runs `snapshot`.
pub async fn run(ctx: &Context, args: SnapshotArgs) -> Result<Exit> {
    let filter = Filter::new(&args.filter.metric, &args.filter.matches)
        .map_err(|e| Error::Usage(e.to_string()))?;
    if let Some(ReadFrom::Prometheus(url)) = &args.read_from {
        return super::federation::save_snapshot(ctx, &args, url.as_deref()).await;
    }
    let mut held = Holding {
        held: HeldSnapshot::new(Format::OpenMetrics),
        filter,
        obfuscation: ctx.global.obfuscate.map(Obfuscation::from),
        samples: 0,
        proxies: 0,
        earliest: None,
    };
    let (info, exit) = match &args.source.from_file {
        Some(path) => from_file(path, &mut held)?,
        None => from_cluster(ctx, &args.source.targets, &mut held).await?,
    };
    if held.proxies == 0 {
        return Ok(exit);
    }
    let Holding {
        mut held,
        samples,
        proxies,
        earliest,
        ..
    } = held;
    // The info target has no labels, so it sorts first and its family leads the file.
    held.push(Snapshot::info_target(info, earliest));
    held.sort_by_key(|labels| {
        let get = |name: &str| {
            labels
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
        };
        (get("namespace"), get("pod"))
    });
    if args.output_file.as_os_str() == "-" {
        stream_stdout(|out| held.write_io(out, true))?;
    } else {
        write_atomic_with(&args.output_file, |out| held.write_io(out, true))?;
        if !ctx.global.quiet {
            eprintln!(
                "saved {samples} samples from {proxies} proxies to {}",
                args.output_file.display()
            );
        }
    }
    Ok(exit)
}

/// Targets held compressed as they come in (filtered and obfuscated first), with what the
/// summary line and the info sample need.
struct Holding {
    held: HeldSnapshot,
    filter: Filter,
    obfuscation: Option<Obfuscation>,
    samples: usize,
    proxies: usize,
    earliest: Option<i64>,
}

impl Holding {
    fn push(&mut self, mut target: Target) {
        self.filter.retain_target(&mut target);
        if let Some(level) = self.obfuscation {
            obfuscate::obfuscate_target(&mut target, level);
        }
        self.samples += target.sample_count();
        self.proxies += 1;
        if let Some(time) = target.scrape_time_ms {
            self.earliest = Some(self.earliest.map_or(time, |e| e.min(time)));
        }
        self.held.push(target);
    }
}

/// The labels of the info sample, and the exit status of the scrape.
type Taken = (Vec<(String, String)>, Exit);

async fn from_cluster(ctx: &Context, targets: &[String], held: &mut Holding) -> Result<Taken> {
    let live = source::resolve(ctx, targets).await?;
    let cancel = scrape::cancel_on_ctrl_c();
    let exit = source::scrape_targets(ctx, &live, &cancel, |target| held.push(target)).await;
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
    Ok((info_of(labels), exit))
}

fn from_file(path: &Path, held: &mut Holding) -> Result<Taken> {
    let snapshot = source::load_file(path)?;
    if snapshot.targets.is_empty() {
        return Err(Error::Failed(format!(
            "{}: no metrics found",
            path.display()
        )));
    }
    // Raw text has no scrape time: the file's modification time is the best estimate.
    let file_time = std::fs::metadata(path)
        .and_then(|m| m.modified())
        .unwrap_or_else(|_| SystemTime::now());
    for mut target in snapshot.targets {
        target
            .scrape_time_ms
            .get_or_insert_with(|| source::epoch_ms(file_time));
        held.push(target);
    }
    let labels = vec![
        ("version", env!("CARGO_PKG_VERSION").to_string()),
        ("context", String::new()),
        ("targets", String::new()),
        ("from_file", path.display().to_string()),
    ];
    Ok((info_of(labels), Exit::Success))
}

fn info_of(labels: Vec<(&str, String)>) -> Vec<(String, String)> {
    labels
        .into_iter()
        .map(|(n, v)| (n.to_string(), v))
        .collect()
}

fn earliest_scrape(snapshot: &Snapshot) -> Option<i64> {
    snapshot
        .targets
        .iter()
        .filter_map(|t| t.scrape_time_ms)
        .min()
}

/// The snapshot file's text: the info sample (stamped with the earliest scrape time) first, then
/// every family with target labels and sample timestamps, then `# EOF`.
pub fn snapshot_text(snapshot: &mut Snapshot, info: Vec<(String, String)>) -> String {
    let scrape_time = earliest_scrape(snapshot);
    snapshot.set_info(info, scrape_time);
    write::to_string(
        snapshot,
        WriteOptions {
            format: Format::OpenMetrics,
            timestamps: true,
        },
    )
}

/// Writes `bytes` to `path` through a temporary file in the same directory and a rename, so a
/// reader never sees half a snapshot and a failed write leaves an older file intact.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic_with(path, |file| file.write_all(bytes))
}

/// [`write_atomic`] with what `write` writes through a buffer, so it is never held whole.
pub fn write_atomic_with(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
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
    // A file replaced keeps its permissions (a private 0600 snapshot stays private).
    let existing = std::fs::metadata(path).ok().map(|m| m.permissions());
    let written = std::fs::File::create(&temporary)
        .and_then(|mut file| {
            if let Some(permissions) = existing {
                file.set_permissions(permissions)?;
            }
            let mut buffered = std::io::BufWriter::with_capacity(256 << 10, &mut file);
            write(&mut buffered)?;
            buffered.flush()?;
            drop(buffered);
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
