//! [`Snapshot`]: many targets, and the conversions between a snapshot and one exposition — a
//! merged file split back into targets (indexed in pieces when it is large: one index holds
//! less than 2 GiB, and a snapshot of a few hundred pods is more), `linkerd diagnostics
//! proxy-metrics` sections. The snapshot file's own format (its info sample) is
//! [`crate::export::snapshot_file`]'s.

use super::packed::{PackedTarget, PackedText};
use super::{Continued, FamilyRef, Labels, Noticed, Target, Text, write_meta, write_sample_line};
use crate::metrics::parse::{self, ParseError};

/// Samples of many targets.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Snapshot {
    /// The targets, in scrape order.
    pub targets: Vec<Target>,
}

/// The target labels (spec §4a) that say which proxy a series came from, recognised by name when
/// a merged exposition (our `-o prom`/`-o openmetrics` output, a snapshot, a federation answer)
/// is split back into targets: `job`, `instance`, `namespace`, `pod`, the workload labels (a
/// Job's is `k8s_job`: `job` is Prometheus' own), and `container`, which older snapshots carry.
/// The pod's own labels (`app`, `control_plane_ns`, `pod_template_hash`, ...) cannot be told
/// from a proxy's by name: they are found through [`TARGET_REFERENCE_FAMILY`].
pub const TARGET_LABEL_NAMES: &[&str] = &[
    "job",
    "instance",
    "namespace",
    "pod",
    "container",
    "deployment",
    "statefulset",
    "daemonset",
    "replicaset",
    "replicationcontroller",
    "k8s_job",
    "cronjob",
];

/// A family every Linkerd proxy serves with no labels of its own, so the labels its sample has
/// in a merged exposition are exactly its target's: the labels a target's
/// `process_start_time_seconds` sample has beyond [`TARGET_LABEL_NAMES`] (the pod labels) are
/// target labels of every sample of that target that has them with the same value. A target
/// without that sample (a filtered file) keeps such labels on its samples; either way each
/// series has the same label set.
pub const TARGET_REFERENCE_FAMILY: &str = "process_start_time_seconds";

/// For each target of a merged exposition, keyed by its [`TARGET_LABEL_NAMES`] labels (sorted as
/// that list is), the other labels of its [`TARGET_REFERENCE_FAMILY`] sample, in written order.
fn reference_target_labels<'t>(
    families: impl Iterator<Item = FamilyRef<'t>>,
    target_label_names: &[&str],
) -> foldhash::HashMap<Labels, Labels> {
    let mut found: foldhash::HashMap<Labels, Labels> = Default::default();
    // The family may be cut in pieces ([`Text::pieces`]).
    let samples = families
        .filter(|f| f.name() == TARGET_REFERENCE_FAMILY)
        .flat_map(|f| f.samples());
    for sample in samples {
        let (mut key, mut extra) = (Labels::new(), Labels::new());
        for label in sample.labels.iter() {
            let pair = (label.name.into_owned(), label.value.into_owned());
            if target_label_names.contains(&pair.0.as_str()) {
                key.push(pair);
            } else {
                extra.push(pair);
            }
        }
        key.sort_by_key(|(n, _)| target_label_names.iter().position(|t| t == n));
        found.entry(key).or_insert(extra);
    }
    found
}

/// A merged text longer than this is indexed in pieces of at most this, each piece's pages let
/// go once it is read ([`Text::release`]), and the targets split from it are held compressed
/// ([`PackedTarget`]): of a mapped file, about a piece is resident at a time rather than the
/// whole file (a snapshot of 800 pods is 3.3 GB). Well under the most one target can index
/// ([`Target::MAX_INDEXED`]); small enough that the piece is a small part of what reading a large
/// file holds (with 256 MiB pieces it was 40 % of `stat --from-file`'s peak on that file).
pub(super) const PIECE_BYTES: usize = 64 << 20;

/// Why a text too long to index whole is refused when a line of it is longer than a piece.
const LINE_TOO_LONG: &str = "a line of 64 MiB or more in a text of 2 GiB or more cannot be read";

