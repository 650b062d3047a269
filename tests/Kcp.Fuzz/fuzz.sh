#!/usr/bin/env bash
# Coverage-guided fuzzing of the datagram decoders with AFL++ and SharpFuzz (outside CI; runs until stopped or
# for --seconds N). Findings land in artifacts/fuzz/findings; replay them with
#   dotnet artifacts/fuzz/bin/kcp-fuzz.dll --replay artifacts/fuzz/findings/default/crashes
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${2:-600}
[ "${1:-}" = "--seconds" ] || seconds=600
out=artifacts/fuzz
command -v afl-fuzz >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq afl++ >/dev/null; }
[ -x "$out/tools/sharpfuzz" ] || dotnet tool install SharpFuzz.CommandLine --tool-path "$out/tools" >/dev/null
dotnet publish tests/Kcp.Fuzz -c Release -o "$out/bin" >/dev/null
"$out/tools/sharpfuzz" "$out/bin/Kcp.Transport.dll"
export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
timeout --preserve-status "$seconds" afl-fuzz -i tests/Kcp.Fuzz/corpus -o "$out/findings" -t 5000 -m none -- dotnet "$out/bin/Kcp.Fuzz.dll" || true
echo "crashes: $(ls "$out/findings/default/crashes" 2>/dev/null | grep -vc README || true)"
