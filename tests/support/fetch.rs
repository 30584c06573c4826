//! A plain HTTP/1.1 GET over any byte stream (a proxy's admin port on loopback, a port-forward
//! tunnel), keeping the status, headers and the body or the error that cut it short.

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};

/// A response: status, headers, and the body (or the error that cut it short).
pub struct Fetched {
    /// The response status.
    pub status: http::StatusCode,
    /// The response headers.
    pub headers: http::HeaderMap,
    /// The whole body, or why reading it failed.
    pub body: Result<Bytes, hyper::Error>,
}

/// `GET path` over `io` with extra `headers`.
pub async fn get<I>(io: I, path: &str, headers: &[(&str, &str)]) -> Fetched
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(io))
        .await
        .expect("http handshake");
    tokio::spawn(conn);
    let mut req = http::Request::get(path).header("host", "localhost");
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let res = sender
        .send_request(req.body(Empty::<Bytes>::new()).expect("request"))
        .await
        .expect("response head");
    let (parts, body) = res.into_parts();
    Fetched {
        status: parts.status,
        headers: parts.headers,
        body: body.collect().await.map(|b| b.to_bytes()),
    }
}
