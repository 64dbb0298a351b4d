#!/usr/bin/env bash
# Runs quality-gate with the action's inputs (INPUT_* variables; see action.yml).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../_shared/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../_shared/lib.sh"

[[ -n "${INPUT_REPORTS//[[:space:]]/}" ]] || { echo "::error title=quality-gate::the reports input is required: one report file or glob per line" >&2; exit 2; }
opt --config INPUT_CONFIG
opt --min-coverage INPUT_MIN_COVERAGE
opt --max-critical INPUT_MAX_CRITICAL
opt --max-high INPUT_MAX_HIGH
opt --baseline INPUT_BASELINE
opt --output INPUT_OUTPUT
case "${INPUT_COMMENT:-true}" in
  false|0|no) args+=(--no-comment) ;;
esac
positional_lines INPUT_REPORTS
run_bin quality-gate "${args[@]}"
