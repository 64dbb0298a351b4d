#!/usr/bin/env bash
# Cold step overhead of the composite actions' install step (actions/_shared/install.sh):
# download the release archive from a release served on loopback (Python's http.server
# standing in for GitHub release downloads), check its SHA-256 against the checksums
# file, unpack into an empty tool cache, then run the binary's --help. Beside it, a step
# that finds the release in the tool cache, and the source fallback (install: source,
# cargo build --release in the action's checkout) with the target dir already built.
# The cold source build is the one figure this script does not make (minutes of CPU):
# time `cargo build --release --bins` in a fresh CARGO_TARGET_DIR for it.
#
# Usage: benches/install/run.sh [BIN_DIR (default target/release)] [RUNS (default 10)]
# BENCH_SOURCE=0 skips the source fallback (it waits for any build holding the target dir).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
root="$PWD"
bin_dir="$(cd "${1:-${CARGO_TARGET_DIR:-target}/release}" && pwd)"
runs="${2:-10}"
bins=(version-manager quality-gate deploy rollback notify)
for b in "${bins[@]}"; do
  [[ -x "${bin_dir}/${b}" ]] || { echo "${bin_dir}/${b} not found: cargo build --release --bins first" >&2; exit 2; }
done

work="$(mktemp -d)"
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]]; then kill "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# A release laid out as .github/workflows/release.yml publishes it.
version="0.0.0-bench"
tag="v${version}"
target="x86_64-unknown-linux-gnu"
archive="slipway-${tag}-${target}.tar.gz"
mkdir -p "${work}/releases/${tag}" "${work}/stage" "${work}/checkout/actions"
cp "${bins[@]/#/${bin_dir}/}" "${work}/stage/"
tar -czf "${work}/releases/${tag}/${archive}" -C "${work}/stage" .
(cd "${work}/releases/${tag}" && sha256sum -- "${archive}" > "slipway-${tag}-checksums.txt")
size="$(stat -c %s "${work}/releases/${tag}/${archive}")"

# The action's checkout: its Cargo.toml names the release.
cp -r actions/_shared actions/version-manager actions/deploy "${work}/checkout/actions/"
printf '[workspace]\nmembers = []\n\n[workspace.package]\nversion = "%s"\n' "$version" > "${work}/checkout/Cargo.toml"

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
python3 -m http.server --bind 127.0.0.1 "$port" --directory "${work}/releases" > "${work}/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
  if curl -fs "http://127.0.0.1:${port}/${tag}/slipway-${tag}-checksums.txt" > /dev/null; then break; fi
  sleep 0.1
done

now_ms() { date +%s%3N; }

# One action step: install (mode $1, tool cache $2, binary $3, action checkout $4) + --help.
step() {
  local mode="$1" cache="$2" bin="$3" checkout="$4" out="${work}/step"
  rm -rf "$out" && mkdir -p "$out"
  env -i PATH="$PATH" HOME="$HOME" CARGO_HOME="${CARGO_HOME:-${HOME}/.cargo}" \
    RUSTUP_HOME="${RUSTUP_HOME:-${HOME}/.rustup}" ${CARGO_TARGET_DIR:+CARGO_TARGET_DIR="$CARGO_TARGET_DIR"} \
    RUNNER_OS=Linux RUNNER_ARCH=X64 GITHUB_OUTPUT="${out}/output" GITHUB_PATH="${out}/path" \
    SLIPWAY_BIN="$bin" SLIPWAY_INSTALL="$mode" SLIPWAY_VERSION=v1 \
    SLIPWAY_RELEASE_URL="http://127.0.0.1:${port}" SLIPWAY_TOOL_CACHE="$cache" \
    SLIPWAY_ACTION_PATH="${checkout}/actions/${bin}" \
    bash "${checkout}/actions/_shared/install.sh" 2> "${out}/stderr" > /dev/null \
    || { cat "${out}/stderr" >&2; exit 1; }
  "$(head -n1 "${out}/path")/${bin}" --help > /dev/null
}

stats() { # name, then times in ms
  local name="$1"; shift
  printf '%s\n' "$@" | sort -n | awk -v name="$name" '
    { t[NR] = $1 } END {
      med = (NR % 2) ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2
      printf "%-44s runs %3d  min %6d ms  median %6d ms  max %6d ms\n", name, NR, t[1], med, t[NR]
    }'
}

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); archive ${archive} $((size / 1024 / 1024)) MiB (5 binaries from ${bin_dir})"

cold=()
for i in $(seq 1 "$runs"); do
  bin="${bins[$(( (i - 1) % 2 == 0 ? 0 : 2 ))]}" # version-manager and deploy in turn
  cache="${work}/cache-cold-${i}"
  t0="$(now_ms)"; step release "$cache" "$bin" "${work}/checkout"; t1="$(now_ms)"
  cold+=("$((t1 - t0))")
  rm -rf "$cache"
done
stats "cold: download + sha256 + unpack + --help" "${cold[@]}"

warm=()
cache="${work}/cache-warm"
step release "$cache" version-manager "${work}/checkout"
for _ in $(seq 1 "$runs"); do
  t0="$(now_ms)"; step release "$cache" version-manager "${work}/checkout"; t1="$(now_ms)"
  warm+=("$((t1 - t0))")
done
stats "warm: release already in the tool cache" "${warm[@]}"

# The source fallback in Slipway's own checkout, target dir already built (a no-op build):
# the least a step pays when it builds from source.
if [[ "${BENCH_SOURCE:-1}" == 0 ]]; then exit 0; fi
src=()
for _ in $(seq 1 "$(( runs < 3 ? runs : 3 ))"); do
  t0="$(now_ms)"; step source "${work}/unused" version-manager "$root"; t1="$(now_ms)"
  src+=("$((t1 - t0))")
done
stats "source fallback, target dir already built" "${src[@]}"
