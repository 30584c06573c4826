//! `--obfuscate` (spec §5): replace sensitive label values with the first 4 bytes of their SHA-256
//! as 8 lowercase hex characters, as `linkerd diagnostics proxy-metrics --obfuscate` does.
//!
//! On a raw body only the hashed values change: families, their order, comments, `# UNIT` and
//! `# EOF` lines stay byte for byte (unlike Linkerd, which re-encodes and drops them). Lines that
//! do not parse are copied unchanged.

use sha2::{Digest, Sha256};

use crate::metrics::model::Snapshot;
use crate::metrics::parse::{self, Line};

/// How much to hide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Obfuscation {
    /// Linkerd's label set ([`COMPAT_LABELS`]).
    #[default]
    Compat,
    /// Linkerd's set, [`STRICT_EXTRA_LABELS`] and every `dst_*` label.
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
                && (STRICT_EXTRA_LABELS.contains(&name) || name.starts_with("dst_")))
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
        let Ok(Line::Sample(sample)) = parse::lex_line(content, i + 1) else {
            out.push_str(line);
            continue;
        };
        let mut copied = 0;
        for label in sample.labels.iter().filter(|l| level.hides(&l.name)) {
            let start = label.raw_value.as_ptr() as usize - content.as_ptr() as usize;
            out.push_str(&content[copied..start]);
            out.push_str(&hash_value(&label.value));
            copied = start + label.raw_value.len();
        }
        out.push_str(&line[copied..]);
    }
    out
}

/// Obfuscate the sample labels of a snapshot in place (target labels are the user's own and stay).
pub fn obfuscate_snapshot(snapshot: &mut Snapshot, level: Obfuscation) {
    for target in &mut snapshot.targets {
        target.rewrite(|text| obfuscate_body(text, level));
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
}
