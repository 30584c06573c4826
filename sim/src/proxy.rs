//! One simulated proxy's admin endpoint (`/metrics`, `/ready`, `/live`) with its faults, served
//! over any byte stream (a port-forward tunnel, a `pods/proxy` request, or a loopback socket).
//!
//! Nothing is cached per pod: a scrape fixes its clock (the tick it arrives in) and the body is
//! rendered from the proxy's model while it is sent, chunk by chunk ([`BodyChunks`]), and
//! gzipped chunk by chunk when asked. Memory per scrape is a few chunks, whatever the body's
//! size; scrapes within one tick render the same bytes.

use std::convert::Infallible;
use std::io::Write as _;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use flate2::write::GzEncoder;
use futures::StreamExt;
use http::{Request, Response, StatusCode, header};
use http_body_util::{BodyExt, Full, StreamBody, combinators::BoxBody};
use hyper::body::Frame;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};

use super::exposition::{BodyChunks, CHUNK, Clock, GARBAGE_BODY, Health, ProxyModel, without_tls};
use super::fault::PodFaults;
use super::topology::SimPod;

/// The body type of every simulated HTTP response.
pub type Body = BoxBody<Bytes, std::io::Error>;

/// A complete body from bytes.
pub fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into())
        .map_err(|never: Infallible| match never {})
        .boxed()
}

/// Simulation-wide clock and shared body parts.
#[derive(Debug)]
pub struct Shared {
    /// When the simulation started (monotonic).
    pub start: Instant,
    /// When the simulation started (seconds since the UNIX epoch).
    pub start_wall: f64,
    /// Clock step: counters advance in steps of this.
    pub tick: Duration,
}

/// One pod's simulated proxy.
#[derive(Debug)]
pub struct Proxy {
    /// The pod this proxy runs in.
    pub pod: SimPod,
    /// The faults injected into it.
    pub faults: PodFaults,
    model: Arc<ProxyModel>,
    padding: Bytes,
    initial_uptime: f64,
    shared: Arc<Shared>,
    /// When the proxy last restarted (seconds since the simulation started), under `restart`.
    restarted_at: Mutex<Option<f64>>,
}

impl Proxy {
    /// A proxy for `pod` reporting `model` (changed by the `check` faults in `faults`) followed by
    /// `padding`, up for `initial_uptime` when the simulation started.
    pub fn new(
        pod: SimPod,
        model: Arc<ProxyModel>,
        padding: Bytes,
        faults: PodFaults,
        initial_uptime: Duration,
        shared: Arc<Shared>,
    ) -> Proxy {
        let model = with_health(model, &faults);
        // The `noendpoints` family already declared the padding's family.
        let padding = if faults.no_endpoints {
            without_header(padding)
        } else {
            padding
        };
        Proxy {
            pod,
            faults,
            model,
            padding,
            initial_uptime: initial_uptime.as_secs_f64(),
            shared,
            restarted_at: Mutex::new(None),
        }
    }

    /// The clock of a body rendered now: uptime quantized to the tick.
    fn clock(&self, restarted_at: Option<f64>) -> Clock {
        let tick = self.shared.tick.as_secs_f64().max(1e-3);
        let elapsed = self.shared.start.elapsed().as_secs_f64();
        let quantized = (elapsed / tick).floor() * tick;
        match restarted_at {
            Some(r) => Clock {
                uptime: (quantized - r).max(0.0),
                start_time: self.shared.start_wall + r,
            },
            None => Clock {
                uptime: self.initial_uptime + quantized,
                start_time: self.shared.start_wall - self.initial_uptime,
            },
        }
    }

    /// The current body, rendered as it is read; reading it is not a scrape (a `restart`
    /// proxy does not restart).
    pub fn current_body(&self) -> BodyChunks {
        let restarted_at = *self.restarted_at.lock().unwrap_or_else(|e| e.into_inner());
        BodyChunks::new(
            self.model.clone(),
            self.clock(restarted_at),
            self.padding.clone(),
        )
    }

