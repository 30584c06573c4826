//! Connecting to the cluster: kubeconfig, context and default namespace, with kubectl's precedence,
//! and errors that name the API server when it cannot be reached.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::task::{Context, Poll};

use kube::config::{Config, KubeConfigOptions, Kubeconfig, KubeconfigError};

/// Where the kubeconfig comes from and which context to use (`--kubeconfig`, `--context`).
#[derive(Debug, Clone, Default)]
pub struct ClusterOptions {
    /// `--kubeconfig PATH`; when absent, `KUBECONFIG`, then `~/.kube/config`.
    pub kubeconfig: Option<PathBuf>,
    /// `--context NAME`; when absent, the kubeconfig's `current-context`.
    pub context: Option<String>,
}

/// A connection to one cluster, shared by every request of a run.
#[derive(Clone)]
pub struct Cluster {
    /// The client every API call and port-forward goes through.
    pub client: kube::Client,
    /// The kubeconfig context in use (`None` when running in-cluster without a kubeconfig).
    pub context: Option<String>,
    /// The namespace used when `-n` is not given: the context's namespace, else `default`.
    pub default_namespace: String,
}

/// Why the cluster could not be reached or configured.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// A kubeconfig file could not be read or parsed.
    #[error("cannot load kubeconfig {path}: {reason}")]
    LoadKubeconfig {
        /// The file, with the home directory shown as `~`.
        path: String,
        /// What went wrong, without the file's contents.
        reason: String,
    },
    /// No kubeconfig file exists and the process is not running inside a cluster.
    #[error(
        "no kubeconfig found (looked for {searched}): pass --kubeconfig PATH or set KUBECONFIG"
    )]
    NoKubeconfig {
        /// The files looked for, `:`-separated, home shown as `~`.
        searched: String,
    },
    /// `--context` names a context the kubeconfig does not have.
    #[error("context \"{context}\" not found in kubeconfig {path}")]
    ContextNotFound {
        /// The context asked for.
        context: String,
        /// The kubeconfig file(s) searched.
        path: String,
    },
    /// The kubeconfig has no `current-context` and `--context` was not given.
    #[error("kubeconfig {path} has no current-context: pass --context NAME")]
    NoCurrentContext {
        /// The kubeconfig file(s) searched.
        path: String,
    },
    /// The context's cluster or user entry is incomplete or invalid.
    #[error("cannot use context \"{context}\": {reason}")]
    Context {
        /// The context in use.
        context: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The client could not be built (TLS material, auth plugin setup).
    #[error("cannot create a client for context \"{context}\": {reason}")]
    Client {
        /// The context in use.
        context: String,
        /// What went wrong.
        reason: String,
    },
}

/// Installs ring as rustls' process-wide crypto provider, once; later calls do nothing.
///
/// kube builds its rustls client config with the process default, so this must run before the first
/// TLS connection (`connect` calls it; so may a server that speaks TLS).
pub fn install_crypto_provider() {
    // An error only means a provider is already installed, which is what we want.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// The kubeconfig files to read, in kubectl's precedence: the flag, else every entry of
/// `KUBECONFIG` (merged, first wins), else `~/.kube/config`.
pub fn kubeconfig_paths(
    flag: Option<&Path>,
    kubeconfig_env: Option<&std::ffi::OsStr>,
    home: Option<&Path>,
) -> Vec<PathBuf> {
    if let Some(path) = flag {
        return vec![path.to_path_buf()];
    }
    if let Some(env) = kubeconfig_env.filter(|v| !v.is_empty()) {
        return std::env::split_paths(env)
            .filter(|p| !p.as_os_str().is_empty())
            .collect();
    }
    home.map(|h| vec![h.join(".kube").join("config")])
        .unwrap_or_default()
}

/// Shows `path` with the home directory as `~`, the way users typed it.
pub fn display_path(path: &Path, home: Option<&Path>) -> String {
    match home.and_then(|h| path.strip_prefix(h).ok()) {
        Some(rest) => format!("~/{}", rest.display()),
        None => path.display().to_string(),
    }
}

fn home_dir() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .or_else(|| std::env::var_os("USERPROFILE"))
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
}

