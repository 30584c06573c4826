//! Files as a source (`--from-file`): a snapshot or merged exposition (target labels
//! recognised), raw proxy text (one target without labels), or `linkerd diagnostics
//! proxy-metrics` output (one target per `# POD` section).

use std::path::Path;

use crate::error::{Error, Result};
use crate::export::snapshot_file;
use crate::metrics::model::{PackedTarget, Snapshot, TARGET_LABEL_NAMES, Text};
use crate::metrics::parse;
use crate::metrics::{PARALLEL_MIN_BYTES, join};

/// Reads a metrics file into its targets, those of a large file held compressed until each is
/// used ([`PackedTarget`]): a command that uses one at a time holds a fraction of the file.
/// Malformed lines, an OpenMetrics file cut short (OpenMetrics syntax or a snapshot info sample,
/// but no final `# EOF`) and a file without any sample are errors naming the file.
///
/// A mapped file is indexed as a merged exposition straight away, noticing on the way what the
/// checks need (a `# POD` header, OpenMetrics syntax), so its text is read once; a `# POD` dump
/// or a malformed file is then mapped again and read as below, with the same outcome.
pub(crate) fn load_packed(path: &Path) -> Result<Vec<PackedTarget>> {
    let read = || Text::read_file(path).map_err(|e| Error::read(path, e));
    let text = read()?;
    let targets = if text.is_mapped() {
        let complete = parse::ends_with_eof(&text);
        match Snapshot::packed_from_merged_text(text, TARGET_LABEL_NAMES) {
            Ok((targets, noticed)) if !noticed.pod_header => {
                checked_merged(path, targets, complete, noticed.openmetrics)?
            }
            _ => from_text(path, read()?)?,
        }
    } else {
        from_text(path, text)?
    };
    if !targets.iter().any(PackedTarget::has_samples) {
        return Err(Error::Failed(format!(
            "{}: no metrics found",
            path.display()
        )));
    }
    Ok(targets)
}

/// [`load_packed`] of `text`, its checks each reading the text.
fn from_text(path: &Path, text: Text) -> Result<Vec<PackedTarget>> {
    // Both read the whole text: at once, when it is large.
    let large = text.len() >= PARALLEL_MIN_BYTES;
    let diagnostics = || parse::has_pod_header(&text);
    let cut_short = || {
        let complete = parse::ends_with_eof(&text);
        (complete, !complete && parse::says_openmetrics(&text))
    };
    let (diagnostics, (complete, openmetrics)) = if large {
        join(diagnostics, cut_short)
    } else {
        (diagnostics(), cut_short())
    };
    if diagnostics {
        let (snapshot, errors) = Snapshot::from_diagnostics(&text);
        return match errors.into_iter().next() {
            Some(e) => Err(Error::malformed(path, e)),
            None => Ok(snapshot
                .targets
                .into_iter()
                .map(PackedTarget::parsed)
                .collect()),
        };
    }
    let (targets, _) = Snapshot::packed_from_merged_text(text, TARGET_LABEL_NAMES)
        .map_err(|e| Error::malformed(path, e))?;
    checked_merged(path, targets, complete, openmetrics)
}

/// A merged exposition's targets without the snapshot file's info sample; cut short (no `# EOF`
/// after OpenMetrics syntax or an info sample) is an error.
fn checked_merged(
    path: &Path,
    mut targets: Vec<PackedTarget>,
    complete: bool,
    openmetrics: bool,
) -> Result<Vec<PackedTarget>> {
    let info = snapshot_file::take_packed_info(&mut targets);
    if !complete && (openmetrics || info.is_some()) {
        return Err(Error::Failed(format!(
            "{}: the OpenMetrics file ends without \"# EOF\": it was cut short; \
             take the snapshot again or restore the rest of the file",
            path.display()
        )));
    }
    Ok(targets)
}
