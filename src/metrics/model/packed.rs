//! [`PackedTarget`]: a target split from a merged exposition, held parsed or, when the
//! exposition is large, Snappy-compressed until it is used. A snapshot of hundreds of pods is
//! gigabytes, and the bodies split from it are nearly its size again: held compressed they take
//! about a fifth of that, and a command that uses one target at a time (`diff` against a file,
//! `stat --from-file`) parses each only when it comes to it.

use super::{Labels, Target};

/// Text a body being rebuilt keeps uncompressed before it compresses it into a chunk: large
/// enough for Snappy to find a body's repeated label sets, small enough that the open chunks of
/// the hundreds of bodies rebuilt at once stay a small part of them.
const CHUNK_BYTES: usize = 32 << 10;

/// Room left in a chunk's buffer for the next line: most lines are far shorter (a longer one
/// grows the buffer, which is then made anew).
const LINE_ROOM: usize = 4 << 10;

/// A target's body as a merged exposition is split: plain text, or compressed in chunks as it
/// grows ([`PackedText::packing`]).
#[derive(Debug, Default)]
pub(super) struct PackedText {
    chunks: Vec<Vec<u8>>,
    /// The text not compressed yet.
    open: String,
    /// Bytes of text in `chunks`.
    packed_len: usize,
    packing: bool,
}

impl PackedText {
    /// A body compressed as it grows.
    pub(super) fn packing() -> Self {
        PackedText {
            open: String::with_capacity(CHUNK_BYTES),
            packing: true,
            ..PackedText::default()
        }
    }

    /// Where the next text is written; [`PackedText::written`] once it is.
    pub(super) fn open(&mut self) -> &mut String {
        &mut self.open
    }

    /// Compresses what was written when it makes a chunk: before the next line could outgrow
    /// the chunk's buffer, which would double it (for every target being rebuilt at once).
    pub(super) fn written(&mut self) {
        if self.packing && self.open.len() + LINE_ROOM >= CHUNK_BYTES {
            self.packed_len += self.open.len();
            self.chunks.push(compress(self.open.as_bytes()));
            self.open.clear();
            if self.open.capacity() > CHUNK_BYTES {
                // Grown for a long line.
                self.open = String::with_capacity(CHUNK_BYTES);
            }
        }
    }

    /// The target of this body: parsed now, or held compressed when it was packed.
    pub(super) fn into_target(self, labels: Labels, scrape_time_ms: Option<i64>) -> PackedTarget {
        if !self.packing {
            return PackedTarget::parsed(rebuilt(self.open, labels, scrape_time_ms));
        }
        let mut text = self;
        if !text.open.is_empty() {
            text.packed_len += text.open.len();
            text.chunks.push(compress(text.open.as_bytes()));
        }
        PackedTarget(Held::Compressed {
            labels,
            scrape_time_ms,
            chunks: text.chunks,
            len: text.packed_len,
        })
    }
}

/// A target, parsed or held compressed until [`PackedTarget::unpack`].
#[derive(Debug)]
pub struct PackedTarget(Held);

#[derive(Debug)]
enum Held {
    Parsed(Target),
    Compressed {
        labels: Labels,
        scrape_time_ms: Option<i64>,
        chunks: Vec<Vec<u8>>,
        len: usize,
    },
}

impl PackedTarget {
    /// A target already parsed.
    pub fn parsed(target: Target) -> Self {
        PackedTarget(Held::Parsed(target))
    }

    /// Its target labels.
    pub fn labels(&self) -> &Labels {
        match &self.0 {
            Held::Parsed(target) => &target.labels,
            Held::Compressed { labels, .. } => labels,
        }
    }

    /// Value of target label `name`.
    pub fn label(&self, name: &str) -> Option<&str> {
        self.labels()
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// When it was scraped, in milliseconds since the epoch.
    pub fn scrape_time_ms(&self) -> Option<i64> {
        match &self.0 {
            Held::Parsed(target) => target.scrape_time_ms,
            Held::Compressed { scrape_time_ms, .. } => *scrape_time_ms,
        }
    }

    /// Whether it has a sample: a compressed body was rebuilt from samples, so it has.
    pub fn has_samples(&self) -> bool {
        match &self.0 {
            Held::Parsed(target) => target.sample_count() > 0,
            Held::Compressed { .. } => true,
        }
    }

    /// Whether it is held compressed.
    pub fn is_compressed(&self) -> bool {
        matches!(self.0, Held::Compressed { .. })
    }

    /// The target, parsed.
    pub fn unpack(self) -> Target {
        match self.0 {
            Held::Parsed(target) => target,
            Held::Compressed {
                labels,
                scrape_time_ms,
                chunks,
                len,
            } => rebuilt(decompress(&chunks, len), labels, scrape_time_ms),
        }
    }

    /// The target, parsed, keeping it held: for a source read more than once.
    pub fn to_target(&self) -> Target {
        match &self.0 {
            Held::Parsed(target) => target.clone(),
            Held::Compressed {
                labels,
                scrape_time_ms,
                chunks,
                len,
            } => rebuilt(decompress(chunks, *len), labels.clone(), *scrape_time_ms),
        }
    }
}

/// The text of `len` bytes compressed in `chunks`.
fn decompress(chunks: &[Vec<u8>], len: usize) -> String {
    let mut text = vec![0; len];
    let mut at = 0;
    let mut decoder = snap::raw::Decoder::new();
    for chunk in chunks {
        at += decoder
            .decompress(chunk, &mut text[at..])
            .expect("a chunk compressed here decompresses");
    }
    String::from_utf8(text).expect("text compressed here is UTF-8")
}

/// A body rebuilt from indexed samples, indexed.
fn rebuilt(text: String, labels: Labels, scrape_time_ms: Option<i64>) -> Target {
    Target::parse(text, labels, scrape_time_ms)
        .expect("a body rebuilt from indexed samples indexes")
}

/// Snappy-compress `bytes` into a vector of exactly the compressed size (`compress_vec` keeps
/// the worst-case capacity, more than the input itself).
pub(crate) fn compress(bytes: &[u8]) -> Vec<u8> {
    let mut compressed = snap::raw::Encoder::new()
        .compress_vec(bytes)
        .expect("snappy compresses any input below 4 GiB");
    compressed.shrink_to_fit();
    compressed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_packed_in_chunks_unpacks_to_the_text_written() {
        let mut packed = PackedText::packing();
        let mut expected = String::new();
        for i in 0..20_000 {
            let line = format!("requests_total{{route=\"r{}\",code=\"200\"}} {i}\n", i % 37);
            packed.open().push_str(&line);
            packed.written();
            expected.push_str(&line);
        }
        assert!(packed.chunks.len() > 1, "the body is compressed in chunks");
        let labels = vec![("pod".to_string(), "web-1".to_string())];
        let target = packed.into_target(labels.clone(), Some(7));
        assert!(target.is_compressed());
        assert_eq!(target.label("pod"), Some("web-1"));
        assert_eq!(target.scrape_time_ms(), Some(7));
        assert_eq!(target.to_target().text(), expected, "kept held");
        let target = target.unpack();
        assert_eq!(target.text(), expected);
        assert_eq!(target.labels, labels);
        assert_eq!(target.sample_count(), 20_000);
    }

    #[test]
    fn a_body_not_packing_is_parsed_at_once() {
        let mut text = PackedText::default();
        text.open().push_str("up 1\n");
        text.written();
        let target = text.into_target(Vec::new(), None);
        assert!(!target.is_compressed());
        assert!(target.has_samples());
        assert_eq!(target.unpack().text(), "up 1\n");
    }
}
