#!/usr/bin/env bash
# Starts a single-node OpenStack Swift with its S3 layer (s3api) on 127.0.0.1:8081, for the S3 store's
# tests: unlike in-process fakes it really checks SigV4 signatures and presigned-link expiry.
#   S3 endpoint http://127.0.0.1:8081, access key "test:tester", secret "testing", region us-east-1, path-style.
# Idempotent: does nothing when a Swift already answers on 8081. Waits for /healthcheck before exiting.
# Needs (Debian): apt-get install -y --no-install-recommends swift swift-proxy swift-object swift-account swift-container python3-swift memcached
# Usage: scripts/start-swift-s3.sh [DIR]    (state, logs and pid files in DIR; default /tmp/data-exhaust-swift)
# Stop:  scripts/start-swift-s3.sh --stop [DIR]
set -euo pipefail

healthy() { curl -sf -o /dev/null --max-time 2 http://127.0.0.1:8081/healthcheck; }

if [ "${1:-}" = "--stop" ]; then
  D=${2:-/tmp/data-exhaust-swift}
  for f in "$D"/*.pid; do [ -f "$f" ] && { kill "$(cat "$f")" 2>/dev/null || true; rm -f "$f"; }; done
  exit 0
fi

D=${1:-/tmp/data-exhaust-swift}
if healthy; then echo "swift: already running on 127.0.0.1:8081"; exit 0; fi
for tool in swift-ring-builder swift-proxy-server swift-object-server swift-account-server swift-container-server memcached curl; do
  command -v "$tool" >/dev/null || { echo "swift: $tool is missing (apt-get install swift swift-proxy swift-object swift-account swift-container python3-swift memcached curl)" >&2; exit 1; }
done

mkdir -p "$D/srv/d1"
cd "$D"
USER_NAME=$(id -un)

for s in account:6202 container:6201 object:6200; do
  n=${s%%:*}; p=${s##*:}
  printf '[DEFAULT]\nuser = %s\ndevices = %s/srv\nmount_check = false\nbind_ip = 127.0.0.1\nbind_port = %s\nworkers = 0\nswift_dir = %s\n[pipeline:main]\npipeline = %s-server\n[app:%s-server]\nuse = egg:swift#%s\n' \
    "$USER_NAME" "$D" "$p" "$D" "$n" "$n" "$n" > "$n-server.conf"
  if [ "$n" = object ]; then printf '[object-replicator]\n[object-updater]\n[object-auditor]\n' >> "$n-server.conf"; fi
  if [ ! -f "$n.ring.gz" ]; then
    { swift-ring-builder "$n.builder" create 8 1 1
      swift-ring-builder "$n.builder" add "r1z1-127.0.0.1:$p/d1" 100
      swift-ring-builder "$n.builder" rebalance; } > /dev/null
  fi
done

cat > proxy-server.conf <<CONF
[DEFAULT]
user = $USER_NAME
bind_ip = 127.0.0.1
bind_port = 8081
workers = 0
swift_dir = $D
[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats bulk s3api tempauth copy slo dlo proxy-logging proxy-server
[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true
[filter:tempauth]
use = egg:swift#tempauth
user_test_tester = testing .admin
[filter:s3api]
use = egg:swift#s3api
location = us-east-1
[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:11211
[filter:catch_errors]
use = egg:swift#catch_errors
[filter:gatekeeper]
use = egg:swift#gatekeeper
[filter:healthcheck]
use = egg:swift#healthcheck
[filter:proxy-logging]
use = egg:swift#proxy_logging
[filter:listing_formats]
use = egg:swift#listing_formats
[filter:bulk]
use = egg:swift#bulk
[filter:copy]
use = egg:swift#copy
[filter:slo]
use = egg:swift#slo
[filter:dlo]
use = egg:swift#dlo
CONF

running() { [ -f "$1.pid" ] && kill -0 "$(cat "$1.pid")" 2>/dev/null; }

# memcached holds tempauth's tokens; reuse one already listening on 11211.
if ! running memcached && ! (exec 3<>/dev/tcp/127.0.0.1/11211) 2>/dev/null; then
  if [ "$USER_NAME" = root ]; then MC_USER=(-u "$(id -un memcache 2>/dev/null || echo root)"); else MC_USER=(); fi
  setsid memcached "${MC_USER[@]}" -l 127.0.0.1 -p 11211 -U 0 > memcached.log 2>&1 &
  echo $! > memcached.pid
fi
for n in account container object proxy; do
  running "$n" && continue
  setsid "/usr/bin/swift-$n-server" "$D/$n-server.conf" > "$n.log" 2>&1 < /dev/null &
  echo $! > "$n.pid"
done

for _ in $(seq 120); do
  if healthy; then echo "swift: listening on 127.0.0.1:8081 (state in $D)"; exit 0; fi
  sleep 0.25
done
echo "swift: did not answer on 127.0.0.1:8081/healthcheck within 30 s; see $D/*.log" >&2
exit 1
