//! One side of a diff read in place: each series' identity hashed from the labels where they
//! lie in the text (family identity, sample name, sample and target labels; without `pod` and
//! `instance` when summing per workload), where it is, and each pod's start and scrape time.

use std::borrow::Cow;
use std::hash::BuildHasher;

use super::DiffBy;
use super::key::{KeyAt, Keys};
use crate::metrics::MetricType;
use crate::metrics::model::{
    FamilyRef, SampleRef, Snapshot, Target, family_identity, is_per_process_gauge,
};

/// Where a series was seen: target, family and sample index.
#[derive(Debug, Clone, Copy)]
pub(super) struct At {
    pub(super) target: u32,
    pub(super) family: u32,
    pub(super) sample: u32,
}

/// How a sample's name ends after its family's: which of a histogram's (or summary's) series
/// it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Part {
    /// None of these.
    Other,
    Count,
    Sum,
    Bucket,
}

/// Where a histogram series' `le` is, as [`Located::le`] finds it, noted while its labels are
/// hashed so they are not read again: bytes `start..end` of its target's text, or (`start` is
/// `u32::MAX`, which no text reaches) none, or one to read again (escaped, or a target label).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Le {
    start: u32,
    end: u32,
}

impl Le {
    /// It has none.
    pub(super) const NONE: Le = Le {
        start: u32::MAX,
        end: 0,
    };
    /// Read by [`Located::le`].
    pub(super) const READ: Le = Le {
        start: u32::MAX,
        end: 1,
    };

    /// Where `value` is in `text`, or [`Le::READ`] when it is not in it (decoded).
    pub(super) fn in_text(text: &str, value: &str) -> Le {
        let start = (value.as_ptr() as usize).wrapping_sub(text.as_ptr() as usize);
        if start <= text.len() && text.len() - start >= value.len() {
            Le {
                start: start as u32,
                end: (start + value.len()) as u32,
            }
        } else {
            Le::READ
        }
    }
}

/// One pod's series on one side.
#[derive(Debug, Clone, Copy)]
pub(super) struct PodSeries {
    /// The identity it is summed under ([`DiffBy::Workload`]: without `pod` and `instance`).
    pub(super) out: u64,
    /// A histogram's series: the identity of its histogram (without `le`).
    pub(super) histogram: u64,
    pub(super) kind: MetricType,
    /// A start time, expiry or build fact: not summed ([`is_per_process_gauge`]).
    pub(super) per_process: bool,
    pub(super) value: f64,
    pub(super) at: At,
    /// Which of its family's series it is; a histogram's: its `le`.
    pub(super) part: Part,
    pub(super) le: Le,
}

/// The maps `diff` keys series by. A fixed seed, so the same input is summed in the same order
/// on every run: floating-point sums depend on it.
pub(super) type Map<K, V> = std::collections::HashMap<K, V, foldhash::fast::FixedState>;

/// The hasher of series identities: fixed, so both sides agree.
pub(super) const SERIES_HASHER: foldhash::quality::FixedState =
    foldhash::quality::FixedState::with_seed(7);

pub(super) fn part(name: &str, value: &str) -> u64 {
    SERIES_HASHER.hash_one((name, value))
}

/// The labels that tell one pod of a workload from another, left out when series are summed
/// per workload: `pod`, and `instance` (`podIP:adminPort`, spec §4a).
pub(super) const PER_POD_LABELS: [&str; 2] = ["pod", "instance"];

/// One side's series, keyed by identity: family identity (a counter read from Prometheus text
/// and from OpenMetrics is one family), sample name, and the labels of sample and target (a
/// sample's own label wins over a target label of the same name), in any order. Labels are
/// hashed where they lie in the text: nothing is allocated per sample. A series written twice
/// is kept as last written.
pub(super) fn series_of(snapshot: &Snapshot, by: DiffBy) -> Map<u64, PodSeries> {
    let places = snapshot.targets.iter().enumerate().flat_map(|(t, target)| {
        target.families().enumerate().flat_map(move |(f, family)| {
            (0..family.len()).map(move |i| At {
                target: t as u32,
                family: f as u32,
                sample: i as u32,
            })
        })
    });
    let count = snapshot.targets.iter().map(|t| t.sample_count()).sum();
    series_at(snapshot, places, count, by, Repeated::KeepLast).expect("repeats are kept")
}

