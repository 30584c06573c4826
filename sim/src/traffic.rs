//! The deterministic traffic model: request rates, failure fractions and latency distributions
//! along the topology's edges, and the counter values they imply at any proxy uptime.
//!
//! Every counter is a pure function of the proxy's uptime `t` (seconds): a series with rate `r`
//! has `floor(r × t)` requests, so two scrapes Δt apart give `r` within one request per Δt.
//! Latency histograms put a fixed fraction of requests in each of the proxy's
//! `response_latency_ms` buckets, so expected quantiles follow from Prometheus'
//! `histogram_quantile` interpolation ([`LatencyDist::quantile`]).

/// The upper bounds (ms) of a Linkerd proxy's `response_latency_ms` buckets, without `+Inf`.
pub const LATENCY_BOUNDS_MS: [f64; 26] = [
    1.0, 2.0, 3.0, 4.0, 5.0, 10.0, 20.0, 30.0, 40.0, 50.0, 100.0, 200.0, 300.0, 400.0, 500.0,
    1000.0, 2000.0, 3000.0, 4000.0, 5000.0, 10000.0, 20000.0, 30000.0, 40000.0, 50000.0, 100000.0,
];

/// A latency distribution: the fraction of requests in each `response_latency_ms` bucket
/// `(previous bound, bound]`, aligned with [`LATENCY_BOUNDS_MS`]; fractions sum to 1.
#[derive(Debug, Clone, PartialEq)]
pub struct LatencyDist {
    fractions: [f64; 26],
}

impl LatencyDist {
    /// A distribution from `(bucket upper bound ms, fraction)` pairs; bounds should be ones of
    /// [`LATENCY_BOUNDS_MS`] (any other counts in the last bucket) and the fractions sum to 1.
    pub fn from_buckets(buckets: &[(f64, f64)]) -> LatencyDist {
        let mut fractions = [0.0; 26];
        for &(le, frac) in buckets {
            let i = LATENCY_BOUNDS_MS
                .iter()
                .position(|&b| b == le)
                .unwrap_or(LATENCY_BOUNDS_MS.len() - 1);
            fractions[i] += frac;
        }
        LatencyDist { fractions }
    }

    /// The cumulative fraction of requests at or below each bound of [`LATENCY_BOUNDS_MS`].
    pub fn cumulative(&self) -> [f64; 26] {
        let mut out = [0.0; 26];
        let mut acc = 0.0;
        for (i, f) in self.fractions.iter().enumerate() {
            acc += f;
            out[i] = acc.min(1.0);
        }
        out
    }

    /// The mean latency (ms), taking each bucket's midpoint.
    pub fn mean_ms(&self) -> f64 {
        let mut lower = 0.0;
        let mut mean = 0.0;
        for (f, upper) in self.fractions.iter().zip(LATENCY_BOUNDS_MS) {
            mean += f * (lower + upper) / 2.0;
            lower = upper;
        }
        mean
    }

    /// The `q` quantile (ms) as Prometheus' `histogram_quantile` computes it from these buckets:
    /// linear interpolation inside the bucket where the rank falls, the first bucket starting at 0.
    pub fn quantile(&self, q: f64) -> f64 {
        let cum = self.cumulative();
        let rank = q * cum[cum.len() - 1];
        let mut prev_bound = 0.0;
        let mut prev_cum = 0.0;
        for (i, &c) in cum.iter().enumerate() {
            if c >= rank && c > prev_cum {
                return prev_bound
                    + (LATENCY_BOUNDS_MS[i] - prev_bound) * (rank - prev_cum) / (c - prev_cum);
            }
            if c > prev_cum {
                prev_cum = c;
            }
            prev_bound = LATENCY_BOUNDS_MS[i];
        }
        prev_bound
    }
}

