#!/usr/bin/env bash
# Package one release build into the archive the krew manifest points at.
#
#   scripts/package.sh VERSION OS ARCH BINARY OUT_DIR
#
# Writes OUT_DIR/<archive> holding the binary (under the name krew's `bin` expects) and the
# repository's LICENSE and README.md, all at the archive's top level, and prints the archive's path.
# Archive name, binary name and file list come from scripts/krew-manifest.sh, so the archives and
# the manifest rendered from them cannot disagree.
set -euo pipefail

die() {
    echo "package: $*" >&2
    exit 1
}

[[ $# -eq 5 ]] || { echo "usage: $0 VERSION OS ARCH BINARY OUT_DIR" >&2; exit 2; }
version=$1 os=$2 arch=$3 binary=$4 out_dir=$5

scripts=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$scripts")
manifest="$scripts/krew-manifest.sh"

archive=$("$manifest" --archive-name "$version" "$os" "$arch")
bin_name=$("$manifest" --bin-name "$os")
# Read line by line rather than with mapfile: macOS ships bash 3.2.
extra_files=()
while IFS= read -r file; do
    extra_files+=("$file")
done < <("$manifest" --extra-files)

[[ -f $binary ]] || die "no binary at $binary"
for file in "${extra_files[@]}"; do
    [[ -f $root/$file ]] || die "no $file at the repository root ($root)"
done

staging=$(mktemp -d)
trap 'rm -rf "$staging"' EXIT
cp "$binary" "$staging/$bin_name"
chmod 0755 "$staging/$bin_name"
for file in "${extra_files[@]}"; do
    cp "$root/$file" "$staging/$file"
done

mkdir -p "$out_dir"
out_dir=$(cd "$out_dir" && pwd)
# COPYFILE_DISABLE keeps macOS tar from adding ._* resource-fork entries.
COPYFILE_DISABLE=1 tar -C "$staging" -czf "$out_dir/$archive" "$bin_name" "${extra_files[@]}"
echo "$out_dir/$archive"