/// What [`series_at`] does with a series that comes twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Repeated {
    /// Keep the one that comes last.
    KeepLast,
    /// Give no map.
    Refuse,
}

/// The series of `snapshot` at `places` (`count` of them, in any order, read fastest in the
/// text's), keyed by identity as [`series_of`] keys them; `None` when a series comes twice and
/// `repeated` refuses it.
pub(super) fn series_at(
    snapshot: &Snapshot,
    places: impl IntoIterator<Item = At>,
    count: usize,
    by: DiffBy,
    repeated: Repeated,
) -> Option<Map<u64, PodSeries>> {
    let mut out: Map<u64, PodSeries> = Default::default();
    out.reserve(count);
    let mut hasher: Option<(u32, TargetHasher<'_>)> = None;
    let mut family: Option<(u32, u32, FamilyRef<'_>, Cow<'_, str>)> = None;
    for at in places {
        let target = &snapshot.targets[at.target as usize];
        if hasher.as_ref().is_none_or(|(t, _)| *t != at.target) {
            hasher = Some((at.target, TargetHasher::new(target, by)));
        }
        if family
            .as_ref()
            .is_none_or(|(t, f, _, _)| (*t, *f) != (at.target, at.family))
        {
            let f = target.family_at(at.family as usize).expect("a place of it");
            family = Some((at.target, at.family, f, family_identity(f.name(), f.kind())));
        }
        let (_, hasher) = hasher.as_mut().expect("set above");
        let (_, _, f, identity) = family.as_ref().expect("set above");
        let sample = f.sample_at(at.sample as usize).expect("a place of it");
        let (key, series) = hasher.series(*f, identity, sample, at);
        if out.insert(key, series).is_some() && repeated == Repeated::Refuse {
            return None;
        }
    }
    Some(out)
}

/// What hashing a target's series needs of the target, computed once per target.
pub(super) struct TargetHasher<'t> {
    target: &'t Target,
    by: DiffBy,
    /// Each target label's hash.
    target_parts: Vec<u64>,
    /// Their sum.
    all_targets: u64,
    /// Which target label is `le`.
    target_le: Option<usize>,
    /// Which target labels a sample's own labels replace (reused from sample to sample).
    clashes: Vec<bool>,
}

impl<'t> TargetHasher<'t> {
    pub(super) fn new(target: &'t Target, by: DiffBy) -> Self {
        let target_parts: Vec<u64> = target.labels.iter().map(|(n, v)| part(n, v)).collect();
        TargetHasher {
            target,
            by,
            all_targets: target_parts.iter().fold(0, |a, p| a.wrapping_add(*p)),
            target_parts,
            target_le: target.labels.iter().position(|(n, _)| n == "le"),
            clashes: Vec::new(),
        }
    }