/// Traffic from one workload to another (all replicas together).
#[derive(Debug, Clone, PartialEq)]
pub struct Edge {
    /// The calling workload (a deployment name in the app namespace).
    pub from: String,
    /// The called workload.
    pub to: String,
    /// Requests per second over all replicas.
    pub rps: f64,
    /// Fraction of responses that fail (status 500, `classification="failure"`).
    pub failure: f64,
    /// Latency of the called workload's responses.
    pub latency: LatencyDist,
    /// Bytes per request (client → server).
    pub request_bytes: u64,
    /// Bytes per response (server → client).
    pub response_bytes: u64,
    /// Retries per completed request on the caller's route (`outbound_http_route_retry_requests_total`).
    pub retries: f64,
    /// Fraction of requests that time out (`error="REQUEST_TIMEOUT"` on the route families); part
    /// of `failure`, so the success rate is the same whichever family it is read from.
    pub timeouts: f64,
    /// A second backend service of the caller's route and the share of the route's requests it
    /// gets (the rest go to the called workload's service).
    pub split: Option<(String, f64)>,
    /// Whether the calls are gRPC: failures answer HTTP 200 with `grpc_status` UNAVAILABLE, and
    /// the route families are `*_grpc_route_*`.
    pub grpc: bool,
    /// A ServiceProfile route (`rt_route`) every call matches: the caller's proxy then also
    /// reports the `route_*` families for it.
    pub profile_route: Option<String>,
}

/// Authorization outcomes a workload's proxies count besides its HTTP requests, all replicas
/// together, per second.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyTraffic {
    /// The workload whose inbound server counts them.
    pub workload: String,
    /// TCP connections authorized (`inbound_tcp_authz_allow_total`).
    pub tcp_allowed: f64,
    /// TCP connections denied (`inbound_tcp_authz_deny_total`).
    pub tcp_denied: f64,
    /// HTTP requests no route matched (`inbound_http_route_not_found_total`).
    pub route_not_found: f64,
}

/// The application's traffic: every edge between its workloads.
#[derive(Debug, Clone, PartialEq)]
pub struct TrafficModel {
    /// The edges, callers first.
    pub edges: Vec<Edge>,
    /// Authorization outcomes beyond the edges' requests.
    pub policy: Vec<PolicyTraffic>,
}

/// What a workload's proxies should report, summed over its replicas.
#[derive(Debug, Clone, PartialEq)]
pub struct ExpectedTraffic {
    /// Requests per second.
    pub rps: f64,
    /// Fraction of responses classified `success`.
    pub success_rate: f64,
    /// Latency distribution of those requests (mixture over edges, weighted by rate).
    pub latency: LatencyDist,
    /// Bytes per second the proxies read from peers on these connections.
    pub read_bytes_per_sec: f64,
    /// Bytes per second the proxies write to peers on these connections.
    pub write_bytes_per_sec: f64,
}

impl ExpectedTraffic {
    /// The share of one of `replicas` equal replicas (rates divided, ratios unchanged).
    pub fn per_replica(&self, replicas: usize) -> ExpectedTraffic {
        let n = replicas.max(1) as f64;
        ExpectedTraffic {
            rps: self.rps / n,
            success_rate: self.success_rate,
            latency: self.latency.clone(),
            read_bytes_per_sec: self.read_bytes_per_sec / n,
            write_bytes_per_sec: self.write_bytes_per_sec / n,
        }
    }
}

impl TrafficModel {
    /// Linkerd's emojivoto demo: vote-bot → web (10 rps), web → emoji (10 rps),
    /// web → voting (5 rps, 15 % failing); web fails exactly the requests voting fails.
    /// Routes: vote-bot's to web retries 0.2 requests per request, a third of web's failures to
    /// voting are timeouts, and web's route to emoji sends 25 % to `emoji-canary-svc`.
    pub fn emojivoto() -> TrafficModel {
        let voting_failure = 0.15;
        let voting_rps = 5.0;
        let web_rps = 10.0;
        TrafficModel {
            edges: vec![
                Edge {
                    from: "vote-bot".into(),
                    to: "web".into(),
                    rps: web_rps,
                    failure: voting_rps * voting_failure / web_rps,
                    latency: LatencyDist::from_buckets(&[
                        (2.0, 0.10),
                        (3.0, 0.30),
                        (4.0, 0.30),
                        (5.0, 0.20),
                        (10.0, 0.08),
                        (20.0, 0.02),
                    ]),
                    request_bytes: 180,
                    response_bytes: 420,
                    retries: 0.2,
                    timeouts: 0.0,
                    split: None,
                    grpc: false,
                    profile_route: None,
                },
                Edge {
                    from: "web".into(),
                    to: "emoji".into(),
                    rps: 10.0,
                    failure: 0.0,
                    latency: LatencyDist::from_buckets(&[
                        (1.0, 0.50),
                        (2.0, 0.30),
                        (3.0, 0.15),
                        (4.0, 0.05),
                    ]),
                    request_bytes: 90,
                    response_bytes: 1200,
                    retries: 0.0,
                    timeouts: 0.0,
                    split: Some(("emoji-canary-svc".into(), 0.25)),
                    grpc: false,
                    profile_route: None,
                },
                Edge {
                    from: "web".into(),
                    to: "voting".into(),
                    rps: voting_rps,
                    failure: voting_failure,
                    latency: LatencyDist::from_buckets(&[
                        (1.0, 0.40),
                        (2.0, 0.40),
                        (3.0, 0.15),
                        (10.0, 0.05),
                    ]),
                    request_bytes: 70,
                    response_bytes: 60,
                    retries: 0.0,
                    timeouts: voting_failure / 3.0,
                    split: None,
                    grpc: false,
                    profile_route: None,
                },
            ],
            policy: Vec::new(),
        }
    }

