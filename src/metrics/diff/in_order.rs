//! Matching the two sides of a diff by position, the common case: two scrapes of the same
//! proxies, a snapshot against the live target, a file against itself list the same targets,
//! families and series in the same order. Target `t`'s family `f` is paired with the other
//! side's family at the same place when it has the same name and type, and their series one by
//! one while each has the same sample name and the same labels as written (compared as bytes);
//! from a family's first difference on (and for a target or family without a partner), series
//! are matched by hashes of their labels as [`super::hashed`] matches them. Series of a histogram
//! follow each other, so they are gathered while their labels but `le` are the same bytes.
//!
//! What comes out is one row per series (and per histogram) with the numbers
//! [`super::hashed`] gives for it, which is its whole answer unless series are summed: over
//! pods of a workload, or because one side repeats a series. Then two rows have the same key,
//! and [`diff`] gives nothing, for [`super::hashed`] to sum them in its order (floating-point
//! sums depend on it). Every row is keyed, shown or not, to find such pairs.

use std::borrow::Cow;

use super::histogram::HistogramAcc;
use super::key::{KeyAt, Keys, merge, shifted};
use super::series::{
    At, Le, Located, Map, PER_POD_LABELS, PodSeries, PodTimes, Repeated, part_of, pod_times,
    series_at,
};
use super::{Change, DiffBy, DiffOptions, DiffRows, HistogramValues, SeriesValues, Sums, pod_of};
use crate::metrics::MetricType;
use crate::metrics::model::{
    FamilyRef, SampleRef, Snapshot, Target, family_identity, is_per_process_gauge,
};

/// The diff of `old` and `new` when no two series are summed into one row; `None` when some
/// are (or when a side is written in a way this does not read: a label `le` written twice,
/// escaped or quoted, a target label `le`, a family of one name and two types).
pub(super) fn diff(
    old: &Snapshot,
    new: &Snapshot,
    options: DiffOptions,
    elapsed_secs: Option<f64>,
) -> Option<DiffRows> {
    let large = old
        .targets
        .iter()
        .chain(&new.targets)
        .map(|t| t.text().len())
        .sum::<usize>()
        >= crate::metrics::PARALLEL_MIN_BYTES;
    diff_in_halves(old, new, options, elapsed_secs, large)
}

/// [`diff`], its families paired in two halves (on two threads) when `halves`.
pub(super) fn diff_in_halves(
    old: &Snapshot,
    new: &Snapshot,
    options: DiffOptions,
    elapsed_secs: Option<f64>,
    halves: bool,
) -> Option<DiffRows> {
    let by = options.by;
    if !plain_targets(old, by) || !plain_targets(new, by) || !one_type_per_family(old, new) {
        return None;
    }
    let pods = pod_times(old, new);
    // The families paired by place, and where the series of the others are.
    let mut families: Vec<(usize, usize)> = Vec::new();
    let mut left = (Vec::new(), Vec::new());
    for t in 0..old.targets.len().max(new.targets.len()) {
        match (old.targets.get(t), new.targets.get(t)) {
            (Some(a), Some(b)) if a.labels == b.labels => {
                let paired = a.families().len().min(b.families().len());
                for (f, (fa, fb)) in a.families().zip(b.families()).enumerate() {
                    if fa.name() == fb.name() && fa.kind() == fb.kind() {
                        families.push((t, f));
                    } else {
                        family_series(t, f, fa.len(), 0, &mut left.0);
                        family_series(t, f, fb.len(), 0, &mut left.1);
                    }
                }
                all_series(t, Some(a), Some(paired), &mut left.0);
                all_series(t, Some(b), Some(paired), &mut left.1);
            }
            (a, b) => {
                all_series(t, a, None, &mut left.0);
                all_series(t, b, None, &mut left.1);
            }
        }
    }
    let rows = || Rows::new(old, new, by, elapsed_secs, &pods);
    // A large diff's families are paired in two halves of about as many series, one on each
    // core; each half's rows are keyed and sorted there, and the halves merged.
    let len =
        |&(t, f): &(usize, usize)| old.targets[t].family_at(f).map_or(0, |family| family.len());
    let total: usize = families.iter().map(len).sum();
    let mut seen = 0;
    let half = families
        .iter()
        .position(|unit| {
            seen += len(unit);
            seen * 2 >= total
        })
        .map_or(families.len(), |i| i + 1);
    let (first, second) = if halves {
        crate::metrics::join(
            || rows().paired(&families[..half]),
            || rows().paired(&families[half..]),
        )
    } else {
        (rows().paired(&families), Some(Part::default()))
    };
    let (first, second) = (first?, second?);
    // Series not paired by place (in families that were not) are matched here, all at once.
    let mut rest = rows();
    rest.hashed(&left.0, &left.1)?;
    let rest = rest.finish()?;
    let mut keys = first.keys;
    let second_at = keys.append(second.keys);
    let rest_at = keys.append(rest.keys);
    let series = merge(&keys, first.series, shifted(second.series, second_at))?;
    let mut series = merge(&keys, series, shifted(rest.series, rest_at))?;
    let histograms = merge(
        &keys,
        first.histograms,
        shifted(second.histograms, second_at),
    )?;
    let mut histograms = merge(&keys, histograms, shifted(rest.histograms, rest_at))?;
    if options.only_changed {
        series.retain(|(_, v)| v.change != Change::Unchanged);
        histograms.retain(|(_, h)| h.change != Change::Unchanged);
    }
    Some(DiffRows {
        elapsed_secs,
        keys,
        series,
        histograms,
    })
}