    /// The identity of `sample` (of `family`, whose identity is `identity`, at `at`) and what
    /// a diff needs of it.
    pub(super) fn series(
        &mut self,
        family: FamilyRef<'t>,
        identity: &str,
        sample: SampleRef<'t>,
        at: At,
    ) -> (u64, PodSeries) {
        let target = self.target;
        let histogram = family.kind() == MetricType::Histogram;
        let which = part_of(family.name(), sample.name);
        // The least `le` of the sample's, as [`Located::le`] takes it.
        let mut least_le: Option<Cow<'_, str>> = None;
        let clashes = &mut self.clashes;
        clashes.clear();
        clashes.resize(target.labels.len(), false);
        let mut sum = self.all_targets;
        let mut per_pod = [None; PER_POD_LABELS.len()];
        // The parts of the labels named `le`, which a histogram's identity leaves out.
        let mut le = 0u64;
        for label in sample.labels.iter() {
            let p = part(&label.name, &label.value);
            sum = sum.wrapping_add(p);
            if let Some(c) = target.labels.iter().position(|(n, _)| *n == label.name)
                && !clashes[c]
            {
                clashes[c] = true;
                sum = sum.wrapping_sub(self.target_parts[c]);
            }
            if let Some(k) = PER_POD_LABELS.iter().position(|n| *n == label.name) {
                per_pod[k] = Some(p);
            }
            if histogram && label.name == "le" {
                le = le.wrapping_add(p);
                if least_le.as_ref().is_none_or(|least| label.value < *least) {
                    least_le = Some(label.value);
                }
            }
        }
        let le_at = match least_le {
            Some(Cow::Borrowed(value)) => Le::in_text(target.text(), value),
            Some(Cow::Owned(_)) => Le::READ,
            None if histogram && self.target_le.is_some() => Le::READ,
            None => Le::NONE,
        };
        for (k, name) in PER_POD_LABELS.iter().enumerate() {
            if per_pod[k].is_none()
                && let Some(c) = target.labels.iter().position(|(n, _)| n == name)
            {
                per_pod[k] = Some(self.target_parts[c]);
            }
        }
        if let Some(c) = self.target_le.filter(|c| histogram && !clashes[*c]) {
            le = le.wrapping_add(self.target_parts[c]);
        }
        let name = counter_sample_name(
            &Cow::Borrowed(identity),
            family.kind(),
            family.name(),
            sample.name,
        );
        let key = SERIES_HASHER.hash_one((identity, name.as_ref(), sum));
        let grouped = match self.by {
            DiffBy::Workload => per_pod
                .iter()
                .flatten()
                .fold(sum, |s, p| s.wrapping_sub(*p)),
            DiffBy::Pod => sum,
        };
        let series = PodSeries {
            out: SERIES_HASHER.hash_one((identity, name.as_ref(), grouped)),
            histogram: if histogram {
                SERIES_HASHER.hash_one((identity, grouped.wrapping_sub(le)))
            } else {
                0
            },
            kind: family.kind(),
            per_process: is_per_process_gauge(sample.name, family.kind()),
            value: sample.value,
            at,
            part: which,
            le: le_at,
        };
        (key, series)
    }
}

/// Which of its family's series a sample named `sample` is.
pub(super) fn part_of(family: &str, sample: &str) -> Part {
    match sample.strip_prefix(family) {
        Some("_count") => Part::Count,
        Some("_sum") => Part::Sum,
        Some("_bucket") => Part::Bucket,
        _ => Part::Other,
    }
}

/// A counter's sample as Prometheus text names it (OpenMetrics may write `x` for counter `x`).
pub(super) fn counter_sample_name<'a>(
    identity: &Cow<'a, str>,
    kind: MetricType,
    family: &str,
    sample: &'a str,
) -> Cow<'a, str> {
    if kind == MetricType::Counter && sample == family {
        identity.clone()
    } else {
        Cow::Borrowed(sample)
    }
}

/// A series of one of the two snapshots.
#[derive(Clone, Copy)]
pub(super) struct Located<'s> {
    pub(super) snapshot: &'s Snapshot,
    pub(super) at: At,
}

