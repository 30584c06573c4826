//! Static completion: reads the words typed so far against the clap command tree and answers with
//! subcommands, flags, flag values and TARGET types, or with the cluster lookup that would answer.

use std::path::PathBuf;

use clap::{Arg, Command, ValueHint};

use super::targets::type_candidates;
use super::{Candidate, ClusterScope, Completions, Directive, Lookup, LookupKind};
use crate::resolve::ResourceKind;

/// The value name that marks a positional argument as a TARGET (spec §3).
pub const TARGET_VALUE_NAME: &str = "TARGET";

/// Completes the last word of `args`: the words typed after `kubectl linkerd-export`, the last one
/// being the word under the cursor (empty when a new word is started).
///
/// `cmd` is the plugin's command tree (`Cli::command()`); global options are found on every
/// subcommand. Answers what needs no cluster; names that only the cluster knows (namespaces,
/// workloads) and kubeconfig contexts come back as [`Completions::lookup`] for the caller to resolve.
pub fn complete(cmd: &Command, args: &[String]) -> Completions {
    let mut cmd = cmd.clone();
    cmd.build();
    let (current, typed_before) = match args.split_last() {
        Some((last, before)) => (last.as_str(), before),
        None => ("", args),
    };
    let state = Walk::over(&cmd, typed_before);
    state.complete(current)
}

/// Where the words typed before the cursor leave the command line.
struct Walk<'a> {
    /// The deepest subcommand named so far.
    cmd: &'a Command,
    /// Positional values given to `cmd` so far.
    positionals: usize,
    /// Ids of the options already given to `cmd` or its parents.
    seen: Vec<&'a str>,
    /// The option whose value is the word under the cursor (the previous word was `-n`, say).
    awaiting_value: Option<&'a Arg>,
    /// `--` was typed: every further word is positional.
    only_positionals: bool,
    /// The cluster the command line points at, for lookups.
    scope: ClusterScope,
}

impl<'a> Walk<'a> {
    fn over(root: &'a Command, words: &[String]) -> Self {
        let mut walk = Walk {
            cmd: root,
            positionals: 0,
            seen: Vec::new(),
            awaiting_value: None,
            only_positionals: false,
            scope: ClusterScope::default(),
        };
        for word in words {
            walk.step(word);
        }
        walk
    }

    fn step(&mut self, word: &str) {
        if let Some(arg) = self.awaiting_value.take() {
            self.record(arg, word);
        } else if self.only_positionals {
            self.positionals += 1;
        } else if word == "--" {
            self.only_positionals = true;
        } else if let Some(long) = word.strip_prefix("--") {
            let (name, value) = match long.split_once('=') {
                Some((name, value)) => (name, Some(value)),
                None => (long, None),
            };
            if let Some(arg) = find_long(self.cmd, name) {
                self.seen.push(arg.get_id().as_str());
                match value {
                    Some(value) => self.record(arg, value),
                    None if needs_separate_value(arg) => self.awaiting_value = Some(arg),
                    None => {}
                }
            }
        } else if word.len() > 1 && word.starts_with('-') {
            self.step_shorts(&word[1..]);
        } else if let Some(sub) = self.subcommand_named(word) {
            self.cmd = sub;
            self.positionals = 0;
        } else {
            self.positionals += 1;
        }
    }

    /// A cluster of short options (`-An`, `-nemojivoto`, `-n=emojivoto`): the first one that takes
    /// a value takes the rest of the word, or the next word when nothing is left.
    fn step_shorts(&mut self, shorts: &str) {
        for (at, flag) in shorts.char_indices() {
            let Some(arg) = find_short(self.cmd, flag) else {
                return;
            };
            self.seen.push(arg.get_id().as_str());
            if takes_value(arg) {
                let rest = &shorts[at + flag.len_utf8()..];
                let rest = rest.strip_prefix('=').unwrap_or(rest);
                if !rest.is_empty() {
                    self.record(arg, rest);
                } else if needs_separate_value(arg) {
                    self.awaiting_value = Some(arg);
                }
                return;
            }
        }
    }

