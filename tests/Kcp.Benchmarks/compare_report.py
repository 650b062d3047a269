"""Renders compare.sh's raw results as one Markdown table. usage: compare_report.py RESULTS_DIR BDN_DIR BYTES"""
import glob
import json
import os
import re
import sys

results, bdn_dir, transfer_bytes = sys.argv[1], sys.argv[2], int(sys.argv[3])
rows = []  # (section, name, ours, kcp-go, ratio, note)


def fmt(value, unit=""):
    if value is None:
        return "–"
    if isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if isinstance(value, float):
        text = f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}"
    else:
        text = str(value)
    return text + unit


# --- micro-benchmarks ---
go = {}
path = os.path.join(results, "go-bench.txt")
if os.path.exists(path):
    for line in open(path):
        m = re.match(r"^Benchmark(\S+?)(-\d+)?\s+\d+\s+([\d.]+) ns/op(.*)$", line)
        if m:
            rest = m.group(4)
            b = re.search(r"([\d.]+) B/op", rest)
            go[m.group(1)] = (float(m.group(3)), float(b.group(1)) if b else None)

ours = {}
scheduler = {}
for report in glob.glob(os.path.join(bdn_dir, "results", "*-report-full-compressed.json")) + glob.glob(
        os.path.join(bdn_dir, "results", "*-report-full.json")):
    data = json.load(open(report))
    for b in data.get("Benchmarks", []):
        stats = b.get("Statistics") or {}
        mean = stats.get("Mean")
        if mean is None:
            continue
        alloc = (b.get("Memory") or {}).get("BytesAllocatedPerOperation")
        if b.get("Type") == "SchedulerBenchmarks":
            scheduler[b.get("Parameters", "")] = (mean, alloc)
        else:
            ours[b["Method"]] = (mean, alloc)

order = ["Flush", "EchoSpeed4K", "EchoSpeed64K", "EchoSpeed512K", "EchoSpeed1M", "SinkSpeed4K", "SinkSpeed64K",
         "SinkSpeed256K", "SinkSpeed1M", "AES128", "Salsa20", "CRC32", "FECEncode", "FECDecode"]
for name in order:
    o, g = ours.get(name), go.get(name)
    ratio = g[0] / o[0] if o and g else None
    rows.append(("micro (ns/op, B/op)", name,
                 f"{fmt(o[0])} ns, {fmt(o[1])} B" if o else "–",
                 f"{fmt(g[0])} ns, {fmt(g[1])} B" if g else "–",
                 f"{ratio:.2f}×" if ratio else "–", ""))
for params, (mean, alloc) in sorted(scheduler.items(), key=lambda s: int(re.sub(r"\D", "", s[0]) or 0)):
    rows.append(("scheduler tick, 10,000 sessions", params, f"{fmt(mean / 1000)} µs, {fmt(alloc)} B", "–", "–", ""))

# --- transfers ---
transfers = {}
path = os.path.join(results, "transfers.txt")
if os.path.exists(path):
    for line in open(path):
        parts = line.split()
        if len(parts) >= 4:
            transfers[parts[0]] = (None if parts[1] == "nan" else float(parts[1]),
                                   None if parts[2] == "nan" else float(parts[2]), parts[3])

ceiling = {}
path = os.path.join(results, "ceiling.txt")
if os.path.exists(path):
    for line in open(path):
        if line.startswith("{"):
            c = json.loads(line)
            ceiling[c["mode"]] = c

mb = transfer_bytes // (1024 * 1024)

