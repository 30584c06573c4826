//! A loopback HTTP(S) server answering from a script, recording what it received (a remote-write
//! body decoded on request): the stand-in for a remote-write receiver that fails on purpose.
// Each test crate that includes this module uses only part of it.
#![allow(dead_code)]

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http::{HeaderMap, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use linkerd_export::export::remote_write::proto::WriteRequest;
use prost::Message;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot};

/// One scripted answer.
pub struct Reply {
    /// The status to answer.
    pub status: u16,
    /// Extra response headers.
    pub headers: Vec<(&'static str, String)>,
    /// The response body.
    pub body: String,
    /// If set, the answer waits until this fires (or its sender is dropped).
    pub hold: Option<oneshot::Receiver<()>>,
}

impl Reply {
    /// `status` with `body`, answered at once.
    pub fn new(status: u16, body: &str) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: body.to_string(),
            hold: None,
        }
    }

    /// Adds a response header.
    pub fn header(mut self, name: &'static str, value: &str) -> Reply {
        self.headers.push((name, value.to_string()));
        self
    }

    /// Holds the answer until `release` fires; returns the reply and the sender that releases it.
    pub fn held(mut self) -> (Reply, oneshot::Sender<()>) {
        let (tx, rx) = oneshot::channel();
        self.hold = Some(rx);
        (self, tx)
    }
}

/// A request as received.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// The request path and query.
    pub path: String,
    /// Its headers.
    pub headers: HeaderMap,
    /// Its body.
    pub body: Bytes,
}

impl Recorded {
    /// The body decoded as a remote-write request: snappy, then protobuf.
    pub fn write_request(&self) -> WriteRequest {
        let raw = snap::raw::Decoder::new()
            .decompress_vec(&self.body)
            .expect("snappy");
        WriteRequest::decode(raw.as_slice()).expect("a WriteRequest")
    }
}

/// The running server.
pub struct ScriptedServer {
    /// Where it listens.
    pub addr: SocketAddr,
    /// Every request received so far.
    pub received: Arc<Mutex<Vec<Recorded>>>,
    /// The 0-based index of each request as it arrives, before it is answered.
    pub arrivals: mpsc::UnboundedReceiver<usize>,
}

/// Starts a server answering each request with the next scripted reply, then `200 ok` once the
/// script is used up; over TLS if `tls` is given.
pub async fn start(replies: Vec<Reply>, tls: Option<Arc<rustls::ServerConfig>>) -> ScriptedServer {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let received = Arc::new(Mutex::new(Vec::new()));
    let script = Arc::new(Mutex::new(
        replies
            .into_iter()
            .collect::<std::collections::VecDeque<_>>(),
    ));
    let (arrived_tx, arrivals) = mpsc::unbounded_channel();
    let recorder = received.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let received = recorder.clone();
            let script = script.clone();
            let arrived = arrived_tx.clone();
            let tls = tls.clone();
            tokio::spawn(async move {
                let service = service_fn(move |request: Request<Incoming>| {
                    let received = received.clone();
                    let script = script.clone();
                    let arrived = arrived.clone();
                    async move {
                        let path = request
                            .uri()
                            .path_and_query()
                            .map(|p| p.to_string())
                            .unwrap_or_default();
                        let headers = request.headers().clone();
                        let body = request
                            .into_body()
                            .collect()
                            .await
                            .map(|b| b.to_bytes())
                            .unwrap_or_default();
                        let index = {
                            let mut received = received.lock().unwrap();
                            received.push(Recorded {
                                path,
                                headers,
                                body,
                            });
                            received.len() - 1
                        };
                        let _ = arrived.send(index);
                        let reply = script
                            .lock()
                            .unwrap()
                            .pop_front()
                            .unwrap_or_else(|| Reply::new(200, ""));
                        if let Some(hold) = reply.hold {
                            let _ = hold.await;
                        }
                        let mut response = Response::new(Full::new(Bytes::from(reply.body)));
                        *response.status_mut() = StatusCode::from_u16(reply.status).unwrap();
                        for (name, value) in reply.headers {
                            response.headers_mut().insert(name, value.parse().unwrap());
                        }
                        Ok::<_, Infallible>(response)
                    }
                });
                let builder = hyper::server::conn::http1::Builder::new();
                match tls {
                    Some(config) => {
                        let Ok(stream) =
                            tokio_rustls::TlsAcceptor::from(config).accept(stream).await
                        else {
                            return;
                        };
                        let _ = builder
                            .serve_connection(TokioIo::new(stream), service)
                            .await;
                    }
                    None => {
                        let _ = builder
                            .serve_connection(TokioIo::new(stream), service)
                            .await;
                    }
                }
            });
        }
    });
    ScriptedServer {
        addr,
        received,
        arrivals,
    }
}

/// A fresh CA and a server certificate for `127.0.0.1` and `localhost` signed by it: the server's
/// TLS config and the CA as PEM.
pub fn tls_with_new_ca() -> (Arc<rustls::ServerConfig>, String) {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca = rcgen::CertifiedIssuer::self_signed(ca_params, ca_key).unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let params =
        rcgen::CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
            .unwrap();
    let cert = params.signed_by(&key, &ca).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.der().clone()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
        )
        .unwrap();
    (Arc::new(config), ca.pem())
}
