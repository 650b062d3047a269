#!/usr/bin/env bash
# Builds the kcp-go interop peer (artifacts/gopeer/kcp-go-peer) against the kcp-go 5.6.1 that
# Debian installs (golang-github-xtaci-kcp-dev), offline in GOPATH mode. Skips the build when the
# binary is newer than every source file here.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="$root/artifacts/gopeer/kcp-go-peer"
gocode=/usr/share/gocode

if ! command -v go >/dev/null 2>&1; then
  echo "tests/GoPeer/build.sh: the Go toolchain is missing; install it with: apt-get install golang-go" >&2
  exit 1
fi
if [ ! -d "$gocode/src/github.com/xtaci/kcp-go" ]; then
  echo "tests/GoPeer/build.sh: kcp-go is missing from $gocode; install it with: apt-get install golang-github-xtaci-kcp-dev" >&2
  exit 1
fi

if [ -x "$out" ] && [ -z "$(find "$here" -newer "$out" \( -name '*.go' -o -name build.sh \) -print -quit)" ]; then
  echo "kcp-go-peer is up to date: ${out#"$root"/}"
  exit 0
fi

mkdir -p "$root/artifacts/gopath" "$(dirname "$out")"
cd "$root"
if ! GO111MODULE=off GOPATH="$root/artifacts/gopath:$gocode" GOFLAGS= \
  GOCACHE="${GOCACHE:-$root/artifacts/gopath/cache}" go build -o "$out" ./tests/GoPeer; then
  echo "tests/GoPeer/build.sh: go build failed (is $gocode/src/github.com/xtaci/kcp-go complete?)" >&2
  exit 1
fi
echo "built ${out#"$root"/}"
