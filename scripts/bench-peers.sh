#!/usr/bin/env bash
# Times rask against make, just, go-task, invoke and doit with the shared harness
# (../shared/bench), on identical workloads. Usage: scripts/bench-peers.sh [SCENARIO...]
# Results land in target/bench-peers/bench/results/<time>/summary.md.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
shared="${RASK_BENCH_HARNESS:-$repo/../shared/bench}"
work="$repo/target/bench-peers"
[ -d "$shared" ] || { echo "no benchmark harness at $shared (set RASK_BENCH_HARNESS)" >&2; exit 2; }
mkdir -p "$work"
# The shared copy is read-only and the harness writes beside itself: work on a copy.
mkdir -p "$work/bench"
cp -r "$shared/." "$work/bench/"
chmod -R u+w "$work/bench"
"$work/bench/setup.sh"
args=(--runners make just task invoke doit rask)
[ $# -gt 0 ] && args+=(--scenarios "$@")
RASK="$repo/target/release/rask" "$work/bench/run.sh" "${args[@]}"
