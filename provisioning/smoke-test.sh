#!/usr/bin/env bash
# Checks a provisioned machine end to end, from inside it (opsd listens on loopback):
#   sudo provisioning/smoke-test.sh ENVIRONMENT
# opsd answers /healthz; its demo program is Running, as the unprivileged demo user; under systemd the service
# is active and opsd is its main process; with PostgreSQL, /readyz answers and the task storage schema exists;
# the demo task runs to Succeeded. The task check runs only when this opsd runs tasks: POST .../runs answering
# 404 for the configured demo task means it does not yet, and that check is reported as SKIPPED.
# Last line: "smoke test ENVIRONMENT: passed (N checks, M skipped)" or "...: FAILED: what".
set -euo pipefail
# shellcheck source-path=SCRIPTDIR

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export OPS_ENVIRONMENT=${1:?usage: smoke-test.sh ENVIRONMENT}
export OPS_ENVIRONMENT_FILE=$here/environments/$OPS_ENVIRONMENT.json
# shellcheck source=lib/common.sh
source "$here/lib/common.sh"

config=/etc/opsd/opsd.json
url=$(opsd_url "$config")
checks=0
skipped=0
pass() { checks=$((checks + 1)); echo "  PASS  $*"; }
skip() { skipped=$((skipped + 1)); echo "  SKIP  $*"; }
fail() {
  echo "  FAIL  $*"
  echo "smoke test $OPS_ENVIRONMENT: FAILED: $*"
  exit 1
}

# Waits up to 30 s until every instance of program $1 is Running; leaves the last states seen in $state.
wait_all_running() {
  state=
  for _ in $(seq 1 30); do
    state=$(curl -fsS -m 5 "$url/api/v1/programs/$1" | jq -r '[.[].state] | unique | join(",")' || true)
    [[ $state == Running ]] && return 0
    sleep 1
  done
  return 1
}

echo "smoke test $OPS_ENVIRONMENT against $url"
wait_for_http "$url/healthz" 60 || fail "GET $url/healthz did not answer 200 within 60 s"
pass "GET /healthz answers 200"

# The demo program: Running within 30 s, and running as its own user (opsd starts it with setuid).
demo=$(jq -r '.opsd.config.Ops.Programs | keys[0] // empty' "$OPS_ENVIRONMENT_FILE")
[[ -n $demo ]] || fail "the environment configures no program"
wait_all_running "$demo" || fail "program $demo is '$state', not Running (GET /api/v1/programs/$demo/history says why)"
pass "program $demo: every instance Running"
expected_user=$(jq -r --arg p "$demo" '.opsd.config.Ops.Programs[$p].User // "root"' "$OPS_ENVIRONMENT_FILE")
for pid in $(curl -fsS -m 5 "$url/api/v1/programs/$demo" | jq -r '.[].pid'); do
  actual_user=$(ps -o user= -p "$pid" | tr -d ' ')
  [[ $actual_user == "$expected_user" ]] || fail "program $demo pid $pid runs as '$actual_user', not $expected_user"
done
pass "program $demo runs as $expected_user"

