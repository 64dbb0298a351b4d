#!/bin/sh
# Canary benchmarks: HAProxy vs nginx weight change to observed share, analysis overhead
# per step, failed requests under keep-alive load across 20 switches. Real servers on
# loopback (haproxy, nginx, prometheus from scripts/install-deps.sh).
set -eu
cd "$(dirname "$0")/../.."
eval "$(scripts/install-deps.sh --print-env)"
echo "machine: $(uname -srm), $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
exec cargo bench -p deploy --bench canary "$@"
