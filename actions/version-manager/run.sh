#!/usr/bin/env bash
# Runs version-manager with the action's inputs (INPUT_* variables; see action.yml).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../_shared/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../_shared/lib.sh"

command="${INPUT_COMMAND:-show}"
case "$command" in
  show|next|bump|set|prepare-release|changelog|release|verify|tags) args+=("$command") ;;
  *) echo "::error title=version-manager::unknown command '${command}': use show, next, bump, set, prepare-release, changelog, release, verify or tags" >&2; exit 2 ;;
esac
opt --config INPUT_CONFIG
opt --package INPUT_PACKAGE
opt --output INPUT_OUTPUT
case "$command" in
  bump)
    args+=("${INPUT_TYPE:-auto}")
    opt --pre INPUT_PRE
    flag --dry-run INPUT_DRY_RUN
    ;;
  set)
    [[ -n "${INPUT_VERSION:-}" ]] || { echo "::error title=version-manager::command set needs the version input" >&2; exit 2; }
    args+=("$INPUT_VERSION")
    flag --dry-run INPUT_DRY_RUN
    ;;
  prepare-release)
    opt --type INPUT_TYPE
    opt --pre INPUT_PRE
    args+=(--auto-commit --tag)
    flag --push INPUT_PUSH
    flag --dry-run INPUT_DRY_RUN
    ;;
  release)
    opt --tag INPUT_TAG
    lines --asset INPUT_ASSETS
    flag --dry-run INPUT_DRY_RUN
    ;;
  tags)
    opt --ref INPUT_REF
    ;;
  verify)
    if [[ -n "${INPUT_RANGE:-}" ]]; then args+=("$INPUT_RANGE"); fi
    ;;
esac
run_bin version-manager "${args[@]}"
