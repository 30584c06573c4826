//! The snapshot file (spec §7), one owner of its format: one scrape as OpenMetrics, every sample
//! with its target labels and scrape timestamp, an info family saying what the snapshot is
//! about, `# EOF`; written atomically. [`SnapshotWriter`] holds each proxy's body compressed as
//! it comes in and writes the file a family at a time, so a snapshot of a large mesh is never
//! held whole.
//!
//! The info family is `linkerd_export_snapshot_info{version,context,targets,scope,...} 1 TIME`
//! ([`info_target`]); it carries no target label, so reading the file back
//! ([`crate::source::file::load_packed`], through [`take_packed_info`]) lifts it out of the targets.

use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};
use crate::metrics::filter::Filter;
use crate::metrics::held::HeldSnapshot;
use crate::metrics::model::{Labels, PackedTarget, Snapshot, Target};
use crate::metrics::obfuscate::{self, Obfuscation};
use crate::metrics::write::{self, Format, WriteOptions};

/// Family of the info sample that describes a snapshot file; its sample is
/// `linkerd_export_snapshot_info{...} 1`.
pub(crate) const SNAPSHOT_INFO_FAMILY: &str = "linkerd_export_snapshot";

/// The labels of the info sample: the plugin's `version`, then `fields` in the order given
/// (`context`, `targets`, `scope`, `selector`, `from_file`, `source`).
pub(crate) fn info_labels(fields: Vec<(&str, String)>) -> Labels {
    std::iter::once(("version", env!("CARGO_PKG_VERSION").to_string()))
        .chain(fields)
        .map(|(n, v)| (n.to_string(), v))
        .collect()
}

/// The target without labels that carries a snapshot's info sample, stamped with
/// `scrape_time_ms`.
pub(crate) fn info_target(labels: Labels, scrape_time_ms: Option<i64>) -> Target {
    let mut labels = labels;
    labels.sort();
    let mut text = format!(
        "# HELP {SNAPSHOT_INFO_FAMILY} What this snapshot is about.\n# TYPE {SNAPSHOT_INFO_FAMILY} info\n{SNAPSHOT_INFO_FAMILY}_info"
    );
    if !labels.is_empty() {
        text.push('{');
        for (i, (name, value)) in labels.iter().enumerate() {
            if i > 0 {
                text.push(',');
            }
            text.push_str(name);
            text.push_str("=\"");
            write::write_escaped(&mut text, value, true).expect("writing to a String cannot fail");
            text.push('"');
        }
        text.push('}');
    }
    text.push_str(" 1\n");
    Target::parse(text, Vec::new(), scrape_time_ms).expect("the snapshot info sample parses")
}

/// Removes and returns the labels of the snapshot info sample of a file read back.
pub(crate) fn take_info(snapshot: &mut Snapshot) -> Option<Labels> {
    let mut found = None;
    for target in &mut snapshot.targets {
        found = take_info_of(target).or(found);
    }
    snapshot.targets.retain(|t| !is_left_empty(t));
    found
}

/// [`take_info`] of a file's targets as read, some held compressed: the info sample carries no
/// target label, so only a target without labels (small: the info sample and samples without a
/// target label) is parsed to look for it.
pub(crate) fn take_packed_info(targets: &mut Vec<PackedTarget>) -> Option<Labels> {
    let mut found = None;
    for packed in std::mem::take(targets) {
        if !packed.labels().is_empty() {
            targets.push(packed);
            continue;
        }
        let mut target = packed.unpack();
        found = take_info_of(&mut target).or(found);
        if !is_left_empty(&target) {
            targets.push(PackedTarget::parsed(target));
        }
    }
    found
}

/// Removes `target`'s info sample; its labels.
fn take_info_of(target: &mut Target) -> Option<Labels> {
    let info = target
        .families()
        .find(|f| f.name() == SNAPSHOT_INFO_FAMILY)
        .and_then(|f| f.samples().next())
        .map(|s| s.owned_labels());
    if info.is_some() {
        target.retain(|f, _| f.name() != SNAPSHOT_INFO_FAMILY);
    }
    info
}

/// The target without labels that held only the info sample.
fn is_left_empty(target: &Target) -> bool {
    target.labels.is_empty() && target.families().len() == 0
}

/// The snapshot file's text for a snapshot held whole: the info sample (stamped with the
/// earliest scrape time) first, then every family with target labels and sample timestamps,
/// then `# EOF`.
pub(crate) fn snapshot_text(snapshot: &mut Snapshot, info: Labels) -> String {
    let scrape_time = earliest_scrape(snapshot);
    take_info(snapshot);
    snapshot.targets.insert(0, info_target(info, scrape_time));
    write::to_string(
        snapshot,
        WriteOptions {
            format: Format::OpenMetrics,
            timestamps: true,
        },
    )
}

fn earliest_scrape(snapshot: &Snapshot) -> Option<i64> {
    snapshot
        .targets
        .iter()
        .filter_map(|t| t.scrape_time_ms)
        .min()
}

/// Targets held compressed as they come in (filtered and obfuscated first), with what the
/// summary line and the info sample need; written as the snapshot file by [`SnapshotWriter::write`].
pub(crate) struct SnapshotWriter {
    held: HeldSnapshot,
    filter: Filter,
    obfuscation: Option<Obfuscation>,
    samples: usize,
    proxies: usize,
    earliest: Option<i64>,
}

impl SnapshotWriter {
    /// An empty snapshot keeping what `filter` keeps, obfuscated at `obfuscation`.
    pub(crate) fn new(filter: Filter, obfuscation: Option<Obfuscation>) -> Self {
        SnapshotWriter {
            held: HeldSnapshot::new(Format::OpenMetrics),
            filter,
            obfuscation,
            samples: 0,
            proxies: 0,
            earliest: None,
        }
    }

