#!/usr/bin/env bash
# Builds the Kubernetes control plane the test suite starts on loopback (crates/test-support's
# kubernetes fixture): kube-apiserver, kube-controller-manager and kube-scheduler 1.20.2 from
# Debian bookworm's `kubernetes` source package, with Go 1.19 and etcd 3.4.23 from Debian
# binary packages unpacked with dpkg-deb. Nothing is installed system-wide: apt runs with a
# private state dir, and the binaries land in ${SLIPWAY_TOOLS}/kube/bin.
# Idempotent: when the four binaries are there, it only checks (5.5 min on 2 idle cores otherwise).
set -euo pipefail

TOOLS="${SLIPWAY_TOOLS:-${HOME}/.cache/slipway-tools}"
OUT="${TOOLS}/kube/bin"
KUBE_VERSION="1.20.5+really1.20.2-1.1+deb12u1"
BINARIES=(etcd kube-apiserver kube-controller-manager kube-scheduler)

log() { printf '[build-kube] %s\n' "$*" >&2; }

have_all() {
  local b
  for b in "${BINARIES[@]}"; do [[ -x "${OUT}/${b}" ]] || return 1; done
}

if have_all; then
  log "control plane ready in ${OUT}"
  exit 0
fi

W="${SLIPWAY_KUBE_BUILD:-${TOOLS}/kube/build}"
rm -rf "${W}"
mkdir -p "${W}/apt/parts" "${W}/apt/lists/partial" "${W}/apt/cache/archives/partial" "${W}/debs" "${W}/root" "${OUT}"

# deb-src lines for the machine's own Debian sources, in a private apt dir.
if [[ -f /etc/apt/sources.list.d/debian.sources ]]; then
  sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources > "${W}/apt/parts/src.sources"
else
  grep -h '^deb ' /etc/apt/sources.list | sed 's/^deb /deb-src /' > "${W}/apt/parts/src.list"
fi
APT=(-o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=${W}/apt/parts"
  -o "Dir::State::Lists=${W}/apt/lists" -o "Dir::Cache=${W}/apt/cache")
log "apt-get update (private lists in ${W}/apt)"
apt-get "${APT[@]}" update -qq
cd "${W}/debs"
log "fetching kubernetes ${KUBE_VERSION} source, golang-1.19, etcd-server"
apt-get "${APT[@]}" source --download-only -qq "kubernetes=${KUBE_VERSION}"
apt-get download -qq golang-1.19-go golang-1.19-src etcd-server
for d in "${W}"/debs/*.deb; do dpkg-deb -x "$d" "${W}/root"; done

mkdir -p "${W}/gp/src/k8s.io"
tar xzf "${W}"/debs/kubernetes_*.orig.tar.gz -C "${W}/gp/src/k8s.io"
mv "${W}/gp/src/k8s.io/kubernetes-1.20.2" "${W}/gp/src/k8s.io/kubernetes"

export GOROOT="${W}/root/usr/lib/go-1.19" GOPATH="${W}/gp" GOCACHE="${W}/gocache"
export PATH="${GOROOT}/bin:${PATH}" GO111MODULE=off CGO_ENABLED=0 GOPROXY=off GOFLAGS=
cd "${W}/gp/src/k8s.io/kubernetes"

# The tarball lacks pkg/generated/openapi/zz_generated.openapi.go: regenerate it with the
# vendored openapi-gen over every package tagged +k8s:openapi-gen.
log "regenerating zz_generated.openapi.go"
go build -o "${W}/openapi-gen" ./vendor/k8s.io/kube-openapi/cmd/openapi-gen
DIRS=$(find -H . \( -not \( \( -path './_*' -o -path './.*' -o -path ./vendor \) -prune \) \) -type f -name '*.go' \
  | sed 's|^./staging/src|vendor|; s|^./||' | xargs grep -l '^// *+k8s:' | xargs grep -l '+k8s:openapi-gen=' \
  | grep -v -e '^vendor/k8s.io/code-generator/' -e '^vendor/k8s.io/sample-apiserver/' | xargs -n1 dirname | LC_ALL=C sort -u)
"${W}/openapi-gen" -i "$(echo "${DIRS}" | sed 's|^|k8s.io/kubernetes/|' | paste -sd, -)" \
  -p k8s.io/kubernetes/pkg/generated/openapi -O zz_generated.openapi \
  -h vendor/k8s.io/code-generator/hack/boilerplate.go.txt -r "${W}/openapi-violations.report"

log "go build kube-apiserver kube-controller-manager kube-scheduler"
V=k8s.io/kubernetes/vendor/k8s.io
go build -ldflags "-s -w -X ${V}/component-base/version.gitVersion=v1.20.2 -X ${V}/component-base/version.gitMajor=1 -X ${V}/component-base/version.gitMinor=20 -X ${V}/client-go/pkg/version.gitVersion=v1.20.2" \
  -o "${W}/bin/" ./cmd/kube-apiserver ./cmd/kube-controller-manager ./cmd/kube-scheduler
cp "${W}/root/usr/bin/etcd" "${W}/bin/etcd"
# Move into place last, so an interrupted build never leaves a half set behind.
for b in "${BINARIES[@]}"; do mv "${W}/bin/${b}" "${OUT}/${b}.tmp" && mv "${OUT}/${b}.tmp" "${OUT}/${b}"; done
cd /
rm -rf "${W}"
log "control plane ready in ${OUT}"
