//! End-to-end fan-out benchmark, side by side in one run: scraping every proxy of a 500-pod
//! simulated mesh (each API request and port-forward set-up and close delayed by `--latency`,
//! standing in for a real API server and kubelet) with the default concurrency, with
//! `--concurrency 1`, and — as the ceiling — fetching the same bodies straight from the simulated
//! proxies' loopback sockets at the default concurrency, in the scrape's start order. Prints
//! medians (wall time, and the CPU time the whole process — client and simulator — spent per
//! proxy), the busy cores over each tenth of the runs, the simulated API server's full and
//! resumed TLS handshakes in each port-forward run, and the two ratios issues #2 and #11 set
//! goals for: ≥ 15× over `--concurrency 1`, and port-forward ≥ 0.7× the direct rate (raised from
//! #2's 0.5×).
//!
//! Run: `cargo bench --bench fanout` (env: `FANOUT_PODS` (default 500), `FANOUT_LATENCY_MS`
//! (default 20), `FANOUT_RUNS` (default 5; `--concurrency 1` runs once, it takes ~25 s),
//! `FANOUT_CONCURRENCY` (default: the default `--concurrency`)).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use futures::StreamExt;
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::TokioIo;
use linkerd_export::cluster::{self, ClusterOptions};
use linkerd_export::forward;
use linkerd_export::resolve::{self, Scope, Selection, TargetSpec};
use linkerd_export::scrape::{self, DEFAULT_CONCURRENCY, ScrapeOptions};
use linkerd_export_sim::{Sim, SimConfig};
use tokio_util::sync::CancellationToken;

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// GET /metrics from a proxy's loopback socket, gzip accepted and decoded with the scrape's own
/// decoder.
async fn fetch_direct(addr: SocketAddr) -> bytes::Bytes {
    let tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tcp))
        .await
        .expect("handshake");
    tokio::spawn(conn);
    let request = http::Request::get("/metrics")
        .header("host", "localhost")
        .header("accept-encoding", "gzip")
        .body(Empty::<bytes::Bytes>::new())
        .expect("request");
    let response = sender.send_request(request).await.expect("response");
    let gzip = response
        .headers()
        .get("content-encoding")
        .is_some_and(|v| v == "gzip");
    let body = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    if gzip {
        forward::gunzip_limited(&body, forward::DEFAULT_MAX_BODY).expect("gunzip")
    } else {
        body
    }
}

/// CPU time (user + system) this process has used so far, from `/proc/self/stat` (Linux; in
/// clock ticks of 10 ms), or `None` where that is not available.
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesised command name; utime and stime are the 14th and 15th.
    let fields: Vec<&str> = stat.get(stat.rfind(')')? + 2..)?.split(' ').collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

/// CPU time every thread of this process has run so far, in nanoseconds, from each thread's
/// `/proc/self/task/TID/schedstat` (Linux; finer than `/proc/self/stat`'s 10 ms ticks), or
/// `None` where that is not available.
fn thread_cpu_ns() -> Option<u64> {
    let mut total = 0;
    for task in std::fs::read_dir("/proc/self/task").ok()?.flatten() {
        // A thread may end between the listing and the read; it is skipped.
        if let Ok(stat) = std::fs::read_to_string(task.path().join("schedstat")) {
            total += stat.split(' ').next()?.parse::<u64>().ok()?;
        }
    }
    Some(total)
}

/// How many slices of a run [`Timeline`] reports busy cores for.
const SLICES: usize = 10;

/// Busy cores in each tenth of a run's wall time, sampled from [`thread_cpu_ns`] every few
/// milliseconds by a thread of its own: shows serial phases, idle waits and a long tail.
struct Timeline {
    busy: [f64; SLICES],
}