/// The rows of some of the series, each list sorted by key, keyed in `keys`.
#[derive(Default)]
struct Part {
    keys: Keys,
    series: Vec<(KeyAt, SeriesValues)>,
    histograms: Vec<(KeyAt, HistogramValues)>,
}

/// Whether no two targets of `snapshot` are summed into one (with [`DiffBy::Workload`], their
/// labels without `pod` and `instance` are the same) and none has a label `le`.
fn plain_targets(snapshot: &Snapshot, by: DiffBy) -> bool {
    let mut sets: Vec<Vec<&(String, String)>> = Vec::with_capacity(snapshot.targets.len());
    for target in &snapshot.targets {
        if target.label("le").is_some() {
            return false;
        }
        let mut set: Vec<&(String, String)> = target
            .labels
            .iter()
            .filter(|(n, _)| by == DiffBy::Pod || !PER_POD_LABELS.contains(&n.as_str()))
            .collect();
        set.sort_unstable();
        sets.push(set);
    }
    sets.sort_unstable();
    sets.windows(2).all(|w| w[0] != w[1])
}

/// Whether each family identity has one type across both sides: a row is a histogram's or a
/// series' by its type.
fn one_type_per_family(old: &Snapshot, new: &Snapshot) -> bool {
    let mut types: Map<Cow<'_, str>, MetricType> = Default::default();
    for target in old.targets.iter().chain(&new.targets) {
        for family in target.families() {
            let kind = *types
                .entry(family_identity(family.name(), family.kind()))
                .or_insert(family.kind());
            if kind != family.kind() {
                return false;
            }
        }
    }
    true
}

/// Note where every series of target `t` (of `target`, if any) is, from family `from` on
/// (every family when `None`), into `left`.
fn all_series(t: usize, target: Option<&Target>, from: Option<usize>, left: &mut Vec<At>) {
    let Some(target) = target else {
        return;
    };
    for (f, family) in target.families().enumerate().skip(from.unwrap_or(0)) {
        family_series(t, f, family.len(), 0, left);
    }
}

/// Note series `from..len` of family `f` of target `t` into `left`.
fn family_series(t: usize, f: usize, len: usize, from: usize, left: &mut Vec<At>) {
    left.extend((from..len).map(|i| At {
        target: t as u32,
        family: f as u32,
        sample: i as u32,
    }));
}

