//! What the simulated API server serves, fixed at start ([`ApiState`]): the cluster's objects
//! pre-serialized, each pod's faults and proxy, and the servers listening in pods ([`Backend`]);
//! and what changes at run time: pods taken out, and which bearer tokens are accepted.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use bytes::Bytes;

use super::fault::PodFaults;
use super::federate::Federation;
use super::proxy::Proxy;
use super::topology::{Cluster, Object, PROMETHEUS_PORT, SimPod};

/// Decides whether a bearer token is accepted, asked on every request.
pub type TokenCheck = Arc<dyn Fn(&str) -> bool + Send + Sync>;

/// Everything the API server serves, fixed at start.
pub struct ApiState {
    /// The cluster's objects (sorted by namespace and name, as etcd lists them) and pods.
    pub cluster: Cluster,
    /// Each object's JSON, serialized once, aligned with `cluster.objects`.
    pub(crate) serialized: BTreeMap<&'static str, Vec<Bytes>>,
    /// Index into `cluster.pods` by (namespace, name).
    pod_index: HashMap<(String, String), usize>,
    /// The faults of each pod, aligned with `cluster.pods`.
    pub pod_faults: Vec<PodFaults>,
    /// The proxy of each pod that has one, aligned with `cluster.pods`.
    pub proxies: Vec<Option<Arc<Proxy>>>,
    /// The linkerd-viz Prometheus pod's index and its federation endpoint.
    pub federation: Option<(usize, Arc<Federation>)>,
    /// The bearer token clients must present, unless [`ApiState::accept_tokens`] replaced it.
    pub token: String,
    /// Which bearer tokens are accepted instead of `token`, when a test rotates them.
    token_check: RwLock<Option<TokenCheck>>,
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
    /// Port-forward WebSockets whose client has not closed them yet (nor dropped the connection).
    pub open_port_forwards: AtomicUsize,
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
            open_port_forwards: AtomicUsize::new(0),
            pod_faults,
            proxies,
            federation,
            token,
            token_check: RwLock::new(None),
            latency,
            server_address,
        }
    }

    /// Whether `token` is a bearer token the API server accepts now.
    pub fn authorized(&self, token: &str) -> bool {
        match &*self.token_check.read().unwrap_or_else(|e| e.into_inner()) {
            Some(check) => check(token),
            None => token == self.token,
        }
    }

    /// From now on, accepts the bearer tokens `check` accepts instead of `token` (tokens that
    /// expire or are revoked, as an exec credential plugin's are).
    pub fn accept_tokens(&self, check: TokenCheck) {
        *self.token_check.write().unwrap_or_else(|e| e.into_inner()) = Some(check);
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
    pub(crate) fn is_absent(&self, kind: &str, object: &Object) -> bool {
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
