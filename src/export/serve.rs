//! `export --serve ADDR`: an HTTP endpoint a Prometheus can scrape. `/metrics` serves every
//! targeted proxy, scraped afresh for each request; `/federate?match[]=SEL` the same filtered by
//! selectors. What is served comes from a [`MetricsSource`], so the server knows nothing of
//! scraping or parsing.

use std::convert::Infallible;
use std::future::Future;
use std::io::Write;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use flate2::Compression;
use flate2::write::GzEncoder;
use http::header::{ACCEPT, ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_TYPE, VARY};
use http::{HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;

use super::ExportError;

/// How long open connections get to finish after shutdown is asked.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Which endpoint was asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// `/metrics`: everything.
    Metrics,
    /// `/federate`: only the series matching one of the selectors.
    Federate,
}

/// What a request asks the source for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceRequest {
    /// The endpoint.
    pub endpoint: Endpoint,
    /// The `match[]` selectors, as given (`{job="linkerd-proxy"}`, `request_total{direction="inbound"}`);
    /// at least one for [`Endpoint::Federate`], none for [`Endpoint::Metrics`].
    pub selectors: Vec<String>,
    /// Whether the client accepts OpenMetrics text (Prometheus scrapers do).
    pub openmetrics: bool,
    /// The scraper's own deadline (Prometheus' `X-Prometheus-Scrape-Timeout-Seconds`): answer
    /// within it, with what could be scraped, rather than be cut off.
    pub scrape_timeout: Option<Duration>,
}

/// The text format of a body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpositionFormat {
    /// Prometheus text format 0.0.4.
    Prometheus,
    /// OpenMetrics 1.0 text, ending in `# EOF`.
    OpenMetrics,
}

impl ExpositionFormat {
    /// The `Content-Type` for this format.
    pub fn content_type(self) -> &'static str {
        match self {
            ExpositionFormat::Prometheus => "text/plain; version=0.0.4; charset=utf-8",
            ExpositionFormat::OpenMetrics => {
                "application/openmetrics-text; version=1.0.0; charset=utf-8"
            }
        }
    }
}

/// A rendered exposition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exposition {
    /// The text.
    pub body: Bytes,
    /// Its format.
    pub format: ExpositionFormat,
}

/// Why the source could not answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SourceError {
    /// The request is wrong (a selector does not parse): answered 400.
    #[error("{0}")]
    BadRequest(String),
    /// Nothing could be scraped: answered 503, so the scraper records `up == 0`.
    #[error("{0}")]
    Unavailable(String),
}

/// The future a [`MetricsSource`] returns.
pub type SourceFuture = Pin<Box<dyn Future<Output = Result<Exposition, SourceError>> + Send>>;

/// Produces the body for each request: scrape the targets, add target labels, filter by the
/// selectors, render. Any `Fn(SourceRequest) -> impl Future<...>` closure is one.
pub trait MetricsSource: Send + Sync + 'static {
    /// Scrapes and renders for `request`.
    fn collect(&self, request: SourceRequest) -> SourceFuture;
}

impl<F, Fut> MetricsSource for F
where
    F: Fn(SourceRequest) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Exposition, SourceError>> + Send + 'static,
{
    fn collect(&self, request: SourceRequest) -> SourceFuture {
        Box::pin(self(request))
    }
}

/// Binds the listen address: `PORT` alone is `127.0.0.1:PORT`, `:PORT` is every interface,
/// `HOST:PORT` as given.
pub async fn bind(addr: &str) -> Result<TcpListener, ExportError> {
    TcpListener::bind(&listen_address(addr))
        .await
        .map_err(|source| ExportError::Listen {
            addr: addr.to_string(),
            source,
        })
}

/// The `HOST:PORT` that [`bind`] binds for `addr`.
fn listen_address(addr: &str) -> String {
    if let Some(port) = addr.strip_prefix(':') {
        format!("0.0.0.0:{port}")
    } else if !addr.is_empty() && addr.bytes().all(|b| b.is_ascii_digit()) {
        format!("127.0.0.1:{addr}")
    } else {
        addr.to_string()
    }
}

/// Whether [`bind`] of `addr` listens on every interface (`:PORT`, `0.0.0.0:PORT`, `[::]:PORT`),
/// where anyone who reaches the host can read the endpoint.
pub fn binds_every_interface(addr: &str) -> bool {
    listen_address(addr)
        .parse::<SocketAddr>()
        .is_ok_and(|socket| socket.ip().is_unspecified())
}

/// Serves `source` on `listener` until `shutdown` resolves, then lets open requests finish
/// (for up to 10s).
pub async fn serve(
    listener: TcpListener,
    source: Arc<dyn MetricsSource>,
    shutdown: impl Future<Output = ()>,
) {
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    tracing::warn!("accepting a connection failed: {err}");
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let source = source.clone();
        let service = service_fn(move |request| {
            let source = source.clone();
            async move { Ok::<_, Infallible>(handle(request, source.as_ref(), peer).await) }
        });
        let connection = hyper::server::conn::http1::Builder::new()
            .serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(err) = connection.await {
                tracing::debug!(%peer, "connection ended: {err}");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("connections still open after {SHUTDOWN_GRACE:?}; closing them");
    }
}

