//! `--via portforward`: one `pods/portforward` WebSocket per fetch, made by kube's client (its TLS,
//! `proxy-url`, tokens and impersonation), with `v4.channel.k8s.io` spoken on it here: HTTP/1.1
//! runs straight over the data channel ([`Tunnel`]), the error channel's text becomes the error,
//! and the WebSocket is closed in order.
//!
//! kube's `Portforwarder` moves the frames through a task of its own into a `DuplexStream` that
//! HTTP then reads: a copy and a hop through the scheduler for every frame. Here the fetch's own
//! task reads the frames as hyper asks for bytes (`benches/fanout.rs`, docs/BENCHMARKS.md).

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use bytes::{BufMut, Bytes, BytesMut};
use futures::{Sink, SinkExt, Stream, StreamExt};
use http_body_util::Empty;
use hyper_util::rt::TokioIo;
use k8s_openapi::api::core::v1::Pod;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio_tungstenite::tungstenite::{self, Message};

use super::{
    FetchOptions, Fetched, ForwardError, Via, body, decoded, finish, from_kube_error, request,
    status_text,
};

/// How long to wait, after the HTTP exchange broke, for the error channel to say why.
const ERROR_GRACE: Duration = Duration::from_millis(200);

/// How long to wait for the WebSocket close handshake once done.
const CLOSE_GRACE: Duration = Duration::from_secs(1);

/// The data channel of the one port forwarded (port `i` has data channel `2i`).
const DATA_CHANNEL: u8 = 0;

/// Its error channel.
const ERROR_CHANNEL: u8 = 1;

/// Opens a port-forward to `pod:port`, GETs `path_and_query` over it, decodes the body as
/// `opts` asks, and closes it.
pub(super) async fn fetch(
    client: &kube::Client,
    namespace: &str,
    pod: &str,
    port: u16,
    path_and_query: &str,
    opts: &FetchOptions,
) -> Result<Fetched, ForwardError> {
    let api_error = |e: kube::Error| from_kube_error(&e, Via::PortForward);
    // The request kube's `Api::portforward` sends (`?ports=N`, the same URL encoding).
    let url = <Pod as kube::Resource>::url_path(&(), Some(namespace));
    let req = kube::core::Request::new(url)
        .portforward(pod, &[port])
        .map_err(|e| api_error(kube::Error::BuildRequest(e)))?;
    let connection = client.connect(req).await.map_err(api_error)?;
    let mut tunnel = Tunnel::new(connection.into_stream(), port);
    let result = exchange(&mut tunnel, path_and_query, opts.max_body).await;
    // The WebSocket close is sent first and its reply waited for after decoding the body: the
    // reply is a round trip through the API server, which under load took ~13 ms on average,
    // time the fetch's concurrency slot would otherwise sit idle.
    let grace = tokio::time::Instant::now() + CLOSE_GRACE;
    let closing = tokio::time::timeout_at(grace, tunnel.shutdown()).await;
    let result = result.and_then(|fetched| decoded(fetched, opts));
    if matches!(closing, Ok(Ok(()))) {
        let _ = tokio::time::timeout_at(grace, tunnel.closed()).await;
    }
    result
}

/// The HTTP exchange over `tunnel`, with the error channel's text, when it spoke, as the error.
async fn exchange<S>(
    tunnel: &mut Tunnel<S>,
    path_and_query: &str,
    max_body: u64,
) -> Result<Fetched, ForwardError>
where
    S: WebSocket,
{
    match get(&mut *tunnel, path_and_query, max_body).await {
        Err(err @ ForwardError::Interrupted(_)) => {
            if tunnel.error.is_none() {
                // The error frame may still be on its way behind the break.
                let _ = tokio::time::timeout(ERROR_GRACE, tunnel.error_text()).await;
            }
            match tunnel.error.take() {
                Some(text) => Err(ForwardError::PortForward(text)),
                None => Err(err),
            }
        }
        other => other,
    }
}

/// HTTP/1.1 GET over the forwarded stream; the connection is driven alongside and ends when the
/// request side is dropped.
async fn get<S>(
    tunnel: &mut Tunnel<S>,
    path_and_query: &str,
    max_body: u64,
) -> Result<Fetched, ForwardError>
where
    S: WebSocket,
{
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(tunnel))
        .await
        .map_err(|e| ForwardError::Interrupted(e.to_string()))?;
    let mut req = request(path_and_query, Empty::<Bytes>::new())?;
    req.headers_mut().insert(
        http::header::HOST,
        http::HeaderValue::from_static("localhost"),
    );
    let exchange = async move {
        let response = sender.send_request(req).await.map_err(hyper_error)?;
        drop(sender);
        let (parts, raw_body) = response.into_parts();
        if !parts.status.is_success() {
            return Err(ForwardError::HttpStatus {
                status: status_text(parts.status),
            });
        }
        let raw = body::read_limited(raw_body, max_body).await?;
        Ok(finish(&parts.headers, raw))
    };
    // Without shutdown: the WebSocket close is the caller's, after the error channel was heard.
    let (outcome, _) = tokio::join!(exchange, connection.without_shutdown());
    outcome
}

