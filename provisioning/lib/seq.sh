# shellcheck shell=bash disable=SC2034 # its globals are read by provision.sh and the other scripts
# Seq, where one can be had: use a Seq that answers at the environment's URL, or start one where the machine
# can (seq.install "docker" and a docker engine that has or can pull the image). Otherwise skip with a message:
# Seq is not in Debian's archive. Exports OPS_SEQ_URL (empty when skipped).

OPS_SEQ_URL=

seq_answers() { curl -fsS -m 3 -o /dev/null "$1/api" 2>/dev/null; }

setup_seq() {
  local url install
  url=$(env_json '.seq.url')
  install=$(env_json '.seq.install')
  if [[ -z $url ]]; then
    log "Seq: not configured for this environment"
    return 0
  fi
  if seq_answers "$url"; then
    OPS_SEQ_URL=$url
    log "Seq answers at $url: opsd ships its events there"
    return 0
  fi

  if [[ $install == docker ]] && command -v docker >/dev/null 2>&1; then
    if docker inspect ops-seq >/dev/null 2>&1 || docker run -d --name ops-seq --restart unless-stopped \
      -e ACCEPT_EULA=Y -p 127.0.0.1:5341:80 datalust/seq >/dev/null 2>&1; then
      for _ in $(seq 1 30); do seq_answers "$url" && break; sleep 1; done
      if seq_answers "$url"; then
        OPS_SEQ_URL=$url
        changed "started Seq (container ops-seq) at $url"
        return 0
      fi
    fi
  fi

  log "Seq: SKIPPED: nothing answers at $url and Seq cannot be installed here (it is not in Debian's archive; it ships as the datalust/seq container image, which needs a docker engine and its registry). opsd logs to the journal/console and its own files only; start Seq at $url and provision again to ship events to it."
}
