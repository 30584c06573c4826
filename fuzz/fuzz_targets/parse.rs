//! Fuzz the exposition parser: never panic; strict success implies lenient success with no
//! errors; whatever parses is written back as text that parses again with every sample kept.

#![no_main]

use libfuzzer_sys::fuzz_target;
use linkerd_export::metrics::model::{Snapshot, Target};
use linkerd_export::metrics::obfuscate::{Obfuscation, obfuscate_body};
use linkerd_export::metrics::parse;
use linkerd_export::metrics::write::{self, Format, WriteOptions};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (lenient, errors) = parse::parse_lenient(text);
    let strict = parse::parse(text);
    assert_eq!(strict.is_ok(), errors.is_empty());
    if let Ok(body) = &strict {
        assert_eq!(body, &lenient);
    }
    let _ = obfuscate_body(text, Obfuscation::Strict);
    let snapshot = Snapshot {
        targets: vec![Target::parse_lenient(text.to_string(), vec![("pod".into(), "p".into())], Some(1)).0],
    };
    for format in [Format::Prometheus, Format::OpenMetrics] {
        let out = write::to_string(&snapshot, WriteOptions { format, timestamps: true });
        let again = parse::parse(&out).unwrap_or_else(|e| panic!("{format:?} output does not parse: {e}\n{out}"));
        assert_eq!(again.sample_count(), lenient.sample_count(), "{out}");
    }
});
