#!/bin/sh
# Parser throughput and peak memory of quality-gate on large generated reports, compared
# with the Python parsers the anchors use (junitparser/lxml). Not a test: run by hand.
#
#   benches/quality-gate/run.sh [WORKDIR] [COBERTURA_MB] [JUNIT_CASES] [SARIF_RESULTS]
#
# Needs: cargo, python3, /usr/bin/time (GNU time). For the Python comparison, a venv with
# lxml and junitparser: PYTHON=/path/to/venv/bin/python (skipped when they are missing).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=${1:-${TMPDIR:-/tmp}/slipway-gate-bench}
mb=${2:-500}
cases=${3:-1000000}
results=${4:-200000}
python=${PYTHON:-python3}

# Two commands: with --example, cargo builds only examples, not quality-gate's binary.
cargo build --release -p quality-gate --manifest-path "$root/Cargo.toml" >&2
cargo build --release -p slipway-reports --example parse --manifest-path "$root/Cargo.toml" >&2
target=$(cargo metadata --format-version 1 --no-deps --manifest-path "$root/Cargo.toml" | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
gate="$target/release/quality-gate"
parse="$target/release/examples/parse"

mkdir -p "$work"
if [ ! -s "$work/cobertura.xml" ] || [ ! -s "$work/junit.xml" ] || [ ! -s "$work/results.sarif" ]; then
  echo "generating inputs in $work ..." >&2
  python3 "$here/generate.py" "$work" "$mb" "$cases" "$results"
fi

# measure NAME CMD...: prints wall seconds and peak RSS (MB) from GNU time.
measure() {
  name=$1; shift
  log="$work/$name.time"
  /usr/bin/time -v "$@" >"$work/$name.out" 2>"$log" || true
  secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$log")
  rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.1f", $2/1024}' "$log")
  echo "$secs $rss"
}

printf '%-14s %7s | %-22s | %-16s | %-30s | %s\n' file MB "parsers: s, MB/s, RSS" "gate: s, RSS" "python: tool, s, MB/s, RSS" "python/parsers"
for f in cobertura.xml junit.xml results.sarif; do
  size=$(stat -c %s "$work/$f")
  mbytes=$(awk -v s="$size" 'BEGIN {printf "%.1f", s/1048576}')
  out=$(measure "parse-$f" "$parse" "$work/$f")
  ps=${out% *} pr=${out#* }
  pt=$(awk -v m="$mbytes" -v s="$ps" 'BEGIN {printf "%.0f", (s > 0 ? m/s : 0)}')
  out=$(measure "gate-$f" "$gate" "$work/$f" --json --missing ignore --no-comment)
  gs=${out% *} gr=${out#* }
  case $f in
    cobertura.xml) kind=cobertura tool=lxml.iterparse ;;
    junit.xml) kind=junit tool=junitparser ;;
    *) kind=sarif tool=json.load ;;
  esac
  if "$python" -c 'import lxml, junitparser' 2>/dev/null; then
    out=$(measure "py-$f" "$python" "$here/python_baseline.py" "$kind" "$work/$f")
    ys=${out% *} yr=${out#* }
    yt=$(awk -v m="$mbytes" -v s="$ys" 'BEGIN {printf "%.0f", (s > 0 ? m/s : 0)}')
    ratio=$(awk -v a="$ys" -v b="$ps" 'BEGIN {printf "%.1fx", (b > 0 ? a/b : 0)}')
    py="$tool ${ys}s ${yt}MB/s ${yr}MB"
  else
    py="(lxml/junitparser missing)" ratio=-
  fi
  printf '%-14s %7s | %-22s | %-16s | %-30s | %s\n' "$f" "$mbytes" "${ps}s ${pt}MB/s ${pr}MB" "${gs}s ${gr}MB" "$py" "$ratio"
done
echo "outputs and GNU time logs: $work" >&2
