//! Reading a response body within a size limit, and gzip decoding within the same limit.

use std::io::Read;

use bytes::{Bytes, BytesMut};
use http_body_util::BodyExt;
use hyper::body::Body;

use super::ForwardError;

/// Reads the body frame by frame, failing with [`ForwardError::TooLarge`] as soon as more than
/// `limit` bytes arrived (the rest is never read), or [`ForwardError::Interrupted`] when the
/// connection ends mid-body.
pub(super) async fn read_limited<B>(body: B, limit: u64) -> Result<Bytes, ForwardError>
where
    B: Body<Data = Bytes>,
    B::Error: std::fmt::Display,
{
    let hint = body.size_hint();
    if hint.lower() > limit {
        return Err(ForwardError::TooLarge { limit });
    }
    // A `Content-Length` sizes the buffer once; growing it by doubling would copy a
    // multi-megabyte body several times over.
    let mut buf = BytesMut::with_capacity(capacity(hint.exact().unwrap_or(0), limit));
    let mut body = std::pin::pin!(body);
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| ForwardError::Interrupted(e.to_string()))?;
        if let Ok(data) = frame.into_data() {
            if (buf.len() + data.len()) as u64 > limit {
                return Err(ForwardError::TooLarge { limit });
            }
            buf.extend_from_slice(&data);
        }
    }
    Ok(buf.freeze())
}

/// The most DEFLATE can expand its input: a 258-byte match costs at least two bits (RFC 1951).
const MAX_DEFLATE_RATIO: u64 = 1032;

/// Decodes a `Content-Encoding: gzip` body, refusing to inflate past `limit` bytes.
pub fn gunzip_limited(compressed: &[u8], limit: u64) -> Result<Bytes, ForwardError> {
    // One allocation of the right size: growing by doubling cost more than the inflating itself
    // on multi-megabyte bodies (reallocation copies and fresh pages at every step).
    let mut out = Vec::with_capacity(capacity(inflated_size_hint(compressed), limit));
    let mut decoder = flate2::read::GzDecoder::new(compressed).take(limit + 1);
    decoder
        .read_to_end(&mut out)
        .map_err(|e| ForwardError::Decode(e.to_string()))?;
    if out.len() as u64 > limit {
        return Err(ForwardError::TooLarge { limit });
    }
    Ok(Bytes::from(out))
}

/// How much decoded text [`for_each_line_chunk`] hands over at a time (plus a partial line).
const LINE_CHUNK: usize = 64 << 10;

/// Decodes a gzip body a piece at a time, calling `on_lines` with text that ends at a line end
/// (the last piece may end without one), so a reader never holds the whole decoded body.
/// Refuses to inflate past `limit` bytes; text that is not UTF-8 is an error.
pub fn for_each_line_chunk(
    compressed: &[u8],
    limit: u64,
    mut on_lines: impl FnMut(&str),
) -> Result<(), ForwardError> {
    let mut decoder = flate2::read::GzDecoder::new(compressed);
    let mut buf = vec![0u8; LINE_CHUNK * 2];
    let (mut filled, mut total) = (0usize, 0u64);
    loop {
        if filled == buf.len() {
            // One line longer than the buffer: grow it (bounded by the limit below).
            buf.resize(buf.len() * 2, 0);
        }
        let n = decoder
            .read(&mut buf[filled..])
            .map_err(|e| ForwardError::Decode(e.to_string()))?;
        total += n as u64;
        if total > limit {
            return Err(ForwardError::TooLarge { limit });
        }
        filled += n;
        let end = if n == 0 {
            filled
        } else {
            match memchr::memrchr(b'\n', &buf[..filled]) {
                Some(last) if filled >= LINE_CHUNK => last + 1,
                _ => continue,
            }
        };
        let text = std::str::from_utf8(&buf[..end])
            .map_err(|e| ForwardError::Decode(format!("metrics are not UTF-8 text: {e}")))?;
        if !text.is_empty() {
            on_lines(text);
        }
        buf.copy_within(end..filled, 0);
        filled -= end;
        if n == 0 {
            return Ok(());
        }
    }
}

