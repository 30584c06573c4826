//! The streaming reducer: one proxy's body in, only the counters `stat` needs kept.

use std::collections::HashMap;
use std::hash::BuildHasher;

use serde::Serialize;

use super::baseline::{Baseline, SeriesLists};
use super::halves::Kept;
pub(super) use super::picked::Picked;
use crate::metrics::SERIES_HASHER;
use crate::metrics::model::{self, Target};
use crate::metrics::parse::{self, Body, ParseError, Sample};
use crate::resolve::{PodTarget, Workload};

/// A proxy's counters by series hash. A fixed seed, so rows summed over them come out the same
/// on every run: floating-point sums depend on the order.
pub(super) type Counters = std::collections::HashMap<u64, Counter, foldhash::fast::FixedState>;

/// Which proxy a reduced body came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct ProxyKey {
    /// Namespace.
    pub namespace: String,
    /// Pod name.
    pub pod: String,
    /// Owning workload (`None`: a bare pod).
    #[serde(skip)]
    pub workload: Option<Workload>,
}

impl From<&PodTarget> for ProxyKey {
    fn from(t: &PodTarget) -> Self {
        ProxyKey {
            namespace: t.namespace.clone(),
            pod: t.pod.clone(),
            workload: t.workload.clone(),
        }
    }
}

/// Which metrics a dimension's numbers came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Scope {
    /// `response_total`, `response_latency_ms`, `tcp_*`.
    Proxy,
    /// `outbound_http_route_*` and `route_*` (service profiles).
    Route,
}

/// The labels rows can be grouped by.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) struct Dim {
    pub scope: Scope,
    pub direction: String,
    pub authority: String,
    pub route: String,
}

/// What a kept counter measures.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Slot {
    Success,
    Failure,
    /// A latency bucket; the bound is in milliseconds.
    Bucket(f64),
    ReadBytes,
    WriteBytes,
}

#[derive(Debug, Clone)]
pub(super) struct Counter {
    pub dim: u32,
    /// A `Success`/`Failure` counter of mTLS traffic (`tls="true"`).
    pub tls: bool,
    pub slot: Slot,
    pub value: f64,
}

/// The reduced scrape of one proxy.
#[derive(Debug, Clone)]
pub struct ProxyState {
    /// Which proxy.
    pub key: ProxyKey,
    /// When it was scraped, in milliseconds since the epoch.
    pub scrape_time_ms: i64,
    /// `process_start_time_seconds`, if exported.
    pub process_start_seconds: Option<f64>,
    pub(super) dims: Vec<Dim>,
    dim_index: HashMap<Dim, u32>,
    /// The dimension found last: a histogram's buckets share one, so most lookups stop here.
    last_dim: Option<u32>,
    /// Counters by series identity (hash of sample name and labels).
    pub(super) counters: Counters,
    /// `tcp_open_connections` summed per dimension.
    pub(super) open_connections: HashMap<u32, f64>,
    /// Once kept only as a baseline ([`StatState::keep_last_as_baseline`]): each counter's value
    /// by series identity.
    baseline: Baseline,
    /// Set once `counters` hold increases since an earlier scrape, per dimension and slot
    /// ([`StatState::fold_last_against`]).
    pub(super) folded: Option<Folded>,
    /// Set while this state reduces the second half of a large target ([`super::halves`]): what
    /// it keeps, in order, to be replayed into the first half's state.
    pub(super) recorded: Option<Vec<Kept>>,
}

/// What a proxy folded against its earlier scrape was compared with.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Folded {
    /// Seconds its increases were counted over (no rates without).
    pub elapsed: Option<f64>,
    /// Nothing usable to compare with: counted as meshed, adds no traffic.
    pub skip: bool,
}

/// Reduced scrapes of many proxies, taken at about the same time.
#[derive(Debug, Clone, Default)]
pub struct StatState {
    /// One entry per proxy, in the order they were added.
    pub proxies: Vec<ProxyState>,
    /// The series lists of the proxies kept as baselines, each kept once.
    pub(super) series_lists: SeriesLists,
}

