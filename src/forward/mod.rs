//! Reaching a proxy admin port: pods/portforward over WebSocket or the API server pods/proxy subresource, plus HTTP on top.
//!
//! [`fetch`] GETs one path from one pod port and returns the (gunzipped) body, within a size limit
//! and a deadline; failures are [`ForwardError`]s worded for users.

mod apiserver;
mod body;
mod portforward;

pub use body::{for_each_line_chunk, gunzip_limited};

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use bytes::Bytes;
use tokio_util::task::TaskTracker;

/// How to reach pod ports (`--via`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Via {
    /// The `pods/portforward` subresource over WebSocket, like `kubectl port-forward`.
    #[default]
    PortForward,
    /// The API server's `pods/proxy` subresource: `/api/v1/namespaces/NS/pods/NAME:PORT/proxy/...`.
    ApiServer,
}

impl FromStr for Via {
    type Err = String;

    /// Parses `portforward` or `apiserver`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "portforward" => Ok(Via::PortForward),
            "apiserver" => Ok(Via::ApiServer),
            other => Err(format!(
                "unknown --via \"{other}\": use portforward or apiserver"
            )),
        }
    }
}

impl fmt::Display for Via {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Via::PortForward => "portforward",
            Via::ApiServer => "apiserver",
        })
    }
}

/// The default body limit: 64 MiB, far above any proxy's `/metrics` (a few MiB at most).
pub const DEFAULT_MAX_BODY: u64 = 64 * 1024 * 1024;

/// The default deadline for one fetch, connect included.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// How [`fetch`] reaches the port and what it tolerates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FetchOptions {
    /// Port-forward or API server proxy.
    pub via: Via,
    /// Deadline for connect + request + whole body.
    pub timeout: Duration,
    /// Largest body accepted, on the wire and after gunzip.
    pub max_body: u64,
    /// Hand a gzip body over still compressed (see [`Fetched::gzip`]), for a caller that
    /// decodes it as it reads it, so a body in flight costs its compressed size.
    pub keep_gzip: bool,
}

impl Default for FetchOptions {
    fn default() -> Self {
        FetchOptions {
            via: Via::default(),
            timeout: DEFAULT_TIMEOUT,
            max_body: DEFAULT_MAX_BODY,
            keep_gzip: false,
        }
    }
}

/// A successful fetch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    /// The response body: gunzipped if it came compressed, unless [`FetchOptions::keep_gzip`].
    pub body: Bytes,
    /// Whether `body` is still gzip-encoded (only with [`FetchOptions::keep_gzip`]); decode it
    /// with [`gunzip_limited`] or [`for_each_line_chunk`].
    pub gzip: bool,
    /// The response's `Content-Type`, if any (OpenMetrics vs. Prometheus text).
    pub content_type: Option<String>,
}

/// Why a fetch from one pod failed, worded so the CLI can print it after the pod's name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ForwardError {
    /// 403 on `pods/portforward`.
    #[error("{}", port_forward_forbidden(message))]
    PortForwardForbidden {
        /// The API server's message.
        message: String,
    },
    /// 403 on `pods/proxy`.
    #[error(
        "{}; --via apiserver needs RBAC `get` on `pods/proxy`",
        without_empty_reason(message)
    )]
    ProxyForbidden {
        /// The API server's message.
        message: String,
    },
    /// The pod is gone (404 from the API server).
    #[error("pod not found (deleted since it was listed?): {0}")]
    PodNotFound(String),
    /// The port-forward's error channel reported a failure (kubelet could not reach the port).
    #[error("port-forward failed: {0}")]
    PortForward(String),
    /// The API server refused or failed the request with a `Status` (other than 403/404).
    #[error("API server answered HTTP {code}: {message}")]
    Api {
        /// The HTTP status code.
        code: u16,
        /// The `Status` message.
        message: String,
    },
    /// The API server could not be reached (connection, TLS, authentication plugin).
    #[error("cannot reach the API server: {0}")]
    Connect(String),
    /// The proxy itself answered with a non-success status.
    #[error("proxy answered HTTP {status}")]
    HttpStatus {
        /// The status code and reason, e.g. `503 Service Unavailable`.
        status: String,
    },
    /// The connection closed or reset before the whole response arrived.
    #[error("connection closed before the response was complete: {0}")]
    Interrupted(String),
    /// The response was not valid HTTP or not valid gzip.
    #[error("cannot decode the response: {0}")]
    Decode(String),
    /// The deadline passed.
    #[error(
        "timed out after {} (a slow proxy may need a longer --timeout)",
        humantime::format_duration(*.0)
    )]
    Timeout(Duration),
    /// The body is larger than the limit.
    #[error(
        "response body exceeds {} (raise the limit with --max-body-size)",
        human_size(*limit)
    )]
    TooLarge {
        /// The limit in bytes.
        limit: u64,
    },
}

