//! Pure metrics logic: parse, model, select, aggregate, quantile, diff, obfuscate. No I/O.
//!
//! - [`parse`]: zero-copy parser for Prometheus text 0.0.4 / OpenMetrics 1.0 (strict or
//!   lenient) and a line stream for reducers.
//! - [`model`]: owned families and samples, [`model::Target`] (one proxy's scrape with its target
//!   labels and time) and [`model::Snapshot`] (many targets); conversions from parsed bodies,
//!   merged expositions and `linkerd diagnostics proxy-metrics` output.
//! - [`held`]: scraped bodies held compressed until every proxy is in (printing commands).
//! - [`write`]: merged Prometheus text / OpenMetrics writers (`-o prom`, `-o openmetrics`,
//!   snapshots).
//! - [`select`]: `-m` name patterns and `--match` PromQL selectors.
//! - [`obfuscate`]: `--obfuscate` on raw bodies and snapshots.
//! - [`aggregate`]: `sum by` across targets.
//! - [`quantile`]: Prometheus' `histogram_quantile`.
//! - [`stat`]: the `linkerd viz stat` numbers from a streaming reducer.
//! - [`diff`]: snapshot diffs.
//! - [`check`]: `check`'s data-plane health findings.
//! - [`edges`]: `edges`'s who-talks-to-whom rows.
//! - [`authz`]: `authz`'s allowed and denied rates per server, route and authorization.
//! - [`routes`]: the route view of §4b (`routes`).

pub mod aggregate;
pub mod authz;
pub mod check;
pub mod diff;
pub mod edges;
pub mod held;
pub mod model;
pub mod obfuscate;
pub mod parse;
pub mod quantile;
pub mod routes;
pub mod select;
pub mod stat;
pub mod write;
