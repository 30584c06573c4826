//! Reading the scrapes: a proxy's two scrapes paired (restart detection, counter increases),
//! unlabelled gauges and counter samples.

use std::collections::HashMap;

use super::Proxy;
use super::text::pod_name;
use crate::metrics::MetricType;
use crate::metrics::model::{FamilyRef, SampleRef, Target};

/// A proxy of the last scrape and its target in the first, when there is one.
#[derive(Clone, Copy)]
pub(super) struct Pair<'a> {
    /// The proxy, as the last scrape saw it.
    pub(super) proxy: &'a Proxy,
    /// Its target in the first scrape.
    pub(super) before: Option<&'a Target>,
}

impl Pair<'_> {
    /// `namespace/pod`.
    pub(super) fn pod(&self) -> String {
        pod_name(&self.proxy.key)
    }

    /// Whether the proxy restarted between the scrapes: `process_start_time_seconds` changed, or
    /// a counter went down.
    pub(super) fn restarted(&self) -> bool {
        let Some(before) = self.before else {
            return false;
        };
        let start = |t: &Target| gauge(t, "process_start_time_seconds");
        if start(before) != start(&self.proxy.target) {
            return true;
        }
        let earlier = counter_values(before, |_| true);
        counters(&self.proxy.target, |_| true).any(|(_, s)| {
            earlier
                .get(&(s.name, s.labels.as_str()))
                .is_some_and(|&v| s.value < v)
        })
    }

    /// Every sample of the counter families `wanted` picks, with its increase: since the first
    /// scrape (from zero after a restart), or since proxy start without one.
    pub(super) fn increases<'t>(
        &'t self,
        wanted: fn(&str) -> bool,
    ) -> impl Iterator<Item = (SampleRef<'t>, f64)> + 't {
        let restarted = self.restarted();
        let earlier = match self.before {
            Some(before) if !restarted => counter_values(before, wanted),
            _ => HashMap::new(),
        };
        counters(&self.proxy.target, wanted).map(move |(_, s)| {
            let base = earlier.get(&(s.name, s.labels.as_str())).copied();
            (s, s.value - base.unwrap_or(0.0))
        })
    }
}

/// The value of an unlabelled gauge.
pub(super) fn gauge(target: &Target, name: &str) -> Option<f64> {
    target
        .families()
        .find(|f| f.name() == name)
        .and_then(|f| f.samples().next())
        .map(|s| s.value)
}

/// The samples of `target`'s counter families whose name `wanted` accepts.
fn counters<'t>(
    target: &'t Target,
    wanted: fn(&str) -> bool,
) -> impl Iterator<Item = (FamilyRef<'t>, SampleRef<'t>)> + 't {
    target
        .families()
        .filter(move |f| f.kind() == MetricType::Counter && wanted(f.name()))
        .flat_map(|f| f.samples().map(move |s| (f, s)))
}

/// The values of [`counters`] by (sample name, labels as written).
fn counter_values(target: &Target, wanted: fn(&str) -> bool) -> HashMap<(&str, &str), f64> {
    counters(target, wanted)
        .map(|(_, s)| ((s.name, s.labels.as_str()), s.value))
        .collect()
}