/// The size the gzip trailer announces (ISIZE: the uncompressed length mod 2^32), believed only
/// as far as DEFLATE can expand the input, so a forged trailer cannot reserve more than that.
fn inflated_size_hint(compressed: &[u8]) -> u64 {
    let announced = compressed
        .last_chunk::<4>()
        .map_or(0, |isize| u64::from(u32::from_le_bytes(*isize)));
    announced.min((compressed.len() as u64).saturating_mul(MAX_DEFLATE_RATIO))
}

/// A buffer capacity for an expected `size`, never above `limit`.
fn capacity(size: u64, limit: u64) -> usize {
    usize::try_from(size.min(limit)).unwrap_or(0)
}

/// Whether the response's `Content-Encoding` is gzip.
pub(super) fn is_gzip(headers: &http::HeaderMap) -> bool {
    headers
        .get(http::header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("gzip"))
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use http_body_util::{Full, StreamBody};

    use super::*;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(data).unwrap();
        encoder.finish().unwrap()
    }

    #[tokio::test]
    async fn reads_up_to_the_limit_and_no_further() {
        let body = Full::new(Bytes::from_static(b"0123456789"));
        assert_eq!(read_limited(body, 10).await.unwrap(), "0123456789");
        let body = Full::new(Bytes::from_static(b"0123456789"));
        assert!(matches!(
            read_limited(body, 9).await,
            Err(ForwardError::TooLarge { limit: 9 })
        ));
    }

    #[tokio::test]
    async fn a_stream_is_cut_off_once_over_the_limit() {
        let frames = futures::stream::iter((0..1000).map(|_| {
            Ok::<_, std::io::Error>(hyper::body::Frame::data(Bytes::from(vec![b'x'; 1024])))
        }));
        let err = read_limited(StreamBody::new(frames), 4096)
            .await
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "response body exceeds 4 KiB (raise the limit with --max-body-size)"
        );
    }

    #[tokio::test]
    async fn a_broken_stream_is_interrupted() {
        let frames = futures::stream::iter(vec![
            Ok(hyper::body::Frame::data(Bytes::from_static(b"partial"))),
            Err(std::io::Error::other("connection reset by peer")),
        ]);
        let err = read_limited(StreamBody::new(frames), 1024)
            .await
            .unwrap_err();
        assert!(
            matches!(err, ForwardError::Interrupted(ref m) if m.contains("reset")),
            "{err}"
        );
    }

    #[test]
    fn the_gzip_trailer_sizes_the_output_within_what_deflate_can_expand() {
        let text = b"request_total{direction=\"inbound\"} 7\n".repeat(1000);
        let mut packed = gzip(&text);
        assert_eq!(inflated_size_hint(&packed), text.len() as u64);
        let end = packed.len();
        packed[end - 4..].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(
            inflated_size_hint(&packed),
            packed.len() as u64 * MAX_DEFLATE_RATIO
        );
        assert!(matches!(
            gunzip_limited(&packed, 1 << 30),
            Err(ForwardError::Decode(_))
        ));
        assert_eq!(inflated_size_hint(b"gz"), 0);
        assert_eq!(capacity(u64::MAX, 4096), 4096);
    }

    #[test]
    fn line_chunks_end_at_line_ends_and_add_up_to_the_body() {
        let body: String = (0..40_000)
            .map(|i| format!("request_total{{pod=\"web-{i}\"}} {i}\n"))
            .collect();
        let compressed = gzip(body.as_bytes());
        let mut chunks = Vec::new();
        for_each_line_chunk(&compressed, 64 << 20, |text| chunks.push(text.to_string())).unwrap();
        assert!(chunks.len() > 2, "{} chunks", chunks.len());
        assert!(chunks.iter().all(|c| c.ends_with('\n')));
        assert_eq!(chunks.concat(), body);
        let err = for_each_line_chunk(&compressed, 1000, |_| {}).unwrap_err();
        assert_eq!(err, ForwardError::TooLarge { limit: 1000 });
    }

    #[test]
    fn gunzip_round_trips_and_caps_inflation() {
        let text = b"request_total{direction=\"inbound\"} 7\n".repeat(100);
        let packed = gzip(&text);
        assert_eq!(
            gunzip_limited(&packed, 1 << 20).unwrap(),
            Bytes::from(text.clone())
        );
        assert!(matches!(
            gunzip_limited(&packed, 100),
            Err(ForwardError::TooLarge { limit: 100 })
        ));
        assert!(matches!(
            gunzip_limited(b"not gzip", 100),
            Err(ForwardError::Decode(_))
        ));
    }
}
