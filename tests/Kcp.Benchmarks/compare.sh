#!/usr/bin/env bash
# Side-by-side performance of this repository and kcp-go 5.6.1, printed as one table (Markdown):
#   1. micro-benchmarks: our BenchmarkDotNet figures next to kcp-go's own `go test -bench` (built offline from
#      Debian's source, copied to a temporary GOPATH), with the ratio kcp-go time / our time (> 1: we are faster);
#   2. the scheduler: one tick over 10,000 sessions, 100 / 1,000 / 10,000 of them busy;
#   3. process-level loopback transfers: kcpcat vs our kcp-go peer, same flags (kcptun's: fast3, windows 1024, MTU
#      1350), echo and sink × {no crypto}, {aes, FEC 10/3}, {aes-128-gcm, FEC 10/3: ours only, kcp-go 5.6.1 has no
#      GCM}, --rounds alternated runs each: median MB/s and CPU s/GB (both processes, from /proc);
#   4. the loopback ceiling: raw UDP datagrams/s (one call per datagram, and batched), and a 1 GiB no-crypto sink
#      transfer of each side as a fraction of it (long enough to be past start-up); and the raw UDP round trip
#      between two blocking threads, the floor under an echo;
#   5. scale: K concurrent sessions against one echo listener (ours, kcp-go's), 64 bytes each once a second, and
#      1,000 sessions echoing 1 KiB ten times a second through aes + FEC 10/3: listener CPU %, resident memory per
#      session, echo latency p50/p99;
#   6. flood: one established session's echo rate before, during and after a flood of data segments from 1,000
#      source ports (4,000 made-up conversations, 20,000 datagrams/s) against each echo listener: retention %;
#   7. http: HTTP over KCP against HTTP over TCP on one Kestrel app (HTTP/1.1 and h2c, 13 B and 1 MiB responses, gRPC
#      unary and server streaming), transports alternated, --rounds rounds: median, ratio KCP ÷ TCP, CPU per unit.
#
# usage: tests/Kcp.Benchmarks/compare.sh [--quick] [--skip micro,transfer,ceiling,scale,flood,http] [--sessions "1000 5000 10000"]
#        [--bytes N] [--seconds S] [--rounds R]
# --quick: BenchmarkDotNet short runs, 64 MB transfers, 1,000 sessions. Needs Go and golang-github-xtaci-kcp-dev.
# The machine's other load shows in every figure: run it on a quiet machine and compare within one run.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

skip=""
sessions_list="1000 5000 10000"
bytes=$((128 * 1024 * 1024))
rounds=3
seconds=20
http_seconds=3
bdn_job="--job short"
go_benchtime="1s"
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) bdn_job="--job dry"; bytes=$((64 * 1024 * 1024)); sessions_list="1000"; seconds=10; http_seconds=1; go_benchtime="200ms";;
    --skip) skip="$2"; shift;;
    --sessions) sessions_list="$2"; shift;;
    --bytes) bytes="$2"; shift;;
    --seconds) seconds="$2"; shift;;
    --rounds) rounds="$2"; shift;;
    *) echo "unknown argument $1" >&2; exit 2;;
  esac
  shift
done
skipped() { [[ ",$skip," == *",$1,"* ]]; }

work="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

echo "building..." >&2
dotnet build samples/KcpCat -c Release -v q -nologo >/dev/null
dotnet build tests/Kcp.Benchmarks -c Release -v q -nologo >/dev/null
bash tests/GoPeer/build.sh >&2
kcpcat=(dotnet "$root/samples/KcpCat/bin/Release/net10.0/kcpcat.dll")
gopeer=("$root/artifacts/gopeer/kcp-go-peer")
bench=(dotnet "$root/tests/Kcp.Benchmarks/bin/Release/net10.0/Kcp.Benchmarks.dll")
results="$work/results"
mkdir -p "$results"

# ---- 1, 2: micro-benchmarks ------------------------------------------------------------------------------------
if ! skipped micro; then
  echo "kcp-go go test -bench (offline GOPATH copy)..." >&2
  gopath="$work/gopath"
  mkdir -p "$gopath/src/github.com/xtaci"
  cp -r /usr/share/gocode/src/github.com/xtaci/kcp-go "$gopath/src/github.com/xtaci/kcp-go"
  chmod -R u+w "$gopath"
  # autotune_test.go needs testify, which Debian does not ship with kcp-go; it holds no benchmark.
  rm -f "$gopath/src/github.com/xtaci/kcp-go/autotune_test.go"
  (cd "$gopath/src/github.com/xtaci/kcp-go" &&
    GO111MODULE=off GOPATH="$gopath:/usr/share/gocode" GOFLAGS= GOCACHE="$work/gocache" \
      go test -run '^$' -benchmem -benchtime "$go_benchtime" \
      -bench '^Benchmark(Flush|EchoSpeed(4K|64K|512K|1M)|SinkSpeed(4K|64K|256K|1M)|AES128|Salsa20|CRC32|FECEncode|FECDecode)$' \
      . ) >"$results/go-bench.txt" 2>&1 || { cat "$results/go-bench.txt" >&2; echo "go test -bench failed" >&2; }

  echo "BenchmarkDotNet ($bdn_job)..." >&2
  # shellcheck disable=SC2086
  (cd "$here" && "${bench[@]}" $bdn_job --exporters json --artifacts "$work/bdn" --filter \
    '*SessionBenchmarks.*' '*CryptBenchmarks.AES128' '*CryptBenchmarks.Salsa20' '*CryptBenchmarks.CRC32' \
    '*FecBenchmarks.*' '*KcpControlBlockBenchmarks.Flush' '*SchedulerBenchmarks.*') >"$results/bdn.log" 2>&1 ||
    { tail -50 "$results/bdn.log" >&2; echo "BenchmarkDotNet failed" >&2; }
