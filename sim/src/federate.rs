//! The linkerd-viz Prometheus pod's `/federate` endpoint (port 9090): every simulated proxy's
//! samples with the target labels Linkerd's Prometheus scrape config adds, filtered by `match[]`.
//!
//! Unlike a real Prometheus it answers from the proxies' current bodies rather than from its last
//! scrape, and faults injected into single proxies do not affect it; like a real one it prints every family as `untyped`, sorts labels by name, and stamps
//! each sample with a millisecond timestamp.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use http::{Response, StatusCode, header};
use regex::Regex;

use super::proxy::{Body, Proxy, full};

/// One label matcher of a series selector.
#[derive(Debug, Clone)]
enum Matcher {
    Equal(String, String),
    NotEqual(String, String),
    Regex(String, Regex),
    NotRegex(String, Regex),
}

impl Matcher {
    fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        let get = |k: &str| labels.get(k).map(String::as_str).unwrap_or_default();
        match self {
            Matcher::Equal(k, v) => get(k) == v,
            Matcher::NotEqual(k, v) => get(k) != v,
            Matcher::Regex(k, re) => re.is_match(get(k)),
            Matcher::NotRegex(k, re) => !re.is_match(get(k)),
        }
    }
}

/// Parses `label="value"` pairs (with `\"`, `\\` and `\n` escapes) from a sample's label set.
fn parse_pairs(s: &str) -> Option<Vec<(String, String, String)>> {
    let mut out = Vec::new();
    let mut rest = s.trim();
    while !rest.is_empty() {
        let op_at = rest.find(['=', '!'])?;
        let name = rest[..op_at].trim().to_string();
        let after = &rest[op_at..];
        let op = ["!~", "=~", "!=", "="]
            .into_iter()
            .find(|op| after.starts_with(op))?;
        let value_start = after[op.len()..].trim_start().strip_prefix('"')?;
        let mut value = String::new();
        let mut chars = value_start.char_indices();
        let end = loop {
            let (i, c) = chars.next()?;
            match c {
                '\\' => match chars.next()?.1 {
                    'n' => value.push('\n'),
                    other => value.push(other),
                },
                '"' => break i,
                c => value.push(c),
            }
        };
        out.push((name, op.to_string(), value));
        rest = value_start[end + 1..]
            .trim_start()
            .trim_start_matches(',')
            .trim_start();
    }
    Some(out)
}

/// A `match[]` series selector: `name`, `{matchers}` or `name{matchers}`.
#[derive(Debug, Clone)]
pub struct SeriesSelector(Vec<Matcher>);

impl SeriesSelector {
    /// Parses a selector; errors are lower-case messages like Prometheus'.
    pub fn parse(s: &str) -> Result<SeriesSelector, String> {
        let s = s.trim();
        let (name, body) = match s.find('{') {
            Some(i) => (
                &s[..i],
                s[i + 1..]
                    .strip_suffix('}')
                    .ok_or_else(|| format!("parse error: unclosed selector {s:?}"))?,
            ),
            None => (s, ""),
        };
        let mut matchers = Vec::new();
        if !name.trim().is_empty() {
            matchers.push(Matcher::Equal("__name__".into(), name.trim().into()));
        }
        for (label, op, value) in
            parse_pairs(body).ok_or_else(|| format!("parse error: invalid selector {s:?}"))?
        {
            let anchored = || {
                Regex::new(&format!("^(?:{value})$"))
                    .map_err(|e| format!("parse error: invalid regex {value:?}: {e}"))
            };
            matchers.push(match op.as_str() {
                "=" => Matcher::Equal(label, value),
                "!=" => Matcher::NotEqual(label, value),
                "=~" => Matcher::Regex(label, anchored()?),
                _ => Matcher::NotRegex(label, anchored()?),
            });
        }
        if matchers.is_empty() {
            return Err(format!(
                "parse error: selector {s:?} must contain at least one matcher"
            ));
        }
        Ok(SeriesSelector(matchers))
    }

    fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.0.iter().all(|m| m.matches(labels))
    }
}

/// The federation endpoint over a set of proxies.
pub struct Federation {
    proxies: Vec<Arc<Proxy>>,
}

fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

impl Federation {
    /// Federation over `proxies` (every running meshed pod).
    pub fn new(proxies: Vec<Arc<Proxy>>) -> Federation {
        Federation { proxies }
    }

    /// The labels linkerd-viz' Prometheus gives the pod's series: its `linkerd-proxy` scrape
    /// job's relabelling, applied in order to the pod's discovery labels. Written from the
    /// scrape config, not shared with the plugin, so the tests compare two readings of it.
    fn target_labels(proxy: &Proxy) -> Vec<(String, String)> {
        let pod = &proxy.pod;
        let mut labels = BTreeMap::new();
        labels.insert("job".to_string(), "linkerd-proxy".to_string());
        let port = pod.admin_port.unwrap_or_default();
        let instance = if pod.ip.contains(':') {
            format!("[{}]:{port}", pod.ip)
        } else {
            format!("{}:{port}", pod.ip)
        };
        labels.insert("instance".to_string(), instance);
        labels.insert("namespace".to_string(), pod.namespace.clone());
        labels.insert("pod".to_string(), pod.name.clone());
        // Discovery writes pod label names with every other character than [a-zA-Z0-9_] as `_`.
        let discovered: BTreeMap<String, &String> = pod
            .labels
            .iter()
            .map(|(name, value)| {
                let name: String = name
                    .chars()
                    .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                    .collect();
                (name, value)
            })
            .collect();
        for (name, value) in &discovered {
            if name == "linkerd_io_proxy_job" {
                labels.insert("k8s_job".to_string(), value.to_string());
            } else if let Some(kind) = name.strip_prefix("linkerd_io_proxy_") {
                labels.insert(kind.to_string(), value.to_string());
            }
        }
        // The rest: `linkerd_io_` stripped, then copied unless the name is already taken.
        let mut rest: BTreeMap<String, String> = BTreeMap::new();
        for (name, value) in &discovered {
            if name.starts_with("linkerd_io_proxy_") {
                continue;
            }
            let name = name.strip_prefix("linkerd_io_").unwrap_or(name);
            rest.entry(name.to_string())
                .or_insert_with(|| value.to_string());
        }
        for (name, value) in rest {
            labels.entry(name).or_insert(value);
        }
        labels.into_iter().collect()
    }

