//! Exec credential plugins: run the user's plugin (once per invocation, as kubectl does, and again
//! when the token it printed expires or is refused) and read the token or client certificate it
//! prints.

use std::time::SystemTime;

use base64::Engine as _;
use kube::config::{AuthInfo, ExecConfig, ExecInteractiveMode};

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
    expiration_timestamp: Option<String>,
}

/// Why the user's exec credential plugin gave no credential.
#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    /// The kubeconfig's `exec` entry has no `command`.
    #[error("the user's exec credential plugin names no command")]
    NoCommand,
    /// The plugin could not be started.
    #[error("cannot run the exec credential plugin {command}: {source}")]
    Run {
        /// The plugin's command.
        command: String,
        /// Why it could not be started.
        #[source]
        source: std::io::Error,
    },
    /// The plugin exited with a failure.
    #[error("the exec credential plugin {command} failed ({status}){}", said_note(said.as_deref()))]
    Failed {
        /// The plugin's command.
        command: String,
        /// How it exited.
        status: std::process::ExitStatus,
        /// The first non-empty line of its stderr, when it was not the terminal's.
        said: Option<String>,
    },
    /// The plugin printed something other than an `ExecCredential`.
    #[error("the exec credential plugin {command} printed no ExecCredential: {source}")]
    NotCredential {
        /// The plugin's command.
        command: String,
        /// Why its output does not decode.
        #[source]
        source: serde_json::Error,
    },
    /// The `ExecCredential` has no `status`.
    #[error("the exec credential plugin {command} printed an ExecCredential without a status")]
    NoStatus {
        /// The plugin's command.
        command: String,
    },
    /// The `status` holds neither a token nor a client certificate and key.
    #[error(
        "the exec credential plugin {command} returned neither a token nor a client certificate"
    )]
    NoCredential {
        /// The plugin's command.
        command: String,
    },
    /// `status.expirationTimestamp` is not an RFC 3339 time.
    #[error(
        "the exec credential plugin {command} printed an expirationTimestamp that is not an RFC 3339 time: {stamp}"
    )]
    Expiry {
        /// The plugin's command.
        command: String,
        /// What it printed.
        stamp: String,
    },
    /// The token cannot be sent in an HTTP header.
    #[error("the exec credential plugin {command} returned a token that is not valid in a header")]
    InvalidToken {
        /// The plugin's command.
        command: String,
    },
    /// A run that renews a token returned a client certificate instead.
    #[error(
        "the exec credential plugin {command} returned a client certificate in place of its token"
    )]
    NotToken {
        /// The plugin's command.
        command: String,
    },
    /// `provideClusterInfo` is set but the kubeconfig gives no cluster information to pass.
    #[error(
        "the exec credential plugin {command} wants cluster information the kubeconfig does not give"
    )]
    NoClusterInfo {
        /// The plugin's command.
        command: String,
    },
    /// The cluster information could not be encoded for `KUBERNETES_EXEC_INFO`.
    #[error("cannot describe the cluster to the exec credential plugin {command}: {source}")]
    ClusterInfo {
        /// The plugin's command.
        command: String,
        /// Why it does not encode.
        #[source]
        source: serde_json::Error,
    },
}

fn said_note(said: Option<&str>) -> String {
    said.map(|line| format!(": {line}")).unwrap_or_default()
}

/// The user's exec credential plugin, as the kubeconfig's `exec` entry names it.
#[derive(Clone)]
pub(super) struct Plugin {
    exec: ExecConfig,
    command: String,
}

/// What one run of the plugin gave.
pub(super) enum Credential {
    /// A bearer token, valid until `expires` when the plugin says.
    Token {
        /// The token.
        token: String,
        /// `status.expirationTimestamp`.
        expires: Option<SystemTime>,
    },
    /// A client certificate and its key (PEM).
    Certificate {
        /// The certificate.
        certificate: String,
        /// Its key.
        key: String,
    },
}

