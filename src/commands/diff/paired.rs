//! `diff` one proxy at a time: a target's proxies over an interval, two targets' proxies, and a
//! file against a target's proxies, each proxy's two sides paired as the second comes in and
//! added into the rows ([`PairedDiff`]), so a live side is never held whole.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use tokio_util::sync::CancellationToken;

use super::{
    Compared, PackedSide, Prepare, compare_whole, interrupted_before_second, nothing_scraped, open,
    read_whole, room_for_another_side,
};
use crate::cli::ReadFrom;
use crate::commands::Context;
use crate::error::{Error, Exit, Result};
use crate::metrics::diff::PairedDiff;
use crate::metrics::model::{PackedTarget, Target};
use crate::render::diff::DiffSide;
use crate::source::{self, Live, SecondScrape, Source};

/// The proxies of `live` compared with what `then` scrapes, one proxy at a time as its second
/// body comes in ([`source::scrape_pairs`]); `names` head the two sides, and `nothing` is the
/// error when a side has no proxy.
pub(super) async fn paired(
    options: &source::Options,
    live: &Live,
    then: SecondScrape<'_>,
    names: [String; 2],
    nothing: [String; 2],
    prepare: Prepare,
    cancel: &CancellationToken,
) -> Result<Compared> {
    let prepare = Arc::new(prepare);
    let mut rows = PairedDiff::new(prepare.options);
    let mut kept = 0;
    let pair = {
        let prepare = prepare.clone();
        move |old, new| prepare.pair(old, new)
    };
    let scraped = source::scrape_pairs(options, live, then, cancel, pair, |(pair, k)| {
        kept += k;
        rows.add(pair);
    })
    .await?;
    let exit = scraped.report();
    let [nothing_old, nothing_new] = nothing;
    if !scraped.windowed {
        return Err(if scraped.interrupted {
            interrupted_before_second()
        } else {
            Error::Failed(nothing_old)
        });
    }
    let (proxies, earliest) = (rows.proxies(), rows.earliest_scrape_ms());
    if proxies.1 == 0 {
        return Err(Error::Failed(nothing_new));
    }
    let [old, new] = names;
    Ok(Compared {
        old: DiffSide::counted(old, proxies.0, earliest.0),
        new: DiffSide::counted(new, proxies.1, earliest.1),
        rows: rows.finish(),
        kept,
        exit,
    })
}

/// Which side of a diff the file is.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum FileSide {
    /// The file is the old side.
    Old,
    /// The file is the new side.
    New,
}
use FileSide::{New, Old};

impl FileSide {
    /// The file's side and the live one (`file`, `live`) as old and new; or, the same swap,
    /// old and new as the file's and the live one's.
    fn order<T>(self, file: T, live: T) -> (T, T) {
        match self {
            Old => (file, live),
            New => (live, file),
        }
    }
}

/// `file` against `target` read now. From the proxies, each pod's body is compared with the
/// file's target of the same pod (its `namespace` and `pod` labels) as it comes in, on the task
/// that fetched it, so the live side is never held whole and the file's targets are parsed one
/// at a time; the file's pods that were not scraped are compared with nothing. A file whose
/// targets are not one per pod, or a target read through Prometheus, is compared whole.
pub(super) async fn file_against_target(
    ctx: &Context,
    file: PackedSide,
    side: FileSide,
    target: &str,
    read_from: Option<&ReadFrom>,
    prepare: Prepare,
    cancel: &CancellationToken,
) -> Result<Compared> {
    let options = ctx.source_options();
    let source = open(&options, target, read_from).await?;
    let (Source::Proxies(live), Some(pods)) = (&source, pods(&file.targets)) else {
        let file = file.unpacked();
        room_for_another_side(&file.snapshot)?;
        let (live, exit) =
            read_whole(&source, &options, target, target.to_string(), cancel).await?;
        let (old, new) = side.order(file, live);
        return Ok(compare_whole(old, new, exit, &prepare));
    };
    let header = file.counted();
    let by_pod: HashMap<_, _> = pods.into_iter().zip(file.targets).collect();
    let prepare = Arc::new(prepare);
    let held = Arc::new(Mutex::new(by_pod));
    let pair = {
        let prepare = prepare.clone();
        move |file: Option<PackedTarget>, live: Option<Target>| {
            let (old, new) = side.order(file.map(PackedTarget::unpack), live);
            prepare.pair(old, new)
        }
    };
    let read = {
        let (pair, held) = (pair.clone(), held.clone());
        move |live: Target| {
            let file = pod_of(&live.labels).and_then(|pod| {
                held.lock()
                    .expect("no holder of the lock panics")
                    .remove(&pod)
            });
            pair(file, Some(live))
        }
    };
    let mut rows = PairedDiff::new(prepare.options);
    let mut kept = 0;
    let exit = source::scrape_targets_read(&options, live, cancel, read, |(paired, k)| {
        kept += k;
        rows.add(paired);
    })
    .await;
    let (_, live_proxies) = side.order(rows.proxies().0, rows.proxies().1);
    if live_proxies == 0 {
        return Err(Error::Failed(nothing_scraped(target)));
    }
    let (_, live_scraped) = side.order(rows.earliest_scrape_ms().0, rows.earliest_scrape_ms().1);
    let mut left: Vec<_> = std::mem::take(&mut *held.lock().expect("no holder of the lock panics"))
        .into_iter()
        .collect();
    left.sort_unstable_by(|(a, _), (b, _)| a.cmp(b));
    for (_, file_target) in left {
        let (paired, k) = pair(Some(file_target), None);
        kept += k;
        rows.add(paired);
    }
    let live = DiffSide::counted(target.to_string(), live_proxies, live_scraped);
    let (old, new) = side.order(header, live);
    Ok(Compared {
        old,
        new,
        rows: rows.finish(),
        kept,
        exit,
    })
}

