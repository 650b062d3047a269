#!/usr/bin/env bash
# Out-of-band datagrams per second on loopback, one way: kcpcat (ours) against kcp-go v5.6.72's SendOOB, same settings
# on both ends, every pairing (ours->ours, kcp-go->kcp-go, ours->kcp-go, kcp-go->ours), aes-128-gcm and aes with FEC
# 10/3 (kcp-go sends OOB only with FEC on), 64-byte datagrams offered at --rates per second for --seconds each.
# Prints a Markdown table per rate: datagrams that left the sender per second (kcp-go's SendOOB drops what its send
# queue cannot take, silently: its OutPkts count what left; ours count TrySendDatagram's true), datagrams the
# receiving application got per second, and that as a share of what left; median of --rounds. Each listener serves
# one warm-up session per sender first: a fresh process's first second (JIT, first allocations) is not measured. Not
# run by CI (kcp-go 5.6.1, the only one CI has, has no OOB).
#
# usage: tests/Kcp.Benchmarks/datagrams.sh UPSTREAM_PEER [--rates 25000,50000,100000,200000] [--seconds 2] [--size 64]
#        [--rounds 1] [--queue 4096]
# --queue: our sessions' DatagramQueueLength (kcpcat --datagram-queue). kcp-go hands each datagram to its callback on
# the receive goroutine; ours queue it for an async reader, and at 100k/s a reader that loses the CPU for half a
# millisecond overflows the default 64.
#
# UPSTREAM_PEER is a program built against kcp-go >= v5.6.60 with this command line (ours was built by hand from the
# fetched repository with Go 1.19 back-ports; README "Unreliable datagrams" says how):
#   PEER listen HOST:PORT --crypt C --key K --ds 10 --ps 3 --mode count --timeout S
#       prints {"event":"listening","addr":"ip:port"} first and, for each session 2 s after its last datagram,
#       {"event":"session","datagrams":N}
#   PEER dial HOST:PORT --crypt C --key K --ds 10 --ps 3 --count N --size B --interval-us U
#       calls SendOOB N times, one every U microseconds (paced from the start); prints one JSON line with "send_seconds"
#       and "snmp_out" (DefaultSnmp.OutPkts: the datagrams that left)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
[ $# -ge 1 ] || { sed -n '2,24p' "$0" >&2; exit 2; }
peer="$(realpath "$1")"; shift
rates="25000,50000,100000,200000"
seconds=2
size=64
rounds=1
queue=4096
while [ $# -gt 0 ]; do
  case "$1" in
    --rates) rates="$2"; shift;;
    --seconds) seconds="$2"; shift;;
    --size) size="$2"; shift;;
    --rounds) rounds="$2"; shift;;
    --queue) queue="$2"; shift;;
    *) echo "unknown argument $1" >&2; exit 2;;
  esac
  shift
done
[ -x "$peer" ] || { echo "$peer is not an executable" >&2; exit 2; }

dotnet build "$root/samples/KcpCat" -c Release -v q -nologo >/dev/null
kcpcat=(dotnet "$root/samples/KcpCat/bin/Release/net10.0/kcpcat.dll")
work="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

listening_addr() {
  for _ in $(seq 1 200); do
    addr=$(sed -n 's/.*"addr":"\([^"]*\)".*/\1/p' "$1" | head -n1)
    [ -n "$addr" ] && { echo "$addr"; return; }
    sleep 0.1
  done
}