/// Why a text too long to index whole is refused when it has no target label and no timestamp:
/// such a text (what a proxy serves) is kept as one target, which cannot be in pieces.
const PLAIN_TOO_LONG: &str = "a body of 2 GiB or more without target labels cannot be read";

/// One target's body as it is rebuilt from a merged exposition.
struct Rebuilt {
    labels: Labels,
    scrape_time_ms: Option<i64>,
    text: PackedText,
    /// The place among the exposition's families of the family whose metadata was written last.
    family: Option<usize>,
}

impl Snapshot {
    /// Split a merged exposition (our `-o prom`/`-o openmetrics` output or a snapshot file),
    /// indexed as one target, back into targets: samples are grouped by the values of
    /// `target_label_names`, which are moved from the sample labels to the target, with the
    /// target's other labels found through [`TARGET_REFERENCE_FAMILY`]; a sample
    /// timestamp becomes the target's scrape time. Samples without any target label form a
    /// target with no labels. A body with no target label and no timestamp (what a proxy serves)
    /// is kept as it is.
    pub fn from_merged(merged: Target, target_label_names: &[&str]) -> Self {
        let labelled = merged.samples().any(|(_, s)| {
            s.labels
                .pairs()
                .any(|l| target_label_names.contains(&l.name))
        });
        Snapshot::split_merged(merged, target_label_names, labelled)
    }

    /// [`Snapshot::from_merged`], told whether a sample has a label of `target_label_names`
    /// (`labelled`).
    fn split_merged(merged: Target, target_label_names: &[&str], labelled: bool) -> Self {
        let targets =
            match Snapshot::split_pieces(vec![(merged, false)], target_label_names, labelled) {
                Ok(targets) => targets.into_iter().map(PackedTarget::unpack).collect(),
                Err(mut pieces) => {
                    // As when it is split, a family declared without samples is left out.
                    let (mut merged, _) = pieces.pop().expect("one piece");
                    merged.drop_empty_families();
                    vec![merged]
                }
            };
        Snapshot { targets }
    }

