#!/usr/bin/env bash
# Measures the scale-out recipe on this machine (README, "Running more than one server"):
#   - the latency the nginx hop adds: --ping round trips (GetServerName) straight to a server and through nginx;
#   - broadcast throughput, 3 servers vs 1 behind nginx with the Redis backplane: --bots connections through
#     the balancer broadcast in a closed loop for --seconds (ChatHub client --bench); messages sent per second, and
#     delivered per second (each message reaches every bot), and how the balancer spread the sessions.
#
#   samples/ChatHub/deploy/measure.sh [--bots N (30)] [--seconds S (15)] [--pings N (2000)]
#
# Ports: LB_PORT (5600), FIRST_KCP_PORT (5601), FIRST_WEB_PORT (5681), REDIS_PORT (6391), as run-local.sh takes them.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
bots=30 seconds=15 pings=2000
while [ $# -gt 0 ]; do
  case "$1" in
    --bots) bots=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --pings) pings=$2; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
export LB_PORT=${LB_PORT:-5600} FIRST_KCP_PORT=${FIRST_KCP_PORT:-5601} FIRST_WEB_PORT=${FIRST_WEB_PORT:-5681} REDIS_PORT=${REDIS_PORT:-6391}
bin="$root/samples/ChatHub/bin/Release/net10.0"
dotnet build "$root/samples/ChatHub" -c Release -v quiet -nologo >/dev/null

cluster="" log=$(mktemp)
stop_cluster() {
  if [ -n "$cluster" ]; then kill -TERM "$cluster" 2>/dev/null || true; wait "$cluster" 2>/dev/null || true; cluster=""; fi
}
trap 'stop_cluster; rm -f "$log"' EXIT
start_cluster() { # servers
  "$here/run-local.sh" --servers "$1" --no-build >"$log" 2>&1 &
  cluster=$!
  for _ in $(seq 1200); do
    grep -q '^Ready' "$log" && return 0
    kill -0 "$cluster" 2>/dev/null || { cat "$log" >&2; exit 1; }
    sleep 0.1
  done
  echo "the cluster did not start in 120 s" >&2; cat "$log" >&2; exit 1
}
client() { (cd "$bin" && timeout 300 dotnet ChatHub.dll client --name measure "$@") | tail -n 1; }
field() { grep -o "\"$1\":[^,}]*" <<<"$2" | head -n1 | cut -d: -f2-; }

echo "== 3 servers, redis, nginx on 127.0.0.1:$LB_PORT ($(nproc) cores)"
start_cluster 3
direct=$(client --ping "$pings" --server "127.0.0.1:$FIRST_KCP_PORT"); echo "ping straight to server-1: $direct"
through=$(client --ping "$pings" --server "127.0.0.1:$LB_PORT"); echo "ping through nginx:        $through"
three=$(client --bots "$bots" --bench "$seconds" --server "127.0.0.1:$LB_PORT"); echo "bench, 3 servers:          $three"
stop_cluster

echo "== 1 server, redis, nginx"
start_cluster 1
one=$(client --bots "$bots" --bench "$seconds" --server "127.0.0.1:$LB_PORT"); echo "bench, 1 server:           $one"
stop_cluster

echo "== summary"
awk -v d50="$(field p50Ms "$direct")" -v t50="$(field p50Ms "$through")" -v d99="$(field p99Ms "$direct")" -v t99="$(field p99Ms "$through")" \
  'BEGIN { printf "nginx hop: +%.3f ms at p50 (%.3f -> %.3f ms), +%.3f ms at p99 (%.3f -> %.3f ms)\n", t50 - d50, d50, t50, t99 - d99, d99, t99 }'
awk -v s1="$(field sentPerSecond "$one")" -v s3="$(field sentPerSecond "$three")" -v r1="$(field deliveredPerSecond "$one")" -v r3="$(field deliveredPerSecond "$three")" \
  'BEGIN { printf "broadcasts/s: 1 server %.0f, 3 servers %.0f (ratio %.2f); deliveries/s: %.0f vs %.0f\n", s1, s3, s3 / s1, r1, r3 }'
echo "sessions per server (3 servers, $bots bots): $(grep -o '"sessionsPerServer":{[^}]*}' <<<"$three" | cut -d: -f2-)"
