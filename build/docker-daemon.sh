#!/usr/bin/env bash
# Starts or stops a Docker engine for the environment tests on machines without a running systemd (CI, containers).
#   build/docker-daemon.sh start LOGDIR   reuse an engine that answers; else run dockerd in the background,
#                                         logging to LOGDIR/dockerd.log, and wait for its socket. Prints "started"
#                                         or "reused" on the last line.
#   build/docker-daemon.sh stop LOGDIR    stop the dockerd that `start` started (its pid is in LOGDIR/dockerd.pid)
set -euo pipefail

action=${1:?usage: docker-daemon.sh start|stop LOGDIR}
logdir=${2:?usage: docker-daemon.sh start|stop LOGDIR}
mkdir -p "$logdir"
pidfile="$logdir/dockerd.pid"
socket=/var/run/docker.sock
# The Debian engine and its own client: a newer client elsewhere on PATH talks to it too, but keep them matched.
docker_client() { if [[ -x /usr/bin/docker ]]; then /usr/bin/docker "$@"; else docker "$@"; fi; }

answers() { docker_client version --format '{{.Server.Version}}' >/dev/null 2>&1; }

case "$action" in
  start)
    if answers; then
      echo "docker engine $(docker_client version --format '{{.Server.Version}}') already answers on $socket"
      echo reused
      exit 0
    fi
    dockerd=$(command -v dockerd || echo /usr/sbin/dockerd)
    [[ -x $dockerd ]] || { echo "docker-daemon.sh: dockerd is not installed (apt-get install docker.io)" >&2; exit 1; }
    # setsid: the engine outlives this script but not the build, which stops it by pid.
    setsid "$dockerd" >"$logdir/dockerd.log" 2>&1 </dev/null &
    echo $! >"$pidfile"
    for _ in $(seq 1 60); do
      if answers; then
        echo "docker engine $(docker_client version --format '{{.Server.Version}}') started (pid $(cat "$pidfile"), log $logdir/dockerd.log)"
        echo started
        exit 0
      fi
      if ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
        echo "docker-daemon.sh: dockerd exited at start; the end of $logdir/dockerd.log:" >&2
        tail -n 20 "$logdir/dockerd.log" >&2
        exit 1
      fi
      sleep 1
    done
    echo "docker-daemon.sh: dockerd did not answer on $socket within 60 s; see $logdir/dockerd.log" >&2
    exit 1
    ;;
  stop)
    [[ -f $pidfile ]] || { echo "no dockerd started by the build"; exit 0; }
    pid=$(cat "$pidfile")
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid"
      for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
      kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
      echo "stopped dockerd (pid $pid)"
    fi
    rm -f "$pidfile"
    ;;
  *)
    echo "usage: docker-daemon.sh start|stop LOGDIR" >&2
    exit 2
    ;;
esac
