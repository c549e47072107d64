// Turns a results JSON into the summary table in bench/RESULTS.md and an SVG chart of latency against delivered rate.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const START = "<!-- side-by-side:start -->";
const END = "<!-- side-by-side:end -->";
const n0 = (x) => (x === null || x === undefined ? "–" : Math.round(x).toLocaleString("en-US"));
const n1 = (x) => (x === null || x === undefined ? "–" : x.toFixed(1));
const range = (m, f = n0) => (m ? `${f(m.median)} (${f(m.min)}–${f(m.max)})` : "–");
const ratio = (a, b) => (a && b ? `${(a / b).toFixed(2)}×` : "–");

function atHalfOf(points, rate) {
  // The sweep point closest to half of another server's maximum sustainable rate.
  const target = rate / 2;
  return points.reduce((best, p) => (!best || Math.abs(p.deliveredPerSecond.median - target) < Math.abs(best.deliveredPerSecond.median - target) ? p : best), null);
}

function svgChart(results) {
  const colors = { grainchat: "#3559e0", "bare-signalr": "#1a7f37", socketio: "#b54708" };
  const series = Object.entries(results.servers).map(([name, s]) => ({ name, points: s.fanout.points.filter((p) => p.p99Ms) }));
  const all = series.flatMap((s) => s.points);
  const maxX = Math.max(1, ...all.map((p) => p.deliveredPerSecond.median));
  const maxY = Math.max(1, ...all.map((p) => Math.min(p.p99Ms.median, 1000)));
  const [w, h, left, bottom] = [640, 360, 60, 40];
  const x = (v) => left + (v / maxX) * (w - left - 20);
  const y = (v) => h - bottom - (Math.min(v, 1000) / maxY) * (h - bottom - 20);
  const lines = series.map((s) => `<polyline fill="none" stroke="${colors[s.name]}" stroke-width="2" points="${s.points.map((p) => `${x(p.deliveredPerSecond.median).toFixed(1)},${y(p.p99Ms.median).toFixed(1)}`).join(" ")}"/>`
    + s.points.map((p) => `<circle cx="${x(p.deliveredPerSecond.median).toFixed(1)}" cy="${y(p.p99Ms.median).toFixed(1)}" r="3" fill="${colors[s.name]}"/>`).join(""));
  const legend = series.map((s, i) => `<text x="${left + 10}" y="${20 + i * 16}" fill="${colors[s.name]}" font-size="12">${s.name}</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
<line x1="${left}" y1="${h - bottom}" x2="${w - 20}" y2="${h - bottom}" stroke="#999"/><line x1="${left}" y1="20" x2="${left}" y2="${h - bottom}" stroke="#999"/>
<text x="${(w + left) / 2}" y="${h - 8}" text-anchor="middle" font-size="12">delivered messages/s (fan-out ${results.parameters.fanout.rooms}×${results.parameters.fanout.members}; max ${n0(maxX)})</text>
<text x="14" y="${h / 2}" transform="rotate(-90 14 ${h / 2})" text-anchor="middle" font-size="12">p99 latency ms (max ${n0(maxY)})</text>
<line x1="${left}" y1="${y(100)}" x2="${w - 20}" y2="${y(100)}" stroke="#ccc" stroke-dasharray="4 4"/><text x="${w - 22}" y="${y(100) - 4}" text-anchor="end" font-size="10" fill="#999">100 ms</text>
${lines.join("\n")}
${legend.join("\n")}
</svg>`;
}

exports.writeReport = (results, jsonFile) => {
  const chartFile = jsonFile.replace(/\.json$/, ".svg");
  fs.writeFileSync(chartFile, svgChart(results));
  const s = results.servers;
  const g = s.grainchat; const b = s["bare-signalr"]; const io = s.socketio;
  const rel = (f) => path.relative(__dirname, f);
  const lines = [START, "", `## Side by side (issue 6) — ${results.quick ? "QUICK run (harness check, small sizes; not for comparison)" : "full run"}, ${results.date}`, "",
    `**Machine:** ${results.machine.cores} cores (${results.machine.cpu}), ${results.machine.memoryGiB} GiB, ${results.machine.os}. `
    + `**Versions:** .NET SDK ${results.versions.dotnet}, Node ${results.versions.node}, @microsoft/signalr ${results.versions.signalrClient}, socket.io ${results.versions.socketio}. `
    + `Load generator: ${results.workers} Node worker processes on the same machine (its CPU is reported). GrainChat: Release build, separate process, SQLite unless the row says otherwise; rate limit lifted for the run.`, "",
    `**Parameters:** ${JSON.stringify(results.parameters)}. Each figure: median of ${results.parameters.runs} run(s) (min–max). Raw data: \`${rel(jsonFile)}\`. Run time ${results.durationMinutes.toFixed(1)} min.`, "",
    "### Fan-out and big room", "",
    "| server | scenario | max sustainable delivered/s (p99 < 100 ms, no loss) | at the highest rate tried: delivered/s, p50 / p99 / max ms, lost, server CPU %, RSS MB, load-gen CPU % |",
    "| --- | --- | ---: | --- |"];
  for (const [name, entry] of Object.entries(s)) {
    for (const key of ["fanout", "bigRoom"]) {
      const last = entry[key].points.at(-1);
      lines.push(`| ${name} | ${key === "fanout" ? `fan-out ${results.parameters.fanout.rooms}×${results.parameters.fanout.members}` : `big room 1×${results.parameters.bigRoom.members}`} | ${n0(entry[key].maxSustainableDelivered)} | `
        + `${range(last.deliveredPerSecond)}; ${n1(last.p50Ms?.median)} / ${n1(last.p99Ms?.median)} / ${n1(last.maxMs?.median)}; ${n0(last.lost.median)}; ${n0(last.serverCpuPercent.median)}; ${n0(last.serverRssMb.median)}; ${n0(last.loadgenCpuPercent.median)} |`);
    }
  }
  const half = b && atHalfOf(g.fanout.points, b.fanout.maxSustainableDelivered);
  const halfBare = b && atHalfOf(b.fanout.points, b.fanout.maxSustainableDelivered);
  lines.push("", "**Ratios, same run:**", "",
    `- max sustainable fan-out rate: GrainChat ÷ bare-signalr = ${ratio(g.fanout.maxSustainableDelivered, b?.fanout.maxSustainableDelivered)}, GrainChat ÷ socketio = ${ratio(g.fanout.maxSustainableDelivered, io?.fanout.maxSustainableDelivered)}`,
    `- big room: GrainChat ÷ bare-signalr = ${ratio(g.bigRoom.maxSustainableDelivered, b?.bigRoom.maxSustainableDelivered)}, GrainChat ÷ socketio = ${ratio(g.bigRoom.maxSustainableDelivered, io?.bigRoom.maxSustainableDelivered)}`,
    `- p99 near half of bare-signalr's max rate: GrainChat ${n1(half?.p99Ms?.median)} ms at ${n0(half?.deliveredPerSecond.median)}/s vs bare-signalr ${n1(halfBare?.p99Ms?.median)} ms at ${n0(halfBare?.deliveredPerSecond.median)}/s → ${ratio(half?.p99Ms?.median, halfBare?.p99Ms?.median)}`,
    "", "### Idle connections", "", "| server | connections | connect time s | server CPU per connect ms | RSS before → after MB | RSS per connection KiB | a message still arrives |", "| --- | ---: | ---: | ---: | --- | ---: | --- |");
  for (const [name, entry] of Object.entries(s)) {
    for (const c of entry.connections) {
      lines.push(`| ${name} | ${n0(c.connections)} | ${n1(c.connectSeconds)} | ${c.serverCpuMsPerConnect?.toFixed(2) ?? "–"} | ${n0(c.rssBeforeBytes / 1048576)} → ${n0(c.rssAfterBytes / 1048576)} | ${n1(c.rssPerConnectionBytes / 1024)} | ${c.messageStillArrives ? "yes" : "NO"} |`);
    }
  }
  const perConn = (entry) => entry?.connections.at(-1)?.rssPerConnectionBytes;
  lines.push("", `Memory per connection, GrainChat ÷ bare-signalr = ${ratio(perConn(g), perConn(b))}; GrainChat ÷ socketio = ${ratio(perConn(g), perConn(io))} (largest N).`,
    "", "### Durable writes (GrainChat only: acknowledged = committed)", "", "| storage | senders (one room each) × sends in flight | acked messages/s | ack p50 ms | ack p99 ms |", "| --- | ---: | ---: | ---: | ---: |");
  for (const [storage, w] of Object.entries(results.durableWrites)) {
    lines.push(`| ${storage} | ${w.senders} × ${w.inFlight ?? 1} | ${range(w.ackedPerSecond)} | ${n1(w.p50Ms?.median)} | ${n1(w.p99Ms?.median)} |`);
  }
  lines.push("", `Chart of p99 latency against delivered rate (fan-out): [${rel(chartFile)}](${rel(chartFile)})`, "", END);
  const block = lines.join("\n");
  if (results.quick) {
    // A quick run only checks the harness; it never replaces the full run recorded in RESULTS.md.
    fs.writeFileSync(jsonFile.replace(/\.json$/, ".md"), `${block}\n`);
    return;
  }

  const resultsMd = path.join(__dirname, "RESULTS.md");
  const current = fs.readFileSync(resultsMd, "utf8");
  fs.writeFileSync(resultsMd, current.includes(START) ? current.replace(new RegExp(`${START}[\\s\\S]*${END}`), block) : `${current.trimEnd()}\n\n${block}\n`);
};
