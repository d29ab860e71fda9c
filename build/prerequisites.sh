#!/usr/bin/env bash
# Installs the Debian packages a build target needs, and only the missing ones: fast when all are there.
#   build/prerequisites.sh test           systemd-analyze (the service tests verify the unit with it), PostgreSQL's
#                                         server binaries (the task tests start a throwaway cluster), chromium (the
#                                         console is tested in a real browser)
#   build/prerequisites.sh validate       + shellcheck, vagrant, docker.io (vagrant validates the docker provider)
#   build/prerequisites.sh environments   + docker.io, vagrant, debootstrap
#   build/prerequisites.sh ci             all of the above
# Needs root (apt-get). Package lists are refreshed once, and only when something is missing.
set -euo pipefail

# command -> package that provides it
declare -A PACKAGE_OF=(
  [systemd-analyze]=systemd
  [systemctl]=systemd
  [shellcheck]=shellcheck
  [vagrant]=vagrant
  [dockerd]=docker.io
  [debootstrap]=debootstrap
  [tar]=tar
  [gzip]=gzip
  [curl]=curl
  [jq]=jq
  [initdb]=postgresql
  [chromium]=chromium
)

commands_for() {
  case "$1" in
    test) echo systemd-analyze systemctl initdb chromium ;;
    validate) echo systemd-analyze shellcheck vagrant dockerd jq tar ;;
    environments) echo vagrant dockerd debootstrap tar gzip curl jq ;;
    ci) echo systemd-analyze systemctl initdb chromium shellcheck vagrant dockerd debootstrap tar gzip curl jq ;;
    *) echo "prerequisites.sh: unknown group '$1' (test, validate, environments, ci)" >&2; return 2 ;;
  esac
}

groups=("$@")
[[ ${#groups[@]} -gt 0 ]] || groups=(ci)

missing=()
for group in "${groups[@]}"; do
  read -r -a commands <<<"$(commands_for "$group")"
  for command in "${commands[@]}"; do
    # PostgreSQL keeps its server binaries off PATH, in /usr/lib/postgresql/<version>/bin.
    if ! command -v "$command" >/dev/null 2>&1 && [[ ! -x "/usr/sbin/$command" ]] \
      && ! compgen -G "/usr/lib/postgresql/*/bin/$command" >/dev/null; then
      package=${PACKAGE_OF[$command]}
      [[ " ${missing[*]} " == *" $package "* ]] || missing+=("$package")
    fi
  done
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "prerequisites (${groups[*]}): all present"
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  echo "prerequisites: missing ${missing[*]}; install them as root: apt-get install --no-install-recommends ${missing[*]}" >&2
  exit 1
fi

echo "prerequisites (${groups[*]}): installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# No recommends: vagrant and docker.io recommend a kernel image, virtualbox-adjacent tools and more that CI never uses.
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "prerequisites: installed ${missing[*]}"
