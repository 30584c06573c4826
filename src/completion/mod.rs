//! Shell completion: clap_complete scripts and the `kubectl_complete-linkerd_export` helper protocol.
//!
//! Two ways to get `<TAB>`:
//! - `completion bash|zsh|fish|powershell|elvish` prints a clap_complete script for the
//!   `kubectl-linkerd_export` executable itself;
//! - `completion kubectl` prints (or `--install DIR` writes) the `kubectl_complete-linkerd_export`
//!   helper that kubectl ≥ 1.26 runs for `kubectl linkerd-export <TAB>`. kubectl passes the words
//!   typed after the plugin name plus the word being completed, and expects Cobra's `__complete`
//!   answer: one candidate per line (`value<TAB>description`), then `:DIRECTIVE`. The helper runs
//!   `kubectl-linkerd_export __complete WORDS...`, answered by [`run_complete`].

mod engine;
mod lookup;
mod targets;

use std::future::Future;
use std::io::{self, Write};
use std::ops::BitOr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Command, CommandFactory, ValueHint};

use crate::cli::{Cli, CompletionArgs};
use crate::cluster::{Cluster, ClusterOptions};

use crate::resolve::ResourceKind;

pub use engine::{TARGET_VALUE_NAME, complete};
pub use lookup::{cluster_names, kubeconfig_names};

/// The plugin's executable name, which the shell scripts complete.
pub const BIN_NAME: &str = "kubectl-linkerd_export";

/// The hidden first argument that makes the binary answer a completion request
/// (`kubectl-linkerd_export __complete WORDS...`).
pub const COMPLETE_COMMAND: &str = "__complete";

/// The executable kubectl looks up on PATH to complete `kubectl linkerd-export` (on Windows, with
/// `.cmd` appended).
pub const KUBECTL_HELPER_NAME: &str = "kubectl_complete-linkerd_export";

/// How long completion may wait for the cluster before answering without its names.
pub const CLUSTER_DEADLINE: Duration = Duration::from_secs(1);

