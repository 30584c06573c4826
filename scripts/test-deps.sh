#!/usr/bin/env bash
# What the integration tests drive, installed when missing (scripts/test.sh and .ci/run run this).
#
# The tests run Debian's Prometheus and promtool (package `prometheus`), VictoriaMetrics as a second
# remote-write receiver (package `victoria-metrics`), tmux for terminal tests (package `tmux`) and
# the real kubectl at /usr/bin/kubectl. As root with apt-get, the missing packages are installed;
# anywhere else this says what to install and fails.
set -euo pipefail

packages=()
for tool in prometheus:prometheus promtool:prometheus victoria-metrics:victoria-metrics tmux:tmux; do
    command=${tool%%:*} package=${tool#*:}
    if ! command -v "$command" >/dev/null 2>&1 && [[ " ${packages[*]} " != *" $package "* ]]; then
        packages+=("$package")
    fi
done

if ((${#packages[@]})); then
    if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1; then
        echo "installing ${packages[*]} (the integration tests run them)" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq "${packages[@]}" >/dev/null
    else
        echo "error: the tests need the Debian packages ${packages[*]}:" \
            "run \`sudo apt-get update && sudo apt-get install -y ${packages[*]}\`" \
            "(elsewhere, install Prometheus with promtool, VictoriaMetrics and tmux so they are on PATH), then run this again" >&2
        exit 1
    fi
fi

if [[ ! -x /usr/bin/kubectl ]]; then
    echo "error: the tests need the real kubectl at /usr/bin/kubectl:" \
        "install it (https://kubernetes.io/docs/tasks/tools/), then run this again" >&2
    exit 1
fi
