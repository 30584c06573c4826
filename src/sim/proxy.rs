//! One simulated proxy's admin endpoint (`/metrics`, `/ready`, `/live`) with its faults, served
//! over any byte stream (a port-forward tunnel, a `pods/proxy` request, or a loopback socket).
//!
//! Bodies are rendered at most once per tick (and gzipped at most once per tick when asked);
//! requests within a tick share the same bytes.

use std::convert::Infallible;
use std::io::Write as _;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures::StreamExt;
use http::{Request, Response, StatusCode, header};
use http_body_util::{BodyExt, Full, StreamBody, combinators::BoxBody};
use hyper::body::Frame;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};

use super::exposition::{Clock, GARBAGE_BODY, ProxyModel, render_head, render_tail};
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
    /// Render interval: counters advance in steps of this.
    pub tick: Duration,
}

#[derive(Debug)]
struct Rendered {
    key: (u64, u64),
    parts: [Bytes; 3],
    gzip: Option<Bytes>,
}

#[derive(Debug, Default)]
struct RunState {
    restarted_at: Option<f64>,
    generation: u64,
    cache: Option<Rendered>,
}

/// One pod's simulated proxy.
#[derive(Debug)]
pub struct Proxy {
    /// The pod this proxy runs in.
    pub pod: SimPod,
    /// The faults injected into it.
    pub faults: PodFaults,
    model: ProxyModel,
    padding: Bytes,
    initial_uptime: f64,
    shared: Arc<Shared>,
    run: Mutex<RunState>,
}

impl Proxy {
    /// A proxy for `pod` reporting `model` followed by `padding`, up for `initial_uptime` when
    /// the simulation started.
    pub fn new(
        pod: SimPod,
        model: ProxyModel,
        padding: Bytes,
        faults: PodFaults,
        initial_uptime: Duration,
        shared: Arc<Shared>,
    ) -> Proxy {
        Proxy {
            pod,
            faults,
            model,
            padding,
            initial_uptime: initial_uptime.as_secs_f64(),
            shared,
            run: Mutex::new(RunState::default()),
        }
    }

    fn clock(&self, run: &RunState) -> (u64, Clock) {
        let tick = self.shared.tick.as_secs_f64().max(1e-3);
        let elapsed = self.shared.start.elapsed().as_secs_f64();
        let tick_index = (elapsed / tick).floor() as u64;
        let quantized = tick_index as f64 * tick;
        let clock = match run.restarted_at {
            Some(r) => Clock {
                uptime: (quantized - r).max(0.0),
                start_time: self.shared.start_wall + r,
            },
            None => Clock {
                uptime: self.initial_uptime + quantized,
                start_time: self.shared.start_wall - self.initial_uptime,
            },
        };
        (tick_index, clock)
    }

    /// Renders the cached parts if the tick or generation changed; returns the cache.
    fn refresh<'a>(&self, run: &'a mut RunState) -> &'a mut Rendered {
        let (tick, clock) = self.clock(run);
        let key = (tick, run.generation);
        let fresh = match run.cache.take() {
            Some(cached) if cached.key == key => cached,
            stale => {
                // Sized from the previous render (bodies barely change between ticks), so a
                // multi-megabyte head is written once instead of copied through every doubling.
                let (head_len, tail_len) = stale.map_or((64 * 1024, 4 * 1024), |s| {
                    (s.parts[0].len() + 1024, s.parts[2].len() + 1024)
                });
                let mut head = String::with_capacity(head_len);
                render_head(&self.model, clock, &mut head);
                let mut tail = String::with_capacity(tail_len);
                render_tail(clock, &mut tail);
                Rendered {
                    key,
                    parts: [Bytes::from(head), self.padding.clone(), Bytes::from(tail)],
                    gzip: None,
                }
            }
        };
        run.cache.insert(fresh)
    }

    /// The current body as (head, padding, tail), rendered at most once per tick; reading it
    /// is not a scrape (a `restart` proxy does not restart).
    pub fn current_parts(&self) -> [Bytes; 3] {
        let mut run = self.run.lock().unwrap_or_else(|e| e.into_inner());
        self.refresh(&mut run).parts.clone()
    }

    /// A scrape: the current body parts and, when `gzip`, their gzip encoding (compressed at
    /// most once per tick); a `restart` proxy restarts right after.
    fn scrape(&self, gzip: bool) -> ([Bytes; 3], Option<Bytes>) {
        let mut run = self.run.lock().unwrap_or_else(|e| e.into_inner());
        let cache = self.refresh(&mut run);
        if gzip && cache.gzip.is_none() {
            let plain: usize = cache.parts.iter().map(Bytes::len).sum();
            let mut enc = flate2::write::GzEncoder::new(
                Vec::with_capacity(plain / 4),
                flate2::Compression::fast(),
            );
            for part in &cache.parts {
                let _ = enc.write_all(part);
            }
            cache.gzip = enc.finish().ok().map(Bytes::from);
        }
        let out = (
            cache.parts.clone(),
            if gzip { cache.gzip.clone() } else { None },
        );
        if self.faults.restart {
            run.restarted_at = Some(self.shared.start.elapsed().as_secs_f64());
            run.generation += 1;
        }
        out
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
        let huge = self.faults.huge_mib;
        let (parts, gzipped) = self.scrape(accept_gzip && huge.is_none());
        let builder = Response::builder().status(StatusCode::OK).header(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        );
        let body = if let Some(mib) = huge {
            huge_body(parts, mib as usize * 1024 * 1024)
        } else if let Some(gz) = gzipped {
            let body = if self.faults.reset {
                truncated(vec![gz])
            } else {
                full(gz)
            };
            return builder
                .header(header::CONTENT_ENCODING, "gzip")
                .body(body)
                .unwrap_or_else(|_| internal());
        } else if self.faults.reset {
            truncated(parts.to_vec())
        } else {
            chunks(parts.to_vec())
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

fn chunks(parts: Vec<Bytes>) -> Body {
    let stream = futures::stream::iter(
        parts
            .into_iter()
            .filter(|b| !b.is_empty())
            .map(|b| Ok(Frame::data(b))),
    );
    BodyExt::boxed(StreamBody::new(stream))
}

/// The first half of `parts`, then an error: the connection is dropped mid-body.
fn truncated(parts: Vec<Bytes>) -> Body {
    let total: usize = parts.iter().map(Bytes::len).sum();
    let mut half = Vec::new();
    let mut left = total / 2;
    for part in parts {
        if left == 0 {
            break;
        }
        let take = left.min(part.len());
        half.push(part.slice(..take));
        left -= take;
    }
    // The pause lets the server flush the first half before the connection is dropped.
    let cut = futures::stream::once(async {
        tokio::time::sleep(Duration::from_millis(20)).await;
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "simulated connection reset",
        ))
    });
    let stream = futures::stream::iter(half.into_iter().map(|b| Ok(Frame::data(b)))).chain(cut);
    BodyExt::boxed(StreamBody::new(stream))
}

/// The body with its padding replaced by `size` bytes of distinct, valid gauge series.
fn huge_body(parts: [Bytes; 3], size: usize) -> Body {
    let [head, _, tail] = parts;
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
    let stream = futures::stream::iter([Ok(Frame::data(head)), Ok(Frame::data(header))])
        .chain(lines)
        .chain(futures::stream::iter([Ok(Frame::data(tail))]));
    BodyExt::boxed(StreamBody::new(stream))
}
