//! The simulated API server's HTTP side: bearer-token auth, discovery, get/list of the served
//! resources with label and field selectors, `metav1.Status` errors, and dispatch to the
//! `pods/portforward` and `pods/proxy` subresources.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use bytes::{BufMut, Bytes, BytesMut};
use http::{Method, Request, Response, StatusCode, header};
use hyper::body::Incoming;
use serde_json::{Value, json};

use super::discovery::{self, Resource};
use super::fault::PodFaults;
use super::federate::Federation;
use super::proxy::{Body, Proxy, full};
use super::selector::Selector;
use super::topology::{Cluster, Object, PROMETHEUS_PORT, SimPod};
use super::{podproxy, portforward, table};

/// Everything the API server serves, fixed at start.
pub struct ApiState {
    /// The cluster's objects (sorted by namespace and name, as etcd lists them) and pods.
    pub cluster: Cluster,
    /// Each object's JSON, serialized once, aligned with `cluster.objects`.
    serialized: BTreeMap<&'static str, Vec<Bytes>>,
    /// Index into `cluster.pods` by (namespace, name).
    pod_index: HashMap<(String, String), usize>,
    /// The faults of each pod, aligned with `cluster.pods`.
    pub pod_faults: Vec<PodFaults>,
    /// The proxy of each pod that has one, aligned with `cluster.pods`.
    pub proxies: Vec<Option<Arc<Proxy>>>,
    /// The linkerd-viz Prometheus pod's index and its federation endpoint.
    pub federation: Option<(usize, Arc<Federation>)>,
    /// The bearer token clients must present.
    pub token: String,
    /// Delay added to every API request and to each port-forward set-up.
    pub latency: Duration,
    /// `host:port` the server listens on (for `/api`'s serverAddressByClientCIDRs).
    pub server_address: String,
    /// Pods taken out of the cluster at run time, aligned with `cluster.pods`: not listed, not
    /// found, not reachable, as after a rollout replaced them.
    absent: Vec<AtomicBool>,
    /// How many of `absent` are set, so the common case (none) costs nothing.
    absent_count: AtomicUsize,
    /// Every distinct `Impersonate-*` header seen (`impersonate-user: alice`), for tests of `--as`.
    pub impersonation: std::sync::Mutex<std::collections::BTreeSet<String>>,
}

impl ApiState {
    /// The state for `cluster`, pre-serializing every object.
    pub fn new(
        cluster: Cluster,
        pod_faults: Vec<PodFaults>,
        proxies: Vec<Option<Arc<Proxy>>>,
        federation: Option<(usize, Arc<Federation>)>,
        token: String,
        latency: Duration,
        server_address: String,
    ) -> ApiState {
        let mut cluster = cluster;
        for objects in cluster.objects.values_mut() {
            objects.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
        }
        let serialized = cluster
            .objects
            .iter()
            .map(|(kind, objs)| {
                (
                    *kind,
                    objs.iter()
                        .map(|o| Bytes::from(o.json.to_string()))
                        .collect(),
                )
            })
            .collect();
        let pod_index = cluster
            .pods
            .iter()
            .enumerate()
            .map(|(i, p)| ((p.namespace.clone(), p.name.clone()), i))
            .collect();
        let absent = cluster
            .pods
            .iter()
            .map(|_| AtomicBool::new(false))
            .collect();
        ApiState {
            cluster,
            serialized,
            pod_index,
            absent,
            absent_count: AtomicUsize::new(0),
            impersonation: std::sync::Mutex::default(),
            pod_faults,
            proxies,
            federation,
            token,
            latency,
            server_address,
        }
    }

    /// What listens on `port` of pod `index`, unless the pod refuses connections.
    pub fn backend(&self, index: usize, port: u16) -> Option<Backend> {
        if self.pod_faults[index].refuse {
            return None;
        }
        if let Some(proxy) = self.proxies[index]
            .as_ref()
            .filter(|p| p.pod.admin_port == Some(port))
        {
            return Some(Backend::Proxy(proxy.clone()));
        }
        match &self.federation {
            Some((i, fed)) if *i == index && port == PROMETHEUS_PORT => {
                Some(Backend::Prometheus(fed.clone()))
            }
            _ => None,
        }
    }

    /// The pod `ns/name` with its index, unless it is absent.
    pub fn pod(&self, ns: &str, name: &str) -> Option<(usize, &SimPod)> {
        self.known_pod(ns, name)
            .filter(|&(i, _)| !self.absent[i].load(Ordering::Relaxed))
    }

    /// The stored object of pod `ns/name` (its `spec.nodeName`, `status.podIP`, ...), as the API
    /// server reads it before proxying.
    pub fn pod_object(&self, ns: &str, name: &str) -> Option<&Object> {
        let pods = self.cluster.objects.get("Pod")?;
        let i = pods
            .binary_search_by(|o| (o.namespace.as_deref(), o.name.as_str()).cmp(&(Some(ns), name)))
            .ok()?;
        Some(&pods[i])
    }

    /// The pod `ns/name` with its index, present or absent.
    pub fn known_pod(&self, ns: &str, name: &str) -> Option<(usize, &SimPod)> {
        let i = *self.pod_index.get(&(ns.to_string(), name.to_string()))?;
        Some((i, &self.cluster.pods[i]))
    }

    /// Takes pod `index` out of the cluster (`present: false`) or puts it back.
    pub fn set_present(&self, index: usize, present: bool) {
        let was_absent = self.absent[index].swap(!present, Ordering::Relaxed);
        match (was_absent, present) {
            (false, false) => {
                self.absent_count.fetch_add(1, Ordering::Relaxed);
            }
            (true, true) => {
                self.absent_count.fetch_sub(1, Ordering::Relaxed);
            }
            _ => {}
        }
    }

    /// Whether `object` is a pod taken out of the cluster.
    fn is_absent(&self, kind: &str, object: &Object) -> bool {
        kind == "Pod"
            && self.absent_count.load(Ordering::Relaxed) > 0
            && object
                .namespace
                .as_deref()
                .is_some_and(|ns| self.pod(ns, &object.name).is_none())
    }
}

/// A server listening in a simulated pod.
#[derive(Clone)]
pub enum Backend {
    /// A proxy's admin endpoint.
    Proxy(Arc<Proxy>),
    /// The linkerd-viz Prometheus (`/federate`).
    Prometheus(Arc<Federation>),
}

impl Backend {
    /// Serves HTTP/1.1 on `io` until the peer closes it.
    pub async fn serve<I>(self, io: I)
    where
        I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    {
        match self {
            Backend::Proxy(p) => p.serve(io).await,
            Backend::Prometheus(f) => f.serve(io).await,
        }
    }
}

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

fn json_response(code: StatusCode, body: Bytes) -> Response<Body> {
    Response::builder()
        .status(code)
        .header(header::CONTENT_TYPE, "application/json")
        .body(full(body))
        .unwrap_or_else(|_| Response::new(full("")))
}

fn ok_json(value: &Value) -> Response<Body> {
    json_response(StatusCode::OK, Bytes::from(value.to_string()))
}

/// Decodes `%XX` escapes and `+` in a query component.
fn percent_decode(s: &str) -> String {
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
        .is_some_and(|t| t.trim() == state.token);
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
