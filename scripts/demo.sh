#!/usr/bin/env bash
# The main job, end to end, on this machine: builds the five binaries, then runs the whole
# chain of composite actions with act on a scratch repository holding a small Python
# service: version-manager -> tests and scans -> quality-gate -> blue-green deploy behind a
# real nginx -> notify (a local webhook standing in for Slack) -> a failing release that is
# rolled back -> failure notification. Prints what each stage did.
# Installs what it needs (nginx, act, pytest, ...) on first run.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

scripts/install-deps.sh
eval "$(scripts/install-deps.sh --print-env)"

echo "== building the binaries"
cargo build --quiet --bins --workspace
bin="${CARGO_TARGET_DIR:-$root/target}/debug"
exec "$bin/slipway-demo" "$bin"
