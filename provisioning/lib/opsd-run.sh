# shellcheck shell=bash
# Runs opsd: as a systemd service (`opsd service install`) where the environment asks for it and systemd runs,
# otherwise started directly in its own session with a pid file. Restarts it only when the package, the config
# or the unit changed.

OPSD_PIDFILE=/run/opsd.pid
OPSD_DIRECT_LOG=/var/log/opsd/opsd.out

run_opsd() {
  local mode restart=$((OPSD_PACKAGE_CHANGED || OPSD_CONFIG_CHANGED))
  mode=$(env_json '.opsd.run')
  if [[ $mode == systemd ]] && ! systemd_running; then
    log "systemd is not running in this machine (no /run/systemd/system): starting opsd directly instead of as a service"
    mode=direct
  fi
  case "$mode" in
    systemd) run_opsd_service "$restart" ;;
    direct | "") run_opsd_direct "$restart" ;;
    *) die "opsd.run is '$mode' in ${OPS_ENVIRONMENT}.json; use systemd or direct" ;;
  esac

  wait_for_http "$(opsd_url)/healthz" 90 || die "opsd does not answer $(opsd_url)/healthz after 90 s; see $(opsd_log_hint)"
  log "opsd answers $(opsd_url)/healthz ($mode)"
}

opsd_log_hint() {
  if systemd_running && systemctl is-enabled --quiet opsd.service 2>/dev/null; then
    echo "journalctl -u opsd"
  else
    echo "$OPSD_DIRECT_LOG"
  fi
}

run_opsd_service() {
  local restart=$1 was_active=0 output
  direct_opsd_pid >/dev/null && stop_direct_opsd
  systemctl is-active --quiet opsd.service && was_active=1
  output=$("$OPSD_HOME/opsd" service install --config "$OPSD_CONFIG" 2>&1) || {
    printf '%s\n' "$output" >&2
    die "opsd service install failed"
  }
  printf '%s\n' "$output" | sed 's/^/  /'
  if grep -q '^wrote ' <<<"$output"; then
    changed "installed opsd.service"
    restart=1
  fi
  if [[ $was_active -eq 1 && $restart -eq 1 ]]; then
    systemctl restart opsd.service
    changed "restarted opsd.service"
  elif [[ $was_active -eq 0 ]]; then
    changed "started opsd.service"
  fi
}

# The pid of an opsd this script started directly and that still runs; fails when there is none.
direct_opsd_pid() {
  local pid
  [[ -f $OPSD_PIDFILE ]] || return 1
  pid=$(cat "$OPSD_PIDFILE")
  # By name, not by executable path: after a package swap the running binary's path is gone.
  if [[ -n $pid && -r /proc/$pid/comm && $(cat "/proc/$pid/comm") == opsd ]]; then
    echo "$pid"
    return 0
  fi
  return 1
}

stop_direct_opsd() {
  local pid
  pid=$(direct_opsd_pid) || return 0
  kill -TERM "$pid"
  # opsd stops its programs first; give it the unit's worth of time, then make sure.
  for _ in $(seq 1 120); do [[ -d /proc/$pid ]] || break; sleep 1; done
  [[ -d /proc/$pid ]] && kill -KILL "$pid"
  rm -f "$OPSD_PIDFILE"
  changed "stopped the directly started opsd (pid $pid)"
}

run_opsd_direct() {
  local restart=$1 pid
  if systemd_running && systemctl is-enabled --quiet opsd.service 2>/dev/null; then
    "$OPSD_HOME/opsd" service uninstall >/dev/null
    changed "removed opsd.service (this environment runs opsd directly)"
  fi
  if pid=$(direct_opsd_pid); then
    if [[ $restart -eq 0 ]]; then
      log "opsd runs (pid $pid), nothing changed"
      return 0
    fi
    stop_direct_opsd
  fi
  install -d -m 0750 /var/log/opsd
  # Its own session, stdin closed: it outlives the provisioning ssh session.
  setsid "$OPSD_HOME/opsd" --config "$OPSD_CONFIG" >>"$OPSD_DIRECT_LOG" 2>&1 </dev/null &
  echo $! >"$OPSD_PIDFILE"
  changed "started opsd directly (pid $(cat "$OPSD_PIDFILE"), output in $OPSD_DIRECT_LOG)"
}
