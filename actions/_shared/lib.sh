#!/usr/bin/env bash
# Helpers the actions' run scripts share. Inputs arrive as INPUT_* environment variables
# (set through `env:` in action.yml, never expanded inside `run:`), so a value such as
# `"; touch /tmp/pwned; "` or `$(...)` reaches the binary as one literal argument.

# args: the argument array every run script builds.
args=()

# Appends `--flag value` when the variable named $2 is non-empty.
opt() {
  local flag="$1" value="${!2:-}"
  if [[ -n "$value" ]]; then args+=("$flag" "$value"); fi
}

# Appends `--flag` when the variable named $2 is `true`.
flag() {
  local flag="$1" value="${!2:-}"
  case "$value" in
    true|TRUE|True|1|yes) args+=("$flag") ;;
    ""|false|FALSE|False|0|no) ;;
    *) echo "::error title=slipway::input for ${flag#--} must be true or false, got '${value}'" >&2; exit 2 ;;
  esac
}

# Appends `--flag line` for every non-empty line of the variable named $2.
lines() {
  local flag="$1" line
  while IFS= read -r line; do
    line="${line#"${line%%[![:space:]]*}"}"
    line="${line%"${line##*[![:space:]]}"}"
    if [[ -n "$line" ]]; then args+=("$flag" "$line"); fi
  done <<< "${!2:-}"
}

# Appends every non-empty line of the variable named $1 as a positional argument.
positional_lines() {
  local line
  while IFS= read -r line; do
    line="${line#"${line%%[![:space:]]*}"}"
    line="${line%"${line##*[![:space:]]}"}"
    if [[ -n "$line" ]]; then args+=("$line"); fi
  done <<< "${!1:-}"
}

# Runs the binary from the install step's directory with the built arguments.
run_bin() {
  local bin="$1"; shift
  local path="${SLIPWAY_BIN_DIR:+${SLIPWAY_BIN_DIR}/}${bin}"
  echo "slipway: ${bin} $*" >&2
  exec "$path" "$@"
}
