//! Rendering scraped metrics for people and programs: raw, tables, JSON, Prometheus/OpenMetrics
//! text; each command's printed form (`stat`, `diff`, `check`), and `top`'s terminal screen.

pub mod check;
pub mod diff;
pub mod json;
pub mod prometheus_config;
pub mod raw;
pub mod stat;
pub mod table;
pub mod terminal;
