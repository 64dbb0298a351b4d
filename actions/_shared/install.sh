#!/usr/bin/env bash
# Installs a Slipway binary for a composite action, in this order of preference:
#   install=path     use SLIPWAY_BINARY_DIR as given (binaries already on disk)
#   install=release  download the prebuilt archive of the release this action belongs to,
#                    check its SHA-256 against the release's checksums file, cache it
#   install=source   cargo build in the action's own workspace
#   install=auto     release, else (no asset, no network) source
# The release is the one the action's own checkout names: the version in the workspace
# Cargo.toml next to actions/ (a release commit carries its version there), so an action
# pinned as @v1.2.3, @v1 or @<sha> installs the same binary; the ref is used only when the
# checkout has no Cargo.toml.
# Inputs arrive as environment variables only (never ${{ }} in run:):
#   SLIPWAY_BIN, SLIPWAY_INSTALL, SLIPWAY_BINARY_DIR, SLIPWAY_VERSION (the action ref),
#   SLIPWAY_RELEASE_URL (base of release downloads), SLIPWAY_TOOL_CACHE (where releases are
#   unpacked; default RUNNER_TOOL_CACHE), SLIPWAY_BUILD_PROFILE, SLIPWAY_ACTION_PATH.
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

# The release this action belongs to: v + [workspace.package] version of its Cargo.toml,
# else the action ref when it is a version tag. Prints nothing when neither is known.
action_version() {
  local manifest="${workspace}/Cargo.toml" version=""
  if [[ -f "$manifest" ]]; then
    version="$(awk '
      /^\[/ { section = $0; next }
      section == "[workspace.package]" && $1 == "version" {
        sub(/^[^"]*"/, ""); sub(/".*$/, ""); print; exit
      }' "$manifest")"
  fi
  if [[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+ ]]; then
    echo "v${version}"
  elif [[ "${SLIPWAY_VERSION:-}" =~ ^v[0-9]+\.[0-9]+\.[0-9]+ ]]; then
    echo "${SLIPWAY_VERSION}"
  fi
}

# The Rust target triple for this runner, from RUNNER_OS/RUNNER_ARCH, else uname. Releases
# are built only for the targets CI proves (.github/workflows/release.yml): Linux x86_64.
target_triple() {
  local os="${RUNNER_OS:-}" arch="${RUNNER_ARCH:-}"
  if [[ -z "$os" ]]; then
    case "$(uname -s)" in Linux) os=Linux ;; Darwin) os=macOS ;; MINGW*|MSYS*|CYGWIN*) os=Windows ;; *) os="$(uname -s)" ;; esac
  fi
  if [[ -z "$arch" ]]; then
    case "$(uname -m)" in x86_64|amd64) arch=X64 ;; aarch64|arm64) arch=ARM64 ;; *) arch="$(uname -m)" ;; esac
  fi
  case "${os}/${arch}" in
    Linux/X64) echo x86_64-unknown-linux-gnu ;;
    *) return 1 ;;
  esac
}

no_prebuilt() {
  local platform="${RUNNER_OS:-$(uname -s)}/${RUNNER_ARCH:-$(uname -m)}"
  case "$platform" in
    Windows*|MINGW*|MSYS*|CYGWIN*)
      die "no prebuilt Slipway binary for ${platform}: Windows runners need install: source (version-manager, quality-gate and notify; deploy and rollback drive Unix processes and run on Linux or macOS only)" ;;
    *)
      die "no prebuilt Slipway binary for ${platform}: releases are built for Linux X64 only; set install: source to build from source (needs a Rust toolchain)" ;;
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
  target="$(target_triple)" || no_prebuilt
  archive="slipway-${version}-${target}.tar.gz"
  base="${SLIPWAY_RELEASE_URL:-${GITHUB_SERVER_URL:-https://github.com}/slipway-dev/slipway/releases/download}/${version}"
  cache="${SLIPWAY_TOOL_CACHE:-${RUNNER_TOOL_CACHE:-${HOME}/.cache}}/slipway/${version}/${target}"
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
  # Unpacked beside the cache and renamed into place: a parallel job sharing the tool
  # cache sees the whole release or none of it.
  local staged
  mkdir -p "$(dirname "$cache")"
  staged="$(mktemp -d "${cache}.XXXXXX")"
  tar -xzf "${tmp}/${archive}" -C "$staged"
  rm -rf "$tmp"
  if ! mv -T "$staged" "$cache" 2>/dev/null; then
    rm -rf "$staged" # another job got there first
  fi
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
    version="$(action_version)"
    [[ -n "$version" ]] || die "install: release cannot tell which release this action belongs to: ${workspace}/Cargo.toml has no [workspace.package] version and the ref '${SLIPWAY_VERSION:-}' is not a version tag; use install: source"
    install_release "$version" || die "no release asset for ${version}"
    ;;
  auto)
    version="$(action_version)"
    if [[ -n "$version" ]]; then
      install_release "$version" || { log "no release asset for ${version}; building from source"; install_source; }
    else
      install_source
    fi
    ;;
  *) die "unknown install mode '${mode}': use auto, release, source or path" ;;
esac