/// Describes a kubeconfig loading error without echoing file contents (which may hold tokens or keys).
fn describe_load_error(err: &KubeconfigError) -> String {
    match err {
        KubeconfigError::ReadConfig(io, _) => io_reason(io),
        KubeconfigError::Parse(_) => "not a valid kubeconfig (YAML parse error)".to_string(),
        other => other.to_string(),
    }
}

fn io_reason(io: &std::io::Error) -> String {
    match io.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => io.to_string().to_lowercase(),
    }
}

/// Reads and merges the kubeconfig files the options point at.
///
/// An explicit `--kubeconfig` must exist; missing `KUBECONFIG` entries are skipped like kubectl does.
/// Returns `None` when no file exists at all (so the caller may try in-cluster configuration).
fn load_kubeconfig(
    opts: &ClusterOptions,
    home: Option<&Path>,
) -> Result<Option<(Kubeconfig, String)>, ClusterError> {
    let env = std::env::var_os("KUBECONFIG");
    let paths = kubeconfig_paths(opts.kubeconfig.as_deref(), env.as_deref(), home);
    let mut merged: Option<Kubeconfig> = None;
    let mut shown = Vec::new();
    for path in &paths {
        let display = display_path(path, home);
        if opts.kubeconfig.is_none() && !path.exists() {
            continue;
        }
        let config = Kubeconfig::read_from(path).map_err(|e| ClusterError::LoadKubeconfig {
            path: display.clone(),
            reason: describe_load_error(&e),
        })?;
        merged = Some(match merged {
            None => config,
            Some(earlier) => earlier
                .merge(config)
                .map_err(|e| ClusterError::LoadKubeconfig {
                    path: display.clone(),
                    reason: describe_load_error(&e),
                })?,
        });
        shown.push(display);
    }
    Ok(merged.map(|config| (config, shown.join(":"))))
}

/// Connects to the cluster the options select: reads the kubeconfig, picks the context, builds one
/// client (TLS, client certificates, tokens, exec and OIDC auth plugins, as kube supports them).
///
/// Nothing is sent to the API server yet; authentication problems surface on the first request.
pub async fn connect(opts: &ClusterOptions) -> Result<Cluster, ClusterError> {
    install_crypto_provider();
    let home = home_dir();
    let Some((kubeconfig, path)) = load_kubeconfig(opts, home.as_deref())? else {
        let env = std::env::var_os("KUBECONFIG");
        let searched = kubeconfig_paths(None, env.as_deref(), home.as_deref())
            .iter()
            .map(|p| display_path(p, home.as_deref()))
            .collect::<Vec<_>>()
            .join(":");
        return connect_in_cluster(opts, searched);
    };
    let context = match &opts.context {
        Some(name) => {
            if !kubeconfig.contexts.iter().any(|c| &c.name == name) {
                return Err(ClusterError::ContextNotFound {
                    context: name.clone(),
                    path,
                });
            }
            name.clone()
        }
        None => kubeconfig
            .current_context
            .clone()
            .filter(|c| !c.is_empty())
            .ok_or(ClusterError::NoCurrentContext { path })?,
    };
    let options = KubeConfigOptions {
        context: Some(context.clone()),
        ..KubeConfigOptions::default()
    };
    let mut config = Config::from_custom_kubeconfig(kubeconfig, &options)
        .await
        .map_err(|e| ClusterError::Context {
            context: context.clone(),
            reason: describe_load_error(&e),
        })?;
    without_retries(&mut config);
    let default_namespace = config.default_namespace.clone();
    let client = client_for(config).map_err(|e| ClusterError::Client {
        context: context.clone(),
        reason: e.to_string(),
    })?;
    Ok(Cluster {
        client,
        context: Some(context),
        default_namespace,
    })
}