    /// A scrape: the clock its body shows; a `restart` proxy restarts right after.
    fn scrape(&self) -> Clock {
        let mut restarted_at = self.restarted_at.lock().unwrap_or_else(|e| e.into_inner());
        let clock = self.clock(*restarted_at);
        if self.faults.restart {
            *restarted_at = Some(self.shared.start.elapsed().as_secs_f64());
        }
        clock
    }

    /// Answers one admin request for `path` (`/metrics`, `/ready`, `/live`).
    pub async fn respond(&self, path: &str, accept_gzip: bool) -> Response<Body> {
        match path {
            "/ready" => text(StatusCode::OK, "ready\n"),
            "/live" => text(StatusCode::OK, "live\n"),
            "/metrics" => self.metrics(accept_gzip).await,
            _ => text(StatusCode::NOT_FOUND, "not found\n"),
        }
    }

    async fn metrics(&self, accept_gzip: bool) -> Response<Body> {
        if let Some(delay) = self.faults.slow {
            tokio::time::sleep(delay).await;
        }
        if let Some(code) = self.faults.status {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            return text(
                status,
                &format!(
                    "{} {}\n",
                    status.as_u16(),
                    status.canonical_reason().unwrap_or("error")
                ),
            );
        }
        if self.faults.garbage {
            return text(StatusCode::OK, GARBAGE_BODY);
        }
        let clock = self.scrape();
        let builder = Response::builder().status(StatusCode::OK).header(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        );
        let body = BodyChunks::new(self.model.clone(), clock, self.padding.clone());
        let body = if let Some(mib) = self.faults.huge_mib {
            huge_body(
                BodyChunks::head(self.model.clone(), clock),
                mib as usize * 1024 * 1024,
                BodyChunks::tail(self.model.clone(), clock),
            )
        } else if accept_gzip {
            let body = if self.faults.reset {
                truncated(Gzipped::new(body).collect_bytes())
            } else {
                stream(Gzipped::new(body))
            };
            return builder
                .header(header::CONTENT_ENCODING, "gzip")
                .body(body)
                .unwrap_or_else(|_| internal());
        } else if self.faults.reset {
            truncated(body.collect_bytes())
        } else {
            stream(body)
        };
        builder.body(body).unwrap_or_else(|_| internal())
    }

    /// Serves HTTP/1.1 admin requests on `io` until the peer closes it.
    pub async fn serve<I>(self: Arc<Self>, io: I)
    where
        I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let svc = service_fn(move |req: Request<hyper::body::Incoming>| {
            let proxy = self.clone();
            async move {
                let gzip = accepts_gzip(req.headers());
                Ok::<_, Infallible>(proxy.respond(req.uri().path(), gzip).await)
            }
        });
        let _ = hyper::server::conn::http1::Builder::new()
            .serve_connection(TokioIo::new(io), svc)
            .await;
    }
}

/// `model` with what the `check` faults change (certificate expiry, version, plain-text outbound
/// traffic, denials, a call outside the mesh); unchanged (not copied) when none applies.
fn with_health(mut model: Arc<ProxyModel>, faults: &PodFaults) -> Arc<ProxyModel> {
    let health = Health {
        cert_expires_in: faults.cert_expiry,
        version: faults.version.clone(),
        deny: faults.deny,
        no_endpoints: faults.no_endpoints,
    };
    if health == Health::default() && !faults.notls && !faults.unmeshed {
        return model;
    }
    let changed = Arc::make_mut(&mut model);
    changed.health = health;
    if faults.notls {
        changed.outbound = changed.outbound.iter().map(without_tls).collect();
    }
    if faults.unmeshed {
        changed.outbound = changed
            .outbound
            .iter()
            .cloned()
            .chain([super::mesh::unmeshed_series()])
            .collect();
    }
    model
}

/// `padding` without its leading `# HELP` / `# TYPE` lines.
fn without_header(padding: Bytes) -> Bytes {
    let mut start = 0;
    while padding[start..].starts_with(b"# ") {
        match padding[start..].iter().position(|&b| b == b'\n') {
            Some(end) => start += end + 1,
            None => break,
        }
    }
    padding.slice(start..)
}

