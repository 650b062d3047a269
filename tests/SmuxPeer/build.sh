#!/usr/bin/env bash
# Builds the smux interop peer (artifacts/smuxpeer/smux-peer) against Debian's xtaci/smux, kcp-go and golang/snappy
# (golang-github-xtaci-smux-dev, golang-github-xtaci-kcp-dev, golang-github-golang-snappy-dev), offline, in GOPATH
# mode. Skips the build when the binary is newer than every source file here.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="$root/artifacts/smuxpeer/smux-peer"
gocode=/usr/share/gocode
for dir in xtaci/smux xtaci/kcp-go golang/snappy; do
  if [ ! -d "$gocode/src/github.com/$dir" ]; then
    echo "tests/SmuxPeer/build.sh: github.com/$dir is missing from $gocode (tests/run installs it)" >&2
    exit 1
  fi
done
if [ -x "$out" ] && [ -z "$(find "$here" -newer "$out" \( -name '*.go' -o -name build.sh \) -print -quit)" ]; then
  echo "smux-peer is up to date: ${out#"$root"/}"
  exit 0
fi
mkdir -p "$root/artifacts/gopath" "$(dirname "$out")"
cd "$root"
GO111MODULE=off GOPATH="$root/artifacts/gopath:$gocode" GOFLAGS= \
  GOCACHE="${GOCACHE:-$root/artifacts/gopath/cache}" go build -o "$out" ./tests/SmuxPeer
echo "built ${out#"$root"/}"
