// Side-by-side benchmark: GrainChat vs a bare SignalR hub vs a Socket.IO server, same scenarios, same machine.
// Usage: node bench/run.js [--quick] [--postgres <connection string>]   (bench/run.sh builds and calls this)
"use strict";
const { spawn, execSync } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const scenarios = require("./loadgen/coordinator");
const { writeReport } = require("./report");

const root = path.resolve(__dirname, "..");
const quick = process.argv.includes("--quick");
const pgIndex = process.argv.indexOf("--postgres");
const postgres = pgIndex > 0 ? process.argv[pgIndex + 1] : null;
const WORKERS = Math.max(2, os.cpus().length);

const P = quick
  ? { runs: 1, seconds: 3, fanout: { rooms: 10, members: 5, rates: [2, 8] }, bigRoom: { members: 50, rates: [1, 4] }, connections: [500], writes: { senders: 16, inFlight: 4, seconds: 3 } }
  : { runs: 3, seconds: 10, fanout: { rooms: 100, members: 10, rates: [0.5, 1, 2, 4, 8, 16] }, bigRoom: { members: 1000, rates: [0.01, 0.02, 0.05, 0.1, 0.2] }, connections: [10000, 19000], writes: { senders: 64, inFlight: 8, seconds: 10 } };

const servers = {
  grainchat: { port: 5101, kind: "grainchat" },
  "bare-signalr": { port: 5103, kind: "bare" },
  socketio: { port: 5102, kind: "socketio" },
};

async function sleep(ms) { return new Promise((r) => setTimeout(r, ms)); }

// The load generator registers thousands of users from one address and one user makes every room: the
// per-address, per-user and per-room abuse limits are lifted for the run, as the send rate is.
const abuseLimitsLifted = [
  "--GrainChat:RateLimit:RegistrationsPerHourPerAddress", "1000000", "--GrainChat:RateLimit:LoginsPerMinutePerAddress", "1000000",
  "--GrainChat:RateLimit:RoomsCreatedPerHour", "1000000", "--GrainChat:RateLimit:JoinsPerMinute", "1000000",
  "--GrainChat:RateLimit:BroadcastsPerSecond", "1000000", "--GrainChat:RateLimit:BroadcastBurst", "1000000",
  "--GrainChat:Limits:RoomsPerUser", "1000000", "--GrainChat:Limits:RoomsCreatedPerUser", "1000000",
  "--GrainChat:Limits:MembersPerRoom", "1000000", "--GrainChat:Limits:ConnectionsPerUser", "1000000",
];

async function startServer(name, storage) {
  const server = servers[name];
  const url = `http://127.0.0.1:${server.port}`;
  let child;
  if (name === "grainchat") {
    const data = fs.mkdtempSync(path.join(os.tmpdir(), "grainchat-bench-"));
    const connection = storage === "Postgres" ? postgres : `Data Source=${path.join(data, "grainchat.db")}`;
    child = spawn("dotnet", [path.join(root, "Gateway/bin/Release/net10.0/GrainChat.Gateway.dll"),
      "--urls", url, "--contentRoot", data, "--GrainChat:Storage:Provider", storage, "--ConnectionStrings:GrainChat", connection,
      "--GrainChat:DataProtection:KeysDirectory", path.join(data, "keys"), "--GrainChat:RateLimit:MessagesPerSecond", "1000000",
      "--GrainChat:RateLimit:Burst", "1000000", ...abuseLimitsLifted, "--Logging:LogLevel:Default", "Warning"], { stdio: "ignore" });
    child.dataDirectory = data;
  } else if (name === "bare-signalr") {
    child = spawn("dotnet", [path.join(__dirname, "peers/bare-signalr/bin/Release/net10.0/BareSignalR.dll"), "--urls", url], { stdio: "ignore" });
  } else {
    child = spawn(process.execPath, [path.join(__dirname, "peers/socketio/server.js")], { stdio: "ignore", env: { ...process.env, PORT: String(server.port) } });
  }
  for (let i = 0; i < 120; i++) {
    try { if ((await fetch(`${url}/alive`)).ok) return { child, url, pid: child.pid, kind: server.kind }; } catch { /* not up yet */ }
    await sleep(500);
  }
  throw new Error(`${name} did not start`);
}

