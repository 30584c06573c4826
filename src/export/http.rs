//! The HTTP client shared by remote write and the federation source: hyper over plain TCP or
//! rustls (ring), with the system's CA certificates or a given CA file, and a whole-request
//! deadline.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http::{HeaderMap, Request, StatusCode, Uri};
use http_body_util::{BodyExt, Full};
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

use super::ExportError;

/// How the client connects.
#[derive(Debug, Clone)]
pub struct HttpOptions {
    /// Deadline for one request: connect, send, and read the answer.
    pub timeout: Duration,
    /// A PEM file of CA certificates to trust instead of the system's.
    pub ca_file: Option<std::path::PathBuf>,
}

impl Default for HttpOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(30),
            ca_file: None,
        }
    }
}

/// An answer: status, headers and (a prefix of) the body.
#[derive(Debug, Clone)]
pub struct HttpResponse {
    /// The HTTP status.
    pub status: StatusCode,
    /// The response headers.
    pub headers: HeaderMap,
    /// The body, at most the `max_body` bytes asked for.
    pub body: Bytes,
    /// Whether the body was longer than `max_body` and cut.
    pub truncated: bool,
}

/// A pooled HTTP/1.1 client for `http://` and `https://` URLs.
#[derive(Clone)]
pub struct HttpClient {
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    timeout: Duration,
}

impl HttpClient {
    /// A client trusting the system's CA certificates, or only those of `options.ca_file`.
    pub fn new(options: &HttpOptions) -> Result<Self, ExportError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = HttpsConnectorBuilder::new();
        let builder = match &options.ca_file {
            Some(path) => builder.with_tls_config(tls_config_with_ca(provider, path)?),
            // No system CA store is not fatal: plain http still works, and https then fails
            // with an unknown-issuer error that says what to do.
            None => match builder.with_provider_and_native_roots(provider.clone()) {
                Ok(builder) => builder,
                Err(_) => HttpsConnectorBuilder::new()
                    .with_tls_config(tls_config(provider, rustls::RootCertStore::empty())?),
            },
        };
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_connect_timeout(Some(options.timeout));
        let connector = builder.https_or_http().enable_http1().wrap_connector(http);
        Ok(Self {
            client: Client::builder(TokioExecutor::new()).build(connector),
            timeout: options.timeout,
        })
    }

    /// Sends `request` and reads at most `max_body` bytes of the answer, all within the deadline.
    /// The error is the transport failure, in words.
    pub async fn send(
        &self,
        request: Request<Full<Bytes>>,
        max_body: usize,
    ) -> Result<HttpResponse, String> {
        let exchange = async {
            let response = self
                .client
                .request(request)
                .await
                .map_err(|err| transport_reason(&err))?;
            let (parts, mut body) = response.into_parts();
            let mut buf = BytesMut::new();
            let mut truncated = false;
            while let Some(frame) = body.frame().await {
                let frame = frame.map_err(|err| format!("reading the answer: {err}"))?;
                if let Ok(data) = frame.into_data() {
                    let room = max_body - buf.len();
                    if data.len() > room {
                        buf.extend_from_slice(&data[..room]);
                        truncated = true;
                        break;
                    }
                    buf.extend_from_slice(&data);
                }
            }
            Ok(HttpResponse {
                status: parts.status,
                headers: parts.headers,
                body: buf.freeze(),
                truncated,
            })
        };
        match tokio::time::timeout(self.timeout, exchange).await {
            Ok(result) => result,
            Err(_) => Err(format!(
                "no complete answer within {}",
                humantime::format_duration(self.timeout)
            )),
        }
    }
}

fn tls_config(
    provider: Arc<rustls::crypto::CryptoProvider>,
    roots: rustls::RootCertStore,
) -> Result<rustls::ClientConfig, ExportError> {
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|err| ExportError::Source(format!("TLS setup: {err}")))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

fn tls_config_with_ca(
    provider: Arc<rustls::crypto::CryptoProvider>,
    path: &Path,
) -> Result<rustls::ClientConfig, ExportError> {
    let ca_error = |reason: String| ExportError::CaFile {
        path: path.display().to_string(),
        reason,
    };
    let pem = std::fs::read(path).map_err(|err| ca_error(err.to_string()))?;
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(&pem) {
        let cert = cert.map_err(|err| ca_error(format!("not PEM: {err}")))?;
        roots
            .add(cert)
            .map_err(|err| ca_error(format!("bad certificate: {err}")))?;
    }
    if roots.is_empty() {
        return Err(ca_error("no CERTIFICATE block in it".into()));
    }
    tls_config(provider, roots)
}

/// The innermost cause of a client error: "connection refused", "invalid peer certificate: ...".
fn transport_reason(err: &hyper_util::client::legacy::Error) -> String {
    let mut source: &dyn std::error::Error = err;
    while let Some(inner) = source.source() {
        source = inner;
    }
    let reason = source.to_string();
    if reason.contains("UnknownIssuer") {
        format!("{reason} (pass the server's CA with --ca-file)")
    } else {
        reason
    }
}

/// Checks an endpoint URL: `http` or `https`, a host, no credentials in it.
pub fn parse_endpoint(url: &str) -> Result<Uri, ExportError> {
    let invalid = |reason: &str| ExportError::InvalidUrl {
        url: redact(url),
        reason: reason.to_string(),
    };
    let uri: Uri = url
        .parse()
        .map_err(|err: http::uri::InvalidUri| invalid(&err.to_string()))?;
    match uri.scheme_str() {
        Some("http" | "https") => {}
        Some(_) => return Err(invalid("the scheme must be http or https")),
        None => return Err(invalid("give a full URL such as http://HOST:PORT/PATH")),
    }
    let authority = uri
        .authority()
        .ok_or_else(|| invalid("the URL has no host"))?;
    if authority.as_str().contains('@') {
        return Err(invalid(
            "credentials in the URL are not supported: use --basic-auth or --bearer-token",
        ));
    }
    Ok(uri)
}

/// `url` with any `user:password@` removed, for messages.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}://{}", &rest[at + 1..]),
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_must_be_http_with_host_and_no_credentials() {
        assert!(parse_endpoint("http://127.0.0.1:9090/api/v1/write").is_ok());
        assert!(parse_endpoint("https://mimir.example/api/v1/push").is_ok());
        let err = parse_endpoint("ftp://x/y").unwrap_err().to_string();
        assert!(err.contains("scheme must be http or https"), "{err}");
        let err = parse_endpoint("/api/v1/write").unwrap_err().to_string();
        assert!(err.contains("full URL"), "{err}");
        let err = parse_endpoint("http://bob:s3cret@host/w")
            .unwrap_err()
            .to_string();
        assert!(err.contains("--basic-auth"), "{err}");
        assert!(!err.contains("s3cret"), "{err}");
    }

    #[test]
    fn redact_drops_user_info_only() {
        assert_eq!(redact("http://u:p@h:1/a@b"), "http://h:1/a@b");
        assert_eq!(redact("http://h:1/a@b"), "http://h:1/a@b");
        assert_eq!(redact("not a url"), "not a url");
    }

    #[test]
    fn ca_file_without_certificates_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ca.pem");
        std::fs::write(&path, "hello\n").unwrap();
        let options = HttpOptions {
            ca_file: Some(path),
            ..HttpOptions::default()
        };
        let err = HttpClient::new(&options).err().unwrap().to_string();
        assert!(err.contains("no CERTIFICATE block"), "{err}");
    }
}
