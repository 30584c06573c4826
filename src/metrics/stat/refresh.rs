//! `top`'s refresh loop state ([`Refresh`]): the pods selected at the last listing, the previous
//! round each round is compared with as it comes in (each proxy's series kept only as a
//! baseline, [`StatState::fold_last_keeping_baseline`]), and whether any scrape failed.

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

    /// The previous round, for the next to be compared with proxy by proxy as it is scraped
    /// ([`StatState::fold_last_keeping_baseline`]); empty before the first.
    pub fn previous_round(&mut self) -> &mut StatState {
        &mut self.previous
    }

    /// Takes the first scrape, the baseline of the first table. Returns whether there is
    /// anything to show (some proxy answered, or Ctrl-C cut it short).
    pub fn start(&mut self, first: Collected) -> bool {
        self.saw_failures |= !first.failures.is_empty();
        let usable = !first.state.proxies.is_empty() || first.interrupted;
        self.previous = first.state;
        usable
    }

    /// Computes the rows of `current`, a round compared with the previous one as it was
    /// scraped, which becomes the previous one. A pod without a baseline (it failed the previous
    /// scrape) shows from the next refresh on.
    pub fn advance(&mut self, current: Collected) -> Refreshed {
        self.saw_failures |= !current.failures.is_empty();
        let StatState {
            proxies,
            series_lists,
        } = current.state;
        let (with_baseline, fresh): (Vec<_>, Vec<_>) =
            proxies.into_iter().partition(|p| p.folded.is_some());
        let after = StatState {
            proxies: with_baseline,
            series_lists,
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