fi

# ---- 3: process-level transfers --------------------------------------------------------------------------------
cpu_of() { # utime + stime of a live process, in seconds
  awk '{ sub(/.*\) /, ""); print ($12 + $13) / 100 }' "/proc/$1/stat"
}

# transfer NAME IMPL MODE FLAGS...: one echo or sink transfer of $bytes; writes "NAME mbps cpu_s_per_gb ok" to
# transfers.txt (MB/s of payload sent by the dialer; CPU of both processes per GB of that payload)
# The address a kcpcat / kcp-go-peer listener printed in its "listening" event (empty after 20 s without one).
listening_addr() {
  local addr=""
  for _ in $(seq 1 200); do
    addr=$(sed -n 's/.*"event":"listening","addr":"\([^"]*\)".*/\1/p' "$1" | head -n1)
    [ -n "$addr" ] && break
    sleep 0.1
  done
  echo "$addr"
}

transfer() {
  local name="$1" impl="$2" mode="$3"; shift 3
  local cmd
  if [ "$impl" = ours ]; then cmd=("${kcpcat[@]}"); else cmd=("${gopeer[@]}"); fi
  local out="$work/$name.listen"
  "${cmd[@]}" listen 127.0.0.1:0 --mode "$mode" --bytes "$bytes" --timeout 600 "$@" >"$out" 2>&1 &
  local lpid=$!
  pids+=("$lpid")
  local addr; addr=$(listening_addr "$out")
  [ -n "$addr" ] || { echo "$name: listener did not start" >&2; cat "$out" >&2; return 0; }
  local dial_out="$work/$name.dial"
  /usr/bin/time -f '%U %S' -o "$work/$name.time" "${cmd[@]}" dial "$addr" --mode "$mode" --bytes "$bytes" --timeout 600 "$@" \
    >"$dial_out" 2>"$work/$name.dial.err" || true
  sleep 0.5
  local lcpu; lcpu=$(cpu_of "$lpid" 2>/dev/null || echo 0)
  kill "$lpid" 2>/dev/null || true
  wait "$lpid" 2>/dev/null || true
  local dcpu; dcpu=$(awk '{ print $1 + $2 }' "$work/$name.time" 2>/dev/null || echo 0)
  python3 - "$name" "$dial_out" "$dcpu" "$lcpu" >>"$results/transfers.txt" <<'EOF'
import json, sys
name, path, dcpu, lcpu = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
try:
    line = [l for l in open(path) if l.startswith("{")][-1]
    r = json.loads(line)
    mb = r["bytes"] * r.get("sessions", 1) / 1e6
    print(name, round(mb / r["seconds"], 1), round((dcpu + lcpu) / (mb / 1e3), 2), r.get("ok", False))
except Exception as e:
    print(name, "nan", "nan", "error:" + type(e).__name__)
EOF
}

tuning=(--mode-preset fast3 --sndwnd 1024 --rcvwnd 1024 --mtu 1350)
plain=(--crypt null)
aesfec=(--crypt aes --key compare --datashard 10 --parityshard 3)
gcmfec=(--crypt aes-128-gcm --key compare --datashard 10 --parityshard 3)
if ! skipped transfer; then
  echo "transfers ($bytes bytes each, $rounds rounds alternated)..." >&2
  : >"$results/transfers.txt"
  for round in $(seq 1 "$rounds"); do
    for mode in sink echo; do
      transfer "$mode-plain-ours-$round" ours "$mode" "${plain[@]}" "${tuning[@]}"
      transfer "$mode-plain-kcpgo-$round" kcpgo "$mode" "${plain[@]}" "${tuning[@]}"
      transfer "$mode-aesfec-ours-$round" ours "$mode" "${aesfec[@]}" "${tuning[@]}"
      transfer "$mode-aesfec-kcpgo-$round" kcpgo "$mode" "${aesfec[@]}" "${tuning[@]}"
      transfer "$mode-gcmfec-ours-$round" ours "$mode" "${gcmfec[@]}" "${tuning[@]}"
    done
    transfer "sink-portable-ours-$round" ours sink "${plain[@]}" --socket-backend portable "${tuning[@]}"
  done
fi

