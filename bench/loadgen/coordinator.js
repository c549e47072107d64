// Runs scenarios against one running server with several worker processes, and measures the server's CPU and RSS.
"use strict";
const { fork } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

const TICKS = 100; // Linux clock ticks per second for /proc/<pid>/stat

class Workers {
  constructor(count) {
    this.workers = Array.from({ length: count }, () => fork(path.join(__dirname, "worker.js"), [], { execArgv: (process.env.LOADGEN_NODE_FLAGS ?? "").split(" ").filter(Boolean) }));
    this.nextId = 0;
    this.waiting = new Map();
    for (const w of this.workers) {
      w.on("message", ({ id, result, error }) => {
        const { resolve, reject } = this.waiting.get(id); this.waiting.delete(id);
        error ? reject(new Error(error)) : resolve(result);
      });
    }
  }
  call(worker, phase, args) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => { this.waiting.set(id, { resolve, reject }); this.workers[worker].send({ id, phase, args }); });
  }
  all(phase, argsFor) { return Promise.all(this.workers.map((_, i) => this.call(i, phase, argsFor(i)))); }
  stop() { for (const w of this.workers) w.kill(); }
}

function processStats(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  const cpuSeconds = (Number(stat[11]) + Number(stat[12])) / TICKS;
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))[1]);
  return { cpuSeconds, rssBytes: rssKb * 1024 };
}

function percentile(sorted, p) { return sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * p) - 1)] : null; }

function summarize(samples) {
  const sorted = Float64Array.from(samples).sort();
  return { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), max: sorted.length ? sorted[sorted.length - 1] : null };
}

// Splits connection specs over the workers round-robin.
function spread(specs, workers) {
  const parts = Array.from({ length: workers }, () => []);
  specs.forEach((s, i) => parts[i % workers].push(s));
  return parts;
}

async function withWorkers(count, body) {
  const workers = new Workers(count);
  try { return await body(workers); } finally { workers.stop(); }
}

/** Fan-out: opens the connections, measures one run on them (see `measureFanout`) and closes them. */
exports.fanout = ({ kind, url, specs, workers, ...run }) =>
  withWorkers(workers, async (pool) => {
    await pool.all("open", (i) => ({ kind, url, specs: spread(specs, workers)[i], listen: true }));
    const result = await measureFanout(pool, { specs, ...run });
    await pool.all("closeAll", () => ({}));
    return result;
  });

/**
 * Opens the connections once for several fan-out runs, as a chat server's clients stay connected: each run then
 * measures the message path alone. Opening hundreds of connections right before a run put their setup into it:
 * the next collection promoted their state, and the runtime compiled the open and close paths' faster versions
 * as the sends began (fifteenth session). Returns `fanout(run)` and `close()`.
 */
const openFanout = async ({ kind, url, specs, workers }) => {
  const pool = new Workers(workers);
  try {
    await pool.all("open", (i) => ({ kind, url, specs: spread(specs, workers)[i], listen: true }));
  } catch (error) {
    pool.stop();
    throw error;
  }
  return {
    fanout: (run) => measureFanout(pool, { specs, ...run }),
    close: async () => { try { await pool.all("closeAll", () => ({})); } finally { pool.stop(); } },
  };
};

/** Runs `body(load)` with connections opened by `openFanout`, and closes them however it ends. */
exports.withFanout = async (options, body) => {
  const load = await openFanout(options);
  try { return await body(load); } finally { await load.close(); }
};

