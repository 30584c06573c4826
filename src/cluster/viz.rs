//! Finding the linkerd-viz extension in the cluster: its namespace (labelled
//! `linkerd.io/extension=viz`) for `prometheus-config`, and its Prometheus pod (labelled
//! `component=prometheus`) for `--source prometheus`.

use k8s_openapi::api::core::v1::{Namespace, Pod};
use kube::Api;
use kube::api::ListParams;

/// The label that finds the linkerd-viz Prometheus pod in the viz namespace.
const PROMETHEUS_POD_SELECTOR: &str = "component=prometheus";
/// The port the linkerd-viz Prometheus serves its API on.
pub(crate) const PROMETHEUS_PORT: u16 = 9090;
/// The label linkerd-viz puts on its namespace.
const VIZ_NAMESPACE_SELECTOR: &str = "linkerd.io/extension=viz";
/// The labels of the linkerd-viz Prometheus pod, for finding it when the namespace is unlabelled.
const VIZ_PROMETHEUS_POD_SELECTOR: &str = "linkerd.io/extension=viz,component=prometheus";

/// Why the viz extension could not be found; each says what to pass instead.
#[derive(Debug, thiserror::Error)]
pub enum VizError {
    /// No namespace carries the viz label.
    #[error(
        "no linkerd-viz namespace found (no namespace has label {VIZ_NAMESPACE_SELECTOR}): install linkerd-viz, or pass --viz-namespace NS"
    )]
    NoNamespace,
    /// Several namespaces carry the viz label.
    #[error("several namespaces have label {VIZ_NAMESPACE_SELECTOR} ({}): pass --viz-namespace NS", .0.join(", "))]
    SeveralNamespaces(Vec<String>),
    /// No running Prometheus pod in the viz namespace.
    #[error(
        "no running linkerd-viz Prometheus pod (label {PROMETHEUS_POD_SELECTOR}) in namespace {0}: is linkerd-viz installed with its Prometheus? Or pass --source prometheus=URL"
    )]
    NoPrometheus(String),
    /// The API server refused or failed the listing.
    #[error("cannot list {what}: {}{}", describe(source), hint(.what))]
    Api {
        /// What was being listed (`namespaces`, `pods in linkerd-viz`).
        what: String,
        /// The API server's answer or the transport error.
        #[source]
        source: Box<kube::Error>,
    },
}

fn hint(what: &str) -> &'static str {
    if what == "namespaces" || what == "pods" {
        "; pass --viz-namespace NS to skip the lookup"
    } else {
        ""
    }
}

/// The namespace linkerd-viz is installed in: the one labelled `linkerd.io/extension=viz`, else
/// (a namespace created without the label) the one holding the viz Prometheus pod.
pub async fn detect_namespace(client: &kube::Client) -> Result<String, VizError> {
    let namespaces: Api<Namespace> = Api::all(client.clone());
    let list = namespaces
        .list(&ListParams::default().labels(VIZ_NAMESPACE_SELECTOR))
        .await
        .map_err(|err| api_error("namespaces", err))?;
    let mut names: Vec<String> = list
        .items
        .into_iter()
        .filter_map(|namespace| namespace.metadata.name)
        .collect();
    if names.is_empty() {
        let pods: Api<Pod> = Api::all(client.clone());
        names = pods
            .list(&ListParams::default().labels(VIZ_PROMETHEUS_POD_SELECTOR))
            .await
            .map_err(|err| api_error("pods", err))?
            .items
            .into_iter()
            .filter_map(|pod| pod.metadata.namespace)
            .collect();
    }
    names.sort();
    names.dedup();
    match names.len() {
        0 => Err(VizError::NoNamespace),
        1 => Ok(names.remove(0)),
        _ => Err(VizError::SeveralNamespaces(names)),
    }
}

/// The name of a running linkerd-viz Prometheus pod in `namespace` (the first by name, if it is
/// scaled up).
pub async fn prometheus_pod(client: &kube::Client, namespace: &str) -> Result<String, VizError> {
    let pods: Api<Pod> = Api::namespaced(client.clone(), namespace);
    let list = pods
        .list(&ListParams::default().labels(PROMETHEUS_POD_SELECTOR))
        .await
        .map_err(|err| api_error(&format!("pods in {namespace}"), err))?;
    let mut running: Vec<String> = list
        .items
        .into_iter()
        .filter(|pod| {
            pod.status
                .as_ref()
                .and_then(|status| status.phase.as_deref())
                == Some("Running")
        })
        .filter_map(|pod| pod.metadata.name)
        .collect();
    running.sort();
    running
        .into_iter()
        .next()
        .ok_or_else(|| VizError::NoPrometheus(namespace.to_string()))
}

/// The API server's answer as `HTTP CODE: message`, or the transport error.
fn describe(err: &kube::Error) -> String {
    match err {
        kube::Error::Api(status) => format!("HTTP {}: {}", status.code, status.message),
        other => other.to_string(),
    }
}

fn api_error(what: &str, err: kube::Error) -> VizError {
    VizError::Api {
        what: what.to_string(),
        source: Box::new(err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_say_what_to_pass() {
        assert!(
            VizError::NoNamespace
                .to_string()
                .ends_with("pass --viz-namespace NS")
        );
        assert_eq!(
            VizError::SeveralNamespaces(vec!["a".into(), "b".into()]).to_string(),
            "several namespaces have label linkerd.io/extension=viz (a, b): pass --viz-namespace NS"
        );
        assert!(
            VizError::NoPrometheus("linkerd-viz".into())
                .to_string()
                .ends_with("Or pass --source prometheus=URL")
        );
        let status =
            kube::core::Status::failure("namespaces is forbidden", "Forbidden").with_code(403);
        let forbidden = VizError::Api {
            what: "namespaces".into(),
            source: Box::new(kube::Error::Api(status.boxed())),
        };
        assert_eq!(
            forbidden.to_string(),
            "cannot list namespaces: HTTP 403: namespaces is forbidden; pass --viz-namespace NS to skip the lookup"
        );
    }
}
