#!/usr/bin/env bash
# Render the krew manifest of kubectl linkerd-export.
#
#   scripts/krew-manifest.sh VERSION DIST_DIR [OS/ARCH...] > plugin.yaml
#       the manifest of release VERSION (vMAJOR.MINOR.PATCH), with each platform's sha256 computed
#       from its archive in DIST_DIR, after checking the archive holds what the manifest installs;
#       naming platforms limits the manifest to them (e.g. to install one local build with krew);
#   scripts/krew-manifest.sh --template > .krew.yaml
#       the same manifest as a krew-release-bot template ({{ .TagName }}, addURIAndSha);
#   scripts/krew-manifest.sh --unreleased VERSION > plugin.yaml
#       the manifest of a version not released yet: every sha256 is zeros, so krew refuses to
#       install it until it is rendered from the release archives.
#
# This file is the single source of the manifest: the repository URL, the texts, the platforms and
# the archive names are defined here and nowhere else (the release workflow and scripts/package.sh
# ask this script for archive names).
#
#   scripts/krew-manifest.sh --archive-name VERSION OS ARCH
#   scripts/krew-manifest.sh --bin-name OS
#   scripts/krew-manifest.sh --extra-files
#       the archive file name for one platform, the binary's name in it, the other files it holds.
set -euo pipefail

REPO_URL="https://github.com/linkerd-export/kubectl-linkerd-export"
PLUGIN_NAME="linkerd-export"
BIN_NAME="kubectl-linkerd_export"
# os/arch pairs, in manifest order.
PLATFORMS=(linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64)
# Every archive holds exactly these files next to the binary.
EXTRA_FILES=(LICENSE README.md)

usage() {
    cat >&2 <<USAGE
usage: $0 VERSION DIST_DIR [OS/ARCH...]
                                 render plugin.yaml from the archives in DIST_DIR
       $0 --template             render the krew-release-bot template (.krew.yaml)
       $0 --unreleased VERSION   render plugin.yaml for a version with no archives yet
       $0 --archive-name VERSION OS ARCH
       $0 --bin-name OS
       $0 --extra-files
USAGE
    exit 2
}

die() {
    echo "krew-manifest: $*" >&2
    exit 1
}

