//! The simulator's memory is bounded by what is in flight, not by its pods' body sizes: a mesh
//! of hundreds of pods (hundreds of megabytes of bodies per full scrape) starts small and is
//! scraped in full, plain and gzipped, with the heap's peak measured by a counting allocator
//! (live bytes across every thread), never by the clock.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;
use futures::StreamExt;
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::TokioIo;
use linkerd_export_sim::{Sim, SimConfig, SimHandle, SimPod};
use tokio::net::TcpStream;

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(bytes: usize) {
    let live = LIVE.fetch_add(bytes, Ordering::Relaxed) + bytes;
    PEAK.fetch_max(live, Ordering::Relaxed);
}

// SAFETY: delegates to the system allocator; only counts the bytes it hands out.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        grew(layout.size());
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size >= layout.size() {
            grew(new_size - layout.size());
        } else {
            LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
        }
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const MIB: usize = 1024 * 1024;

/// Scrapes that run at once (the plugin's default fan-out is of this order).
const CONCURRENCY: usize = 16;

/// Bytes of `/metrics` from `pod`'s proxy, counted as they stream in and not kept.
async fn scrape_len(sim: &SimHandle, pod: &SimPod, gzip: bool) -> usize {
    let addr = sim.proxy_addr(&pod.namespace, &pod.name).expect("proxy");
    let io = TcpStream::connect(addr).await.expect("connect");
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(io))
        .await
        .expect("http handshake");
    tokio::spawn(conn);
    let mut req = http::Request::get("/metrics").header("host", "localhost");
    if gzip {
        req = req.header("accept-encoding", "gzip");
    }
    let res = sender
        .send_request(req.body(Empty::<Bytes>::new()).expect("request"))
        .await
        .expect("response head");
    assert_eq!(res.status(), 200, "{}", pod.name);
    let mut body = res.into_body();
    let mut len = 0;
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame.expect("body frame").into_data() {
            len += data.len();
        }
    }
    len
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hundreds_of_pods_scrape_in_bounded_memory() {
    let before_start = LIVE.load(Ordering::Relaxed);
    let sim = Sim::start(SimConfig {
        replicas: 30,
        namespaces: 2,
        ..SimConfig::default()
    })
    .await
    .expect("start");
    let proxies: Vec<SimPod> = sim
        .pods()
        .iter()
        .filter(|p| p.has_proxy())
        .cloned()
        .collect();
    assert!(proxies.len() > 350, "{} proxies", proxies.len());
    let started = LIVE.load(Ordering::Relaxed) - before_start;

    let baseline = LIVE.load(Ordering::Relaxed);
    PEAK.store(baseline, Ordering::Relaxed);
    let plain: usize = futures::stream::iter(&proxies)
        .map(|pod| scrape_len(&sim, pod, false))
        .buffer_unordered(CONCURRENCY)
        .collect::<Vec<usize>>()
        .await
        .into_iter()
        .sum();
    let gzipped: usize = futures::stream::iter(&proxies)
        .map(|pod| scrape_len(&sim, pod, true))
        .buffer_unordered(CONCURRENCY)
        .collect::<Vec<usize>>()
        .await
        .into_iter()
        .sum();
    let peak = PEAK.load(Ordering::Relaxed) - baseline;
    eprintln!(
        "{} proxies: {} MiB live after start; {} MiB plain and {} MiB gzipped scraped with a heap peak of {} MiB",
        proxies.len(),
        started / MIB,
        plain / MIB,
        gzipped / MIB,
        peak / MIB
    );

    assert!(
        plain > 150 * MIB,
        "{plain} bytes: the bodies are too small to tell"
    );
    assert!(
        started < 16 * MIB,
        "{} MiB live after start: per-pod state is not compact",
        started / MIB
    );
    assert!(
        peak < 48 * MIB,
        "heap grew by {} MiB while {CONCURRENCY} scrapes at a time fetched {} MiB: bodies are held, not streamed",
        peak / MIB,
        plain / MIB
    );
}
