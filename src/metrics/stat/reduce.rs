//! The streaming reducer: one proxy's body in, only the counters `stat` needs kept.

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use serde::Serialize;

use crate::metrics::model::{self, Target};
use crate::metrics::parse::{self, Body, ParseError, Sample};
use crate::target::{PodTarget, Workload};

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
    /// Counters by series identity (hash of sample name and raw labels).
    pub(super) counters: HashMap<u64, Counter>,
    /// `tcp_open_connections` summed per dimension.
    pub(super) open_connections: HashMap<u32, f64>,
}

/// Reduced scrapes of many proxies, taken at about the same time.
#[derive(Debug, Clone, Default)]
pub struct StatState {
    /// One entry per proxy, in the order they were added.
    pub proxies: Vec<ProxyState>,
}

impl StatState {
    /// Reduce one proxy's parsed body and keep the result (replacing an earlier one for the pod).
    pub fn add(&mut self, key: ProxyKey, scrape_time_ms: i64, body: &Body<'_>) {
        let mut state = ProxyState::new(key, scrape_time_ms);
        for (_, sample) in body.samples() {
            state.observe(sample);
        }
        self.insert(state);
    }

    /// Reduce a raw body line by line without keeping it; malformed lines are skipped and
    /// returned.
    pub fn add_text(&mut self, key: ProxyKey, scrape_time_ms: i64, text: &str) -> Vec<ParseError> {
        let mut state = ProxyState::new(key, scrape_time_ms);
        let mut errors = Vec::new();
        for line in parse::lines(text) {
            match line {
                Ok((_, parse::Line::Sample(sample))) => state.observe(&sample),
                Ok(_) => {}
                Err(e) => errors.push(e),
            }
        }
        self.insert(state);
        errors
    }

    /// Reduce an owned target (e.g. read from a snapshot file); its scrape time is used, or 0.
    pub fn add_target(&mut self, key: ProxyKey, target: &Target) {
        let mut state = ProxyState::new(key, target.scrape_time_ms.unwrap_or(0));
        for sample in target.families.iter().flat_map(|f| &f.samples) {
            state.observe(sample);
        }
        self.insert(state);
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

    /// The reduced state of a pod.
    pub fn proxy(&self, namespace: &str, pod: &str) -> Option<&ProxyState> {
        self.proxies
            .iter()
            .find(|p| p.key.namespace == namespace && p.key.pod == pod)
    }
}

/// A sample as the reducer reads it: borrowed from a body, or owned in a [`Target`].
trait SampleView {
    fn name(&self) -> &str;
    fn value(&self) -> f64;
    fn label(&self, name: &str) -> Option<Cow<'_, str>>;
    /// Identity of the series, the same whatever the label order or source.
    fn series_hash(&self) -> u64;
}

fn part_hash(name: &str, value: &str) -> u64 {
    let mut h = std::hash::DefaultHasher::new();
    (name, value).hash(&mut h);
    h.finish()
}

/// Order-independent (a sum of per-label hashes), so a body and its owned copy agree.
fn series_hash(name: &str, label_hashes: impl Iterator<Item = u64>) -> u64 {
    label_hashes.fold(part_hash(name, ""), u64::wrapping_add)
}

impl SampleView for Sample<'_> {
    fn name(&self) -> &str {
        &self.name
    }

    fn value(&self) -> f64 {
        self.value
    }

    fn label(&self, name: &str) -> Option<Cow<'_, str>> {
        self.labels.get(name)
    }

    fn series_hash(&self) -> u64 {
        series_hash(
            &self.name,
            self.labels.iter().map(|l| part_hash(&l.name, &l.value)),
        )
    }
}

impl SampleView for model::Sample {
    fn name(&self) -> &str {
        &self.name
    }

    fn value(&self) -> f64 {
        self.value
    }

    fn label(&self, name: &str) -> Option<Cow<'_, str>> {
        model::Sample::label(self, name).map(Cow::Borrowed)
    }

    fn series_hash(&self) -> u64 {
        series_hash(&self.name, self.labels.iter().map(|(n, v)| part_hash(n, v)))
    }
}

fn is_failure_status(status: &str) -> bool {
    status.starts_with('5') && status.len() == 3
}

