//! Completion against the plugin's real command tree.

use clap::CommandFactory;

use super::*;
use crate::cli::{Cli, CompletionArgs, CompletionShell};

fn complete_words(words: &[&str]) -> Completions {
    let words: Vec<String> = words.iter().map(|w| w.to_string()).collect();
    complete(&Cli::command(), &words)
}

fn values(completions: &Completions) -> Vec<String> {
    completions
        .candidates
        .iter()
        .map(|c| c.value.clone())
        .collect()
}

fn has(values: &[String], value: &str) -> bool {
    values.iter().any(|v| v == value)
}

#[test]
fn offers_subcommands_with_descriptions_first() {
    let got = complete_words(&[""]);
    let names = values(&got);
    assert!(has(&names, "metrics") && has(&names, "demo"), "{names:?}");
    assert!(!names.iter().any(|n| n.starts_with('_')), "{names:?}");
    assert_eq!(got.directive, Directive::NO_FILE_COMP);
    let metrics = got
        .candidates
        .iter()
        .find(|c| c.value == "metrics")
        .unwrap();
    assert!(metrics.description.as_deref().unwrap().contains("/metrics"));
    assert!(got.lookup.is_none());

    assert_eq!(values(&complete_words(&["met"])), ["metrics"]);
    assert_eq!(values(&complete_words(&[])), values(&got));
}

#[test]
fn global_options_before_the_subcommand_are_skipped_with_their_values() {
    let got = complete_words(&["-n", "emojivoto", "--via", "apiserver", "-A", "me"]);
    assert_eq!(values(&got), ["metrics"]);
}

#[test]
fn offers_an_options_possible_values() {
    let got = complete_words(&["metrics", "-o", ""]);
    assert_eq!(values(&got), ["raw", "prom", "openmetrics", "json"]);
    assert_eq!(got.directive, Directive::NO_FILE_COMP);
    assert!(got.candidates.iter().all(|c| c.description.is_some()));

    assert_eq!(
        values(&complete_words(&["metrics", "--output", "o"])),
        ["openmetrics"]
    );
    assert_eq!(
        values(&complete_words(&["metrics", "--output=j"])),
        ["--output=json"]
    );
    assert_eq!(values(&complete_words(&["--via", "a"])), ["apiserver"]);
    assert_eq!(
        values(&complete_words(&["metrics", "--color", ""])),
        ["auto", "always", "never"]
    );
    assert_eq!(
        values(&complete_words(&["metrics", "--obfuscate="])),
        ["--obfuscate=compat", "--obfuscate=strict"]
    );
}

#[test]
fn an_option_with_an_optional_attached_value_does_not_take_the_next_word() {
    let got = complete_words(&["metrics", "--obfuscate", ""]);
    assert_eq!(values(&got)[0], "po/");
}

#[test]
fn offers_options_of_the_subcommand_and_the_global_ones() {
    let got = complete_words(&["metrics", "--"]);
    let names = values(&got);
    for flag in [
        "--namespace",
        "--output",
        "--metric",
        "--from-file",
        "--via",
        "--help",
    ] {
        assert!(has(&names, flag), "{flag} missing from {names:?}");
    }
    assert!(names.iter().all(|n| n.starts_with("--")), "{names:?}");
    assert!(!has(&names, "--serve"), "demo's option offered to metrics");
    let namespace = got
        .candidates
        .iter()
        .find(|c| c.value == "--namespace")
        .unwrap();
    assert!(
        namespace
            .description
            .as_deref()
            .unwrap()
            .starts_with("Namespace")
    );

    let shorts = values(&complete_words(&["metrics", "-"]))
        .into_iter()
        .filter(|n| !n.starts_with("--"))
        .collect::<Vec<_>>();
    for flag in ["-n", "-A", "-l", "-o", "-m", "-v", "-q"] {
        assert!(has(&shorts, flag), "{flag} missing from {shorts:?}");
    }
    assert_eq!(
        values(&complete_words(&["metrics", "--all"])),
        ["--all-namespaces"]
    );
}