fn hyper_error(err: hyper::Error) -> ForwardError {
    if err.is_parse() {
        ForwardError::Decode(err.to_string())
    } else {
        ForwardError::Interrupted(err.to_string())
    }
}

/// What a [`Tunnel`] runs on: a WebSocket's messages both ways (kube's connection; an in-memory
/// one in the tests).
trait WebSocket:
    Stream<Item = Result<Message, tungstenite::Error>>
    + Sink<Message, Error = tungstenite::Error>
    + Unpin
    + Send
{
}

impl<S> WebSocket for S where
    S: Stream<Item = Result<Message, tungstenite::Error>>
        + Sink<Message, Error = tungstenite::Error>
        + Unpin
        + Send
{
}

/// One forwarded port's data channel as a byte stream over the WebSocket's frames: writes become
/// data frames; reads take the data frames' bytes, after checking each channel's first frame
/// names the port; the error channel's text fails the read and is kept in `error`.
struct Tunnel<S> {
    socket: S,
    port: u16,
    /// Whether the data and the error channel's first frame (the port) came.
    opened: [bool; 2],
    /// What is left of the last data frame.
    unread: Bytes,
    /// The error channel's first text.
    error: Option<String>,
    /// Whether the server's Close came, or the WebSocket ended.
    ended: bool,
}

impl<S: WebSocket> Tunnel<S> {
    fn new(socket: S, port: u16) -> Self {
        Tunnel {
            socket,
            port,
            opened: [false; 2],
            unread: Bytes::new(),
            error: None,
            ended: false,
        }
    }

    /// The next data frame's bytes, `None` at the WebSocket's end; an error when the error
    /// channel spoke, the WebSocket failed, or the frames break the protocol.
    fn poll_data(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Option<Bytes>>> {
        while !self.ended {
            let message = match ready!(self.socket.poll_next_unpin(cx)) {
                Some(Ok(message)) => message,
                Some(Err(err)) => {
                    self.ended = true;
                    return Poll::Ready(Err(io::Error::other(err)));
                }
                None => break,
            };
            match message {
                Message::Binary(mut frame) if frame.len() > 1 => {
                    let channel = frame.split_to(1)[0];
                    if let Some(data) = self.accept(channel, frame)? {
                        return Poll::Ready(Ok(Some(data)));
                    }
                }
                Message::Close(_) => break,
                _ => {}
            }
        }
        self.ended = true;
        Poll::Ready(Ok(None))
    }

    /// Takes one frame's payload on `channel`: data to hand on, or nothing (a port frame).
    fn accept(&mut self, channel: u8, payload: Bytes) -> io::Result<Option<Bytes>> {
        let invalid = |what: String| io::Error::new(io::ErrorKind::InvalidData, what);
        let opened = match channel {
            DATA_CHANNEL => &mut self.opened[0],
            ERROR_CHANNEL => &mut self.opened[1],
            other => return Err(invalid(format!("received invalid channel {other}"))),
        };
        if !*opened {
            let port = <[u8; 2]>::try_from(&payload[..])
                .map(u16::from_le_bytes)
                .map_err(|_| invalid("received initial frame with invalid size".into()))?;
            if port != self.port {
                return Err(invalid(format!(
                    "invalid port mapping in initial frame, got {port}, expected {}",
                    self.port
                )));
            }
            *opened = true;
            return Ok(None);
        }
        if channel == DATA_CHANNEL {
            return Ok(Some(payload));
        }
        let text = String::from_utf8_lossy(&payload).trim().to_string();
        let err = io::Error::other(format!("port-forward failed: {text}"));
        self.error.get_or_insert(text);
        Err(err)
    }

    /// Reads on until the error channel speaks or the WebSocket ends (data is dropped).
    async fn error_text(&mut self) {
        while self.error.is_none() && !self.ended {
            let _ = std::future::poll_fn(|cx| self.poll_data(cx)).await;
        }
    }

    /// Reads on until the server's Close (the reply to ours) or the WebSocket's end.
    async fn closed(&mut self) {
        while !self.ended {
            match self.socket.next().await {
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => self.ended = true,
                Some(Ok(_)) => {}
            }
        }
    }
}

impl<S: WebSocket> AsyncRead for Tunnel<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        while this.unread.is_empty() {
            match ready!(this.poll_data(cx))? {
                Some(data) => this.unread = data,
                None => return Poll::Ready(Ok(())),
            }
        }
        let n = this.unread.len().min(buf.remaining());
        buf.put_slice(&this.unread.split_to(n));
        Poll::Ready(Ok(()))
    }
}

