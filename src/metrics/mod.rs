//! Pure metrics logic: parse, model, select, aggregate, quantile, diff, obfuscate. No I/O.
//!
//! - [`parse`]: zero-copy parser (strict or lenient) and a line stream for reducers.
//! - [`model`]: owned families/samples, [`model::Target`] and [`model::Snapshot`].
//! - [`write`]: merged Prometheus text / OpenMetrics writers.

pub mod model;
pub mod obfuscate;
pub mod parse;
pub mod quantile;
pub mod select;
pub mod stat;
pub mod write;
