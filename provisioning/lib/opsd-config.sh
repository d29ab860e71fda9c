# shellcheck shell=bash disable=SC2034 # its globals are read by provision.sh and the other scripts
# Writes /etc/opsd/opsd.json from the environment's json (.opsd.config), adding what provisioning found out: the
# PostgreSQL connection string and the Seq URL. The candidate is checked with `opsd validate` before it replaces
# the installed config, so a bad config never lands.

OPSD_CONFIG=/etc/opsd/opsd.json
OPSD_CONFIG_CHANGED=0

ensure_demo_user() {
  # The demo program runs as this user: opsd (root) starts it with setuid/setgid, which the unit must allow.
  if ! id -u ops-demo >/dev/null 2>&1; then
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin ops-demo
    changed "created user ops-demo"
  fi
}

write_opsd_config() {
  local candidate output
  ensure_demo_user
  install -d -m 0750 /etc/opsd
  candidate=$(mktemp /etc/opsd/opsd.json.XXXXXX)
  # shellcheck disable=SC2064 # expand now: the trap must remove this very file
  trap "rm -f '$candidate'" RETURN
  jq --arg connection "$OPS_POSTGRES_CONNECTION" --arg seq "$OPS_SEQ_URL" '
      .opsd.config
      | if $connection != "" then .Ops.Storage.ConnectionString = $connection else . end
      | if $seq != "" then .Ops.Logging.Seq.ServerUrl = $seq else . end' \
    "$OPS_ENVIRONMENT_FILE" >"$candidate"

  if ! output=$("$OPSD_HOME/opsd" validate --config "$candidate" 2>&1); then
    printf '%s\n' "$output" | sed "s#$candidate#$OPSD_CONFIG#g" >&2
    if grep -q 'Ops:Storage' <<<"$output"; then
      log "this opsd rejects the Ops:Storage settings: it predates task storage support (tell the lead)"
    fi
    die "the config for ${OPS_ENVIRONMENT} does not validate; fix provisioning/environments/${OPS_ENVIRONMENT}.json"
  fi

  if install_file "$candidate" "$OPSD_CONFIG" 0640; then
    OPSD_CONFIG_CHANGED=1
  fi
  log "config $OPSD_CONFIG: ${output##*: }"
}
