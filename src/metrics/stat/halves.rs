//! A large target reduced in two halves at once: the first half into a state as usual, the
//! second into a record of what it keeps, in order, which is then replayed into the first's
//! state. The result is the same state, down to its maps' order, as reducing the samples in one
//! go: every insert and sum happens in the same order.

use super::reduce::{Counter, Picked, ProxyKey, ProxyState, may_be_observed};
use crate::metrics::model::{FamilyRef, SampleRef, Target};
use crate::metrics::{PARALLEL_MIN_BYTES, join, more_than_one_core};

/// What a state reducing a second half keeps, in order.
#[derive(Debug, Clone)]
pub(super) enum Kept {
    /// A counter, by series identity.
    Counter(u64, Counter),
    /// `tcp_open_connections` of a dimension, to add.
    OpenConnections(u32, f64),
}

/// `target` reduced into the state of proxy `key`; a large target in two halves at once. Only
/// the families [`ProxyState::observe`] may read are gone through, and the halves are halves of
/// their samples: in a proxy's body those families sit together, so halves of every sample would
/// leave one thread most of the work.
pub(super) fn reduce_target(key: ProxyKey, target: &Target) -> ProxyState {
    let scrape_time_ms = target.scrape_time_ms.unwrap_or(0);
    let families: Vec<FamilyRef<'_>> = target
        .families()
        .filter(|family| may_be_observed(family.name()))
        .collect();
    let count = families.iter().map(|family| family.len()).sum();
    if target.text().len() < PARALLEL_MIN_BYTES || !more_than_one_core() {
        let mut state = ProxyState::new(key, scrape_time_ms);
        reduce(&mut state, samples_between(&families, 0, count));
        return state;
    }
    let middle = count / 2;
    let second_key = key.clone();
    let (mut first, second) = join(
        || {
            let mut state = ProxyState::new(key, scrape_time_ms);
            reduce(&mut state, samples_between(&families, 0, middle));
            state
        },
        || {
            let mut state = ProxyState::new(second_key, scrape_time_ms);
            state.recorded = Some(Vec::new());
            reduce(&mut state, samples_between(&families, middle, count));
            state
        },
    );
    first.absorb(second);
    first
}

fn reduce<'t>(state: &mut ProxyState, samples: impl Iterator<Item = SampleRef<'t>>) {
    let mut picked = Picked::default();
    for sample in samples {
        state.observe(&sample, &mut picked);
    }
}

/// The samples `from..to` of `families`, counted over all of them, in input order.
fn samples_between<'t>(
    families: &[FamilyRef<'t>],
    from: usize,
    to: usize,
) -> impl Iterator<Item = SampleRef<'t>> {
    let mut before = 0;
    families.iter().flat_map(move |family| {
        let (start, end) = (before, before + family.len());
        before = end;
        let (lo, hi) = (from.clamp(start, end), to.clamp(start, end));
        family.samples_in(lo - start..hi - start)
    })
}