/// Why `completion` could not do its job.
#[derive(Debug, thiserror::Error)]
pub enum CompletionError {
    /// `--install` was given for a shell script rather than the kubectl helper.
    #[error(
        "--install only applies to `completion kubectl`; redirect the {shell} script to a file instead"
    )]
    InstallNeedsKubectl {
        /// The shell asked for.
        shell: String,
    },
    /// The helper could not be written.
    #[error(
        "cannot write {path}: {source}; pass --install a directory on PATH that you can write to"
    )]
    Install {
        /// The file being written.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// Writing to stdout failed.
    #[error("cannot write the completion script: {0}")]
    Output(#[from] io::Error),
}

/// Whether `dir` is one of the directories of `path` (a `PATH` value), comparing resolved paths.
pub fn on_path(dir: &Path, path: Option<&std::ffi::OsStr>) -> bool {
    let resolved = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let dir = resolved(dir);
    path.is_some_and(|path| std::env::split_paths(path).any(|entry| resolved(&entry) == dir))
}

/// Runs `completion`: prints the shell's script or the kubectl helper to `out`, or with `--install`
/// writes the helper and says where on `out` (and that kubectl now completes, when the directory
/// is on PATH). `cmd` is the plugin's command tree.
pub fn run_completion(
    args: &CompletionArgs,
    cmd: &mut Command,
    out: &mut dyn Write,
) -> Result<(), CompletionError> {
    match (args.shell.generator(), &args.install) {
        (Some(shell), Some(_)) => Err(CompletionError::InstallNeedsKubectl {
            shell: shell.to_string(),
        }),
        (Some(shell), None) => {
            generate(shell, cmd, out)?;
            Ok(())
        }
        (None, None) => {
            out.write_all(kubectl_helper_script().as_bytes())?;
            Ok(())
        }
        (None, Some(dir)) => {
            let path = install_kubectl_helper(dir)?;
            if on_path(dir, std::env::var_os("PATH").as_deref()) {
                writeln!(
                    out,
                    "installed {}: `kubectl linkerd-export <TAB>` now completes (kubectl 1.26 or newer, with kubectl's own completion enabled)",
                    path.display()
                )?;
            } else {
                writeln!(out, "installed {}", path.display())?;
            }
            Ok(())
        }
    }
}

/// Writes the clap_complete script of `shell` for the `kubectl-linkerd_export` executable.
pub fn generate(
    shell: clap_complete::Shell,
    cmd: &mut Command,
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut script = Vec::new();
    if shell == clap_complete::Shell::Bash {
        // Built first, so the `help` subcommand clap adds is renamed too.
        let mut built = cmd.clone();
        built.build();
        let mut named = bash_named(built, BIN_NAME.replace('-', "__"));
        clap_complete::generate(shell, &mut named, BIN_NAME, &mut script);
    } else {
        clap_complete::generate(shell, cmd, BIN_NAME, &mut script);
    }
    out.write_all(&script)
}

/// `cmd`'s subcommands with binary names that make clap_complete's bash script agree with itself.
///
/// The script routes each word to a case label built from the root function's name
/// (`kubectl__linkerd_export`, the executable's `-` as `__`) and the subcommand names
/// (`kubectl__linkerd_export__subcmd__stat`), but writes the labels from each subcommand's binary
/// name with every space *and* `-` as `__subcmd__` (`kubectl__subcmd__linkerd_export__subcmd__stat`),
/// so nothing after the subcommand completed. Naming the subcommands after the root function
/// (`kubectl__linkerd_export stat`) makes both spellings the same.
fn bash_named(cmd: Command, bin_name: String) -> Command {
    cmd.mut_subcommands(move |sub| {
        let name = format!("{bin_name} {}", sub.get_name());
        bash_named(sub.bin_name(name.clone()), name)
    })
}

/// The helper kubectl runs for `kubectl linkerd-export <TAB>`: hands every word to
/// `kubectl-linkerd_export __complete`, which kubectl found on PATH when it listed the plugin.
pub fn kubectl_helper_script() -> String {
    if cfg!(windows) {
        format!(
            "@echo off\r\nrem kubectl runs this for `kubectl linkerd-export <TAB>` (kubectl 1.26+).\r\n\
             {BIN_NAME}.exe {COMPLETE_COMMAND} %*\r\n"
        )
    } else {
        format!(
            "#!/bin/sh\n\
             # kubectl runs this for `kubectl linkerd-export <TAB>` (kubectl 1.26+): it passes the words\n\
             # typed after the plugin name, then the word being completed, and reads the candidates.\n\
             exec {BIN_NAME} {COMPLETE_COMMAND} \"$@\"\n"
        )
    }
}

/// The helper's file name: kubectl's lookup needs an executable extension on Windows.
pub fn kubectl_helper_file_name() -> String {
    if cfg!(windows) {
        format!("{KUBECTL_HELPER_NAME}.cmd")
    } else {
        KUBECTL_HELPER_NAME.to_string()
    }
}

/// Writes the helper into `dir` (created if missing), executable, and returns its path.
pub fn install_kubectl_helper(dir: &Path) -> Result<PathBuf, CompletionError> {
    let path = dir.join(kubectl_helper_file_name());
    let failed = |source| CompletionError::Install {
        path: path.clone(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(failed)?;
    std::fs::write(&path, kubectl_helper_script()).map_err(failed)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).map_err(failed)?;
    }
    Ok(path)
}

/// Answers `kubectl-linkerd_export __complete WORDS...` on `out`: [`run_complete`] for the plugin's
/// command line, connecting the way every command does ([`crate::cluster::connect`]).
pub async fn respond(words: &[String], out: &mut dyn Write) -> io::Result<()> {
    let connect = |options: ClusterOptions| async move { crate::cluster::connect(&options).await };
    run_complete(&Cli::command(), words, connect, out).await
}

/// Answers `__complete WORDS...` on `out` in Cobra's format: static candidates from `cmd`, plus
/// cluster names when the cluster answers within [`CLUSTER_DEADLINE`]. `connect` reaches the
/// cluster the typed `--kubeconfig` and `--context` name; it is only called when a name lookup
/// needs the cluster, and any error it or the cluster returns just means no names.
pub async fn run_complete<C, F, E>(
    cmd: &Command,
    words: &[String],
    connect: C,
    out: &mut dyn Write,
) -> io::Result<()>
where
    C: FnOnce(ClusterOptions) -> F,
    F: Future<Output = Result<Cluster, E>>,
{
    let mut completions = complete(cmd, words);
    if let Some(lookup) = completions.lookup.take() {
        let names = match &lookup.kind {
            LookupKind::Contexts | LookupKind::Clusters | LookupKind::Users => {
                kubeconfig_names(&lookup.kind, &lookup.scope)
            }
            kind => {
                let query = async {
                    let cluster = connect(lookup.scope.cluster_options()).await.ok()?;
                    cluster_names(&cluster, kind, &lookup.scope).await.ok()
                };
                tokio::time::timeout(CLUSTER_DEADLINE, query)
                    .await
                    .ok()
                    .flatten()
                    .unwrap_or_default()
            }
        };
        completions.candidates = lookup.candidates(names);
    }
    completions.write_to(out)
}

/// A ShellCompDirective: how the shell should treat the candidates (Cobra's bit values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Directive(pub u32);

impl Directive {
    /// Complete normally; with no candidates, the shell falls back to file names.
    pub const DEFAULT: Directive = Directive(0);
    /// Completion failed; ignore the candidates.
    pub const ERROR: Directive = Directive(1);
    /// Do not add a space after the candidate (`deploy/` is continued with a name).
    pub const NO_SPACE: Directive = Directive(2);
    /// Do not fall back to file names when there is no candidate.
    pub const NO_FILE_COMP: Directive = Directive(4);
    /// The candidates are file extensions to filter file names by.
    pub const FILTER_FILE_EXT: Directive = Directive(8);
    /// Complete directory names only.
    pub const FILTER_DIRS: Directive = Directive(16);
    /// Keep the candidates in the order given.
    pub const KEEP_ORDER: Directive = Directive(32);

    /// Whether every bit of `other` is set.
    pub fn contains(self, other: Directive) -> bool {
        self.0 & other.0 == other.0
    }
}

impl BitOr for Directive {
    type Output = Directive;

    fn bitor(self, other: Directive) -> Directive {
        Directive(self.0 | other.0)
    }
}

/// One completion candidate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// What replaces the word being completed.
    pub value: String,
    /// A one-line explanation shells show next to it.
    pub description: Option<String>,
}