    /// The `default` namespace's traffic: the DaemonSet `agent` calls the StatefulSet `db` over
    /// HTTP (4 rps, 5 % failing, every call on the ServiceProfile route `GET /health`), and the
    /// CronJob `nightly`'s Job calls it over gRPC (2 rps, 10 % failing with UNAVAILABLE). `db`'s
    /// server also authorizes 0.5 and denies 0.1 TCP connections per second, and finds no route
    /// for 0.2 requests per second.
    pub fn default_namespace() -> TrafficModel {
        let latency = LatencyDist::from_buckets(&[(2.0, 0.4), (5.0, 0.5), (20.0, 0.1)]);
        let edge = |from: &str, rps: f64, failure: f64, grpc: bool| Edge {
            from: from.into(),
            to: "db".into(),
            rps,
            failure,
            latency: latency.clone(),
            request_bytes: 120,
            response_bytes: 800,
            retries: 0.0,
            timeouts: 0.0,
            split: None,
            grpc,
            profile_route: (!grpc).then(|| "GET /health".into()),
        };
        TrafficModel {
            edges: vec![
                edge("agent", 4.0, 0.05, false),
                edge("nightly", 2.0, 0.1, true),
            ],
            policy: vec![PolicyTraffic {
                workload: "db".into(),
                tcp_allowed: 0.5,
                tcp_denied: 0.1,
                route_not_found: 0.2,
            }],
        }
    }

    /// The expected inbound traffic of `workload` (what `stat` shows for it), if anything calls it.
    pub fn expected_inbound(&self, workload: &str) -> Option<ExpectedTraffic> {
        aggregate(self.edges.iter().filter(|e| e.to == workload), false)
    }

    /// The expected outbound traffic from `from` to `to`, if that edge exists.
    pub fn expected_outbound(&self, from: &str, to: &str) -> Option<ExpectedTraffic> {
        aggregate(
            self.edges.iter().filter(|e| e.from == from && e.to == to),
            true,
        )
    }
}

fn aggregate<'a>(edges: impl Iterator<Item = &'a Edge>, outbound: bool) -> Option<ExpectedTraffic> {
    let edges: Vec<&Edge> = edges.collect();
    let rps: f64 = edges.iter().map(|e| e.rps).sum();
    if edges.is_empty() || rps <= 0.0 {
        return None;
    }
    let failures: f64 = edges.iter().map(|e| e.rps * e.failure).sum();
    let mut fractions = [0.0; 26];
    for e in &edges {
        for (acc, f) in fractions.iter_mut().zip(e.latency.fractions) {
            *acc += f * e.rps / rps;
        }
    }
    let req: f64 = edges.iter().map(|e| e.rps * e.request_bytes as f64).sum();
    let resp: f64 = edges.iter().map(|e| e.rps * e.response_bytes as f64).sum();
    let (read, write) = if outbound { (resp, req) } else { (req, resp) };
    Some(ExpectedTraffic {
        rps,
        success_rate: 1.0 - failures / rps,
        latency: LatencyDist { fractions },
        read_bytes_per_sec: read,
        write_bytes_per_sec: write,
    })
}

/// The number of events after `uptime` seconds at `rate` per second.
pub fn count(rate: f64, uptime: f64) -> u64 {
    (rate * uptime).max(0.0).floor() as u64
}

/// The (succeeded, failed) responses after `uptime` seconds of requests at `rate` per second
/// of which the fraction `failure` fails. Each is its own counter with its own rate, so neither
/// ever decreases as `uptime` grows (deriving successes as `total - failed` would drop by one
/// whenever a failure is counted before the request total moves); together they are at most
/// [`count`]`(rate, uptime)`, as responses trail requests in a real proxy.
pub fn split(rate: f64, failure: f64, uptime: f64) -> (u64, u64) {
    let failure = failure.clamp(0.0, 1.0);
    (
        count(rate * (1.0 - failure), uptime),
        count(rate * failure, uptime),
    )
}

