#!/usr/bin/env bash
# Runs deploy with the action's inputs (INPUT_* variables; see action.yml).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../_shared/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../_shared/lib.sh"

if [[ "${INPUT_COMMAND:-deploy}" == metrics ]]; then
  opt --config INPUT_CONFIG
  opt --environment INPUT_ENVIRONMENT
  opt --since INPUT_SINCE
  opt --output INPUT_OUTPUT
  opt --html INPUT_HTML
  opt --prometheus INPUT_PROMETHEUS
  run_bin deploy metrics "${args[@]}"
fi
[[ "${INPUT_COMMAND:-deploy}" == deploy ]] || { echo "::error title=deploy::the command input must be deploy or metrics, got '${INPUT_COMMAND}'" >&2; exit 2; }
[[ -n "${INPUT_ENVIRONMENT:-}" ]] || { echo "::error title=deploy::the environment input is required" >&2; exit 2; }
[[ -n "${INPUT_VERSION:-}" ]] || { echo "::error title=deploy::the version input is required" >&2; exit 2; }
opt --config INPUT_CONFIG
opt --environment INPUT_ENVIRONMENT
opt --version INPUT_VERSION
opt --strategy INPUT_STRATEGY
opt --lock-wait INPUT_LOCK_WAIT
opt --output INPUT_OUTPUT
flag --dry-run INPUT_DRY_RUN
run_bin deploy "${args[@]}"