/// Turns off kube's built-in retry of 429/503/504 (up to 15 attempts with backoff growing to
/// minutes): a proxy's 503 through `pods/proxy` must fail that pod at once, and every fetch already
/// has its own deadline.
fn without_retries(config: &mut Config) {
    config.default_retry = false;
}

/// Falls back to the pod's service account when there is no kubeconfig, as kubectl does in a pod.
fn connect_in_cluster(opts: &ClusterOptions, searched: String) -> Result<Cluster, ClusterError> {
    let not_found = || ClusterError::NoKubeconfig {
        searched: searched.clone(),
    };
    if opts.context.is_some() || std::env::var_os("KUBERNETES_SERVICE_HOST").is_none() {
        return Err(not_found());
    }
    let mut config = Config::incluster().map_err(|_| not_found())?;
    without_retries(&mut config);
    let default_namespace = config.default_namespace.clone();
    let client = client_for(config).map_err(|e| ClusterError::Client {
        context: "in-cluster".to_string(),
        reason: e.to_string(),
    })?;
    Ok(Cluster {
        client,
        context: None,
        default_namespace,
    })
}

/// kube's client for `config`, whose connection failures name the API server and the fix
/// ([`Unreachable`]).
fn client_for(config: Config) -> Result<kube::Client, kube::Error> {
    let server: Arc<str> = config
        .cluster_url
        .authority()
        .map_or_else(|| config.cluster_url.to_string(), ToString::to_string)
        .into();
    Ok(kube::client::ClientBuilder::try_from(config)?
        .with_layer(&NameServerLayer { server })
        .build())
}

/// An API server that could not be reached, worded as kubectl words it, with what to check.
#[derive(Debug)]
struct Unreachable {
    message: String,
    source: tower::BoxError,
}

impl std::fmt::Display for Unreachable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Unreachable {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.source)
    }
}

impl Unreachable {
    /// `err` as an [`Unreachable`] naming `server` when it is a failure to connect (refused, TLS,
    /// any other connect error); other errors are returned as they are.
    fn classify(server: &str, err: tower::BoxError) -> tower::BoxError {
        let mut refused = false;
        let mut tls = None;
        let mut connect = false;
        let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(&*err);
        while let Some(e) = cause {
            // An I/O error's `source` skips what it wraps (another I/O error wrapping rustls').
            let mut wrapped = Some(e);
            while let Some(inner) = wrapped {
                if let Some(rustls) = inner.downcast_ref::<rustls::Error>() {
                    tls = Some(rustls.to_string());
                }
                let io = inner.downcast_ref::<std::io::Error>();
                refused |= io.is_some_and(|io| io.kind() == std::io::ErrorKind::ConnectionRefused);
                wrapped = io
                    .and_then(std::io::Error::get_ref)
                    .map(|i| i as &(dyn std::error::Error + 'static));
            }
            if let Some(client) = e.downcast_ref::<hyper_util::client::legacy::Error>() {
                connect |= client.is_connect();
            }
            cause = e.source();
        }
        let message = if refused {
            format!(
                "the connection to the server {server} was refused - did you specify the right host or port?"
            )
        } else if let Some(reason) = tls {
            format!(
                "cannot verify the server {server} over TLS ({reason}) - check the cluster's \
                 certificate-authority-data (or certificate-authority) in the kubeconfig, and that \
                 the server address is one its certificate is for"
            )
        } else if connect {
            format!(
                "unable to connect to the server {server}: {} - check the server address in the kubeconfig",
                error_chain(&*err)
            )
        } else {
            return err;
        };
        Box::new(Unreachable {
            message,
            source: err,
        })
    }
}

/// The tower layer that turns connection failures into [`Unreachable`].
struct NameServerLayer {
    server: Arc<str>,
}

impl<S> tower::Layer<S> for NameServerLayer {
    type Service = NameServer<S>;

    fn layer(&self, inner: S) -> NameServer<S> {
        NameServer {
            inner,
            server: self.server.clone(),
        }
    }
}

/// The service [`NameServerLayer`] wraps around kube's stack.
struct NameServer<S> {
    inner: S,
    server: Arc<str>,
}

impl<S, R> tower::Service<R> for NameServer<S>
where
    S: tower::Service<R>,
    S::Error: Into<tower::BoxError>,
    S::Response: Send + 'static,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = tower::BoxError;
    type Future = futures::future::BoxFuture<'static, Result<S::Response, tower::BoxError>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        let server = &self.server;
        self.inner
            .poll_ready(cx)
            .map_err(|e| Unreachable::classify(server, e.into()))
    }

