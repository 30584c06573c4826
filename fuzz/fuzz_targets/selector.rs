//! Fuzz the `--match` selector and `-m` pattern syntax: what
//! `linkerd_export::fuzz_checks::selector` checks (never panic, and a parsed selector can be
//! evaluated).

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| linkerd_export::fuzz_checks::selector(data));
