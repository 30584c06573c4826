//! Connecting to the cluster: kubeconfig, context and default namespace, with kubectl's precedence,
//! and why it failed ([`ClusterError`]). kubectl's override flags live in `overrides`, exec
//! credential plugins in `exec` (their tokens, sent and renewed, in `token`), and errors that name an
//! unreachable API server in `connection`.

mod connection;
mod exec;
mod overrides;
mod token;

pub mod viz;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use kube::config::{Config, Kubeconfig, KubeconfigError};

pub use connection::describe_kube_error;
pub use exec::ExecError;
pub use overrides::Overrides;

use connection::client_for;
use exec::Credential;
use overrides::{apply_overrides, apply_request_timeout, apply_user_overrides, flags_only_context};
use token::ExecToken;

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
    #[error("cannot load kubeconfig {path}: {}", describe_load_error(source))]
    LoadKubeconfig {
        /// The file, with the home directory shown as `~`.
        path: String,
        /// What went wrong (shown without the file's contents).
        #[source]
        source: KubeconfigError,
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
    /// `--cluster` or `--user` names an entry the kubeconfig does not have.
    #[error("cannot use context \"{context}\": {entry} \"{name}\" not found in kubeconfig {path}")]
    EntryNotFound {
        /// The context in use.
        context: String,
        /// `cluster` or `user`.
        entry: &'static str,
        /// The name given.
        name: String,
        /// The kubeconfig file(s) searched.
        path: String,
    },
    /// The context's cluster or user entry is incomplete or invalid.
    #[error("cannot use context \"{context}\": {}", describe_load_error(source))]
    Context {
        /// The context in use.
        context: String,
        /// What is wrong with it (shown without the file's contents).
        #[source]
        source: KubeconfigError,
    },
    /// The user's exec credential plugin gave no credential.
    #[error("cannot create a client for context \"{context}\": {source}")]
    ExecPlugin {
        /// The context in use.
        context: String,
        /// Why.
        #[source]
        source: ExecError,
    },
    /// The client could not be built (TLS material, auth plugin setup).
    #[error("cannot create a client for context \"{context}\": {source}")]
    Client {
        /// The context in use (`in-cluster` without a kubeconfig).
        context: String,
        /// What went wrong.
        #[source]
        source: kube::Error,
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
        let loaded = Kubeconfig::read_from(path)
            .and_then(|config| match merged.take() {
                None => Ok(config),
                Some(earlier) => earlier.merge(config),
            })
            .map_err(|source| ClusterError::LoadKubeconfig {
                path: display.clone(),
                source,
            })?;
        merged = Some(loaded);
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
        .map_err(|source| ClusterError::Context {
            context: context.clone(),
            source,
        })?;
    apply_request_timeout(&mut config, overrides.request_timeout);
    let exec_failed = |source| ClusterError::ExecPlugin {
        context: context.clone(),
        source,
    };
    let token = match exec::run_plugin_once(&mut config.auth_info).map_err(exec_failed)? {
        Some((plugin, Credential::Token { token, expires })) => Some(Arc::new(
            ExecToken::new(plugin, &token, expires).map_err(exec_failed)?,
        )),
        _ => None,
    };
    without_retries(&mut config);
    let default_namespace = config.default_namespace.clone();
    let client = client_for(config, token).map_err(|source| ClusterError::Client {
        context: context.clone(),
        source,
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
    apply_user_overrides(&mut config.auth_info, &opts.overrides);
    apply_request_timeout(&mut config, opts.overrides.request_timeout);
    without_retries(&mut config);
    let default_namespace = config.default_namespace.clone();
    let client = client_for(config, None).map_err(|source| ClusterError::Client {
        context: "in-cluster".to_string(),
        source,
    })?;
    Ok(Cluster {
        client,
        context: None,
        default_namespace,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsStr;

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
