//! Connecting to the cluster: kubeconfig, context and default namespace, with kubectl's precedence,
//! kubectl's override flags applied over the kubeconfig, exec credential plugins run once, and
//! errors that name the API server when it cannot be reached.

pub mod viz;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use base64::Engine as _;
use kube::config::{
    AuthInfo, Config, Context, ExecConfig, ExecInteractiveMode, KubeConfigOptions, Kubeconfig,
    KubeconfigError, NamedAuthInfo, NamedCluster, NamedContext,
};

/// Where the kubeconfig comes from, which context to use (`--kubeconfig`, `--context`), and the
/// kubectl flags that override it.
#[derive(Debug, Clone, Default)]
pub struct ClusterOptions {
    /// `--kubeconfig PATH`; when absent, `KUBECONFIG`, then `~/.kube/config`.
    pub kubeconfig: Option<PathBuf>,
    /// `--context NAME`; when absent, the kubeconfig's `current-context`.
    pub context: Option<String>,
    /// kubectl's flags over the kubeconfig (`--server`, `--token`, `--as`, ...).
    pub overrides: Overrides,
}

/// kubectl's flags that override the kubeconfig (spec §2), applied as kubectl applies them: over
/// the cluster and user entries the context selects (or `--cluster`/`--user` name).
#[derive(Clone, Default)]
pub struct Overrides {
    /// `--cluster NAME`: the kubeconfig cluster to use instead of the context's.
    pub cluster: Option<String>,
    /// `--user NAME`: the kubeconfig user to use instead of the context's.
    pub user: Option<String>,
    /// `-s/--server URL`.
    pub server: Option<String>,
    /// `--token T`: a bearer token, used instead of the user's other credentials.
    pub token: Option<String>,
    /// `--certificate-authority FILE`.
    pub certificate_authority: Option<PathBuf>,
    /// `--client-certificate FILE`.
    pub client_certificate: Option<PathBuf>,
    /// `--client-key FILE`.
    pub client_key: Option<PathBuf>,
    /// `--insecure-skip-tls-verify`.
    pub insecure_skip_tls_verify: bool,
    /// `--tls-server-name NAME`.
    pub tls_server_name: Option<String>,
    /// `--as USER`.
    pub impersonate: Option<String>,
    /// `--as-group GROUP` (repeatable).
    pub impersonate_groups: Vec<String>,
    /// `--as-uid UID`.
    pub impersonate_uid: Option<String>,
    /// `--request-timeout DUR`: the deadline of each API call (`None`: kube's defaults).
    pub request_timeout: Option<Duration>,
}

impl std::fmt::Debug for Overrides {
    // Never shows the token.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Overrides")
            .field("cluster", &self.cluster)
            .field("user", &self.user)
            .field("server", &self.server)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("certificate_authority", &self.certificate_authority)
            .field("client_certificate", &self.client_certificate)
            .field("client_key", &self.client_key)
            .field("insecure_skip_tls_verify", &self.insecure_skip_tls_verify)
            .field("tls_server_name", &self.tls_server_name)
            .field("impersonate", &self.impersonate)
            .field("impersonate_groups", &self.impersonate_groups)
            .field("impersonate_uid", &self.impersonate_uid)
            .field("request_timeout", &self.request_timeout)
            .finish()
    }
}

impl Overrides {
    /// Whether any flag changes the cluster entry.
    fn touch_cluster(&self) -> bool {
        self.server.is_some()
            || self.certificate_authority.is_some()
            || self.insecure_skip_tls_verify
            || self.tls_server_name.is_some()
    }

    /// Whether any flag changes the user entry.
    fn touch_user(&self) -> bool {
        self.token.is_some()
            || self.client_certificate.is_some()
            || self.client_key.is_some()
            || self.impersonate.is_some()
            || !self.impersonate_groups.is_empty()
            || self.impersonate_uid.is_some()
    }
}