async function stopServer(server) {
  server.child.kill("SIGTERM");
  await new Promise((r) => server.child.once("exit", r));
  if (server.child.dataDirectory) {
    if (postgres) {
      // Empty the shared PostgreSQL database between GrainChat runs.
      try { execSync(`psql "${pgUrl(postgres)}" -q -c "DROP SCHEMA public CASCADE; CREATE SCHEMA public;"`, { stdio: "ignore" }); } catch { /* next run migrates anyway */ }
    }
    fs.rmSync(server.child.dataDirectory, { recursive: true, force: true });
  }
}

function pgUrl(cs) {
  const part = (k) => new RegExp(`${k}=([^;]+)`, "i").exec(cs)?.[1];
  return `postgresql://${part("Username")}@${part("Host")}:${part("Port")}/${part("Database")}`;
}

// GrainChat needs accounts and memberships; made before timing starts.
async function prepareGrainChat(url, rooms, members, tag) {
  const post = async (route, body, token) => {
    const response = await fetch(`${url}${route}`, { method: "POST", headers: { "Content-Type": "application/json", ...(token ? { Authorization: `Bearer ${token}` } : {}) }, body: body ? JSON.stringify(body) : undefined });
    if (!response.ok) throw new Error(`${route}: ${response.status} ${await response.text()}`);
    return response.status === 204 ? null : response.json();
  };
  const users = rooms * members;
  const tokens = new Array(users);
  for (let i = 0; i < users; i += 16) {
    await Promise.all(Array.from({ length: Math.min(16, users - i) }, async (_, k) => {
      tokens[i + k] = (await post("/api/register", { username: `b${tag}_${i + k}`, password: "bench password" })).token;
    }));
  }
  const roomIds = [];
  for (let r = 0; r < rooms; r++) {
    roomIds.push((await post("/api/rooms", { roomName: `bench ${tag} ${r}` }, tokens[r * members])).roomId);
    await Promise.all(Array.from({ length: members - 1 }, (_, m) => post(`/api/rooms/${roomIds[r]}/join`, null, tokens[r * members + m + 1])));
  }
  return { tokens, roomIds };
}

async function specsFor(server, rooms, members, tag) {
  if (server.kind !== "grainchat") {
    return Array.from({ length: rooms * members }, (_, i) => ({ room: `room-${tag}-${Math.floor(i / members)}`, sender: true }));
  }
  const { tokens, roomIds } = await prepareGrainChat(server.url, rooms, members, tag);
  return tokens.map((token, i) => ({ token, room: roomIds[Math.floor(i / members)], sender: true }));
}

function packageVersion(name) {
  return JSON.parse(fs.readFileSync(path.join(__dirname, "node_modules", name, "package.json"), "utf8")).version;
}

function median(values) { const s = [...values].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; }

// Repeats a measurement, keeping every run and the median (with min–max) of each figure.
async function repeat(runs, measure) {
  const all = [];
  for (let i = 0; i < runs; i++) all.push(await measure(i));
  const pick = (f) => { const v = all.map(f).filter((x) => x !== null && x !== undefined); return v.length ? { median: median(v), min: Math.min(...v), max: Math.max(...v) } : null; };
  return { runs: all, pick };
}

async function fanoutSweep(server, shape, label, tagBase) {
  const specs = await specsFor(server, shape.rooms, shape.members, `${tagBase}`);
  const points = [];
  for (const rate of shape.rates) {
    const { runs, pick } = await repeat(P.runs, () => scenarios.fanout({ ...server, specs, workers: WORKERS, ratePerSender: rate, seconds: P.seconds }));
    const point = {
      scenario: label, ratePerSender: rate, offeredSendRate: runs[0].offeredSendRate,
      deliveredPerSecond: pick((r) => r.deliveredPerSecond), p50Ms: pick((r) => r.latencyMs.p50), p99Ms: pick((r) => r.latencyMs.p99),
      maxMs: pick((r) => r.latencyMs.max), lost: pick((r) => r.lost), serverCpuPercent: pick((r) => r.serverCpuPercent),
      serverRssMb: pick((r) => r.serverRssBytes / 1048576), loadgenCpuPercent: pick((r) => r.loadgenCpuPercent), runs,
    };
    console.log(`  ${label} ${server.kind} rate ${point.offeredSendRate}/s → delivered ${point.deliveredPerSecond.median.toFixed(0)}/s p99 ${point.p99Ms?.median?.toFixed(1)} ms lost ${point.lost.median}`);
    points.push(point);
    if (point.p99Ms?.median > 1000 || point.lost.median > point.deliveredPerSecond.median * P.seconds) break; // far past saturation
  }
  const sustainable = points.filter((p) => p.p99Ms && p.p99Ms.median < 100 && p.lost.median === 0);
  return { points, maxSustainableDelivered: sustainable.length ? Math.max(...sustainable.map((p) => p.deliveredPerSecond.median)) : 0 };
}

