#!/usr/bin/env bash
# The benchmarks and the mesh-scale script README.md names ("Benchmarks"), each run once at a small
# size, so they keep running: `cargo test --bench '*'` runs each criterion benchmark once and each
# plain one as its `main` (`--benches` would also run the library's unit tests again). Their
# numbers come from full runs (docs/BENCHMARKS.md). .ci/run runs this after the test command.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
WHOLE_PROCESS_MB=1 WHOLE_PROCESS_RUNS=1 FANOUT_PODS=20 FANOUT_RUNS=1 cargo test --bench '*'
cargo build --bin kubectl-linkerd_export
if [[ ! -x /usr/bin/time ]]; then
    apt-get update -qq
    apt-get install -y -qq time >/dev/null
fi
scripts/bench-mesh-scale.sh --binary target/debug/kubectl-linkerd_export --replicas 1