impl Timeline {
    /// Samples until `done` is set; returns (seconds since start, CPU ns) pairs.
    fn sample(done: &std::sync::atomic::AtomicBool) -> Vec<(f64, u64)> {
        let started = Instant::now();
        let mut samples = Vec::new();
        while !done.load(std::sync::atomic::Ordering::Relaxed) {
            if let Some(ns) = thread_cpu_ns() {
                samples.push((started.elapsed().as_secs_f64(), ns));
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        if let Some(ns) = thread_cpu_ns() {
            samples.push((started.elapsed().as_secs_f64(), ns));
        }
        samples
    }

    /// Busy cores per slice of `wall`, from the samples (CPU between two samples is spread
    /// evenly over the time between them).
    fn from_samples(samples: &[(f64, u64)], wall: f64) -> Timeline {
        let mut cpu = [0f64; SLICES];
        let width = wall / SLICES as f64;
        for pair in samples.windows(2) {
            let ((t0, c0), (t1, c1)) = (pair[0], pair[1]);
            let (span, used) = (t1 - t0, (c1 - c0) as f64 / 1e9);
            if span <= 0.0 {
                continue;
            }
            for (i, slice) in cpu.iter_mut().enumerate() {
                let (start, end) = (i as f64 * width, (i + 1) as f64 * width);
                let overlap = (t1.min(end) - t0.max(start)).max(0.0);
                *slice += used * overlap / span;
            }
        }
        Timeline {
            busy: cpu.map(|c| c / width),
        }
    }

    /// The slices' mean over several runs.
    fn mean(timelines: &[Timeline]) -> Timeline {
        let mut busy = [0f64; SLICES];
        for t in timelines {
            for (sum, b) in busy.iter_mut().zip(t.busy) {
                *sum += b / timelines.len() as f64;
            }
        }
        Timeline { busy }
    }
}

impl std::fmt::Display for Timeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mean = self.busy.iter().sum::<f64>() / SLICES as f64;
        write!(f, "{mean:.2} (by tenth:")?;
        for b in self.busy {
            write!(f, " {b:.1}")?;
        }
        f.write_str(")")
    }
}

/// What one measured run took: wall time, the CPU time the whole process used meanwhile, and
/// the busy cores over the run.
struct Run {
    wall: Duration,
    cpu: Option<Duration>,
    timeline: Timeline,
}

/// Runs `work`, measuring it as a [`Run`]; its busy cores only when `timeline` (the sampling
/// thread costs CPU of its own: over the 23 s `--concurrency 1` run, ~5 % of a profile).
async fn measured<F: std::future::Future<Output = ()>>(work: F, timeline: bool) -> Run {
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sampler = timeline.then(|| {
        let done = done.clone();
        std::thread::spawn(move || Timeline::sample(&done))
    });
    let cpu_before = cpu_time();
    let started = Instant::now();
    work.await;
    let wall = started.elapsed();
    let cpu = cpu_time()
        .zip(cpu_before)
        .map(|(after, before)| after - before);
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    let samples = sampler.map_or_else(Vec::new, |s| s.join().expect("CPU sampler"));
    Run {
        wall,
        cpu,
        timeline: Timeline::from_samples(&samples, wall.as_secs_f64()),
    }
}