impl ProxyState {
    /// Replay what `later` (a state that reduced the samples after this one's) recorded, as if
    /// this state had reduced them itself.
    fn absorb(&mut self, later: ProxyState) {
        if later.process_start_seconds.is_some() {
            self.process_start_seconds = later.process_start_seconds;
        }
        let dims: Vec<u32> = later
            .dims
            .iter()
            .map(|d| self.dim(d.scope, &d.direction, &d.authority, &d.route))
            .collect();
        for kept in later.recorded.into_iter().flatten() {
            match kept {
                Kept::Counter(series, counter) => {
                    let dim = dims[counter.dim as usize];
                    self.counters.insert(series, Counter { dim, ..counter });
                }
                Kept::OpenConnections(dim, value) => {
                    *self.open_connections.entry(dims[dim as usize]).or_default() += value;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::stat::reduce::Scope;

    /// A body over [`PARALLEL_MIN_BYTES`] whose dimensions, counters and open connections show up
    /// in both halves, some only in the second; it starts with a large family `stat` does not
    /// read and ends with a counter family named without its `_total`, as OpenMetrics names them.
    fn large_target() -> Target {
        let mut body = String::from("process_start_time_seconds 1700000000\n");
        body.push_str("# TYPE request_total counter\n");
        for i in 0..20_000 {
            body.push_str(&format!(
                "request_total{{direction=\"inbound\",authority=\"svc-{i}.ns:80\"}} {i}\n"
            ));
        }
        let mut i = 0;
        while body.len() < PARALLEL_MIN_BYTES * 3 / 2 {
            let authority = format!("svc-{}.ns:80", i % (7 + i / 300));
            for (direction, peer) in [("inbound", "src"), ("outbound", "dst")] {
                for class in ["success", "failure"] {
                    body.push_str(&format!(
                        "response_total{{direction=\"{direction}\",authority=\"{authority}\",\
                         classification=\"{class}\",tls=\"true\",i=\"{i}\"}} {i}\n"
                    ));
                }
                for le in ["10", "100", "+Inf"] {
                    body.push_str(&format!(
                        "response_latency_ms_bucket{{direction=\"{direction}\",\
                         authority=\"{authority}\",le=\"{le}\",i=\"{i}\"}} {i}\n"
                    ));
                }
                body.push_str(&format!(
                    "tcp_open_connections{{direction=\"{direction}\",peer=\"{peer}\",\
                     authority=\"{authority}\",i=\"{i}\"}} 0.{i}\n"
                ));
            }
            i += 1;
        }
        body.push_str("# TYPE route_response counter\n");
        for class in ["success", "failure"] {
            body.push_str(&format!(
                "route_response_total{{direction=\"outbound\",dst=\"web.ns:80\",\
                 rt_route=\"GET /\",classification=\"{class}\"}} 3\n"
            ));
        }
        Target::parse(body, Vec::new(), Some(1_000)).unwrap()
    }

    fn sorted_open(state: &ProxyState) -> Vec<(u32, u64)> {
        let mut open: Vec<(u32, u64)> = state
            .open_connections
            .iter()
            .map(|(d, v)| (*d, v.to_bits()))
            .collect();
        open.sort();
        open
    }

    #[test]
    fn a_large_target_reduced_in_halves_is_the_state_reduced_in_one_go() {
        let target = large_target();
        let key = ProxyKey {
            namespace: "ns".into(),
            pod: "web-1".into(),
            workload: None,
        };
        let every_family: Vec<FamilyRef<'_>> = target.families().collect();
        let mut whole = ProxyState::new(key.clone(), 1_000);
        reduce(
            &mut whole,
            samples_between(&every_family, 0, target.sample_count()),
        );
        let halves = reduce_target(key, &target);
        assert!(halves.recorded.is_none());
        assert_eq!(format!("{:?}", halves.dims), format!("{:?}", whole.dims));
        assert!(whole.dims.len() > 14, "{} dimensions", whole.dims.len());
        assert!(
            whole.dims.iter().any(|d| d.scope == Scope::Route),
            "the family named without `_total` is read"
        );
        // Same counters in the same order: floating-point sums over them come out the same.
        let counters = |s: &ProxyState| format!("{:?}", s.counters.iter().collect::<Vec<_>>());
        assert_eq!(counters(&halves), counters(&whole));
        assert_eq!(sorted_open(&halves), sorted_open(&whole));
        assert_eq!(halves.process_start_seconds, Some(1_700_000_000.0));
    }

    #[test]
    fn only_families_stat_never_reads_are_passed_over() {
        for family in [
            "process_start_time_seconds",
            "response_total",
            "response",
            "response_latency_ms",
            "tcp_open_connections",
            "tcp_read_bytes",
            "outbound_http_route_request_duration_seconds",
            "route_response",
        ] {
            assert!(may_be_observed(family), "{family}");
        }
        for family in [
            "request_total",
            "inbound_http_authz_allow_total",
            "identity_cert_expiration_timestamp_seconds",
            "response_latency_ms_bucket_total",
        ] {
            assert!(!may_be_observed(family), "{family}");
        }
    }

    #[test]
    fn samples_between_covers_a_family_cut_in_two() {
        let target = large_target();
        let families: Vec<FamilyRef<'_>> = target.families().collect();
        let count = target.sample_count();
        let names = |from, to| {
            samples_between(&families, from, to)
                .map(|s| (s.name, s.labels.as_str()))
                .collect::<Vec<_>>()
        };
        let mut halves = names(0, count / 2);
        halves.extend(names(count / 2, count));
        assert_eq!(halves, names(0, count));
        assert_eq!(names(0, count).len(), count);
    }
}
