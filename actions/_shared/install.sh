#!/usr/bin/env bash
# Installs a Slipway binary for a composite action, in this order of preference:
#   install=path     use SLIPWAY_BINARY_DIR as given (binaries already on disk)
#   install=release  download the prebuilt archive of this action's ref from the release,
#                    check its SHA-256 against the release's checksums file, cache it
#   install=source   cargo build in the action's own workspace
#   install=auto     release when the ref names a release, else source
# Inputs arrive as environment variables only (never ${{ }} in run:):
#   SLIPWAY_BIN, SLIPWAY_INSTALL, SLIPWAY_BINARY_DIR, SLIPWAY_VERSION (the action ref),
#   SLIPWAY_RELEASE_URL (base of release downloads), SLIPWAY_BUILD_PROFILE, SLIPWAY_ACTION_PATH.
# Adds the binary's directory to $GITHUB_PATH and prints it as output `bin-dir`.
set -euo pipefail

die() { echo "::error title=slipway install::$*" >&2; exit 1; }
log() { echo "slipway install: $*" >&2; }

bin="${SLIPWAY_BIN:?SLIPWAY_BIN is required}"
mode="${SLIPWAY_INSTALL:-auto}"
action_path="${SLIPWAY_ACTION_PATH:-$(cd "$(dirname "$0")/.." && pwd)}"
workspace="$(cd "${action_path}/.." && pwd)"
[[ -f "${workspace}/Cargo.toml" ]] || workspace="$(cd "${action_path}/../.." && pwd)"
exe=""
case "${RUNNER_OS:-$(uname -s)}" in Windows*|MINGW*|MSYS*) exe=".exe" ;; esac

publish() {
  local dir="$1"
  [[ -x "${dir}/${bin}${exe}" ]] || die "${bin}${exe} not found in ${dir}"
  if [[ -n "${GITHUB_PATH:-}" ]]; then echo "${dir}" >> "${GITHUB_PATH}"; fi
  if [[ -n "${GITHUB_OUTPUT:-}" ]]; then echo "bin-dir=${dir}" >> "${GITHUB_OUTPUT}"; fi
  log "using $("${dir}/${bin}${exe}" --version 2>/dev/null || echo "${bin}") from ${dir}"
}

# The Rust target triple for this runner, from RUNNER_OS/RUNNER_ARCH, else uname.
target_triple() {
  local os="${RUNNER_OS:-}" arch="${RUNNER_ARCH:-}"
  if [[ -z "$os" ]]; then
    case "$(uname -s)" in Linux) os=Linux ;; Darwin) os=macOS ;; MINGW*|MSYS*|CYGWIN*) os=Windows ;; *) os="$(uname -s)" ;; esac
  fi
  if [[ -z "$arch" ]]; then
    case "$(uname -m)" in x86_64|amd64) arch=X64 ;; aarch64|arm64) arch=ARM64 ;; *) arch="$(uname -m)" ;; esac
  fi
  case "${os}/${arch}" in
    Linux/X64) echo x86_64-unknown-linux-musl ;;
    Linux/ARM64) echo aarch64-unknown-linux-musl ;;
    macOS/X64) echo x86_64-apple-darwin ;;
    macOS/ARM64) echo aarch64-apple-darwin ;;
    Windows/X64) echo x86_64-pc-windows-msvc ;;
    *) return 1 ;;
  esac
}

fetch() {
  # HTTPS only, except loopback (tests stand a local server in for release downloads).
  local url="$1" out="$2"
  case "$url" in
    https://*|http://127.0.0.1[:/]*|http://localhost[:/]*) ;;
    *) die "refusing to download over plain HTTP: ${url}" ;;
  esac
  curl --fail --silent --show-error --location --retry 3 --retry-delay 2 --connect-timeout 10 \
    --proto '=https,http' -o "$out" "$url"
}

sha256() {
  if command -v sha256sum >/dev/null; then sha256sum "$1" | cut -d' ' -f1; else shasum -a 256 "$1" | cut -d' ' -f1; fi
}

install_release() {
  local version="$1" target archive base cache tmp expected actual
  target="$(target_triple)" || die "no prebuilt Slipway binary for ${RUNNER_OS:-$(uname -s)}/${RUNNER_ARCH:-$(uname -m)}: supported are Linux X64/ARM64, macOS X64/ARM64, Windows X64; set install: source to build from source"
  archive="slipway-${version}-${target}.tar.gz"
  base="${SLIPWAY_RELEASE_URL:-${GITHUB_SERVER_URL:-https://github.com}/slipway-dev/slipway/releases/download}/${version}"
  cache="${RUNNER_TOOL_CACHE:-${HOME}/.cache}/slipway/${version}/${target}"
  if [[ -x "${cache}/${bin}${exe}" ]]; then
    log "cached ${version} for ${target}"
    publish "$cache"
    return 0
  fi
  tmp="$(mktemp -d)"
  log "downloading ${base}/${archive}"
  fetch "${base}/${archive}" "${tmp}/${archive}" || { rm -rf "$tmp"; return 2; }
  fetch "${base}/slipway-${version}-checksums.txt" "${tmp}/checksums.txt" || { rm -rf "$tmp"; die "release ${version} has no checksums file; refusing an unverified binary"; }
  expected="$(awk -v f="$archive" '$2 == f || $2 == "*"f {print $1}' "${tmp}/checksums.txt")"
  [[ -n "$expected" ]] || { rm -rf "$tmp"; die "${archive} is not listed in slipway-${version}-checksums.txt"; }
  actual="$(sha256 "${tmp}/${archive}")"
  if [[ "$expected" != "$actual" ]]; then
    rm -rf "$tmp"
    die "checksum mismatch for ${archive}: expected ${expected}, got ${actual}; the download is corrupt or tampered with"
  fi
  mkdir -p "$cache"
  tar -xzf "${tmp}/${archive}" -C "$cache"
  rm -rf "$tmp"
  publish "$cache"
}

install_source() {
  command -v cargo >/dev/null || die "install: source needs cargo on the runner (add a Rust toolchain step) or use install: release"
  local profile="${SLIPWAY_BUILD_PROFILE:-release}" target_dir dir
  target_dir="${CARGO_TARGET_DIR:-${workspace}/target}"
  log "building ${bin} from source in ${workspace} (profile ${profile})"
  (cd "$workspace" && cargo build --quiet --profile "$profile" --bin "$bin") >&2
  dir="${target_dir}/$([[ "$profile" == dev ]] && echo debug || echo "$profile")"
  publish "$dir"
}

case "$mode" in
  path)
    [[ -n "${SLIPWAY_BINARY_DIR:-}" ]] || die "install: path needs binary-dir"
    publish "$(cd "${SLIPWAY_BINARY_DIR}" && pwd)"
    ;;
  source) install_source ;;
  release)
    [[ "${SLIPWAY_VERSION:-}" =~ ^v[0-9]+\.[0-9]+\.[0-9]+ ]] || die "install: release needs the action pinned to a release tag (got '${SLIPWAY_VERSION:-}'); use install: source for a branch or SHA"
    install_release "$SLIPWAY_VERSION" || die "no release asset for ${SLIPWAY_VERSION}"
    ;;
  auto)
    if [[ "${SLIPWAY_VERSION:-}" =~ ^v[0-9]+\.[0-9]+\.[0-9]+ ]]; then
      install_release "$SLIPWAY_VERSION" || { log "no release asset for ${SLIPWAY_VERSION}; building from source"; install_source; }
    else
      install_source
    fi
    ;;
  *) die "unknown install mode '${mode}': use auto, release, source or path" ;;
esac
