//! `kubectl linkerd-export`: scrape Linkerd proxies' `/metrics` straight from the pods, then print,
//! tabulate, diff, save or export them.
//!
//! Data flows `cli` → `source` (where metrics come from: `resolve`'s target resolution and
//! `scrape` over `forward`, the linkerd-viz Prometheus, or a file) → `metrics` → `render` /
//! `export` (what leaves the process). The simulated mesh behind `demo` and the tests is its own crate,
//! `linkerd-export-sim` (the `demo` feature).

#![deny(missing_docs)]
#![warn(unreachable_pub)]

pub mod cli;
pub mod cluster;
pub mod commands;
pub mod completion;
pub mod error;
pub mod export;
pub mod forward;
#[cfg(any(test, fuzzing))]
pub mod fuzz_checks;
pub mod interrupt;
pub mod metrics;
pub mod render;
pub mod resolve;
pub mod scrape;
pub mod source;

/// The `User-Agent` of every HTTP request the plugin sends (proxies, Prometheus, remote write).
pub(crate) const USER_AGENT: &str = concat!("kubectl-linkerd-export/", env!("CARGO_PKG_VERSION"));
