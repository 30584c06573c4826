//! `export --remote-write URL`: push samples to a Prometheus remote-write 1.0 receiver in
//! batches, retrying 5xx/429 and transport failures with backoff, never other 4xx, and account
//! for every sample (spec §6).

pub mod buffer;
pub mod every;
pub mod proto;
pub mod retry;

use std::fmt;

use base64::Engine;
use bytes::Bytes;
use http::header::{AUTHORIZATION, CONTENT_ENCODING, CONTENT_TYPE, USER_AGENT};
use http::{HeaderMap, HeaderName, HeaderValue, Method, Request, StatusCode, Uri};
use http_body_util::Full;

use super::error::body_excerpt;
use super::http::{HttpClient, HttpOptions, parse_endpoint, redact};
use super::{ExportError, Metadata, Series};
use crate::interrupt::Interrupt;
pub use buffer::Buffer;
pub use every::{Collected, Event, EveryFailure, EveryReport, run_every, run_every_buffered};
use proto::{MetricMetadata, WriteRequest};
pub use retry::RetryPolicy;

/// The remote-write protocol version header and its 1.0 value.
const VERSION_HEADER: &str = "x-prometheus-remote-write-version";
const VERSION: &str = "0.1.0";
/// How much of an error answer is read and quoted.
const MAX_ERROR_BODY: usize = 64 * 1024;
const EXCERPT_CHARS: usize = 300;

/// Credentials sent with every request. `Debug` never shows them.
#[derive(Clone, Default)]
pub enum Auth {
    /// No `Authorization` header.
    #[default]
    None,
    /// `Authorization: Bearer TOKEN`.
    Bearer(String),
    /// `Authorization: Basic base64(USER:PASSWORD)`.
    Basic {
        /// The user name.
        username: String,
        /// The password.
        password: String,
    },
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Auth::None => f.write_str("None"),
            Auth::Bearer(_) => f.write_str("Bearer(<redacted>)"),
            Auth::Basic { username, .. } => write!(f, "Basic({username}:<redacted>)"),
        }
    }
}

/// Where and how to push.
#[derive(Debug, Clone)]
pub struct RemoteWriteConfig {
    /// The receiver's URL (`http://prometheus:9090/api/v1/write`, `https://mimir/api/v1/push`).
    pub url: String,
    /// Credentials.
    pub auth: Auth,
    /// Extra headers (`X-Scope-OrgID: tenant`), from [`parse_header`].
    pub headers: Vec<(HeaderName, HeaderValue)>,
    /// The most samples in one request.
    pub max_samples_per_request: usize,
    /// Retries of failed requests.
    pub retry: RetryPolicy,
    /// Connection settings: per-request deadline, CA file.
    pub http: HttpOptions,
}

impl RemoteWriteConfig {
    /// Defaults for `url`: no auth, 2000 samples per request, 5 attempts, 30s per request.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            auth: Auth::None,
            headers: Vec::new(),
            max_samples_per_request: 2000,
            retry: RetryPolicy::default(),
            http: HttpOptions::default(),
        }
    }
}

/// Parses a `--header 'Name: value'` argument. The value is never echoed in errors.
pub fn parse_header(header: &str) -> Result<(HeaderName, HeaderValue), ExportError> {
    let (name, value) = header
        .split_once(':')
        .ok_or_else(|| ExportError::InvalidHeader {
            header: header.split_whitespace().next().unwrap_or("").to_string(),
            reason: "expected 'Name: value'".into(),
        })?;
    let invalid = |reason: &str| ExportError::InvalidHeader {
        header: name.trim().to_string(),
        reason: reason.to_string(),
    };
    let name = HeaderName::from_bytes(name.trim().as_bytes())
        .map_err(|_| invalid("not a valid header name"))?;
    let mut value = HeaderValue::from_str(value.trim())
        .map_err(|_| invalid("the value has characters a header cannot hold"))?;
    value.set_sensitive(true);
    Ok((name, value))
}