async function main() {
  const started = new Date();
  const results = {
    date: started.toISOString(), quick, parameters: P, workers: WORKERS,
    machine: { cores: os.cpus().length, cpu: os.cpus()[0].model, memoryGiB: Math.round(os.totalmem() / 2 ** 30), os: `${os.type()} ${os.release()}` },
    versions: { node: process.version, dotnet: execSync("dotnet --version").toString().trim(), signalrClient: packageVersion("@microsoft/signalr"), socketio: packageVersion("socket.io") },
    servers: {},
  };
  for (const name of ["grainchat", "bare-signalr", "socketio"]) {
    console.log(`== ${name}`);
    const server = await startServer(name, "Sqlite");
    try {
      const entry = { storage: name === "grainchat" ? "Sqlite" : "none (in memory)" };
      entry.fanout = await fanoutSweep(server, P.fanout, "fanout", "f");
      entry.bigRoom = await fanoutSweep(server, { rooms: 1, members: P.bigRoom.members, rates: P.bigRoom.rates }, "big-room", "b");
      entry.connections = [];
      for (const n of P.connections) {
        const users = server.kind === "grainchat" ? await specsFor(server, 1, Math.min(20, n), `c${n}`) : null;
        const specs = Array.from({ length: n }, (_, i) => (users ? { token: users[i % users.length].token } : {}));
        const probe = users ? users.slice(0, 2).map((u) => ({ ...u, sender: true })) : [{ room: `probe-${n}`, sender: true }, { room: `probe-${n}`, sender: true }];
        const result = await scenarios.connections({ ...server, specs, probeSpecs: probe, workers: WORKERS });
        console.log(`  connections ${n}: ${result.connectSeconds.toFixed(1)} s, ${(result.rssPerConnectionBytes / 1024).toFixed(1)} KiB each, message arrives: ${result.messageStillArrives}`);
        entry.connections.push(result);
      }
      if (name === "grainchat") entry.writes = await writesBench(server);
      results.servers[name] = entry;
    } finally { await stopServer(server); }
  }
  results.durableWrites = { Sqlite: results.servers.grainchat.writes };
  for (const storage of ["Memory", ...(postgres ? ["Postgres"] : [])]) {
    console.log(`== grainchat on ${storage} (durable writes)`);
    const server = await startServer("grainchat", storage);
    try { results.durableWrites[storage] = await writesBench(server); } finally { await stopServer(server); }
  }
  results.durationMinutes = (Date.now() - started.getTime()) / 60000;
  const file = path.join(__dirname, "results", `${started.toISOString().slice(0, 19).replace(/:/g, "-")}${quick ? "-quick" : ""}.json`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(results, (k, v) => (k === "samples" ? undefined : v), 2));
  writeReport(results, file);
  console.log(`results: ${path.relative(root, file)}; summary in ${quick ? path.relative(root, file.replace(/\.json$/, ".md")) : "bench/RESULTS.md"}`);
}

async function writesBench(server) {
  const senders = P.writes.senders;
  const specs = (await specsFor(server, senders, 1, `w${Date.now() % 100000}`));
  const { pick } = await repeat(P.runs, () => scenarios.writes({ ...server, specs, workers: WORKERS, seconds: P.writes.seconds, inFlight: P.writes.inFlight }));
  const result = { senders, inFlight: P.writes.inFlight, ackedPerSecond: pick((r) => r.ackedPerSecond), p50Ms: pick((r) => r.ackLatencyMs.p50), p99Ms: pick((r) => r.ackLatencyMs.p99), failed: pick((r) => r.failed) };
  console.log(`  durable writes: ${result.ackedPerSecond.median.toFixed(0)} acks/s, p99 ${result.p99Ms.median.toFixed(1)} ms`);
  return result;
}

main().then(() => process.exit(0), (error) => { console.error(error); process.exit(1); });
