//! Arguments of `completion`: which shell's script to print, or the kubectl helper to install.

use std::path::PathBuf;

use clap::{ValueEnum, ValueHint};

/// Examples for `completion --help`.
pub(super) const EXAMPLES: &str = "\
Examples:
  # `kubectl linkerd-export <TAB>` (kubectl 1.26+), plugin installed with krew
  kubectl linkerd-export completion kubectl --install \"${KREW_ROOT:-$HOME/.krew}/bin\"

  # Completion for the kubectl-linkerd_export executable itself, in bash
  source <(kubectl-linkerd_export completion bash)";

/// What `completion` prints a script for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CompletionShell {
    /// Bash (source it from ~/.bashrc).
    Bash,
    /// Zsh (put it on $fpath as _kubectl-linkerd_export).
    Zsh,
    /// Fish (put it in ~/.config/fish/completions).
    Fish,
    /// PowerShell (dot-source it from $PROFILE).
    Powershell,
    /// Elvish (eval it from rc.elv).
    Elvish,
    /// The kubectl_complete-linkerd_export helper for `kubectl linkerd-export <TAB>` (kubectl 1.26+).
    Kubectl,
}

impl CompletionShell {
    /// The clap_complete generator for this shell; `None` for `kubectl`, which gets the helper.
    pub fn generator(self) -> Option<clap_complete::Shell> {
        match self {
            CompletionShell::Bash => Some(clap_complete::Shell::Bash),
            CompletionShell::Zsh => Some(clap_complete::Shell::Zsh),
            CompletionShell::Fish => Some(clap_complete::Shell::Fish),
            CompletionShell::Powershell => Some(clap_complete::Shell::PowerShell),
            CompletionShell::Elvish => Some(clap_complete::Shell::Elvish),
            CompletionShell::Kubectl => None,
        }
    }
}

/// `completion SHELL [--install DIR]`.
#[derive(Debug, Clone, clap::Args)]
pub struct CompletionArgs {
    /// The shell, or `kubectl` for the helper kubectl runs on `kubectl linkerd-export <TAB>`.
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: CompletionShell,

    /// With `kubectl`: write the helper into DIR, a directory on PATH (e.g. ~/.krew/bin), instead
    /// of printing it.
    #[arg(long, value_name = "DIR", value_hint = ValueHint::DirPath)]
    pub install: Option<PathBuf>,
}
