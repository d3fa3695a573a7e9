#!/usr/bin/env bash
# Provisions what the livekit-adapter end-to-end test needs, with network access (run it
# *before* entering the test namespace, which has no route out):
#   1. a real livekit-server, built from the Go module proxy and cached between runs;
#   2. the rtc-node publisher client (npm ci from the committed package-lock.json).
# Prints the server binary path on the last line of stdout. Fails loudly (non-zero exit, message on
# stderr) when anything cannot be provisioned: CI must never silently skip the real-server test.
set -euo pipefail

LIVEKIT_SERVER_VERSION="${LIVEKIT_SERVER_VERSION:-v1.13.5}"
CACHE_DIR="${AUDIO_PIPELINE_CACHE:-$HOME/.cache/audio-pipeline}/livekit-server/${LIVEKIT_SERVER_VERSION}"
SERVER_BIN="$CACHE_DIR/livekit-server"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
NODE_DIR="$HERE/../src/test/node"

die() { echo "provision-livekit: ERROR: $*" >&2; exit 1; }
log() { echo "provision-livekit: $*" >&2; }

# --- livekit-server --------------------------------------------------------------------------
if [[ -x "$SERVER_BIN" ]] && "$SERVER_BIN" --version 2>/dev/null | grep -q "${LIVEKIT_SERVER_VERSION#v}"; then
  log "using cached $SERVER_BIN ($("$SERVER_BIN" --version 2>/dev/null | head -1))"
else
  command -v go >/dev/null 2>&1 || die "Go is not installed; livekit-server ${LIVEKIT_SERVER_VERSION} needs Go >= 1.26"
  gov="$(go env GOVERSION)"          # e.g. go1.26.8
  minor="$(echo "${gov#go}" | cut -d. -f2)"; major="$(echo "${gov#go}" | cut -d. -f1)"
  if (( major < 1 || (major == 1 && minor < 26) )); then
    die "livekit-server ${LIVEKIT_SERVER_VERSION} needs Go >= 1.26, found ${gov}"
  fi
  mkdir -p "$CACHE_DIR"
  log "building livekit-server ${LIVEKIT_SERVER_VERSION} with ${gov} (first time takes several minutes)"
  tmpbin="$(mktemp -d)"
  # CGO off: the server is pure Go; GOFLAGS=-mod=mod keeps a user's GOFLAGS=-mod=vendor from breaking it.
  if ! CGO_ENABLED=0 GOFLAGS=-mod=mod GOBIN="$tmpbin" \
      go install "github.com/livekit/livekit-server/cmd/server@${LIVEKIT_SERVER_VERSION}" >&2; then
    rm -rf "$tmpbin"
    die "go install github.com/livekit/livekit-server/cmd/server@${LIVEKIT_SERVER_VERSION} failed"
  fi
  mv "$tmpbin/server" "$SERVER_BIN"
  rm -rf "$tmpbin"
  "$SERVER_BIN" --version >/dev/null 2>&1 || die "built $SERVER_BIN does not run"
  log "built $SERVER_BIN"
fi

# --- rtc-node publisher ------------------------------------------------------------------------
command -v node >/dev/null 2>&1 || die "node (>= 18) is not installed; the test publisher needs it"
nodemajor="$(node -p 'process.versions.node.split(".")[0]')"
(( nodemajor >= 18 )) || die "node >= 18 needed, found $(node --version)"
want="$(node -p 'require(process.argv[1]).packages["node_modules/@livekit/rtc-node"].version' "$NODE_DIR/package-lock.json")"
have="$(node -p 'require(process.argv[1]).version' "$NODE_DIR/node_modules/@livekit/rtc-node/package.json" 2>/dev/null || true)"
if [[ "$want" != "$have" ]]; then
  log "npm ci in $NODE_DIR"
  (cd "$NODE_DIR" && npm ci --no-audit --no-fund >&2) || die "npm ci for @livekit/rtc-node failed"
fi
(cd "$NODE_DIR" && node -e 'import("@livekit/rtc-node").then(()=>process.exit(0),e=>{console.error(e);process.exit(1)})') \
  || die "@livekit/rtc-node does not load (native binding needs glibc >= 2.28 and libstdc++)"

echo "$SERVER_BIN"