impl ProxyState {
    fn new(key: ProxyKey, scrape_time_ms: i64) -> Self {
        ProxyState {
            key,
            scrape_time_ms,
            process_start_seconds: None,
            dims: Vec::new(),
            dim_index: HashMap::new(),
            counters: HashMap::new(),
            open_connections: HashMap::new(),
        }
    }

    fn dim(&mut self, scope: Scope, direction: &str, authority: &str, route: &str) -> u32 {
        let dim = Dim {
            scope,
            direction: direction.to_string(),
            authority: authority.to_string(),
            route: route.to_string(),
        };
        if let Some(&i) = self.dim_index.get(&dim) {
            return i;
        }
        let i = self.dims.len() as u32;
        self.dims.push(dim.clone());
        self.dim_index.insert(dim, i);
        i
    }

    fn keep(&mut self, sample: &impl SampleView, dim: u32, slot: Slot) {
        self.counters.insert(
            sample.series_hash(),
            Counter {
                dim,
                slot,
                value: sample.value(),
            },
        );
    }

    fn observe(&mut self, sample: &impl SampleView) {
        let name = sample.name();
        let label = |n: &str| sample.label(n).unwrap_or_default();
        let le = || sample.label("le").and_then(|v| parse::parse_float(&v));
        match name {
            "process_start_time_seconds" => self.process_start_seconds = Some(sample.value()),
            "response_total" => {
                let dim = self.dim(Scope::Proxy, &label("direction"), &label("authority"), "");
                let slot = if label("classification") == "success" {
                    Slot::Success
                } else {
                    Slot::Failure
                };
                self.keep(sample, dim, slot);
            }
            "response_latency_ms_bucket" => {
                if let Some(le) = le() {
                    let dim = self.dim(Scope::Proxy, &label("direction"), &label("authority"), "");
                    self.keep(sample, dim, Slot::Bucket(le));
                }
            }
            "tcp_open_connections" | "tcp_read_bytes_total" | "tcp_write_bytes_total" => {
                if sample.label("peer").is_some_and(|p| p != "src") {
                    return;
                }
                let dim = self.dim(Scope::Proxy, &label("direction"), &label("authority"), "");
                match name {
                    "tcp_open_connections" => {
                        *self.open_connections.entry(dim).or_default() += sample.value()
                    }
                    "tcp_read_bytes_total" => self.keep(sample, dim, Slot::ReadBytes),
                    _ => self.keep(sample, dim, Slot::WriteBytes),
                }
            }
            "outbound_http_route_request_statuses_total" => {
                let dim = self.route_dim(sample);
                let failed = !label("error").is_empty() || is_failure_status(&label("http_status"));
                self.keep(
                    sample,
                    dim,
                    if failed { Slot::Failure } else { Slot::Success },
                );
            }
            "outbound_http_route_request_duration_seconds_bucket" => {
                if let Some(le) = le() {
                    let dim = self.route_dim(sample);
                    self.keep(sample, dim, Slot::Bucket(le * 1000.0));
                }
            }
            "route_response_total" => {
                let dim = self.dim(
                    Scope::Route,
                    &label("direction"),
                    &label("dst"),
                    &label("rt_route"),
                );
                let slot = if label("classification") == "success" {
                    Slot::Success
                } else {
                    Slot::Failure
                };
                self.keep(sample, dim, slot);
            }
            "route_response_latency_ms_bucket" => {
                if let Some(le) = le() {
                    let dim = self.dim(
                        Scope::Route,
                        &label("direction"),
                        &label("dst"),
                        &label("rt_route"),
                    );
                    self.keep(sample, dim, Slot::Bucket(le));
                }
            }
            _ => {}
        }
    }

    /// Route metrics: the authority is the parent (`name.namespace:port`), the route its name.
    fn route_dim(&mut self, sample: &impl SampleView) -> u32 {
        let label = |n: &str| sample.label(n).unwrap_or_default();
        let parent = format!(
            "{}.{}:{}",
            label("parent_name"),
            label("parent_namespace"),
            label("parent_port")
        );
        self.dim(Scope::Route, "outbound", &parent, &label("route_name"))
    }
}
