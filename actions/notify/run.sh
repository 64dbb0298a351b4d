#!/usr/bin/env bash
# Runs notify with the action's inputs (INPUT_* variables; see action.yml).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../_shared/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../_shared/lib.sh"

[[ -n "${INPUT_STATUS:-}" ]] || { echo "::error title=notify::the status input is required: success, failure, cancelled, started or rolled-back" >&2; exit 2; }
opt --config INPUT_CONFIG
opt --event INPUT_EVENT
opt --status INPUT_STATUS
lines --to INPUT_TO
lines --report INPUT_REPORTS
opt --message INPUT_MESSAGE
flag --fail-on-error INPUT_FAIL_ON_ERROR
flag --dry-run INPUT_DRY_RUN
run_bin notify "${args[@]}"
