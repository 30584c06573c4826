//! `pods/portforward` over WebSocket, spoken as a kubelet speaks `v4.channel.k8s.io`: the
//! subprotocol is the first of the client's list the server supports; port `i` uses data channel
//! `2i` and error channel `2i+1`; each channel's first frame is the port as 2 bytes little-endian;
//! a failed connection to the pod puts the kubelet's error text (worded as with containerd, which
//! names the pod sandbox) on the error channel, and once every port has failed the server closes
//! the WebSocket; after the client's Close the server answers Close and ends the connection.
//!
//! Before upgrading, the API server's checks come in its order: RBAC (`get`, and on 1.35+
//! `create`), the pod, its node, the kubelet.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::{BufMut, Bytes, BytesMut};
use futures::stream::SplitSink;
use futures::{SinkExt, StreamExt};
use http::{Request, Response, StatusCode, header};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncReadExt, AsyncWriteExt, WriteHalf};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::Role;

use sha2::{Digest, Sha256};

use super::proxy::{Body, full};
use super::state::ApiState;
use super::status::{forbidden, forbidden_because, not_found, query_params, status};
use super::topology::SimPod;

/// The only subprotocol served (the kubelet's binary v4 protocol).
pub const PROTOCOL: &str = "v4.channel.k8s.io";

/// Most bytes read from a pod port into one data frame.
const READ_CHUNK: usize = 64 * 1024;

fn bad_request(message: &str) -> Response<Body> {
    status(StatusCode::BAD_REQUEST, "BadRequest", message, None)
}

fn frame(channel: u8, data: &[u8]) -> Message {
    let mut b = BytesMut::with_capacity(data.len() + 1);
    b.put_u8(channel);
    b.put_slice(data);
    Message::Binary(b.freeze())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The 64-hex-digit ID of `pod`'s sandbox, derived from its UID, as containerd shows it.
pub fn sandbox_id(pod: &SimPod) -> String {
    hex(&Sha256::digest(format!("sandbox/{}", pod.uid)))
}

/// The kubelet's (containerd's) error text when nothing listens on `port` of `pod`.
pub fn refused_text(pod: &SimPod, port: u16) -> String {
    let sandbox = sandbox_id(pod);
    let netns = hex(&Sha256::digest(format!("netns/{}", pod.uid))[..16]);
    let netns = format!(
        "{}-{}-{}-{}-{}",
        &netns[..8],
        &netns[8..12],
        &netns[12..16],
        &netns[16..20],
        &netns[20..]
    );
    kubelet_error(
        pod,
        port,
        &format!(
            "failed to execute portforward in network namespace \"/var/run/netns/cni-{netns}\": failed to connect to localhost:{port} inside namespace \"{sandbox}\", IPv4: dial tcp4 127.0.0.1:{port}: connect: connection refused IPv6 dial tcp6 [::1]:{port}: connect: connection refused "
        ),
    )
}

/// `error forwarding port P to pod SANDBOX, uid : CAUSE`: the kubelet's wrapping of a CRI
/// port-forward failure (CRI runtimes leave the UID empty).
fn kubelet_error(pod: &SimPod, port: u16, cause: &str) -> String {
    format!(
        "error forwarding port {port} to pod {}, uid : {cause}",
        sandbox_id(pod)
    )
}

/// Handles a `pods/portforward` request for pod `ns/name`.
pub async fn handle(
    state: Arc<ApiState>,
    mut req: Request<Incoming>,
    ns: String,
    name: String,
) -> Response<Body> {
    let Some((index, _)) = state.pod(&ns, &name) else {
        return not_found("pods", &name);
    };
    let faults = &state.pod_faults[index];
    if faults.forbid {
        return forbidden("get", "pods/portforward", &name, &ns);
    }
    if faults.forbid_create {
        return forbidden_because("pods/portforward", &name, "");
    }
    if faults.not_found {
        return not_found("pods", &name);
    }
    let object = state.pod_object(&ns, &name).map(|o| &o.json);
    let node = object.and_then(|o| o["spec"]["nodeName"].as_str());
    if node.is_none_or(str::is_empty) {
        return bad_request(&format!("pod {name} does not have a host assigned"));
    }
    if faults.kubelet_down {
        let host = object
            .and_then(|o| o["status"]["hostIP"].as_str())
            .unwrap_or_default();
        return status(
            StatusCode::INTERNAL_SERVER_ERROR,
            "",
            &format!("error dialing backend: dial tcp {host}:10250: connect: connection refused"),
            None,
        );
    }
    let mut ports = Vec::new();
    for (key, value) in query_params(req.uri()) {
        if key != "ports" {
            continue;
        }
        for p in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match p.parse::<u16>() {
                Ok(port) if port > 0 => ports.push(port),
                _ => return bad_request(&format!("invalid port {p:?}")),
            }
        }
    }
    if ports.is_empty() {
        return bad_request("at least 1 port must be specified");
    }
    if ports.len() > 127 {
        return bad_request("at most 127 ports can be forwarded over one connection");
    }
    let headers = req.headers();
    let upgrade = headers
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    let Some(key) = headers.get(header::SEC_WEBSOCKET_KEY).filter(|_| upgrade) else {
        return bad_request(
            "the simulated API server serves pods/portforward over WebSocket (v4.channel.k8s.io) only, not SPDY",
        );
    };
    let offered: Vec<String> = headers
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect();
    let chosen = offered.iter().find(|p| *p == PROTOCOL).cloned();
    if !offered.is_empty() && chosen.is_none() {
        return bad_request(&format!(
            "requested protocol(s) are not supported: {offered:?}; supports [\"{PROTOCOL}\"]"
        ));
    }
    let accept = derive_accept_key(key.as_bytes());
    let on_upgrade = hyper::upgrade::on(&mut req);
    let task_state = state.clone();
    tokio::spawn(async move {
        if let Ok(upgraded) = on_upgrade.await {
            let ws =
                WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, None).await;
            tunnel(task_state, index, ports, ws).await;
        }
    });
    let mut res = Response::builder()
        .status(StatusCode::SWITCHING_PROTOCOLS)
        .header(header::UPGRADE, "websocket")
        .header(header::CONNECTION, "Upgrade")
        .header(header::SEC_WEBSOCKET_ACCEPT, accept);
    if let Some(p) = chosen {
        res = res.header(header::SEC_WEBSOCKET_PROTOCOL, p);
    }
    res.body(full(Bytes::new()))
        .unwrap_or_else(|_| Response::new(full("")))
}

