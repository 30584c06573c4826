//! The built binary against the simulated mesh (and, where a command needs them, a real kubectl,
//! Prometheus, promtool, VictoriaMetrics or tmux): one module per command or concern.

mod support;

mod cli {
    mod authz;
    mod authz_workloads;
    mod check;
    mod connect_errors;
    mod demo;
    mod diff;
    mod edges;
    mod exit_codes;
    mod export;
    mod files;
    mod kubectl_flags;
    mod kubectl_plugin;
    mod logs;
    mod metrics;
    mod routes;
    mod snapshot;
    mod stat;
    mod terminal;
    mod top;
    mod usage;
    mod workloads;
}