    /// [`Snapshot::split_merged`] of a merged exposition indexed in `pieces`, in order, each
    /// saying whether its first family goes on from the piece before; the pieces back when the
    /// exposition has no target label and no timestamp (what a proxy serves), which is kept as
    /// it is. The targets of a text in more than one piece are held compressed: together they
    /// are nearly the text's size.
    fn split_pieces(
        pieces: Vec<(Target, bool)>,
        target_label_names: &[&str],
        labelled: bool,
    ) -> Result<Vec<PackedTarget>, Vec<(Target, bool)>> {
        let samples = || pieces.iter().flat_map(|(p, _)| &p.samples);
        if samples().next().is_none() {
            return Ok(Vec::new());
        }
        let packing = pieces.len() > 1;
        if !labelled && samples().all(|s| s.timestamp_ms.is_none()) {
            return Err(pieces);
        }
        // Each family with its place among the exposition's: a family that goes on in the next
        // piece keeps its place there.
        let mut place = 0;
        let families: Vec<(usize, usize, FamilyRef<'_>)> = pieces
            .iter()
            .enumerate()
            .flat_map(|(p, (piece, continues))| {
                piece
                    .families()
                    .enumerate()
                    .map(move |(f, family)| (p, f == 0 && *continues, family))
            })
            .map(|(p, continued, family)| {
                if !continued {
                    place += 1;
                }
                (p, place, family)
            })
            .collect();
        let mut references = reference_target_labels(
            families.iter().map(|(_, _, family)| *family),
            target_label_names,
        );
        let mut rebuilt: Vec<Rebuilt> = Vec::new();
        let mut index: foldhash::HashMap<Labels, usize> = Default::default();
        let mut key: Labels = Vec::new();
        let mut rest: Vec<(usize, usize)> = Vec::new();
        let mut labels = String::new();
        let mut reading = 0;
        for &(piece, family_ix, family) in &families {
            if piece != reading {
                // Done with that piece's text.
                pieces[reading].0.text.release();
                reading = piece;
            }
            for sample in family.samples() {
                key.clear();
                for label in sample.labels.iter() {
                    if target_label_names.contains(&label.name.as_ref()) {
                        key.push((label.name.into_owned(), label.value.into_owned()));
                    }
                }
                key.sort_by_key(|(n, _)| target_label_names.iter().position(|t| t == n));
                let slot = match index.get(&key) {
                    Some(&slot) => slot,
                    None => {
                        let mut labels = key.clone();
                        labels.extend(references.remove(&key).unwrap_or_default());
                        rebuilt.push(Rebuilt {
                            labels,
                            scrape_time_ms: sample.timestamp_ms,
                            text: if packing {
                                PackedText::packing()
                            } else {
                                PackedText::default()
                            },
                            family: None,
                        });
                        index.insert(key.clone(), rebuilt.len() - 1);
                        rebuilt.len() - 1
                    }
                };
                let target = &mut rebuilt[slot];
                let extra = &target.labels[key.len()..];
                rest.clear();
                let raw = sample.labels.as_str();
                for label in sample.labels.iter() {
                    let moved = target_label_names.contains(&label.name.as_ref())
                        || extra
                            .iter()
                            .any(|(n, v)| *n == label.name && *v == label.value);
                    if !moved {
                        rest.push(label_extent(raw, &label));
                    }
                }
                let text = target.text.open();
                if target.family != Some(family_ix) {
                    target.family = Some(family_ix);
                    write_meta(text, family);
                }
                labels.clear();
                for (i, &(start, end)) in rest.iter().enumerate() {
                    if i > 0 {
                        labels.push(',');
                    }
                    labels.push_str(&raw[start..end]);
                }
                let ts = sample
                    .timestamp_ms
                    .filter(|&t| Some(t) != target.scrape_time_ms);
                write_sample_line(text, sample.name, &labels, sample.value, ts);
                target.text.written();
            }
        }
        Ok(rebuilt
            .into_iter()
            .map(|r| r.text.into_target(r.labels, r.scrape_time_ms))
            .collect())
    }

    /// [`Snapshot::from_merged`] of `text`, indexed strictly.
    pub fn from_merged_text(
        text: impl Into<Text>,
        target_label_names: &[&str],
    ) -> Result<Self, ParseError> {
        Snapshot::packed_from_merged_text(text.into(), target_label_names)
            .map(|(targets, _)| Snapshot::unpacked(targets))
    }

    /// [`Snapshot::from_merged_text`], the targets of a text read in pieces held compressed
    /// ([`PackedTarget`]) until each is used, and what indexing noticed on the way.
    pub(crate) fn packed_from_merged_text(
        text: Text,
        target_label_names: &[&str],
    ) -> Result<(Vec<PackedTarget>, Noticed), ParseError> {
        Snapshot::packed_from_pieces(text, target_label_names, PIECE_BYTES)
    }

    /// The snapshot of `targets`, each parsed.
    pub fn unpacked(targets: Vec<PackedTarget>) -> Self {
        Snapshot {
            targets: targets.into_iter().map(PackedTarget::unpack).collect(),
        }
    }

    /// [`Snapshot::from_merged_text`] of `text` read in pieces of at most `max` bytes, for
    /// [`crate::fuzz_checks::parse`] to check against reading it whole.
    #[cfg(any(test, fuzzing))]
    pub fn from_merged_text_in_pieces(text: &str, max: usize) -> Result<Self, ParseError> {
        Snapshot::packed_in_pieces(text, max).map(Snapshot::unpacked)
    }

    /// The targets of a merged exposition split as [`Snapshot::from_merged_text`] splits it,
    /// the text indexed in pieces of at most `max` bytes when it is longer: then each target is
    /// held compressed until it is unpacked. Files are read with pieces of 64 MiB.
    pub fn packed_in_pieces(
        text: impl Into<Text>,
        max: usize,
    ) -> Result<Vec<PackedTarget>, ParseError> {
        Snapshot::packed_from_pieces(text.into(), TARGET_LABEL_NAMES, max).map(|(t, _)| t)
    }

    /// [`Snapshot::packed_from_merged_text`], a text longer than `max` bytes indexed in pieces
    /// of at most that ([`Text::pieces`]): one target's index reaches 2 GiB, a snapshot of a
    /// large mesh is many times that, and of a mapped file only the piece being read need be
    /// resident.
    fn packed_from_pieces(
        text: Text,
        target_label_names: &[&str],
        max: usize,
    ) -> Result<(Vec<PackedTarget>, Noticed), ParseError> {
        if text.len() <= max {
            let (merged, noticed) = Target::parse_watching(text, target_label_names)?;
            let snapshot =
                Snapshot::split_merged(merged, target_label_names, noticed.watched_label);
            let targets = snapshot.targets.into_iter().map(PackedTarget::parsed);
            return Ok((targets.collect(), noticed));
        }
        let line_at =
            |offset: usize| memchr::memchr_iter(b'\n', &text.as_bytes()[..offset]).count();
        let pieces = match text.pieces(max) {
            Ok(pieces) => pieces,
            Err(offset) => {
                let why = ParseError {
                    line: line_at(offset) + 1,
                    column: 1,
                    message: LINE_TOO_LONG,
                };
                return Snapshot::whole_instead(text, target_label_names, why);
            }
        };
        let mut noticed = Noticed::default();
        let mut indexed: Vec<(Target, bool)> = Vec::with_capacity(pieces.len());
        for (offset, piece, continues) in pieces {
            let continued = indexed
                .last()
                .filter(|_| continues)
                .and_then(|(previous, _)| Continued::last_of(previous));
            let (target, seen) = Target::parse_piece(piece, target_label_names, continued.as_ref())
                .map_err(|e| ParseError {
                    line: e.line + line_at(offset),
                    ..e
                })?;
            noticed = noticed.or(seen);
            // Read again, a piece at a time, when split into targets.
            target.text.release();
            indexed.push((target, continued.is_some()));
        }
        match Snapshot::split_pieces(indexed, target_label_names, noticed.watched_label) {
            Ok(targets) => Ok((targets, noticed)),
            // Kept as one target, as it is.
            Err(_) => {
                let why = ParseError {
                    line: 1,
                    column: 1,
                    message: PLAIN_TOO_LONG,
                };
                Snapshot::whole_instead(text, target_label_names, why)
            }
        }
    }

    /// A text that cannot be read in pieces (`why`) read whole, when it can be indexed whole.
    fn whole_instead(
        text: Text,
        target_label_names: &[&str],
        why: ParseError,
    ) -> Result<(Vec<PackedTarget>, Noticed), ParseError> {
        if text.len() > Target::MAX_INDEXED {
            return Err(why);
        }
        Snapshot::packed_from_pieces(text, target_label_names, usize::MAX)
    }

    /// Split `linkerd diagnostics proxy-metrics` output (`# POD name (i of n)` headers) into one
    /// target per pod, labelled `pod`. A body without headers is one target with no labels.
    /// Returns the snapshot and the parse errors of skipped lines.
    pub fn from_diagnostics(input: &str) -> (Self, Vec<ParseError>) {
        let mut snapshot = Snapshot::default();
        let mut errors = Vec::new();
        for (pod, section) in split_pod_sections(input) {
            let labels = pod
                .map(|p| vec![("pod".to_string(), p.to_string())])
                .unwrap_or_default();
            let (target, errs) = Target::parse_lenient(section.to_string(), labels, None);
            errors.extend(errs);
            if target.families.is_empty() && pod.is_none() {
                continue;
            }
            snapshot.targets.push(target);
        }
        (snapshot, errors)
    }

    /// Total number of samples.
    pub fn sample_count(&self) -> usize {
        self.targets.iter().map(Target::sample_count).sum()
    }

    /// About how many bytes of memory the snapshot holds ([`Target::held_bytes`]).
    pub fn held_bytes(&self) -> u64 {
        self.targets.iter().map(Target::held_bytes).sum()
    }
}

/// The byte range of `label` (`name="value"`) within the raw label text `raw`.
fn label_extent(raw: &str, label: &parse::Label<'_>) -> (usize, usize) {
    let value_start = label.raw_value.as_ptr() as usize - raw.as_ptr() as usize;
    let end = value_start + label.raw_value.len() + 1;
    let name_start = raw[..value_start].rfind([',', '{']).map_or(0, |i| i + 1);
    let name_start = name_start + (raw[name_start..].len() - raw[name_start..].trim_start().len());
    (name_start, end)
}

/// Split at `# POD name (i of n)` header lines; the text before the first header has no pod.
/// Line numbers in errors are relative to each section.
fn split_pod_sections(input: &str) -> Vec<(Option<&str>, &str)> {
    let mut sections = Vec::new();
    let mut current: Option<&str> = None;
    let mut start = 0;
    let mut offset = 0;
    for line in input.split_inclusive('\n') {
        if let Some(rest) = line.trim_end().strip_prefix("# POD ") {
            sections.push((current, &input[start..offset]));
            current = Some(rest.split(' ').next().unwrap_or(rest));
            start = offset + line.len();
        }
        offset += line.len();
    }
    sections.push((current, &input[start..]));
    sections
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`Snapshot::packed_from_pieces`], each target parsed.
    fn from_merged_pieces(
        text: Text,
        target_label_names: &[&str],
        max: usize,
    ) -> Result<(Snapshot, Noticed), ParseError> {
        Snapshot::packed_from_pieces(text, target_label_names, max)
            .map(|(targets, noticed)| (Snapshot::unpacked(targets), noticed))
    }

