//! `diff` one proxy at a time: a target's proxies over an interval, two targets' proxies, and a
//! file against a target's proxies, each proxy's two sides paired as the second comes in and
//! added into the rows ([`PairedDiff`]), so a live side is never held whole.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use tokio_util::sync::CancellationToken;

use super::{
    Compared, Prepare, compare_whole, interrupted_before_second, nothing_scraped, open, read_whole,
    room_for_another_side,
};
use crate::cli::ReadFrom;
use crate::commands::Context;
use crate::error::{Error, Result};
use crate::metrics::diff::PairedDiff;
use crate::metrics::model::Target;
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
/// that fetched it, so the live side is never held whole; the file's pods that were not scraped
/// are compared with nothing. A file whose targets are not one per pod, or a target read
/// through Prometheus, is compared whole.
pub(super) async fn file_against_target(
    ctx: &Context,
    mut file: DiffSide,
    side: FileSide,
    target: &str,
    read_from: Option<&ReadFrom>,
    prepare: Prepare,
    cancel: &CancellationToken,
) -> Result<Compared> {
    let options = ctx.source_options();
    let source = open(&options, target, read_from).await?;
    let by_pod = match &source {
        Source::Proxies(_) => by_pod(std::mem::take(&mut file.snapshot.targets))
            .map_err(|targets| file.snapshot.targets = targets)
            .ok(),
        _ => None,
    };
    let (Source::Proxies(live), Some(by_pod)) = (&source, by_pod) else {
        room_for_another_side(&file.snapshot)?;
        let (live, exit) =
            read_whole(&source, &options, target, target.to_string(), cancel).await?;
        let (old, new) = side.order(file, live);
        return Ok(compare_whole(old, new, exit, &prepare));
    };
    let prepare = Arc::new(prepare);
    let held = Arc::new(Mutex::new(by_pod));
    let pair = {
        let prepare = prepare.clone();
        move |file: Option<Target>, live: Option<Target>| {
            let (old, new) = side.order(file, live);
            prepare.pair(old, new)
        }
    };
    let read = {
        let (pair, held) = (pair.clone(), held.clone());
        move |live: Target| {
            let file = pod_of(&live).and_then(|pod| {
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
    let (old, new) = side.order(file, live);
    Ok(Compared {
        old,
        new,
        rows: rows.finish(),
        kept,
        exit,
    })
}

/// A target's pod: its `namespace` and `pod` labels.
fn pod_of(target: &Target) -> Option<(String, String)> {
    Some((
        target.label("namespace")?.to_string(),
        target.label("pod")?.to_string(),
    ))
}

/// `targets` by pod, or all of them back when one has no pod or two have the same.
fn by_pod(
    targets: Vec<Target>,
) -> std::result::Result<HashMap<(String, String), Target>, Vec<Target>> {
    let Some(pods) = targets.iter().map(pod_of).collect::<Option<Vec<_>>>() else {
        return Err(targets);
    };
    if pods.iter().collect::<HashSet<_>>().len() < pods.len() {
        return Err(targets);
    }
    Ok(pods.into_iter().zip(targets).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(labels: &[(&str, &str)]) -> Target {
        let labels = labels
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        Target::parse("up 1\n".into(), labels, None).unwrap()
    }

    #[test]
    fn a_file_is_paired_by_pod_only_when_each_target_is_one_pod() {
        let (a, b) = (
            target(&[("namespace", "n"), ("pod", "a")]),
            target(&[("namespace", "n"), ("pod", "b")]),
        );
        let paired = by_pod(vec![a.clone(), b.clone()]).unwrap();
        assert_eq!(paired.len(), 2);
        assert_eq!(paired[&("n".to_string(), "b".to_string())].labels, b.labels);

        let raw = target(&[]);
        let back = by_pod(vec![a.clone(), raw.clone()]).unwrap_err();
        assert_eq!(back, [a.clone(), raw], "given back in order");
        let twice = target(&[("namespace", "n"), ("pod", "a"), ("container", "x")]);
        assert_eq!(
            by_pod(vec![a.clone(), twice.clone()]).unwrap_err(),
            [a, twice]
        );
    }
}
