//! One scrape's bodies reduced as they arrive ([`Collection`]): what is kept of each proxy
//! ([`Keep`]), and which pods failed and why. The scrape itself is the caller's.

use super::reduce::{BodyReducer, StatState};
use crate::resolve::PodTarget;

/// What a [`Collection`] keeps of each proxy it reduces.
pub enum Keep<'b> {
    /// Every series: rows can be computed from it (since start, or as `top`'s states).
    Everything,
    /// Only what a later scrape is compared with ([`StatState::keep_last_as_baseline`]).
    Baseline,
    /// Only the increases since the earlier scrape in the given state, which drops it
    /// ([`StatState::fold_last_against`]).
    IncreasesSince(&'b mut StatState),
}

/// One scrape reduced to the counters `stat` needs, and the pods that failed it.
pub struct Collected {
    /// The reduced bodies of the pods that answered with well-formed metrics.
    pub state: StatState,
    /// The pods that did not, with why.
    pub failures: Vec<(PodTarget, String)>,
    /// Whether Ctrl-C cut the scrape short.
    pub interrupted: bool,
}

/// A scrape being reduced, one proxy at a time, keeping of each what [`Keep`] says.
pub struct Collection<'b> {
    state: StatState,
    failures: Vec<(PodTarget, String)>,
    keep: Keep<'b>,
}

impl<'b> Collection<'b> {
    /// An empty collection keeping what `keep` says.
    pub fn new(keep: Keep<'b>) -> Self {
        Collection {
            state: StatState::default(),
            failures: Vec::new(),
            keep,
        }
    }

    /// Adds one pod's outcome: its reduced body, or why there is none. A body with malformed
    /// lines counts as a failure for its pod, as it does for every other command.
    pub fn add(&mut self, pod: PodTarget, body: Result<BodyReducer, String>) {
        let reducer = match body {
            Ok(reducer) => reducer,
            Err(message) => {
                self.failures.push((pod, message));
                return;
            }
        };
        let errors = self.state.add_reduced(reducer);
        if let Some(first) = errors.first() {
            self.state
                .proxies
                .retain(|p| p.key.namespace != pod.namespace || p.key.pod != pod.pod);
            self.failures
                .push((pod, format!("malformed metrics: {first}")));
            return;
        }
        match &mut self.keep {
            Keep::Everything => {}
            Keep::Baseline => self.state.keep_last_as_baseline(),
            Keep::IncreasesSince(before) => self.state.fold_last_against(before),
        }
    }

    /// The collection as it stands, `interrupted` or not.
    pub fn finish(self, interrupted: bool) -> Collected {
        Collected {
            state: self.state,
            failures: self.failures,
            interrupted,
        }
    }
}