impl StatState {
    /// Reduce one proxy's parsed body and keep the result (replacing an earlier one for the pod).
    pub fn add(&mut self, key: ProxyKey, scrape_time_ms: i64, body: &Body<'_>) {
        let mut state = ProxyState::new(key, scrape_time_ms);
        let mut picked = Picked::default();
        for (_, sample) in body.samples() {
            state.observe(sample, &mut picked);
        }
        self.insert(state);
    }

    /// Reduce a raw body line by line without keeping it; malformed lines are skipped and
    /// returned.
    pub fn add_text(&mut self, key: ProxyKey, scrape_time_ms: i64, text: &str) -> Vec<ParseError> {
        let mut reducer = BodyReducer::new(key, scrape_time_ms);
        reducer.feed(text);
        self.add_reduced(reducer)
    }

    /// Keep what `reducer` made of a body; returns the malformed lines it skipped.
    pub fn add_reduced(&mut self, reducer: BodyReducer) -> Vec<ParseError> {
        self.insert(reducer.state);
        reducer.errors
    }

    /// Reduce an owned target (e.g. read from a snapshot file); its scrape time is used, or 0.
    pub fn add_target(&mut self, key: ProxyKey, target: &Target) {
        self.insert(super::halves::reduce_target(key, target));
    }

    fn insert(&mut self, state: ProxyState) {
        match self
            .proxies
            .iter_mut()
            .find(|p| p.key.namespace == state.key.namespace && p.key.pod == state.key.pod)
        {
            Some(existing) => *existing = state,
            None => self.proxies.push(state),
        }
    }

    /// Keep the proxy added last only as a baseline, for a second scrape to be folded against:
    /// each counter's value by series identity (~4 bytes a series, see [`super::baseline`]). Its
    /// own rows can no longer be computed.
    pub fn keep_last_as_baseline(&mut self) {
        if let Some(proxy) = self.proxies.last_mut() {
            proxy.keep_as_baseline(&mut self.series_lists);
        }
    }

    /// Compare the proxy added last with its earlier scrape in `before` now, keep only its
    /// increases per dimension and slot, and drop the earlier scrape from `before`: a window's
    /// two scrapes of a large mesh never both hold every series of every proxy. Rows computed
    /// from `before` to this state are the same as without folding.
    pub fn fold_last_against(&mut self, before: &mut StatState) {
        let earlier = self.last_in(before);
        self.fold_last_at(before, earlier);
    }

    /// Where `before` has the proxy added last.
    fn last_in(&self, before: &StatState) -> Option<usize> {
        let proxy = self.proxies.last()?;
        before
            .proxies
            .iter()
            .position(|p| p.key.namespace == proxy.key.namespace && p.key.pod == proxy.key.pod)
    }

    /// [`StatState::fold_last_against`], the proxy's earlier scrape being `before`'s `earlier`.
    fn fold_last_at(&mut self, before: &mut StatState, earlier: Option<usize>) {
        let Some(proxy) = self.proxies.last_mut() else {
            return;
        };
        let (base, elapsed) = super::rows::baseline_of(proxy, earlier.map(|i| &before.proxies[i]));
        let mut increases: Counters = Counters::default();
        for (hash, counter) in &proxy.counters {
            let delta = match base {
                super::rows::Baseline::Previous(b) => match b.value_of(*hash) {
                    Some(old) if counter.value >= old => counter.value - old,
                    _ => counter.value,
                },
                super::rows::Baseline::Zero => counter.value,
                super::rows::Baseline::Skip => continue,
            };
            add_to_row(&mut increases, counter, delta);
        }
        proxy.folded = Some(Folded {
            elapsed,
            skip: matches!(base, super::rows::Baseline::Skip),
        });
        proxy.counters = increases;
        if let Some(i) = earlier {
            let earlier = before.proxies.swap_remove(i);
            before.series_lists.release(&earlier.baseline);
        }
    }

