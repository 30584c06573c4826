//! The scrape: bounded concurrent fan-out over the selected proxies, per-proxy deadlines, progress, Ctrl-C.

/// Proxies scraped at once unless `--concurrency` says otherwise.
pub const DEFAULT_CONCURRENCY: usize = 64;