/// What was accepted by the receiver.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PushReport {
    /// Samples in accepted requests.
    pub samples: usize,
    /// Accepted requests.
    pub requests: usize,
    /// Requests that were sent again after a retryable failure.
    pub retries: usize,
}

impl PushReport {
    /// Adds `other`'s counts to these.
    pub fn add(&mut self, other: &PushReport) {
        self.samples += other.samples;
        self.requests += other.requests;
        self.retries += other.retries;
    }

    /// `sent N samples in M requests to URL` (with the retries, if any).
    pub fn summary(&self, url: &str) -> String {
        let mut line = format!(
            "sent {} {} in {} {} to {url}",
            self.samples,
            plural(self.samples, "sample", "samples"),
            self.requests,
            plural(self.requests, "request", "requests"),
        );
        if self.retries > 0 {
            line.push_str(&format!(
                " ({} {})",
                self.retries,
                plural(self.retries, "retry", "retries")
            ));
        }
        line
    }
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

/// A push that stopped before every sample was accepted.
#[derive(Debug)]
pub struct PushFailure {
    /// What was accepted before the failure.
    pub accepted: PushReport,
    /// Samples not accepted: the failed request's and those never sent.
    pub unsent: usize,
    /// Why it stopped.
    pub error: ExportError,
}

impl fmt::Display for PushFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({} samples accepted before that, {} not sent)",
            self.error, self.accepted.samples, self.unsent
        )
    }
}

impl std::error::Error for PushFailure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

/// A configured remote-write client.
pub struct RemoteWriter {
    client: HttpClient,
    uri: Uri,
    display_url: String,
    headers: HeaderMap,
    max_samples: usize,
    retry: RetryPolicy,
}

