#!/usr/bin/env bash
# Benchmarks version-manager on a repository shaped like the issue's: 27,000 commits,
# 12,000 unprefixed tags (9,000 releases), 97% conventional subjects.
#
#   benches/version-manager/run.sh [BIN]
#
# BIN defaults to target/release/version-manager (built if missing). Uses hyperfine when
# installed, else a loop of 5 runs timed with date +%s%N (median printed). Compares with
# `git log --format=%B` (the floor) and with cocogitto (`cog`) and git-cliff when on PATH.
# Set BENCH_DIR to keep the generated repositories between runs.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bin="${1:-$root/target/release/version-manager}"
if [[ ! -x "$bin" ]]; then
  cargo build --release -p version-manager --manifest-path "$root/Cargo.toml"
fi
work="${BENCH_DIR:-$(mktemp -d)}"
mkdir -p "$work"
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null NO_COLOR=1
unset GITHUB_ACTIONS CI GITHUB_OUTPUT GITHUB_STEP_SUMMARY || true

make_repo() { # name, extra generator args
  local dir="$work/$1"; shift
  if [[ -d "$dir/.git" ]]; then return; fi
  git init --quiet --initial-branch=main "$dir"
  local start end
  start=$(date +%s%N)
  python3 "$here/gen_history.py" 27000 22000 9000 3000 "$@" | git -C "$dir" fast-import --quiet
  git -C "$dir" pack-refs --all
  git -C "$dir" gc --quiet --prune=now
  git -C "$dir" checkout --quiet -f main
  end=$(date +%s%N)
  echo "generated $dir in $(( (end - start) / 1000000 )) ms: $(git -C "$dir" rev-list --count --all) commits, $(git -C "$dir" tag | wc -l) tags" >&2
}

make_repo tagged
make_repo untagged --no-tags

# bench NAME DIR COMMAND...
bench() {
  local name="$1" dir="$2"; shift 2
  if command -v hyperfine >/dev/null; then
    (cd "$dir" && hyperfine --warmup 1 --runs 5 --style basic -N --ignore-failure --export-json "$work/$name.json" -n "$name" -- "$*" >/dev/null)
    python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['results'][0]; print(f\"{sys.argv[2]:<44} {r['median']:.3f} s (min {r['min']:.3f})\")" "$work/$name.json" "$name"
  else
    local times=() s e
    (cd "$dir" && "$@" >/dev/null 2>&1) || true
    for _ in 1 2 3 4 5; do
      s=$(date +%s%N)
      (cd "$dir" && "$@" >/dev/null 2>&1) || true
      e=$(date +%s%N)
      times+=($(( (e - s) / 1000000 )))
    done
    local sorted
    sorted=$(printf '%s\n' "${times[@]}" | sort -n | tr '\n' ' ')
    printf '%-44s %s ms median (runs: %s)\n' "$name" "$(printf '%s\n' "${times[@]}" | sort -n | sed -n 3p)" "$sorted"
  fi
}

peak() { # NAME DIR COMMAND...: peak resident memory
  local name="$1" dir="$2"; shift 2
  if [[ -x /usr/bin/time ]]; then
    local kb
    kb=$(cd "$dir" && /usr/bin/time -f '%M' "$@" 2>&1 >/dev/null | tail -1)
    printf '%-44s %s MB peak RSS\n' "$name" "$(( kb / 1024 ))"
  fi
}

tagged="$work/tagged"
untagged="$work/untagged"
echo "machine: $(nproc) cores, $(uname -sr), $(git --version)"
echo "version-manager: $bin"
echo
echo "# floor"
bench "git log --format=%B (27,000 messages)" "$untagged" git log --format=%B
echo
echo "# next"
git -C "$tagged" checkout --quiet hot
bench "next: 12,000 tags, 1 commit since" "$tagged" "$bin" next
git -C "$tagged" checkout --quiet main
bench "next: 12,000 tags, 5,000 commits since" "$tagged" "$bin" next
bench "next: 27,000 commits, no tag" "$untagged" "$bin" next
echo
echo "# show"
bench "show: 12,000 tags, 5,000 commits since" "$tagged" "$bin" show
echo
echo "# changelog"
bench "changelog --all: 9,000 releases" "$tagged" "$bin" changelog --all
echo
echo "# memory"
peak "next: 27,000 commits, no tag" "$untagged" "$bin" next
peak "changelog --all: 9,000 releases" "$tagged" "$bin" changelog --all

if command -v cog >/dev/null; then
  echo
  echo "# cocogitto"
  git -C "$tagged" checkout --quiet hot
  bench "cog bump --dry-run --auto (1 since)" "$tagged" cog bump --dry-run --auto
  git -C "$tagged" checkout --quiet main
  bench "cog bump --dry-run --auto (5,000 since)" "$tagged" cog bump --dry-run --auto
  bench "cog bump --dry-run --auto (no tag)" "$untagged" cog bump --dry-run --auto
fi
if command -v git-cliff >/dev/null; then
  echo
  echo "# git-cliff"
  git -C "$tagged" checkout --quiet hot
  bench "git-cliff --bumped-version (1 since)" "$tagged" git-cliff --bumped-version
  git -C "$tagged" checkout --quiet main
  bench "git-cliff --bumped-version (5,000 since)" "$tagged" git-cliff --bumped-version
  bench "git-cliff --bumped-version (no tag)" "$untagged" git-cliff --bumped-version
  bench "git-cliff (full changelog)" "$tagged" git-cliff
fi
echo
echo "repositories kept in $work (set BENCH_DIR=$work to reuse them)"
