//! Label selectors (`-l app=web,tier!=db`), parsed and matched in memory the way the API server does.

use std::collections::BTreeMap;
use std::fmt;

/// A parsed label selector: every requirement must hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelSelector {
    text: String,
    requirements: Vec<Requirement>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Requirement {
    Equals(String, String),
    NotEquals(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    NotExists(String),
}

/// Why a selector could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid selector \"{selector}\": {reason}")]
pub struct SelectorError {
    selector: String,
    reason: String,
}

impl LabelSelector {
    /// Parses kubectl's selector syntax: `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`,
    /// `k`, `!k`, joined by commas.
    pub fn parse(text: &str) -> Result<LabelSelector, SelectorError> {
        let error = |reason: String| SelectorError {
            selector: text.to_string(),
            reason,
        };
        let mut requirements = Vec::new();
        for term in split_terms(text).map_err(error)? {
            requirements.push(parse_term(term).map_err(error)?);
        }
        Ok(LabelSelector {
            text: text.to_string(),
            requirements,
        })
    }

    /// Whether `labels` satisfy every requirement.
    pub fn matches(&self, labels: Option<&BTreeMap<String, String>>) -> bool {
        let get = |key: &str| labels.and_then(|l| l.get(key)).map(String::as_str);
        self.requirements.iter().all(|req| match req {
            Requirement::Equals(k, v) => get(k) == Some(v.as_str()),
            Requirement::NotEquals(k, v) => get(k) != Some(v.as_str()),
            Requirement::In(k, vs) => get(k).is_some_and(|got| vs.iter().any(|v| v == got)),
            Requirement::NotIn(k, vs) => !get(k).is_some_and(|got| vs.iter().any(|v| v == got)),
            Requirement::Exists(k) => get(k).is_some(),
            Requirement::NotExists(k) => get(k).is_none(),
        })
    }
}

impl fmt::Display for LabelSelector {
    /// Writes the selector as the user typed it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Splits on commas outside parentheses, trimming each term; rejects empty terms.
fn split_terms(text: &str) -> Result<Vec<&str>, String> {
    let mut terms = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.checked_sub(1).ok_or("unbalanced parentheses")?,
            ',' if depth == 0 => {
                terms.push(text[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    if depth != 0 {
        return Err("unbalanced parentheses".to_string());
    }
    terms.push(text[start..].trim());
    if terms.iter().any(|t| t.is_empty()) {
        return Err("empty requirement".to_string());
    }
    Ok(terms)
}

fn parse_term(term: &str) -> Result<Requirement, String> {
    if let Some(key) = term.strip_prefix('!') {
        return Ok(Requirement::NotExists(label_key(key.trim())?));
    }
    if let Some((key, value)) = term.split_once("!=") {
        return Ok(Requirement::NotEquals(
            label_key(key.trim())?,
            label_value(value.trim())?,
        ));
    }
    if let Some((key, value)) = term.split_once("==").or_else(|| term.split_once('=')) {
        return Ok(Requirement::Equals(
            label_key(key.trim())?,
            label_value(value.trim())?,
        ));
    }
    if let Some((key, rest)) = term.split_once(char::is_whitespace) {
        let rest = rest.trim_start();
        let (set, negated) = if let Some(set) = rest.strip_prefix("notin") {
            (set, true)
        } else if let Some(set) = rest.strip_prefix("in") {
            (set, false)
        } else {
            return Err(format!("expected \"in\" or \"notin\" after \"{key}\""));
        };
        let values = value_set(set.trim())?;
        let key = label_key(key)?;
        return Ok(if negated {
            Requirement::NotIn(key, values)
        } else {
            Requirement::In(key, values)
        });
    }
    Ok(Requirement::Exists(label_key(term)?))
}

fn value_set(set: &str) -> Result<Vec<String>, String> {
    let inner = set
        .strip_prefix('(')
        .and_then(|s| s.strip_suffix(')'))
        .ok_or("a set must be written (a,b,c)")?;
    inner.split(',').map(|v| label_value(v.trim())).collect()
}

/// A label key: optional DNS-subdomain prefix and `/`, then a name of alphanumerics, `-`, `_`, `.`.
fn label_key(key: &str) -> Result<String, String> {
    let name = match key.rsplit_once('/') {
        Some((prefix, name)) => {
            let prefix_ok = !prefix.is_empty()
                && prefix.len() <= 253
                && prefix
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.');
            if !prefix_ok {
                return Err(format!("invalid label key prefix in \"{key}\""));
            }
            name
        }
        None => key,
    };
    if name.is_empty() || name.len() > 63 || !is_label_text(name) {
        return Err(format!("invalid label key \"{key}\""));
    }
    Ok(key.to_string())
}

fn label_value(value: &str) -> Result<String, String> {
    if value.len() > 63 || !(value.is_empty() || is_label_text(value)) {
        return Err(format!("invalid label value \"{value}\""));
    }
    Ok(value.to_string())
}

/// Alphanumerics, `-`, `_` and `.`, beginning and ending with an alphanumeric.
fn is_label_text(text: &str) -> bool {
    let edge_ok = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    edge_ok(text.chars().next())
        && edge_ok(text.chars().last())
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn matches(selector: &str, pairs: &[(&str, &str)]) -> bool {
        LabelSelector::parse(selector)
            .unwrap()
            .matches(Some(&labels(pairs)))
    }

    #[test]
    fn equality_and_inequality() {
        assert!(matches("app=web", &[("app", "web")]));
        assert!(matches("app==web", &[("app", "web")]));
        assert!(!matches("app=web", &[("app", "api")]));
        assert!(matches(
            "app=web,tier!=db",
            &[("app", "web"), ("tier", "fe")]
        ));
        assert!(!matches(
            "app=web,tier!=db",
            &[("app", "web"), ("tier", "db")]
        ));
        assert!(
            matches("tier!=db", &[]),
            "!= holds when the label is absent"
        );
    }

    #[test]
    fn sets_and_existence() {
        assert!(matches("env in (prod, staging)", &[("env", "staging")]));
        assert!(!matches("env in (prod,staging)", &[("env", "dev")]));
        assert!(!matches("env in (prod)", &[]));
        assert!(matches("env notin (prod)", &[]));
        assert!(!matches("env notin (prod)", &[("env", "prod")]));
        assert!(matches(
            "linkerd.io/proxy-deployment",
            &[("linkerd.io/proxy-deployment", "web")]
        ));
        assert!(!matches("!app", &[("app", "x")]));
        assert!(matches("!app", &[("other", "x")]));
    }

    #[test]
    fn no_labels_at_all() {
        let selector = LabelSelector::parse("app=web").unwrap();
        assert!(!selector.matches(None));
        assert!(LabelSelector::parse("!app").unwrap().matches(None));
    }

    #[test]
    fn malformed_selectors_are_rejected_with_the_selector_named() {
        for text in [
            "app=web,",
            "=web",
            "app in prod",
            "env in (a",
            "a b",
            "app=-x",
            "Bad_Prefix/x=1",
        ] {
            let err = LabelSelector::parse(text).unwrap_err();
            assert!(
                err.to_string()
                    .starts_with(&format!("invalid selector \"{text}\"")),
                "{err}"
            );
        }
    }

    #[test]
    fn display_is_the_original_text() {
        assert_eq!(
            LabelSelector::parse("app=web,tier!=db")
                .unwrap()
                .to_string(),
            "app=web,tier!=db"
        );
    }
}
