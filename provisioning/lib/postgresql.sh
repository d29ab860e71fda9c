# shellcheck shell=bash disable=SC2034 # its globals are read by provision.sh and the other scripts
# PostgreSQL for task storage: installed from Debian, started (by systemd where it runs), a role and a database
# for opsd with a generated password kept in /etc/opsd (root only). Exports OPS_POSTGRES_CONNECTION.

OPS_POSTGRES_CONNECTION=

postgres_sql() { runuser -u postgres -- psql -v ON_ERROR_STOP=1 -qtAX -p "$POSTGRES_PORT" "$@"; }

setup_postgresql() {
  local database user password_file password cluster version name status
  database=$(env_json '.postgresql.database')
  user=$(env_json '.postgresql.user')
  database=${database:-ops}
  user=${user:-ops}

  ensure_packages postgresql

  # The first cluster Debian made: version, name, port, status.
  read -r version name POSTGRES_PORT status _ < <(pg_lsclusters --no-header | head -n 1)
  [[ -n ${version:-} ]] || die "postgresql is installed but has no cluster (pg_lsclusters is empty); pg_createcluster --start 15 main"
  cluster="$version/$name"
  if [[ $status != online* ]]; then
    if systemd_running; then
      systemctl enable --now "postgresql@$version-$name.service" >/dev/null
    else
      pg_ctlcluster "$version" "$name" start
    fi
    changed "started PostgreSQL $cluster"
  fi
  if systemd_running && ! systemctl is-enabled --quiet "postgresql@$version-$name.service" 2>/dev/null; then
    systemctl enable "postgresql@$version-$name.service" >/dev/null 2>&1 || true
  fi
  for _ in $(seq 1 30); do
    runuser -u postgres -- pg_isready -q -p "$POSTGRES_PORT" && break
    sleep 1
  done
  runuser -u postgres -- pg_isready -q -p "$POSTGRES_PORT" || die "PostgreSQL $cluster does not accept connections on port $POSTGRES_PORT"

  password_file=/etc/opsd/postgresql-$user.password
  install -d -m 0750 /etc/opsd
  if [[ ! -s $password_file ]]; then
    (umask 077 && head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 32 >"$password_file")
    changed "generated the password of PostgreSQL role $user ($password_file)"
  fi
  password=$(cat "$password_file")

  if [[ -z $(postgres_sql -c "select 1 from pg_roles where rolname = '$user'") ]]; then
    postgres_sql -c "create role \"$user\" login password '$password'"
    changed "created PostgreSQL role $user"
  elif ! PGPASSWORD=$password psql -qtAX -h 127.0.0.1 -p "$POSTGRES_PORT" -U "$user" -d postgres -c 'select 1' >/dev/null 2>&1; then
    postgres_sql -c "alter role \"$user\" login password '$password'"
    changed "reset the password of PostgreSQL role $user"
  fi
  if [[ -z $(postgres_sql -c "select 1 from pg_database where datname = '$database'") ]]; then
    postgres_sql -c "create database \"$database\" owner \"$user\""
    changed "created PostgreSQL database $database"
  fi

  OPS_POSTGRES_CONNECTION="Host=127.0.0.1;Port=$POSTGRES_PORT;Database=$database;Username=$user;Password=$password"
  log "PostgreSQL $cluster on port $POSTGRES_PORT: database $database, role $user"
}
