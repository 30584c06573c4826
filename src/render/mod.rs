//! Rendering scraped metrics for people and programs: raw, tables, JSON, Prometheus/OpenMetrics text.

pub mod json;
pub mod prometheus_config;
pub mod raw;
pub mod table;