# The datagram count of the N-th session line a listener printed (waits up to 40 s for it).
session_count() {
  local out="$1" n="$2"
  for _ in $(seq 1 400); do
    local got
    got=$(python3 -c '
import json, sys
seen = 0
for line in open(sys.argv[1]):
    line = line.strip()
    if not line.startswith("{"): continue
    e = json.loads(line)
    if e.get("event") == "session" and "datagrams" in e:
        seen += 1
        if seen == int(sys.argv[2]): print(e["datagrams"]); break
' "$out" "$n")
    [ -n "$got" ] && { echo "$got"; return; }
    sleep 0.1
  done
  echo 0
}

# dial SENDER CRYPT RATE SECONDS ADDR -> "left seconds" (the datagrams that left the sender and its send time)
dial() {
  local sender="$1" crypt="$2" rate="$3" secs="$4" addr="$5"
  local count; count=$(python3 -c "print(int($rate * $secs))")
  local interval; interval=$(python3 -c "print(max(1, round(1e6 / $rate)))")
  local out="$work/dial.out"
  if [ "$sender" = ours ]; then
    # One byte on the stream: its ACK is what the dialer hears back (a session that hears nothing within
    # KcpOptions.ConnectTimeout ends, datagrams or not).
    "${kcpcat[@]}" dial "$addr" --mode sink --bytes 1 --datagrams "$count" --datagram-size "$size" --datagram-interval "$interval" \
      "${flags_ours[@]}" --crypt "$crypt" --timeout 120 >"$out" 2>&1 || true
  else
    "$peer" dial "$addr" "${flags_up[@]}" --crypt "$crypt" --count "$count" --size "$size" --interval-us "$interval" --wait-ms 200 >"$out" 2>&1 || true
  fi
  python3 - "$out" <<'PY'
import json, sys
line = [l for l in open(sys.argv[1]) if l.startswith("{")][-1]
r = json.loads(line)
if "datagram_seconds" in r:
    print(r["datagrams_sent"], r["datagram_seconds"])
else:
    print(r["snmp_out"], r["send_seconds"])
PY
}

key="i31 benchmark"
flags_ours=(--key "$key" --datashard 10 --parityshard 3 --mode-preset fast3 --datagram-queue "$queue")
flags_up=(--key "$key" --ds 10 --ps 3)

declare -A rows
# One listener per receiver and cipher, warmed up by a first session (a fresh process's first second, JIT and all,
# is not what is measured), then one session per rate, sender and round.
for receiver in ours upstream; do
  for crypt in aes-128-gcm aes; do
    out="$work/listen-$receiver-$crypt.out"
    if [ "$receiver" = ours ]; then
      "${kcpcat[@]}" listen 127.0.0.1:0 --mode sink "${flags_ours[@]}" --crypt "$crypt" --timeout 3600 >"$out" 2>&1 &
    else
      "$peer" listen 127.0.0.1:0 --mode count "${flags_up[@]}" --crypt "$crypt" --timeout 3600 >"$out" 2>&1 &
    fi
    lpid=$!
    pids+=("$lpid")
    addr=$(listening_addr "$out")
    [ -n "$addr" ] || { echo "listener did not start: $(cat "$out")" >&2; exit 1; }
    sessions=0
    for sender in ours upstream; do
      dial "$sender" "$crypt" 25000 1 "$addr" >/dev/null
      sessions=$((sessions + 1)); session_count "$out" "$sessions" >/dev/null
    done

    for rate in ${rates//,/ }; do
      for sender in ours upstream; do
        for _ in $(seq 1 "$rounds"); do
          read -r left secs < <(dial "$sender" "$crypt" "$rate" "$seconds" "$addr")
          sessions=$((sessions + 1))
          got=$(session_count "$out" "$sessions")
          rows["$rate $sender $receiver $crypt"]+="$left $secs $got;"
        done
      done
    done

    kill "$lpid" 2>/dev/null || true
    wait "$lpid" 2>/dev/null || true
  done
done

echo "| offered/s | sender → receiver | crypt (FEC 10/3) | left the sender/s | delivered/s | delivered |"
echo "|---:|---|---|---:|---:|---:|"
for rate in ${rates//,/ }; do
  for crypt in aes-128-gcm aes; do
    for pair in "ours ours" "upstream upstream" "ours upstream" "upstream ours"; do
      set -- $pair
      echo "${rows["$rate $1 $2 $crypt"]}" | tr ';' '\n' | python3 -c '
import sys, statistics
rows = [tuple(map(float, l.split())) for l in sys.stdin if l.strip()]
left = statistics.median(r[0] / r[1] for r in rows)
got = statistics.median(r[2] / r[1] for r in rows)
share = statistics.median(r[2] / r[0] if r[0] else 0 for r in rows)
names = {"ours": "ours", "upstream": "kcp-go"}
print(f"| {int(sys.argv[4]):,} | {names[sys.argv[1]]} → {names[sys.argv[2]]} | {sys.argv[3]} | {left:,.0f} | {got:,.0f} | {share:.1%} |")
' "$1" "$2" "$crypt" "$rate"
    done
  done
done
