#!/usr/bin/env bash
# Provisions one machine of an environment; every Vagrant machine runs it, and so can a real server.
#   sudo provisioning/provision.sh ENVIRONMENT [ARTIFACTS]
# ENVIRONMENT names provisioning/environments/ENVIRONMENT.json. ARTIFACTS is the build's artifacts directory
# (package/opsd-*-linux-x64.tar.gz, else publish/opsd/) or a package .tar.gz; default /ops/artifacts, where the
# Vagrantfile shares it.
#
# Idempotent: a second run on an unchanged machine changes nothing, restarts nothing and says "0 change(s)".
set -euo pipefail
# shellcheck source-path=SCRIPTDIR

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export OPS_ENVIRONMENT=${1:?usage: provision.sh ENVIRONMENT [ARTIFACTS]}
artifacts=${2:-/ops/artifacts}
export OPS_ENVIRONMENT_FILE=$here/environments/$OPS_ENVIRONMENT.json

# shellcheck source=lib/common.sh
source "$here/lib/common.sh"
# shellcheck source=lib/opsd-package.sh
source "$here/lib/opsd-package.sh"
# shellcheck source=lib/postgresql.sh
source "$here/lib/postgresql.sh"
# shellcheck source=lib/seq.sh
source "$here/lib/seq.sh"
# shellcheck source=lib/opsd-config.sh
source "$here/lib/opsd-config.sh"
# shellcheck source=lib/opsd-run.sh
source "$here/lib/opsd-run.sh"

[[ -f $OPS_ENVIRONMENT_FILE ]] || die "no environment '$OPS_ENVIRONMENT': $OPS_ENVIRONMENT_FILE does not exist (dev, test, staging, prod)"
require_root
started=$(date +%s)
log "provisioning from $OPS_ENVIRONMENT_FILE"

ensure_packages ca-certificates curl jq procps
jq -e . "$OPS_ENVIRONMENT_FILE" >/dev/null || die "$OPS_ENVIRONMENT_FILE is not valid JSON"

install_opsd "$artifacts"
if [[ -n $(env_json '.postgresql') ]]; then
  setup_postgresql
else
  log "PostgreSQL: not used in this environment (storage $(env_json '.opsd.config.Ops.Storage.Provider'))"
fi
setup_seq
write_opsd_config
run_opsd

log "done in $(($(date +%s) - started)) s: $CHANGES change(s)"
