// Cluster benchmark: the fan-out load against one GrainChat node on PostgreSQL, then the same load spread over
// three nodes on the same PostgreSQL (clients round-robin across nodes, so every room spans nodes); then the
// failover time from kill -9 of a node to the first successful send to each room.
// Usage: node bench/cluster.js [--quick] --postgres <connection string>   (bench/cluster.sh builds and calls this)
"use strict";
const { spawn, execSync } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const net = require("node:net");
const scenarios = require("./loadgen/coordinator");

const root = path.resolve(__dirname, "..");
const quick = process.argv.includes("--quick");
const postgres = process.argv[process.argv.indexOf("--postgres") + 1];
const WORKERS = Math.max(2, os.cpus().length);
const P = quick
  ? { runs: 1, seconds: 3, rooms: 10, members: 5, rates: [2, 8], failoverRooms: 6 }
  : { runs: 3, seconds: 10, rooms: 50, members: 10, rates: [0.5, 1, 2, 4, 8], failoverRooms: 12 };
const CLUSTER_KEY = "bench-cluster-key-0123456789abcdef";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (v) => { const s = [...v].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

function freePort() {
  return new Promise((resolve) => { const s = net.createServer().listen(0, "127.0.0.1", () => { const { port } = s.address(); s.close(() => resolve(port)); }); });
}

function pgUrl(cs) {
  const part = (k) => new RegExp(`${k}=([^;]+)`, "i").exec(cs)?.[1];
  return `postgresql://${part("Username")}@${part("Host")}:${part("Port")}/${part("Database")}`;
}

function resetDatabase() {
  execSync(`psql "${pgUrl(postgres)}" -q -c "DROP SCHEMA public CASCADE; CREATE SCHEMA public;"`, { stdio: "ignore" });
}

const limitsLifted = [
  "--GrainChat:RateLimit:MessagesPerSecond", "1000000", "--GrainChat:RateLimit:Burst", "1000000",
  "--GrainChat:RateLimit:RegistrationsPerHourPerAddress", "1000000", "--GrainChat:RateLimit:LoginsPerMinutePerAddress", "1000000",
  "--GrainChat:RateLimit:RoomsCreatedPerHour", "1000000", "--GrainChat:RateLimit:JoinsPerMinute", "1000000",
  "--GrainChat:Limits:RoomsPerUser", "1000000", "--GrainChat:Limits:RoomsCreatedPerUser", "1000000",
];

async function startNode(clustered) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const data = fs.mkdtempSync(path.join(os.tmpdir(), "grainchat-cluster-bench-"));
  const cluster = clustered
    ? ["--GrainChat:Cluster:Enabled", "true", "--GrainChat:Cluster:Name", "bench", "--GrainChat:Cluster:Key", CLUSTER_KEY,
      "--GrainChat:Cluster:SiloPort", String(await freePort())]
    : [];
  const child = spawn("dotnet", [path.join(root, "Gateway/bin/Release/net10.0/GrainChat.Gateway.dll"), "--urls", url, "--contentRoot", data,
    "--GrainChat:Storage:Provider", "Postgres", "--ConnectionStrings:GrainChat", postgres, ...cluster, ...limitsLifted,
    "--Logging:LogLevel:Default", "Warning"], { stdio: "ignore" });
  for (let i = 0; i < 120; i++) {
    try { if ((await fetch(`${url}/alive`)).ok) return { child, url, pid: child.pid, data }; } catch { /* starting */ }
    await sleep(500);
  }
  throw new Error("a node did not start");
}

async function stopNode(node, signal = "SIGTERM") {
  if (node.child.exitCode === null && node.child.signalCode === null) {
    node.child.kill(signal);
    await new Promise((r) => node.child.once("exit", r));
  }
  fs.rmSync(node.data, { recursive: true, force: true });
}

