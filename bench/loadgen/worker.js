// A load-generator worker process: opens its share of connections and runs one phase at a time for the coordinator.
"use strict";
const { performance } = require("node:perf_hooks");
const { connect } = require("./clients");

const now = () => performance.timeOrigin + performance.now();
const MAX_SAMPLES = 200000;
let connections = [];
let received = 0;
let samples = [];
let seen = 0;
let typingReceived = 0;

function record(message) {
  received++;
  const sentAt = Number(String(message.text).split("|", 1)[0]);
  if (!Number.isFinite(sentAt)) return;
  const latency = now() - sentAt;
  seen++;
  if (samples.length < MAX_SAMPLES) samples.push(latency);
  else { const i = Math.floor(Math.random() * seen); if (i < MAX_SAMPLES) samples[i] = latency; }
}

async function open({ kind, url, specs, listen }) {
  const started = now();
  const opened = [];
  const batch = 50;
  for (let i = 0; i < specs.length; i += batch) {
    opened.push(...await Promise.all(specs.slice(i, i + batch).map(async (spec) => {
      const client = await connect(kind, spec.url ?? url, spec.token);
      if (listen) client.onMessage(record);
      if (listen && client.onTyping) client.onTyping(() => { typingReceived++; });
      if (spec.room) await client.join(spec.room);
      return { ...spec, client };
    })));
  }
  connections = connections.concat(opened);
  return { opened: opened.length, seconds: (now() - started) / 1000 };
}

// Every sender sends at `ratePerSender` messages/s for `seconds`, then receivers get `drainSeconds` to catch up.
// With `typingPerSecond`, every sender also says it is typing at that rate (GrainChat's Typing).
async function fanout({ ratePerSender, seconds, drainSeconds, typingPerSecond = 0 }) {
  received = 0; samples = []; seen = 0; typingReceived = 0;
  const senders = connections.filter((c) => c.sender);
  const cpuBefore = process.cpuUsage();
  let sent = 0; let failed = 0; let typingSent = 0; const pending = [];
  const start = now();
  const paced = (rate, act) => Promise.all(senders.map(async (c, index) => {
    const interval = 1000 / rate;
    let next = start + (index / senders.length) * interval;
    while (next < start + seconds * 1000) {
      const wait = next - now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      pending.push(act(c));
      next += interval;
    }
  }));
  await Promise.all([
    paced(ratePerSender, (c) => c.client.send(c.room, `${now()}|x`, null).then(() => { sent++; }, () => { failed++; })),
    typingPerSecond > 0 ? paced(typingPerSecond, (c) => c.client.typing(c.room).then(() => { typingSent++; }, () => { failed++; })) : null,
  ]);
  await Promise.all(pending);
  await new Promise((r) => setTimeout(r, drainSeconds * 1000));
  const cpu = process.cpuUsage(cpuBefore);
  return { sent, failed, received, typingSent, typingReceived, samples, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

// Closed loop: each sender keeps `inFlight` sends outstanding, sending again as each is acknowledged.
async function writes({ seconds, inFlight }) {
  const senders = connections.filter((c) => c.sender);
  const latencies = []; let acked = 0; let failed = 0;
  const end = now() + seconds * 1000;
  await Promise.all(senders.flatMap((c) => Array.from({ length: inFlight }, (_, lane) => c).map(async (c, lane) => {
    let n = 0;
    while (now() < end) {
      const t = now();
      try { await c.client.send(c.room, `${t}|w`, `${process.pid}-${c.room}-${lane}-${n++}`); acked++; if (latencies.length < MAX_SAMPLES) latencies.push(now() - t); }
      catch { failed++; }
    }
  })));
  return { acked, failed, samples: latencies };
}

async function closeAll() {
  await Promise.all(connections.map((c) => c.client.close().catch(() => {})));
  connections = [];
  return { closed: true };
}

const phases = { open, fanout, writes, closeAll };
process.on("message", async ({ id, phase, args }) => {
  try { process.send({ id, result: await phases[phase](args) }); }
  catch (error) { process.send({ id, error: String(error?.stack ?? error) }); }
});
