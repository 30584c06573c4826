//! Selection: `-m/--metric NAME_OR_REGEX` and `--match` PromQL vector selectors
//! (`name{a="x",b!="y",c=~"re",d!~"re"}`), applied to parsed bodies and snapshots.
//!
//! A sample is kept when it matches any `-m` pattern (or none were given) and any `--match`
//! selector (or none were given). Names are compared with both the family name and the sample
//! name, so selecting a histogram family keeps its `_bucket`/`_sum`/`_count` samples. Regexes are
//! fully anchored, as in PromQL; a missing label matches `=""`.

use std::borrow::Cow;

use regex::Regex;

use crate::metrics::model::{Snapshot, Target};
use crate::metrics::parse::Body;

mod promql;

/// A bad `-m` or `--match` argument.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SelectError {
    /// The selector text does not parse; `column` is 1-based.
    #[error("invalid selector {text:?} at column {column}: {message}")]
    Syntax {
        /// The selector as given.
        text: String,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        message: &'static str,
    },
    /// A regex does not compile.
    #[error("invalid regex {regex:?}: {source}")]
    Regex {
        /// The regex as given.
        regex: String,
        /// Why it does not compile.
        #[source]
        source: regex::Error,
    },
}

/// A `-m` argument: an exact name, or an anchored regex.
#[derive(Debug, Clone)]
pub enum NamePattern {
    /// A plain metric name, compared exactly.
    Exact(String),
    /// Anything else, as a fully anchored regex.
    Regex(Regex),
}

impl NamePattern {
    /// Read a `-m` argument: a valid metric name is exact, anything else a regex.
    pub fn parse(text: &str) -> Result<Self, SelectError> {
        let plain = !text.is_empty()
            && text.bytes().enumerate().all(|(i, b)| {
                b.is_ascii_alphabetic() || b == b'_' || b == b':' || (i > 0 && b.is_ascii_digit())
            });
        if plain {
            Ok(NamePattern::Exact(text.to_string()))
        } else {
            anchored(text).map(NamePattern::Regex)
        }
    }

    /// Whether `name` matches.
    pub fn matches(&self, name: &str) -> bool {
        match self {
            NamePattern::Exact(n) => n == name,
            NamePattern::Regex(re) => re.is_match(name),
        }
    }
}

fn anchored(re: &str) -> Result<Regex, SelectError> {
    Regex::new(&format!("^(?s:{re})$")).map_err(|source| SelectError::Regex {
        regex: re.to_string(),
        source,
    })
}

/// A label matcher's operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchOp {
    /// `=`
    Equal,
    /// `!=`
    NotEqual,
    /// `=~`
    Regex,
    /// `!~`
    NotRegex,
}

/// One label matcher of a selector.
#[derive(Debug, Clone)]
pub struct Matcher {
    /// Label name (`__name__` for the metric name).
    pub name: String,
    /// Operator.
    pub op: MatchOp,
    /// The value as given (decoded).
    pub value: String,
    regex: Option<Regex>,
}

impl Matcher {
    /// Whether a label value (empty when the label is missing) matches.
    pub fn matches(&self, value: &str) -> bool {
        match (self.op, &self.regex) {
            (MatchOp::Equal, _) => value == self.value,
            (MatchOp::NotEqual, _) => value != self.value,
            (MatchOp::Regex, Some(re)) => re.is_match(value),
            (MatchOp::NotRegex, Some(re)) => !re.is_match(value),
            (_, None) => false,
        }
    }
}

/// A PromQL vector selector: `name{matchers}`; the name becomes a `__name__` matcher.
#[derive(Debug, Clone)]
pub struct VectorSelector {
    /// All matchers, the name first when given.
    pub matchers: Vec<Matcher>,
}

impl VectorSelector {
    /// Parse PromQL vector selector syntax.
    pub fn parse(text: &str) -> Result<Self, SelectError> {
        promql::parse(text)
    }