    fn subcommand_named(&self, word: &str) -> Option<&'a Command> {
        if self.positionals > 0 {
            return None;
        }
        let cmd: &'a Command = self.cmd;
        cmd.get_subcommands()
            .find(|sub| sub.get_name() == word || sub.get_all_aliases().any(|a| a == word))
    }

    /// Remembers the values that say which cluster and namespace lookups should use.
    fn record(&mut self, arg: &Arg, value: &str) {
        match arg.get_id().as_str() {
            "kubeconfig" => self.scope.kubeconfig = Some(expand_home(value)),
            "context" => self.scope.context = Some(value.to_string()),
            "namespace" => self.scope.namespace = Some(value.to_string()),
            _ => {}
        }
    }

    fn complete(mut self, current: &str) -> Completions {
        self.scope.all_namespaces = self.seen.contains(&"all_namespaces");
        if let Some(arg) = self.awaiting_value {
            return self.value_of(arg, "", current);
        }
        if !self.only_positionals && current.starts_with('-') {
            if let Some((name, value)) = current
                .strip_prefix("--")
                .and_then(|long| long.split_once('='))
            {
                return match find_long(self.cmd, name) {
                    Some(arg) => self.value_of(arg, &format!("--{name}="), value),
                    None => Completions::none(),
                };
            }
            return self.flags(current);
        }
        self.positional(current)
    }

    fn flags(&self, current: &str) -> Completions {
        let mut candidates = Vec::new();
        for arg in self.cmd.get_arguments() {
            if arg.is_positional() || arg.is_hide_set() || self.already_given(arg) {
                continue;
            }
            let description = help_of(arg);
            if let Some(long) = arg.get_long() {
                candidates.push(Candidate::new(format!("--{long}"), description.clone()));
            }
            if let Some(short) = arg.get_short() {
                candidates.push(Candidate::new(format!("-{short}"), description));
            }
        }
        Completions::of(filter(candidates, current), Directive::NO_FILE_COMP)
    }

    /// An option given once cannot be given again, unless it collects values or counts.
    fn already_given(&self, arg: &Arg) -> bool {
        let repeatable = matches!(
            arg.get_action(),
            clap::ArgAction::Append | clap::ArgAction::Count
        );
        !repeatable && self.seen.contains(&arg.get_id().as_str())
    }

    fn positional(&self, current: &str) -> Completions {
        let has_subcommands = self.cmd.get_subcommands().next().is_some();
        if has_subcommands && self.positionals == 0 {
            let candidates = self
                .cmd
                .get_subcommands()
                .filter(|sub| !sub.is_hide_set())
                .map(|sub| {
                    Candidate::new(
                        sub.get_name().to_string(),
                        sub.get_about().map(|a| a.to_string()),
                    )
                })
                .collect();
            return Completions::of(filter(candidates, current), Directive::NO_FILE_COMP);
        }
        let mut positionals: Vec<&Arg> = self
            .cmd
            .get_positionals()
            .filter(|a| !a.is_hide_set())
            .collect();
        positionals.sort_by_key(|a| a.get_index());
        let arg = positionals.get(self.positionals).copied().or_else(|| {
            positionals
                .last()
                .copied()
                .filter(|last| last.get_num_args().is_some_and(|n| n.max_values() > 1))
        });
        match arg {
            Some(arg) => self.value_of(arg, "", current),
            None => Completions::none(),
        }
    }

    /// Candidates for `arg`'s value, `typed` so far, each written after `insert_prefix`
    /// (`--output=` when completing `--output=js`).
    fn value_of(&self, arg: &Arg, insert_prefix: &str, typed: &str) -> Completions {
        let values: Vec<Candidate> = arg
            .get_possible_values()
            .iter()
            .filter(|v| !v.is_hide_set())
            .map(|v| {
                Candidate::new(
                    format!("{insert_prefix}{}", v.get_name()),
                    v.get_help().map(|h| h.to_string()),
                )
            })
            .collect();
        if !values.is_empty() {
            let typed = format!("{insert_prefix}{typed}");
            return Completions::of(filter(values, &typed), Directive::NO_FILE_COMP);
        }
        match arg.get_id().as_str() {
            "namespace" => return self.lookup(LookupKind::Namespaces, insert_prefix, typed),
            "context" => return self.lookup(LookupKind::Contexts, insert_prefix, typed),
            "cluster" => return self.lookup(LookupKind::Clusters, insert_prefix, typed),
            "user" => return self.lookup(LookupKind::Users, insert_prefix, typed),
            _ => {}
        }
        if names_target(arg) {
            return self.target(arg, insert_prefix, typed);
        }
        if names_path(arg) {
            return Completions::files(arg.get_value_hint());
        }
        Completions::none()
    }

    fn target(&self, arg: &Arg, insert_prefix: &str, typed: &str) -> Completions {
        if names_path(arg) && looks_like_path(typed) {
            return Completions::files(arg.get_value_hint());
        }
        match typed.split_once('/') {
            Some((type_name, name)) => match ResourceKind::parse(type_name) {
                Some(kind) => {
                    let kind = if kind == ResourceKind::Namespace {
                        LookupKind::Namespaces
                    } else {
                        LookupKind::Objects(kind)
                    };
                    self.lookup(kind, &format!("{insert_prefix}{type_name}/"), name)
                }
                None => Completions::none(),
            },
            None => {
                let candidates: Vec<Candidate> = type_candidates(typed)
                    .into_iter()
                    .map(|(value, kind)| {
                        let description = kind.object_kind().to_string();
                        Candidate::new(format!("{insert_prefix}{value}"), Some(description))
                    })
                    .collect();
                if candidates.is_empty() {
                    return Completions::none();
                }
                Completions::of(candidates, Directive::NO_FILE_COMP | Directive::NO_SPACE)
            }
        }
    }

    fn lookup(&self, kind: LookupKind, insert_prefix: &str, typed: &str) -> Completions {
        Completions {
            candidates: Vec::new(),
            directive: Directive::NO_FILE_COMP,
            lookup: Some(Lookup {
                kind,
                insert_prefix: insert_prefix.to_string(),
                typed: typed.to_string(),
                scope: self.scope.clone(),
            }),
        }
    }
}

