//! Starting, serving and stopping the simulation: the TLS accept loop, the handle tests and
//! `demo` use, and `demo --serve`.

use std::collections::HashMap;
use std::io::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use sha2::{Digest, Sha256};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use super::exposition::{Padding, sample_count};
use super::fault::PodFaults;
use super::federate::Federation;
use super::proxy::{Proxy, Shared};
use super::rest;
use super::state::ApiState;
use super::topology::{self, APP_NAMESPACE, SimPod, TopologySpec};
use super::traffic::{ExpectedTraffic, TrafficModel};
use super::{SimConfig, SimError, kubeconfig, mesh, tls};

/// Entry point of the simulation.
pub struct Sim;

/// A running simulation; dropping it (or [`SimHandle::shutdown`]) stops the servers.
pub struct SimHandle {
    state: Arc<ApiState>,
    addr: SocketAddr,
    ca_pem: String,
    traffic: TrafficModel,
    system_traffic: TrafficModel,
    tick: std::time::Duration,
    tasks: Mutex<Vec<JoinHandle<()>>>,
    exposed: Mutex<HashMap<usize, SocketAddr>>,
    runtime: tokio::runtime::Handle,
    handshakes: Arc<tls::HandshakeCounter>,
}

fn random_token(seed: u64) -> String {
    let mut h = Sha256::new();
    h.update(seed.to_le_bytes());
    h.update(std::process::id().to_le_bytes());
    h.update(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos()
            .to_le_bytes(),
    );
    h.update(
        std::hash::BuildHasher::hash_one(&std::collections::hash_map::RandomState::new(), seed)
            .to_le_bytes(),
    );
    h.finalize()[..20]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Sim {
    /// Builds the topology of `config`, binds `config.listen` and starts serving.
    /// Must be called within a Tokio runtime.
    pub async fn start(config: SimConfig) -> Result<SimHandle, SimError> {
        let now = SystemTime::now();
        let start_wall = now
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs_f64();
        let cluster = topology::build(&TopologySpec {
            replicas: config.replicas.max(1),
            extra_app_namespaces: config.namespaces,
            seed: config.seed,
            created: now - std::time::Duration::from_secs(3600),
        });
        let traffic = TrafficModel::emojivoto();
        let system_traffic = TrafficModel::default_namespace();
        let models = mesh::build_models(&cluster, &traffic, &system_traffic);
        let padding = Padding::new(config.series.div_ceil(2));
        let mut base_samples = HashMap::new();
        let shared = Arc::new(Shared {
            start: Instant::now(),
            start_wall,
            tick: config.tick,
        });
        let pod_faults: Vec<PodFaults> = cluster
            .pods
            .iter()
            .map(|p| PodFaults::for_pod(&config.faults, &p.name))
            .collect();
        let proxies: Vec<Option<Arc<Proxy>>> = cluster
            .pods
            .iter()
            .zip(models)
            .zip(&pod_faults)
            .map(|((pod, model), faults)| {
                pod.has_proxy().then(|| {
                    let uptime = topology::initial_uptime(config.seed, &pod.namespace, &pod.name);
                    let pad = if config.series == 0 {
                        Bytes::new()
                    } else {
                        let base = *base_samples
                            .entry(model.shape())
                            .or_insert_with(|| sample_count(&model));
                        padding.take(config.series.saturating_sub(base))
                    };
                    Arc::new(Proxy::new(
                        pod.clone(),
                        model,
                        pad,
                        faults.clone(),
                        uptime,
                        shared.clone(),
                    ))
                })
            })
            .collect();
        let listener = TcpListener::bind(config.listen)
            .await
            .map_err(|source| SimError::Bind {
                addr: config.listen,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| SimError::Bind {
            addr: config.listen,
            source,
        })?;
        let server_tls = tls::generate().map_err(SimError::Tls)?;
        let prometheus = cluster.pods.iter().position(|p| {
            p.namespace == "linkerd-viz"
                && p.has_proxy()
                && p.workload
                    .as_ref()
                    .is_some_and(|w| w.kind == "deployment" && w.name == "prometheus")
        });
        let scraped: Vec<Arc<Proxy>> = proxies.iter().flatten().cloned().collect();
        let federation = prometheus.map(|i| (i, Arc::new(Federation::new(scraped))));
        let state = Arc::new(ApiState::new(
            cluster,
            pod_faults,
            proxies,
            federation,
            random_token(config.seed),
            config.latency,
            addr.to_string(),
        ));
        let acceptor = tokio_rustls::TlsAcceptor::from(server_tls.config.clone());
        let serve_state = state.clone();
        let handshakes = Arc::new(tls::HandshakeCounter::default());
        let counter = handshakes.clone();
        let accept_loop = tokio::spawn(async move {
            loop {
                let Some(tcp) = accept(&listener).await else {
                    continue;
                };
                let acceptor = acceptor.clone();
                let state = serve_state.clone();
                let counter = counter.clone();
                tokio::spawn(async move {
                    let Ok(tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    counter.record(tls.get_ref().1);
                    let svc = service_fn(move |req| {
                        let state = state.clone();
                        async move { Ok::<_, std::convert::Infallible>(rest::handle(state, req).await) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(tls), svc)
                        .with_upgrades()
                        .await;
                });
            }
        });
        Ok(SimHandle {
            state,
            addr,
            ca_pem: server_tls.ca_pem,
            traffic,
            system_traffic,
            tick: config.tick,
            tasks: Mutex::new(vec![accept_loop]),
            exposed: Mutex::new(HashMap::new()),
            runtime: tokio::runtime::Handle::current(),
            handshakes,
        })
    }
}

impl SimHandle {
    /// The API server's URL, `https://127.0.0.1:PORT`.
    pub fn server_url(&self) -> String {
        format!("https://{}", self.addr)
    }

    /// The address the API server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The bearer token the API server accepts.
    pub fn token(&self) -> &str {
        &self.state.token
    }

    /// From now on, the API server accepts the bearer tokens `check` accepts instead of
    /// [`SimHandle::token`]: tokens that expire or are revoked, as exec credential plugins' are.
    pub fn accept_tokens(&self, check: impl Fn(&str) -> bool + Send + Sync + 'static) {
        self.state.accept_tokens(Arc::new(check));
    }

    /// Every distinct `Impersonate-*` header the API server was sent (`impersonate-user: alice`).
    pub fn impersonation_headers(&self) -> Vec<String> {
        self.state
            .impersonation
            .lock()
            .map(|seen| seen.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// How many port-forward WebSockets are open: counted from the upgrade until the client's
    /// WebSocket close arrives (before the reply is sent, so a client that waited for the reply
    /// sees its forward counted out) or the connection ends without one.
    pub fn open_port_forwards(&self) -> usize {
        self.state
            .open_port_forwards
            .load(std::sync::atomic::Ordering::SeqCst)
    }

    /// How many TLS handshakes the API server completed so far, full and resumed (a client that
    /// keeps session tickets resumes; each port-forward is a connection of its own).
    pub fn tls_handshakes(&self) -> tls::TlsHandshakes {
        self.handshakes.counts()
    }

    /// The CA certificate (PEM) that signed the API server's certificate.
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// A kubeconfig (YAML) for the simulation: cluster, user and current context all named
    /// `sim`, the context's namespace `emojivoto`.
    pub fn kubeconfig(&self) -> String {
        kubeconfig::render(
            &self.server_url(),
            &self.ca_pem,
            self.token(),
            APP_NAMESPACE,
        )
    }

    /// Writes [`SimHandle::kubeconfig`] to `path` (mode 0600 on Unix), replacing what is there
    /// (a symlink included) instead of writing through it; see [`kubeconfig::write_private`].
    pub fn write_kubeconfig(&self, path: &Path) -> Result<(), SimError> {
        kubeconfig::write_private(path, self.kubeconfig().as_bytes()).map_err(|source| {
            SimError::WriteKubeconfig {
                path: path.to_path_buf(),
                source,
            }
        })
    }

    /// Every simulated pod, in creation order.
    pub fn pods(&self) -> &[SimPod] {
        &self.state.cluster.pods
    }

    /// The traffic model the proxies of the emojivoto namespaces follow.
    pub fn traffic(&self) -> &TrafficModel {
        &self.traffic
    }

    /// The traffic model the proxies of namespace `namespace` follow (the emojivoto one, the
    /// `default` namespace's, or none).
    pub fn traffic_of(&self, namespace: &str) -> Option<&TrafficModel> {
        mesh::traffic_for(namespace, &self.traffic, &self.system_traffic)
    }

    /// How often proxy counters advance.
    pub fn tick(&self) -> std::time::Duration {
        self.tick
    }

    /// What the proxies of workload `workload` in `namespace` report inbound, summed over
    /// replicas (`None` outside the namespaces with traffic, [`Self::traffic_of`], or for
    /// workloads nobody calls).
    pub fn expected_inbound(&self, namespace: &str, workload: &str) -> Option<ExpectedTraffic> {
        self.traffic_of(namespace)?.expected_inbound(workload)
    }

    /// What the proxies of `from` report outbound to `to` in `namespace`.
    pub fn expected_outbound(
        &self,
        namespace: &str,
        from: &str,
        to: &str,
    ) -> Option<ExpectedTraffic> {
        self.traffic_of(namespace)?.expected_outbound(from, to)
    }

    /// What the proxy of pod `namespace/pod` reports inbound: its workload's expectation divided
    /// by the workload's number of running replicas.
    pub fn expected_pod_inbound(&self, namespace: &str, pod: &str) -> Option<ExpectedTraffic> {
        let (_, sim_pod) = self.state.known_pod(namespace, pod)?;
        let workload = sim_pod.workload.as_ref()?;
        let replicas = self
            .pods()
            .iter()
            .filter(|p| {
                p.namespace == namespace && p.has_proxy() && p.workload.as_ref() == Some(workload)
            })
            .count();
        let total = self.expected_inbound(namespace, &workload.name)?;
        Some(total.per_replica(replicas))
    }

    /// A plain-HTTP loopback address serving pod `namespace/pod`'s proxy admin endpoint
    /// directly (bound on first call); `None` if the pod has no running proxy.
    pub fn proxy_addr(&self, namespace: &str, pod: &str) -> Option<SocketAddr> {
        let (index, _) = self.state.known_pod(namespace, pod)?;
        let proxy = self.state.proxies[index].clone()?;
        let mut exposed = self.exposed.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(addr) = exposed.get(&index) {
            return Some(*addr);
        }
        let std_listener = std::net::TcpListener::bind(("127.0.0.1", 0)).ok()?;
        std_listener.set_nonblocking(true).ok()?;
        let addr = std_listener.local_addr().ok()?;
        let task = self.runtime.spawn(async move {
            let Ok(listener) = TcpListener::from_std(std_listener) else {
                return;
            };
            loop {
                if let Some(tcp) = accept(&listener).await {
                    tokio::spawn(proxy.clone().serve(tcp));
                }
            }
        });
        self.tasks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(task);
        exposed.insert(index, addr);
        Some(addr)
    }

    /// Takes pod `namespace/pod` out of the cluster (`present: false`) or puts it back, as a
    /// rollout replaces pods: an absent pod is not listed, not found by name, and port-forwards
    /// and proxied requests to it fail as for a deleted pod. False for a pod the simulation does
    /// not have.
    pub fn set_pod_present(&self, namespace: &str, pod: &str, present: bool) -> bool {
        match self.state.known_pod(namespace, pod) {
            Some((index, _)) => {
                self.state.set_present(index, present);
                true
            }
            None => false,
        }
    }

    /// Stops accepting connections (API server and exposed proxies); connections already open,
    /// such as port-forward tunnels, run until their clients close them.
    pub fn shutdown(&self) {
        for task in self
            .tasks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain(..)
        {
            task.abort();
        }
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Accepts one connection; after a failure (such as running out of file descriptors) it pauses
/// briefly so the accept loop does not spin.
async fn accept(listener: &TcpListener) -> Option<tokio::net::TcpStream> {
    match listener.accept().await {
        Ok((tcp, _)) => {
            // Go's net package (the API server, the kubelet) turns Nagle off on every TCP
            // connection; without that, small writes stall behind delayed ACKs.
            let _ = tcp.set_nodelay(true);
            Some(tcp)
        }
        Err(_) => {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            None
        }
    }
}

/// `demo --serve`: starts the simulation, writes its kubeconfig to `kubeconfig_out` (or a file in
/// the temp directory), prints that path as the first stdout line, and serves until SIGINT or
/// SIGTERM.
pub async fn serve_demo(
    config: SimConfig,
    kubeconfig_out: Option<PathBuf>,
) -> Result<(), SimError> {
    let signals = Signals::install()?;
    let handle = Sim::start(config).await?;
    let temporary = kubeconfig_out.is_none();
    let path = kubeconfig_out.unwrap_or_else(|| {
        std::env::temp_dir().join(format!(
            "linkerd-export-demo-{}.kubeconfig",
            std::process::id()
        ))
    });
    handle.write_kubeconfig(&path)?;
    {
        let mut stdout = std::io::stdout().lock();
        let _ = writeln!(stdout, "{}", path.display());
        let _ = stdout.flush();
    }
    signals.wait().await;
    handle.shutdown();
    if temporary {
        let _ = std::fs::remove_file(&path);
    }
    Ok(())
}

/// SIGINT and SIGTERM handlers, installed before the kubeconfig path is announced so that a
/// signal sent right after reading it stops the server instead of killing the process.
#[cfg(unix)]
struct Signals {
    interrupt: tokio::signal::unix::Signal,
    terminate: tokio::signal::unix::Signal,
}

#[cfg(unix)]
impl Signals {
    fn install() -> Result<Signals, SimError> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Signals {
            interrupt: signal(SignalKind::interrupt()).map_err(SimError::Signal)?,
            terminate: signal(SignalKind::terminate()).map_err(SimError::Signal)?,
        })
    }

    async fn wait(mut self) {
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
        }
    }
}

/// Ctrl-C, where Unix signals are not available.
#[cfg(not(unix))]
struct Signals;

#[cfg(not(unix))]
impl Signals {
    fn install() -> Result<Signals, SimError> {
        Ok(Signals)
    }

    async fn wait(self) {
        let _ = tokio::signal::ctrl_c().await;
    }
}