    #[test]
    fn merged_text_is_split_by_target_labels_found_while_indexing() {
        let text = "# TYPE a counter\na_total{pod=\"x\",k=\"1\"} 1\na_total{k=\"1\",pod=\"y\"} 2\n";
        let snapshot = Snapshot::from_merged_text(text, TARGET_LABEL_NAMES).unwrap();
        assert_eq!(snapshot.targets.len(), 2);
        assert_eq!(snapshot.targets[1].label("pod"), Some("y"));
        // Names that only begin or end like a target label's are a proxy's own.
        let body = "a_total{pod_ix=\"1\",dst_pod=\"x\"} 1\n";
        let plain = Snapshot::from_merged_text(body, TARGET_LABEL_NAMES).unwrap();
        assert_eq!(plain.targets.len(), 1);
        assert!(plain.targets[0].labels.is_empty());
    }

    /// A merged exposition of `pods` pods, each family written once for all of them: a HELP and
    /// TYPE block, or (every third family) a TYPE line alone, and the pods' reference family.
    fn merged(pods: usize, families: usize) -> String {
        let mut text = String::new();
        for f in 0..families {
            if f % 3 != 0 {
                text.push_str(&format!("# HELP f{f}_total Family {f}.\n"));
            }
            text.push_str(&format!("# TYPE f{f}_total counter\n"));
            for p in 0..pods {
                text.push_str(&format!(
                    "f{f}_total{{namespace=\"n\",pod=\"p{p}\",app=\"a{p}\",k=\"{f}\"}} {} 1000\n",
                    f * p
                ));
            }
        }
        text.push_str("# HELP h A histogram, \\\\ escaped.\n# TYPE h histogram\n");
        for p in 0..pods {
            let labels = format!("namespace=\"n\",pod=\"p{p}\",app=\"a{p}\"");
            for (le, n) in [("1", p), ("10", 2 * p), ("+Inf", 3 * p)] {
                text.push_str(&format!("h_bucket{{{labels},le=\"{le}\"}} {n} 1000\n"));
            }
            text.push_str(&format!(
                "h_count{{{labels}}} {} 1000\nh_sum{{{labels}}} 7.5 1000\n",
                3 * p
            ));
        }
        text.push_str("# TYPE process_start_time_seconds gauge\n");
        for p in 0..pods {
            text.push_str(&format!(
                "process_start_time_seconds{{namespace=\"n\",pod=\"p{p}\",app=\"a{p}\"}} 5 1000\n"
            ));
        }
        text
    }