/// What RBAC a port-forward needs, after the API server's 403 message. The WebSocket upgrade is a
/// GET, so the server checks `get`; from Kubernetes 1.35 it also checks `create`, and a missing
/// `create` comes back with an empty reason (`pods "NAME" is forbidden: `).
fn port_forward_forbidden(message: &str) -> String {
    let shown = without_empty_reason(message);
    let why = if shown.ends_with("forbidden") {
        " (no reason given: Kubernetes 1.35+ answers so when `create` is missing)"
    } else {
        ""
    };
    format!(
        "{shown}{why}; port-forwarding needs RBAC `get` on `pods/portforward` (the WebSocket \
         upgrade is a GET) and, from Kubernetes 1.35, `create` on `pods/portforward` too; \
         or try --via apiserver, which needs `get` on `pods/proxy`"
    )
}

/// The API server's 403 message without a dangling `: ` when the reason after it is empty.
fn without_empty_reason(message: &str) -> &str {
    let trimmed = message.trim_end();
    match trimmed.strip_suffix(':') {
        Some(rest) => rest.trim_end(),
        None if trimmed.is_empty() => "forbidden",
        None => trimmed,
    }
}

/// `64 MiB`, `4 KiB`, or `1000 bytes`.
fn human_size(bytes: u64) -> String {
    const KIB: u64 = 1024;
    const MIB: u64 = 1024 * 1024;
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else if bytes >= KIB && bytes.is_multiple_of(KIB) {
        format!("{} KiB", bytes / KIB)
    } else {
        format!("{bytes} bytes")
    }
}

/// GETs `path_and_query` (e.g. `/metrics`, or `/federate?match%5B%5D=...`: it must already be a
/// valid, percent-encoded URI path and query) from `port` of pod `namespace/pod`, with
/// `Accept-Encoding: gzip`, within `opts.timeout` and `opts.max_body`. A port-forward's
/// WebSocket close is waited for (at most a second more) before it returns.
pub async fn fetch(
    client: &kube::Client,
    namespace: &str,
    pod: &str,
    port: u16,
    path_and_query: &str,
    opts: &FetchOptions,
) -> Result<Fetched, ForwardError> {
    let closes = TaskTracker::new();
    let result =
        fetch_leaving_close(client, namespace, pod, port, path_and_query, opts, &closes).await;
    closes.close();
    closes.wait().await;
    result
}

/// [`fetch`], returning as soon as the body is in: a port-forward's WebSocket close (a round
/// trip through the API server) finishes on a task of `closes`, which the caller waits for
/// ([`TaskTracker::wait`]) once it has fetched all it wanted. Each of those tasks gives up after
/// a second. A caller that fetches from many pods this way frees each fetch's slot for the next
/// pod that round trip sooner.
pub async fn fetch_leaving_close(
    client: &kube::Client,
    namespace: &str,
    pod: &str,
    port: u16,
    path_and_query: &str,
    opts: &FetchOptions,
    closes: &TaskTracker,
) -> Result<Fetched, ForwardError> {
    let attempt = async {
        match opts.via {
            Via::PortForward => {
                portforward::fetch(client, namespace, pod, port, path_and_query, opts, closes).await
            }
            Via::ApiServer => {
                let fetched =
                    apiserver::fetch(client, namespace, pod, port, path_and_query, opts.max_body)
                        .await?;
                decoded(fetched, opts)
            }
        }
    };
    tokio::time::timeout(opts.timeout, attempt)
        .await
        .unwrap_or(Err(ForwardError::Timeout(opts.timeout)))
}

/// `fetched` with a gzip body inflated, unless `opts` asks to keep it compressed.
fn decoded(fetched: Fetched, opts: &FetchOptions) -> Result<Fetched, ForwardError> {
    if fetched.gzip && !opts.keep_gzip {
        return Ok(Fetched {
            body: body::gunzip_limited(&fetched.body, opts.max_body)?,
            gzip: false,
            ..fetched
        });
    }
    Ok(fetched)
}

/// Maps an error the kube client returned for a request to the API server.
fn from_kube_error(err: &kube::Error, via: Via) -> ForwardError {
    match err {
        kube::Error::Api(status) => match (status.code, via) {
            (403, Via::PortForward) => ForwardError::PortForwardForbidden {
                message: status.message.clone(),
            },
            (403, Via::ApiServer) => ForwardError::ProxyForbidden {
                message: status.message.clone(),
            },
            (404, _) => ForwardError::PodNotFound(status.message.clone()),
            (code, _) => ForwardError::Api {
                code,
                message: status.message.clone(),
            },
        },
        other => {
            let text = crate::cluster::describe_kube_error(other);
            if failed_after_connecting(other) {
                ForwardError::Interrupted(text)
            } else {
                ForwardError::Connect(text)
            }
        }
    }
}

