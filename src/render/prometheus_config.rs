//! `prometheus-config`: the federation `scrape_configs` entry and the `ServiceMonitor` of
//! Linkerd's "Exporting Metrics" page, filled in for the cluster's linkerd-viz namespace, plus a
//! static-target form for a Prometheus outside the cluster.

use std::fmt;
use std::str::FromStr;

/// The selectors Linkerd's docs federate: every proxy metric and every control-plane metric.
const FEDERATE_SELECTORS: [&str; 2] = [r#"{job="linkerd-proxy"}"#, r#"{job="linkerd-controller"}"#];

/// Which form to print.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigFormat {
    /// A `scrape_configs` entry discovering the viz Prometheus pod through Kubernetes SD.
    ScrapeConfig,
    /// The same job with a static `HOST:PORT` target.
    Static,
    /// A prometheus-operator `ServiceMonitor`.
    ServiceMonitor,
}

impl FromStr for ConfigFormat {
    type Err = ConfigError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "scrape-config" => Ok(ConfigFormat::ScrapeConfig),
            "static" => Ok(ConfigFormat::Static),
            "service-monitor" => Ok(ConfigFormat::ServiceMonitor),
            other => Err(ConfigError(format!(
                "unknown format {other:?}: use scrape-config, static or service-monitor"
            ))),
        }
    }
}

/// What to fill in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigRequest {
    /// The form.
    pub format: ConfigFormat,
    /// The namespace of the linkerd-viz extension (its Prometheus runs there).
    pub viz_namespace: String,
    /// For [`ConfigFormat::Static`]: `HOST:PORT`, or `https://HOST:PORT` for a TLS endpoint.
    pub target: Option<String>,
}

/// A request that cannot be filled in; the message says what to pass instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(String);

/// The YAML for `request`, with a comment saying where it goes.
pub fn render(request: &ConfigRequest) -> Result<String, ConfigError> {
    let namespace = checked_namespace(&request.viz_namespace)?;
    if request.format != ConfigFormat::Static && request.target.is_some() {
        return Err(ConfigError(
            "--target is only used with --format static".into(),
        ));
    }
    match request.format {
        ConfigFormat::ScrapeConfig => Ok(scrape_config(namespace)),
        ConfigFormat::Static => {
            let target = request.target.as_deref().ok_or_else(|| {
                ConfigError(
                    "--format static needs --target HOST:PORT: the address where this Prometheus reaches the linkerd-viz Prometheus (an ingress) or `kubectl linkerd-export export --serve`".into(),
                )
            })?;
            let (scheme, address) = checked_target(target)?;
            Ok(static_config(namespace, scheme, address))
        }
        ConfigFormat::ServiceMonitor => Ok(service_monitor(namespace)),
    }
}

fn scrape_config(namespace: &str) -> String {
    format!(
        "# Federate Linkerd's metrics from the linkerd-viz Prometheus in namespace {namespace}.\n\
         # Add this item to scrape_configs: in your Prometheus configuration.\n\
         - job_name: 'linkerd'\n  \
           kubernetes_sd_configs:\n  \
           - role: pod\n    \
             namespaces:\n      \
               names: ['{namespace}']\n\
         \n  \
           relabel_configs:\n  \
           - source_labels:\n    \
             - __meta_kubernetes_pod_container_name\n    \
             action: keep\n    \
             regex: ^prometheus$\n\
         \n{}",
        federation_tail()
    )
}

fn static_config(namespace: &str, scheme: Scheme, address: &str) -> String {
    let scheme_line = match scheme {
        Scheme::Http => "",
        Scheme::Https => "  scheme: https\n",
    };
    format!(
        "# Federate Linkerd's metrics (linkerd-viz namespace {namespace}) from {address}.\n\
         # Add this item to scrape_configs: in your Prometheus configuration.\n\
         - job_name: 'linkerd'\n  \
           static_configs:\n  \
           - targets: ['{address}']\n\
         {scheme_line}\n{}",
        federation_tail()
    )
}

fn federation_tail() -> String {
    let selectors: String = FEDERATE_SELECTORS
        .iter()
        .map(|selector| format!("      - '{selector}'\n"))
        .collect();
    format!(
        "  honor_labels: true\n  metrics_path: '/federate'\n\n  params:\n    'match[]':\n{selectors}"
    )
}