/// Where a histogram's series are being gathered: its target and family, the labels as written
/// of the series that started the run (around its `le`), and what they are without `le`.
struct Run<'s> {
    target: u32,
    family: u32,
    /// Its first series' place in the family.
    first: u32,
    /// The labels before its `le="`, or all of them when it has no `le`.
    before: &'s str,
    /// After the closing quote of its `le` value; `None` when it has no `le`.
    after: Option<&'s str>,
    /// Its labels without `le`, as two pieces that are read one after the other.
    rest: [&'s str; 2],
    histogram: HistogramAcc<'s, Located<'s>>,
}

/// A histogram series' labels as written, read around their `le`.
struct LeLabels<'s> {
    before: &'s str,
    after: Option<&'s str>,
    rest: [&'s str; 2],
    /// Its `le` value as written, when it has one.
    value: Option<&'s str>,
}

/// `labels` read around their one `le`; `None` when they have another label `le`, a quoted
/// name, an escaped `le` value or one written with blanks around `=`.
fn le_labels(labels: &str) -> Option<LeLabels<'_>> {
    let mut found = None;
    for pair in crate::metrics::parse::RawLabels::from_validated(labels).pairs() {
        if pair.quoted {
            return None;
        }
        if pair.name == "le" {
            if found.is_some() || pair.escaped {
                return None;
            }
            found = Some(pair.raw_value);
        }
    }
    let Some(value) = found else {
        return Some(LeLabels {
            before: labels,
            after: None,
            rest: [labels, ""],
            value: None,
        });
    };
    let start = value.as_ptr() as usize - labels.as_ptr() as usize;
    let before = labels[..start].strip_suffix("le=\"")?;
    let after = &labels[start + value.len() + 1..];
    // Without the `le` label and one comma next to it.
    let rest = match after.trim_start().strip_prefix(',') {
        Some(tail) if !before.trim().is_empty() => [before, tail.trim_start()],
        Some(tail) => ["", tail.trim_start()],
        None => [
            before
                .trim_end()
                .strip_suffix(',')
                .unwrap_or(before)
                .trim_end(),
            after.trim_start(),
        ],
    };
    Some(LeLabels {
        before,
        after: Some(after),
        rest,
        value: Some(value),
    })
}

/// Whether two texts, each read as its two pieces one after the other, are the same.
fn same_pieces(a: [&str; 2], b: [&str; 2]) -> bool {
    if a[0].len() == b[0].len() {
        return a == b;
    }
    a[0].len() + a[1].len() == b[0].len() + b[1].len()
        && a[0]
            .bytes()
            .chain(a[1].bytes())
            .eq(b[0].bytes().chain(b[1].bytes()))
}

/// The rows being built.
struct Rows<'s> {
    old: &'s Snapshot,
    new: &'s Snapshot,
    by: DiffBy,
    elapsed_secs: Option<f64>,
    pods: &'s (Vec<PodTimes>, Vec<PodTimes>),
    keys: Keys,
    /// Room for a row's labels while it is keyed.
    labels: Vec<(Cow<'s, str>, Cow<'s, str>)>,
    series: Vec<(KeyAt, SeriesValues)>,
    histograms: Vec<HistogramAcc<'s, Located<'s>>>,
    run: Option<Run<'s>>,
}

impl<'s> Rows<'s> {
    fn new(
        old: &'s Snapshot,
        new: &'s Snapshot,
        by: DiffBy,
        elapsed_secs: Option<f64>,
        pods: &'s (Vec<PodTimes>, Vec<PodTimes>),
    ) -> Self {
        Rows {
            old,
            new,
            by,
            elapsed_secs,
            pods,
            keys: Keys::default(),
            labels: Vec::new(),
            series: Vec::new(),
            histograms: Vec::new(),
            run: None,
        }
    }

