#!/usr/bin/env bash
# Whole commands at mesh scale: start the simulated mesh (`demo --serve` with the given sizing),
# then run `stat -A --window 2s`, `metrics -A -o raw`, `metrics -A -o prom` and `diff deploy -A
# --interval 2s` against it, each under /usr/bin/time (wall, user CPU, peak RSS), and report the
# bytes each printed and the simulator's own peak RSS. Results are recorded in docs/BENCHMARKS.md.
#
#   scripts/bench-mesh-scale.sh [--binary PATH] [DEMO FLAGS...]
#   scripts/bench-mesh-scale.sh --replicas 200 --namespaces 3       # 3,214 pods
#
# Needs GNU time (/usr/bin/time, Debian's `time` package). Default binary: target/release (built).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
binary=""
if [[ ${1:-} == --binary ]]; then
    binary=$2
    shift 2
fi
if [[ -z $binary ]]; then
    cargo build --release --quiet --manifest-path "$root/Cargo.toml" --bin kubectl-linkerd_export
    binary="$root/target/release/kubectl-linkerd_export"
fi
[[ -x /usr/bin/time ]] || { echo "needs GNU time: apt-get install -y time" >&2; exit 1; }

work=$(mktemp -d)
# GNU time ignores SIGINT while its child runs: the simulator itself is told to stop.
stop_simulator() { pkill -INT -P "$sim" 2>/dev/null || true; wait "$sim" 2>/dev/null || true; }
trap 'stop_simulator; rm -rf "$work"' EXIT
kubeconfig="$work/kubeconfig"
/usr/bin/time -f "simulator: %e s wall, %U s user, peak RSS %M KB" -o "$work/sim.time" \
    "$binary" demo --serve "$@" --kubeconfig-out "$kubeconfig" > "$work/sim.out" 2>&1 &
sim=$!
for _ in $(seq 1 600); do
    [[ -s $kubeconfig ]] && break
    sleep 0.1
done
[[ -s $kubeconfig ]] || { echo "the simulator did not start" >&2; cat "$work/sim.out" >&2; exit 1; }
export KUBECONFIG=$kubeconfig

measure() {
    local name=$1
    shift
    local bytes
    bytes=$(/usr/bin/time -f "%e %U %M" -o "$work/cmd.time" "$binary" "$@" -q | wc -c)
    read -r wall user rss < "$work/cmd.time"
    printf '%-30s %8.2f s wall %8.2f s user %9d KB peak RSS %14d bytes printed\n' \
        "$name" "$wall" "$user" "$rss" "$bytes"
}

echo "mesh: demo --serve $*"
measure "stat -A --window 2s" stat -A --window 2s
measure "metrics -A -o raw" metrics -A -o raw
measure "metrics -A -o prom" metrics -A -o prom
measure "diff deploy -A --interval 2s" diff deploy -A --interval 2s
stop_simulator
cat "$work/sim.time"
