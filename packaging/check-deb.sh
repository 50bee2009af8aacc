#!/usr/bin/env bash
# Installs the .deb on this (throwaway, root) machine the way an operator
# would, checks what it laid out, starts the service binary as its user the
# way the unit does, checks the unit with systemd-analyze, and removes the
# package again. CI runs it after `make package`. Usage: check-deb.sh DEB
set -euo pipefail
deb=$1
fail() { echo "check-deb: FAIL: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "check-deb: skipped (needs root to install a package)"; exit 0; }

DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$(realpath "$deb")" >/dev/null
trap 'dpkg -r orderd >/dev/null 2>&1 || true' EXIT

getent passwd orderd >/dev/null || fail "user orderd was not created"
for d in /var/lib/orderd /var/spool/orderd; do
  [ "$(stat -c %U "$d")" = orderd ] || fail "$d is not owned by orderd"
done
[ "$(stat -c %G /etc/orderd/orderd.yaml)" = orderd ] || fail "/etc/orderd/orderd.yaml group"
[ "$(stat -c %a /etc/orderd/orderd.yaml)" = 640 ] || fail "/etc/orderd/orderd.yaml mode"
runuser -u orderd -- /usr/bin/orderd -c /etc/orderd/orderd.yaml --check-config

# The service as the unit runs it: stays up, answers orderctl, stops on SIGTERM.
setpriv --reuid=orderd --regid=orderd --init-groups /usr/bin/orderd -c /etc/orderd/orderd.yaml \
  2>/tmp/orderd-deb.log &
pid=$!
for _ in $(seq 50); do [ -S /var/lib/orderd/orderd.sock ] && break; sleep 0.1; done
kill -0 "$pid" 2>/dev/null || { cat /tmp/orderd-deb.log; fail "orderd exited at start"; }
runuser -u orderd -- /usr/bin/orderctl -c /etc/orderd/orderd.yaml sync status |
  grep -q "Service: running" || fail "orderctl does not see the running service"
kill -TERM "$pid"
wait "$pid" || fail "orderd did not exit 0 on SIGTERM"
grep -q "orderd stopping" /tmp/orderd-deb.log || fail "no stop message"

unit=/usr/lib/systemd/system/orderd.service
if systemd-analyze verify "$unit" 2>/tmp/verify.log; then
  echo "check-deb: systemd-analyze verify: clean"
else
  cat /tmp/verify.log; fail "systemd-analyze verify $unit"
fi
score=$(systemd-analyze security --offline=true "$unit" 2>/dev/null |
  sed -n 's/.*Overall exposure level for orderd.service: \([0-9.]*\).*/\1/p')
echo "check-deb: systemd-analyze security exposure: $score"
awk -v s="$score" 'BEGIN { exit !(s != "" && s <= 2.0) }' || fail "exposure $score is above 2.0"

dpkg -r orderd >/dev/null
trap - EXIT
[ ! -e /usr/bin/orderd ] || fail "orderd still installed after removal"
[ -d /var/lib/orderd ] || fail "removal deleted the state folder"
echo "check-deb: ok ($deb)"