/// Two files. When one is large (its targets held compressed: it was read in pieces) and each
/// file's targets are one per pod, they are compared a pod at a time, each target parsed only
/// when it is compared and a pod of one file only compared with nothing, so neither file is
/// held whole; otherwise whole, as [`crate::metrics::diff::diff`] sums them (the same rows, but for the last
/// digits of a rate, which a different order of sums can move).
pub(super) fn two_files(old: PackedSide, new: PackedSide, prepare: &Prepare) -> Compared {
    let large = old
        .targets
        .iter()
        .chain(&new.targets)
        .any(PackedTarget::is_compressed);
    let (Some(old_pods), Some(new_pods), true) = (pods(&old.targets), pods(&new.targets), large)
    else {
        return compare_whole(old.unpacked(), new.unpacked(), Exit::Success, prepare);
    };
    let (old_side, new_side) = (old.counted(), new.counted());
    let mut new_by_pod: HashMap<_, _> = new_pods.into_iter().zip(new.targets).collect();
    let mut pairs: Vec<_> = old_pods
        .into_iter()
        .zip(old.targets)
        .map(|(pod, old)| (Some(old), new_by_pod.remove(&pod)))
        .collect();
    let mut added: Vec<_> = new_by_pod.into_iter().collect();
    added.sort_unstable_by(|(a, _), (b, _)| a.cmp(b));
    pairs.extend(added.into_iter().map(|(_, new)| (None, Some(new))));
    let mut rows = PairedDiff::new(prepare.options);
    let kept = add_in_order(pairs, prepare, &mut rows);
    Compared {
        old: old_side,
        new: new_side,
        rows: rows.finish(),
        kept,
        exit: Exit::Success,
    }
}

/// Two files' targets, `pairs`, each pair parsed and paired ([`Prepare::pair`]) and added into
/// `rows` in order; how many samples the filters kept. A second thread pairs every other one
/// (the bulk of the work) while this one pairs the others and adds each in turn, so the sums
/// are added in the same order however the threads run, and the output is the same from run to
/// run.
fn add_in_order(
    pairs: Vec<(Option<PackedTarget>, Option<PackedTarget>)>,
    prepare: &Prepare,
    rows: &mut PairedDiff,
) -> usize {
    let pair = |(old, new): (Option<PackedTarget>, Option<PackedTarget>)| {
        prepare.pair(old.map(PackedTarget::unpack), new.map(PackedTarget::unpack))
    };
    let (mut here, mut there) = (Vec::new(), Vec::new());
    for (i, two) in pairs.into_iter().enumerate() {
        if i % 2 == 0 {
            here.push(two);
        } else {
            there.push(two);
        }
    }
    let (paired, from_there) = std::sync::mpsc::channel();
    let mut kept = 0;
    let mut add = |(paired, k)| {
        kept += k;
        rows.add(paired);
    };
    let pair = &pair;
    crate::metrics::join(
        || {
            let mut from_there = from_there.into_iter();
            for two in here {
                add(pair(two));
                // None after the last when the pairs are odd in number.
                if let Some(paired) = from_there.next() {
                    add(paired);
                }
            }
        },
        move || {
            for two in there {
                let _ = paired.send(pair(two));
            }
        },
    );
    kept
}

