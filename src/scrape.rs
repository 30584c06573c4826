//! The scrape: bounded concurrent fan-out over the selected proxies, per-proxy deadlines, progress, Ctrl-C.