impl RemoteWriter {
    /// Checks the configuration and builds the client; no request is made yet.
    pub fn new(config: RemoteWriteConfig) -> Result<Self, ExportError> {
        let uri = parse_endpoint(&config.url)?;
        let mut headers = HeaderMap::new();
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/x-protobuf"),
        );
        headers.insert(CONTENT_ENCODING, HeaderValue::from_static("snappy"));
        headers.insert(VERSION_HEADER, HeaderValue::from_static(VERSION));
        headers.insert(USER_AGENT, HeaderValue::from_static(crate::USER_AGENT));
        for (name, value) in config.headers {
            let reserved = [
                CONTENT_TYPE,
                CONTENT_ENCODING,
                HeaderName::from_static(VERSION_HEADER),
            ];
            if reserved.contains(&name) {
                return Err(ExportError::InvalidHeader {
                    header: name.to_string(),
                    reason: "remote write sets this header itself".into(),
                });
            }
            if name == AUTHORIZATION && !matches!(config.auth, Auth::None) {
                return Err(ExportError::InvalidHeader {
                    header: name.to_string(),
                    reason:
                        "give credentials once: either this header or --bearer-token/--basic-auth"
                            .into(),
                });
            }
            headers.insert(name, value);
        }
        if let Some(value) = authorization(&config.auth)? {
            headers.insert(AUTHORIZATION, value);
        }
        Ok(Self {
            client: HttpClient::new(&config.http)?,
            display_url: redact(&config.url),
            uri,
            headers,
            max_samples: config.max_samples_per_request.max(1),
            retry: config.retry,
        })
    }

    /// The receiver's URL as shown in messages.
    pub fn url(&self) -> &str {
        &self.display_url
    }

    /// Sends every series, `max_samples_per_request` per request, the metadata with the first.
    /// Series are taken from the iterator one batch at a time, so a large scrape is never held
    /// twice in memory. A first interrupt lets the push finish; a second abandons it.
    pub async fn push<I>(
        &self,
        series: I,
        metadata: &[Metadata],
        interrupt: &Interrupt,
    ) -> Result<PushReport, PushFailure>
    where
        I: IntoIterator<Item = Series>,
    {
        let mut batches = self.batches(series, metadata);
        let mut report = PushReport::default();
        while let Some(batch) = batches.next_batch() {
            let batch = match batch {
                Ok(batch) => batch,
                Err((error, in_batch)) => {
                    return Err(PushFailure {
                        accepted: report,
                        unsent: in_batch + batches.rest(),
                        error,
                    });
                }
            };
            match self.send_with_retries(batch.body, interrupt, None).await {
                Ok(retries) => {
                    report.samples += batch.samples;
                    report.requests += 1;
                    report.retries += retries;
                }
                Err(error) => {
                    return Err(PushFailure {
                        accepted: report,
                        unsent: batch.samples + batches.rest(),
                        error,
                    });
                }
            }
        }
        Ok(report)
    }

    /// `series` cut into encoded requests of at most `max_samples_per_request`.
    fn batches<I>(&self, series: I, metadata: &[Metadata]) -> Batches<I::IntoIter>
    where
        I: IntoIterator<Item = Series>,
    {
        Batches {
            series: series.into_iter(),
            metadata: metadata.iter().map(MetricMetadata::from).collect(),
            max_samples: self.max_samples,
        }
    }

    /// Sends one encoded batch until it is accepted, a non-retryable answer comes, the attempts
    /// run out, the next retry would start after `deadline`, or a second interrupt abandons it.
    /// Returns how many retries it took.
    async fn send_with_retries(
        &self,
        body: Bytes,
        interrupt: &Interrupt,
        deadline: Option<tokio::time::Instant>,
    ) -> Result<usize, ExportError> {
        let mut attempt = 1;
        loop {
            let mut request = Request::builder()
                .method(Method::POST)
                .uri(self.uri.clone())
                .body(Full::new(body.clone()))
                .map_err(|err| ExportError::Source(format!("cannot build the request: {err}")))?;
            *request.headers_mut() = self.headers.clone();
            let outcome = tokio::select! {
                outcome = self.client.send(request, MAX_ERROR_BODY) => outcome,
                () = interrupt.abandon() => return Err(ExportError::Abandoned),
            };
            let (error, retry_after) = match outcome {
                Ok(response) if response.status.is_success() => return Ok(attempt as usize - 1),
                Ok(response) => {
                    let error = ExportError::Status {
                        url: self.display_url.clone(),
                        status: response.status,
                        body: body_excerpt(&response.body, EXCERPT_CHARS),
                        attempts: attempt,
                        hint: status_hint(response.status),
                    };
                    if !retry::is_retryable(response.status) {
                        return Err(error);
                    }
                    (error, retry::retry_after(&response.headers))
                }
                Err(reason) => (
                    ExportError::Unreachable {
                        url: self.display_url.clone(),
                        reason,
                        attempts: attempt,
                    },
                    None,
                ),
            };
            if attempt >= self.retry.max_attempts {
                return Err(error);
            }
            let delay = self.retry.delay(attempt, retry_after);
            if deadline.is_some_and(|deadline| tokio::time::Instant::now() + delay > deadline) {
                return Err(error);
            }
            tracing::info!(url = %self.display_url, attempt, ?delay, "remote write failed, retrying: {error}");
            tokio::select! {
                () = tokio::time::sleep(delay) => {}
                () = interrupt.abandon() => return Err(ExportError::Abandoned),
            }
            attempt += 1;
        }
    }
}

/// One encoded request and the samples it carries.
struct Encoded {
    body: Bytes,
    samples: usize,
}

/// Series cut into encoded requests as they are taken; the metadata goes with the first.
struct Batches<I> {
    series: I,
    metadata: Vec<MetricMetadata>,
    max_samples: usize,
}

impl<I: Iterator<Item = Series>> Batches<I> {
    /// The next request; `None` after the last. A series that cannot be sent, or a request that
    /// cannot be encoded, is an error with the samples of that request (the bad one included).
    fn next_batch(&mut self) -> Option<Result<Encoded, (ExportError, usize)>> {
        let mut batch = Vec::with_capacity(self.max_samples.min(4096));
        for one in self.series.by_ref() {
            match proto::time_series(one) {
                Ok(timeseries) => batch.push(timeseries),
                Err(error) => return Some(Err((error, batch.len() + 1))),
            }
            if batch.len() == self.max_samples {
                break;
            }
        }
        if batch.is_empty() {
            return None;
        }
        let samples = batch.len();
        let request = WriteRequest {
            timeseries: batch,
            metadata: std::mem::take(&mut self.metadata),
        };
        Some(
            proto::encode(&request)
                .map(|body| Encoded {
                    body: Bytes::from(body),
                    samples,
                })
                .map_err(|error| (error, samples)),
        )
    }

