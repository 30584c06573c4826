//! Connection errors: kube's client wrapped so that an API server that cannot be reached is named,
//! with the fix, as kubectl words it, and sending a renewed exec token when there is one; and kube
//! errors described in one line for users.

use std::sync::Arc;
use std::task::Poll;

use kube::config::Config;

use super::token::{ExecToken, RenewFailed, TokenLayer};

/// kube's client for `config`, sending `token` (an exec plugin's, renewed) when given, whose
/// connection failures name the API server and the fix ([`Unreachable`]).
pub(super) fn client_for(
    config: Config,
    token: Option<Arc<ExecToken>>,
) -> Result<kube::Client, kube::Error> {
    let server: Arc<str> = config
        .cluster_url
        .authority()
        .map_or_else(|| config.cluster_url.to_string(), ToString::to_string)
        .into();
    let builder = kube::client::ClientBuilder::try_from(config)?;
    let name_server = NameServerLayer { server };
    Ok(match token {
        Some(token) => builder
            .with_layer(&TokenLayer { token })
            .with_layer(&name_server)
            .build(),
        None => builder.with_layer(&name_server).build(),
    })
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
/// (`pods "x" is forbidden: ...`), the `Unreachable` text when the server could not be reached,
/// the plugin's error when an exec credential could not be renewed, else the error and its causes joined by `: `, without repeats.
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
        if let Some(failed) = e.downcast_ref::<RenewFailed>() {
            return failed.to_string();
        }
        cause = e.source();
    }
    error_chain(err)
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