    fn call(&mut self, req: R) -> Self::Future {
        let server = self.server.clone();
        let response = self.inner.call(req);
        Box::pin(async move {
            response
                .await
                .map_err(|e| Unreachable::classify(&server, e.into()))
        })
    }
}

/// An error and its causes joined by `: `, without repeats.
fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = vec![err.to_string()];
    let mut source = err.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = cause.source();
    }
    parts.join(": ")
}

/// A one-line description of a kube error for users: the API server's message for API errors
/// (`pods "x" is forbidden: ...`), the [`Unreachable`] text when the server could not be reached,
/// else the error and its causes joined by `: `, without repeats.
pub fn describe_kube_error(err: &kube::Error) -> String {
    if let kube::Error::Api(status) = err
        && !status.message.is_empty()
    {
        return status.message.clone();
    }
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cause {
        if let Some(unreachable) = e.downcast_ref::<Unreachable>() {
            return unreachable.to_string();
        }
        cause = e.source();
    }
    error_chain(err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsStr;

    #[test]
    fn connection_failures_name_the_server_and_other_errors_pass_through() {
        use std::io::{Error, ErrorKind};
        let refused = Unreachable::classify(
            "h:6443",
            Box::new(Error::from(ErrorKind::ConnectionRefused)),
        );
        assert_eq!(
            describe_kube_error(&kube::Error::Service(refused)),
            "the connection to the server h:6443 was refused - did you specify the right host or port?"
        );
        let untrusted = rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer);
        let tls = Unreachable::classify(
            "h:6443",
            Box::new(Error::other(Error::new(ErrorKind::InvalidData, untrusted))),
        );
        let text = describe_kube_error(&kube::Error::Service(tls));
        assert!(
            text.starts_with("cannot verify the server h:6443 over TLS (invalid peer certificate: UnknownIssuer) - check"),
            "{text}"
        );
        let other = Unreachable::classify("h:6443", Box::new(Error::other("auth plugin failed")));
        assert!(!other.is::<Unreachable>());
        assert_eq!(
            describe_kube_error(&kube::Error::Service(other)),
            "ServiceError: auth plugin failed"
        );
    }

    #[test]
    fn flag_wins_over_env_and_home() {
        let paths = kubeconfig_paths(
            Some(Path::new("/tmp/a")),
            Some(OsStr::new("/tmp/b")),
            Some(Path::new("/home/u")),
        );
        assert_eq!(paths, vec![PathBuf::from("/tmp/a")]);
    }

    #[test]
    fn env_lists_every_file_in_order() {
        let paths = kubeconfig_paths(
            None,
            Some(OsStr::new("/tmp/b::/tmp/c")),
            Some(Path::new("/home/u")),
        );
        assert_eq!(
            paths,
            vec![PathBuf::from("/tmp/b"), PathBuf::from("/tmp/c")]
        );
    }

    #[test]
    fn empty_env_falls_back_to_home() {
        let paths = kubeconfig_paths(None, Some(OsStr::new("")), Some(Path::new("/home/u")));
        assert_eq!(paths, vec![PathBuf::from("/home/u/.kube/config")]);
        assert!(kubeconfig_paths(None, None, None).is_empty());
    }

    #[test]
    fn home_is_shown_as_tilde() {
        let home = Path::new("/home/u");
        assert_eq!(
            display_path(Path::new("/home/u/.kube/config"), Some(home)),
            "~/.kube/config"
        );
        assert_eq!(
            display_path(Path::new("/etc/kube.yaml"), Some(home)),
            "/etc/kube.yaml"
        );
    }
}