def median_of(prefix):
    """Median MB/s and CPU s/GB of the rounds named prefix-1, prefix-2, ..., with the MB/s range and failed rounds."""
    runs = [v for k, v in transfers.items() if re.fullmatch(re.escape(prefix) + r"-\d+", k)]
    good = [r for r in runs if r[0] is not None and r[2] == "True"]
    if not good:
        return None
    speeds = sorted(r[0] for r in good)
    cpus = sorted(r[1] for r in good)
    return speeds[len(speeds) // 2], cpus[len(cpus) // 2], speeds[0], speeds[-1], len(runs) - len(good)

for mode in ("sink", "echo"):
    for profile, label in [("plain", "no crypto"), ("aesfec", "aes + FEC 10/3"), ("gcmfec", "aes-128-gcm + FEC 10/3"),
                           ("portable", "no crypto, portable socket backend (ours)")]:
        o, g = median_of(f"{mode}-{profile}-ours"), median_of(f"{mode}-{profile}-kcpgo")
        if not o and not g:
            continue
        ratio = o[0] / g[0] if o and g else None
        cpu = (f"CPU/GB {o[1] / g[1]:.2f}× kcp-go's" if o and g else
               "kcp-go 5.6.1 has no aes-128-gcm" if profile == "gcmfec" else "")
        failed = (o[4] if o else 0) + (g[4] if g else 0)
        note = cpu + (f"; {failed} failed run(s)" if failed else "")
        rows.append((f"transfer {mb} MB, {mode} (median MB/s [min–max]; CPU s/GB)", label,
                     f"{fmt(o[0])} MB/s [{fmt(o[2])}–{fmt(o[3])}]; {fmt(o[1])} s/GB" if o else "–",
                     f"{fmt(g[0])} MB/s [{fmt(g[2])}–{fmt(g[3])}]; {fmt(g[1])} s/GB" if g else "–",
                     f"{ratio:.2f}×" if ratio else "–", note))

for mode in ("single", "batched"):
    c = ceiling.get(mode)
    if not c:
        continue
    # The 1 GiB sink transfers of the ceiling section: long enough that start-up does not weigh in.
    o = median_of("ceiling-ours")
    g = median_of("ceiling-kcpgo")
    frac_o = f"{o[0] / c['mbps']:.0%}" if o and o[0] else "–"
    frac_g = f"{g[0] / c['mbps']:.0%}" if g and g[0] else "–"
    rows.append(("loopback ceiling (1400 B datagrams)", f"raw UDP, {mode}",
                 f"{fmt(float(c['received_pps']))} dgram/s = {c['mbps']} MB/s",
                 f"1 GiB no-crypto sink: {fmt(o[0]) if o else '–'} MB/s = {frac_o}",
                 f"{fmt(g[0]) if g else '–'} MB/s = {frac_g}", "–",
                 "transfer MB/s ÷ raw UDP MB/s (GSO/GRO can pass the raw batched figure)"))

c = ceiling.get("round-trip")
if c:
    o, g = ours.get("EchoSpeed4K"), go.get("EchoSpeed4K")
    rows.append(("loopback ceiling (1400 B datagrams)", "raw UDP round trip, two blocking threads",
                 f"{c['round_trip_us']} µs", "–", "–",
                 f"the floor under an echo; EchoSpeed4K (4 data datagrams each way): ours {fmt(o[0] / 1000 if o else None)} µs, "
                 f"kcp-go {fmt(g[0] / 1000 if g else None)} µs"))

# --- scale ---
path = os.path.join(results, "scale.txt")
scale = {}
if os.path.exists(path):
    for line in open(path):
        impl, k, payload = line.split(" ", 2)
        try:
            scale[(impl, int(k))] = json.loads(payload)
        except json.JSONDecodeError:
            scale[(impl, int(k))] = {}
def cell(r):
    if not r or "p50_ms" not in r:
        return "–"
    return (f"CPU {r['server_cpu_pct']}%, {r['server_kb_per_session']} KB/session, "
            f"p50 {r['p50_ms']} ms, p99 {r['p99_ms']} ms, {r['echoing']}/{r['sessions']} up, {r['timeouts']} timeouts")


for k in sorted({k for _, k in scale}):
    rows.append(("scale: echo 64 B/s per session", f"{k:,} sessions", cell(scale.get(("ours", k))),
                 cell(scale.get(("kcpgo", k))), "–", ""))

path = os.path.join(results, "scale-protected.txt")
if os.path.exists(path):
    protected = {}
    for line in open(path):
        impl, k, payload = line.split(" ", 2)
        try:
            protected[impl] = json.loads(payload)
        except json.JSONDecodeError:
            protected[impl] = {}
    o, g = protected.get("ours"), protected.get("kcpgo")
    ratio = (f"CPU {g['server_cpu_pct'] / o['server_cpu_pct']:.2f}× less" if o and g and o.get("server_cpu_pct") and
             g.get("server_cpu_pct") else "–")
    rows.append(("scale: echo 1 KiB × 10/s per session, aes + FEC 10/3", "1,000 sessions", cell(o), cell(g), ratio,
                 "kcp-go CPU ÷ ours"))

# --- flood ---
path = os.path.join(results, "flood.txt")
flood = {}
if os.path.exists(path):
    for line in open(path):
        impl, payload = line.split(" ", 1)
        try:
            flood[impl] = json.loads(payload)
        except json.JSONDecodeError:
            flood[impl] = {}
if flood:
    def flood_cell(r):
        if not r or "retention_pct" not in r:
            return "–"
        rss = r.get("server_rss_mb")
        return (f"{r['retention_pct']} % retained: {r['flooded_mbps']} MB/s flooded, "
                f"{r['before_mbps']} before, {r['after_mbps']} after"
                + (f"; listener RSS {rss[0]} → {rss[1]} → {rss[2]} MB" if rss else ""))
    any_run = next((r for r in flood.values() if r and "flood_pps" in r), {})
    rows.append(("flood: one session's echo under a spoofed-source flood",
                 f"{any_run.get('bytes', 0) >> 20} MB echoes; {any_run.get('sources', '?')} ports, "
                 f"{any_run.get('conversations', '?')} conversations, {any_run.get('flood_pps', '?')} dgram/s",
                 flood_cell(flood.get("ours")), flood_cell(flood.get("kcpgo")), "–",
                 "retention = flooded ÷ median without flood"))

print("| section | benchmark | ours | kcp-go 5.6.1 | kcp-go time ÷ ours (or ours ÷ kcp-go MB/s) | note |")
print("|---|---|---|---|---|---|")
for r in rows:
    print("| " + " | ".join(r) + " |")

# --- HTTP over KCP against HTTP over TCP: the `http` tool prints its own table (KCP and TCP, not ours and kcp-go) ---
path = os.path.join(results, "http.md")
if os.path.exists(path) and os.path.getsize(path) > 0:
    print()
    print("HTTP over KCP against HTTP over TCP, one Kestrel app (`Kcp.Benchmarks http`):")
    print()
    print(open(path).read().rstrip())
