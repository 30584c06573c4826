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
    if body.size_hint().lower() > limit {
        return Err(ForwardError::TooLarge { limit });
    }
    let mut body = std::pin::pin!(body);
    let mut buf = BytesMut::new();
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

/// Decodes a `Content-Encoding: gzip` body, refusing to inflate past `limit` bytes.
pub(super) fn gunzip_limited(compressed: &[u8], limit: u64) -> Result<Bytes, ForwardError> {
    let mut decoder = flate2::read::GzDecoder::new(compressed).take(limit + 1);
    let mut out = Vec::new();
    decoder
        .read_to_end(&mut out)
        .map_err(|e| ForwardError::Decode(e.to_string()))?;
    if out.len() as u64 > limit {
        return Err(ForwardError::TooLarge { limit });
    }
    Ok(Bytes::from(out))
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
        assert_eq!(err.to_string(), "response body exceeds 4 KiB");
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
