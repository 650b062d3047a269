#!/usr/bin/env bash
# The scale-out recipe on loopback (README, "Running more than one server"): starts redis (the SignalR backplane),
# N ChatHub servers and nginx balancing UDP over their KCP endpoints, prints where to connect, and stops them all on
# Ctrl+C (or after --seconds).
#
#   samples/ChatHub/deploy/run-local.sh [--servers N] [--reuseport] [--seconds S] [--no-build]
#
#   --servers N   ChatHub servers (default 3): server-1..N, KCP on FIRST_KCP_PORT.., page on FIRST_WEB_PORT..
#   --reuseport   no nginx: the servers share the KCP port LB_PORT (Kcp:Endpoints:Chat:ReusePort, Linux) and the
#                 kernel spreads clients over them
#   --seconds S   stop after S seconds (default: run until Ctrl+C)
#   --no-build    use the last Release build of samples/ChatHub
#
# Ports (environment): LB_PORT (5000, the sample's default KCP port, so `dotnet run --project samples/ChatHub --
# client` reaches the balancer as is), FIRST_KCP_PORT (5001), FIRST_WEB_PORT (5081), REDIS_PORT (6390);
# PROXY_TIMEOUT (75s, nginx's UDP session idle timeout). Needs: redis-server, nginx, libnginx-mod-stream (Debian).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)

servers=3 reuseport=0 seconds=0 build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --servers) servers=$2; shift 2 ;;
    --reuseport) reuseport=1; shift ;;
    --seconds) seconds=$2; shift 2 ;;
    --no-build) build=0; shift ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
LB_PORT=${LB_PORT:-5000} FIRST_KCP_PORT=${FIRST_KCP_PORT:-5001} FIRST_WEB_PORT=${FIRST_WEB_PORT:-5081}
REDIS_PORT=${REDIS_PORT:-6390} PROXY_TIMEOUT=${PROXY_TIMEOUT:-75s}

need() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || { echo "$1 not found: apt-get install $2" >&2; exit 1; }; }
need redis-server redis-server
[ "$reuseport" = 1 ] || need nginx "nginx libnginx-mod-stream"
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)

work=$(mktemp -d -t chathub-scale.XXXXXX)
pids=()
stop_all() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  echo "Stopped (logs were in $work)."
}
trap stop_all EXIT
trap 'exit 130' INT TERM

# Waits (60 s at most) for a line in a log, failing if the process is gone first.
wait_for() { # pid log text
  for _ in $(seq 600); do
    grep -q -- "$3" "$2" 2>/dev/null && return 0
    kill -0 "$1" 2>/dev/null || { echo "process $1 ended before '$3'; its log ($2):" >&2; cat "$2" >&2; exit 1; }
    sleep 0.1
  done
  echo "timed out waiting for '$3' in $2" >&2; exit 1
}

if [ "$build" = 1 ]; then
  dotnet build "$root/samples/ChatHub" -c Release -v quiet -nologo >/dev/null
fi
bin="$root/samples/ChatHub/bin/Release/net10.0"

redis-server "$here/redis.conf" --port "$REDIS_PORT" --dir "$work" >"$work/redis.log" 2>&1 &
pids+=($!)
wait_for $! "$work/redis.log" "Ready to accept connections"

# Every backend: the same appsettings.json (crypt, key, FEC must match the clients'), the backend.env limits, redis.
set -a
# shellcheck source=backend.env
. "$here/backend.env"
set +a
backends=""
for i in $(seq "$servers"); do
  if [ "$reuseport" = 1 ]; then kcp=$LB_PORT; else kcp=$((FIRST_KCP_PORT + i - 1)); fi
  web=$((FIRST_WEB_PORT + i - 1))
  (cd "$bin" && exec env ChatHub__ServerName="server-$i" ConnectionStrings__Redis="127.0.0.1:$REDIS_PORT" \
      Kcp__Endpoints__Chat__Url="kcp://127.0.0.1:$kcp" Kcp__Endpoints__Chat__ReusePort=$([ "$reuseport" = 1 ] && echo true || echo false) \
      Kestrel__Endpoints__Web__Url="http://127.0.0.1:$web" dotnet ChatHub.dll) >"$work/server-$i.log" 2>&1 &
  pids+=($!)
  wait_for $! "$work/server-$i.log" "ChatHub is running"
  backends+="        server 127.0.0.1:$kcp max_fails=1 fail_timeout=10s;"$'\n'
done

if [ "$reuseport" = 0 ]; then
  load_module=""
  if "$nginx_bin" -V 2>&1 | grep -q -- '--with-stream=dynamic'; then
    modules=$("$nginx_bin" -V 2>&1 | grep -o -- '--modules-path=[^ ]*' | cut -d= -f2)
    module="${modules:-/usr/lib/nginx/modules}/ngx_stream_module.so"
    [ -f "$module" ] || { echo "$module not found: apt-get install libnginx-mod-stream" >&2; exit 1; }
    load_module="load_module $module;"
  fi
  while IFS= read -r line; do
    case "$line" in
      *@BACKENDS@*) printf '%s' "$backends" ;;
      *) line=${line//@LOAD_MODULE@/$load_module}; line=${line//@PREFIX@/$work}
         line=${line//@LISTEN@/127.0.0.1:$LB_PORT}; line=${line//@PROXY_TIMEOUT@/$PROXY_TIMEOUT}
         printf '%s\n' "$line" ;;
    esac
  done <"$here/nginx.conf.template" >"$work/nginx.conf"
  "$nginx_bin" -e stderr -p "$work" -c "$work/nginx.conf" -g 'daemon off;' >"$work/nginx.log" 2>&1 &
  pids+=($!)
  wait_for $! "$work/nginx.log" "start worker process"
fi

echo "Ready: redis 127.0.0.1:$REDIS_PORT, $servers ChatHub servers$([ "$reuseport" = 1 ] && echo " sharing UDP 127.0.0.1:$LB_PORT (SO_REUSEPORT)" || echo ", nginx UDP 127.0.0.1:$LB_PORT (proxy_timeout $PROXY_TIMEOUT)")."
for i in $(seq "$servers"); do
  if [ "$reuseport" = 1 ]; then kcp=$LB_PORT; else kcp=$((FIRST_KCP_PORT + i - 1)); fi
  echo "  server-$i: KCP 127.0.0.1:$kcp, page http://127.0.0.1:$((FIRST_WEB_PORT + i - 1))/"
done
echo "  KCP clients, through the $([ "$reuseport" = 1 ] && echo "shared port" || echo "balancer"): dotnet run --project samples/ChatHub -- client --name alice --server 127.0.0.1:$LB_PORT"
echo "  Logs: $work"
if [ "$seconds" -gt 0 ]; then sleep "$seconds"; else echo "Ctrl+C stops everything."; wait "${pids[0]}"; fi