#[test]
fn an_option_given_once_is_not_offered_again_unless_it_repeats() {
    let got = values(&complete_words(&[
        "metrics", "-o", "json", "-A", "-m", "x", "-v", "--",
    ]));
    assert!(
        !has(&got, "--output") && !has(&got, "--all-namespaces"),
        "{got:?}"
    );
    assert!(has(&got, "--metric") && has(&got, "--verbose"), "{got:?}");
    let got = values(&complete_words(&["metrics", "--output=json", "--ou"]));
    assert!(got.is_empty(), "{got:?}");
}

#[test]
fn offers_target_types_that_continue_without_a_space() {
    let got = complete_words(&["metrics", ""]);
    assert_eq!(
        values(&got),
        [
            "po/", "deploy/", "sts/", "ds/", "rs/", "rc/", "job/", "cj/", "ns/"
        ]
    );
    assert!(
        got.directive
            .contains(Directive::NO_SPACE | Directive::NO_FILE_COMP)
    );
    assert_eq!(got.candidates[1].description.as_deref(), Some("Deployment"));

    assert_eq!(
        values(&complete_words(&["metrics", "deploy/web", "st"])),
        ["sts/"]
    );
    assert_eq!(
        values(&complete_words(&["metrics", "-n", "x", "deploym"])),
        ["deployment/"]
    );
}

#[test]
fn a_typed_type_asks_the_cluster_for_names_in_the_namespace_typed() {
    let got = complete_words(&[
        "--context",
        "prod",
        "metrics",
        "-n",
        "emojivoto",
        "deploy/w",
    ]);
    assert!(got.candidates.is_empty());
    assert_eq!(got.directive, Directive::NO_FILE_COMP);
    let lookup = got.lookup.expect("a cluster lookup");
    assert_eq!(lookup.kind, LookupKind::Objects(ResourceKind::Deployment));
    assert_eq!(lookup.insert_prefix, "deploy/");
    assert_eq!(lookup.typed, "w");
    assert_eq!(
        lookup.scope,
        ClusterScope {
            kubeconfig: None,
            context: Some("prod".into()),
            namespace: Some("emojivoto".into()),
            all_namespaces: false,
        }
    );

    let lookup = complete_words(&["metrics", "-Anfoo", "--kubeconfig=/k", "deployment.apps/"])
        .lookup
        .unwrap();
    assert_eq!(lookup.insert_prefix, "deployment.apps/");
    assert_eq!(lookup.scope.namespace.as_deref(), Some("foo"));
    assert_eq!(lookup.scope.kubeconfig.as_deref(), Some(Path::new("/k")));
    assert!(lookup.scope.all_namespaces);

    let lookup = complete_words(&["metrics", "po/"]).lookup.unwrap();
    assert_eq!(lookup.kind, LookupKind::Objects(ResourceKind::Pod));
    assert_eq!(lookup.scope, ClusterScope::default());
}

#[test]
fn a_kubeconfig_under_home_is_found_although_the_shell_left_the_tilde() {
    let home = std::env::var_os("HOME").expect("HOME is set for tests");
    let lookup = complete_words(&["--kubeconfig", "~/kind.yaml", "--context", ""])
        .lookup
        .unwrap();
    assert_eq!(
        lookup.scope.kubeconfig,
        Some(Path::new(&home).join("kind.yaml"))
    );
}

#[test]
fn namespaces_and_contexts_are_looked_up() {
    let lookup = complete_words(&["-n", ""]).lookup.unwrap();
    assert_eq!(
        (lookup.kind, lookup.insert_prefix.as_str()),
        (LookupKind::Namespaces, "")
    );
    let lookup = complete_words(&["metrics", "--namespace=emo"])
        .lookup
        .unwrap();
    assert_eq!(lookup.insert_prefix, "--namespace=");
    assert_eq!(lookup.typed, "emo");
    let lookup = complete_words(&["metrics", "ns/l"]).lookup.unwrap();
    assert_eq!(
        (lookup.kind, lookup.insert_prefix.as_str()),
        (LookupKind::Namespaces, "ns/")
    );
    let lookup = complete_words(&["metrics", "--kubeconfig", "/k", "--context", "p"])
        .lookup
        .unwrap();
    assert_eq!(lookup.kind, LookupKind::Contexts);
    assert_eq!(lookup.scope.kubeconfig.as_deref(), Some(Path::new("/k")));
}

