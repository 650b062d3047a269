// The health panel: polls /api/kcp-stats once a second and draws the last two minutes on a canvas.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const canvas = $("chart");
  const context = canvas.getContext("2d");

  const number = (value, digits = 0) => Number(value || 0).toLocaleString(undefined, { maximumFractionDigits: digits });
  const bytes = (value) => {
    const units = ["B", "KB", "MB", "GB"];
    let v = Number(value || 0), i = 0;
    while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
    return `${v.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
  };

  function drawSeries(points, pick, color, width, height) {
    const values = points.map(pick);
    const max = Math.max(1, ...values);
    context.strokeStyle = color;
    context.lineWidth = 2;
    context.beginPath();
    values.forEach((v, i) => {
      // Newest sample at the right edge; 120 samples span the width.
      const x = width - (values.length - 1 - i) * (width / 119);
      const y = height - 8 - (v / max) * (height - 24);
      if (i === 0) context.moveTo(x, y); else context.lineTo(x, y);
    });
    context.stroke();
    return max;
  }

  function draw(history) {
    const { width, height } = canvas;
    context.clearRect(0, 0, width, height);
    context.strokeStyle = "#e3e6ea";
    context.lineWidth = 1;
    for (let i = 1; i < 4; i++) {
      const y = (height / 4) * i;
      context.beginPath(); context.moveTo(0, y); context.lineTo(width, y); context.stroke();
    }
    if (history.length < 2) return;
    const rttMax = drawSeries(history, (s) => s.averageRttMs, "#d9480f", width, height);
    const bytesMax = drawSeries(history, (s) => s.bytesInPerSecond + s.bytesOutPerSecond, "#3558c8", width, height);
    const retransMax = drawSeries(history, (s) => s.retransmitsPerSecond, "#a61e4d", width, height);
    context.fillStyle = "#555";
    context.font = "11px system-ui, sans-serif";
    context.fillText(`max ${number(rttMax)} ms · ${bytes(bytesMax)}/s · ${number(retransMax, 1)} retrans/s`, 6, 12);
  }

  function show(report) {
    const latest = report.latest || {};
    $("f-sessions").textContent = number(report.activeSessions);
    $("f-rtt").textContent = `${number(latest.averageRttMs, 1)} / ${number(latest.maxRttMs)} ms`;
    $("f-retrans").textContent = `${number(latest.retransmittedSegments)} (${number(latest.retransmitsPerSecond, 1)}/s)`;
    $("f-fec").textContent = `${number(latest.fecRecovered)} (${number(latest.fecRecoveredPerSecond, 1)}/s)`;
    $("f-bytes").textContent = `${bytes(latest.bytesInPerSecond)} / ${bytes(latest.bytesOutPerSecond)}`;
    $("f-segments").textContent = `${number(latest.segmentsInPerSecond)} / ${number(latest.segmentsOutPerSecond)}`;

    const body = $("sessions");
    body.replaceChildren(...report.sessions.map((s) => {
      const row = document.createElement("tr");
      for (const cell of [s.remote, s.conversation, `${s.rttMs} ms`, `${s.rtoMs} ms`, s.inFlight,
        number(s.retransmittedSegments), number(s.fecRecovered), bytes(s.bytesSent), bytes(s.bytesReceived)]) {
        const td = document.createElement("td");
        td.textContent = String(cell);
        row.appendChild(td);
      }
      return row;
    }));
    draw(report.history);
    showTransport(report.transport);
  }

  // Cumulative counters since start, named like kcp-go's Snmp; the same values /metrics exports.
  const transportFigures = [
    ["Datagrams in / out", (t) => `${number(t.inPackets)} / ${number(t.outPackets)}`],
    ["UDP bytes in / out", (t) => `${bytes(t.inBytes)} / ${bytes(t.outBytes)}`],
    ["Segments in / out", (t) => `${number(t.inSegments)} / ${number(t.outSegments)}`],
    ["Retransmitted (lost / fast / early)", (t) => `${number(t.retransmittedSegments)} (${number(t.lostSegments)} / ${number(t.fastRetransmittedSegments)} / ${number(t.earlyRetransmittedSegments)})`],
    ["FEC recovered / parity", (t) => `${number(t.fecRecovered)} / ${number(t.fecParityShards)}`],
    ["Dropped / checksum errors", (t) => `${number(t.droppedDatagrams)} / ${number(t.inChecksumErrors)}`],
    ["Sessions opened / peak / refused", (t) => `${number(t.passiveOpens)} / ${number(t.maxConnections)} / ${number(t.refusedSessions)}`],
  ];

  function showTransport(transport) {
    if (!transport) return;
    $("transport").replaceChildren(...transportFigures.map(([label, format]) => {
      const item = document.createElement("div");
      const dt = document.createElement("dt");
      const dd = document.createElement("dd");
      dt.textContent = label;
      dd.textContent = format(transport);
      item.append(dt, dd);
      return item;
    }));
  }

  async function poll() {
    try {
      const response = await fetch("/api/kcp-stats", { cache: "no-store" });
      if (response.ok) show(await response.json());
    } catch {
      // Server restarting: keep polling.
    }
    setTimeout(poll, 1000);
  }

  poll();
})();
