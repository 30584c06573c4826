//! The simulated API server's HTTP side: bearer-token auth, discovery, get/list of the served
//! resources with label and field selectors, `metav1.Status` errors, and dispatch to the
//! `pods/portforward` and `pods/proxy` subresources.

use std::collections::BTreeMap;
use std::sync::Arc;

use bytes::{BufMut, Bytes, BytesMut};
use http::{Method, Request, Response, StatusCode, header};
use hyper::body::Incoming;
use serde_json::Value;

use super::discovery::{self, Resource};
use super::proxy::{Body, full};
use super::selector::Selector;
use super::state::ApiState;
use super::status::{json_response, not_found, ok_json, percent_decode, query_params, status};
use super::topology::Object;
use super::{podproxy, portforward, table};

fn param<'a>(params: &'a [(String, String)], key: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// Handles one API request.
pub async fn handle(state: Arc<ApiState>, req: Request<Incoming>) -> Response<Body> {
    let authorized = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|t| state.authorized(t.trim()));
    if !authorized {
        return status(
            StatusCode::UNAUTHORIZED,
            "Unauthorized",
            "Unauthorized",
            None,
        );
    }
    for (name, value) in req.headers() {
        if name.as_str().starts_with("impersonate-") {
            let line = format!("{name}: {}", String::from_utf8_lossy(value.as_bytes()));
            if let Ok(mut seen) = state.impersonation.lock() {
                seen.insert(line);
            }
        }
    }
    if !state.latency.is_zero() {
        tokio::time::sleep(state.latency).await;
    }
    let path = req.uri().path().to_string();
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let is_get = req.method() == Method::GET;
    let method_not_allowed = || {
        status(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            "the simulated API server is read-only: only get and list are served",
            None,
        )
    };
    match segments.as_slice() {
        ["api", "v1", "namespaces", ns, "pods", name, "portforward"] => {
            return portforward::handle(state.clone(), req, ns.to_string(), name.to_string()).await;
        }
        ["api", "v1", "namespaces", ns, "pods", name, "proxy", ..] => {
            let prefix = format!("/api/v1/namespaces/{ns}/pods/{name}/proxy");
            let rest = path.strip_prefix(&prefix).unwrap_or("/");
            let rest = if rest.is_empty() { "/" } else { rest };
            return podproxy::handle(&state, &req, ns, &percent_decode(name), rest).await;
        }
        ["api", "v1", rest @ ..] if req.method() == Method::POST => {
            return create(&state, "", rest, req).await;
        }
        ["apis", group, "v1", rest @ ..] if req.method() == Method::POST => {
            return create(&state, group, rest, req).await;
        }
        _ if !is_get => return method_not_allowed(),
        _ => {}
    }
    let params = query_params(req.uri());
    let wants_table = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("as=Table"));
    match segments.as_slice() {
        ["version"] => ok_json(&discovery::version()),
        ["healthz" | "readyz" | "livez"] => Response::new(full("ok")),
        ["api"] => ok_json(&discovery::core_versions(&state.server_address)),
        ["apis"] => ok_json(&discovery::groups()),
        ["apis", group] => discovery::group(group).map_or_else(not_served, |v| ok_json(&v)),
        ["api", "v1"] => discovery::resource_list("").map_or_else(not_served, |v| ok_json(&v)),
        ["apis", group, "v1"] => {
            discovery::resource_list(group).map_or_else(not_served, |v| ok_json(&v))
        }
        ["api", "v1", rest @ ..] => resource(&state, "", rest, &params, wants_table),
        ["apis", group, "v1", rest @ ..] => resource(&state, group, rest, &params, wants_table),
        _ => not_served(),
    }
}

/// `POST` to a collection: 409 AlreadyExists when the named object exists (as a real API
/// server answers), otherwise 405 since the simulation is read-only.
async fn create(
    state: &ApiState,
    group: &str,
    rest: &[&str],
    req: Request<Incoming>,
) -> Response<Body> {
    let (ns, plural) = match rest {
        [plural] => (None, *plural),
        ["namespaces", ns, plural] => (Some(*ns), *plural),
        _ => return not_served(),
    };
    let Some(res) = discovery::find(group, plural) else {
        return not_served();
    };
    let body = match http_body_util::BodyExt::collect(req.into_body()).await {
        Ok(b) => b.to_bytes(),
        Err(_) => {
            return status(
                StatusCode::BAD_REQUEST,
                "BadRequest",
                "cannot read the request body",
                None,
            );
        }
    };
    let Ok(object) = serde_json::from_slice::<Value>(&body) else {
        return status(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "the request body is not a JSON object",
            None,
        );
    };
    let name = object["metadata"]["name"].as_str().unwrap_or_default();
    let exists = state.cluster.objects.get(res.kind).is_some_and(|objs| {
        objs.iter()
            .any(|o| o.name == name && o.namespace.as_deref() == ns)
    });
    if exists {
        let qualified = if res.group.is_empty() {
            res.plural.to_string()
        } else {
            format!("{}.{}", res.plural, res.group)
        };
        return status(
            StatusCode::CONFLICT,
            "AlreadyExists",
            &format!("{qualified} \"{name}\" already exists"),
            Some((name, res.plural)),
        );
    }
    status(
        StatusCode::METHOD_NOT_ALLOWED,
        "MethodNotAllowed",
        "the simulated API server is read-only: only get and list are served",
        None,
    )
}