    /// How many series are left, counted by taking them.
    fn rest(&mut self) -> usize {
        self.series.by_ref().count()
    }
}

/// What usually causes `status` from a remote-write receiver.
fn status_hint(status: StatusCode) -> Option<&'static str> {
    match status.as_u16() {
        401 | 403 => Some("check the credentials (--bearer-token, --basic-auth, --header)"),
        404 | 405 => Some(
            "check the URL is the receiver's write path (Prometheus: /api/v1/write, started with --web.enable-remote-write-receiver)",
        ),
        413 => Some("lower --batch-size"),
        _ => None,
    }
}

fn authorization(auth: &Auth) -> Result<Option<HeaderValue>, ExportError> {
    let text = match auth {
        Auth::None => return Ok(None),
        Auth::Bearer(token) => format!("Bearer {}", token.trim()),
        Auth::Basic { username, password } => format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"))
        ),
    };
    let mut value = HeaderValue::from_str(&text).map_err(|_| ExportError::InvalidHeader {
        header: AUTHORIZATION.to_string(),
        reason: "the credentials have characters a header cannot hold".into(),
    })?;
    value.set_sensitive(true);
    Ok(Some(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_argument_is_parsed_without_echoing_the_value() {
        let (name, value) = parse_header("X-Scope-OrgID:  tenant-1 ").unwrap();
        assert_eq!(name, "x-scope-orgid");
        assert_eq!(value, "tenant-1");
        assert!(value.is_sensitive());
        let err = parse_header("X-Token secret").unwrap_err().to_string();
        assert!(
            err.contains("expected 'Name: value'") && !err.contains("secret"),
            "{err}"
        );
        let err = parse_header("X-Token: sec\nret").unwrap_err().to_string();
        assert!(!err.contains("sec"), "{err}");
    }

    #[test]
    fn reserved_and_duplicate_credential_headers_are_refused() {
        let mut config = RemoteWriteConfig::new("http://127.0.0.1:1/api/v1/write");
        config.headers = vec![parse_header("Content-Encoding: gzip").unwrap()];
        let err = RemoteWriter::new(config).err().unwrap().to_string();
        assert!(err.contains("sets this header itself"), "{err}");

        let mut config = RemoteWriteConfig::new("http://127.0.0.1:1/api/v1/write");
        config.auth = Auth::Bearer("t".into());
        config.headers = vec![parse_header("Authorization: Bearer x").unwrap()];
        let err = RemoteWriter::new(config).err().unwrap().to_string();
        assert!(err.contains("give credentials once"), "{err}");
    }

    #[test]
    fn auth_headers_and_debug_redaction() {
        let basic = Auth::Basic {
            username: "bob".into(),
            password: "pw".into(),
        };
        assert_eq!(authorization(&basic).unwrap().unwrap(), "Basic Ym9iOnB3");
        assert_eq!(
            authorization(&Auth::Bearer("tok\n".into()))
                .unwrap()
                .unwrap(),
            "Bearer tok"
        );
        assert_eq!(format!("{basic:?}"), "Basic(bob:<redacted>)");
        assert!(!format!("{:?}", Auth::Bearer("tok".into())).contains("tok"));
    }

    #[test]
    fn summary_counts_samples_requests_and_retries() {
        let report = PushReport {
            samples: 4500,
            requests: 3,
            retries: 0,
        };
        assert_eq!(
            report.summary("http://h/w"),
            "sent 4500 samples in 3 requests to http://h/w"
        );
        let report = PushReport {
            samples: 1,
            requests: 1,
            retries: 1,
        };
        assert_eq!(
            report.summary("u"),
            "sent 1 sample in 1 request to u (1 retry)"
        );
    }
}
