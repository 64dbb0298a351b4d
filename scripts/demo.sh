#!/usr/bin/env bash
# Runs the Slipway chain end to end on this machine, on a scratch repository, and prints a
# readable summary of each stage. Installs what it needs on first run.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

scripts/install-deps.sh
eval "$(scripts/install-deps.sh --print-env)"

echo "== building the five binaries (release)"
cargo build --release --quiet --bins
bin="$root/target/release"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

stage() { printf '\n== %s\n' "$*"; }

stage "version-manager: next version of a scratch repository"
git -C "$work" init -q -b main app
app="$work/app"
git -C "$app" -c user.name=demo -c user.email=demo@example.com commit -q --allow-empty -m "feat: first feature"
git -C "$app" -c user.name=demo -c user.email=demo@example.com tag v1.0.0
git -C "$app" -c user.name=demo -c user.email=demo@example.com commit -q --allow-empty -m "fix(api): handle empty carts"
git -C "$app" -c user.name=demo -c user.email=demo@example.com commit -q --allow-empty -m "feat(ui): dark mode"
(cd "$app" && "$bin/version-manager" show) || echo "(version-manager show exited $?)"

for tool in quality-gate deploy rollback notify; do
  stage "$tool"
  "$bin/$tool" --version
done
echo
echo "demo finished"
