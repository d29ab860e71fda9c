# shellcheck shell=bash disable=SC2034 # its globals are read by provision.sh and the other scripts
# Installs opsd into /opt/opsd from the Package tar.gz (or, without one, from the Publish output), once per
# distinct package: an unchanged package is not unpacked again.

OPSD_HOME=/opt/opsd
OPSD_PACKAGE_CHANGED=0

# find_opsd_source ARTIFACTS: a package .tar.gz, or a Publish output directory; the newest package wins.
find_opsd_source() {
  local artifacts=$1 package
  if [[ -f $artifacts && $artifacts == *.tar.gz ]]; then
    echo "$artifacts"
    return 0
  fi
  # shellcheck disable=SC2012 # names are ours: opsd-<version>-linux-x64.tar.gz
  package=$(ls -t "$artifacts"/package/opsd-*-linux-x64.tar.gz 2>/dev/null | head -n 1 || true)
  if [[ -n $package ]]; then
    echo "$package"
  elif [[ -x $artifacts/publish/opsd/opsd ]]; then
    echo "$artifacts/publish/opsd"
  else
    return 1
  fi
}

# The packaged version (its VERSION file); the Publish output has none.
opsd_version() { cat "$OPSD_HOME/VERSION" 2>/dev/null || echo "(publish output, unversioned)"; }

install_opsd() {
  local artifacts=$1 source fingerprint staging
  source=$(find_opsd_source "$artifacts") ||
    die "no opsd package in $artifacts/package (opsd-*-linux-x64.tar.gz) and no Publish output in $artifacts/publish/opsd: run ./build.sh --target=Package on the host first"

  if [[ -d $source ]]; then
    fingerprint=$(cd "$source" && find . -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
  else
    fingerprint=$(sha256sum "$source" | cut -d' ' -f1)
  fi
  if [[ -f $OPSD_HOME/.source-sha256 && $(cat "$OPSD_HOME/.source-sha256") == "$fingerprint" ]]; then
    log "opsd $(opsd_version) is installed from $(basename "$source")"
    return 0
  fi

  # Unpack next to the old one and swap, so a failed unpack leaves the installed opsd alone.
  staging=$OPSD_HOME.new
  rm -rf "$staging"
  mkdir -p "$staging"
  if [[ -d $source ]]; then
    cp -a "$source/." "$staging/"
  else
    tar -xzf "$source" -C "$staging" --strip-components=1 --no-same-owner
  fi
  [[ -x $staging/opsd ]] || die "$source holds no opsd executable at its top level"
  echo "$fingerprint" >"$staging/.source-sha256"
  rm -rf "$OPSD_HOME.old"
  [[ -d $OPSD_HOME ]] && mv "$OPSD_HOME" "$OPSD_HOME.old"
  mv "$staging" "$OPSD_HOME"
  rm -rf "$OPSD_HOME.old"
  ln -sfn "$OPSD_HOME/opsd" /usr/local/bin/opsd
  if [[ -x $OPSD_HOME/opsctl ]]; then
    ln -sfn "$OPSD_HOME/opsctl" /usr/local/bin/opsctl
  fi
  OPSD_PACKAGE_CHANGED=1
  changed "installed opsd $(opsd_version) from $(basename "$source") into $OPSD_HOME"
}