    /// Whether a sample matches; `label` looks up a label value (target or sample labels).
    pub fn matches<'v>(
        &self,
        family: &str,
        sample: &str,
        label: &dyn Fn(&str) -> Option<Cow<'v, str>>,
    ) -> bool {
        self.matches_name(sample, label) || (family != sample && self.matches_name(family, label))
    }

    fn matches_name<'v>(&self, name: &str, label: &dyn Fn(&str) -> Option<Cow<'v, str>>) -> bool {
        self.matchers.iter().all(|m| {
            if m.name == "__name__" {
                m.matches(name)
            } else {
                m.matches(label(&m.name).as_deref().unwrap_or(""))
            }
        })
    }
}

/// The combined `-m` and `--match` filter.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// `-m` patterns (OR).
    pub names: Vec<NamePattern>,
    /// `--match` selectors (OR).
    pub selectors: Vec<VectorSelector>,
}

impl Filter {
    /// Build from the raw `-m` and `--match` arguments.
    pub fn new<M: AsRef<str>, S: AsRef<str>>(
        metrics: &[M],
        matches: &[S],
    ) -> Result<Self, SelectError> {
        Ok(Filter {
            names: metrics
                .iter()
                .map(|m| NamePattern::parse(m.as_ref()))
                .collect::<Result<_, _>>()?,
            selectors: matches
                .iter()
                .map(|s| VectorSelector::parse(s.as_ref()))
                .collect::<Result<_, _>>()?,
        })
    }

    /// True when nothing is filtered out.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty() && self.selectors.is_empty()
    }

    /// Whether a sample is kept.
    pub fn matches<'v>(
        &self,
        family: &str,
        sample: &str,
        label: &dyn Fn(&str) -> Option<Cow<'v, str>>,
    ) -> bool {
        let by_name = self.names.is_empty()
            || self
                .names
                .iter()
                .any(|p| p.matches(family) || p.matches(sample));
        by_name
            && (self.selectors.is_empty()
                || self
                    .selectors
                    .iter()
                    .any(|s| s.matches(family, sample, label)))
    }

    /// Drop the samples of `body` that do not match, and families left empty.
    pub fn retain_body(&self, body: &mut Body<'_>) {
        if self.is_empty() {
            return;
        }
        for family in &mut body.families {
            let name = family.name.clone();
            family
                .samples
                .retain(|s| self.matches(&name, &s.name, &|l| s.labels.get(l)));
        }
        body.families.retain(|f| !f.samples.is_empty());
    }

    /// Drop the samples of `snapshot` that do not match (target labels count), and families left
    /// empty.
    pub fn retain_snapshot(&self, snapshot: &mut Snapshot) {
        if self.is_empty() {
            return;
        }
        for target in &mut snapshot.targets {
            self.retain_target(target);
        }
    }

    /// Drop the samples of `target` that do not match (its target labels count), and families
    /// left empty.
    pub fn retain_target(&self, target: &mut Target) {
        if self.is_empty() {
            return;
        }
        let target_labels = target.labels.clone();
        target.retain(|family, s| {
            let lookup = |l: &str| {
                s.label(l).or_else(|| {
                    target_labels
                        .iter()
                        .find(|(n, _)| n == l)
                        .map(|(_, v)| Cow::Owned(v.clone()))
                })
            };
            self.matches(family.name(), s.name, &lookup)
        });
    }
}

/// Removes the target labels that name the workload and its pods (the workload label,
/// `instance`, the pod's labels), keeping `job`, `namespace` and `pod`, so two workloads' series
/// compare as one (`diff deploy/web-v1 deploy/web-v2`).
pub fn drop_workload_labels(snapshot: &mut Snapshot) {
    for target in &mut snapshot.targets {
        drop_target_workload_labels(target);
    }
}

/// [`drop_workload_labels`] of one target.
pub fn drop_target_workload_labels(target: &mut Target) {
    const KEPT: &[&str] = &["job", "namespace", "pod"];
    target
        .labels
        .retain(|(name, _)| KEPT.contains(&name.as_str()));
}

#[cfg(test)]
mod tests;
