//! `--source prometheus[=URL]` (spec §6): the targets' proxy metrics read through the
//! linkerd-viz Prometheus' federation API instead of from the proxies — the Prometheus pod found
//! in the viz namespace (reached like the proxies are), or a Prometheus at a URL. The targets
//! become federation selectors (`target_selectors`); the answer is split back into targets by
//! their target labels.

use bytes::Bytes;
use http::header::{ACCEPT, ACCEPT_ENCODING, CONTENT_ENCODING, USER_AGENT};
use http::{HeaderValue, Request, Uri};
use http_body_util::Full;

use super::{Options, scrape_options};
use crate::cluster;
use crate::cluster::viz::{self, PROMETHEUS_PORT};
use crate::error::{Error, Result};
use crate::export::ExportError;
use crate::export::error::body_excerpt;
use crate::export::http::{HttpClient, HttpOptions, parse_endpoint, redact};
use crate::forward::{self, FetchOptions, ForwardError};
use crate::metrics::model::{Snapshot, TARGET_LABEL_NAMES};
use crate::resolve::{self, ResourceKind, TargetSpec};

/// The selector for every proxy metric: linkerd-viz' Prometheus scrapes proxies as this job.
pub const PROXY_SELECTOR: &str = r#"{job="linkerd-proxy"}"#;
/// The largest answer read (decompressed); past it, narrowing the selection is the way out.
const MAX_BODY: usize = 1 << 30;

/// A client for one Prometheus' `/federate`.
pub struct FederationSource {
    client: HttpClient,
    base: String,
}

/// What `/federate` answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Federated {
    /// Prometheus text format: `# TYPE` lines and samples with timestamps in milliseconds.
    pub text: String,
    /// The URL read, credentials removed.
    pub url: String,
}

impl FederationSource {
    /// A source reading from the Prometheus at `base_url` (`http://127.0.0.1:9090`, or with a
    /// path prefix such as `https://host/prometheus`).
    pub fn new(base_url: &str, options: &HttpOptions) -> Result<Self, ExportError> {
        parse_endpoint(base_url)?;
        Ok(Self {
            client: HttpClient::new(options)?,
            base: base_url.trim_end_matches('/').to_string(),
        })
    }

    /// `GET /federate?match[]=SEL...`: every series matching one of `selectors`, at its latest
    /// sample.
    pub async fn fetch(&self, selectors: &[&str]) -> Result<Federated, ExportError> {
        let url = federate_url(&self.base, selectors);
        let shown = redact(&url);
        let uri: Uri = parse_endpoint(&url)?;
        let request = Request::get(uri)
            .header(ACCEPT, "text/plain;version=0.0.4")
            .header(ACCEPT_ENCODING, "gzip")
            .header(USER_AGENT, crate::USER_AGENT)
            .body(Full::new(Bytes::new()))
            .map_err(|err| ExportError::InvalidUrl {
                url: shown.clone(),
                reason: err.to_string(),
            })?;
        let response = self
            .client
            .send(request, MAX_BODY)
            .await
            .map_err(|reason| ExportError::Unreachable {
                url: shown.clone(),
                reason,
                attempts: 1,
            })?;
        let too_big = || {
            ExportError::Source(format!(
                "{shown} answered more than {} MiB: narrow the selection",
                MAX_BODY >> 20
            ))
        };
        if response.truncated {
            return Err(too_big());
        }
        let gzipped =
            response.headers.get(CONTENT_ENCODING) == Some(&HeaderValue::from_static("gzip"));
        let bytes = if gzipped {
            match forward::gunzip_limited(&response.body, MAX_BODY as u64) {
                Ok(plain) => plain.to_vec(),
                Err(ForwardError::TooLarge { .. }) => return Err(too_big()),
                Err(err) => {
                    return Err(ExportError::Source(format!(
                        "{shown}: bad gzip answer: {}",
                        gzip_reason(err)
                    )));
                }
            }
        } else {
            response.body.to_vec()
        };
        if !response.status.is_success() {
            return Err(ExportError::Status {
                url: shown,
                status: response.status,
                body: body_excerpt(&bytes, 300),
                attempts: 1,
                hint: None,
            });
        }
        let text = String::from_utf8(bytes)
            .map_err(|_| ExportError::Source(format!("{shown} answered text that is not UTF-8")))?;
        Ok(Federated { text, url: shown })
    }
}