if [[ $(jq -r '.opsd.run' "$OPS_ENVIRONMENT_FILE") == systemd ]] && systemd_running; then
  systemctl is-active --quiet opsd.service || fail "opsd.service is not active (systemctl status opsd)"
  main_pid=$(systemctl show -p MainPID --value opsd.service)
  [[ $(cat "/proc/$main_pid/comm" 2>/dev/null) == opsd ]] || fail "opsd.service's main process ($main_pid) is not opsd"
  pass "opsd.service active (Type=notify), main pid $main_pid, $(systemctl show -p TimeoutStopUSec opsd.service)"

  # A stop ends every program (opsd stops them, KillMode=mixed mops up); a start brings them back.
  systemctl stop opsd.service
  if pgrep -u "$expected_user" >/dev/null; then
    fail "after systemctl stop opsd, processes of $expected_user still run: $(pgrep -a -u "$expected_user" | head -n 3)"
  fi
  [[ $(systemctl show -p Result --value opsd.service) == success ]] || fail "opsd.service stopped with result $(systemctl show -p Result --value opsd.service), not success"
  systemctl start opsd.service
  wait_for_http "$url/healthz" 60 || fail "opsd did not answer /healthz after systemctl start"
  wait_all_running "$demo" || fail "after systemctl start opsd, program $demo is '$state', not Running"
  pass "systemctl stop opsd leaves no program behind (result success); start brings $demo back Running"

  # Uninstall stops and removes the service; install puts it back and starts it.
  /opt/opsd/opsd service uninstall >/dev/null || fail "opsd service uninstall failed"
  if systemctl is-active --quiet opsd.service || [[ -e /etc/systemd/system/opsd.service ]] || pgrep -u "$expected_user" >/dev/null; then
    fail "after opsd service uninstall, opsd.service is still there or its programs still run"
  fi
  /opt/opsd/opsd service install --config "$config" >/dev/null || fail "opsd service install failed"
  systemctl is-active --quiet opsd.service || fail "after opsd service install, opsd.service is not active"
  wait_for_http "$url/healthz" 60 || fail "opsd did not answer /healthz after opsd service install"
  pass "opsd service uninstall stops and removes opsd.service; install brings it back"
elif [[ $(jq -r '.opsd.run' "$OPS_ENVIRONMENT_FILE") == systemd ]]; then
  skip "opsd.service: systemd is not running in this machine, opsd was started directly"
fi

if [[ -n $(env_json '.postgresql') ]]; then
  wait_for_http "$url/readyz" 30 || fail "GET /readyz is not 200: opsd cannot reach PostgreSQL"
  database=$(env_json '.postgresql.database')
  schema=$(env_json '.opsd.config.Ops.Storage.Schema')
  tables=$(runuser -u postgres -- psql -qtAX -d "${database:-ops}" -c "select count(*) from information_schema.tables where table_schema = '${schema:-ops}'")
  [[ $tables -gt 0 ]] || fail "PostgreSQL database ${database:-ops} has no tables in schema ${schema:-ops}: opsd did not set up its storage there"
  pass "PostgreSQL storage: /readyz 200, $tables tables in ${database:-ops}.${schema:-ops}"
fi

task=$(jq -r '.opsd.config.Ops.Tasks // {} | keys[0] // empty' "$OPS_ENVIRONMENT_FILE")
if [[ -z $task ]]; then
  skip "task: the environment configures none"
else
  answer=$(curl -sS -m 10 -o /tmp/ops-smoke-run.json -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    -d '{}' "$url/api/v1/tasks/$task/runs" || true)
  if [[ $answer == 404 ]]; then
    skip "task $task: this opsd does not run tasks yet (POST /api/v1/tasks/$task/runs answered 404)"
  elif [[ $answer != 202 ]]; then
    fail "POST /api/v1/tasks/$task/runs answered $answer: $(cat /tmp/ops-smoke-run.json)"
  else
    job=$(jq -r '.jobIds[0]' /tmp/ops-smoke-run.json)
    job_state=
    for _ in $(seq 1 60); do
      code=$(curl -sS -m 5 -o /tmp/ops-smoke-job.json -w '%{http_code}' "$url/api/v1/jobs/$job" || true)
      job_state=$(jq -r '.state // empty' /tmp/ops-smoke-job.json 2>/dev/null || true)
      [[ $job_state == Succeeded || $job_state == Failed || $job_state == Deleted ]] && break
      sleep 1
    done
    [[ $job_state == Succeeded ]] || fail "task $task job $job is '$job_state', not Succeeded (GET /api/v1/jobs/$job answered $code: $(head -c 600 /tmp/ops-smoke-job.json))"
    pass "task $task: job $job Succeeded"
  fi
fi

echo "smoke test $OPS_ENVIRONMENT: passed ($checks checks, $skipped skipped)"
