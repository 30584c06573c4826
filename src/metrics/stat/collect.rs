//! One scrape's bodies reduced as they arrive: [`StatState::add_checked`] keeps a proxy's
//! reduced body unless it had malformed lines, and [`Collected`] is a scrape's outcome (what was
//! kept, which pods failed and why). The scrape itself is the caller's.

use super::reduce::{BodyReducer, StatState};
use crate::resolve::PodTarget;

/// One scrape reduced to the counters `stat` needs, and the pods that failed it.
pub struct Collected {
    /// The reduced bodies of the pods that answered with well-formed metrics.
    pub state: StatState,
    /// The pods that did not, with why.
    pub failures: Vec<(PodTarget, String)>,
    /// Whether Ctrl-C cut the scrape short.
    pub interrupted: bool,
}

impl StatState {
    /// Keeps what `reducer` made of one proxy's body. A body with malformed lines counts as a
    /// failure for its pod, as it does for every other command: nothing of it is kept, and the
    /// error names the first bad line.
    pub fn add_checked(&mut self, reducer: BodyReducer) -> Result<(), String> {
        let key = reducer.key().clone();
        let errors = self.add_reduced(reducer);
        match errors.first() {
            None => Ok(()),
            Some(first) => {
                self.proxies.retain(|p| p.key != key);
                Err(format!("malformed metrics: {first}"))
            }
        }
    }
}
