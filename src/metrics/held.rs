//! What printing commands hold of every proxy until the last one is in: bodies compressed with
//! Snappy, so a scrape of thousands of multi-megabyte bodies costs a fraction of their size.
//!
//! `-o raw` prints bodies as served, in pod order: [`HeldBody`] keeps each one whole.
//! `-o prom`/`-o openmetrics` print one family at a time across every target: [`HeldSnapshot`]
//! keeps each target as one compressed chunk per output family, so writing a family decompresses
//! only that family's chunks, one at a time. Snappy because it compresses at hundreds of MB/s
//! and decompresses faster still (Linkerd bodies, which repeat their label sets, shrink about
//! 5×), and the crate is already here for remote write.

use std::borrow::Cow;
use std::collections::HashMap;
use std::io;

use crate::metrics::MetricType;

use crate::metrics::model::{Labels, Target, compress, write_family_text};
use crate::metrics::write::{self, Format, WriteOptions};

/// One body, compressed: with Snappy, or as the proxy gzipped it.
#[derive(Debug, Clone)]
pub struct HeldBody {
    compressed: Vec<u8>,
    gzip: bool,
}

impl HeldBody {
    /// Compress `body`.
    pub fn new(body: &[u8]) -> Self {
        HeldBody {
            compressed: compress(body),
            gzip: false,
        }
    }

    /// Hold a body as it came: gzip-encoded (`gzip`), or plain text to compress. Read a gzip body
    /// back with [`HeldBody::body`] only once it is known to decode; [`HeldBody::into_served`]
    /// gives it back still encoded, for a reader that checks.
    pub fn as_served(body: &[u8], gzip: bool) -> Self {
        if gzip {
            HeldBody {
                compressed: body.to_vec(),
                gzip: true,
            }
        } else {
            HeldBody::new(body)
        }
    }

    /// The body as served: still gzip-encoded (`true`), or plain text.
    pub fn into_served(self) -> (Vec<u8>, bool) {
        if self.gzip {
            (self.compressed, true)
        } else {
            (decompress(&self.compressed), false)
        }
    }

    /// The body again.
    pub fn body(&self) -> Vec<u8> {
        if self.gzip {
            let mut out = Vec::new();
            std::io::Read::read_to_end(
                &mut flate2::read::GzDecoder::new(&self.compressed[..]),
                &mut out,
            )
            .expect("a held gzip body was decoded once already");
            return out;
        }
        decompress(&self.compressed)
    }
}

fn decompress(bytes: &[u8]) -> Vec<u8> {
    snap::raw::Decoder::new()
        .decompress_vec(bytes)
        .expect("a chunk compressed here decompresses")
}

/// One family's samples of one target that go to one output family, compressed.
#[derive(Debug)]
struct Chunk {
    output: u32,
    kind: MetricType,
    help: Option<u32>,
    unit: Option<u32>,
    text: Vec<u8>,
}

/// A target held as compressed chunks.
#[derive(Debug)]
struct HeldTarget {
    labels: Labels,
    scrape_time_ms: Option<i64>,
    chunks: Vec<Chunk>,
}

/// Many targets held for one merged output in one format.
#[derive(Debug)]
pub struct HeldSnapshot {
    format: Format,
    /// Output family names, HELP texts and units, each kept once.
    strings: Vec<String>,
    string_ids: HashMap<String, u32>,
    targets: Vec<HeldTarget>,
}

impl HeldSnapshot {
    /// An empty snapshot to be written in `format`.
    pub fn new(format: Format) -> Self {
        HeldSnapshot {
            format,
            strings: Vec::new(),
            string_ids: HashMap::new(),
            targets: Vec::new(),
        }
    }

    /// Whether no target is held.
    pub fn is_empty(&self) -> bool {
        self.targets.is_empty()
    }

    fn intern(&mut self, s: &str) -> u32 {
        if let Some(&id) = self.string_ids.get(s) {
            return id;
        }
        let id = self.strings.len() as u32;
        self.strings.push(s.to_string());
        self.string_ids.insert(s.to_string(), id);
        id
    }

