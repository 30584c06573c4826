//! Rendering scraped metrics for people and programs: raw, tables, JSON, Prometheus/OpenMetrics text.

pub mod check;
pub mod diff;
pub mod json;
pub mod raw;
pub mod stat;
pub mod table;
pub mod terminal;
