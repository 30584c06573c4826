//! Usage errors (exit 2) where a flag would otherwise be accepted and misread: `--timeout 0s` and
//! negative durations, and the global options `demo` does not use.

use crate::support::{bin, run};

#[test]
fn a_zero_timeout_is_a_usage_error() {
    let (code, _, stderr) = run(bin().args(["--timeout", "0s", "metrics"]));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("must be more than zero"), "{stderr}");
}

#[test]
fn a_negative_timeout_says_so_without_clap_s_dash_dash_tip() {
    for flag in ["--timeout", "--request-timeout"] {
        let (code, _, stderr) = run(bin().args([flag, "-1", "metrics"]));
        assert_eq!(code, 2, "{stderr}");
        assert!(stderr.contains("cannot be negative"), "{stderr}");
        assert!(!stderr.contains("'-- -1'"), "{stderr}");
    }
}

#[test]
fn demo_rejects_the_options_it_would_ignore() {
    for flags in [
        &["-n", "emojivoto"][..],
        &["-A"],
        &["-l", "app=web"],
        &["--via", "apiserver"],
        &["--via", "portforward"],
        &["--obfuscate"],
        &["--obfuscate=strict"],
        &["--kubeconfig", "/tmp/kubeconfig"],
        &["--server", "https://127.0.0.1:6443"],
        &["--as", "alice"],
        &["--as-group", "devs"],
        &["--insecure-skip-tls-verify"],
        &["--request-timeout", "5s"],
    ] {
        let (code, stdout, stderr) = run(bin().arg("demo").args(flags));
        assert_eq!(code, 2, "{flags:?}: {stderr}");
        assert!(stdout.is_empty(), "{flags:?}: {stdout}");
        assert!(
            stderr.starts_with("error: ") && stderr.contains("cannot be used with 'demo'"),
            "{flags:?}: {stderr}"
        );
    }
}

#[test]
fn demo_rejects_them_before_the_subcommand_too() {
    let (code, _, stderr) = run(bin().args(["-n", "emojivoto", "demo"]));
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("'--namespace' cannot be used with 'demo'"),
        "{stderr}"
    );
}

#[test]
fn demo_rejects_zero_replicas() {
    let (code, _, stderr) = run(bin().args(["demo", "--replicas", "0"]));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--replicas"), "{stderr}");
}