/// What a failed gunzip says, without [`ForwardError`]'s own wording.
fn gzip_reason(err: ForwardError) -> String {
    match err {
        ForwardError::Decode(reason) => reason,
        other => other.to_string(),
    }
}

/// `--source prometheus` without a URL: `/federate` of the linkerd-viz Prometheus pod in
/// `viz_namespace` (label `component=prometheus`, port 9090), reached like the proxies are
/// (port-forward or the API server's pods/proxy, per `options.via`).
pub async fn fetch_from_cluster(
    client: &kube::Client,
    viz_namespace: &str,
    selectors: &[&str],
    options: &FetchOptions,
) -> Result<Federated, ExportError> {
    let pod = viz::prometheus_pod(client, viz_namespace)
        .await
        .map_err(|err| ExportError::Source(err.to_string()))?;
    let path = federate_url("", selectors);
    let shown = format!("{viz_namespace}/{pod}:{PROMETHEUS_PORT}{path}");
    let fetched = forward::fetch(client, viz_namespace, &pod, PROMETHEUS_PORT, &path, options)
        .await
        .map_err(|err| {
            ExportError::Source(format!(
                "cannot read the linkerd-viz Prometheus {shown}: {err}"
            ))
        })?;
    let text = String::from_utf8(fetched.body.to_vec())
        .map_err(|_| ExportError::Source(format!("{shown} answered text that is not UTF-8")))?;
    Ok(Federated { text, url: shown })
}

/// The `match[]` selectors picking the targets' proxies out of the linkerd-viz Prometheus: the
/// proxy job, narrowed to `namespace` (`None`: every namespace) and, per target, to the label the
/// viz Prometheus gives its series (`deploy/web` → `deployment="web"`, `job/x` → `k8s_job="x"`,
/// `deploy` → `deployment=~".+"`, `ns/NAME` → `namespace="NAME"`). No target: the whole scope.
pub(crate) fn target_selectors(targets: &[TargetSpec], namespace: Option<&str>) -> Vec<String> {
    let scoped = |namespace: Option<&str>, extra: Option<String>| {
        let mut matchers = vec![r#"job="linkerd-proxy""#.to_string()];
        matchers.extend(namespace.map(|ns| format!("namespace=\"{}\"", escape(ns))));
        matchers.extend(extra);
        format!("{{{}}}", matchers.join(","))
    };
    if targets.is_empty() {
        return vec![scoped(namespace, None)];
    }
    targets
        .iter()
        .map(|target| match target {
            TargetSpec::Namespace(name) => scoped(Some(name), None),
            TargetSpec::Named { kind, name } => scoped(
                namespace,
                Some(format!("{}=\"{}\"", workload_label(*kind), escape(name))),
            ),
            TargetSpec::Kind(kind) => scoped(
                namespace,
                Some(format!("{}=~\".+\"", workload_label(*kind))),
            ),
        })
        .collect()
}

/// The label linkerd-viz' Prometheus puts the pod's `kind` name in (spec §4's target labels).
fn workload_label(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::Job => "k8s_job",
        other => other.singular(),
    }
}

fn escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"")
}

/// `BASE/federate?match[]=SEL&...`, the selectors percent-encoded.
pub(crate) fn federate_url(base: &str, selectors: &[&str]) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for selector in selectors {
        query.append_pair("match[]", selector);
    }
    format!("{}/federate?{}", base.trim_end_matches('/'), query.finish())
}

/// `--source prometheus[=URL]`: the targets' proxy metrics as the linkerd-viz Prometheus
/// federates them, with the target labels it gives them.
pub(crate) struct Federation {
    selectors: Vec<String>,
    reader: FederationReader,
}

enum FederationReader {
    Url(FederationSource),
    Cluster {
        client: kube::Client,
        viz_namespace: String,
        fetch: FetchOptions,
    },
}