# ---- 4: the loopback ceiling -----------------------------------------------------------------------------------
if ! skipped ceiling; then
  echo "UDP ceiling..." >&2
  "${bench[@]}" ceiling --seconds 3 >"$results/ceiling.txt" 2>&1 || true
  for round in $(seq 1 "$rounds"); do
    bytes=$((1024 * 1024 * 1024)) transfer "ceiling-ours-$round" ours sink "${plain[@]}" "${tuning[@]}"
    bytes=$((1024 * 1024 * 1024)) transfer "ceiling-kcpgo-$round" kcpgo sink "${plain[@]}" "${tuning[@]}"
  done
fi

# ---- 5: scale --------------------------------------------------------------------------------------------------
if ! skipped scale; then
  : >"$results/scale.txt"
  for k in $sessions_list; do
    for impl in ours kcpgo; do
      echo "scale: $k sessions, $impl listener..." >&2
      # The load comes from one address: lift our per-prefix admission limits (kcp-go has none) for this test.
      if [ "$impl" = ours ]; then cmd=("${kcpcat[@]}"); admission=(--session-rate 0 --max-unvalidated 20000); else cmd=("${gopeer[@]}"); admission=(); fi
      out="$work/scale-$impl-$k.listen"
      "${cmd[@]}" listen 127.0.0.1:0 --mode echo --mode-preset fast --timeout 900 "${admission[@]}" >"$out" 2>&1 &
      lpid=$!
      pids+=("$lpid")
      addr=$(listening_addr "$out")
      sleep 1
      line=$(timeout 600 "${bench[@]}" load "$addr" --sessions "$k" --seconds "$seconds" --mode-preset fast --server-pid "$lpid" 2>/dev/null | tail -n1 || true)
      echo "$impl $k ${line:-{\}}" >>"$results/scale.txt"
      kill "$lpid" 2>/dev/null || true
      wait "$lpid" 2>/dev/null || true
    done
  done

  # The protected load: 1,000 sessions, 1 KiB ten times a second each, aes + FEC 10/3 (kcptun's default protection).
  : >"$results/scale-protected.txt"
  for impl in ours kcpgo; do
    echo "scale: 1000 sessions, 1 KiB × 10/s, aes + FEC 10/3, $impl listener..." >&2
    if [ "$impl" = ours ]; then cmd=("${kcpcat[@]}"); admission=(--session-rate 0 --max-unvalidated 20000); else cmd=("${gopeer[@]}"); admission=(); fi
    out="$work/scale-protected-$impl.listen"
    "${cmd[@]}" listen 127.0.0.1:0 --mode echo --mode-preset fast "${aesfec[@]}" --timeout 900 "${admission[@]}" >"$out" 2>&1 &
    lpid=$!
    pids+=("$lpid")
    addr=$(listening_addr "$out")
    sleep 1
    line=$(timeout 600 "${bench[@]}" load "$addr" --sessions 1000 --size 1024 --interval-ms 100 --seconds "$seconds" \
      --mode-preset fast "${aesfec[@]}" --server-pid "$lpid" 2>/dev/null | tail -n1 || true)
    echo "$impl 1000 ${line:-{\}}" >>"$results/scale-protected.txt"
    kill "$lpid" 2>/dev/null || true
    wait "$lpid" 2>/dev/null || true
  done
fi

# ---- 6: flood ------------------------------------------------------------------------------------------------
if ! skipped flood; then
  : >"$results/flood.txt"
  for impl in ours kcpgo; do
    echo "flood: $impl listener..." >&2
    if [ "$impl" = ours ]; then cmd=("${kcpcat[@]}"); else cmd=("${gopeer[@]}"); fi
    out="$work/flood-$impl.listen"
    "${cmd[@]}" listen 127.0.0.1:0 --mode echo "${tuning[@]}" --timeout 600 >"$out" 2>&1 &
    lpid=$!
    pids+=("$lpid")
    addr=$(listening_addr "$out")
    line=$(timeout 300 "${bench[@]}" flood "$addr" --sources 1000 --convs 4 --pps 20000 "${tuning[@]}" --server-pid "$lpid" 2>/dev/null | tail -n1 || true)
    echo "$impl ${line:-{\}}" >>"$results/flood.txt"
    kill "$lpid" 2>/dev/null || true
    wait "$lpid" 2>/dev/null || true
  done
fi

# ---- 7: HTTP over KCP against HTTP over TCP --------------------------------------------------------------------
if ! skipped http; then
  echo "http: HTTP/1.1, h2c and gRPC over KCP and TCP, one Kestrel app ($rounds rounds of $http_seconds s)..." >&2
  timeout 1200 "${bench[@]}" http --seconds "$http_seconds" --rounds "$rounds" --json "$results/http.json" \
    >"$results/http.md" 2>"$work/http.log" || { tail -20 "$work/http.log" >&2; echo "http: an operation failed" >&2; }
fi

# ---- the table -------------------------------------------------------------------------------------------------
python3 "$here/compare_report.py" "$results" "$work/bdn" "$bytes"
