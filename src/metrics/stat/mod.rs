//! The numbers of `linkerd viz stat`, computed locally (used by `stat`, `top` and `diff`).
//!
//! Feed each proxy's body to [`StatState::add`] (or [`StatState::add_text`]) with its
//! [`ProxyKey`]; only the counters needed are kept: `response_total` by `classification`
//! (and whether `tls="true"`, for the mTLS share),
//! `response_latency_ms` buckets, `tcp_open_connections` and `tcp_read/write_bytes_total`
//! (inbound `peer="src"`, outbound `peer="dst"`), `outbound_http_route_request_statuses_total`
//! (failure: `error` set or a 5xx `http_status`) and
//! `outbound_http_route_request_duration_seconds` buckets, service-profile
//! `route_response_total` / `route_response_latency_ms`, and `process_start_time_seconds`.
//! Then [`compute`] two states (scrape A, scrape B) or [`compute_since_start`] one into
//! [`StatRow`]s. Workload and pod rows use inbound traffic, as `linkerd viz stat` does.
//! [`stat_lines`] turns rows into the [`StatLine`]s `stat` and `top` show; a live scrape is
//! reduced body by body ([`StatState::add_checked`]), and `top`'s refreshes are a [`Refresh`].

mod baseline;
mod collect;
mod halves;
mod lines;
mod picked;
mod reduce;
mod refresh;
mod rows;

pub use collect::Collected;
pub use lines::{
    StatLine, WindowOrder, check_window_order, name_file_targets, proxy_key, spans_namespaces,
    stat_lines, stat_lines_of, state_of_targets, workload_name,
};
pub use reduce::{BodyReducer, ProxyKey, ProxyState, StatState};
pub use refresh::{Refresh, Refreshed};
pub use rows::{GroupBy, StatRow, compute, compute_since_start};

#[cfg(test)]
mod refresh_tests;
#[cfg(test)]
mod sums_tests;
#[cfg(test)]
mod tests;
