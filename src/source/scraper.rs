//! [`Scraper`]: the read of a long run (`export --every`, `export --serve`): one filtered,
//! obfuscated snapshot per round or request, the targets' pods listed again before each so the
//! run follows rollouts, and an API-server outage told once when it begins and once when it ends.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

use super::{Options, Source};
use crate::error::Exit;
use crate::metrics::filter::Filter;
use crate::metrics::model::Snapshot;
use crate::metrics::obfuscate::{self, Obfuscation};
use crate::resolve::TargetError;

/// Time kept back from a caller's deadline for rendering and sending the answer; also the least
/// per-proxy deadline when the caller's is shorter than that.
pub(crate) const DEADLINE_MARGIN: Duration = Duration::from_millis(100);

/// Produces a filtered, obfuscated snapshot per round or request.
pub(crate) struct Scraper {
    options: Options,
    source: Source,
    filter: Filter,
    obfuscation: Option<Obfuscation>,
    /// List the targets' pods again before each scrape, so a long run follows rollouts.
    follow: bool,
    /// Since when the targets' pods could not be listed again, while that lasts: the outage is
    /// told once when it begins and once when it ends, not on every round.
    unlisted_since: Mutex<Option<Instant>>,
}

impl Scraper {
    /// A scraper reading `source` with `options`, keeping what `filter` keeps, obfuscated at
    /// `obfuscation`; with `follow`, the targets' pods are listed again before each scrape.
    pub(crate) fn new(
        options: Options,
        source: Source,
        filter: Filter,
        obfuscation: Option<Obfuscation>,
        follow: bool,
    ) -> Self {
        Scraper {
            options,
            source,
            filter,
            obfuscation,
            follow,
            unlisted_since: Mutex::new(None),
        }
    }

    /// One snapshot, and whether every proxy answered (failures are named on stderr); or why
    /// nothing was scraped. `timeout` caps the per-proxy deadline, for a caller that waits no
    /// longer than that.
    pub(crate) async fn snapshot(
        &self,
        cancel: &CancellationToken,
        timeout: Option<Duration>,
    ) -> Result<(Snapshot, Exit), String> {
        let started = Instant::now();
        let relisted = if self.follow {
            self.source.relisted(&self.options).await
        } else {
            None
        };
        let relisted = match relisted {
            Some(Ok(relisted)) => {
                self.listed_again(relisted.pod_count());
                Some(relisted)
            }
            Some(Err(error)) => return Err(self.not_listed(&error, self.source.pod_count())),
            None => None,
        };
        let source = relisted.as_ref().unwrap_or(&self.source);
        let mut options = self.options.clone();
        if let Some(limit) = timeout {
            // Listing the pods again came out of the same deadline.
            let left = limit.saturating_sub(started.elapsed()).max(DEADLINE_MARGIN);
            options.fetch.timeout = options.fetch.timeout.min(left);
        }
        let (mut snapshot, exit) = source.read(&options, cancel).await;
        if exit == Exit::Failure {
            return Err("no proxy could be scraped".to_string());
        }
        self.filter.retain_snapshot(&mut snapshot);
        if let Some(level) = self.obfuscation {
            obfuscate::obfuscate_snapshot(&mut snapshot, level);
        }
        Ok((snapshot, exit))
    }

    /// The pods could not be listed: warns when this begins an outage. Nothing is scraped
    /// meanwhile, since both ways to reach a proxy go through the API server; the previous pod
    /// list is kept for when it answers. Returns the reason, for the round or the request.
    fn not_listed(&self, error: &TargetError, pods: usize) -> String {
        let mut since = self
            .unlisted_since
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if since.is_none() {
            *since = Some(Instant::now());
            self.options.warn(format!(
                "{error}; keeping the last pod list ({pods} found) and trying again on each \
                 scrape (told again only when the API server answers)"
            ));
        }
        format!("the targets' pods cannot be listed: {error}")
    }

    /// The pods were listed: says so when this ends an outage.
    fn listed_again(&self, pods: usize) {
        let since = self
            .unlisted_since
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take();
        if let Some(since) = since
            && !self.options.quiet
        {
            eprintln!(
                "the API server answers again after {} (pods listed: {pods})",
                humantime::format_duration(Duration::from_secs(since.elapsed().as_secs()))
            );
        }
    }
}
