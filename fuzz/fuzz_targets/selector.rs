//! Fuzz the `--match` selector and `-m` pattern syntax: never panic, and a parsed selector can be
//! evaluated.

#![no_main]

use std::borrow::Cow;

use libfuzzer_sys::fuzz_target;
use linkerd_export::metrics::filter::{NamePattern, VectorSelector};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(selector) = VectorSelector::parse(text) {
        let lookup = |name: &str| (name == "direction").then_some(Cow::Borrowed("inbound"));
        let _ = selector.matches("request_total", "request_total", &lookup);
    }
    if let Ok(pattern) = NamePattern::parse(text) {
        let _ = pattern.matches("request_total");
    }
});