check_version() {
    [[ $1 =~ ^v(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$ ]] ||
        die "version $1 is not semver with a leading v (e.g. v0.1.0)"
}

bin_file() {
    if [[ $1 == windows ]]; then echo "$BIN_NAME.exe"; else echo "$BIN_NAME"; fi
}

archive_name() {
    echo "${BIN_NAME}_${1}_${2}_${3}.tar.gz"
}

sha256_of() {
    if command -v sha256sum >/dev/null; then
        sha256sum "$1" | cut -d' ' -f1
    else
        shasum -a 256 "$1" | cut -d' ' -f1
    fi
}

# Fail unless the archive holds exactly the binary and EXTRA_FILES at its top level.
check_archive() {
    local archive=$1 os=$2 listing expected
    [[ -f $archive ]] || die "missing archive $archive"
    listing=$(tar -tzf "$archive" | sed 's|^\./||' | grep -v '^$' | sort) ||
        die "$archive is not a readable .tar.gz"
    expected=$(printf '%s\n' "$(bin_file "$os")" "${EXTRA_FILES[@]}" | sort)
    [[ $listing == "$expected" ]] ||
        die "$archive holds [$(echo $listing)], expected [$(echo $expected)]"
}

# The manifest, with "$1" as the version and each platform's uri/sha256 lines printed by "$2 OS ARCH".
render() {
    local version=$1 uri_and_sha=$2 pair os arch
    cat <<HEAD
apiVersion: krew.googlecontainertools.github.com/v1alpha2
kind: Plugin
metadata:
  name: $PLUGIN_NAME
spec:
  version: $version
  homepage: $REPO_URL
  shortDescription: Scrape, tabulate, diff and export Linkerd proxy metrics
  description: |
    Finds the Linkerd-meshed pods behind a workload, port-forwards to each
    proxy's admin port and fetches its /metrics: no Prometheus and no linkerd
    CLI needed. Prints the metrics raw (like linkerd diagnostics proxy-metrics)
    or merged with the labels Linkerd's Prometheus gives them; shows what
    linkerd viz shows, from the proxies alone: success rates, RPS and latency
    per workload (stat, top), per route and backend with timeouts and retries
    (routes), who talks to whom with mTLS identities (edges) and authorization
    denials (authz); checks the data plane's health (check); diffs two scrapes
    or snapshots, saves snapshots, and exports to Prometheus remote-write, a
    /metrics endpoint or OpenMetrics files for backfilling.
  caveats: |
    This plugin needs these permissions (RBAC) in the namespaces it reads,
    or cluster-wide with --all-namespaces:
      * get, list on pods, deployments, replicasets, statefulsets,
        daemonsets, replicationcontrollers, jobs and cronjobs
      * create, get on pods/portforward
        (or get on pods/proxy with --via apiserver)

    For kubectl linkerd-export <TAB> completion (kubectl 1.26 or newer),
    install the completion helper next to the plugin once:
      kubectl linkerd-export completion kubectl \\
        --install "\${KREW_ROOT:-\$HOME/.krew}/bin"
  platforms:
HEAD
    for pair in "${SELECTED[@]}"; do
        os=${pair%/*}
        arch=${pair#*/}
        cat <<PLATFORM
  - selector:
      matchLabels:
        os: $os
        arch: $arch
$("$uri_and_sha" "$os" "$arch")
    bin: $(bin_file "$os")
    files:
    - from: $(bin_file "$os")
      to: .
    - from: LICENSE
      to: .
PLATFORM
    done
}

release_uri_and_sha() {
    local archive
    archive=$(archive_name "$VERSION" "$1" "$2")
    echo "    uri: $REPO_URL/releases/download/$VERSION/$archive"
    echo "    sha256: $(sha256_of "$DIST_DIR/$archive")"
}

unreleased_uri_and_sha() {
    echo "    uri: $REPO_URL/releases/download/$VERSION/$(archive_name "$VERSION" "$1" "$2")"
    echo "    sha256: $(printf '0%.0s' {1..64})"
}

template_uri_and_sha() {
    local archive
    archive=$(archive_name '{{ .TagName }}' "$1" "$2")
    # addURIAndSha prints "uri: URI\n    sha256: SUM": placed at this indent, both lines line up.
    echo "    {{ addURIAndSha \"$REPO_URL/releases/download/{{ .TagName }}/$archive\" .TagName }}"
}

case ${1:-} in
--template)
    [[ $# -eq 1 ]] || usage
    SELECTED=("${PLATFORMS[@]}")
    render '{{ .TagName }}' template_uri_and_sha
    ;;
--unreleased)
    [[ $# -eq 2 ]] || usage
    VERSION=$2
    check_version "$VERSION"
    SELECTED=("${PLATFORMS[@]}")
    echo "# Unreleased: the sha256 values are placeholders until $VERSION's archives exist."
    echo "# The release workflow renders the real manifest from them (scripts/krew-manifest.sh)"
    echo "# and attaches it to the GitHub release as plugin.yaml."
    render "$VERSION" unreleased_uri_and_sha
    ;;
--archive-name)
    [[ $# -eq 4 ]] || usage
    check_version "$2"
    archive_name "$2" "$3" "$4"
    ;;
--bin-name)
    [[ $# -eq 2 ]] || usage
    bin_file "$2"
    ;;
--extra-files)
    [[ $# -eq 1 ]] || usage
    printf '%s\n' "${EXTRA_FILES[@]}"
    ;;
-*|'')
    usage
    ;;
*)
    [[ $# -ge 2 ]] || usage
    VERSION=$1
    DIST_DIR=$2
    shift 2
    check_version "$VERSION"
    [[ -d $DIST_DIR ]] || die "$DIST_DIR is not a directory"
    if [[ $# -eq 0 ]]; then
        SELECTED=("${PLATFORMS[@]}")
    else
        SELECTED=()
        for pair in "$@"; do
            [[ " ${PLATFORMS[*]} " == *" $pair "* ]] ||
                die "$pair is not a released platform (${PLATFORMS[*]})"
            SELECTED+=("$pair")
        done
    fi
    for pair in "${SELECTED[@]}"; do
        check_archive "$DIST_DIR/$(archive_name "$VERSION" "${pair%/*}" "${pair#*/}")" "${pair%/*}"
    done
    render "$VERSION" release_uri_and_sha
    ;;
esac
