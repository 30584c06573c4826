#!/usr/bin/env bash
# Regenerate the checked-in completion scripts in completions/ with the plugin's own
# `completion SHELL` (tests/dist/completions.rs fails when they are stale).
#
#   scripts/completions.sh [BINARY]     default: the debug build, built first
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
binary=${1:-}
if [[ -z $binary ]]; then
    cargo build --quiet --manifest-path "$root/Cargo.toml" --bin kubectl-linkerd_export
    target_dir=$(cargo metadata --manifest-path "$root/Cargo.toml" --format-version 1 --no-deps |
        sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
    binary="$target_dir/debug/kubectl-linkerd_export"
fi

out="$root/completions"
mkdir -p "$out"
# The file names clap_complete suggests for each shell.
"$binary" completion bash > "$out/kubectl-linkerd_export.bash"
"$binary" completion zsh > "$out/_kubectl-linkerd_export"
"$binary" completion fish > "$out/kubectl-linkerd_export.fish"
"$binary" completion powershell > "$out/_kubectl-linkerd_export.ps1"
"$binary" completion elvish > "$out/kubectl-linkerd_export.elv"
"$binary" completion kubectl > "$out/kubectl_complete-linkerd_export"
chmod 0755 "$out/kubectl_complete-linkerd_export"
