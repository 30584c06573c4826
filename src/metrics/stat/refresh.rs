//! `top`'s refresh loop state ([`Refresh`]): the pods selected at the last listing, the previous
//! scrape each table is computed from, and whether any scrape failed.

use super::collect::Collected;
use super::lines::{StatLine, stat_lines};
use super::reduce::{ProxyKey, StatState};
use super::rows::GroupBy;

/// What a refresh carries over to the next: each table covers the previous scrape to this one.
#[derive(Debug, Default)]
pub struct Refresh {
    by: GroupBy,
    /// The pods listed last, for the empty rows and MESHED denominators.
    selected: Vec<ProxyKey>,
    previous: StatState,
    /// Whether any scrape failed for some pod, or the pods could not be listed again.
    saw_failures: bool,
}

/// One refresh's table rows and how many proxies it measured.
#[derive(Debug)]
pub struct Refreshed {
    /// The rows, in namespace and name order.
    pub lines: Vec<StatLine>,
    /// Proxies scraped this time (with or without a baseline).
    pub scraped: usize,
}

impl Refresh {
    /// Rows grouped `by`, over the pods first listed as `selected`.
    pub fn new(by: GroupBy, selected: Vec<ProxyKey>) -> Self {
        Refresh {
            by,
            selected,
            ..Refresh::default()
        }
    }

    /// How many pods were listed last.
    pub fn selected(&self) -> usize {
        self.selected.len()
    }

    /// The pods as listed again (a rollout's new pods, without its deleted ones).
    pub fn relisted(&mut self, selected: Vec<ProxyKey>) {
        self.selected = selected;
    }

    /// Notes that the pods could not be listed again (the previous ones are scraped).
    pub fn relist_failed(&mut self) {
        self.saw_failures = true;
    }

    /// Takes the first scrape, the baseline of the first table. Returns whether there is
    /// anything to show (some proxy answered, or Ctrl-C cut it short).
    pub fn start(&mut self, first: Collected) -> bool {
        self.saw_failures |= !first.failures.is_empty();
        let usable = !first.state.proxies.is_empty() || first.interrupted;
        self.previous = first.state;
        usable
    }

    /// Computes the rows from the previous scrape to `current`, which becomes the previous one.
    /// A pod without a baseline (it failed the previous scrape) shows from the next refresh on.
    pub fn advance(&mut self, current: Collected) -> Refreshed {
        self.saw_failures |= !current.failures.is_empty();
        let (with_baseline, fresh): (Vec<_>, Vec<_>) = current
            .state
            .proxies
            .into_iter()
            .partition(|p| self.previous.proxy(&p.key.namespace, &p.key.pod).is_some());
        let after = StatState {
            proxies: with_baseline,
            ..StatState::default()
        };
        let lines = stat_lines(Some(&self.previous), &after, self.by, &self.selected);
        let mut next = after;
        next.proxies.extend(fresh);
        let scraped = next.proxies.len();
        self.previous = next;
        Refreshed { lines, scraped }
    }

    /// Whether any scrape failed for some pod, or a listing did.
    pub fn saw_failures(&self) -> bool {
        self.saw_failures
    }
}
