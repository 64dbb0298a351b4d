#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs what the tests start for real
# (nginx, sshd, Prometheus, mosquitto, aiosmtpd, Prism, act, linters), then
# fmt, clippy and every test in the workspace.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
eval "$(scripts/install-deps.sh --print-env)"

echo "== cargo fmt --check"
cargo fmt --all --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets -- -D warnings
echo "== tests"
# cargo test (not nextest): each test binary is one process, so expensive servers such as
# the Prism GitHub emulator start once per binary and are shared by its tests.
cargo test --workspace --no-fail-fast -- --test-threads "${SLIPWAY_TEST_THREADS:-4}"
