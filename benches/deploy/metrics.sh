#!/usr/bin/env bash
# `deploy metrics` over a 10,000-run history (history.jsonl plus the 50-entry ledger) and a
# 27,000-commit repository (benches/version-manager/gen_history.py), the whole history in
# the window, so lead time walks every commit. Target: under 1 s.
#
#   benches/deploy/metrics.sh [BIN]
#
# BIN defaults to target/release/deploy (built if missing). Uses hyperfine when installed,
# else 5 runs timed with date +%s%N (median printed). BENCH_DIR keeps the generated files.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
bin="${1:-$target/release/deploy}"
if [[ ! -x "$bin" ]]; then
  cargo build --release -p deploy --manifest-path "$root/Cargo.toml"
fi
work="${BENCH_DIR:-$(mktemp -d)}"
mkdir -p "$work"
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null NO_COLOR=1
unset GITHUB_ACTIONS CI GITHUB_OUTPUT GITHUB_STEP_SUMMARY GITHUB_TOKEN GITHUB_SHA || true

repo="$work/repo"
if [[ ! -d "$repo/.git" ]]; then
  git init --quiet --initial-branch=main "$repo"
  python3 "$root/benches/version-manager/gen_history.py" 27000 22000 9000 3000 --no-tags \
    | git -C "$repo" fast-import --quiet
  git -C "$repo" gc --quiet --prune=now
  git -C "$repo" checkout --quiet -f main
fi
state="$work/state"
if [[ ! -f "$state/history.jsonl" ]]; then
  python3 "$here/metrics_history.py" "$repo" "$state" 10000
fi
cat > "$work/slipway.toml" <<TOML
[deploy.environments.production]
strategy = "blue-green"
router = "none"
hosts = ["local"]
slots = { blue = 18080, green = 18081 }
start = "true"
stop = "true"
state_dir = "$state"
TOML
echo "repository: $(git -C "$repo" rev-list --count HEAD) commits; history: $(wc -l < "$state/history.jsonl") runs" >&2
cmd=("$bin" metrics --config "$work/slipway.toml" --since 2020-01-01 --until 2021-12-31 --json)
(cd "$repo" && "${cmd[@]}" | python3 -c 'import json,sys; e=json.load(sys.stdin)["environments"][0]; print({k: e[k] for k in ("deployments","failed_deployments","change_failure_rate","time_to_restore_seconds","lead_time_seconds")})' >&2)
if command -v hyperfine >/dev/null; then
  (cd "$repo" && hyperfine --warmup 1 --runs 10 "$(printf '%q ' "${cmd[@]}")")
else
  times=()
  for _ in 1 2 3 4 5; do
    start=$(date +%s%N)
    (cd "$repo" && "${cmd[@]}" > /dev/null)
    end=$(date +%s%N)
    times+=($(( (end - start) / 1000000 )))
  done
  sorted=$(printf '%s\n' "${times[@]}" | sort -n | tr '\n' ' ')
  echo "deploy metrics, 5 runs (ms): ${sorted}; median $(printf '%s\n' "${times[@]}" | sort -n | sed -n 3p) ms"
fi
