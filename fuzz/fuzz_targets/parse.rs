//! Fuzz the exposition parser: what `linkerd_export::fuzz_checks::parse` checks (never panic;
//! strict success implies lenient success with no errors; whatever parses is written back as
//! text that parses again with every sample kept).

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| linkerd_export::fuzz_checks::parse(data));