    /// For `top`, whose every refresh is a round compared with the round before: compare the
    /// proxy added last with its previous round in `before` as [`StatState::fold_last_against`]
    /// does, and keep its series as the baseline the next round is compared with. A proxy
    /// `before` does not have (new, or it failed the previous round) is only kept as a baseline:
    /// its numbers show from the next round on. So rounds of a large mesh hold one baseline of
    /// every series and the increases per row, never every series of two rounds.
    pub fn fold_last_keeping_baseline(&mut self, before: &mut StatState) {
        let (Some(proxy), Some(earlier)) = (self.proxies.last(), self.last_in(before)) else {
            self.keep_last_as_baseline();
            return;
        };
        let series = proxy.counters.iter().map(|(h, c)| (*h, c.value)).collect();
        let baseline = self.series_lists.baseline(series);
        self.fold_last_at(before, Some(earlier));
        if let Some(proxy) = self.proxies.last_mut() {
            proxy.baseline = baseline;
        }
    }

    /// Sum the counters of the proxy added last per dimension and slot, dropping their series
    /// identities: numbers since each proxy started are compared with nothing, so one scrape of a
    /// large mesh need not keep every series of every proxy (a `web` proxy's ~11,600 latency
    /// buckets become a few dozen sums). Rows since start ([`super::compute_since_start`]) are the
    /// same; a window can no longer be taken from this state.
    pub fn sum_last_since_start(&mut self) {
        if let Some(proxy) = self.proxies.last_mut() {
            let mut sums = Counters::default();
            for counter in proxy.counters.values() {
                add_to_row(&mut sums, counter, counter.value);
            }
            proxy.counters = sums;
        }
    }

    /// The reduced state of a pod.
    pub fn proxy(&self, namespace: &str, pod: &str) -> Option<&ProxyState> {
        self.proxies
            .iter()
            .find(|p| p.key.namespace == namespace && p.key.pod == pod)
    }
}

/// The process start time, which [`ProxyState::observe`] keeps as it is.
const PROCESS_START: &str = "process_start_time_seconds";

/// The samples [`ProxyState::observe`] reduces, by name; it passes over every other sample but
/// [`PROCESS_START`].
const OBSERVED: [&str; 9] = [
    "response_total",
    "response_latency_ms_bucket",
    "tcp_open_connections",
    "tcp_read_bytes_total",
    "tcp_write_bytes_total",
    "outbound_http_route_request_statuses_total",
    "outbound_http_route_request_duration_seconds_bucket",
    "route_response_total",
    "route_response_latency_ms_bucket",
];

/// Whether a family named `family` can hold a sample [`ProxyState::observe`] reads: a family's
/// samples are named by its name, or its name and a suffix ([`crate::metrics::parse::belongs_to`]),
/// so the others can be passed over whole.
pub(super) fn may_be_observed(family: &str) -> bool {
    PROCESS_START.starts_with(family) || OBSERVED.iter().any(|name| name.starts_with(family))
}

/// One body being reduced a piece at a time, as it is decoded (see
/// [`StatState::add_reduced`]), so it is never held whole.
#[derive(Debug)]
pub struct BodyReducer {
    state: ProxyState,
    picked: Picked,
    errors: Vec<ParseError>,
    lines_before: usize,
}

impl BodyReducer {
    /// The proxy whose body this reduces.
    pub fn key(&self) -> &ProxyKey {
        &self.state.key
    }

    /// Start reducing the body of proxy `key`, scraped at `scrape_time_ms`.
    pub fn new(key: ProxyKey, scrape_time_ms: i64) -> Self {
        BodyReducer {
            state: ProxyState::new(key, scrape_time_ms),
            picked: Picked::default(),
            errors: Vec::new(),
            lines_before: 0,
        }
    }

    /// Reduce the next piece of the body, which must end at a line end (the last piece may
    /// not); malformed lines are skipped and numbered from the start of the body.
    pub fn feed(&mut self, text: &str) {
        let mut lines = 0;
        for line in parse::lines(text) {
            lines += 1;
            match line {
                Ok((_, parse::Line::Sample(sample))) => {
                    self.state.observe(&sample, &mut self.picked)
                }
                Ok(_) => {}
                Err(mut e) => {
                    e.line += self.lines_before;
                    self.errors.push(e);
                }
            }
        }
        self.lines_before += lines;
    }
}