async fn handle(
    request: Request<Incoming>,
    source: &dyn MetricsSource,
    peer: SocketAddr,
) -> Response<Full<Bytes>> {
    tracing::debug!(%peer, uri = %request.uri(), "request");
    if request.method() != Method::GET && request.method() != Method::HEAD {
        return text(
            StatusCode::METHOD_NOT_ALLOWED,
            "only GET and HEAD are served\n",
        );
    }
    let endpoint = match request.uri().path() {
        "/metrics" => Endpoint::Metrics,
        "/federate" => Endpoint::Federate,
        "/" => return text(StatusCode::OK, INDEX),
        _ => {
            return text(
                StatusCode::NOT_FOUND,
                "not found: try /metrics or /federate?match[]=...\n",
            );
        }
    };
    let selectors = match endpoint {
        Endpoint::Metrics => Vec::new(),
        Endpoint::Federate => {
            let selectors = match_params(request.uri().query().unwrap_or(""));
            if selectors.is_empty() {
                return text(
                    StatusCode::BAD_REQUEST,
                    "/federate needs at least one match[] selector, e.g. /federate?match[]={job=\"linkerd-proxy\"}\n",
                );
            }
            selectors
        }
    };
    let headers = request.headers();
    let openmetrics = header_contains(headers.get(ACCEPT), "application/openmetrics-text");
    let gzip = header_contains(headers.get(ACCEPT_ENCODING), "gzip");
    let scrape_timeout = headers
        .get("x-prometheus-scrape-timeout-seconds")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<f64>().ok())
        .and_then(|seconds| Duration::try_from_secs_f64(seconds).ok());
    let exposition = match source
        .collect(SourceRequest {
            endpoint,
            selectors,
            openmetrics,
            scrape_timeout,
        })
        .await
    {
        Ok(exposition) => exposition,
        Err(SourceError::BadRequest(reason)) => {
            return text(StatusCode::BAD_REQUEST, &format!("{reason}\n"));
        }
        Err(SourceError::Unavailable(reason)) => {
            return text(StatusCode::SERVICE_UNAVAILABLE, &format!("{reason}\n"));
        }
    };
    let mut response = Response::new(Full::new(exposition.body.clone()));
    if gzip && let Some(compressed) = gzip_bytes(&exposition.body) {
        *response.body_mut() = Full::new(compressed);
        response
            .headers_mut()
            .insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static(exposition.format.content_type()),
    );
    headers.insert(VARY, HeaderValue::from_static("Accept, Accept-Encoding"));
    response
}

const INDEX: &str = "kubectl linkerd-export\n\n\
/metrics                    every targeted proxy, scraped now, with target labels\n\
/federate?match[]=SELECTOR  the same, only series matching a selector (repeatable)\n";

/// The `match[]` values of a query string, percent-decoded, empty ones dropped.
pub fn match_params(query: &str) -> Vec<String> {
    form_urlencoded::parse(query.as_bytes())
        .filter(|(name, value)| name == "match[]" && !value.trim().is_empty())
        .map(|(_, value)| value.into_owned())
        .collect()
}

fn header_contains(value: Option<&HeaderValue>, needle: &str) -> bool {
    value
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.to_ascii_lowercase().contains(needle))
}

fn gzip_bytes(body: &[u8]) -> Option<Bytes> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
    encoder.write_all(body).ok()?;
    encoder.finish().ok().map(Bytes::from)
}

fn text(status: StatusCode, body: &str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::copy_from_slice(body.as_bytes())));
    *response.status_mut() = status;
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn match_params_are_decoded_and_repeatable() {
        let query =
            "match%5B%5D=%7Bjob%3D%22linkerd-proxy%22%7D&match[]=request_total&x=1&match[]=";
        assert_eq!(
            match_params(query),
            [r#"{job="linkerd-proxy"}"#, "request_total"]
        );
        assert!(match_params("").is_empty());
    }

    #[test]
    fn listen_addresses() {
        assert_eq!(listen_address("9191"), "127.0.0.1:9191");
        assert_eq!(listen_address(":9191"), "0.0.0.0:9191");
        assert_eq!(listen_address("10.0.0.1:80"), "10.0.0.1:80");
        assert_eq!(listen_address("localhost:80"), "localhost:80");
        for every in [":9191", "0.0.0.0:9191", "[::]:9191"] {
            assert!(binds_every_interface(every), "{every}");
        }
        for one in ["9191", "127.0.0.1:9191", "localhost:9191", "[::1]:9"] {
            assert!(!binds_every_interface(one), "{one}");
        }
    }

    #[test]
    fn content_types() {
        assert_eq!(
            ExpositionFormat::Prometheus.content_type(),
            "text/plain; version=0.0.4; charset=utf-8"
        );
        assert!(
            ExpositionFormat::OpenMetrics
                .content_type()
                .starts_with("application/openmetrics-text; version=1.0.0")
        );
    }
}
