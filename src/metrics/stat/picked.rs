//! The labels the reducer reads from a sample, and its series identity.

use super::reduce::{SampleView, part_hash};
use crate::metrics::parse;

/// The labels the reducer reads, picked out of a sample in one pass over its labels (re-reading
/// the label text per label cost more than everything else), and the series identity: a sum of
/// per-label hashes, so it does not depend on label order or on where the sample came from.
/// Reused from sample to sample, so its buffers are allocated once per body.
#[derive(Debug, Default)]
pub(super) struct Picked {
    pub(super) series: u64,
    pub(super) direction: String,
    pub(super) authority: String,
    pub(super) classification: String,
    pub(super) le: String,
    pub(super) peer: String,
    pub(super) dst: String,
    pub(super) rt_route: String,
    pub(super) error: String,
    pub(super) http_status: String,
    pub(super) parent_name: String,
    pub(super) parent_namespace: String,
    pub(super) parent_port: String,
    pub(super) route_name: String,
    pub(super) tls: String,
}

impl Picked {
    pub(super) fn read(&mut self, sample: &impl SampleView) {
        for field in [
            &mut self.direction,
            &mut self.authority,
            &mut self.classification,
            &mut self.le,
            &mut self.peer,
            &mut self.dst,
            &mut self.rt_route,
            &mut self.error,
            &mut self.http_status,
            &mut self.parent_name,
            &mut self.parent_namespace,
            &mut self.parent_port,
            &mut self.route_name,
            &mut self.tls,
        ] {
            field.clear();
        }
        let mut series = part_hash(sample.name(), "");
        sample.for_each_label(|name, value| {
            series = series.wrapping_add(part_hash(name, value));
            let field = match name {
                "direction" => &mut self.direction,
                "authority" => &mut self.authority,
                "classification" => &mut self.classification,
                "le" => &mut self.le,
                "peer" => &mut self.peer,
                "dst" => &mut self.dst,
                "rt_route" => &mut self.rt_route,
                "error" => &mut self.error,
                "http_status" => &mut self.http_status,
                "parent_name" => &mut self.parent_name,
                "parent_namespace" => &mut self.parent_namespace,
                "parent_port" => &mut self.parent_port,
                "route_name" => &mut self.route_name,
                "tls" => &mut self.tls,
                _ => return,
            };
            field.push_str(value);
        });
        self.series = series;
    }

    pub(super) fn le(&self) -> Option<f64> {
        parse::parse_float(&self.le)
    }

    pub(super) fn success(&self) -> bool {
        self.classification == "success"
    }
}