    /// Hold `target`, compressed; it is dropped.
    pub fn push(&mut self, target: Target) {
        let mut chunks = Vec::new();
        let mut text = String::new();
        for family in target.families() {
            let mut outputs: Vec<(Cow<'_, str>, MetricType)> = Vec::new();
            if family.is_empty() {
                let (name, kind, _) =
                    write::place(family.name(), family.kind(), family.name(), self.format);
                outputs.push((name, kind));
            }
            for sample in family.samples() {
                let (name, kind, _) =
                    write::place(family.name(), family.kind(), sample.name, self.format);
                if !outputs.iter().any(|(n, _)| *n == name) {
                    outputs.push((name, kind));
                }
            }
            text.clear();
            write_family_text(&mut text, family);
            let compressed = compress(text.as_bytes());
            let help = family.help().map(|h| self.intern(&h));
            let unit = family.unit().map(|u| self.intern(u));
            // A family that feeds two output families (a counter's `_created` samples in
            // Prometheus text) is held once for each.
            let last = outputs.len() - 1;
            let mut compressed = Some(compressed);
            for (i, (name, kind)) in outputs.into_iter().enumerate() {
                let output = self.intern(&name);
                let text = if i == last {
                    compressed.take().expect("taken once, by the last output")
                } else {
                    compressed.clone().expect("kept until the last output")
                };
                chunks.push(Chunk {
                    output,
                    kind,
                    help,
                    unit,
                    text,
                });
            }
        }
        chunks.shrink_to_fit();
        self.targets.push(HeldTarget {
            labels: target.labels.clone(),
            scrape_time_ms: target.scrape_time_ms,
            chunks,
        });
    }

    /// Order the targets by `key` (e.g. namespace and pod), as the output lists them.
    pub fn sort_by_key<K: Ord>(&mut self, mut key: impl FnMut(&Labels) -> K) {
        self.targets.sort_by_key(|t| key(&t.labels));
    }

    /// Write every target as one exposition, a family at a time, through a buffer of about
    /// 256 KiB: what is held is decompressed one chunk at a time.
    pub fn write_io<W: io::Write>(&self, mut out: W, timestamps: bool) -> io::Result<()> {
        const FLUSH_AT: usize = 256 << 10;
        let options = WriteOptions {
            format: self.format,
            timestamps,
        };
        // Output families in order of first appearance, each with the chunks that feed it.
        let mut order: Vec<u32> = Vec::new();
        let mut feeds: HashMap<u32, OutputPlan> = HashMap::new();
        for (t, target) in self.targets.iter().enumerate() {
            for (c, chunk) in target.chunks.iter().enumerate() {
                let plan = feeds.entry(chunk.output).or_insert_with(|| {
                    order.push(chunk.output);
                    OutputPlan {
                        kind: chunk.kind,
                        help: None,
                        unit: None,
                        chunks: Vec::new(),
                    }
                });
                if plan.kind == chunk.kind {
                    plan.help = plan.help.or(chunk.help);
                    plan.unit = plan.unit.or(chunk.unit);
                }
                plan.chunks.push((t as u32, c as u32));
            }
        }
        let mut buf = String::with_capacity(FLUSH_AT + (64 << 10));
        let mut recycled = String::new();
        for output in order {
            let plan = &feeds[&output];
            let name = &self.strings[output as usize];
            let help = plan.help.map(|h| self.strings[h as usize].as_str());
            let unit = plan.unit.map(|u| self.strings[u as usize].as_str());
            write::write_family_header(&mut buf, name, plan.kind, help, unit, options);
            for &(t, c) in &plan.chunks {
                let target = &self.targets[t as usize];
                let chunk = &target.chunks[c as usize];
                let mut text = std::mem::take(&mut recycled).into_bytes();
                text.clear();
                text.resize(
                    snap::raw::decompress_len(&chunk.text).expect("a chunk compressed here"),
                    0,
                );
                snap::raw::Decoder::new()
                    .decompress(&chunk.text, &mut text)
                    .expect("a chunk compressed here decompresses");
                let text = String::from_utf8(text).expect("held text was a String");
                let parsed = Target::parse(text, target.labels.clone(), target.scrape_time_ms)
                    .expect("held text was indexed before");
                write::write_target_samples(&mut buf, &parsed, name, options);
                recycled = parsed.into_text();
                if buf.len() >= FLUSH_AT {
                    out.write_all(buf.as_bytes())?;
                    buf.clear();
                }
            }
        }
        if self.format == Format::OpenMetrics {
            buf.push_str("# EOF\n");
        }
        out.write_all(buf.as_bytes())?;
        out.flush()
    }
}

#[derive(Debug)]
struct OutputPlan {
    kind: MetricType,
    help: Option<u32>,
    unit: Option<u32>,
    chunks: Vec<(u32, u32)>,
}
