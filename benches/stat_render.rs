//! `stat` rendering next to the scrape: the table and JSON of 500 pod rows (what `stat -A --by
//! pod` prints for a 500-pod mesh), and the reduction of 500 simulated proxy bodies.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use linkerd_export::metrics::stat::{GroupBy, ProxyKey, StatState, stat_lines};
use linkerd_export::render::stat::{StatFormat, render};
use linkerd_export::resolve::Workload;

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/linkerd/datadog__linkerd__tests__fixtures__linkerd_v2.txt"
);

fn key(i: usize) -> ProxyKey {
    ProxyKey {
        namespace: format!("emojivoto-{}", i / 50),
        pod: format!("web-{i:03}-5d8c6b7f9-abcde"),
        workload: Some(Workload {
            kind: "deployment",
            name: format!("web-{}", i % 7),
        }),
    }
}

/// 500 proxies scraped twice, ten seconds apart, all serving the real fixture body.
fn states(body: &str) -> (StatState, StatState) {
    let (mut before, mut after) = (StatState::default(), StatState::default());
    for i in 0..500 {
        before.add_text(key(i), 1_764_014_400_000, body);
        after.add_text(key(i), 1_764_014_410_000, body);
    }
    (before, after)
}

fn bench(c: &mut Criterion) {
    let body = std::fs::read_to_string(FIXTURE).unwrap();
    let (before, after) = states(&body);
    let selected: Vec<ProxyKey> = (0..500).map(key).collect();
    let lines = stat_lines(Some(&before), &after, GroupBy::Pod, &selected);
    assert_eq!(lines.len(), 500);

    c.bench_function("reduce 1 proxy body (fixture, 1384 lines)", |b| {
        b.iter(|| {
            let mut state = StatState::default();
            state.add_text(key(0), 0, black_box(&body));
            state
        })
    });
    c.bench_function("rows for 500 pods (compute + MESHED + sort)", |b| {
        b.iter(|| stat_lines(Some(&before), &after, GroupBy::Pod, black_box(&selected)))
    });
    c.bench_function("table of 500 pod rows", |b| {
        b.iter(|| {
            render(
                black_box(&lines),
                StatFormat::Table,
                GroupBy::Pod,
                true,
                false,
            )
        })
    });
    c.bench_function("json of 500 pod rows", |b| {
        b.iter(|| {
            render(
                black_box(&lines),
                StatFormat::Json,
                GroupBy::Pod,
                true,
                false,
            )
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
