//! `pods/proxy`: `GET /api/v1/namespaces/NS/pods/NAME:PORT/proxy/PATH`, relayed to the pod's proxy
//! admin endpoint as the API server relays it (status, headers and body passed through), with the
//! API server's own failures worded as it words them: 403 naming `NAME:PORT`, 400
//! `address not allowed` for a pod without an IP, 503 `error trying to reach service: ...` without
//! `details` when nothing listens.

use http::{Request, Response, StatusCode};
use hyper::body::Incoming;

use super::federate::match_params;
use super::proxy::{Body, accepts_gzip};
use super::state::{ApiState, Backend};
use super::status::{forbidden, not_found, status};

/// Handles a `pods/proxy` request for `name_port` (`NAME` or `NAME:PORT`) and `path`.
pub async fn handle(
    state: &ApiState,
    req: &Request<Incoming>,
    ns: &str,
    name_port: &str,
    path: &str,
) -> Response<Body> {
    let (name, port) = match name_port.rsplit_once(':') {
        Some((name, port)) => (name, port.parse::<u16>().ok()),
        None => (name_port, None),
    };
    let Some((i, pod)) = state.pod(ns, name) else {
        return not_found("pods", name);
    };
    let faults = &state.pod_faults[i];
    if faults.forbid {
        return forbidden("get", "pods/proxy", name_port, ns);
    }
    if faults.not_found {
        return not_found("pods", name);
    }
    let has_ip = state
        .pod_object(ns, name)
        .and_then(|o| o.json["status"]["podIP"].as_str())
        .is_some_and(|ip| !ip.is_empty());
    if !has_ip {
        return status(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "address not allowed",
            None,
        );
    }
    let port = port.unwrap_or(80);
    match state.backend(i, port) {
        Some(Backend::Proxy(proxy)) => proxy.respond(path, accepts_gzip(req.headers())).await,
        Some(Backend::Prometheus(fed)) => fed.respond(path, &match_params(req.uri())),
        None => status(
            StatusCode::SERVICE_UNAVAILABLE,
            "ServiceUnavailable",
            &format!(
                "error trying to reach service: dial tcp {}:{port}: connect: connection refused",
                pod.ip
            ),
            None,
        ),
    }
}