impl<'s> Located<'s> {
    pub(super) fn target(self) -> &'s Target {
        &self.snapshot.targets[self.at.target as usize]
    }

    pub(super) fn family(self) -> FamilyRef<'s> {
        self.target()
            .family_at(self.at.family as usize)
            .expect("indexed in series_of")
    }

    pub(super) fn sample(self) -> SampleRef<'s> {
        self.family()
            .sample_at(self.at.sample as usize)
            .expect("indexed in series_of")
    }

    /// Its sample name as rows show it: a counter's as Prometheus text names it.
    pub(super) fn name(self) -> (Cow<'s, str>, Cow<'s, str>) {
        let family = self.family();
        let identity = family_identity(family.name(), family.kind());
        let name = counter_sample_name(&identity, family.kind(), family.name(), self.sample().name);
        (identity, name)
    }

    /// Its labels as a row shows them: the sample's and the target's (the sample's own label
    /// wins), without `pod` and `instance` when summed per workload, without `le` for a
    /// histogram's row, sorted. Into `labels`, which is cleared first.
    pub(super) fn labels(
        self,
        by: DiffBy,
        without_le: bool,
        labels: &mut Vec<(Cow<'s, str>, Cow<'s, str>)>,
    ) {
        labels.clear();
        labels.extend(self.sample().labels.iter().map(|l| (l.name, l.value)));
        let own = labels.len();
        for (n, v) in &self.target().labels {
            if !labels[..own].iter().any(|(name, _)| name == n) {
                labels.push((Cow::Borrowed(n), Cow::Borrowed(v)));
            }
        }
        labels.retain(|(n, _)| {
            !(by == DiffBy::Workload && PER_POD_LABELS.contains(&n.as_ref())
                || without_le && n == "le")
        });
        labels.sort_unstable();
    }

    /// Append its row's key (family, sample name, labels as [`Located::labels`] gives them) to
    /// `keys`; `labels` is room to gather them.
    pub(super) fn key(
        self,
        keys: &mut Keys,
        by: DiffBy,
        labels: &mut Vec<(Cow<'s, str>, Cow<'s, str>)>,
    ) -> KeyAt {
        let (family, name) = self.name();
        self.labels(by, false, labels);
        keys.push(
            [family.as_ref(), name.as_ref()]
                .into_iter()
                .chain(labels.iter().flat_map(|(n, v)| [n.as_ref(), v.as_ref()])),
        )
    }

    /// Append the key of the row of its histogram (family, labels without `le`) to `keys`.
    pub(super) fn histogram_key(
        self,
        keys: &mut Keys,
        by: DiffBy,
        labels: &mut Vec<(Cow<'s, str>, Cow<'s, str>)>,
    ) -> KeyAt {
        self.labels(by, true, labels);
        let family = self.name().0;
        keys.push(
            std::iter::once(family.as_ref())
                .chain(labels.iter().flat_map(|(n, v)| [n.as_ref(), v.as_ref()])),
        )
    }

    /// Its `le`, found where `le` says.
    pub(super) fn le_at(self, le: Le) -> Option<Cow<'s, str>> {
        match le {
            Le::NONE => None,
            Le::READ => self.le(),
            Le { start, end } => Some(Cow::Borrowed(
                &self.target().text()[start as usize..end as usize],
            )),
        }
    }

    /// Its `le` as a row's sorted labels give it first: the least of the sample's, else the
    /// target's.
    pub(super) fn le(self) -> Option<Cow<'s, str>> {
        let own = self
            .sample()
            .labels
            .iter()
            .filter(|l| l.name == "le")
            .map(|l| l.value)
            .min();
        own.or_else(|| self.target().label("le").map(Cow::Borrowed))
    }
}

/// What a pod's series need of its pod on both sides: whether it restarted between them (its
/// `process_start_time_seconds` changed) and its scrape time on each side.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct PodTimes {
    pub(super) restarted: bool,
    pub(super) scraped: (Option<i64>, Option<i64>),
}

/// [`PodTimes`] of each target of `old` and of `new`, found by the pod's target labels on both
/// sides.
pub(super) fn pod_times(old: &Snapshot, new: &Snapshot) -> (Vec<PodTimes>, Vec<PodTimes>) {
    let (starts_a, starts_b) = (process_starts(old), process_starts(new));
    let (times_a, times_b) = (scrape_times(old), scrape_times(new));
    let of = |side: &Snapshot| -> Vec<PodTimes> {
        side.targets
            .iter()
            .map(|t| {
                let pod = SERIES_HASHER.hash_one(&t.labels);
                PodTimes {
                    restarted: matches!(
                        (starts_a.get(&pod), starts_b.get(&pod)),
                        (Some(x), Some(y)) if x != y
                    ),
                    scraped: (times_a.get(&pod).copied(), times_b.get(&pod).copied()),
                }
            })
            .collect()
    };
    (of(old), of(new))
}

const PROCESS_START: &str = "process_start_time_seconds";

/// Each pod's `process_start_time_seconds`, to tell a restart between the sides.
fn process_starts(snapshot: &Snapshot) -> Map<u64, f64> {
    snapshot
        .targets
        .iter()
        .filter_map(|t| {
            // A sample's name starts with its family's: only those families are read.
            let start = t
                .families()
                .filter(|f| PROCESS_START.starts_with(f.name()))
                .find_map(|f| f.samples().find(|s| s.name == PROCESS_START))?
                .value;
            Some((SERIES_HASHER.hash_one(&t.labels), start))
        })
        .collect()
}

/// Each pod's scrape time.
fn scrape_times(snapshot: &Snapshot) -> Map<u64, i64> {
    snapshot
        .targets
        .iter()
        .filter_map(|t| Some((SERIES_HASHER.hash_one(&t.labels), t.scrape_time_ms?)))
        .collect()
}
