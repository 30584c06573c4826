//! The simulated mesh (spec §8): a loopback Kubernetes API server with meshed Linkerd proxies.
//!
//! [`Sim::start`] builds the default topology (Linkerd's emojivoto demo plus the `linkerd`,
//! `linkerd-viz` and `default` namespaces), generates a CA and serving certificate, and serves
//! over TLS on loopback:
//! - discovery, get and list of namespaces, pods, replicationcontrollers, deployments,
//!   replicasets, statefulsets, daemonsets, jobs and cronjobs, with `labelSelector` and
//!   `fieldSelector` (`metadata.name`, `metadata.namespace`, `status.phase` for pods), server-side
//!   Tables when asked, and `metav1.Status` errors (401, 400, 403, 404, 405, 503);
//! - `pods/portforward` over WebSocket (`v4.channel.k8s.io`, see [`portforward`]);
//! - `pods/proxy` (`GET .../pods/NAME:PORT/proxy/PATH`, see [`podproxy`]);
//! - behind every running meshed pod, a proxy admin endpoint ([`proxy`]) whose `/metrics`
//!   follows the deterministic [`traffic`] model;
//! - on port 9090 of the linkerd-viz `prometheus` pod, `/federate` over every proxy
//!   ([`federate`]), for `--source prometheus`.
//!
//! Expected values: [`SimHandle::expected_inbound`] and [`SimHandle::expected_outbound`] give
//! each workload's rate, success rate, byte rates and latency distribution, in the emojivoto
//! namespaces ([`TrafficModel::emojivoto`]) and in `default`
//! ([`TrafficModel::default_namespace`], with its authorization counters)
//! ([`LatencyDist::quantile`] computes p50/p95/p99 as `histogram_quantile` would). Every counter
//! is `floor(rate × uptime)`, where the uptime is `process_uptime_seconds_total` of the same
//! body. A `restart` proxy restarts right after each `/metrics` response, so the next scrape
//! sees a new `process_start_time_seconds` and counters that grew only since the previous one.
//!
//! The `default` namespace holds the special cases: `legacy-app` (unmeshed), `pending-app`
//! (Pending), StatefulSet `db` (proxy as a native sidecar), DaemonSet `agent` (admin port 4192 via
//! `config.linkerd.io/admin-port`), CronJob `nightly` → Job → pod, ReplicationController `old-rc`
//! and the bare pod `debug`. `agent` calls `db` over HTTP on a ServiceProfile route, `nightly`'s
//! pod calls it over gRPC, and `db`'s server also counts TCP authorizations and denials and
//! requests no route matched, so every workload kind's views have data.
//!
//! The control plane (`linkerd-destination`, `linkerd-identity` and `linkerd-proxy-injector` in
//! `linkerd`, labelled `linkerd.io/control-plane-component`) shows its version as a real one shows
//! it to `check`: in its proxies' `proxy_build_info`, [`exposition::PROXY_VERSION`] as for every
//! proxy, or another with `--fault version=V:linkerd-*` (a control plane upgraded before its data
//! plane was restarted).
//!
//! # Where it differs from a real cluster
//! It is a test instrument; these differences are deliberate:
//! - Read-only: a create of an existing object answers 409 AlreadyExists, every other write 405;
//!   no watch (`watch=true` answers 405); `limit` is ignored (one page, no `continue`);
//!   `resourceVersion` is always `"1"`; legacy discovery only (aggregated discovery requests get
//!   the legacy documents, which kubectl accepts). Only the `kubeletdown` fault answers 500.
//! - The error shapes of `pods/portforward` and `pods/proxy` are a real API server's (v1.32–1.36,
//!   spec §8): the 403s (`get`, the 1.35+ empty reason under `nocreate`, `NAME:PORT` for
//!   `pods/proxy`), 503 without `details` when nothing listens (kube-rs retries 503 with backoff
//!   for minutes unless `Config::default_retry` is off), 400 for a pod without an IP or a node,
//!   500 `error dialing backend` for an unreachable kubelet, and containerd's error-channel text
//!   followed by a close. The sandbox ID and network namespace in that text are derived from
//!   the pod UID; every pod of the default topology that has a node is Running.
//! - Auth is one bearer token (or the tokens a test's check accepts, `SimHandle::accept_tokens`);
//!   there is no RBAC evaluation beyond the `forbid` and `nocreate`
//!   faults.
//! - `pods/portforward` speaks WebSocket `v4.channel.k8s.io` only (no SPDY, no
//!   `v4.base64.channel.k8s.io`, no `portforward.k8s.io` tunnelling), so `kubectl port-forward`
//!   does not work against it; an unsupported protocol list answers 400 with a Status (a kubelet
//!   answers 403 without a body). As with a real kubelet on v4, the end of a pod connection is
//!   not signalled: clients rely on HTTP framing and close the WebSocket themselves.
//! - `--latency` delays every API request and, once more, each port-forward set-up and each
//!   port-forward close (the API server → kubelet hop).
//! - Proxies exist only in-process: a port-forward tunnel is wired to the proxy's HTTP server
//!   through an in-memory pipe. [`SimHandle::proxy_addr`] binds a real loopback socket per pod
//!   on demand (one file descriptor each).
//! - Metrics: families, label sets, HELP/TYPE/UNIT lines and number formats are taken from real
//!   proxies; the `inbound_{http,grpc}_route_*` families of the OpenMetrics tail and the padding
//!   family `outbound_http_balancer_endpoints` are modelled on the outbound route families rather
//!   than copied from a real scrape, and so is `outbound_http_route_retry_requests_total` (the
//!   route vote-bot → web retries). The gRPC route families follow a real scrape
//!   (`tests/fixtures/linkerd/olix0r__schlep__*`); the name of a parent's default gRPC route
//!   (`grpc`, as the HTTP one is `http`) is assumed. The ServiceProfile `route_*` families are a
//!   real proxy's (the DataDog fixture) with the `rt_route` label Linkerd's `viz routes` queries;
//!   the TCP authorization and route-not-found counters take their names, help texts and label
//!   sets from the proxy's source, not from a scrape. Failures are HTTP 500s
//!   (`classification="failure"`), except gRPC calls (`nightly` → `db`), which fail with HTTP 200
//!   and `grpc_status` 14 / `UNAVAILABLE`; on the route families a share of web → voting's
//!   failures are `error="REQUEST_TIMEOUT"` without a status; web → emoji's route splits its
//!   requests between `emoji-svc` and `emoji-canary-svc`, a Service with no pods. Emojivoto's
//!   own calls are HTTP here (gRPC in the real demo). A StatefulSet's or DaemonSet's pods are
//!   named by `dst_<kind>`, without the revision-hash labels real proxies add. Outbound latency
//!   equals the callee's inbound latency. TCP connection counts are constant (one open
//!   connection per peer); TCP authorizations are counters of their own. Counters
//!   advance in steps of [`SimConfig::tick`]. Successes and failures are separate counters
//!   (`floor(rate × (1 − failure) × uptime)` and `floor(rate × failure × uptime)`), so neither
//!   ever decreases, and their sum may trail `request_total` by one, as in-flight requests do.
//! - Bodies are rendered while they are sent ([`exposition::BodyChunks`]), never stored, so the
//!   simulator's memory does not grow with body size; `/federate`, which sorts every matched
//!   sample by family, still builds its whole answer in memory.