fn main() {
    let pods = env_or("FANOUT_PODS", 500);
    let latency = Duration::from_millis(env_or("FANOUT_LATENCY_MS", 20));
    let runs = env_or("FANOUT_RUNS", 5) as usize;
    let concurrency = env_or("FANOUT_CONCURRENCY", DEFAULT_CONCURRENCY as u64) as usize;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let kubeconfig = dir.path().join("kubeconfig");

    runtime.block_on(async {
        // Four emojivoto deployments: pods / 4 replicas each.
        let replicas = u32::try_from(pods.div_ceil(4)).expect("pod count");
        let sim = Sim::start(SimConfig {
            replicas,
            latency,
            ..SimConfig::default()
        })
        .await
        .expect("simulator");
        sim.write_kubeconfig(&kubeconfig).expect("kubeconfig");
        let cluster = cluster::connect(&ClusterOptions {
            kubeconfig: Some(kubeconfig.clone()),
            context: None,
            ..ClusterOptions::default()
        })
        .await
        .expect("client");
        let selection = Selection {
            targets: vec![TargetSpec::Namespace("emojivoto".into())],
            scope: Scope::Namespace("emojivoto".into()),
            selector: None,
        };
        let targets = resolve::resolve(&cluster.client, &selection)
            .await
            .expect("targets")
            .pods;
        // The direct fetches start in the scrape's order too.
        let addrs: Vec<SocketAddr> = scrape::start_order(targets.clone())
            .iter()
            .map(|t| sim.proxy_addr(&t.namespace, &t.pod).expect("proxy address"))
            .collect();
        println!(
            "fan-out over {} proxies, {} ms simulated API/kubelet latency, {runs} runs (median)",
            targets.len(),
            latency.as_millis()
        );

        let scrape_with = |concurrency: usize, timeline: bool| {
            let targets = targets.clone();
            let client = cluster.client.clone();
            measured(
                async move {
                    let opts = ScrapeOptions {
                        concurrency,
                        ..ScrapeOptions::default()
                    };
                    let report =
                        scrape::scrape_all(&client, targets, &opts, &CancellationToken::new())
                            .await;
                    let failed = report.outcomes.iter().filter(|o| o.result.is_err()).count();
                    assert_eq!(
                        failed, 0,
                        "every scrape must succeed for the numbers to mean anything"
                    );
                },
                timeline,
            )
        };
        // Like the scrape: each fetch is its own task, and every body is kept until all are in
        // (the scrape holds them for printing; dropping them early would let the allocator hand
        // the same warm pages to the next fetch, which the scrape cannot have).
        let fetch_all_direct = || {
            measured(
                async {
                    let bodies: Vec<bytes::Bytes> = futures::stream::iter(addrs.iter().copied())
                        .map(|addr| async move {
                            tokio::spawn(fetch_direct(addr))
                                .await
                                .expect("direct fetch")
                        })
                        .buffer_unordered(concurrency)
                        .collect()
                        .await;
                    assert!(bodies.iter().all(|body| !body.is_empty()));
                },
                true,
            )
        };

        let mut concurrent = Vec::new();
        let mut direct = Vec::new();
        let mut handshakes = Vec::new();
        for _ in 0..runs {
            let before = sim.tls_handshakes();
            concurrent.push(scrape_with(concurrency, true).await);
            let after = sim.tls_handshakes();
            handshakes.push((after.full - before.full, after.resumed - before.resumed));
            direct.push(fetch_all_direct().await);
        }
        let sequential = scrape_with(1, false).await.wall;

        let n = targets.len() as f64;
        let rate = |d: Duration| n / d.as_secs_f64();
        let report = |label: &str, runs: Vec<Run>| {
            let wall = median(runs.iter().map(|r| r.wall).collect());
            let cpu = runs
                .iter()
                .map(|r| r.cpu)
                .collect::<Option<Vec<_>>>()
                .map(median);
            let cpu = cpu.map_or("n/a".to_string(), |c| {
                format!("{:.2} ms", c.as_secs_f64() * 1e3 / n)
            });
            println!(
                "{label:<44}{:>8.1} ms  {:>7.0} proxies/s  CPU per proxy {cpu}",
                wall.as_secs_f64() * 1e3,
                rate(wall)
            );
            let timelines: Vec<Timeline> = runs.into_iter().map(|r| r.timeline).collect();
            println!("{:<44}busy cores {}", "", Timeline::mean(&timelines));
            wall
        };
        let concurrent = report(
            &format!("port-forward, --concurrency {concurrency}:"),
            concurrent,
        );
        let handshakes = handshakes
            .iter()
            .map(|(full, resumed)| format!("{full} full + {resumed} resumed"))
            .collect::<Vec<_>>()
            .join(", ");
        println!("{:<44}TLS handshakes a run: {handshakes}", "");
        println!(
            "{:<44}{:>8.1} ms  {:>7.0} proxies/s",
            "port-forward, --concurrency 1:",
            sequential.as_secs_f64() * 1e3,
            rate(sequential)
        );
        let direct = report(
            &format!("direct from the proxies, concurrency {concurrency}:"),
            direct,
        );
        println!(
            "speed-up of --concurrency {concurrency} over --concurrency 1: {:.1}x (goal >= 15x)",
            sequential.as_secs_f64() / concurrent.as_secs_f64()
        );
        println!(
            "port-forward rate / direct rate: {:.2}x (goal >= 0.7x)",
            rate(concurrent) / rate(direct)
        );
    });
}
