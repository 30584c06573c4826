//! Fuzz `diff`: what `linkerd_export::fuzz_checks::diff` checks (two inputs split at the first
//! 0xFF byte give the same rows through each of `diff`'s paths, and the rows render).

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| linkerd_export::fuzz_checks::diff(data));