impl Candidate {
    /// A candidate; only the first line of `description` is kept.
    pub fn new(value: String, description: Option<String>) -> Candidate {
        let description = description
            .as_deref()
            .and_then(|d| d.lines().next())
            .map(|d| d.replace('\t', " ").trim().to_string())
            .filter(|d| !d.is_empty());
        Candidate { value, description }
    }
}

/// Which kubeconfig, context and namespace the words typed so far point at.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClusterScope {
    /// `--kubeconfig`.
    pub kubeconfig: Option<PathBuf>,
    /// `--context`.
    pub context: Option<String>,
    /// `-n`/`--namespace`.
    pub namespace: Option<String>,
    /// `-A`/`--all-namespaces`.
    pub all_namespaces: bool,
}

impl ClusterScope {
    /// The kubeconfig and context to connect with.
    pub fn cluster_options(&self) -> ClusterOptions {
        ClusterOptions {
            kubeconfig: self.kubeconfig.clone(),
            context: self.context.clone(),
            ..ClusterOptions::default()
        }
    }
}

/// What names a lookup fetches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LookupKind {
    /// Namespace names (`-n <TAB>`, `ns/<TAB>`).
    Namespaces,
    /// Kubeconfig context names (`--context <TAB>`).
    Contexts,
    /// Kubeconfig cluster names (`--cluster <TAB>`).
    Clusters,
    /// Kubeconfig user names (`--user <TAB>`).
    Users,
    /// Names of objects of one TARGET kind (`deploy/<TAB>`).
    Objects(ResourceKind),
}

/// Names the static pass cannot know, to be fetched before answering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lookup {
    /// Which names.
    pub kind: LookupKind,
    /// Written before each name: `deploy/`, `--namespace=`, or nothing.
    pub insert_prefix: String,
    /// The part of the name typed so far.
    pub typed: String,
    /// Where to look.
    pub scope: ClusterScope,
}

impl Lookup {
    /// The candidates for the fetched `names`: those starting with what was typed, prefixed.
    pub fn candidates(&self, names: Vec<String>) -> Vec<Candidate> {
        names
            .into_iter()
            .filter(|name| name.starts_with(&self.typed))
            .map(|name| Candidate::new(format!("{}{name}", self.insert_prefix), None))
            .collect()
    }
}

/// The answer to a completion request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completions {
    /// The candidates known without a lookup.
    pub candidates: Vec<Candidate>,
    /// How the shell treats them.
    pub directive: Directive,
    /// Names still to fetch (from the cluster or the kubeconfig).
    pub lookup: Option<Lookup>,
}

impl Completions {
    fn of(candidates: Vec<Candidate>, directive: Directive) -> Completions {
        Completions {
            candidates,
            directive,
            lookup: None,
        }
    }

    /// Nothing to offer, and no file names either.
    fn none() -> Completions {
        Completions::of(Vec::new(), Directive::NO_FILE_COMP)
    }

    /// Let the shell complete file (or, for a directory hint, directory) names.
    fn files(hint: ValueHint) -> Completions {
        let directive = if hint == ValueHint::DirPath {
            Directive::FILTER_DIRS
        } else {
            Directive::DEFAULT
        };
        Completions::of(Vec::new(), directive)
    }

    /// Writes Cobra's `__complete` output: `value` or `value<TAB>description` per line, then
    /// `:DIRECTIVE`.
    pub fn write_to(&self, out: &mut dyn Write) -> io::Result<()> {
        for candidate in &self.candidates {
            match &candidate.description {
                Some(description) => writeln!(out, "{}\t{description}", candidate.value)?,
                None => writeln!(out, "{}", candidate.value)?,
            }
        }
        writeln!(out, ":{}", self.directive.0)?;
        out.flush()
    }
}

#[cfg(test)]
mod tests;
