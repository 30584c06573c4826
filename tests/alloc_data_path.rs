//! Memory of the data path, counted by a global allocator (calls and live bytes, per thread):
//! indexing and writing a body allocate per body, not per sample; printing hundreds of proxies
//! holds a fraction of what it prints; reducing a compressed body never holds it decoded; a
//! window's baselines (`stat`'s, `edges`') cost a few bytes a series; `diff` over an interval
//! holds its rows, not its sides; a large merged file is split into targets held compressed.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::io::{self, Write};

use flate2::Compression;
use flate2::write::GzEncoder;
use linkerd_export::forward::for_each_line_chunk;
use linkerd_export::metrics::diff::{self, DiffOptions, PairedDiff};
use linkerd_export::metrics::edges::{self, ProxyBaseline};
use linkerd_export::metrics::held::HeldSnapshot;
use linkerd_export::metrics::model::{Snapshot, Target, Text};
use linkerd_export::metrics::stat::{BodyReducer, ProxyKey, StatState};
use linkerd_export::metrics::write::{self, Format, WriteOptions};

struct Counting;

thread_local! {
    static CALLS: Cell<usize> = const { Cell::new(0) };
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

fn grow(bytes: isize) {
    LIVE.with(|live| {
        live.set(live.get() + bytes);
        PEAK.with(|peak| peak.set(peak.get().max(live.get())));
    });
}

// SAFETY: delegates to the system allocator; only counts on the current thread.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        CALLS.with(|c| c.set(c.get() + 1));
        grow(layout.size() as isize);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        grow(-(layout.size() as isize));
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        CALLS.with(|c| c.set(c.get() + 1));
        grow(new_size as isize - layout.size() as isize);
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Bytes `f` left allocated.
fn retained<T>(f: impl FnOnce() -> T) -> (usize, T) {
    let live = LIVE.with(Cell::get);
    let out = f();
    ((LIVE.with(Cell::get) - live).max(0) as usize, out)
}

/// Allocation calls made by `f`, and the most bytes it had allocated at once beyond what was
/// live when it started.
fn measure<T>(f: impl FnOnce() -> T) -> (usize, usize, T) {
    let calls = CALLS.with(Cell::get);
    let live = LIVE.with(Cell::get);
    PEAK.with(|p| p.set(live));
    let out = f();
    let peak = PEAK.with(Cell::get) - live;
    (CALLS.with(Cell::get) - calls, peak.max(0) as usize, out)
}

const BODY: &str =
    include_str!("fixtures/linkerd/datadog__linkerd__tests__fixtures__linkerd_v2.txt");

fn labels(i: usize) -> Vec<(String, String)> {
    vec![
        ("namespace".into(), format!("emojivoto-{}", i / 50)),
        ("pod".into(), format!("web-{i:04}")),
        ("container".into(), "linkerd-proxy".into()),
        ("deployment".into(), "web".into()),
    ]
}

fn proxy_key(i: usize) -> ProxyKey {
    ProxyKey {
        namespace: "emojivoto".into(),
        pod: format!("web-{i:04}"),
        workload: None,
    }
}

/// A `Write` that counts what it is given and keeps nothing.
#[derive(Default)]
struct Counted(usize);

impl Write for Counted {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn indexing_and_writing_a_body_allocates_per_body_not_per_sample() {
    let text = BODY.to_string();
    let (calls, _, (samples, written)) = measure(|| {
        let target = Target::parse(text, labels(1), Some(1_764_014_400_000)).unwrap();
        let samples = target.sample_count();
        let snapshot = Snapshot {
            targets: vec![target],
        };
        let mut out = Counted::default();
        let options = WriteOptions {
            format: Format::OpenMetrics,
            timestamps: true,
        };
        write::write_snapshot_io(&mut out, &snapshot, options).unwrap();
        (samples, out.0)
    });
    assert!(samples > 1000, "{samples} samples");
    assert!(written > BODY.len(), "{written} bytes written");
    // Index vectors grow by doubling, families and help texts are placed once each: a few
    // hundred calls for the whole body; one per sample would be over a thousand.
    assert!(
        calls < samples / 3,
        "{calls} allocations for {samples} samples"
    );
}

#[test]
fn printing_hundreds_of_proxies_holds_a_fraction_of_what_it_prints() {
    const PODS: usize = 300;
    let (_, peak, printed) = measure(|| {
        let mut held = HeldSnapshot::new(Format::Prometheus);
        for i in 0..PODS {
            held.push(Target::parse(BODY.to_string(), labels(i), None).unwrap());
        }
        let mut out = Counted::default();
        held.write_io(&mut out, false).unwrap();
        out.0
    });
    assert!(printed > PODS * BODY.len(), "{printed} bytes printed");
    // Spec §1: printing commands keep held bodies compressed, so memory is bounded by a share
    // of the output, not by the sum of the bodies (here 300 × 199 KB).
    assert!(
        peak < printed / 4,
        "peak {peak} bytes held while printing {printed} bytes"
    );
}

#[test]
fn a_compressed_body_is_reduced_without_being_held_decoded() {
    let body: String = std::iter::repeat_n(BODY, 25).collect();
    let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
    encoder.write_all(body.as_bytes()).unwrap();
    let compressed = encoder.finish().unwrap();
    let mut state = StatState::default();
    let (_, peak, errors) = measure(|| {
        let mut reducer = BodyReducer::new(proxy_key(1), 1_764_014_400_000);
        for_each_line_chunk(&compressed, 64 << 20, |text| reducer.feed(text)).unwrap();
        state.add_reduced(reducer)
    });
    assert!(errors.is_empty(), "{errors:?}");
    assert!(state.proxies[0].process_start_seconds.is_some());
    assert!(body.len() > 4 << 20, "{} bytes", body.len());
    assert!(
        peak < body.len() / 8,
        "peak {peak} bytes reducing a {}-byte body",
        body.len()
    );
}

#[test]
fn the_baselines_of_a_window_cost_a_few_bytes_a_series() {
    const PODS: usize = 300;
    const STAT_COUNTERS: [&str; 8] = [
        "response_total{",
        "response_latency_ms_bucket{",
        "tcp_read_bytes_total{",
        "tcp_write_bytes_total{",
        "outbound_http_route_request_statuses_total{",
        "outbound_http_route_request_duration_seconds_bucket{",
        "route_response_total{",
        "route_response_latency_ms_bucket{",
    ];
    let series = BODY
        .lines()
        .filter(|line| STAT_COUNTERS.iter().any(|name| line.starts_with(name)))
        .count();
    let body = Target::parse(BODY.to_string(), labels(0), None).unwrap();
    let mut state = StatState::default();
    let (bytes, ()) = retained(|| {
        for i in 0..PODS {
            state.add_target(proxy_key(i), &body);
            state.keep_last_as_baseline();
        }
    });
    assert_eq!(state.proxies.len(), PODS);
    assert!(series > 500, "{series} series");
    // A window over thousands of replicas holds every first scrape until the second: replicas
    // share one list of series identities, and a value takes 4 bytes (16 before: hash and f64).
    let per_proxy = bytes / PODS;
    assert!(
        per_proxy < 5 * series + 1024,
        "{per_proxy} bytes a baseline of {series} series"
    );
}

#[test]
fn an_edges_baseline_keeps_a_few_bytes_a_series_not_its_lines() {
    // The lines `edges` reads, fifty times over with a distinct label each time.
    let lines: Vec<&str> = BODY.lines().filter(|line| edges::reads(line)).collect();
    let mut text = String::new();
    for copy in 0..50 {
        for line in &lines {
            let brace = line.find('{').expect("labelled");
            text.push_str(&format!(
                "{}copy=\"{copy}\",{}\n",
                &line[..=brace],
                &line[brace + 1..]
            ));
        }
    }
    let series = lines.len() * 50;
    let target = Target::parse(text.clone(), Vec::new(), Some(1)).unwrap();
    assert_eq!(target.sample_count(), series);
    let (bytes, baseline) = retained(|| ProxyBaseline::of(&target));
    // A window's first scrape is kept until the second as a map of series hash to value: 16
    // bytes a series and a control byte, at most half the table empty; not the lines.
    assert!(
        bytes <= 40 * series + 1024,
        "{bytes} bytes a baseline of {series} series"
    );
    assert!(
        bytes * 4 < text.len(),
        "{bytes} bytes a baseline of {} bytes of text",
        text.len()
    );
    drop(baseline);
}

#[test]
fn diffing_hundreds_of_proxies_one_at_a_time_holds_the_rows_not_the_sides() {
    const PODS: usize = 300;
    let options = DiffOptions::default();
    let (_, peak, rows) = measure(|| {
        let mut rows = PairedDiff::new(options);
        for i in 0..PODS {
            let old = Target::parse(BODY.to_string(), labels(i), Some(1_000)).unwrap();
            let new = Target::parse(BODY.to_string(), labels(i), Some(11_000)).unwrap();
            rows.add(diff::pair(Some(old), Some(new), options));
        }
        rows.finish()
    });
    // Six workloads (`labels` puts 50 pods in each namespace), each series of the body a row.
    let series = rows.series().len() + rows.histograms().len();
    assert!(series > 6 * 100, "{series} rows");
    // Spec §1: `diff deploy -A --interval` on a mesh held both sides whole (22 GiB at 3,214
    // pods); pairing each proxy's two scrapes as they come holds a pair and the rows.
    let sides = 2 * PODS * BODY.len();
    assert!(
        peak < sides / 20,
        "peak {peak} bytes diffing {PODS} proxies whose two sides are {sides} bytes"
    );
}

#[test]
fn a_large_merged_file_is_split_into_targets_held_compressed() {
    const PODS: usize = 60;
    let time_ms = 1_764_014_400_000;
    let merged = {
        let snapshot = Snapshot {
            targets: (0..PODS)
                .map(|i| Target::parse(BODY.to_string(), labels(i), Some(time_ms)).unwrap())
                .collect(),
        };
        let options = WriteOptions {
            format: Format::OpenMetrics,
            timestamps: true,
        };
        write::to_string(&snapshot, options)
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("merged.om");
    std::fs::write(&path, &merged).unwrap();
    let text = Text::read_file(&path).unwrap();
    let (_, peak, targets) = measure(|| Snapshot::packed_in_pieces(text, 1 << 20).unwrap());
    // Spec §1: the targets split from a snapshot file (nearly its size again, decoded) are
    // held compressed, and the file is mapped, not read into memory.
    assert!(
        peak < merged.len() / 2,
        "peak {peak} bytes splitting {} bytes",
        merged.len()
    );
    assert_eq!(targets.len(), PODS);
    assert!(targets.iter().all(|t| t.is_compressed()));
    let whole = Target::parse(BODY.to_string(), labels(0), Some(time_ms)).unwrap();
    let first = targets.into_iter().next().unwrap().unpack();
    assert_eq!(first.labels, whole.labels);
    assert_eq!(first.sample_count(), whole.sample_count());
}
