#!/usr/bin/env bash
# The test command (README.md "Running the tests", and what .ci/run runs): installs what the
# integration tests drive when it is missing (scripts/test-deps.sh: Prometheus, VictoriaMetrics,
# tmux), then runs `cargo test` with this script's arguments. `--no-fail-fast`: one failing test
# binary does not keep the others (the library's, the simulator's, ...) from running, so a red
# run lists every failure.
#
#   ./scripts/test.sh [CARGO TEST ARGS...]     e.g. ./scripts/test.sh --test cli stat::
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/test-deps.sh
exec cargo test --no-fail-fast "$@"