#![deny(missing_docs)]
#![warn(unreachable_pub)]

pub mod discovery;
pub mod exposition;
pub mod fault;
pub mod federate;
pub mod kubeconfig;
pub mod mesh;
pub mod podproxy;
pub mod portforward;
pub mod proxy;
pub mod rest;
pub mod selector;
pub mod state;
pub mod status;
pub mod table;
pub mod tls;
pub mod topology;
pub mod traffic;

mod server;

pub use fault::{Fault, FaultKind};
pub use server::{Sim, SimHandle, serve_demo};
pub use topology::SimPod;
pub use traffic::{ExpectedTraffic, LatencyDist, TrafficModel};

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// How to size and perturb the simulated mesh. `Default` is the emojivoto topology of spec §8.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Replicas of each emojivoto deployment (web, emoji, voting, vote-bot).
    pub replicas: u32,
    /// Extra copies of the emojivoto namespace (`emojivoto-1` .. `emojivoto-N`), for scale.
    pub namespaces: u32,
    /// Pad every proxy body to about this many series (0: no padding).
    pub series: usize,
    /// Delay added to every API request and to each port-forward set-up and close.
    pub latency: Duration,
    /// Injected faults.
    pub faults: Vec<Fault>,
    /// Seed for names, UIDs and proxy uptimes.
    pub seed: u64,
    /// Address the API server listens on (`127.0.0.1:0` picks a free port).
    pub listen: SocketAddr,
    /// Clock step of proxy bodies: counters advance in steps of this (default 50 ms, so a
    /// rate measured over Δt is off by at most 50 ms / Δt).
    pub tick: Duration,
}

impl Default for SimConfig {
    fn default() -> SimConfig {
        SimConfig {
            replicas: 1,
            namespaces: 0,
            series: 0,
            latency: Duration::ZERO,
            faults: Vec::new(),
            seed: 1,
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            tick: Duration::from_millis(50),
        }
    }
}

/// Why the simulation could not start or serve.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The listen address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The cause.
        source: std::io::Error,
    },
    /// Certificates or TLS configuration could not be generated.
    #[error("{0}")]
    Tls(String),
    /// The kubeconfig could not be written.
    #[error("cannot write kubeconfig {path}: {source}")]
    WriteKubeconfig {
        /// The path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// Waiting for a shutdown signal failed.
    #[error("cannot wait for a shutdown signal: {0}")]
    Signal(std::io::Error),
}