impl Federation {
    /// Turns the targets and scope into federation selectors and finds the Prometheus to read:
    /// `url`, else the linkerd-viz Prometheus pod of the cluster.
    pub(crate) async fn connect(
        options: &Options,
        targets: &[String],
        url: Option<&str>,
    ) -> Result<Federation> {
        if options.selector.is_some() {
            return Err(Error::Usage(
                "-l/--selector cannot be used with --source prometheus: Prometheus' series carry no pod labels; use TYPE/NAME targets".into(),
            ));
        }
        let specs = resolve::parse_targets(targets)?;
        let (reader, default_namespace) = match url {
            Some(url) => {
                // Only the kubeconfig's namespace is wanted from the cluster, and "default" stands
                // in for it when there is no kubeconfig: a Prometheus URL needs no cluster.
                let default_namespace = if options.namespace.is_some() || options.all_namespaces {
                    String::new()
                } else {
                    cluster::connect(&options.cluster)
                        .await
                        .map_or_else(|_| "default".to_string(), |c| c.default_namespace)
                };
                let source = FederationSource::new(
                    url,
                    &HttpOptions {
                        timeout: options.fetch.timeout,
                        ca_file: None,
                    },
                )?;
                (FederationReader::Url(source), default_namespace)
            }
            None => {
                let cluster = cluster::connect(&options.cluster).await?;
                let viz_namespace = viz::detect_namespace(&cluster.client).await?;
                let reader = FederationReader::Cluster {
                    client: cluster.client,
                    viz_namespace,
                    fetch: scrape_options(options).fetch,
                };
                (reader, cluster.default_namespace)
            }
        };
        let namespace = match (&options.namespace, options.all_namespaces) {
            (_, true) => None,
            (Some(namespace), false) => Some(namespace.as_str()),
            (None, false) => Some(default_namespace.as_str()),
        };
        let selectors = target_selectors(&specs, namespace);
        Ok(Federation { selectors, reader })
    }

    /// Reads `/federate` once and parses it into a snapshot with target labels.
    pub(crate) async fn snapshot(&self) -> Result<Snapshot> {
        self.read().await.map(|(snapshot, _)| snapshot)
    }

    /// Reads `/federate` once: the snapshot and the URL read (credentials removed).
    pub(crate) async fn read(&self) -> Result<(Snapshot, String)> {
        let selectors: Vec<&str> = self.selectors.iter().map(String::as_str).collect();
        let federated = match &self.reader {
            FederationReader::Url(source) => source.fetch(&selectors).await,
            FederationReader::Cluster {
                client,
                viz_namespace,
                fetch,
            } => fetch_from_cluster(client, viz_namespace, &selectors, fetch).await,
        }?;
        let snapshot = Snapshot::from_merged_text(federated.text, TARGET_LABEL_NAMES)
            .map_err(|e| Error::Failed(format!("{}: malformed answer: {e}", federated.url)))?;
        if snapshot.targets.is_empty() {
            return Err(Error::Failed(format!(
                "{} has no series for {}: check the namespace and targets",
                federated.url,
                self.selectors.join(" or ")
            )));
        }
        Ok((snapshot, federated.url))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_encodes_every_selector() {
        assert_eq!(
            federate_url("http://127.0.0.1:9090/", &[PROXY_SELECTOR, "up"]),
            "http://127.0.0.1:9090/federate?match%5B%5D=%7Bjob%3D%22linkerd-proxy%22%7D&match%5B%5D=up"
        );
        assert_eq!(
            federate_url("https://h/prometheus", &["a"]),
            "https://h/prometheus/federate?match%5B%5D=a"
        );
    }

    #[test]
    fn targets_become_label_matchers_in_the_scope() {
        let targets =
            crate::resolve::parse_targets(&["deploy/web", "job/once", "sts", "ns/other"]).unwrap();
        assert_eq!(
            target_selectors(&targets, Some("emojivoto")),
            [
                r#"{job="linkerd-proxy",namespace="emojivoto",deployment="web"}"#,
                r#"{job="linkerd-proxy",namespace="emojivoto",k8s_job="once"}"#,
                r#"{job="linkerd-proxy",namespace="emojivoto",statefulset=~".+"}"#,
                r#"{job="linkerd-proxy",namespace="other"}"#,
            ]
        );
        assert_eq!(target_selectors(&[], None), [PROXY_SELECTOR]);
        assert_eq!(
            target_selectors(&[], Some(r#"a"b"#)),
            [r#"{job="linkerd-proxy",namespace="a\"b"}"#]
        );
    }
}