fn find_long<'c>(cmd: &'c Command, name: &str) -> Option<&'c Arg> {
    cmd.get_arguments().find(|a| {
        a.get_long() == Some(name) || a.get_all_aliases().is_some_and(|all| all.contains(&name))
    })
}

fn find_short(cmd: &Command, flag: char) -> Option<&Arg> {
    cmd.get_arguments().find(|a| {
        a.get_short() == Some(flag)
            || a.get_all_short_aliases()
                .is_some_and(|all| all.contains(&flag))
    })
}

fn takes_value(arg: &Arg) -> bool {
    arg.get_action().takes_values() && arg.get_num_args().is_none_or(|n| n.max_values() > 0)
}

/// Whether `--flag VALUE` takes the next word (not so for `--obfuscate[=MODE]`).
fn needs_separate_value(arg: &Arg) -> bool {
    takes_value(arg)
        && !arg.is_require_equals_set()
        && arg.get_num_args().is_none_or(|n| n.min_values() > 0)
}

fn names_target(arg: &Arg) -> bool {
    value_names(arg).any(|n| n.contains(TARGET_VALUE_NAME))
}

fn names_path(arg: &Arg) -> bool {
    matches!(
        arg.get_value_hint(),
        ValueHint::AnyPath | ValueHint::FilePath | ValueHint::DirPath
    ) || value_names(arg).any(|n| n.contains("FILE") || n.contains("PATH") || n == "DIR")
}

fn value_names(arg: &Arg) -> impl Iterator<Item = &str> {
    arg.get_value_names()
        .unwrap_or_default()
        .iter()
        .map(|n| n.as_str())
}

/// A path as the shell would have expanded it on the command line: words being completed arrive
/// unexpanded, so `--kubeconfig ~/kind.yaml` still says `~`.
fn expand_home(path: &str) -> PathBuf {
    let home = std::env::var_os("HOME").filter(|h| !h.is_empty());
    match (path.strip_prefix("~/"), home) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(path),
    }
}

/// A word that can only be a file: TARGET types never start with `.`, `/` or `~`.
fn looks_like_path(typed: &str) -> bool {
    typed.starts_with(['.', '/', '~'])
}

fn help_of(arg: &Arg) -> Option<String> {
    arg.get_help().map(|h| h.to_string())
}

fn filter(candidates: Vec<Candidate>, typed: &str) -> Vec<Candidate> {
    candidates
        .into_iter()
        .filter(|c| c.value.starts_with(typed))
        .collect()
}
