#!/bin/sh
# Parser throughput and peak memory of quality-gate on large generated reports, against
# the Python parsers the anchors use (lxml iterparse, junitparser, json.load), all in one
# run. Not a test: run by hand on a quiet machine and paste the table into RESULTS.md.
#
#   benches/quality-gate/run.sh [WORKDIR] [COBERTURA_MB] [JUNIT_CASES] [SARIF_RESULTS]
#
# Defaults: /tmp/slipway-gate-bench, 200 MB, 1,000,000 cases, 200,000 results. RUNS=3
# runs of each of our commands (the table gives the median and the spread), one of each
# peer. Figures are CPU time (user + sys from GNU time), which a loaded machine inflates
# far less than wall time; the load average is printed before and after.
#
# Needs: cargo, python3, /usr/bin/time (GNU time). The peers need lxml and junitparser:
# PYTHON=/path/to/python with both, or the script makes a venv in WORKDIR/venv with pip.
# Without them it stops with an error: a table without its peers is not a result.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=${1:-${TMPDIR:-/tmp}/slipway-gate-bench}
mb=${2:-200}
cases=${3:-1000000}
results=${4:-200000}
runs=${RUNS:-3}

die() {
  echo "error: $*" >&2
  exit 1
}

[ -x /usr/bin/time ] || die "GNU time is missing (/usr/bin/time): apt-get install time"
mkdir -p "$work"

# The peers' Python: PYTHON if given, else a venv of our own.
if [ -n "${PYTHON:-}" ]; then
  python=$PYTHON
else
  python="$work/venv/bin/python"
  if ! "$python" -c 'import lxml, junitparser' 2>/dev/null; then
    echo "making a venv with lxml and junitparser in $work/venv ..." >&2
    python3 -m venv "$work/venv" || die "python3 -m venv failed: apt-get install python3-venv"
    "$work/venv/bin/pip" install -q --disable-pip-version-check lxml junitparser \
      || die "pip could not install lxml and junitparser into $work/venv"
  fi
fi
"$python" -c 'import lxml, junitparser' 2>/dev/null \
  || die "the peers cannot run: $python cannot import lxml and junitparser (pip install lxml junitparser, or unset PYTHON)"

# Two commands: with --example, cargo builds only examples, not quality-gate's binary.
cargo build --release -p quality-gate --manifest-path "$root/Cargo.toml" >&2
cargo build --release -p slipway-reports --example parse --manifest-path "$root/Cargo.toml" >&2
target=$(cargo metadata --format-version 1 --no-deps --manifest-path "$root/Cargo.toml" | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
gate="$target/release/quality-gate"
parse="$target/release/examples/parse"

if [ ! -s "$work/cobertura.xml" ] || [ ! -s "$work/junit.xml" ] || [ ! -s "$work/results.sarif" ]; then
  echo "generating inputs in $work ..." >&2
  python3 "$here/generate.py" "$work" "$mb" "$cases" "$results"
fi

load() { cut -d' ' -f1-3 /proc/loadavg; }

# measure NAME CMD...: runs CMD under GNU time, prints "cpu_seconds wall_seconds rss_mb".
measure() {
  name=$1
  shift
  log="$work/$name.time"
  /usr/bin/time -f '%U %S %e %M' -o "$log" "$@" >"$work/$name.out" 2>"$work/$name.err" || true
  # GNU time writes "Command exited with non-zero status N" first when the gate fails.
  tail -n 1 "$log" | awk '{printf "%.2f %.2f %.1f\n", $1 + $2, $3, $4 / 1024}'
}

# median and spread of a list of numbers: "median min-max".
stats() {
  printf '%s\n' "$@" | sort -n | awk '{v[NR] = $1} END {printf "%.2f %.2f-%.2f\n", v[int((NR + 1) / 2)], v[1], v[NR]}'
}

echo "## $(date -u +%Y-%m-%d) quality-gate parser benchmark"
echo
echo "Machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo); load average at start $(load)."
echo "Command: \`benches/quality-gate/run.sh $work $mb $cases $results\` (RUNS=$runs); peers with $("$python" -c 'import lxml; print("lxml", lxml.__version__)'), junitparser $("$python" -c 'import junitparser; print(junitparser.version)'), Python $("$python" -c 'import platform; print(platform.python_version())')."
echo
echo "| input | MiB | parsers CPU s (median, spread) | quality-gate CPU s (median, spread) | MiB/s | peak RSS | peer | peer CPU s | peer RSS | ratio | load before/after peer |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
for f in cobertura.xml junit.xml results.sarif; do
  size=$(stat -c %s "$work/$f")
  mib=$(awk -v s="$size" 'BEGIN {printf "%.1f", s / 1048576}')
  pcpu="" gcpu="" grss=0
  i=0
  while [ "$i" -lt "$runs" ]; do
    # shellcheck disable=SC2046
    set -- $(measure "parse-$f-$i" "$parse" "$work/$f")
    pcpu="$pcpu $1"
    # shellcheck disable=SC2046
    set -- $(measure "gate-$f-$i" "$gate" "$work/$f" --json --missing ignore --no-comment)
    gcpu="$gcpu $1"
    grss=$(awk -v a="$grss" -v b="$3" 'BEGIN {print (b > a ? b : a)}')
    i=$((i + 1))
  done
  # shellcheck disable=SC2046,SC2086
  set -- $(stats $pcpu)
  pmed=$1 pspread=$2
  # shellcheck disable=SC2046,SC2086
  set -- $(stats $gcpu)
  gmed=$1 gspread=$2
  rate=$(awk -v m="$mib" -v s="$gmed" 'BEGIN {printf "%.0f", (s > 0 ? m / s : 0)}')
  case $f in
    cobertura.xml) kind=cobertura tool="lxml iterparse" ;;
    junit.xml) kind=junit tool=junitparser ;;
    *) kind=sarif tool=json.load ;;
  esac
  before=$(load)
  # shellcheck disable=SC2046
  set -- $(measure "py-$f" "$python" "$here/python_baseline.py" "$kind" "$work/$f")
  ycpu=$1 yrss=$3
  after=$(load)
  grep -q . "$work/py-$f.out" || die "the $tool peer printed nothing on $f: see $work/py-$f.err"
  ratio=$(awk -v a="$ycpu" -v b="$gmed" 'BEGIN {printf "%.1f", (b > 0 ? a / b : 0)}')
  echo "| $f | $mib | $pmed ($pspread) | $gmed ($gspread) | $rate | ${grss} MB | $tool | $ycpu | ${yrss} MB | ${ratio}x | $before / $after |"
done
echo
echo "What each side counted (check they agree):"
for f in cobertura.xml junit.xml results.sarif; do
  echo "- $f: ours \`$(cat "$work/parse-$f-0.out")\`; peer \`$(cat "$work/py-$f.out")\`"
done
echo
echo "Load average at the end: $(load). Outputs and GNU time logs: $work"
