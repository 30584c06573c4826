//! `kubectl linkerd-export`: scrape Linkerd proxies' `/metrics` straight from the pods, then print,
//! tabulate, diff, save or export them.
//!
//! Data flows `cli` → `resolve` (target resolution) → `scrape` (over `forward`) → `metrics` → `render` / `export`;
//! `sim` is the simulated mesh used by `demo` and the tests.

pub mod cli;
pub mod cluster;
pub mod commands;
pub mod completion;
pub mod error;
pub mod export;
pub mod forward;
pub mod metrics;
pub mod render;
pub mod scrape;
pub mod sim;
pub mod resolve;
