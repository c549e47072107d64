// Reads a server's per-message trace (GRAINCHAT_MESSAGE_TRACE: one line per mark, "stage<TAB>key<TAB>unix µs[<TAB>text]")
// and splits each message's way from its sender's send to its hand-over to the room's connections, hop by hop.
"use strict";
const fs = require("node:fs");

// In path order. "Sent" is the load generator's clock, read from the text the worker sends ("<sent ms>|x").
const PATH = ["Sent", "Received", "PostStarted", "BatchStarted", "Writing", "Committed", "PublishStarted", "DeliveryStarted", "Delivered"];

/** Each message sent within [from, to) (Unix ms) that has every mark the server made, as { stage: µs }. */
function readMessages(file, from, to) {
  // The server writes the file only if it marked something (the trace starts with the first mark).
  if (!fs.existsSync(file)) return { path: [], messages: [], repeated: 0 };
  const byKey = new Map();
  const repeated = new Set();
  for (const line of fs.readFileSync(file, "utf8").split("\n")) {
    if (!line) continue;
    const [stage, key, micros, text] = line.split("\t");
    let marks = byKey.get(key);
    if (!marks) byKey.set(key, marks = {});
    if (stage in marks) repeated.add(key); // two messages with one key (the same text, or a hash collision)
    marks[stage] = Number(micros);
    if (stage === "Received") marks.Sent = Number(String(text).split("|", 1)[0]) * 1000;
  }
  const stages = new Set([...byKey.values()].flatMap(Object.keys));
  const path = PATH.filter((stage) => stages.has(stage));
  const messages = [...byKey].filter(([key, m]) => !repeated.has(key) && path.every((s) => Number.isFinite(m[s])) && m.Sent >= from * 1000 && m.Sent < to * 1000)
    .map(([, m]) => m);
  return { path, messages, repeated: repeated.size };
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];

/**
 * Per hop: p50, p90, p99, p99.9 (ms), and each hop's mean over the slowest 1 % by send → hand-over. After the whole
 * path, beside it, the sender's answer (received → answered) where the server marks it.
 */
function summarize({ path, messages }) {
  const hops = path.slice(1).map((stage, i) => ({ name: `${path[i]} → ${stage}`, of: (m) => (m[stage] - m[path[i]]) / 1000 }));
  const last = path[path.length - 1];
  const total = { name: `Sent → ${last} (whole)`, of: (m) => (m[last] - m.Sent) / 1000 };
  const answered = messages.length && messages.every((m) => Number.isFinite(m.Answered))
    ? [{ name: "Received → Answered (the sender's)", of: (m) => (m.Answered - m.Received) / 1000 }] : [];
  const all = [...hops, total, ...answered];
  const slowest = [...messages].sort((a, b) => total.of(b) - total.of(a)).slice(0, Math.max(1, Math.floor(messages.length / 100)));
  const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length;
  const rows = all.map((hop) => {
    const values = messages.map(hop.of).sort((a, b) => a - b);
    return { hop: hop.name, p50: percentile(values, 0.5), p90: percentile(values, 0.9), p99: percentile(values, 0.99), p999: percentile(values, 0.999), tail: mean(slowest.map(hop.of)) };
  });
  return { messages: messages.length, rows };
}

function format(name, summary) {
  if (summary.messages === 0) return `${name}: no message with every mark was sent in the measured window`;
  const ms = (v) => v.toFixed(2).padStart(8);
  const lines = [`${name}: ${summary.messages} messages traced`, `  ${"hop".padEnd(40)}      p50      p90      p99    p99.9   mean in the slowest 1 %`];
  summary.rows.forEach((row) => lines.push(`  ${row.hop.padEnd(40)} ${ms(row.p50)} ${ms(row.p90)} ${ms(row.p99)} ${ms(row.p999)}   ${ms(row.tail)}`));
  return lines.join("\n");
}

module.exports = { readMessages, summarize, format };
