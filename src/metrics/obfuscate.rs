//! `--obfuscate` (spec §5): replace sensitive label values with the first 4 bytes of their SHA-256
//! as 8 lowercase hex characters, as `linkerd diagnostics proxy-metrics --obfuscate` does.
//!
//! On a raw body only the hashed values change: families, their order, comments, `# UNIT` and
//! `# EOF` lines stay byte for byte (unlike Linkerd, which re-encodes and drops them). Lines that
//! do not parse are copied unchanged. An empty value stays empty. `strict` also hashes the target
//! labels (all but `job`) and the pod name of `# POD` headers.

use sha2::{Digest, Sha256};

use crate::metrics::model::{Snapshot, TARGET_LABEL_NAMES, Target};
use crate::metrics::parse::{self, Line};

/// How much to hide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Obfuscation {
    /// Linkerd's label set ([`COMPAT_LABELS`]).
    #[default]
    Compat,
    /// Linkerd's set, [`STRICT_EXTRA_LABELS`], every `dst_*`, `parent_*` and `backend_*` label,
    /// and the target labels (in a merged file's samples, and on every target).
    Strict,
}

/// The labels `linkerd diagnostics proxy-metrics --obfuscate` hashes.
pub const COMPAT_LABELS: &[&str] = &[
    "authority",
    "client_id",
    "server_id",
    "target_addr",
    "dst_service",
    "dst_namespace",
];

/// Identifying labels Linkerd leaves in clear, hashed by [`Obfuscation::Strict`].
pub const STRICT_EXTRA_LABELS: &[&str] = &[
    "target_ip",
    "hostname",
    "sni",
    "parent_name",
    "parent_namespace",
    "backend_name",
    "backend_namespace",
    "route_name",
    "route_namespace",
    "srv_name",
    "saz_name",
    "authz_name",
    "server_name",
];

impl Obfuscation {
    /// Whether values of label `name` are hashed.
    pub fn hides(self, name: &str) -> bool {
        COMPAT_LABELS.contains(&name)
            || (self == Obfuscation::Strict
                && (STRICT_EXTRA_LABELS.contains(&name)
                    || ["dst_", "parent_", "backend_"]
                        .iter()
                        .any(|prefix| name.starts_with(prefix))
                    || (name != "job" && TARGET_LABEL_NAMES.contains(&name))))
    }
}

/// The first 4 bytes of SHA-256 of `value`, as 8 lowercase hex characters.
pub fn hash_value(value: &str) -> String {
    let digest = Sha256::digest(value.as_bytes());
    digest[..4].iter().map(|b| format!("{b:02x}")).collect()
}

/// Obfuscate a raw body (Prometheus text, OpenMetrics, or `linkerd diagnostics` output).
pub fn obfuscate_body(input: &str, level: Obfuscation) -> String {
    let mut out = String::with_capacity(input.len());
    for (i, line) in input.split_inclusive('\n').enumerate() {
        let content = line.strip_suffix('\n').unwrap_or(line);
        let sample = match parse::lex_line(content, i + 1) {
            Ok(Line::Sample(sample)) => sample,
            Ok(Line::Comment(_)) if level == Obfuscation::Strict => {
                out.push_str(&obfuscate_pod_header(line));
                continue;
            }
            _ => {
                out.push_str(line);
                continue;
            }
        };
        let mut copied = 0;
        for label in sample
            .labels
            .iter()
            .filter(|l| level.hides(&l.name) && !l.value.is_empty())
        {
            let start = label.raw_value.as_ptr() as usize - content.as_ptr() as usize;
            out.push_str(&content[copied..start]);
            out.push_str(&hash_value(&label.value));
            copied = start + label.raw_value.len();
        }
        out.push_str(&line[copied..]);
    }
    out
}

/// `# POD NAME (i of n)` with NAME hashed; any other comment as it is.
fn obfuscate_pod_header(line: &str) -> String {
    let Some(rest) = line.strip_prefix("# POD ") else {
        return line.to_string();
    };
    let name_end = rest.find([' ', '\n']).unwrap_or(rest.len());
    format!(
        "# POD {}{}",
        hash_value(&rest[..name_end]),
        &rest[name_end..]
    )
}

/// Obfuscate one target in place: its samples' labels, and with `strict` its target labels
/// (all but `job`, which names no one).
pub fn obfuscate_target(target: &mut Target, level: Obfuscation) {
    target.rewrite(|text| obfuscate_body(text, level));
    if level == Obfuscation::Strict {
        for (name, value) in &mut target.labels {
            if name != "job" && !value.is_empty() {
                *value = hash_value(value);
            }
        }
    }
}

