"""Renders the matrix: report.md (tables), latency CDFs and p99/overhead charts (SVG) from results.csv and samples/.
usage: plot.py OUT_DIR. Without matplotlib (apt: python3-matplotlib) it writes report.md and text CDF tables only."""
import csv
import os
import sys

out = sys.argv[1]
rows = list(csv.DictReader(open(os.path.join(out, "results.csv"))))
for r in rows:
    for k in ("rtt_ms", "loss_pct", "p50_ms", "p99_ms", "p999_ms", "max_ms", "throughput_mbit", "seconds"):
        r[k] = float(r[k]) if r[k] else None
    for k in ("samples", "lost", "payload_bytes", "wire_bytes", "wire_packets", "queue_drops"):
        r[k] = int(r[k]) if r.get(k) else 0

cells = sorted({(r["rtt_ms"], r["loss_pct"]) for r in rows})
configs = list(dict.fromkeys(r["config"] for r in rows))
workloads = list(dict.fromkeys(r["workload"] for r in rows))


def find(rtt, loss, workload, config):
    return next((r for r in rows if (r["rtt_ms"], r["loss_pct"], r["workload"], r["config"]) == (rtt, loss, workload, config)), None)


def fmt(v, digits=0):
    return "–" if v is None else f"{v:,.{digits}f}"


def samples(r):
    path = os.path.join(out, "samples", r["samples_file"])
    if not r["samples_file"] or not os.path.exists(path):
        return []
    return sorted(float(x) for x in open(path) if x.strip())


def overhead(r, workload):
    """Wire bytes next to TCP's for the same cell and workload (SignalR, HTTP), or per payload byte (download)."""
    if workload == "download":
        return r["wire_bytes"] / r["payload_bytes"] if r["payload_bytes"] else None
    tcp = find(r["rtt_ms"], r["loss_pct"], workload, "tcp")
    return r["wire_bytes"] / tcp["wire_bytes"] if tcp and tcp["wire_bytes"] else None


lines = ["<!-- Written by tests/Kcp.LinkEmulator/plot.py from results.csv; README \"KCP against TCP on a lossy link\" says how it was run. -->",
         "", "# KCP against TCP through the same lossy link", ""]
