//! Files as a source (`--from-file`): a snapshot or merged exposition (target labels
//! recognised), raw proxy text (one target without labels), or `linkerd diagnostics
//! proxy-metrics` output (one target per `# POD` section).

use std::path::Path;

use crate::error::{Error, Result};
use crate::export::snapshot_file;
use crate::metrics::model::{Snapshot, TARGET_LABEL_NAMES, Text};
use crate::metrics::parse;
use crate::metrics::{PARALLEL_MIN_BYTES, join};

/// Reads a metrics file into a snapshot. Malformed lines, an OpenMetrics file cut short
/// (OpenMetrics syntax or a snapshot info sample, but no final `# EOF`) and a file without any
/// sample are errors naming the file.
///
/// A mapped file is indexed as a merged exposition straight away, noticing on the way what the
/// checks need (a `# POD` header, OpenMetrics syntax), so its text is read once; a `# POD` dump
/// or a malformed file is then mapped again and read as below, with the same outcome.
pub(crate) fn load_file(path: &Path) -> Result<Snapshot> {
    let read = || Text::read_file(path).map_err(|e| Error::read(path, e));
    let text = read()?;
    let snapshot = if text.is_mapped() {
        let complete = parse::ends_with_eof(&text);
        match Snapshot::from_merged_text_noticing(text, TARGET_LABEL_NAMES) {
            Ok((snapshot, noticed)) if !noticed.pod_header => {
                checked_merged(path, snapshot, complete, noticed.openmetrics)?
            }
            _ => from_text(path, read()?)?,
        }
    } else {
        from_text(path, text)?
    };
    if snapshot.sample_count() == 0 {
        return Err(Error::Failed(format!(
            "{}: no metrics found",
            path.display()
        )));
    }
    Ok(snapshot)
}

/// [`load_file`] of `text`, its checks each reading the text.
fn from_text(path: &Path, text: Text) -> Result<Snapshot> {
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
            None => Ok(snapshot),
        };
    }
    let snapshot = Snapshot::from_merged_text(text, TARGET_LABEL_NAMES)
        .map_err(|e| Error::malformed(path, e))?;
    checked_merged(path, snapshot, complete, openmetrics)
}

/// A merged exposition's snapshot without the snapshot file's info sample; cut short (no `# EOF`
/// after OpenMetrics syntax or an info sample) is an error.
fn checked_merged(
    path: &Path,
    mut snapshot: Snapshot,
    complete: bool,
    openmetrics: bool,
) -> Result<Snapshot> {
    let info = snapshot_file::take_info(&mut snapshot);
    if !complete && (openmetrics || info.is_some()) {
        return Err(Error::Failed(format!(
            "{}: the OpenMetrics file ends without \"# EOF\": it was cut short; \
             take the snapshot again or restore the rest of the file",
            path.display()
        )));
    }
    Ok(snapshot)
}
