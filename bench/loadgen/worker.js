// A load-generator worker process: opens its share of connections and runs one phase at a time for the coordinator.
"use strict";
const { performance, monitorEventLoopDelay } = require("node:perf_hooks");
const { connect } = require("./clients");

const now = () => performance.timeOrigin + performance.now();
const MAX_SAMPLES = 200000;
let connections = [];
let received = 0;
let samples = [];
// The same messages' latency split at the server's own timestamp (same machine, same clock): sent → stamped, stamped → received.
let toServer = [];
let fromServer = [];
let seen = 0;
let typingReceived = 0;

let notSentBefore = 0;

function record(message) {
  const sentAt = Number(String(message.text).split("|", 1)[0]);
  if (sentAt < notSentBefore) return; // an earlier run's, on connections kept open across runs
  received++;
  if (!Number.isFinite(sentAt)) return;
  const receivedAt = now();
  const latency = receivedAt - sentAt;
  const stampedAt = Date.parse(message.timestamp);
  seen++;
  const i = samples.length < MAX_SAMPLES ? samples.length : Math.floor(Math.random() * seen);
  if (i >= MAX_SAMPLES) return;
  samples[i] = latency;
  // A sample replaced without a stamp must not keep the split of the one it replaced.
  toServer[i] = Number.isFinite(stampedAt) ? stampedAt - sentAt : NaN;
  fromServer[i] = Number.isFinite(stampedAt) ? receivedAt - stampedAt : NaN;
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
async function fanout({ ratePerSender, seconds, drainSeconds, typingPerSecond = 0, notSentBefore: since = 0 }) {
  notSentBefore = since;
  received = 0; samples = []; toServer = []; fromServer = []; seen = 0; typingReceived = 0;
  const senders = connections.filter((c) => c.sender);
  const cpuBefore = process.cpuUsage();
  // How late this process's own event loop ran: a receive handled late adds that delay to the measured latency.
  const loopDelay = monitorEventLoopDelay({ resolution: 5 });
  loopDelay.enable();
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
  loopDelay.disable();
  const cpu = process.cpuUsage(cpuBefore);
  const eventLoopDelayMs = { p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6 };
  return { sent, failed, received, typingSent, typingReceived, samples, toServer: toServer.filter(Number.isFinite), fromServer: fromServer.filter(Number.isFinite), eventLoopDelayMs, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

// A client message id ordered like the web client's (UUID version 7: milliseconds first, as text), which the message
// log's client-id index is keyed for; the rest only makes it unique. The ids sent before ("pid-room-lane-n") sorted as
// text by lane and then by the digits of n, so each insert landed inside the room's part of the index, not at its end.
function timeOrderedId(at, lane, n) {
  return `${Math.floor(at).toString(16).padStart(12, "0")}-${process.pid}-${lane}-${n}`;
}

// Closed loop: each sender keeps `inFlight` sends outstanding, sending again as each is acknowledged.
async function writes({ seconds, inFlight }) {
  const senders = connections.filter((c) => c.sender);
  const latencies = []; let acked = 0; let failed = 0;
  const cpuBefore = process.cpuUsage();
  const end = now() + seconds * 1000;
  await Promise.all(senders.flatMap((c) => Array.from({ length: inFlight }, (_, lane) => c).map(async (c, lane) => {
    let n = 0;
    while (now() < end) {
      const t = now();
      try { await c.client.send(c.room, `${t}|w`, timeOrderedId(t, lane, n++)); acked++; if (latencies.length < MAX_SAMPLES) latencies.push(now() - t); }
      catch { failed++; }
    }
  })));
  const cpu = process.cpuUsage(cpuBefore);
  return { acked, failed, samples: latencies, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
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