/// Whether the HTTP client got a connection and then lost it (as opposed to failing to connect):
/// the API server closing mid-response is an interrupted fetch, not an unreachable server.
fn failed_after_connecting(err: &kube::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(cause) = source {
        if let Some(client_error) = cause.downcast_ref::<hyper_util::client::legacy::Error>() {
            return !client_error.is_connect();
        }
        source = cause.source();
    }
    false
}

/// The common request: `GET path_and_query` with gzip accepted and our user agent.
fn request<B>(uri: &str, body: B) -> Result<http::Request<B>, ForwardError> {
    http::Request::get(uri)
        .header(http::header::ACCEPT_ENCODING, "gzip")
        .header(http::header::USER_AGENT, crate::USER_AGENT)
        .body(body)
        .map_err(|e| ForwardError::Decode(format!("invalid request path \"{uri}\": {e}")))
}

/// Turns a 2xx response's parts and raw body into a [`Fetched`] (still compressed: [`fetch`]
/// decodes it unless asked not to).
fn finish(headers: &http::HeaderMap, raw: Bytes) -> Fetched {
    let content_type = headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    Fetched {
        body: raw,
        gzip: body::is_gzip(headers),
        content_type,
    }
}

/// `503 Service Unavailable`, or just `599` for codes without a reason phrase.
fn status_text(status: http::StatusCode) -> String {
    match status.canonical_reason() {
        Some(reason) => format!("{} {reason}", status.as_u16()),
        None => status.as_u16().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_naturally() {
        assert_eq!(human_size(DEFAULT_MAX_BODY), "64 MiB");
        assert_eq!(human_size(4096), "4 KiB");
        assert_eq!(human_size(1000), "1000 bytes");
    }

    #[test]
    fn via_parses_and_prints() {
        assert_eq!("apiserver".parse::<Via>(), Ok(Via::ApiServer));
        assert_eq!(Via::default().to_string(), "portforward");
        assert!("ssh".parse::<Via>().is_err());
    }

    #[test]
    fn forbidden_names_the_rbac_rule_and_the_alternative() {
        let status =
            kube::core::Status::failure("pods \"web\" is forbidden", "Forbidden").with_code(403);
        let text = from_kube_error(&kube::Error::Api(status.clone().boxed()), Via::PortForward)
            .to_string();
        assert!(text.contains("`create` on `pods/portforward`"), "{text}");
        assert!(
            text.contains("`get`") && text.contains("--via apiserver"),
            "{text}"
        );
        let text = from_kube_error(&kube::Error::Api(status.boxed()), Via::ApiServer).to_string();
        assert!(text.contains("`get` on `pods/proxy`"), "{text}");
    }

    #[test]
    fn port_forward_forbidden_leads_with_get_and_explains_an_empty_reason() {
        let checked = "pods \"web\" is forbidden: User \"u\" cannot get resource \"pods/portforward\" in API group \"\" in the namespace \"ns\"";
        let text = ForwardError::PortForwardForbidden {
            message: checked.into(),
        }
        .to_string();
        assert!(
            text.starts_with(&format!(
                "{checked}; port-forwarding needs RBAC `get` on `pods/portforward`"
            )),
            "{text}"
        );
        assert!(text.contains("from Kubernetes 1.35, `create`"), "{text}");
        assert!(!text.contains("no reason given"), "{text}");
        let text = ForwardError::PortForwardForbidden {
            message: "pods \"web\" is forbidden: ".into(),
        }
        .to_string();
        assert!(
            text.starts_with("pods \"web\" is forbidden (no reason given: Kubernetes 1.35+ answers so when `create` is missing); port-forwarding needs RBAC `get`"),
            "{text}"
        );
        assert!(
            !text.contains(": ;") && text.contains("--via apiserver"),
            "{text}"
        );
        let text = ForwardError::ProxyForbidden {
            message: String::new(),
        }
        .to_string();
        assert_eq!(
            text,
            "forbidden; --via apiserver needs RBAC `get` on `pods/proxy`"
        );
    }

    #[test]
    fn errors_read_as_sentences() {
        assert_eq!(
            ForwardError::HttpStatus {
                status: status_text(http::StatusCode::SERVICE_UNAVAILABLE)
            }
            .to_string(),
            "proxy answered HTTP 503 Service Unavailable"
        );
        assert_eq!(
            ForwardError::Timeout(Duration::from_millis(1500)).to_string(),
            "timed out after 1s 500ms (a slow proxy may need a longer --timeout)"
        );
        assert_eq!(
            ForwardError::TooLarge {
                limit: DEFAULT_MAX_BODY
            }
            .to_string(),
            "response body exceeds 64 MiB (raise the limit with --max-body-size)"
        );
    }
}
