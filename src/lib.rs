//! `kubectl linkerd-export`: scrape Linkerd proxies' `/metrics` straight from the pods, then print,
//! tabulate, diff, save or export them.
//!
//! Data flows `cli` → `resolve` (target resolution) → `scrape` (over `forward`) → `metrics` →
//! `render` / `export`. The simulated mesh behind `demo` and the tests is its own crate,
//! `linkerd-export-sim` (the `demo` feature).

pub mod cli;
pub mod cluster;
pub mod commands;
pub mod completion;
pub mod error;
pub mod export;
pub mod forward;
pub mod metrics;
pub mod render;
pub mod resolve;
pub mod scrape;
