//! `snapshot -O FILE` and `export -O FILE` (the backfill file): one read of the targets' proxies,
//! of the linkerd-viz Prometheus or of a file, written as the snapshot file
//! ([`snapshot_file`]) to a path or stdout.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::snapshot_file::{self, SnapshotWriter};
use crate::error::{Exit, Result};
use crate::interrupt;
use crate::metrics::filter::Filter;
use crate::metrics::model::Labels;
use crate::metrics::obfuscate::{self, Obfuscation};
use crate::source::{self, Federation, LiveFrom, Options};

/// What to save, and where.
pub(crate) struct SaveRequest {
    /// The targets (empty with `from_file`).
    pub(crate) targets: Vec<String>,
    /// `--from-file`: read this file instead of the cluster.
    pub(crate) from_file: Option<PathBuf>,
    /// `--source`: where live metrics are read.
    pub(crate) live_from: LiveFrom,
    /// `-m`/`--match`.
    pub(crate) filter: Filter,
    /// `--obfuscate`.
    pub(crate) obfuscation: Option<Obfuscation>,
    /// The file, or `-` for stdout.
    pub(crate) output: PathBuf,
}

/// What was saved, for the summary line.
struct Saved {
    samples: usize,
    proxies: usize,
}

/// Reads the request's source once and writes the snapshot file; `write_out` writes to stdout
/// when the output is `-`. A file written is told on stderr (`saved N samples from P proxies to
/// FILE`) unless `-q`. Returns the exit status of the read; nothing is written when no proxy
/// answered.
pub(crate) async fn save(
    options: &Options,
    request: SaveRequest,
    write_out: impl FnOnce(&mut dyn FnMut(&mut dyn Write) -> std::io::Result<()>) -> Result<()>,
) -> Result<Exit> {
    let output = request.output.clone();
    let (saved, exit) = read_and_write(options, request, write_out).await?;
    if let Some(saved) = saved
        && output.as_os_str() != "-"
        && !options.quiet
    {
        eprintln!(
            "saved {} samples from {} proxies to {}",
            saved.samples,
            saved.proxies,
            output.display()
        );
    }
    Ok(exit)
}

/// [`save`] but for the summary line: what was written, if anything, and the exit status.
async fn read_and_write(
    options: &Options,
    request: SaveRequest,
    write_out: impl FnOnce(&mut dyn FnMut(&mut dyn Write) -> std::io::Result<()>) -> Result<()>,
) -> Result<(Option<Saved>, Exit)> {
    if let LiveFrom::Prometheus(url) = &request.live_from {
        return from_prometheus(options, &request, url.as_deref(), write_out).await;
    }
    let mut writer = SnapshotWriter::new(request.filter, request.obfuscation);
    let (info, exit) = match &request.from_file {
        Some(path) => from_file(path, &mut writer)?,
        None => from_cluster(options, &request.targets, &mut writer).await?,
    };
    if writer.proxies() == 0 {
        return Ok((None, exit));
    }
    let saved = Saved {
        samples: writer.samples(),
        proxies: writer.proxies(),
    };
    let mut info = Some(info);
    let mut write = |out: &mut dyn Write| writer.write(info.take().unwrap_or_default(), out);
    emit(&request.output, &mut write, write_out)?;
    Ok((Some(saved), exit))
}

/// Writes through `write` to `output`, or to stdout through `write_out` when it is `-`.
fn emit(
    output: &Path,
    write: &mut dyn FnMut(&mut dyn Write) -> std::io::Result<()>,
    write_out: impl FnOnce(&mut dyn FnMut(&mut dyn Write) -> std::io::Result<()>) -> Result<()>,
) -> Result<()> {
    if output.as_os_str() == "-" {
        write_out(write)
    } else {
        snapshot_file::write_atomic_with(output, write)
    }
}

/// The labels of the info sample, and the exit status of the scrape.
type Taken = (Labels, Exit);

async fn from_cluster(
    options: &Options,
    targets: &[String],
    writer: &mut SnapshotWriter,
) -> Result<Taken> {
    let live = source::resolve(options, targets).await?;
    let cancel = interrupt::cancel_on_ctrl_c();
    let exit = source::scrape_targets(options, &live, &cancel, |target| writer.push(target)).await;
    let scope = if options.all_namespaces {
        "all namespaces".to_string()
    } else {
        options
            .namespace
            .clone()
            .unwrap_or_else(|| live.cluster.default_namespace.clone())
    };
    let mut fields = vec![
        ("context", live.cluster.context.clone().unwrap_or_default()),
        ("targets", targets.join(" ")),
        ("scope", scope),
    ];
    if let Some(selector) = &options.selector {
        fields.push(("selector", selector.clone()));
    }
    Ok((snapshot_file::info_labels(fields), exit))
}

fn from_file(path: &Path, writer: &mut SnapshotWriter) -> Result<Taken> {
    // Each target (held compressed, for a large file) is parsed only to be held by the writer.
    let targets = source::file::load_packed(path)?;
    // Raw text has no scrape time: the file's modification time is the best estimate.
    let file_time = std::fs::metadata(path)
        .and_then(|m| m.modified())
        .unwrap_or_else(|_| SystemTime::now());
    for target in targets {
        let mut target = target.unpack();
        target
            .scrape_time_ms
            .get_or_insert_with(|| source::epoch_ms(file_time));
        writer.push(target);
    }
    let fields = vec![
        ("context", String::new()),
        ("targets", String::new()),
        ("from_file", path.display().to_string()),
    ];
    Ok((snapshot_file::info_labels(fields), Exit::Success))
}

/// The snapshot file read through the federation API.
async fn from_prometheus(
    options: &Options,
    request: &SaveRequest,
    url: Option<&str>,
    write_out: impl FnOnce(&mut dyn FnMut(&mut dyn Write) -> std::io::Result<()>) -> Result<()>,
) -> Result<(Option<Saved>, Exit)> {
    let federation = Federation::connect(options, &request.targets, url).await?;
    let (mut snapshot, read) = federation.read().await?;
    request.filter.retain_snapshot(&mut snapshot);
    if let Some(level) = request.obfuscation {
        obfuscate::obfuscate_snapshot(&mut snapshot, level);
    }
    let saved = Saved {
        samples: snapshot.sample_count(),
        proxies: snapshot.targets.len(),
    };
    let info = snapshot_file::info_labels(vec![
        ("targets", request.targets.join(" ")),
        ("source", read),
    ]);
    let text = snapshot_file::snapshot_text(&mut snapshot, info);
    emit(
        &request.output,
        &mut |out: &mut dyn Write| out.write_all(text.as_bytes()),
        write_out,
    )?;
    Ok((Some(saved), Exit::Success))
}