/// A sample as the reducer reads it: lexed from a body, or indexed in a [`Target`].
pub(super) trait SampleView {
    fn name(&self) -> &str;
    fn value(&self) -> f64;
    /// Calls `f` with each label's name and decoded value, in written order.
    fn for_each_label(&self, f: impl FnMut(&str, &str));
}

impl SampleView for Sample<'_> {
    fn name(&self) -> &str {
        &self.name
    }

    fn value(&self) -> f64 {
        self.value
    }

    fn for_each_label(&self, mut f: impl FnMut(&str, &str)) {
        for label in self.labels.iter() {
            f(&label.name, &label.value);
        }
    }
}

impl SampleView for model::SampleRef<'_> {
    fn name(&self) -> &str {
        self.name
    }

    fn value(&self) -> f64 {
        self.value
    }

    fn for_each_label(&self, mut f: impl FnMut(&str, &str)) {
        for label in self.labels.iter() {
            f(&label.name, &label.value);
        }
    }
}

pub(super) fn part_hash(name: &str, value: &str) -> u64 {
    SERIES_HASHER.hash_one((name, value))
}

/// Adds `value` to the counter of `sums` that stands for `counter`'s place in the rows: its
/// dimension, slot (and bucket bound) and TLS flag.
fn add_to_row(sums: &mut Counters, counter: &Counter, value: f64) {
    let bound = match counter.slot {
        Slot::Bucket(le) => le.to_bits(),
        _ => 0,
    };
    let key = SERIES_HASHER.hash_one((
        counter.dim,
        std::mem::discriminant(&counter.slot),
        bound,
        counter.tls,
    ));
    sums.entry(key)
        .or_insert(Counter {
            value: 0.0,
            ..counter.clone()
        })
        .value += value;
}

/// The `peer` whose TCP numbers count for traffic in `direction`: outbound rows count the
/// proxy's connections to servers (`dst`), inbound (and any other) rows those from clients (`src`).
fn tcp_peer(direction: &str) -> &'static str {
    if direction == "outbound" {
        "dst"
    } else {
        "src"
    }
}

fn is_failure_status(status: &str) -> bool {
    status.starts_with('5') && status.len() == 3
}

impl ProxyState {
    pub(super) fn new(key: ProxyKey, scrape_time_ms: i64) -> Self {
        ProxyState {
            key,
            scrape_time_ms,
            process_start_seconds: None,
            dims: Vec::new(),
            dim_index: HashMap::new(),
            last_dim: None,
            counters: Counters::default(),
            open_connections: HashMap::new(),
            baseline: Baseline::default(),
            folded: None,
            recorded: None,
        }
    }

    fn keep_as_baseline(&mut self, lists: &mut SeriesLists) {
        self.baseline = lists.baseline(self.counters.iter().map(|(h, c)| (*h, c.value)).collect());
        self.counters = Counters::default();
        self.dims = Vec::new();
        self.dim_index = HashMap::new();
        self.last_dim = None;
        self.open_connections = HashMap::new();
    }

    /// How many counters this state keeps (for tests of what is kept: series, or sums per row).
    #[cfg(test)]
    pub(crate) fn counters_kept(&self) -> usize {
        self.counters.len()
    }

    /// How many series this state keeps as a baseline (for tests of what is kept).
    #[cfg(test)]
    pub(crate) fn baseline_kept(&self) -> usize {
        self.baseline.len()
    }

    /// The value of series `hash` in this scrape.
    pub(super) fn value_of(&self, hash: u64) -> Option<f64> {
        if self.baseline.is_empty() {
            return self.counters.get(&hash).map(|c| c.value);
        }
        self.baseline.value_of(hash)
    }

    pub(super) fn dim(
        &mut self,
        scope: Scope,
        direction: &str,
        authority: &str,
        route: &str,
    ) -> u32 {
        if let Some(last) = self.last_dim {
            let dim = &self.dims[last as usize];
            if dim.scope == scope
                && dim.direction == direction
                && dim.authority == authority
                && dim.route == route
            {
                return last;
            }
        }
        let dim = Dim {
            scope,
            direction: direction.to_string(),
            authority: authority.to_string(),
            route: route.to_string(),
        };
        let i = match self.dim_index.get(&dim) {
            Some(&i) => i,
            None => {
                let i = self.dims.len() as u32;
                self.dims.push(dim.clone());
                self.dim_index.insert(dim, i);
                i
            }
        };
        self.last_dim = Some(i);
        i
    }