    /// Answers `GET /federate?match[]=...` (`selectors` already decoded).
    pub fn respond(&self, path: &str, selectors: &[String]) -> Response<Body> {
        let text = |code: StatusCode, body: String| {
            Response::builder()
                .status(code)
                .header(
                    header::CONTENT_TYPE,
                    "text/plain; version=0.0.4; charset=utf-8",
                )
                .body(full(body))
                .unwrap_or_else(|_| Response::new(full("")))
        };
        match path {
            "/-/ready" => return text(StatusCode::OK, "Prometheus Server is Ready.\n".into()),
            "/-/healthy" => return text(StatusCode::OK, "Prometheus Server is Healthy.\n".into()),
            "/federate" => {}
            _ => return text(StatusCode::NOT_FOUND, "404 page not found\n".into()),
        }
        let parsed: Result<Vec<SeriesSelector>, String> =
            selectors.iter().map(|s| SeriesSelector::parse(s)).collect();
        let selectors = match parsed {
            Ok(s) => s,
            Err(e) => return text(StatusCode::BAD_REQUEST, format!("{e}\n")),
        };
        let now_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_millis();
        let mut families: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for proxy in &self.proxies {
            let target = Federation::target_labels(proxy);
            // Chunks end at line ends, so each is parsed on its own and dropped.
            for chunk in proxy.current_body() {
                for line in std::str::from_utf8(&chunk)
                    .unwrap_or_default()
                    .lines()
                    .filter(|l| !l.starts_with('#'))
                {
                    let Some((series, value)) = line.rsplit_once(' ') else {
                        continue;
                    };
                    let (name, label_text) = match series.split_once('{') {
                        Some((n, rest)) => (n, rest.strip_suffix('}').unwrap_or(rest)),
                        None => (series, ""),
                    };
                    let mut labels: BTreeMap<String, String> = parse_pairs(label_text)
                        .unwrap_or_default()
                        .into_iter()
                        .map(|(k, _, v)| (k, v))
                        .collect();
                    for (k, v) in &target {
                        labels.entry(k.clone()).or_insert_with(|| v.clone());
                    }
                    labels.insert("__name__".into(), name.into());
                    if !selectors.iter().any(|s| s.matches(&labels)) {
                        continue;
                    }
                    labels.remove("__name__");
                    let rendered: Vec<String> = labels
                        .iter()
                        .map(|(k, v)| format!("{k}=\"{}\"", escape(v)))
                        .collect();
                    families
                        .entry(name.to_string())
                        .or_default()
                        .push(format!("{name}{{{}}} {value} {now_ms}", rendered.join(",")));
                }
            }
        }
        let mut out = String::new();
        for (name, samples) in families {
            let _ = writeln!(out, "# TYPE {name} untyped");
            for s in samples {
                out.push_str(&s);
                out.push('\n');
            }
        }
        text(StatusCode::OK, out)
    }

    /// Serves HTTP/1.1 requests on `io` until the peer closes it.
    pub async fn serve<I>(self: Arc<Self>, io: I)
    where
        I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    {
        let svc = hyper::service::service_fn(move |req: http::Request<hyper::body::Incoming>| {
            let fed = self.clone();
            async move {
                let selectors = match_params(req.uri());
                Ok::<_, std::convert::Infallible>(fed.respond(req.uri().path(), &selectors))
            }
        });
        let _ = hyper::server::conn::http1::Builder::new()
            .serve_connection(hyper_util::rt::TokioIo::new(io), svc)
            .await;
    }
}

/// The decoded `match[]` parameters of `uri`.
pub fn match_params(uri: &http::Uri) -> Vec<String> {
    super::status::query_params(uri)
        .into_iter()
        .filter(|(k, _)| k == "match[]")
        .map(|(_, v)| v)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_match_labels() {
        let labels: BTreeMap<String, String> = [
            ("__name__", "request_total"),
            ("job", "linkerd-proxy"),
            ("direction", "inbound"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        for (sel, want) in [
            ("{job=\"linkerd-proxy\"}", true),
            ("request_total{direction!=\"outbound\"}", true),
            ("{__name__=~\"request_.*\"}", true),
            ("{__name__=~\"request\"}", false),
            ("response_total", false),
            ("{job!~\"linkerd-.*\"}", false),
        ] {
            assert_eq!(
                SeriesSelector::parse(sel).unwrap().matches(&labels),
                want,
                "{sel}"
            );
        }
        assert!(SeriesSelector::parse("{}").is_err());
        assert!(SeriesSelector::parse("{job=\"x\"").is_err());
    }

    #[test]
    fn label_pairs_unescape() {
        let pairs = parse_pairs(r#"a="x\"y",b="",c="1,2""#).unwrap();
        assert_eq!(pairs[0].2, "x\"y");
        assert_eq!(pairs[1].2, "");
        assert_eq!(pairs[2].2, "1,2");
    }
}
