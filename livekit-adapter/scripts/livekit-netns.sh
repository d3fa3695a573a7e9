#!/usr/bin/env bash
# Runs a command next to a real livekit-server inside a private network namespace.
#
#   livekit-netns.sh [--server BIN] -- COMMAND [ARGS...]
#
# libwebrtc ignores the loopback interface, so the server, the Java bot and the rtc-node publisher
# all run in a namespace this script creates itself (unshare -n, needs root), joined by a veth pair
# on the documentation range 192.0.2.0/24 that exists only inside it. The namespace has no route
# out: resolve Maven/npm/Go dependencies first (provision-livekit.sh, ./mvnw dependency:go-offline)
# and run Maven offline (-o) inside it. Nothing here ever talks to the machine's real interfaces.
#
# COMMAND sees LIVEKIT_URL, LIVEKIT_API_KEY/LIVEKIT_API_SECRET (dev-mode values), LIVEKIT_NODE_IP,
# LIVEKIT_SERVER_LOG and LIVEKIT_E2E=1. The script's exit code is COMMAND's; it fails loudly (exit 3)
# when the namespace or the server cannot be brought up.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SERVER_IP=192.0.2.10
PEER_IP=192.0.2.11
HTTP_PORT=7880
die() { echo "livekit-netns: ERROR: $*" >&2; exit 3; }
log() { echo "livekit-netns: $*" >&2; }

SERVER_BIN="${LIVEKIT_SERVER_BIN:-}"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --server) SERVER_BIN="$2"; shift 2 ;;
    --) shift; break ;;
    *) break ;;
  esac
done
[[ $# -gt 0 ]] || die "usage: livekit-netns.sh [--server BIN] -- COMMAND [ARGS...]"

if [[ "${AP_LIVEKIT_NETNS_INSIDE:-}" != "1" ]]; then
  if [[ -z "$SERVER_BIN" ]]; then
    # Provision (or reuse the cached binary) while the network is still reachable.
    SERVER_BIN="$("$HERE/provision-livekit.sh" | tail -1)" || die "provisioning failed"
  fi
  [[ -x "$SERVER_BIN" ]] || die "livekit-server binary not executable: $SERVER_BIN"
  [[ "$(id -u)" == "0" ]] || die "creating a network namespace needs root (unshare -n)"
  command -v unshare >/dev/null || die "unshare (util-linux) is not installed"
  command -v ip >/dev/null || die "ip (iproute2) is not installed"
  export AP_LIVEKIT_NETNS_INSIDE=1 LIVEKIT_SERVER_BIN="$SERVER_BIN"
  exec unshare --net -- "$0" -- "$@"
fi

# ---- inside the new namespace ---------------------------------------------------------------
ip link set lo up || die "cannot bring lo up"
ip link add aplk0 type veth peer name aplk1 || die "cannot create veth pair (kernel without veth?)"
ip addr add "$SERVER_IP/24" dev aplk0
ip addr add "$PEER_IP/24" dev aplk1
ip link set aplk0 up
ip link set aplk1 up
# Sanity: no default route, so nothing can leave this namespace.
if ip route show default | grep -q .; then die "unexpected default route inside the namespace"; fi

LOG_DIR="${LIVEKIT_LOG_DIR:-$(mktemp -d -t livekit-e2e.XXXXXX)}"
mkdir -p "$LOG_DIR"
SERVER_LOG="$LOG_DIR/livekit-server.log"
CONFIG="$LOG_DIR/livekit.yaml"
cat > "$CONFIG" <<YAML
port: $HTTP_PORT
bind_addresses:
  - $SERVER_IP
rtc:
  tcp_port: 7881
  use_external_ip: false
keys:
  devkey: secret
logging:
  level: info
YAML

log "starting $LIVEKIT_SERVER_BIN on $SERVER_IP (log: $SERVER_LOG)"
"$LIVEKIT_SERVER_BIN" --dev --config "$CONFIG" --node-ip "$SERVER_IP" --udp-port 7882 --bind "$SERVER_IP" >"$SERVER_LOG" 2>&1 &
SERVER_PID=$!

stop_server() {
  if kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
  fi
  wait "$SERVER_PID" 2>/dev/null || true
}
trap stop_server EXIT

ready=0
for _ in $(seq 1 300); do
  kill -0 "$SERVER_PID" 2>/dev/null || { tail -50 "$SERVER_LOG" | cut -c1-300 >&2; die "livekit-server exited during start-up"; }
  if (exec 3<>"/dev/tcp/$SERVER_IP/$HTTP_PORT") 2>/dev/null; then ready=1; break; fi
  sleep 0.1
done
(( ready )) || { tail -50 "$SERVER_LOG" | cut -c1-300 >&2; die "livekit-server did not listen on $SERVER_IP:$HTTP_PORT within 30 s"; }
log "livekit-server is up ($("$LIVEKIT_SERVER_BIN" --version 2>/dev/null | head -1))"

export LIVEKIT_URL="ws://$SERVER_IP:$HTTP_PORT"
export LIVEKIT_API_KEY=devkey LIVEKIT_API_SECRET=secret   # dev-mode values, not secrets
export LIVEKIT_NODE_IP="$SERVER_IP" LIVEKIT_SERVER_LOG="$SERVER_LOG" LIVEKIT_E2E=1
unset AP_LIVEKIT_NETNS_INSIDE

set +e
"$@"
rc=$?
set -e
if (( rc != 0 )); then log "command exited $rc; last server log lines:"; tail -30 "$SERVER_LOG" | cut -c1-300 >&2; fi
exit "$rc"