    fn keep(&mut self, picked: &Picked, value: f64, dim: u32, slot: Slot) {
        // Only request counts carry the TLS flag: other counters fold per dimension and slot alone.
        let tls = matches!(slot, Slot::Success | Slot::Failure) && picked.tls == "true";
        let counter = Counter {
            dim,
            tls,
            slot,
            value,
        };
        match &mut self.recorded {
            Some(recorded) => recorded.push(Kept::Counter(picked.series, counter)),
            None => {
                self.counters.insert(picked.series, counter);
            }
        }
    }

    fn add_open_connections(&mut self, dim: u32, value: f64) {
        match &mut self.recorded {
            Some(recorded) => recorded.push(Kept::OpenConnections(dim, value)),
            None => *self.open_connections.entry(dim).or_default() += value,
        }
    }

    pub(super) fn observe(&mut self, sample: &impl SampleView, picked: &mut Picked) {
        let name = sample.name();
        let value = sample.value();
        match name {
            PROCESS_START => {
                self.process_start_seconds = Some(value);
                return;
            }
            name if OBSERVED.contains(&name) => picked.read(sample),
            _ => return,
        }
        let p = &*picked;
        match name {
            "response_total" => {
                let dim = self.dim(Scope::Proxy, &p.direction, &p.authority, "");
                let slot = if p.success() {
                    Slot::Success
                } else {
                    Slot::Failure
                };
                self.keep(p, value, dim, slot);
            }
            "response_latency_ms_bucket" => {
                if let Some(le) = p.le() {
                    let dim = self.dim(Scope::Proxy, &p.direction, &p.authority, "");
                    self.keep(p, value, dim, Slot::Bucket(le));
                }
            }
            "tcp_open_connections" | "tcp_read_bytes_total" | "tcp_write_bytes_total" => {
                // Inbound counts the connections from clients (`peer="src"`), outbound those to
                // servers (`peer="dst"`), as linkerd viz does; a sample without `peer` counts.
                if !p.peer.is_empty() && p.peer != tcp_peer(&p.direction) {
                    return;
                }
                let dim = self.dim(Scope::Proxy, &p.direction, &p.authority, "");
                match name {
                    "tcp_open_connections" => self.add_open_connections(dim, value),
                    "tcp_read_bytes_total" => self.keep(p, value, dim, Slot::ReadBytes),
                    _ => self.keep(p, value, dim, Slot::WriteBytes),
                }
            }
            "outbound_http_route_request_statuses_total" => {
                let dim = self.route_dim(p);
                let failed = !p.error.is_empty() || is_failure_status(&p.http_status);
                let slot = if failed { Slot::Failure } else { Slot::Success };
                self.keep(p, value, dim, slot);
            }
            "outbound_http_route_request_duration_seconds_bucket" => {
                if let Some(le) = p.le() {
                    let dim = self.route_dim(p);
                    self.keep(p, value, dim, Slot::Bucket(le * 1000.0));
                }
            }
            "route_response_total" => {
                let dim = self.dim(Scope::Route, &p.direction, &p.dst, &p.rt_route);
                let slot = if p.success() {
                    Slot::Success
                } else {
                    Slot::Failure
                };
                self.keep(p, value, dim, slot);
            }
            "route_response_latency_ms_bucket" => {
                if let Some(le) = p.le() {
                    let dim = self.dim(Scope::Route, &p.direction, &p.dst, &p.rt_route);
                    self.keep(p, value, dim, Slot::Bucket(le));
                }
            }
            _ => {}
        }
    }

    /// Route metrics: the authority is the parent (`name.namespace:port`), the route its name.
    fn route_dim(&mut self, p: &Picked) -> u32 {
        let parent = format!("{}.{}:{}", p.parent_name, p.parent_namespace, p.parent_port);
        self.dim(Scope::Route, "outbound", &parent, &p.route_name)
    }
}