titles = {
    "signalr": "SignalR: one-way message delivery, ms (TCP: WebSockets); wire bytes ÷ TCP's",
    "http": "Small HTTP requests, ms; wire bytes ÷ TCP's",
    "grpc": "gRPC duplex streaming: one-way message delivery, ms (TCP: h2c); wire bytes ÷ TCP's",
    "download": "Download: Mbit/s (cut at the timeout when not complete); wire bytes ÷ payload",
}
for workload in workloads:
    lines += [f"## {titles.get(workload, workload)}", ""]
    if workload == "download":
        lines += ["| RTT | loss | config | Mbit/s | payload MiB | s | done | wire ÷ payload | queue drops |", "|---|---|---|---|---|---|---|---|---|"]
    else:
        lines += ["| RTT | loss | config | n | p50 | p99 | p99.9 | max | lost | p99 ÷ TCP | wire ÷ TCP |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for rtt, loss in cells:
        tcp = find(rtt, loss, workload, "tcp")
        for config in configs:
            r = find(rtt, loss, workload, config)
            if r is None:
                continue
            o = overhead(r, workload)
            if workload == "download":
                lines.append(f"| {rtt:g} ms | {loss:g} % | {config} | {fmt(r['throughput_mbit'], 2)} | {r['payload_bytes'] / 2**20:.1f} | {fmt(r['seconds'], 1)} | {'yes' if r['completed'] == '1' else 'no'} | {fmt(o, 2)} | {r['queue_drops']:,} |")
            else:
                ratio = r["p99_ms"] / tcp["p99_ms"] if tcp and tcp["p99_ms"] and r["p99_ms"] else None
                lines.append(f"| {rtt:g} ms | {loss:g} % | {config} | {r['samples']} | {fmt(r['p50_ms'])} | {fmt(r['p99_ms'])} | {fmt(r['p999_ms'])} | {fmt(r['max_ms'])} | {r['lost']} | {fmt(ratio, 2)} | {fmt(o, 2)} |")
    lines.append("")

try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker
except ImportError:
    plt = None

if plt is None:
    lines += ["## CDF tables (matplotlib not installed)", ""]
    for rtt, loss in cells:
        for workload in ("signalr", "http", "grpc"):
            for config in configs:
                r = find(rtt, loss, workload, config)
                s = samples(r) if r else []
                if s:
                    qs = [0.5, 0.9, 0.99, 0.999, 1.0]
                    lines.append(f"- {workload} {rtt:g} ms {loss:g} % {config}: " + ", ".join(f"p{q * 100:g} {s[min(len(s) - 1, int(q * len(s)))]:.0f}" for q in qs))
else:
    for workload in ("signalr", "http", "grpc"):
        present = [c for c in cells if any(find(c[0], c[1], workload, k) for k in configs)]
        if not present:
            continue
        cols = min(4, len(present))
        nrows = (len(present) + cols - 1) // cols
        fig, axes = plt.subplots(nrows, cols, figsize=(4.2 * cols, 3.4 * nrows), squeeze=False)
        for ax, (rtt, loss) in zip(axes.flat, present):
            for config in configs:
                r = find(rtt, loss, workload, config)
                s = samples(r) if r else []
                if s:
                    # The upper half only, at most ~600 points a curve: the SVG stays small enough to commit.
                    idx = sorted({min(len(s) - 1, int(len(s) * (0.5 + 0.5 * k / 600))) for k in range(601)})
                    xs = [s[i] for i in idx]
                    ys = [(i + 1) / len(s) for i in idx]
                    ax.plot(xs, ys, label=config, linewidth=2.2 if config in ("tcp", "fast3+fec", "fast3+copy2") else 1.1,
                            color="black" if config == "tcp" else None)
            lo, hi = ax.get_xlim()
            if hi > 3 * lo:   # a narrow range (no loss) reads better on a linear axis
                ax.set_xscale("log")
                ax.xaxis.set_major_formatter(matplotlib.ticker.ScalarFormatter())
                ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
            ax.set_ylim(0.5, 1.001)
            ax.set_title(f"RTT {rtt:g} ms, loss {loss:g} %", fontsize=9)
            ax.set_xlabel("ms")
            ax.grid(True, which="both", alpha=0.3)
        for ax in list(axes.flat)[len(present):]:
            ax.axis("off")
        axes.flat[0].legend(fontsize=7)
        fig.suptitle(f"{workload}: latency CDF (upper half), KCP presets vs TCP", fontsize=10)
        fig.tight_layout()
        fig.savefig(os.path.join(out, f"cdf-{workload}.svg"))
        plt.close(fig)

    sig = [r for r in rows if r["workload"] == "signalr"]
    rtts = sorted({r["rtt_ms"] for r in sig})
    if sig:
        fig, axes = plt.subplots(1, 2 * len(rtts), figsize=(4.2 * 2 * len(rtts), 3.4), squeeze=False)
        for i, rtt in enumerate(rtts):
            ax, bx = axes[0][2 * i], axes[0][2 * i + 1]
            for config in configs:
                pts = sorted((r["loss_pct"], r["p99_ms"], overhead(r, "signalr")) for r in sig if r["rtt_ms"] == rtt and r["config"] == config and r["p99_ms"])
                if pts:
                    ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", label=config, color="black" if config == "tcp" else None)
                    bx.plot([p[0] for p in pts], [p[2] for p in pts], marker="o", label=config, color="black" if config == "tcp" else None)
            ax.set_title(f"SignalR p99, RTT {rtt:g} ms", fontsize=9)
            ax.set_xlabel("loss % (bursty)")
            ax.set_ylabel("ms")
            ax.set_yscale("log")
            ax.grid(True, which="both", alpha=0.3)
            bx.set_title(f"SignalR wire bytes ÷ TCP's, RTT {rtt:g} ms", fontsize=9)
            bx.set_xlabel("loss % (bursty)")
            bx.grid(True, alpha=0.3)
        axes[0][0].legend(fontsize=7)
        fig.tight_layout()
        fig.savefig(os.path.join(out, "signalr-p99-overhead.svg"))
        plt.close(fig)

open(os.path.join(out, "report.md"), "w").write("\n".join(lines) + "\n")
print(os.path.join(out, "report.md"))