/// A target's pod: its `namespace` and `pod` labels.
fn pod_of(labels: &[(String, String)]) -> Option<(String, String)> {
    let label = |name: &str| {
        labels
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    Some((label("namespace")?, label("pod")?))
}

/// The pod of each of `targets`, or `None` when one has no pod or two have the same.
fn pods(targets: &[PackedTarget]) -> Option<Vec<(String, String)>> {
    let pods = targets
        .iter()
        .map(|t| pod_of(t.labels()))
        .collect::<Option<Vec<_>>>()?;
    let distinct = pods.iter().collect::<HashSet<_>>().len() == pods.len();
    distinct.then_some(pods)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(labels: &[(&str, &str)]) -> PackedTarget {
        let labels = labels
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        PackedTarget::parsed(Target::parse("up 1\n".into(), labels, None).unwrap())
    }

    #[test]
    fn a_file_is_paired_by_pod_only_when_each_target_is_one_pod() {
        let (a, b) = (
            target(&[("namespace", "n"), ("pod", "a")]),
            target(&[("namespace", "n"), ("pod", "b")]),
        );
        let pod = |p: &str| ("n".to_string(), p.to_string());
        assert_eq!(pods(&[a, b]), Some(vec![pod("a"), pod("b")]));

        let a = target(&[("namespace", "n"), ("pod", "a")]);
        assert_eq!(pods(&[a, target(&[])]), None, "a target without a pod");
        let (a, twice) = (
            target(&[("namespace", "n"), ("pod", "a")]),
            target(&[("namespace", "n"), ("pod", "a"), ("container", "x")]),
        );
        assert_eq!(pods(&[a, twice]), None, "two targets of one pod");
    }

    /// A merged text of `pods` of deployment `web` scraped at `time_ms`, each with a counter of
    /// `count(pod)` requests, a histogram of them, and the reference family.
    fn merged(pods: &[usize], time_ms: i64, count: impl Fn(usize) -> u64) -> String {
        let mut text = String::new();
        let labels = |pod: usize| format!("namespace=\"n\",pod=\"web-{pod}\",deployment=\"web\"");
        text.push_str("# HELP request_total Requests.\n# TYPE request_total counter\n");
        for &pod in pods {
            for route in ["/a", "/b"] {
                let (l, c) = (labels(pod), count(pod));
                text.push_str(&format!(
                    "request_total{{{l},route=\"{route}\"}} {c} {time_ms}\n"
                ));
            }
        }
        text.push_str("# TYPE latency_ms histogram\n");
        for &pod in pods {
            let (l, c) = (labels(pod), count(pod));
            for (le, n) in [("10", c / 2), ("100", c), ("+Inf", c)] {
                text.push_str(&format!(
                    "latency_ms_bucket{{{l},le=\"{le}\"}} {n} {time_ms}\n"
                ));
            }
            text.push_str(&format!("latency_ms_sum{{{l}}} {} {time_ms}\n", 7 * c));
            text.push_str(&format!("latency_ms_count{{{l}}} {c} {time_ms}\n"));
        }
        text.push_str("# TYPE process_start_time_seconds gauge\n");
        for &pod in pods {
            let l = labels(pod);
            text.push_str(&format!(
                "process_start_time_seconds{{{l},app=\"web\"}} 100 {time_ms}\n"
            ));
        }
        text
    }

    #[test]
    fn two_large_files_compared_a_pod_at_a_time_give_the_rows_of_comparing_them_whole() {
        use crate::metrics::diff::{Change, DiffBy, DiffOptions};
        use crate::metrics::model::Snapshot;

        let old = merged(&[0, 1, 2], 1_000_000, |pod| 10 + pod as u64);
        // Five pairs: the second thread pairs two of them.
        let new = merged(&[3, 1, 2, 4], 1_060_000, |pod| 40 + 3 * pod as u64);
        let packed = |text: &str| {
            let targets = Snapshot::packed_in_pieces(text, 300).unwrap();
            assert!(targets.iter().all(PackedTarget::is_compressed));
            PackedSide {
                name: "f".into(),
                targets,
            }
        };
        let whole = |text: &str| {
            DiffSide::new(
                "f".into(),
                Snapshot::from_merged_text(text, &["namespace", "pod", "deployment"]).unwrap(),
            )
        };
        for by in [DiffBy::Workload, DiffBy::Pod] {
            let prepare = || Prepare {
                filter: Default::default(),
                obfuscation: None,
                options: DiffOptions {
                    by,
                    only_changed: false,
                },
                two_targets: false,
            };
            let paired = two_files(packed(&old), packed(&new), &prepare());
            let expected = compare_whole(whole(&old), whole(&new), Exit::Success, &prepare());
            let rows = paired.rows.to_snapshot_diff();
            assert_eq!(rows, expected.rows.to_snapshot_diff(), "{by:?}");
            let changes = |change| rows.series.iter().filter(|s| s.change == change).count();
            match by {
                DiffBy::Pod => assert!(changes(Change::Added) > 0 && changes(Change::Removed) > 0),
                DiffBy::Workload => assert_eq!(changes(Change::Changed), 2),
            }
            assert_eq!(paired.kept, expected.kept);
            let sides = [
                (&paired.old, &expected.old, 3),
                (&paired.new, &expected.new, 4),
            ];
            for (side, expected, proxies) in sides {
                assert_eq!(side.proxies, proxies);
                assert_eq!(side.proxies, expected.proxies);
                assert_eq!(side.scrape_time_ms, expected.scrape_time_ms);
            }
        }
    }
}