    /// The rows of `families` (target, family: paired by place), their series paired by
    /// position and, from each one's first difference on, by hashes; `None` when two rows
    /// have the same key or [`le_labels`] cannot read a histogram series.
    fn paired(mut self, families: &[(usize, usize)]) -> Option<Part> {
        let (mut left_a, mut left_b) = (Vec::new(), Vec::new());
        for &(t, f) in families {
            let (a, b) = (&self.old.targets[t], &self.new.targets[t]);
            let (fa, fb) = (
                a.family_at(f).expect("paired by place"),
                b.family_at(f).expect("paired by place"),
            );
            let paired = self.families(t, f, fa, fb)?;
            family_series(t, f, fa.len(), paired, &mut left_a);
            family_series(t, f, fb.len(), paired, &mut left_b);
        }
        self.close_run();
        self.hashed(&left_a, &left_b)?;
        self.finish()
    }

    /// Pair the series of family `f` of target `t` by position while they are written the
    /// same; how many were paired (those of a histogram cut short by the first series not
    /// written the same are not).
    fn families(
        &mut self,
        t: usize,
        f: usize,
        fa: FamilyRef<'s>,
        fb: FamilyRef<'s>,
    ) -> Option<usize> {
        let kind = fa.kind();
        let mut paired = 0;
        for (sa, sb) in fa.samples().zip(fb.samples()) {
            if sa.name != sb.name || sa.labels.as_str() != sb.labels.as_str() {
                break;
            }
            let at = At {
                target: t as u32,
                family: f as u32,
                sample: paired as u32,
            };
            let le = if kind == MetricType::Histogram {
                self.histogram_series(at, sb)?
            } else {
                Le::NONE
            };
            let series = |sample: SampleRef<'s>| PodSeries {
                out: 0,
                histogram: 0,
                kind,
                per_process: is_per_process_gauge(sample.name, kind),
                value: sample.value,
                at,
                part: part_of(fa.name(), sample.name),
                le,
            };
            let (pa, pb) = (series(sa), series(sb));
            let pod = pod_of(self.pods, true, at);
            let mut sums = Sums::start(&pb, true);
            sums.add(Some(&pa), Some(&pb), pod);
            if kind == MetricType::Histogram {
                let located = self.located(&sums);
                let run = self.run.as_mut().expect("histogram_series starts a run");
                run.histogram.add(|| located.le_at(sums.le), &sums);
            } else {
                self.series_row(&sums);
            }
            paired += 1;
        }
        if paired < fa.len().max(fb.len())
            && let Some(run) = self
                .run
                .take_if(|r| (r.target, r.family) == (t as u32, f as u32))
        {
            // The histogram being gathered may go on past here: all its series are matched by
            // hashes.
            return Some(run.first as usize);
        }
        Some(paired)
    }

    /// Place histogram series `sample` (at `at` on the new side) in the current run, or
    /// start one; where its `le` is.
    fn histogram_series(&mut self, at: At, sample: SampleRef<'s>) -> Option<Le> {
        let labels = sample.labels.as_str();
        let text = self.new.targets[at.target as usize].text();
        let in_text = |value: &str| Le::in_text(text, value);
        if let Some(run) = self
            .run
            .as_ref()
            .filter(|r| r.target == at.target && r.family == at.family)
        {
            // Labels written as the run's first were, with another `le` (or none, as it had).
            match run.after {
                None if labels == run.before => return Some(Le::NONE),
                Some(after) => {
                    if let Some(value) = labels
                        .strip_prefix(run.before)
                        .and_then(|l| l.strip_prefix("le=\""))
                        .and_then(|l| {
                            let end = memchr::memchr(b'"', l.as_bytes())?;
                            (!l[..end].contains('\\') && &l[end + 1..] == after)
                                .then_some(&l[..end])
                        })
                    {
                        return Some(in_text(value));
                    }
                }
                None => {}
            }
        }
        let read = le_labels(labels)?;
        let le = read.value.map_or(Le::NONE, in_text);
        let same = self.run.as_ref().is_some_and(|r| {
            r.target == at.target && r.family == at.family && same_pieces(r.rest, read.rest)
        });
        if !same {
            self.close_run();
            self.run = Some(Run {
                target: at.target,
                family: at.family,
                first: at.sample,
                before: read.before,
                after: read.after,
                rest: read.rest,
                histogram: HistogramAcc::new(Located {
                    snapshot: self.new,
                    at,
                }),
            });
        } else if let Some(run) = self.run.as_mut() {
            run.before = read.before;
            run.after = read.after;
            run.rest = read.rest;
        }
        Some(le)
    }

    /// End the current run of a histogram's series.
    fn close_run(&mut self) {
        if let Some(run) = self.run.take() {
            self.histograms.push(run.histogram);
        }
    }

    /// Where the row of `sums` reads its series.
    fn located(&self, sums: &Sums) -> Located<'s> {
        Located {
            snapshot: if sums.on_new { self.new } else { self.old },
            at: sums.at,
        }
    }

    /// The row of a series that is not a histogram's.
    fn series_row(&mut self, sums: &Sums) {
        let key = self
            .located(sums)
            .key(&mut self.keys, self.by, &mut self.labels);
        self.series.push((key, sums.values(self.elapsed_secs)));
    }

    /// Match the series in `left` (old side, new side) by hashes of their labels; `None` when
    /// a side has one series twice.
    fn hashed(&mut self, left_a: &[At], left_b: &[At]) -> Option<()> {
        if left_a.is_empty() && left_b.is_empty() {
            return Some(());
        }
        let (mut a, b) = (
            series_at(
                self.old,
                left_a.iter().copied(),
                left_a.len(),
                self.by,
                Repeated::Refuse,
            )?,
            series_at(
                self.new,
                left_b.iter().copied(),
                left_b.len(),
                self.by,
                Repeated::Refuse,
            )?,
        );
        let mut histograms: Map<u64, HistogramAcc<'s, Located<'s>>> = Default::default();
        let mut pairs: Vec<(Option<PodSeries>, Option<PodSeries>)> =
            b.iter().map(|(k, pb)| (a.remove(k), Some(*pb))).collect();
        pairs.extend(a.values().map(|pa| (Some(*pa), None)));
        for (pa, pb) in pairs {
            let seen = pb.or(pa).expect("a pair comes from one side at least");
            let pod = pod_of(self.pods, pb.is_some(), seen.at);
            let mut sums = Sums::start(&seen, pb.is_some());
            sums.add(pa.as_ref(), pb.as_ref(), pod);
            if sums.kind == MetricType::Histogram {
                let located = self.located(&sums);
                histograms
                    .entry(sums.histogram)
                    .or_insert_with(|| HistogramAcc::new(located))
                    .add(|| located.le_at(sums.le), &sums);
            } else {
                self.series_row(&sums);
            }
        }
        self.histograms.extend(histograms.into_values());
        Some(())
    }

    /// The rows, each list sorted; `None` when two rows have the same key (series to be
    /// summed).
    fn finish(mut self) -> Option<Part> {
        let mut histograms: Vec<(KeyAt, HistogramValues)> =
            Vec::with_capacity(self.histograms.len());
        for h in std::mem::take(&mut self.histograms) {
            let at = h.at;
            let (values, repeated) = h.finish();
            if repeated {
                return None;
            }
            histograms.push((
                at.histogram_key(&mut self.keys, self.by, &mut self.labels),
                values,
            ));
        }
        let keys = self.keys;
        let mut series = self.series;
        if !sort_unique(&keys, &mut series) || !sort_unique(&keys, &mut histograms) {
            return None;
        }
        Some(Part {
            keys,
            series,
            histograms,
        })
    }
}

/// Sort `rows` by key; whether no two have the same key.
fn sort_unique<V>(keys: &Keys, rows: &mut [(KeyAt, V)]) -> bool {
    rows.sort_unstable_by(|x, y| keys.get(x.0).cmp(keys.get(y.0)));
    rows.windows(2)
        .all(|w| keys.get(w[0].0) != keys.get(w[1].0))
}