impl Plugin {
    /// The command the plugin runs, as the kubeconfig names it.
    pub(super) fn command(&self) -> &str {
        &self.command
    }

    /// Runs the plugin and reads the credential it prints.
    pub(super) fn run(&self) -> Result<Credential, ExecError> {
        let command = self.command.clone();
        let output = match exec_command(&self.exec, &command)?.output() {
            Ok(output) => output,
            Err(source) => return Err(ExecError::Run { command, source }),
        };
        if !output.status.success() {
            // An interactive plugin's stderr went to the terminal; otherwise its first line says why.
            let said = String::from_utf8_lossy(&output.stderr)
                .lines()
                .map(str::trim)
                .find(|l| !l.is_empty())
                .map(str::to_string);
            return Err(ExecError::Failed {
                command,
                status: output.status,
                said,
            });
        }
        let credential: ExecCredential = match serde_json::from_slice(&output.stdout) {
            Ok(credential) => credential,
            Err(source) => return Err(ExecError::NotCredential { command, source }),
        };
        let Some(status) = credential.status else {
            return Err(ExecError::NoStatus { command });
        };
        match status {
            ExecCredentialStatus {
                client_certificate_data: Some(certificate),
                client_key_data: Some(key),
                ..
            } => Ok(Credential::Certificate { certificate, key }),
            ExecCredentialStatus {
                token: Some(token),
                expiration_timestamp,
                ..
            } => {
                let expires = match expiration_timestamp {
                    None => None,
                    Some(stamp) => Some(
                        humantime::parse_rfc3339_weak(&stamp)
                            .map_err(|_| ExecError::Expiry { command, stamp })?,
                    ),
                };
                Ok(Credential::Token { token, expires })
            }
            _ => Err(ExecError::NoCredential { command }),
        }
    }
}

/// Runs the user's exec credential plugin once, as kubectl does, and takes it out of `user`. (kube
/// runs the plugin each time it needs the credential while building a client: three times.)
///
/// A client certificate it returns is put in `user` and used for the whole run. A token is
/// returned with the plugin, for [`super::token`] to send and renew; `None` when `user` has no
/// plugin.
pub(super) fn run_plugin_once(
    user: &mut AuthInfo,
) -> Result<Option<(Plugin, Credential)>, ExecError> {
    let Some(exec) = user.exec.take() else {
        return Ok(None);
    };
    let command = exec.command.clone().ok_or(ExecError::NoCommand)?;
    let plugin = Plugin { exec, command };
    let credential = plugin.run()?;
    let encode = |pem: &str| base64::engine::general_purpose::STANDARD.encode(pem);
    match &credential {
        Credential::Certificate { certificate, key } => {
            user.client_certificate = None;
            user.client_key = None;
            user.client_certificate_data = Some(encode(certificate));
            user.client_key_data = Some(encode(key).into());
        }
        Credential::Token { .. } => {
            // The token is sent by the renewing layer; kube must not send another.
            user.token = None;
            user.token_file = None;
        }
    }
    Ok(Some((plugin, credential)))
}

/// The plugin's process: its arguments and environment, and `KUBERNETES_EXEC_INFO` describing the
/// request, as client-go sets them.
fn exec_command(exec: &ExecConfig, command: &str) -> Result<std::process::Command, ExecError> {
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
        let cluster = exec
            .cluster
            .as_ref()
            .ok_or_else(|| ExecError::NoClusterInfo {
                command: command.to_string(),
            })?;
        spec["cluster"] =
            serde_json::to_value(cluster).map_err(|source| ExecError::ClusterInfo {
                command: command.to_string(),
                source,
            })?;
    }
    let info = serde_json::json!({
        "apiVersion": exec.api_version,
        "kind": "ExecCredential",
        "spec": spec,
    });
    cmd.env("KUBERNETES_EXEC_INFO", info.to_string());
    Ok(cmd)
}