impl<S: WebSocket> AsyncWrite for Tunnel<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        if data.is_empty() {
            return Poll::Ready(Ok(0));
        }
        let socket = &mut self.get_mut().socket;
        ready!(socket.poll_ready_unpin(cx)).map_err(io::Error::other)?;
        let mut frame = BytesMut::with_capacity(data.len() + 1);
        frame.put_u8(DATA_CHANNEL);
        frame.put_slice(data);
        socket
            .start_send_unpin(Message::Binary(frame.freeze()))
            .map_err(io::Error::other)?;
        Poll::Ready(Ok(data.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut()
            .socket
            .poll_flush_unpin(cx)
            .map_err(io::Error::other)
    }

    /// Sends the WebSocket's Close: `v4.channel.k8s.io` cannot close one direction alone.
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut()
            .socket
            .poll_close_unpin(cx)
            .map_err(io::Error::other)
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, DuplexStream};
    use tokio_tungstenite::WebSocketStream;
    use tokio_tungstenite::tungstenite::protocol::Role;

    use super::*;

    /// A tunnel for `port` over an in-memory WebSocket, and the server's end of it.
    async fn pair(
        port: u16,
    ) -> (
        Tunnel<WebSocketStream<DuplexStream>>,
        WebSocketStream<DuplexStream>,
    ) {
        let (near, far) = tokio::io::duplex(64 * 1024);
        let client = WebSocketStream::from_raw_socket(near, Role::Client, None).await;
        let server = WebSocketStream::from_raw_socket(far, Role::Server, None).await;
        (Tunnel::new(client, port), server)
    }

    fn frame(channel: u8, payload: &[u8]) -> Message {
        Message::Binary([&[channel][..], payload].concat().into())
    }

    #[tokio::test]
    async fn data_frames_read_as_bytes_after_the_port_frames() {
        let (mut tunnel, mut server) = pair(4191).await;
        for message in [
            frame(DATA_CHANNEL, &4191u16.to_le_bytes()),
            frame(ERROR_CHANNEL, &4191u16.to_le_bytes()),
            frame(DATA_CHANNEL, b"HTTP/1.1 "),
            frame(DATA_CHANNEL, b"200 OK"),
            Message::Close(None),
        ] {
            server.send(message).await.unwrap();
        }
        let mut text = String::new();
        tunnel.read_to_string(&mut text).await.unwrap();
        assert_eq!(text, "HTTP/1.1 200 OK");
        assert_eq!(tunnel.error, None);
    }

    #[tokio::test]
    async fn the_error_channel_fails_the_read_and_keeps_its_text() {
        let (mut tunnel, mut server) = pair(4191).await;
        for message in [
            frame(DATA_CHANNEL, &4191u16.to_le_bytes()),
            frame(ERROR_CHANNEL, &4191u16.to_le_bytes()),
            frame(DATA_CHANNEL, b"partial"),
            frame(ERROR_CHANNEL, b"error forwarding port 4191: reset\n"),
        ] {
            server.send(message).await.unwrap();
        }
        let mut buf = [0u8; 64];
        assert_eq!(tunnel.read(&mut buf).await.unwrap(), 7);
        let err = tunnel.read(&mut buf).await.unwrap_err();
        assert!(err.to_string().ends_with("reset"), "{err}");
        assert_eq!(
            tunnel.error.as_deref(),
            Some("error forwarding port 4191: reset")
        );
    }

    #[tokio::test]
    async fn a_first_frame_for_another_port_is_refused() {
        // Each followed by the server's Close, so that a tunnel that let it pass reads the end.
        let (mut tunnel, mut server) = pair(4191).await;
        server
            .send(frame(DATA_CHANNEL, &9090u16.to_le_bytes()))
            .await
            .unwrap();
        server.send(Message::Close(None)).await.unwrap();
        let err = tunnel.read(&mut [0u8; 16]).await.unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid port mapping in initial frame, got 9090, expected 4191"
        );
        let (mut tunnel, mut server) = pair(4191).await;
        server.send(frame(2, b"xy")).await.unwrap();
        server.send(Message::Close(None)).await.unwrap();
        let err = tunnel.read(&mut [0u8; 16]).await.unwrap_err();
        assert_eq!(err.to_string(), "received invalid channel 2");
    }

    #[tokio::test]
    async fn writes_go_out_on_the_data_channel_and_shutdown_closes() {
        let (mut tunnel, mut server) = pair(4191).await;
        tunnel.write_all(b"GET / HTTP/1.1\r\n").await.unwrap();
        tunnel.flush().await.unwrap();
        assert_eq!(
            server.next().await.unwrap().unwrap(),
            frame(DATA_CHANNEL, b"GET / HTTP/1.1\r\n")
        );
        tunnel.shutdown().await.unwrap();
        assert!(server.next().await.unwrap().unwrap().is_close());
        // The server's reply ends the tunnel's wait.
        server.flush().await.unwrap();
        tokio::time::timeout(Duration::from_secs(5), tunnel.closed())
            .await
            .expect("the close reply ends the wait");
    }
}