async function post(url, route, body, token) {
  const response = await fetch(`${url}${route}`, {
    method: "POST", headers: { "Content-Type": "application/json", ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!response.ok) throw Object.assign(new Error(`${route}: ${response.status}`), { status: response.status });
  return response.status === 204 ? null : response.json();
}

async function prepare(url, rooms, members, tag) {
  const tokens = [];
  for (let i = 0; i < rooms * members; i += 16) {
    tokens.push(...await Promise.all(Array.from({ length: Math.min(16, rooms * members - i) }, async (_, k) =>
      (await post(url, "/api/register", { username: `c${tag}_${i + k}`, password: "bench password" })).token)));
  }
  const roomIds = [];
  for (let r = 0; r < rooms; r++) {
    roomIds.push((await post(url, "/api/rooms", { roomName: `cluster ${tag} ${r}` }, tokens[r * members])).roomId);
    await Promise.all(Array.from({ length: members - 1 }, (_, m) => post(url, `/api/rooms/${roomIds[r]}/join`, null, tokens[r * members + m + 1])));
  }
  return { tokens, roomIds };
}

async function sweep(nodes, label) {
  const { tokens, roomIds } = await prepare(nodes[0].url, P.rooms, P.members, label);
  // Member i of each room connects to node i mod N: with 3 nodes every room has members on every node.
  const specs = tokens.map((token, i) => ({ token, room: roomIds[Math.floor(i / P.members)], sender: true, url: nodes[i % nodes.length].url }));
  const points = [];
  for (const rate of P.rates) {
    const runs = [];
    for (let r = 0; r < P.runs; r++) {
      runs.push(await scenarios.fanout({ kind: "grainchat", url: nodes[0].url, pids: nodes.map((n) => n.pid), specs, workers: WORKERS, ratePerSender: rate, seconds: P.seconds }));
    }
    const pick = (f) => median(runs.map(f));
    const point = {
      offeredSendRate: runs[0].offeredSendRate,
      deliveredPerSecond: pick((r) => r.deliveredPerSecond), p50Ms: pick((r) => r.latencyMs.p50), p99Ms: pick((r) => r.latencyMs.p99),
      lost: pick((r) => r.lost), failed: pick((r) => r.failed),
      cpuMicrosPerDelivered: pick((r) => (r.serverCpuSeconds * 1e6) / Math.max(1, r.received)),
      cpuMicrosPerDeliveredByNode: runs[Math.floor(runs.length / 2)].serverCpuSecondsByProcess.map((s) => (s * 1e6) / Math.max(1, runs[Math.floor(runs.length / 2)].received)),
    };
    console.log(`  ${label} ${point.offeredSendRate}/s → ${point.deliveredPerSecond.toFixed(0)} delivered/s, p50 ${point.p50Ms?.toFixed(1)} ms, p99 ${point.p99Ms?.toFixed(1)} ms, lost ${point.lost}, ${point.cpuMicrosPerDelivered.toFixed(1)} µs CPU/delivery`);
    points.push(point);
    console.log(`    CPU per delivery by node (µs): ${point.cpuMicrosPerDeliveredByNode.map((c) => c.toFixed(1)).join(", ")}`);
    if (point.p99Ms > 1000 || point.lost > point.deliveredPerSecond * P.seconds) break;
  }
  const sustainable = points.filter((p) => p.p99Ms < 100 && p.lost === 0);
  return { points, maxSustainableDelivered: sustainable.length ? Math.max(...sustainable.map((p) => p.deliveredPerSecond)) : 0 };
}

// kill -9 of one node; through a survivor, each room is sent to every 50 ms until a send succeeds.
async function failover(nodes) {
  const { tokens, roomIds } = await prepare(nodes[0].url, P.failoverRooms, 1, "failover");
  const survivor = nodes[0].url;
  await Promise.all(roomIds.map((room, i) => post(survivor, `/api/rooms/${room}/messages`, { text: "warm up" }, tokens[i])));
  const victim = nodes[nodes.length - 1];
  const killedAt = Date.now();
  victim.child.kill("SIGKILL");
  const recovery = await Promise.all(roomIds.map(async (room, i) => {
    let failures = 0;
    for (let attempt = 0; ; attempt++) {
      try {
        await post(survivor, `/api/rooms/${room}/messages`, { text: "after the kill", clientMessageId: `after-${i}` }, tokens[i]);
        return { room, seconds: (Date.now() - killedAt) / 1000, failures };
      } catch (error) {
        if (error.status !== 503) throw error;
        failures++;
        await sleep(50);
      }
    }
  }));
  const affected = recovery.filter((r) => r.failures > 0);
  const result = {
    // A send needs the room's grain and the sender's user grain: it waits for the killed node if either lived there.
    rooms: roomIds.length, sendsThatNeededTheDeadNode: affected.length,
    firstSuccessfulSendSeconds: affected.length ? Math.max(...affected.map((r) => r.seconds)) : null,
    unaffectedRoomsSeconds: Math.max(0, ...recovery.filter((r) => r.failures === 0).map((r) => r.seconds)),
  };
  console.log(`  failover: ${result.sendsThatNeededTheDeadNode} of ${result.rooms} sends needed a grain of the killed node; first successful one ${result.firstSuccessfulSendSeconds?.toFixed(1)} s after kill -9 (DeadAfter 10 s, heartbeat 2 s); other rooms ${result.unaffectedRoomsSeconds.toFixed(2)} s`);
  return result;
}

async function main() {
  const started = new Date();
  const results = {
    date: started.toISOString(), quick, parameters: P, workers: WORKERS,
    machine: { cores: os.cpus().length, cpu: os.cpus()[0].model, memoryGiB: Math.round(os.totalmem() / 2 ** 30) },
  };

  console.log("== one node on PostgreSQL");
  resetDatabase();
  const single = await startNode(false);
  try { results.singleNode = await sweep([single], "1-node"); } finally { await stopNode(single); }

  console.log("== three nodes on one PostgreSQL");
  resetDatabase();
  const nodes = [await startNode(true)];
  nodes.push(...await Promise.all([startNode(true), startNode(true)]));
  try {
    await sleep(3000); // every node sees the others Active
    results.threeNodes = await sweep(nodes, "3-node");
    results.failover = await failover(nodes);
  } finally {
    for (const node of nodes) await stopNode(node);
  }

  results.durationMinutes = (Date.now() - started.getTime()) / 60000;
  const file = path.join(__dirname, "results", `${started.toISOString().slice(0, 19).replace(/:/g, "-")}-cluster${quick ? "-quick" : ""}.json`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(results, null, 2));
  console.log(`results: ${path.relative(root, file)}`);
}

main().then(() => process.exit(0), (error) => { console.error(error); process.exit(1); });