fn service_monitor(namespace: &str) -> String {
    let selectors: String = FEDERATE_SELECTORS
        .iter()
        .map(|selector| format!("      - '{selector}'\n"))
        .collect();
    format!(
        "# Federate Linkerd's metrics from the linkerd-viz Prometheus in namespace {namespace}\n\
         # with prometheus-operator: kubectl apply -f this file.\n\
         apiVersion: monitoring.coreos.com/v1\n\
         kind: ServiceMonitor\n\
         metadata:\n  \
           labels:\n    \
             k8s-app: linkerd-prometheus\n    \
             release: monitoring\n  \
           name: linkerd-federate\n  \
           namespace: {namespace}\n\
         spec:\n  \
           endpoints:\n  \
           - interval: 30s\n    \
             scrapeTimeout: 30s\n    \
             params:\n      \
               match[]:\n{selectors}    \
             path: /federate\n    \
             port: admin-http\n    \
             honorLabels: true\n    \
             relabelings:\n    \
             - action: keep\n      \
               regex: '^prometheus$'\n      \
               sourceLabels:\n      \
               - '__meta_kubernetes_pod_container_name'\n  \
           jobLabel: app\n  \
           namespaceSelector:\n    \
             matchNames:\n    \
             - {namespace}\n  \
           selector:\n    \
             matchLabels:\n      \
               component: prometheus\n"
    )
}

/// A namespace is a DNS-1123 label, which is also safe to put in YAML unquoted.
fn checked_namespace(namespace: &str) -> Result<&str, ConfigError> {
    let valid = !namespace.is_empty()
        && namespace.len() <= 63
        && namespace
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !namespace.starts_with('-')
        && !namespace.ends_with('-');
    if valid {
        Ok(namespace)
    } else {
        Err(ConfigError(format!(
            "invalid namespace {namespace:?}: a namespace is lower-case letters, digits and '-'"
        )))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scheme {
    Http,
    Https,
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        })
    }
}

/// `HOST:PORT`, optionally after `http://` or `https://`; a path is refused since the job's path
/// is `/federate`.
fn checked_target(target: &str) -> Result<(Scheme, &str), ConfigError> {
    let (scheme, address) = if let Some(rest) = target.strip_prefix("https://") {
        (Scheme::Https, rest)
    } else if let Some(rest) = target.strip_prefix("http://") {
        (Scheme::Http, rest)
    } else {
        (Scheme::Http, target)
    };
    let invalid = |reason: &str| ConfigError(format!("invalid --target {target:?}: {reason}"));
    if address.contains(['/', '?', '#', '@', '\'', '"', ' ']) {
        return Err(invalid("give HOST:PORT only (the job adds /federate)"));
    }
    let (host, port) = address
        .rsplit_once(':')
        .ok_or_else(|| invalid("expected HOST:PORT"))?;
    if host.is_empty() || port.parse::<u16>().is_err() {
        return Err(invalid("expected HOST:PORT with a port number"));
    }
    Ok((scheme, address))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(format: ConfigFormat, target: Option<&str>) -> ConfigRequest {
        ConfigRequest {
            format,
            viz_namespace: "linkerd-viz".into(),
            target: target.map(str::to_string),
        }
    }

    #[test]
    fn formats_parse() {
        assert_eq!(
            "static".parse::<ConfigFormat>().unwrap(),
            ConfigFormat::Static
        );
        assert_eq!(
            "service-monitor".parse::<ConfigFormat>().unwrap(),
            ConfigFormat::ServiceMonitor
        );
        let err = "yaml".parse::<ConfigFormat>().unwrap_err().to_string();
        assert!(
            err.contains("scrape-config, static or service-monitor"),
            "{err}"
        );
    }

    #[test]
    fn scrape_config_names_the_viz_namespace() {
        let yaml = render(&request(ConfigFormat::ScrapeConfig, None)).unwrap();
        assert!(yaml.contains("      names: ['linkerd-viz']\n"), "{yaml}");
        assert!(
            yaml.contains("      - '{job=\"linkerd-proxy\"}'\n"),
            "{yaml}"
        );
    }

    #[test]
    fn static_needs_a_valid_target_and_only_static_takes_one() {
        let err = render(&request(ConfigFormat::Static, None))
            .unwrap_err()
            .to_string();
        assert!(err.contains("needs --target HOST:PORT"), "{err}");
        for bad in [
            "prom",
            "prom:http",
            ":9090",
            "http://prom:9090/federate",
            "u@prom:1",
        ] {
            let err = render(&request(ConfigFormat::Static, Some(bad)))
                .unwrap_err()
                .to_string();
            assert!(err.starts_with("invalid --target"), "{bad}: {err}");
        }
        let yaml = render(&request(
            ConfigFormat::Static,
            Some("https://prom.example:443"),
        ))
        .unwrap();
        assert!(
            yaml.contains("  - targets: ['prom.example:443']\n  scheme: https\n"),
            "{yaml}"
        );
        let err = render(&request(ConfigFormat::ServiceMonitor, Some("a:1")))
            .unwrap_err()
            .to_string();
        assert!(err.contains("only used with --format static"), "{err}");
    }

    #[test]
    fn namespace_is_checked() {
        let mut bad = request(ConfigFormat::ScrapeConfig, None);
        bad.viz_namespace = "Linkerd Viz".into();
        let err = render(&bad).unwrap_err().to_string();
        assert!(
            err.starts_with("invalid namespace \"Linkerd Viz\""),
            "{err}"
        );
    }
}