fn not_served() -> Response<Body> {
    status(
        StatusCode::NOT_FOUND,
        "NotFound",
        "the server could not find the requested resource",
        None,
    )
}

fn resource(
    state: &ApiState,
    group: &str,
    rest: &[&str],
    params: &[(String, String)],
    table: bool,
) -> Response<Body> {
    if param(params, "watch").is_some_and(|w| w == "true" || w == "1") {
        return status(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            "the simulated API server does not support watch",
            None,
        );
    }
    let (ns, plural, name) = match rest {
        [plural] => (None, *plural, None),
        [plural, name] => (None, *plural, Some(*name)),
        ["namespaces", ns, plural] => (Some(*ns), *plural, None),
        ["namespaces", ns, plural, name] => (Some(*ns), *plural, Some(*name)),
        _ => return not_served(),
    };
    let Some(res) = discovery::find(group, plural) else {
        return not_served();
    };
    if ns.is_some() && !res.namespaced {
        return not_served();
    }
    if res.namespaced && ns.is_none() && name.is_some() {
        return not_served();
    }
    let objects = state
        .cluster
        .objects
        .get(res.kind)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let serialized = state
        .serialized
        .get(res.kind)
        .map(Vec::as_slice)
        .unwrap_or_default();
    if let Some(name) = name {
        return match objects.iter().position(|o| {
            o.name == name && o.namespace.as_deref() == ns && !state.is_absent(res.kind, o)
        }) {
            Some(i) if table => ok_json(&table::table(res, &[&objects[i]])),
            Some(i) => json_response(StatusCode::OK, serialized[i].clone()),
            None => not_found(res.plural, name),
        };
    }
    let labels = match Selector::parse(param(params, "labelSelector").unwrap_or_default()) {
        Ok(s) => s,
        Err(e) => return status(StatusCode::BAD_REQUEST, "BadRequest", &e, None),
    };
    let allowed: &[&str] = if res.kind == "Pod" {
        &["metadata.name", "metadata.namespace", "status.phase"]
    } else {
        &["metadata.name", "metadata.namespace"]
    };
    let fields =
        match Selector::parse_fields(param(params, "fieldSelector").unwrap_or_default(), allowed) {
            Ok(s) => s,
            Err(e) => return status(StatusCode::BAD_REQUEST, "BadRequest", &e, None),
        };
    let selected: Vec<usize> = objects
        .iter()
        .enumerate()
        .filter(|(_, o)| ns.is_none() || o.namespace.as_deref() == ns)
        .filter(|(_, o)| !state.is_absent(res.kind, o))
        .filter(|(_, o)| labels.matches(&o.labels) && fields.matches(&field_values(o)))
        .map(|(i, _)| i)
        .collect();
    if table {
        let objs: Vec<&Object> = selected.iter().map(|&i| &objects[i]).collect();
        return ok_json(&table::table(res, &objs));
    }
    json_response(
        StatusCode::OK,
        list_body(res, selected.iter().map(|&i| &serialized[i])),
    )
}

fn field_values(o: &Object) -> BTreeMap<String, String> {
    let mut f = BTreeMap::new();
    f.insert("metadata.name".to_string(), o.name.clone());
    f.insert(
        "metadata.namespace".to_string(),
        o.namespace.clone().unwrap_or_default(),
    );
    if let Some(phase) = &o.phase {
        f.insert("status.phase".to_string(), phase.clone());
    }
    f
}

fn list_body<'a>(res: &Resource, items: impl Iterator<Item = &'a Bytes>) -> Bytes {
    let mut out = BytesMut::with_capacity(4096);
    out.put_slice(
        format!(
            "{{\"kind\":\"{}List\",\"apiVersion\":\"{}\",\"metadata\":{{\"resourceVersion\":\"1\"}},\"items\":[",
            res.kind,
            res.api_version()
        )
        .as_bytes(),
    );
    for (i, item) in items.enumerate() {
        if i > 0 {
            out.put_u8(b',');
        }
        out.put_slice(item);
    }
    out.put_slice(b"]}");
    out.freeze()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_query_components() {
        let uri: http::Uri = "/x?&ports=80%2C1234&labelSelector=app%3Dweb+x"
            .parse()
            .unwrap();
        let params = query_params(&uri);
        assert_eq!(param(&params, "ports"), Some("80,1234"));
        assert_eq!(param(&params, "labelSelector"), Some("app=web x"));
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
    }
}
