#!/usr/bin/env bash
# Deploy benchmarks: switch time through nginx, fast-path rollback, engine overhead per
# step, SSH step cost for 1 and 10 hosts, failing metric to traffic restored, SIGINT to
# a cleaned-up exit. Real nginx and sshd on loopback (see scripts/install-deps.sh).
# Usage: benches/deploy/run.sh [switch|rollback|overhead|ssh|restore|cancel]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
exec cargo bench -p deploy --bench deploy -- "$@"
