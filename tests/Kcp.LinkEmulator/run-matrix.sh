#!/usr/bin/env bash
# KCP against TCP through the same userspace lossy link (README "KCP against TCP on a lossy link"): builds the
# emulator, runs the matrix (two network namespaces joined by a TUN forwarder; the Kestrel app in one, the clients in
# the other), then writes results.csv, latency CDF plots and report.md under --out (default artifacts/loss).
#
# usage: tests/Kcp.LinkEmulator/run-matrix.sh [--quick] [matrix options: --rtts 40,200 --losses 0,1,5,10 --burst 3
#        --configs tcp,normal,fast3,fast3+fec --workloads signalr,grpc,http,download --seconds 6 --clients 50
#        --download-mib 16 --download-timeout 30 --bandwidth-mbit 20 --jitter-ms 0 --reorder-pct 0 --seed 1 --tcp-cc reno|bbr (allowed in a namespace: see tcp_allowed_congestion_control) --out DIR]
# The defaults take about 25 minutes. --quick: the headline cell only (200 ms, 5 % bursty loss; SignalR; TCP, fast3,
# fast3+FEC, and RedundantCopies 1 and 2), about 3 minutes.
# Needs root (namespaces, /dev/net/tun) and python3-matplotlib for the plots (CSV and tables without it).
# Bounded: every process the runner starts is killed when it ends, by Ctrl-C, or by SIGTERM; a hard cap of
# 45 minutes stops it whatever happens.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

out="artifacts/loss"
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) args+=(--rtts 200 --losses 5 --configs tcp,fast3,fast3+fec,fast3+copy1,fast3+fec+copy1,fast3+copy2 --workloads signalr --seconds 20);;
    --out) out="$2"; shift;;
    *) args+=("$1");;
  esac
  shift
done

[ "$(id -u)" -eq 0 ] || { echo "run-matrix.sh needs root (network namespaces and /dev/net/tun)" >&2; exit 1; }
dotnet build -c Release "$here/Kcp.LinkEmulator.csproj" >/dev/null
mkdir -p "$out"
rm -f "$out/results.csv"

runner=""
cleanup() { if [ -n "$runner" ] && kill -0 "$runner" 2>/dev/null; then kill -TERM "$runner"; wait "$runner" || true; fi; }
trap cleanup EXIT INT TERM
timeout --signal=TERM --kill-after=30 45m dotnet "$here/bin/Release/net10.0/Kcp.LinkEmulator.dll" matrix --out "$out" "${args[@]}" &
runner=$!
wait "$runner"
runner=""

# Debian's python3-matplotlib lives in the system interpreter, which a pyenv python3 on PATH would hide.
py=python3; [ -x /usr/bin/python3 ] && py=/usr/bin/python3
"$py" "$here/plot.py" "$out"
echo "results: $out/results.csv, $out/report.md, $out/*.svg"
