//! Parser throughput: our zero-copy parser vs the `prometheus-parse` crate, same input, same run.
//!
//! The input is a large multi-family Linkerd body (~30 MB) built from the real proxy fixtures:
//! each fixture repeated under many `# POD` headers, the way `linkerd diagnostics proxy-metrics`
//! prints a fleet.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use linkerd_export::metrics::parse;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/linkerd");

/// About 30 MB of proxy output.
fn big_body() -> String {
    let mut fixtures: Vec<String> = std::fs::read_dir(FIXTURES)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    fixtures.sort();
    let one: String = fixtures.concat();
    let copies = (30 << 20) / one.len() + 1;
    let mut body = String::with_capacity(copies * (one.len() + 64));
    for i in 0..copies {
        body.push_str(&format!("#\n# POD web-{i} ({} of {copies})\n#\n", i + 1));
        body.push_str(&one);
    }
    body
}

fn parsers(c: &mut Criterion) {
    let body = big_body();
    let samples = parse::parse(&body).unwrap().sample_count();
    let mut group = c.benchmark_group("parse");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(body.len() as u64));
    group.bench_function("ours/parse", |b| {
        b.iter(|| {
            black_box(parse::parse(black_box(&body)).unwrap())
                .families
                .len()
        })
    });
    group.bench_function("ours/lines", |b| {
        b.iter(|| {
            parse::lines(black_box(&body))
                .filter(|l| matches!(l, Ok((_, parse::Line::Sample(_)))))
                .count()
        })
    });
    group.bench_function("prometheus_parse", |b| {
        b.iter(|| {
            let lines = black_box(&body).lines().map(|l| Ok(l.to_owned()));
            black_box(prometheus_parse::Scrape::parse(lines).unwrap())
                .samples
                .len()
        })
    });
    group.finish();
    eprintln!("input: {} bytes, {samples} samples", body.len());
}

criterion_group!(benches, parsers);
criterion_main!(benches);
