#!/usr/bin/env bash
# Builds the Debian 12 image that `vagrant up --provider=docker` starts for every environment, without any
# registry: debootstrap from the Debian mirror this machine's apt already uses, then `docker import`.
# The image boots systemd (or, where systemd cannot run in a container, just sshd) and has sshd, sudo and the
# `vagrant` user with Vagrant's well-known insecure key, which Vagrant replaces on first boot; Vagrant's docker
# provider provisions over ssh only.
#
#   build/images/vagrant-debian.sh WORKDIR     prints the image name on its last line
#
# The image is tagged with a hash of this recipe and the mirror: an unchanged recipe reuses the image already
# in the engine, so only the first run pays for debootstrap (about a minute).
# OPS_DEBIAN_MIRROR overrides the mirror, e.g. a local apt cache.
set -euo pipefail

workdir=${1:?usage: vagrant-debian.sh WORKDIR}
repository=ops-vagrant/debian-bookworm
suite=bookworm
packages=systemd,systemd-sysv,dbus,openssh-server,sudo,ca-certificates,curl,jq,procps,iproute2,less

docker_client() { if [[ -x /usr/bin/docker ]]; then /usr/bin/docker "$@"; else docker "$@"; fi; }

# The first Debian archive URI in the machine's apt sources (one-line or deb822 format), without a trailing slash.
apt_uri() {
  local pattern=$1
  # shellcheck disable=SC2046 # word splitting of the file list is intended
  grep -hoE "https?://[^ ]+${pattern}/?( |$)" $(ls /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null) 2>/dev/null \
    | head -n 1 | tr -d ' ' | sed 's#/$##'
}

mirror=${OPS_DEBIAN_MIRROR:-$(apt_uri '/debian')}
security=$(apt_uri '/debian-security')
if [[ -z $mirror ]]; then
  echo "vagrant-debian.sh: found no Debian mirror in /etc/apt/sources.list*; set OPS_DEBIAN_MIRROR" >&2
  exit 1
fi

# Vagrant's insecure public key, shipped in the vagrant package.
vagrant_key=$(dpkg -L vagrant 2>/dev/null | grep -m 1 '/keys/vagrant.pub$' || true)
if [[ -z $vagrant_key || ! -f $vagrant_key ]]; then
  echo "vagrant-debian.sh: Vagrant's insecure key (keys/vagrant.pub) was not found; install vagrant (apt-get install vagrant)" >&2
  exit 1
fi

recipe_hash=$( { cat "${BASH_SOURCE[0]}"; echo "$mirror $security $suite $packages"; cat "$vagrant_key"; } | sha256sum | cut -c1-12)
image="$repository:$recipe_hash"
if docker_client image inspect "$image" >/dev/null 2>&1; then
  docker_client tag "$image" "$repository:latest"
  echo "base image $image is cached"
  echo "$image"
  exit 0
fi

echo "building base image $image from $mirror ($suite)"
rootfs="$workdir/rootfs"
rm -rf "$rootfs"
mkdir -p "$workdir"
debootstrap --variant=minbase --include="$packages" "$suite" "$rootfs" "$mirror" >"$workdir/debootstrap.log" 2>&1 || {
  echo "vagrant-debian.sh: debootstrap failed; the end of $workdir/debootstrap.log:" >&2
  tail -n 20 "$workdir/debootstrap.log" >&2
  exit 1
}

# apt inside the machines uses the same mirror and the same Acquire settings (e.g. for a snapshot mirror whose
# Release files have expired) as this machine.
{
  echo "deb $mirror $suite main"
  echo "deb $mirror $suite-updates main"
  [[ -n $security ]] && echo "deb $security $suite-security main"
} >"$rootfs/etc/apt/sources.list"
apt-config dump | grep -E '^Acquire::(Check-Valid-Until|Check-Date|https?::Proxy) ' >"$rootfs/etc/apt/apt.conf.d/90ops-host" || true

cp "$vagrant_key" "$rootfs/tmp/vagrant.pub"
chroot "$rootfs" /bin/bash -euo pipefail -c '
  useradd --create-home --shell /bin/bash vagrant
  echo "vagrant ALL=(ALL) NOPASSWD:ALL" >/etc/sudoers.d/vagrant
  chmod 0440 /etc/sudoers.d/vagrant
  install -d -m 0700 -o vagrant -g vagrant /home/vagrant/.ssh
  install -m 0600 -o vagrant -g vagrant /tmp/vagrant.pub /home/vagrant/.ssh/authorized_keys
  rm /tmp/vagrant.pub
  # Containers without CAP_AUDIT_CONTROL cannot set the login uid: do not fail the ssh session over it.
  sed -i "s/^session\s\+required\s\+pam_loginuid.so/session optional pam_loginuid.so/" /etc/pam.d/sshd
  echo "UseDNS no" >/etc/ssh/sshd_config.d/ops.conf
  # Nothing to do for these inside a container; they only fail or wait.
  systemctl mask systemd-udevd.service systemd-udev-trigger.service getty@tty1.service console-getty.service \
    systemd-logind.service systemd-remount-fs.service sys-kernel-config.mount sys-kernel-debug.mount \
    sys-kernel-tracing.mount >/dev/null 2>&1 || true
  systemctl enable ssh.service >/dev/null 2>&1
  # Each container gets its own machine id at boot.
  : >/etc/machine-id
  apt-get clean
  rm -rf /var/lib/apt/lists/*
'

# Without systemd (where it cannot boot in a container) the container runs this instead: sshd in the foreground.
cat >"$rootfs/usr/local/sbin/ops-sshd" <<'EOF'
#!/bin/sh
mkdir -p /run/sshd
exec /usr/sbin/sshd -D -e
EOF
chmod 0755 "$rootfs/usr/local/sbin/ops-sshd"

tar --numeric-owner -C "$rootfs" -c . | docker_client import --change 'CMD ["/sbin/init"]' - "$image" >/dev/null
docker_client tag "$image" "$repository:latest"
rm -rf "$rootfs"
echo "built base image $image"
echo "$image"