/// Obfuscate every target of a snapshot in place ([`obfuscate_target`]).
pub fn obfuscate_snapshot(snapshot: &mut Snapshot, level: Obfuscation) {
    for target in &mut snapshot.targets {
        obfuscate_target(target, level);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::model::Target;

    const INPUT: &str = include_str!(
        "../../tests/fixtures/linkerd/linkerd2__cli__cmd__testdata__obfuscate-diagnostics-proxy-metrics.input.txt"
    );
    const GOLDEN: &str = include_str!(
        "../../tests/fixtures/linkerd/linkerd2__cli__cmd__testdata__obfuscate-diagnostics-proxy-metrics.golden.txt"
    );

    #[test]
    fn compat_matches_linkerd_golden_byte_for_byte() {
        assert_eq!(obfuscate_body(INPUT, Obfuscation::Compat), GOLDEN);
    }

    #[test]
    fn hash_is_sha256_prefix() {
        assert_eq!(hash_value("0.0.0.0:4191"), "f21fd977");
        assert_eq!(hash_value(""), "e3b0c442");
    }

    #[test]
    fn strict_hides_more_and_keeps_everything_else() {
        let input = "# TYPE x counter\n# UNIT x seconds\nx_total{target_ip=\"10.0.0.1\",dst_pod=\"web-1\",authority=\"a\\\"b\",le=\"1\"} 1\nbroken{ 1\n# EOF";
        let compat = obfuscate_body(input, Obfuscation::Compat);
        assert!(compat.contains("target_ip=\"10.0.0.1\",dst_pod=\"web-1\""));
        assert!(compat.contains(&format!("authority=\"{}\"", hash_value("a\"b"))));
        let strict = obfuscate_body(input, Obfuscation::Strict);
        assert!(strict.contains(&format!(
            "target_ip=\"{}\",dst_pod=\"{}\"",
            hash_value("10.0.0.1"),
            hash_value("web-1")
        )));
        assert!(strict.contains("le=\"1\"} 1\nbroken{ 1\n# EOF"));
        assert!(strict.starts_with("# TYPE x counter\n# UNIT x seconds\n"));
    }

    #[test]
    fn snapshot_obfuscation_matches_raw() {
        let mut snapshot = Snapshot {
            targets: vec![Target::parse(INPUT.to_string(), vec![], None).unwrap()],
        };
        obfuscate_snapshot(&mut snapshot, Obfuscation::Compat);
        let expected = Target::parse(GOLDEN.to_string(), vec![], None).unwrap();
        assert_eq!(snapshot.targets[0], expected);
    }

    #[test]
    fn empty_values_stay_empty_and_strict_hashes_names_and_pod_headers() {
        let input = "#\n# POD web-abc (1 of 1)\n#\nx{authority=\"\",dst_zone=\"\",parent_name=\"web\",backend_port=\"80\",namespace=\"emojivoto\"} 1\n";
        let compat = obfuscate_body(input, Obfuscation::Compat);
        assert!(compat.contains("authority=\"\""), "{compat}");
        assert!(compat.contains("# POD web-abc (1 of 1)"), "{compat}");
        let strict = obfuscate_body(input, Obfuscation::Strict);
        assert!(strict.contains("authority=\"\",dst_zone=\"\""), "{strict}");
        assert!(strict.contains(&format!("# POD {} (1 of 1)\n", hash_value("web-abc"))));
        for (name, value) in [
            ("parent_name", "web"),
            ("backend_port", "80"),
            ("namespace", "emojivoto"),
        ] {
            assert!(
                strict.contains(&format!("{name}=\"{}\"", hash_value(value))),
                "{name}: {strict}"
            );
        }
    }

    #[test]
    fn strict_hashes_target_labels_but_job() {
        let labels = vec![
            ("job".to_string(), "linkerd-proxy".to_string()),
            ("namespace".to_string(), "emojivoto".to_string()),
            ("pod".to_string(), "web-abc".to_string()),
        ];
        let mut target = Target::parse("x 1\n".to_string(), labels.clone(), None).unwrap();
        obfuscate_target(&mut target, Obfuscation::Compat);
        assert_eq!(target.labels, labels);
        obfuscate_target(&mut target, Obfuscation::Strict);
        assert_eq!(target.label("job"), Some("linkerd-proxy"));
        assert_eq!(
            target.label("namespace"),
            Some(hash_value("emojivoto").as_str())
        );
        assert_eq!(target.label("pod"), Some(hash_value("web-abc").as_str()));
    }
}
