//! Remote-write encoding throughput: a scraped fleet (the real proxy fixture body under 200 pods'
//! target labels) turned into series, `WriteRequest`s of 2000 samples, protobuf and snappy —
//! everything `export --remote-write` does per sample except the network.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use linkerd_export::export::bridge::SnapshotSeries;
use linkerd_export::export::remote_write::proto::{self, WriteRequest};
use linkerd_export::metrics::model::{Snapshot, Target};

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/linkerd/datadog__linkerd__tests__fixtures__linkerd_v2.txt"
);
const PODS: usize = 200;
const BATCH: usize = 2000;

fn fleet() -> Snapshot {
    let text = std::fs::read_to_string(FIXTURE).unwrap();
    let targets = (0..PODS)
        .map(|i| {
            let labels = vec![
                ("namespace".to_string(), "emojivoto".to_string()),
                ("pod".to_string(), format!("web-5d8c9f7b6-{i:05}")),
                ("container".to_string(), "linkerd-proxy".to_string()),
                ("deployment".to_string(), "web".to_string()),
            ];
            Target::parse(text.clone(), labels, Some(1_764_014_400_000)).unwrap()
        })
        .collect();
    Snapshot { targets }
}

fn encode_all(snapshot: Snapshot) -> usize {
    let mut series = SnapshotSeries::new(snapshot, 0);
    let mut bytes = 0;
    loop {
        let timeseries: Vec<_> = series
            .by_ref()
            .take(BATCH)
            .map(|s| proto::time_series(s).unwrap())
            .collect();
        if timeseries.is_empty() {
            return bytes;
        }
        let request = WriteRequest {
            timeseries,
            metadata: Vec::new(),
        };
        bytes += proto::encode(&request).unwrap().len();
    }
}

fn bench(c: &mut Criterion) {
    let snapshot = fleet();
    let mut group = c.benchmark_group("remote_write");
    group.sample_size(10);
    group.throughput(Throughput::Elements(snapshot.sample_count() as u64));
    group.bench_function("encode_fleet", |b| {
        b.iter_batched(
            || snapshot.clone(),
            |snapshot| black_box(encode_all(snapshot)),
            criterion::BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
