#!/usr/bin/env bash
# The up-to-date check of one task whose sources are 10,000 unchanged files (~1 GiB), as
# issue #9's Speed section asks: rask warm (stat-index hit) and cold (index deleted: every
# file hashed again), against the SHA-256 floor for 2 cores (`openssl dgst -sha256`, which uses
# the CPU's SHA extensions, and coreutils `sha256sum`, each on 2 processes), go-task's
# `method: checksum` and make's mtime check on the same tree.
#
# Usage: benches/cache-up-to-date.sh [WORKDIR]   (needs a release build: cargo build --release)
# Optional: TASK=path/to/go-task (default: `task` on PATH, else the shared bench harness's
# venv, where its setup.sh installs go-task), FILES=10000, KIB=100 (per file), RUNS=10.
# Every figure is a hyperfine mean over RUNS runs with the page cache warm; on a shared machine
# compare figures of one run only.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
rask="${RASK:-$repo/target/release/rask}"
work="${1:-$(mktemp -d)}"
files="${FILES:-10000}"
kib="${KIB:-100}"
runs="${RUNS:-10}"
harness="${RASK_BENCH_HARNESS:-/work/bench/bench}"
task_bin="${TASK:-$(command -v task || true)}"
if [ -z "$task_bin" ] && [ -x "$harness/.venv/bin/task" ]; then
  task_bin="$harness/.venv/bin/task"
fi
[ -x "$rask" ] || { echo "no release build at $rask (cargo build --release)" >&2; exit 2; }
command -v hyperfine >/dev/null || { echo "hyperfine is needed" >&2; exit 2; }

mkdir -p "$work/src"
cd "$work"
if [ ! -f .generated ]; then
  echo "writing $files files of $kib KiB under $work/src ..." >&2
  # 100 directories of 100 files, random contents (so nothing compresses or dedups).
  for d in $(seq 0 $((files / 100 - 1))); do
    mkdir -p "src/d$d"
    head -c $((kib * 1024 * 100)) /dev/urandom | split -b $((kib * 1024)) -a 2 -d - "src/d$d/f"
  done
  touch .generated
fi

cat > tasks.toml <<'TOML'
[tasks.build]
sources = ["src/**/*"]
outputs = ["out"]
run = "echo built > out"
TOML
cat > Makefile <<'MAKE'
SOURCES := $(shell find src -type f)
out: $(SOURCES)
	echo built > out
MAKE
cat > Taskfile.yml <<'YAML'
version: '3'
tasks:
  build:
    method: checksum
    sources: ["src/**/*"]
    generates: ["out"]
    cmds: ["echo built > out"]
YAML

# Prime every tool: the first runs build their state (rask's cache and index, go-task's checksum).
"$rask" build >/dev/null 2>&1
make -s out >/dev/null
[ -n "$task_bin" ] && "$task_bin" build >/dev/null 2>&1
sleep 3 # rask does not index a file modified within 2 s of hashing it; let the tree age
"$rask" build >/dev/null 2>&1

# hyperfine takes one --prepare per command when any differs.
commands=(
  --prepare true -n "rask warm (index hit)" "$rask -q build"
  --prepare "rm -rf .rask/cache/index" -n "rask cold (index deleted, all hashed)" "$rask -q build"
  --prepare true -n "openssl sha256 x2 (SHA-NI floor)" "find src -type f -print0 | xargs -0 -n 500 -P 2 openssl dgst -sha256 > /dev/null"
  --prepare true -n "sha256sum x2" "find src -type f -print0 | xargs -0 -n 500 -P 2 sha256sum > /dev/null"
  --prepare true -n "make (mtime)" "make -s out"
)
[ -n "$task_bin" ] && commands+=(--prepare true -n "go-task checksum" "$task_bin -s build")
hyperfine --runs "$runs" --warmup 1 --export-markdown "$work/cache-up-to-date.md" \
  --export-json "$work/cache-up-to-date.json" "${commands[@]}"
echo "results: $work/cache-up-to-date.md" >&2
