//! The simulated API server's `metav1.Status` answers (404, 403 with and without a reason, ...)
//! and JSON responses, shared by the REST handlers and the `pods/portforward` and `pods/proxy`
//! subresources.

use bytes::Bytes;
use http::{Response, StatusCode, header};
use serde_json::{Value, json};

use super::proxy::{Body, full};

/// A `metav1.Status` failure response; an empty `reason` is left out, as the API server leaves
/// out `StatusReasonUnknown`.
pub fn status(
    code: StatusCode,
    reason: &str,
    message: &str,
    details: Option<(&str, &str)>,
) -> Response<Body> {
    let mut body = json!({
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "code": code.as_u16(),
    });
    if !reason.is_empty() {
        body["reason"] = json!(reason);
    }
    if let Some((name, kind)) = details {
        body["details"] = json!({"name": name, "kind": kind});
    }
    json_response(code, Bytes::from(body.to_string()))
}

/// 404 for a named object, as the API server words it.
pub fn not_found(resource: &str, name: &str) -> Response<Body> {
    status(
        StatusCode::NOT_FOUND,
        "NotFound",
        &format!("{resource} \"{name}\" not found"),
        Some((name, resource)),
    )
}

/// 403 for a verb on a resource, as the API server's RBAC words it; `name` is the name in the
/// request path (`NAME:PORT` for `pods/proxy`).
pub fn forbidden(verb: &str, resource: &str, name: &str, ns: &str) -> Response<Body> {
    forbidden_because(
        resource,
        name,
        &format!(
            "User \"system:serviceaccount:default:sim\" cannot {verb} resource \"{resource}\" in API group \"\" in the namespace \"{ns}\""
        ),
    )
}

/// 403 on `resource` of `name` with the authorizer's `reason` after `is forbidden: ` (empty when
/// Kubernetes 1.35+ refuses a port-forward upgrade for lack of `create`).
pub fn forbidden_because(resource: &str, name: &str, reason: &str) -> Response<Body> {
    let kind = resource.split('/').next().unwrap_or(resource);
    status(
        StatusCode::FORBIDDEN,
        "Forbidden",
        &format!("{kind} \"{name}\" is forbidden: {reason}"),
        Some((name, kind)),
    )
}

pub(crate) fn json_response(code: StatusCode, body: Bytes) -> Response<Body> {
    Response::builder()
        .status(code)
        .header(header::CONTENT_TYPE, "application/json")
        .body(full(body))
        .unwrap_or_else(|_| Response::new(full("")))
}

pub(crate) fn ok_json(value: &Value) -> Response<Body> {
    json_response(StatusCode::OK, Bytes::from(value.to_string()))
}

/// Decodes `%XX` escapes and `+` in a query component.
pub(crate) fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                match u8::from_str_radix(
                    std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("zz"),
                    16,
                ) {
                    Ok(b) => {
                        out.push(b);
                        i += 3;
                        continue;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The query parameters of `uri`, decoded; repeated keys keep every value.
pub fn query_params(uri: &http::Uri) -> Vec<(String, String)> {
    uri.query()
        .unwrap_or_default()
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}
