# shellcheck shell=bash
# Helpers shared by the provisioning scripts: logging, change counting, idempotent package installs and file writes.

CHANGES=0

log() { printf '[provision %s] %s\n' "${OPS_ENVIRONMENT:-?}" "$*"; }

die() {
  printf '[provision %s] ERROR: %s\n' "${OPS_ENVIRONMENT:-?}" "$*" >&2
  exit 1
}

# Counts one change; a second run of an unchanged machine counts none.
changed() {
  CHANGES=$((CHANGES + 1))
  log "changed: $*"
}

require_root() { [[ $(id -u) -eq 0 ]] || die "run as root (with sudo)"; }

# systemd is PID 1 and running (sd_booted): VMs and the docker machines that boot systemd.
systemd_running() { [[ -d /run/systemd/system ]]; }

# A value from the environment's json, e.g. env_json '.opsd.run'; empty when absent.
env_json() { jq -r "$1 // empty" "$OPS_ENVIRONMENT_FILE"; }

APT_UPDATED=0
apt_update_once() {
  [[ $APT_UPDATED -eq 1 ]] && return 0
  log "apt-get update"
  apt-get update -qq
  APT_UPDATED=1
}

# Installs the packages that are not installed yet; nothing at all when every one is.
ensure_packages() {
  local package missing=()
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  apt_update_once
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  changed "installed ${missing[*]}"
}

# install_file SOURCE TARGET MODE: copies only when the content or mode differs; returns 0 when it changed.
install_file() {
  local source=$1 target=$2 mode=$3
  if [[ -f $target ]] && cmp -s "$source" "$target" && [[ $(stat -c '%a' "$target") == "${mode#0}" ]]; then
    return 1
  fi
  install -D -m "$mode" "$source" "$target"
  changed "wrote $target"
  return 0
}

# The first URL opsd listens on, from its config; the default when the config names none.
opsd_url() {
  local config=${1:-/etc/opsd/opsd.json} url
  url=$(jq -r '.Ops.Host.Urls // empty | if type == "array" then .[0] else split(";")[0] end' "$config" 2>/dev/null || true)
  echo "${url:-http://127.0.0.1:5080}" | sed -e 's#//0\.0\.0\.0#//127.0.0.1#' -e 's#//\*#//127.0.0.1#' -e 's#//+#//127.0.0.1#'
}

# wait_for_http URL SECONDS: 0 once URL answers 2xx.
wait_for_http() {
  local url=$1 seconds=$2 i
  for ((i = 0; i < seconds; i++)); do
    curl -fsS -m 2 -o /dev/null "$url" 2>/dev/null && return 0
    sleep 1
  done
  return 1
}
