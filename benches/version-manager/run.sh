#!/usr/bin/env bash
# Benchmarks version-manager on a repository shaped like the issue's: 27,000 commits,
# 12,000 unprefixed tags (9,000 releases), 97% conventional subjects.
#
#   benches/version-manager/run.sh [BIN]
#
# BIN defaults to target/release/version-manager (built if missing). Uses hyperfine when
# installed, else a loop of BENCH_RUNS (default 7) runs timed with date +%s%N (median
# and fastest printed). Compares with `git log --format=%B` (the floor) and with
# cocogitto (`cog`), git-cliff and commitizen (`cz`) when on PATH or in the tools cache
# ($SLIPWAY_TOOLS/bench: `bin/` from `cargo install --root`, `venv/bin/` from pip), then
# prints, per `next` scenario, version-manager's time over the fastest peer's and every
# tool's answer. Set BENCH_DIR to keep the generated repositories between runs.
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
# Peers installed for the benchmark only, into the tools cache (never by CI).
peers="${SLIPWAY_TOOLS:-$HOME/.cache/slipway-tools}/bench"
for d in "$peers/bin" "$peers/venv/bin"; do
  if [[ -d "$d" ]]; then PATH="$PATH:$d"; fi
done
runs="${BENCH_RUNS:-7}"
results="$work/results.tsv"
: >"$results"
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
    local json="$work/bench-$RANDOM.json"
    (cd "$dir" && hyperfine --warmup 1 --runs "$runs" --style basic -N --ignore-failure --export-json "$json" -n "$name" -- "$*" >/dev/null)
    python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['results'][0]; print(f\"{sys.argv[2]:<44} {r['median']*1000:.0f} ms median (fastest {r['min']*1000:.0f})\"); open(sys.argv[3],'a').write(f\"{sys.argv[2]}\t{r['median']*1000:.0f}\t{r['min']*1000:.0f}\\n\")" "$json" "$name" "$results"
  else
    local times=() s e
    (cd "$dir" && "$@" >/dev/null 2>&1) || true
    for ((i = 0; i < runs; i++)); do
      s=$(date +%s%N)
      (cd "$dir" && "$@" >/dev/null 2>&1) || true
      e=$(date +%s%N)
      times+=($(( (e - s) / 1000000 )))
    done
    local sorted median fastest
    sorted=$(printf '%s\n' "${times[@]}" | sort -n | tr '\n' ' ')
    median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p")
    fastest=$(printf '%s\n' "${times[@]}" | sort -n | head -1)
    printf '%-44s %s ms median (fastest %s; runs: %s)\n' "$name" "$median" "$fastest" "$sorted"
    printf '%s\t%s\t%s\n' "$name" "$median" "$fastest" >>"$results"
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
cz_config="$work/cz.toml"
# shellcheck disable=SC2016 # $version is commitizen's placeholder, not the shell's
printf '[tool.commitizen]\nname = "cz_conventional_commits"\nversion_provider = "scm"\ntag_format = "$version"\n' >"$cz_config"
if command -v cz >/dev/null; then
  echo
  echo "# commitizen"
  git -C "$tagged" checkout --quiet hot
  bench "cz bump --get-next (1 since)" "$tagged" cz --config "$cz_config" bump --get-next --yes
  git -C "$tagged" checkout --quiet main
  bench "cz bump --get-next (5,000 since)" "$tagged" cz --config "$cz_config" bump --get-next --yes
  bench "cz bump --get-next (no tag)" "$untagged" cz --config "$cz_config" bump --get-next --yes
fi

# answer NAME DIR COMMAND...: the tool's answer (last line of stdout, or its exit code)
answer() {
  local dir="$2"; shift 2
  local out code=0
  out=$(cd "$dir" && "$@" 2>/dev/null) || code=$?
  if [[ -n "$out" ]]; then printf '%s' "$out" | tail -1; else printf 'exit %s' "$code"; fi
}
echo
echo "# answers (version-manager: plain next, which may stop early, and --json next, which reads everything)"
for scenario in "1 since:$tagged:hot" "5,000 since:$tagged:main" "no tag:$untagged:main"; do
  IFS=: read -r label dir branch <<<"$scenario"
  git -C "$dir" checkout --quiet "$branch"
  plain=$(answer vm "$dir" "$bin" next)
  full=$(cd "$dir" && "$bin" --json next 2>/dev/null | python3 -c "import json,sys; print(json.load(sys.stdin)['next'])")
  line="$label: version-manager $plain (--json: $full)"
  [[ "$plain" == "$full" ]] || line="$line MISMATCH"
  if command -v cog >/dev/null; then line="$line; cog $(answer cog "$dir" cog bump --dry-run --auto)"; fi
  if command -v git-cliff >/dev/null; then line="$line; git-cliff $(answer cliff "$dir" git-cliff --bumped-version)"; fi
  if command -v cz >/dev/null; then line="$line; cz $(answer cz "$dir" cz --config "$cz_config" bump --get-next --yes)"; fi
  echo "$line"
done
git -C "$tagged" checkout --quiet main

echo
echo "# next: version-manager over the fastest peer (target <= 0.25), by median and by fastest run"
python3 - "$results" <<'PY'
import sys
rows = {}
for line in open(sys.argv[1]):
    name, median, fastest = line.rstrip("\n").split("\t")
    rows[name] = (int(median), int(fastest))
scenarios = [
    ("1 since", "next: 12,000 tags, 1 commit since"),
    ("5,000 since", "next: 12,000 tags, 5,000 commits since"),
    ("no tag", "next: 27,000 commits, no tag"),
]
peers = {
    "1 since": ["cog bump --dry-run --auto (1 since)", "git-cliff --bumped-version (1 since)", "cz bump --get-next (1 since)"],
    "5,000 since": ["cog bump --dry-run --auto (5,000 since)", "git-cliff --bumped-version (5,000 since)", "cz bump --get-next (5,000 since)"],
    "no tag": ["cog bump --dry-run --auto (no tag)", "git-cliff --bumped-version (no tag)", "cz bump --get-next (no tag)"],
}
for label, ours in scenarios:
    found = [(rows[p], p) for p in peers[label] if p in rows]
    if not found or ours not in rows:
        print(f"{label:<12} no peer timed")
        continue
    (best_median, _), best_name = min(found, key=lambda f: f[0][0])
    best_fastest = min(f[0][1] for f in found)
    m, f = rows[ours]
    print(f"{label:<12} {m} ms / {best_median} ms ({best_name.split(' (')[0]}) = {m / best_median:.2f} by median; "
          f"{f} / {best_fastest} = {f / best_fastest:.2f} by fastest run")
PY
echo
echo "repositories kept in $work (set BENCH_DIR=$work to reuse them)"
