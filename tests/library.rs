//! The library's API against the simulated mesh and real Prometheus/promtool and VictoriaMetrics:
//! cluster connection, forwarding, scraping, target resolution, parsing, writing and the export
//! paths.

mod support;

mod library {
    mod cluster;
    mod export;
    mod federate;
    mod forward;
    mod parse;
    mod prometheus_config;
    mod remote_write;
    mod scrape;
    mod serve;
    mod sim_counters;
    mod targets;
    mod write;
}