// Every connection sends at the given rate per sender; returns delivered/s, latency, loss, CPU and RSS.
// With `pids` (a cluster's nodes), CPU is summed over them and also reported per process.
async function measureFanout(pool, { pid, pids, specs, ratePerSender, seconds, drainSeconds = 2, typingPerSecond = 0 }) {
  const all = pids ?? [pid];
  const beforeEach = all.map(processStats);
  const before = { cpuSeconds: beforeEach.reduce((a, s) => a + s.cpuSeconds, 0), rssBytes: beforeEach.reduce((a, s) => a + s.rssBytes, 0) };
  const started = Date.now();
  let peakRss = before.rssBytes;
  const sampler = setInterval(() => { peakRss = Math.max(peakRss, all.map(processStats).reduce((a, s) => a + s.rssBytes, 0)); }, 500);
  // A message sent before this run (a previous run's, still arriving) is not counted in it.
  const results = await pool.all("fanout", () => ({ ratePerSender, seconds, drainSeconds, typingPerSecond, notSentBefore: started - 1000 }));
  clearInterval(sampler);
  const elapsed = (Date.now() - started) / 1000;
  const afterEach = all.map(processStats);
  const after = { cpuSeconds: afterEach.reduce((a, s) => a + s.cpuSeconds, 0) };
  const members = specs.length / new Set(specs.map((s) => s.room)).size;
  const sent = results.reduce((a, r) => a + r.sent, 0);
  const received = results.reduce((a, r) => a + r.received, 0);
  const latency = summarize(results.flatMap((r) => r.samples));
  return {
    offeredSendRate: ratePerSender * specs.filter((s) => s.sender).length,
    sent, failed: results.reduce((a, r) => a + r.failed, 0), expected: sent * members, received,
    typingSent: results.reduce((a, r) => a + r.typingSent, 0), typingReceived: results.reduce((a, r) => a + r.typingReceived, 0),
    lost: Math.max(0, sent * members - received),
    deliveredPerSecond: received / seconds,
    latencyMs: latency,
    serverCpuPercent: (100 * (after.cpuSeconds - before.cpuSeconds)) / elapsed / os.cpus().length,
    serverCpuSeconds: after.cpuSeconds - before.cpuSeconds,
    serverCpuSecondsByProcess: afterEach.map((s, i) => s.cpuSeconds - beforeEach[i].cpuSeconds),
    serverRssBytes: peakRss,
    loadgenCpuPercent: (100 * results.reduce((a, r) => a + r.cpuSeconds, 0)) / elapsed / os.cpus().length,
    sentToServerStampMs: summarize(results.flatMap((r) => r.toServer ?? [])),
    serverStampToReceivedMs: summarize(results.flatMap((r) => r.fromServer ?? [])),
    loadgenEventLoopDelayMs: { p99: Math.max(...results.map((r) => r.eventLoopDelayMs.p99)), max: Math.max(...results.map((r) => r.eventLoopDelayMs.max)) },
  };
}

/** Idle connections: connect time and server memory per connection; then one message must still arrive. */
exports.connections = ({ kind, url, pid, specs, probeSpecs, workers }) =>
  withWorkers(workers, async (pool) => {
    const before = processStats(pid);
    const parts = spread(specs, workers);
    const started = Date.now();
    await pool.all("open", (i) => ({ kind, url, specs: parts[i], listen: false }));
    const connectSeconds = (Date.now() - started) / 1000;
    const connected = processStats(pid);
    await new Promise((r) => setTimeout(r, 2000));
    const after = processStats(pid);
    const probe = await withWorkers(1, async (one) => {
      await one.call(0, "open", { kind, url, specs: probeSpecs, listen: true });
      const [result] = await one.all("fanout", () => ({ ratePerSender: 1, seconds: 1, drainSeconds: 1 }));
      await one.call(0, "closeAll", {});
      return result;
    });
    await pool.all("closeAll", () => ({}));
    return {
      connections: specs.length, connectSeconds,
      serverCpuMsPerConnect: ((connected.cpuSeconds - before.cpuSeconds) * 1000) / specs.length,
      rssBeforeBytes: before.rssBytes, rssAfterBytes: after.rssBytes,
      rssPerConnectionBytes: (after.rssBytes - before.rssBytes) / specs.length,
      messageStillArrives: probe.received >= probe.sent && probe.sent > 0,
    };
  });

/** Durable writes: closed-loop senders awaiting acknowledgements. */
exports.writes = ({ kind, url, pid, specs, workers, seconds, inFlight }) =>
  withWorkers(workers, async (pool) => {
    const parts = spread(specs, workers);
    await pool.all("open", (i) => ({ kind, url, specs: parts[i], listen: false }));
    const before = processStats(pid);
    const started = Date.now();
    const results = await pool.all("writes", () => ({ seconds, inFlight }));
    const elapsed = (Date.now() - started) / 1000;
    const after = processStats(pid);
    await pool.all("closeAll", () => ({}));
    const acked = results.reduce((a, r) => a + r.acked, 0);
    const loadgenCpuSeconds = results.reduce((a, r) => a + r.cpuSeconds, 0);
    return {
      acked, failed: results.reduce((a, r) => a + r.failed, 0), ackedPerSecond: acked / elapsed,
      ackLatencyMs: summarize(results.flatMap((r) => r.samples)),
      serverCpuPercent: (100 * (after.cpuSeconds - before.cpuSeconds)) / elapsed / os.cpus().length,
      // Both sides' CPU per acknowledged write: on a shared machine their sum bounds the rate (cores ÷ sum).
      serverCpuMicrosecondsPerAck: ((after.cpuSeconds - before.cpuSeconds) * 1e6) / acked,
      loadgenCpuPercent: (100 * loadgenCpuSeconds) / elapsed / os.cpus().length,
      loadgenCpuMicrosecondsPerAck: (loadgenCpuSeconds * 1e6) / acked,
    };
  });