/// Whether an `Accept-Encoding` header allows gzip.
pub fn accepts_gzip(headers: &http::HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|enc| {
            enc.trim()
                .split(';')
                .next()
                .is_some_and(|e| e.eq_ignore_ascii_case("gzip"))
        })
}

fn text(status: StatusCode, body: &str) -> Response<Body> {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "text/plain")
        .body(full(body.to_string()))
        .unwrap_or_else(|_| internal())
}

fn internal() -> Response<Body> {
    let mut res = Response::new(full("internal error\n"));
    *res.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
    res
}

/// A body sent as `chunks` yields them (rendering as the connection takes them).
fn stream(chunks: impl Iterator<Item = Bytes> + Send + Sync + 'static) -> Body {
    let frames = futures::stream::iter(chunks.map(|b| Ok(Frame::data(b))));
    BodyExt::boxed(StreamBody::new(frames))
}

/// `chunks` gzip-compressed as they come, in chunks of about [`CHUNK`] / 4 compressed bytes.
struct Gzipped<I> {
    chunks: I,
    encoder: Option<GzEncoder<Vec<u8>>>,
}

impl<I: Iterator<Item = Bytes>> Gzipped<I> {
    fn new(chunks: I) -> Gzipped<I> {
        Gzipped {
            chunks,
            encoder: Some(GzEncoder::new(
                Vec::with_capacity(CHUNK / 2),
                flate2::Compression::fast(),
            )),
        }
    }

    fn collect_bytes(self) -> Bytes {
        Bytes::from(self.flat_map(Vec::from).collect::<Vec<u8>>())
    }
}

impl<I: Iterator<Item = Bytes>> Iterator for Gzipped<I> {
    type Item = Bytes;

    fn next(&mut self) -> Option<Bytes> {
        let encoder = self.encoder.as_mut()?;
        for chunk in self.chunks.by_ref() {
            // Writing into a Vec cannot fail.
            let _ = encoder.write_all(&chunk);
            if encoder.get_ref().len() >= CHUNK / 4 {
                let out = std::mem::replace(encoder.get_mut(), Vec::with_capacity(CHUNK / 2));
                return Some(Bytes::from(out));
            }
        }
        let rest = self.encoder.take()?.finish().ok()?;
        Some(Bytes::from(rest))
    }
}

/// The first half of `body`, then an error: the connection is dropped mid-body.
fn truncated(body: Bytes) -> Body {
    let half = body.slice(..body.len() / 2);
    // The pause lets the server flush the first half before the connection is dropped.
    let cut = futures::stream::once(async {
        tokio::time::sleep(Duration::from_millis(20)).await;
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "simulated connection reset",
        ))
    });
    let stream = futures::stream::iter([Ok(Frame::data(half))]).chain(cut);
    BodyExt::boxed(StreamBody::new(stream))
}

/// The body (`head`, then `tail`) with its padding replaced by `size` bytes of distinct, valid
/// gauge series.
fn huge_body(head: BodyChunks, size: usize, tail: BodyChunks) -> Body {
    let header = Bytes::from_static(
        b"# HELP outbound_http_balancer_endpoints The number of endpoints in the balancer.\n# TYPE outbound_http_balancer_endpoints gauge\n",
    );
    let lines = futures::stream::unfold((0usize, 0usize), move |(index, written)| async move {
        if written >= size {
            return None;
        }
        let mut chunk = String::with_capacity(64 * 1024);
        let mut i = index;
        while chunk.len() < 60 * 1024 && written + chunk.len() < size {
            chunk.push_str(&format!(
                "outbound_http_balancer_endpoints{{parent_group=\"core\",parent_kind=\"Service\",parent_namespace=\"catalog\",parent_name=\"big-{i:08}\",parent_port=\"80\",endpoint_state=\"ready\"}} 1\n"
            ));
            i += 1;
        }
        let len = chunk.len();
        Some((Ok(Frame::data(Bytes::from(chunk))), (i, written + len)))
    });
    let stream = futures::stream::iter(head.chain([header]).map(|b| Ok(Frame::data(b))))
        .chain(lines)
        .chain(futures::stream::iter(tail.map(|b| Ok(Frame::data(b)))));
    BodyExt::boxed(StreamBody::new(stream))
}
