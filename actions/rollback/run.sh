#!/usr/bin/env bash
# Runs rollback with the action's inputs (INPUT_* variables; see action.yml).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../_shared/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../_shared/lib.sh"

[[ -n "${INPUT_ENVIRONMENT:-}" ]] || { echo "::error title=rollback::the environment input is required" >&2; exit 2; }
opt --config INPUT_CONFIG
opt --environment INPUT_ENVIRONMENT
opt --version INPUT_VERSION
opt --reason INPUT_REASON
opt --output INPUT_OUTPUT
flag --emergency INPUT_EMERGENCY
flag --force INPUT_FORCE
flag --dry-run INPUT_DRY_RUN
# A workflow has no terminal to confirm on: the workflow itself is the approval.
args+=(--auto-approve)
run_bin rollback "${args[@]}"
