//! A large target reduced in two halves at once: the first half into a state as usual, the
//! second into a record of what it keeps, in order, which is then replayed into the first's
//! state. The result is the same state, down to its maps' order, as reducing the samples in one
//! go: every insert and sum happens in the same order.

use super::reduce::{Counter, Picked, ProxyKey, ProxyState};
use crate::metrics::model::{SampleRef, Target};
use crate::metrics::{PARALLEL_MIN_BYTES, join, more_than_one_core};

/// What a state reducing a second half keeps, in order.
#[derive(Debug, Clone)]
pub(super) enum Kept {
    /// A counter, by series identity.
    Counter(u64, Counter),
    /// `tcp_open_connections` of a dimension, to add.
    OpenConnections(u32, f64),
}

/// `target` reduced into the state of proxy `key`; a large target in two halves at once.
pub(super) fn reduce_target(key: ProxyKey, target: &Target) -> ProxyState {
    let scrape_time_ms = target.scrape_time_ms.unwrap_or(0);
    let count = target.sample_count();
    if target.text().len() < PARALLEL_MIN_BYTES || !more_than_one_core() {
        let mut state = ProxyState::new(key, scrape_time_ms);
        reduce(&mut state, samples_between(target, 0, count));
        return state;
    }
    let middle = count / 2;
    let second_key = key.clone();
    let (mut first, second) = join(
        || {
            let mut state = ProxyState::new(key, scrape_time_ms);
            reduce(&mut state, samples_between(target, 0, middle));
            state
        },
        || {
            let mut state = ProxyState::new(second_key, scrape_time_ms);
            state.recorded = Some(Vec::new());
            reduce(&mut state, samples_between(target, middle, count));
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

/// The target's samples `from..to`, counted over all its families, in input order.
fn samples_between(target: &Target, from: usize, to: usize) -> impl Iterator<Item = SampleRef<'_>> {
    let mut before = 0;
    target.families().flat_map(move |family| {
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

    /// A body over [`PARALLEL_MIN_BYTES`] whose dimensions, counters and open connections show up
    /// in both halves, some only in the second.
    fn large_target() -> Target {
        let mut body = String::from("process_start_time_seconds 1700000000\n");
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
        let mut whole = ProxyState::new(key.clone(), 1_000);
        reduce(
            &mut whole,
            samples_between(&target, 0, target.sample_count()),
        );
        let halves = reduce_target(key, &target);
        assert!(halves.recorded.is_none());
        assert_eq!(format!("{:?}", halves.dims), format!("{:?}", whole.dims));
        assert!(whole.dims.len() > 14, "{} dimensions", whole.dims.len());
        // Same counters in the same order: floating-point sums over them come out the same.
        let counters = |s: &ProxyState| format!("{:?}", s.counters.iter().collect::<Vec<_>>());
        assert_eq!(counters(&halves), counters(&whole));
        assert_eq!(sorted_open(&halves), sorted_open(&whole));
        assert_eq!(halves.process_start_seconds, Some(1_700_000_000.0));
    }

    #[test]
    fn samples_between_covers_a_family_cut_in_two() {
        let target = large_target();
        let count = target.sample_count();
        let names = |from, to| {
            samples_between(&target, from, to)
                .map(|s| (s.name, s.labels.as_str()))
                .collect::<Vec<_>>()
        };
        let mut halves = names(0, count / 2);
        halves.extend(names(count / 2, count));
        assert_eq!(halves, names(0, count));
        assert_eq!(names(0, count).len(), count);
    }
}
