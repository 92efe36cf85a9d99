#!/usr/bin/env bash
# Installs the services that mesh4j's tests and demo run for real: Redis (redis-server,
# redis-tools from Debian) and Consul 1.8.7 (taken from Debian bullseye's package, since
# bookworm has none). Idempotent: does nothing for a binary that is already there.
#
# Consul lands in .tools/bin of the repository (git-ignored); mesh-testkit and the scripts
# look there and on PATH.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.tools"
BIN="$TOOLS/bin"
mkdir -p "$BIN"

log() { echo "[install-services] $*"; }
fail() { echo "[install-services] ERROR: $*" >&2; exit 1; }

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else fail "not root and no sudo: cannot run apt-get"; fi
fi

APT_UPDATED=0
apt_update_once() {
  if [ "$APT_UPDATED" -eq 0 ]; then
    log "apt-get update"
    $SUDO apt-get update -qq || fail "apt-get update failed"
    APT_UPDATED=1
  fi
}

# --- procps (pgrep/pkill: scripts/test.sh checks that no test server outlived the build) ---
if command -v pgrep >/dev/null 2>&1; then
  log "procps: present"
else
  apt_update_once
  log "procps: installing with apt"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq procps >/dev/null || fail "apt-get install procps failed"
fi

# --- Redis -----------------------------------------------------------------------------
if command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1; then
  log "redis: present ($(redis-server --version | awk '{print $3}'))"
else
  apt_update_once
  log "redis: installing redis-server redis-tools with apt"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq redis-server redis-tools >/dev/null \
    || fail "apt-get install redis-server redis-tools failed"
  # The package starts a system redis on 6379; the tests never use it, and it only takes a port.
  if command -v systemctl >/dev/null 2>&1; then $SUDO systemctl disable --now redis-server >/dev/null 2>&1 || true; fi
  if command -v service >/dev/null 2>&1; then $SUDO service redis-server stop >/dev/null 2>&1 || true; fi
  log "redis: installed ($(redis-server --version | awk '{print $3}'))"
fi

# --- Consul ----------------------------------------------------------------------------
if [ -x "$BIN/consul" ]; then
  log "consul: present in $BIN ($("$BIN/consul" version | head -1))"
elif command -v consul >/dev/null 2>&1; then
  log "consul: present on PATH ($(consul version | head -1))"
else
  log "consul: fetching Debian bullseye's consul package (bookworm has none)"
  command -v dpkg >/dev/null 2>&1 || fail "dpkg not found: this script needs a Debian or Ubuntu machine"
  # The same mirror the machine already uses, suite bullseye.
  MIRROR=""
  if ls /etc/apt/sources.list.d/*.sources >/dev/null 2>&1; then
    MIRROR="$(awk '/^URIs:/ {print $2}' /etc/apt/sources.list.d/*.sources | grep -v security | head -1 || true)"
  fi
  if [ -z "$MIRROR" ] && [ -f /etc/apt/sources.list ]; then
    MIRROR="$(awk '$1=="deb" && $0 !~ /security/ {for (i=2;i<=NF;i++) if ($i ~ /^(https?|ftp|file):/) {print $i; exit}}' /etc/apt/sources.list)"
  fi
  [ -n "$MIRROR" ] || MIRROR="http://deb.debian.org/debian"
  # Ubuntu mirrors hold no bullseye suite: fall back to Debian's own.
  case "$MIRROR" in *ubuntu*) MIRROR="http://deb.debian.org/debian" ;; esac
  APT_DIR="$TOOLS/apt-bullseye"
  mkdir -p "$APT_DIR/lists/partial" "$APT_DIR/archives/partial"
  KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
  if [ ! -f "$KEYRING" ]; then
    # Ubuntu ships without Debian's archive keys; its debian-archive-keyring package has them.
    apt_update_once
    log "consul: installing debian-archive-keyring to verify Debian's bullseye archive"
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq debian-archive-keyring >/dev/null \
      || fail "apt-get install debian-archive-keyring failed"
  fi
  [ -f "$KEYRING" ] || fail "no $KEYRING: cannot verify Debian's bullseye archive"
  echo "deb [signed-by=$KEYRING] $MIRROR bullseye main" > "$APT_DIR/sources.list"
  APT_OPTS=(-o APT::Sandbox::User=root -o "Dir::Etc::SourceList=$APT_DIR/sources.list" -o Dir::Etc::SourceParts=/dev/null
            -o "Dir::State::Lists=$APT_DIR/lists" -o "Dir::Cache::Archives=$APT_DIR/archives")
  log "consul: apt-get update against $MIRROR bullseye"
  $SUDO apt-get "${APT_OPTS[@]}" update -qq || fail "apt-get update of the bullseye list failed"
  (cd "$APT_DIR" && $SUDO apt-get "${APT_OPTS[@]}" download consul >/dev/null) \
    || fail "apt-get download consul (bullseye) failed"
  DEB="$(ls "$APT_DIR"/consul_*.deb | head -1)"
  [ -n "$DEB" ] || fail "no consul .deb downloaded"
  rm -rf "$APT_DIR/extract"
  dpkg -x "$DEB" "$APT_DIR/extract"
  install -m 0755 "$APT_DIR/extract/usr/bin/consul" "$BIN/consul"
  rm -rf "$APT_DIR/extract"
  "$BIN/consul" version >/dev/null 2>&1 || fail "the extracted consul binary does not run"
  log "consul: installed $BIN/consul ($("$BIN/consul" version | head -1))"
fi
log "done"
