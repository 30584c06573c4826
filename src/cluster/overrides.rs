//! kubectl's flags that override the kubeconfig (`--server`, `--token`, `--cluster`, `--as`,
//! `--request-timeout`, ...), applied to the kubeconfig's entries as kubectl applies them.

use std::path::PathBuf;
use std::time::Duration;

use kube::config::{
    AuthInfo, Config, Context, KubeConfigOptions, Kubeconfig, NamedAuthInfo, NamedCluster,
    NamedContext,
};

use super::ClusterError;

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

/// Adds an empty context (with its cluster and user) for `--server` without a current context.
pub(super) fn flags_only_context(kubeconfig: &mut Kubeconfig) -> String {
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
pub(super) fn apply_overrides(
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
    let not_found = |entry: &'static str, name: &str| ClusterError::EntryNotFound {
        context: context.to_string(),
        entry,
        name: name.to_string(),
        path: path.to_string(),
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
pub(super) fn apply_user_overrides(user: &mut AuthInfo, overrides: &Overrides) {
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
pub(super) fn apply_request_timeout(config: &mut Config, timeout: Option<Duration>) {
    if let Some(timeout) = timeout {
        config.connect_timeout = Some(timeout);
        config.read_timeout = Some(timeout);
        config.write_timeout = Some(timeout);
    }
}