    /// Adds one proxy's target.
    pub(crate) fn push(&mut self, mut target: Target) {
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

    /// How many proxies were added.
    pub(crate) fn proxies(&self) -> usize {
        self.proxies
    }

    /// How many samples the filters kept.
    pub(crate) fn samples(&self) -> usize {
        self.samples
    }

    /// Writes the file: the info sample with `info`'s labels (stamped with the earliest scrape)
    /// first, then the targets by (namespace, pod), then `# EOF`. Called once: the info sample
    /// joins the targets held.
    pub(crate) fn write(&mut self, info: Labels, out: &mut dyn Write) -> std::io::Result<()> {
        // The info target has no labels, so it sorts first and its family leads the file.
        self.held.push(info_target(info, self.earliest));
        self.held.sort_by_key(|labels| {
            let get = |name: &str| {
                labels
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, v)| v.clone())
            };
            (get("namespace"), get("pod"))
        });
        self.held.write_io(out, true)
    }
}

/// Writes `bytes` to `path` through a temporary file in the same directory and a rename, so a
/// reader never sees half a snapshot and a failed write leaves an older file intact.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic_with(path, |file| file.write_all(bytes))
}

/// [`write_atomic`] with what `write` writes through a buffer, so it is never held whole.
pub(crate) fn write_atomic_with(
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
mod tests {
    use super::*;
    use crate::metrics::model::TARGET_LABEL_NAMES;

    const BODY: &str = "\
    # HELP request_total Total count of HTTP requests.
    # TYPE request_total counter
    request_total{direction=\"inbound\"} 12
    # TYPE process_start_time_seconds gauge
    process_start_time_seconds 1764014000
    ";

    fn target(pod: &str, time: i64) -> Target {
        Target::parse(
            BODY.to_string(),
            vec![
                ("namespace".into(), "emojivoto".into()),
                ("pod".into(), pod.into()),
                ("container".into(), "linkerd-proxy".into()),
                ("deployment".into(), "web".into()),
            ],
            Some(time),
        )
        .unwrap()
    }

    fn info() -> Labels {
        [
            ("version", "0.1.0"),
            ("context", "prod"),
            ("targets", "deploy/web"),
            ("scope", "emojivoto"),
        ]
        .into_iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect()
    }

    fn two_pods() -> Snapshot {
        Snapshot {
            targets: vec![
                target("web-2", 1_764_014_400_250),
                target("web-1", 1_764_014_400_000),
            ],
        }
    }

    #[test]
    fn snapshot_text_is_openmetrics_with_info_timestamps_and_eof() {
        let text = snapshot_text(&mut two_pods(), info());
        assert!(text.contains("# TYPE linkerd_export_snapshot info\n"));
        assert!(text.contains(
            "linkerd_export_snapshot_info{context=\"prod\",scope=\"emojivoto\",targets=\"deploy/web\",version=\"0.1.0\"} 1 1764014400.000\n"
        ), "stamped with the earliest scrape: {text}");
        assert!(text.contains(
            "request_total{namespace=\"emojivoto\",pod=\"web-2\",container=\"linkerd-proxy\",deployment=\"web\",direction=\"inbound\"} 12 1764014400.250\n"
        ));
        assert!(text.ends_with("# EOF\n"));
        assert_eq!(text.matches("# EOF").count(), 1);
        // No free comments: OpenMetrics allows only HELP, TYPE, UNIT and EOF.
        for line in text.lines().filter(|l| l.starts_with('#')) {
            let word = line.split(' ').nth(1).unwrap_or("");
            assert!(["HELP", "TYPE", "UNIT", "EOF"].contains(&word), "{line}");
        }
    }

    #[test]
    fn reading_a_snapshot_back_restores_targets_and_lifts_the_info() {
        let text = snapshot_text(&mut two_pods(), info());
        let mut back = Snapshot::from_merged_text(text.clone(), TARGET_LABEL_NAMES).unwrap();
        let mut lifted = take_info(&mut back).expect("info family present");
        lifted.sort();
        let mut want = info();
        want.sort();
        assert_eq!(lifted, want);
        assert_eq!(back.targets.len(), 2);
        assert_eq!(back.targets[0].label("pod"), Some("web-2"));
        assert_eq!(back.targets[0].scrape_time_ms, Some(1_764_014_400_250));
        assert_eq!(back.targets[1].scrape_time_ms, Some(1_764_014_400_000));
    }

    #[test]
    fn atomic_write_replaces_the_file_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("snap.om");
        std::fs::write(&path, "old").unwrap();
        write_atomic(&path, b"new contents").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new contents");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, [std::ffi::OsString::from("snap.om")]);
        let missing_dir = dir.path().join("nope").join("snap.om");
        let err = write_atomic(&missing_dir, b"x").unwrap_err();
        assert!(err.to_string().starts_with("cannot write "), "{err}");
    }

    #[test]
    fn the_held_file_is_the_same_as_the_whole_one() {
        let whole = snapshot_text(&mut two_pods(), info());
        let mut held = HeldSnapshot::new(Format::OpenMetrics);
        let pods = two_pods();
        let earliest = pods.targets.iter().filter_map(|t| t.scrape_time_ms).min();
        for target in pods.targets {
            held.push(target);
        }
        held.push(info_target(info(), earliest));
        // The info target first, the pods in the order given (as `two_pods` and `snapshot_text` have).
        held.sort_by_key(|labels| !labels.is_empty());
        let mut out = Vec::new();
        held.write_io(&mut out, true).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), whole);
    }
}