/// The values of one simulated `response_latency_ms`-style histogram holding `n` requests.
#[derive(Debug, Clone, PartialEq)]
pub struct HistogramValues {
    /// Cumulative bucket counts, aligned with [`LATENCY_BOUNDS_MS`] (`+Inf` is `count`).
    pub buckets: [u64; 26],
    /// Number of observations.
    pub count: u64,
    /// Sum of observations (ms).
    pub sum_ms: f64,
}

impl HistogramValues {
    /// The histogram of `n` requests distributed as `dist`; bucket counts are monotonic in
    /// both the bound and `n`.
    pub fn of(dist: &LatencyDist, n: u64) -> HistogramValues {
        let cum = dist.cumulative();
        let mut buckets = [0; 26];
        for (b, c) in buckets.iter_mut().zip(cum) {
            *b = ((n as f64) * c + 1e-9).floor() as u64;
        }
        HistogramValues {
            buckets,
            count: n,
            sum_ms: n as f64 * dist.mean_ms(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn quantiles_follow_histogram_quantile_interpolation() {
        let web = TrafficModel::emojivoto().expected_inbound("web").unwrap();
        assert!(close(web.latency.quantile(0.5), 3.0 + 0.1 / 0.3));
        assert!(close(web.latency.quantile(0.95), 5.0 + 5.0 * 0.05 / 0.08));
        assert!(close(web.latency.quantile(0.99), 15.0));
        let emoji = TrafficModel::emojivoto().expected_inbound("emoji").unwrap();
        assert!(close(emoji.latency.quantile(0.5), 1.0));
        assert!(close(emoji.latency.quantile(0.25), 0.5));
    }

    #[test]
    fn success_rates_and_rates_are_consistent() {
        let model = TrafficModel::emojivoto();
        let voting = model.expected_inbound("voting").unwrap();
        assert!(close(voting.success_rate, 0.85));
        assert!(close(voting.rps, 5.0));
        let web = model.expected_inbound("web").unwrap();
        assert!(close(web.success_rate, 1.0 - 0.75 / 10.0));
        assert!(model.expected_inbound("vote-bot").is_none());
        let out = model.expected_outbound("web", "emoji").unwrap();
        assert!(close(out.read_bytes_per_sec, 12000.0));
        assert!(close(out.write_bytes_per_sec, 900.0));
    }

    #[test]
    fn counts_are_linear_in_time() {
        assert_eq!(count(2.5, 10.0), 25);
        assert_eq!(count(2.5, 10.3), 25);
        assert_eq!(count(0.0, 100.0), 0);
        let a = count(3.3, 100.0);
        let b = count(3.3, 110.0);
        assert!((b - a) as f64 >= 3.3 * 10.0 - 1.0 && (b - a) as f64 <= 3.3 * 10.0 + 1.0);
    }

    #[test]
    fn success_and_failure_counts_never_decrease() {
        // Per-pod rates of every failing edge at several replica counts, sampled every
        // millisecond for ten simulated minutes: the old `total - failed` split dropped here.
        for edge in TrafficModel::emojivoto().edges {
            for replicas in [1.0, 2.0, 3.0, 50.0, 200.0] {
                let rate = edge.rps / replicas;
                let mut last = (0, 0);
                for ms in 0..600_000u32 {
                    let t = f64::from(ms) / 1000.0 + 300.0;
                    let (ok, failed) = split(rate, edge.failure, t);
                    assert!(
                        ok >= last.0 && failed >= last.1,
                        "{} -> {}: {last:?} -> {:?} at {t}s",
                        edge.from,
                        edge.to,
                        (ok, failed)
                    );
                    assert!(ok + failed <= count(rate, t));
                    last = (ok, failed);
                }
            }
        }
    }

    #[test]
    fn histograms_are_monotonic() {
        let dist = TrafficModel::emojivoto().edges[0].latency.clone();
        let small = HistogramValues::of(&dist, 97);
        let large = HistogramValues::of(&dist, 98);
        for i in 1..26 {
            assert!(small.buckets[i] >= small.buckets[i - 1]);
            assert!(large.buckets[i] >= small.buckets[i]);
        }
        assert_eq!(small.buckets[25], 97);
        assert!(close(
            HistogramValues::of(&dist, 1000).sum_ms,
            1000.0 * dist.mean_ms()
        ));
    }
}