    #[test]
    fn a_merged_text_read_in_pieces_is_split_as_when_read_whole() {
        let text = merged(4, 12);
        let (whole, noticed) =
            from_merged_pieces(text.as_str().into(), TARGET_LABEL_NAMES, usize::MAX).unwrap();
        assert_eq!(whole.targets.len(), 4);
        // The reference family comes last, in the last piece: `app` is still a target label.
        assert_eq!(whole.targets[0].label("app"), Some("a0"));
        // Pieces smaller than a family cut it (the histogram, the longest, too); larger ones do
        // not.
        let histogram = text.find("# HELP h ").unwrap()..text.find("# TYPE process").unwrap();
        for max in [120, 200, 333, 700, 1000, 1500, 2000] {
            let pieces = Text::from(text.as_str()).pieces(max).unwrap();
            assert!(pieces.len() > 2, "{max}: {} pieces", pieces.len());
            let cut = pieces.iter().any(|(_, _, continues)| *continues);
            assert_eq!(cut, max < histogram.len(), "{max}");
            let read = from_merged_pieces(text.as_str().into(), TARGET_LABEL_NAMES, max);
            assert_eq!(read, Ok((whole.clone(), noticed)), "pieces of {max}");
        }
    }

    #[test]
    fn a_mapped_file_is_read_in_pieces_of_its_one_mapping() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("merged.om");
        std::fs::write(&path, merged(4, 12)).unwrap();
        let text = Text::read_file(&path).unwrap();
        assert!(text.is_mapped());
        let pieces = text.pieces(150).unwrap();
        assert!(pieces.iter().all(|(_, piece, _)| piece.is_mapped()));
        let whole = Snapshot::from_merged_text(text.clone(), TARGET_LABEL_NAMES).unwrap();
        let read = from_merged_pieces(text, TARGET_LABEL_NAMES, 150).unwrap();
        assert_eq!(read.0, whole);
    }

    #[test]
    fn pieces_are_cut_before_a_family_unless_it_is_longer_and_hold_the_whole_text() {
        let text = Text::from(merged(4, 12));
        for max in [150, 1000] {
            let pieces = text.pieces(max).unwrap();
            let mut joined = String::new();
            for (i, (offset, piece, continues)) in pieces.iter().enumerate() {
                assert_eq!(*offset, joined.len());
                assert!(piece.len() <= max, "{}", piece.len());
                assert!(joined.is_empty() || joined.ends_with('\n'));
                let first = piece.lines().next().unwrap();
                if *continues {
                    assert!(!first.starts_with('#'), "{first}");
                } else if i > 0 {
                    // At the first line of a family's comments: its HELP, or its TYPE when it has
                    // no HELP (every third family, and the reference family).
                    let name = first.split(' ').nth(2).unwrap();
                    let family = name
                        .strip_prefix('f')
                        .and_then(|f| f.strip_suffix("_total"));
                    let helped =
                        name == "h" || family.is_some_and(|f| f.parse::<usize>().unwrap() % 3 != 0);
                    let opens = if helped { "# HELP" } else { "# TYPE" };
                    assert!(first.starts_with(opens), "{first}");
                }
                joined.push_str(piece);
            }
            assert_eq!(joined, *text, "{max}");
        }
    }

    #[test]
    fn a_line_longer_than_a_piece_is_read_whole_and_a_bad_line_in_a_later_piece_is_an_error_where_it_is()
     {
        let text = merged(4, 12);
        // Pieces of 30 bytes cannot hold a sample line: a text that fits one index is read whole.
        let long = from_merged_pieces(text.as_str().into(), TARGET_LABEL_NAMES, 30);
        let whole = Snapshot::from_merged_text(text.as_str(), TARGET_LABEL_NAMES).unwrap();
        assert_eq!(long.unwrap().0, whole);
        let bad = text.replacen(
            "f10_total{namespace=\"n\",pod=\"p2\"",
            "f10_total{namespace=",
            1,
        );
        let line = bad
            .lines()
            .position(|l| l.ends_with("namespace=,app=\"a2\",k=\"10\"} 20 1000"));
        let error = from_merged_pieces(bad.as_str().into(), TARGET_LABEL_NAMES, 700).unwrap_err();
        assert_eq!(Some(error.line), line.map(|l| l + 1), "{error}");
    }
}