/// The context, cluster and user names given to the kubeconfig when there is no kubeconfig and
/// `--server` says where the cluster is (as `kubectl --server URL` works without one).
const FLAGS_ONLY: &str = "command-line";

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
    let overrides = &opts.overrides;
    let (mut kubeconfig, path) = match load_kubeconfig(opts, home.as_deref())? {
        Some(loaded) => loaded,
        None if overrides.server.is_some() => (Kubeconfig::default(), "(none)".to_string()),
        None => {
            let env = std::env::var_os("KUBECONFIG");
            let searched = kubeconfig_paths(None, env.as_deref(), home.as_deref())
                .iter()
                .map(|p| display_path(p, home.as_deref()))
                .collect::<Vec<_>>()
                .join(":");
            return connect_in_cluster(opts, searched);
        }
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
        None => match kubeconfig.current_context.clone().filter(|c| !c.is_empty()) {
            Some(current) => current,
            None if overrides.server.is_some() => flags_only_context(&mut kubeconfig),
            None => return Err(ClusterError::NoCurrentContext { path }),
        },
    };
    let options = apply_overrides(&mut kubeconfig, &context, overrides, &path)?;
    let mut config = Config::from_custom_kubeconfig(kubeconfig, &options)
        .await
        .map_err(|e| ClusterError::Context {
            context: context.clone(),
            reason: describe_load_error(&e),
        })?;
    apply_request_timeout(&mut config, overrides.request_timeout);
    run_exec_plugin_once(&mut config.auth_info).map_err(|reason| ClusterError::Client {
        context: context.clone(),
        reason,
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

/// Adds an empty context (with its cluster and user) for `--server` without a current context.
fn flags_only_context(kubeconfig: &mut Kubeconfig) -> String {
    kubeconfig.contexts.push(NamedContext {
        name: FLAGS_ONLY.to_string(),
        context: Some(Context {
            cluster: FLAGS_ONLY.to_string(),
            user: Some(FLAGS_ONLY.to_string()),
            ..Context::default()
        }),
        ..NamedContext::default()
    });
    FLAGS_ONLY.to_string()
}

/// Applies kubectl's override flags to the cluster and user entries `context` selects (or
/// `--cluster`/`--user` name), and returns the options that select them.
fn apply_overrides(
    kubeconfig: &mut Kubeconfig,
    context: &str,
    overrides: &Overrides,
    path: &str,
) -> Result<KubeConfigOptions, ClusterError> {
    let selected = kubeconfig
        .contexts
        .iter()
        .find(|c| c.name == context)
        .and_then(|c| c.context.clone())
        .unwrap_or_default();
    let not_found = |what: &str, name: &str| ClusterError::Context {
        context: context.to_string(),
        reason: format!("{what} \"{name}\" not found in kubeconfig {path}"),
    };
    if let Some(name) = &overrides.cluster
        && !kubeconfig.clusters.iter().any(|c| &c.name == name)
    {
        return Err(not_found("cluster", name));
    }
    if let Some(name) = &overrides.user
        && !kubeconfig.auth_infos.iter().any(|u| &u.name == name)
    {
        return Err(not_found("user", name));
    }
    let cluster_name = overrides.cluster.clone().unwrap_or(selected.cluster);
    let user_name = overrides.user.clone().or(selected.user);

    if overrides.touch_cluster() {
        let cluster = match kubeconfig
            .clusters
            .iter()
            .position(|c| c.name == cluster_name)
        {
            Some(i) => &mut kubeconfig.clusters[i],
            None => {
                kubeconfig.clusters.push(NamedCluster {
                    name: cluster_name.clone(),
                    ..NamedCluster::default()
                });
                kubeconfig.clusters.last_mut().expect("just pushed")
            }
        };
        let cluster = cluster.cluster.get_or_insert_with(Default::default);
        if let Some(server) = &overrides.server {
            cluster.server = Some(server.clone());
        }
        if let Some(ca) = &overrides.certificate_authority {
            cluster.certificate_authority = Some(ca.display().to_string());
            cluster.certificate_authority_data = None;
        } else if overrides.insecure_skip_tls_verify {
            // As kubectl: skipping verification drops the kubeconfig's CA rather than conflicting.
            cluster.certificate_authority = None;
            cluster.certificate_authority_data = None;
        }
        if overrides.insecure_skip_tls_verify {
            cluster.insecure_skip_tls_verify = Some(true);
        }
        if let Some(name) = &overrides.tls_server_name {
            cluster.tls_server_name = Some(name.clone());
        }
    }

    let user_name = match user_name {
        Some(name) => Some(name),
        None if overrides.touch_user() => Some(FLAGS_ONLY.to_string()),
        None => None,
    };
    if let Some(name) = user_name.as_ref().filter(|_| overrides.touch_user()) {
        let user = match kubeconfig.auth_infos.iter().position(|u| &u.name == name) {
            Some(i) => &mut kubeconfig.auth_infos[i],
            None => {
                kubeconfig.auth_infos.push(NamedAuthInfo {
                    name: name.clone(),
                    ..NamedAuthInfo::default()
                });
                kubeconfig.auth_infos.last_mut().expect("just pushed")
            }
        };
        apply_user_overrides(
            user.auth_info.get_or_insert_with(Default::default),
            overrides,
        );
    }
    Ok(KubeConfigOptions {
        context: Some(context.to_string()),
        cluster: Some(cluster_name),
        user: user_name,
    })
}

/// Applies the credential and impersonation flags to `user`.
fn apply_user_overrides(user: &mut AuthInfo, overrides: &Overrides) {
    if let Some(token) = &overrides.token {
        // An explicit token is the credential: the user's token file, exec or auth provider
        // would otherwise be tried first.
        user.token = Some(token.clone().into());
        user.token_file = None;
        user.exec = None;
        user.auth_provider = None;
    }
    if let Some(file) = &overrides.client_certificate {
        user.client_certificate = Some(file.display().to_string());
        user.client_certificate_data = None;
    }
    if let Some(file) = &overrides.client_key {
        user.client_key = Some(file.display().to_string());
        user.client_key_data = None;
    }
    if let Some(name) = &overrides.impersonate {
        user.impersonate = Some(name.clone());
    }
    if !overrides.impersonate_groups.is_empty() {
        user.impersonate_groups = Some(overrides.impersonate_groups.clone());
    }
    if let Some(uid) = &overrides.impersonate_uid {
        user.impersonate_uid = Some(uid.clone());
    }
}

/// `--request-timeout`: bounds connecting to the API server and each wait for its answer.
fn apply_request_timeout(config: &mut Config, timeout: Option<Duration>) {
    if let Some(timeout) = timeout {
        config.connect_timeout = Some(timeout);
        config.read_timeout = Some(timeout);
        config.write_timeout = Some(timeout);
    }
}

/// What an exec credential plugin prints (`client.authentication.k8s.io` `ExecCredential`).
#[derive(serde::Deserialize)]
struct ExecCredential {
    status: Option<ExecCredentialStatus>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct ExecCredentialStatus {
    token: Option<String>,
    client_certificate_data: Option<String>,
    client_key_data: Option<String>,
}

/// Runs the user's exec credential plugin once, as kubectl does, and puts the token or client
/// certificate it returns in its place. (kube runs the plugin each time it needs the credential
/// while building a client: three times.)
///
/// The credential is used for the whole run; an expiring one is not renewed.
fn run_exec_plugin_once(user: &mut AuthInfo) -> Result<(), String> {
    let Some(exec) = user.exec.take() else {
        return Ok(());
    };
    let command = exec
        .command
        .clone()
        .ok_or("the user's exec credential plugin names no command")?;
    let output = exec_command(&exec, &command)?
        .output()
        .map_err(|e| format!("cannot run the exec credential plugin {command}: {e}"))?;
    if !output.status.success() {
        // An interactive plugin's stderr went to the terminal; otherwise its first line says why.
        let said = String::from_utf8_lossy(&output.stderr);
        let said = said
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .map(|l| format!(": {l}"))
            .unwrap_or_default();
        return Err(format!(
            "the exec credential plugin {command} failed ({}){said}",
            output.status
        ));
    }
    let credential: ExecCredential = serde_json::from_slice(&output.stdout).map_err(|e| {
        format!("the exec credential plugin {command} printed no ExecCredential: {e}")
    })?;
    let status = credential.status.ok_or_else(|| {
        format!("the exec credential plugin {command} printed an ExecCredential without a status")
    })?;
    let encode = |pem: String| base64::engine::general_purpose::STANDARD.encode(pem);
    match status {
        ExecCredentialStatus {
            client_certificate_data: Some(certificate),
            client_key_data: Some(key),
            ..
        } => {
            user.client_certificate = None;
            user.client_key = None;
            user.client_certificate_data = Some(encode(certificate));
            user.client_key_data = Some(encode(key).into());
        }
        ExecCredentialStatus {
            token: Some(token), ..
        } => user.token = Some(token.into()),
        _ => {
            return Err(format!(
                "the exec credential plugin {command} returned neither a token nor a client certificate"
            ));
        }
    }
    Ok(())
}

/// The plugin's process: its arguments and environment, and `KUBERNETES_EXEC_INFO` describing the
/// request, as client-go sets them.
fn exec_command(exec: &ExecConfig, command: &str) -> Result<std::process::Command, String> {
    let mut cmd = std::process::Command::new(command);
    cmd.args(exec.args.iter().flatten());
    for pair in exec.env.iter().flatten() {
        if let (Some(name), Some(value)) = (pair.get("name"), pair.get("value")) {
            cmd.env(name, value);
        }
    }
    for name in exec.drop_env.iter().flatten() {
        cmd.env_remove(name);
    }
    let interactive = exec.interactive_mode != Some(ExecInteractiveMode::Never);
    if interactive {
        // It may prompt (a browser login, a PIN) on the terminal.
        cmd.stdin(std::process::Stdio::inherit())
            .stderr(std::process::Stdio::inherit());
    } else {
        cmd.stdin(std::process::Stdio::null());
    }
    let mut spec = serde_json::json!({ "interactive": interactive });
    if exec.provide_cluster_info {
        let cluster = exec.cluster.as_ref().ok_or_else(|| {
            format!("the exec credential plugin {command} wants cluster information the kubeconfig does not give")
        })?;
        spec["cluster"] = serde_json::to_value(cluster).map_err(|e| e.to_string())?;
    }
    let info = serde_json::json!({
        "apiVersion": exec.api_version,
        "kind": "ExecCredential",
        "spec": spec,
    });
    cmd.env("KUBERNETES_EXEC_INFO", info.to_string());
    Ok(cmd)
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
    apply_user_overrides(&mut config.auth_info, &opts.overrides);
    apply_request_timeout(&mut config, opts.overrides.request_timeout);
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

    fn poll_ready(&mut self, cx: &mut std::task::Context<'_>) -> Poll<Result<(), Self::Error>> {
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