#[test]
fn paths_fall_back_to_the_shells_file_completion() {
    for words in [
        &["metrics", "--from-file", ""][..],
        &["--kubeconfig", "./"][..],
        &["metrics", "--from-file=du"][..],
    ] {
        let got = complete_words(words);
        assert_eq!(got.directive, Directive::DEFAULT, "{words:?}");
        assert!(
            got.candidates.is_empty() && got.lookup.is_none(),
            "{words:?}"
        );
    }
}

#[test]
fn nothing_is_offered_for_unknown_types_free_values_or_after_double_dash() {
    for words in [
        &["metrics", "svc/x"][..],
        &["demo", "--listen", ""][..],
        &["metrics", "--timeout", "5"][..],
        &["metrics", "--", "-"][..],
        &["metrics", "--no-such-flag="][..],
    ] {
        let got = complete_words(words);
        assert!(
            got.candidates.is_empty() && got.lookup.is_none(),
            "{words:?}: {got:?}"
        );
        assert_eq!(got.directive, Directive::NO_FILE_COMP, "{words:?}");
    }
    assert_eq!(
        values(&complete_words(&["metrics", "--", "dep"])),
        ["deploy/"]
    );
}

#[test]
fn looked_up_names_are_filtered_by_what_was_typed_and_prefixed() {
    let lookup = complete_words(&["metrics", "deploy/w"]).lookup.unwrap();
    let names = ["web", "emoji", "web-v2"].map(String::from).to_vec();
    assert_eq!(
        lookup.candidates(names),
        [
            Candidate::new("deploy/web".into(), None),
            Candidate::new("deploy/web-v2".into(), None)
        ]
    );
}

#[test]
fn writes_cobras_complete_format() {
    let completions = Completions::of(
        vec![
            Candidate::new(
                "raw".into(),
                Some("Each pod's body\tas served\nsecond line".into()),
            ),
            Candidate::new("json".into(), None),
        ],
        Directive::NO_FILE_COMP | Directive::NO_SPACE,
    );
    let mut out = Vec::new();
    completions.write_to(&mut out).unwrap();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "raw\tEach pod's body as served\njson\n:6\n"
    );
}

#[test]
fn the_kubectl_helper_execs_the_plugin_with_every_word() {
    let script = kubectl_helper_script();
    assert!(script.starts_with("#!/bin/sh\n"));
    assert!(script.ends_with("exec kubectl-linkerd_export __complete \"$@\"\n"));
}

#[test]
fn installs_the_kubectl_helper_executable() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("bin");
    let path = install_kubectl_helper(&target).unwrap();
    assert_eq!(path, target.join("kubectl_complete-linkerd_export"));
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        kubectl_helper_script()
    );
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o755);

    let blocked = dir.path().join("file");
    std::fs::write(&blocked, "").unwrap();
    let err = install_kubectl_helper(&blocked).unwrap_err().to_string();
    assert!(
        err.starts_with("cannot write ") && err.contains("--install"),
        "{err}"
    );
}

#[test]
fn run_completion_prints_scripts_or_the_helper() {
    let mut cmd = Cli::command();
    let run = |shell, install: Option<&Path>, cmd: &mut Command| {
        let args = CompletionArgs {
            shell,
            install: install.map(Path::to_path_buf),
        };
        let mut out = Vec::new();
        run_completion(&args, cmd, &mut out).map(|()| String::from_utf8(out).unwrap())
    };
    let bash = run(CompletionShell::Bash, None, &mut cmd).unwrap();
    assert!(bash.contains("kubectl-linkerd_export") && bash.contains("metrics"));
    assert_eq!(
        run(CompletionShell::Kubectl, None, &mut cmd).unwrap(),
        kubectl_helper_script()
    );

    let dir = tempfile::tempdir().unwrap();
    let said = run(CompletionShell::Kubectl, Some(dir.path()), &mut cmd).unwrap();
    assert!(said.starts_with("installed ") && said.contains("kubectl_complete-linkerd_export"));
    assert!(dir.path().join(KUBECTL_HELPER_NAME).exists());

    let err = run(CompletionShell::Zsh, Some(dir.path()), &mut cmd).unwrap_err();
    assert_eq!(
        err.to_string(),
        "--install only applies to `completion kubectl`; redirect the zsh script to a file instead"
    );
}