/// The WebSocket's sending half, shared by every port's reader: each frame is written by the task
/// that has it, as the kubelet's copy loops write to the connection under a lock, rather than
/// handed to a writer task first (a hop through the scheduler for every frame).
type Frames<S> = Arc<tokio::sync::Mutex<SplitSink<WebSocketStream<S>, Message>>>;

/// Sends `message` on `frames`; false once the WebSocket is gone or closed.
async fn send<S>(frames: &Frames<S>, message: Message) -> bool
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    frames.lock().await.send(message).await.is_ok()
}

async fn tunnel<S>(state: Arc<ApiState>, index: usize, ports: Vec<u16>, ws: WebSocketStream<S>)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let mut open = OpenForward::count(&state.open_port_forwards);
    let (sink, mut stream) = ws.split();
    let frames: Frames<S> = Arc::new(tokio::sync::Mutex::new(sink));
    // Ports whose forwarding has not failed; the kubelet closes the stream once none is left.
    let live = Arc::new(AtomicUsize::new(ports.len()));
    if !state.latency.is_zero() {
        tokio::time::sleep(state.latency).await;
    }
    let pod = &state.cluster.pods[index];
    let faults = &state.pod_faults[index];
    let mut to_pod: Vec<Option<WriteHalf<tokio::io::DuplexStream>>> =
        Vec::with_capacity(ports.len());
    let mut readers = Vec::new();
    for (i, &port) in ports.iter().enumerate() {
        let data_ch = (2 * i) as u8;
        let err_ch = data_ch + 1;
        let prefix = port.to_le_bytes();
        send(&frames, frame(data_ch, &prefix)).await;
        send(&frames, frame(err_ch, &prefix)).await;
        let Some(backend) = state.backend(index, port) else {
            send(&frames, frame(err_ch, refused_text(pod, port).as_bytes())).await;
            fail_port(&live, &frames).await;
            to_pod.push(None);
            continue;
        };
        let (near, far) = tokio::io::duplex(256 * 1024);
        tokio::spawn(backend.serve(far));
        let (mut read, write) = tokio::io::split(near);
        to_pod.push(Some(write));
        let frames = frames.clone();
        let live = live.clone();
        let reset_error = faults
            .reset
            .then(|| kubelet_error(pod, port, "read: connection reset by peer"));
        readers.push(tokio::spawn(async move {
            loop {
                // Read straight behind the channel byte: the frame is sent without another copy.
                let mut buf = BytesMut::with_capacity(READ_CHUNK + 1);
                buf.put_u8(data_ch);
                match read.read_buf(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {
                        if !send(&frames, Message::Binary(buf.freeze())).await {
                            return;
                        }
                    }
                }
            }
            if let Some(text) = reset_error {
                send(&frames, frame(err_ch, text.as_bytes())).await;
                fail_port(&live, &frames).await;
            }
        }));
    }
    while let Some(msg) = stream.next().await {
        match msg {
            Ok(Message::Binary(data)) if data.len() > 1 => {
                let ch = data[0] as usize;
                if ch.is_multiple_of(2)
                    && let Some(Some(w)) = to_pod.get_mut(ch / 2)
                    && w.write_all(&data[1..]).await.is_err()
                {
                    to_pod[ch / 2] = None;
                }
            }
            // The close goes through to the kubelet and back (as the set-up did); the reply goes
            // out on the next read.
            Ok(Message::Close(_)) => {
                if !state.latency.is_zero() {
                    tokio::time::sleep(state.latency).await;
                }
                open.end();
            }
            Ok(_) => {}
            Err(_) => break,
        }
    }
    for r in readers {
        r.abort();
    }
}

/// One port-forward in [`ApiState::open_port_forwards`], until [`OpenForward::end`] or drop.
struct OpenForward<'a>(Option<&'a AtomicUsize>);

impl<'a> OpenForward<'a> {
    fn count(open: &'a AtomicUsize) -> Self {
        open.fetch_add(1, Ordering::SeqCst);
        OpenForward(Some(open))
    }

    fn end(&mut self) {
        if let Some(open) = self.0.take() {
            open.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

impl Drop for OpenForward<'_> {
    fn drop(&mut self) {
        self.end();
    }
}

/// Counts one port's forwarding as failed; after the last one the WebSocket is closed, as the
/// kubelet ends the stream once every port's forwarding has returned.
async fn fail_port<S>(live: &AtomicUsize, frames: &Frames<S>)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    if live.fetch_sub(1, Ordering::Relaxed) == 1 {
        send(frames, Message::Close(None)).await;
    }
}
