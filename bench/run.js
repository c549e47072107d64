// Side-by-side benchmark: GrainChat vs a bare SignalR hub vs a Socket.IO server, same scenarios, same machine.
// Usage: node bench/run.js [--quick] [--typing] [--postgres <connection string>]   (bench/run.sh builds and calls this)
// --typing measures only the CPU cost of typing events under fan-out (GrainChat alone).
// --cpu measures only the per-message cost: a fine fan-out sweep of GrainChat and bare-signalr, with server CPU
//   per delivered message at each rate.
//   --runs N, --rates a,b,… (per member), --servers grainchat,bare-signalr[,bare-signalr-durable] and --storage Memory|Sqlite vary it.
// --writes measures only durable writes (each storage, or --storage Sqlite,Memory,Postgres; --runs N), with the server's and the
//   load generator's CPU per acknowledged write; --servers grainchat,bare-signalr adds the bare hub answering the same sends
//   (storing nothing), bare-signalr-durable the bare hub committing each to SQLite first; --gateway DIR runs DIR's Release build instead.
// --stages RATE splits GrainChat's latency under that load: end to end (load generator) beside the grain calls
//   own durations, queueing included (the silo's per-method statistics, read mid-run as an admin), and the message
//   log writer's batches, waits and commit times from /metrics.
// --profile RATE samples a server's CPU with perf (20 s) under the --cpu fan-out shape at RATE sends/s per member, and counts its
//   context switches and system calls per delivered message (--servers NAME picks the server; GrainChat by default).
// --trace RATE times each message's hops inside the server (GRAINCHAT_MESSAGE_TRACE) under the --cpu fan-out shape at RATE
//   sends/s per member, for each of --servers, and gives each hop's percentiles and its share of the slowest 1 %.
"use strict";
const { spawn, execSync } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const scenarios = require("./loadgen/coordinator");
const { writeReport } = require("./report");
const messageTrace = require("./message-trace");

const root = path.resolve(__dirname, "..");
const option = (name) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : null; };
const quick = process.argv.includes("--quick");
const typingOnly = process.argv.includes("--typing");
const cpuOnly = process.argv.includes("--cpu");
const profileIndex = process.argv.indexOf("--profile");
const profileRate = profileIndex > 0 ? Number(process.argv[profileIndex + 1]) : null;
const stagesRate = option("--stages") ? Number(option("--stages")) : null;
const traceRate = option("--trace") ? Number(option("--trace")) : null;
const pgIndex = process.argv.indexOf("--postgres");
const postgres = pgIndex > 0 ? process.argv[pgIndex + 1] : null;
const WORKERS = Math.max(2, os.cpus().length);

const P = quick
  ? { runs: 1, seconds: 3, fanout: { rooms: 10, members: 5, rates: [2, 8] }, bigRoom: { members: 50, rates: [1, 4] }, connections: [500], writes: { senders: 16, inFlight: 4, seconds: 3 } }
  : { runs: 3, seconds: 10, fanout: { rooms: 100, members: 10, rates: [0.5, 1, 2, 4, 8, 16] }, bigRoom: { members: 1000, rates: [0.01, 0.02, 0.05, 0.1, 0.2] }, connections: [10000, 19000], writes: { senders: 64, inFlight: 8, seconds: 10 } };

// Typing cost: the fan-out scenario with and without every member saying it is typing once a second.
const TYPING = quick ? { rooms: 10, members: 5, ratePerSender: 2, typingPerSecond: 1, seconds: 5, runs: 1 } : { rooms: 50, members: 10, ratePerSender: 2, typingPerSecond: 1, seconds: 10, runs: 5 };

// The per-message cost sweep: steps of about ×1.25 so the knee is resolved finely.
const CPU = quick
  ? { rooms: 10, members: 10, rates: [2, 4, 8], seconds: 3, runs: 1 }
  : { rooms: 50, members: 10, rates: [2, 4, 8, 10, 12.5, 16, 20, 25, 31.25, 39], seconds: 8, runs: 3 };
if (option("--runs")) CPU.runs = Number(option("--runs"));
if (option("--rates")) CPU.rates = option("--rates").split(",").map(Number);
const cpuServers = option("--servers")?.split(",") ?? ["grainchat", "bare-signalr"];
const writesOnly = process.argv.includes("--writes");
if (option("--senders")) P.writes.senders = Number(option("--senders"));
if (option("--in-flight")) P.writes.inFlight = Number(option("--in-flight"));
const connectionsOnly = option("--connections")?.split(",").map(Number);
// Another checkout's Release build (e.g. a worktree of an older commit), for before/after runs.
const gatewayRoot = option("--gateway") ?? root;

const servers = {
  grainchat: { port: 5101, kind: "grainchat" },
  "bare-signalr": { port: 5103, kind: "bare" },
  // The same bare hub committing each message to SQLite before sending it: the floor of a durable hub.
  "bare-signalr-durable": { port: 5104, kind: "bare" },
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

async function startServer(name, storage, env = {}) {
  const server = servers[name];
  const url = `http://127.0.0.1:${server.port}`;
  let child;
  if (name === "grainchat") {
    const data = fs.mkdtempSync(path.join(os.tmpdir(), "grainchat-bench-"));
    const connection = storage === "Postgres" ? postgres : `Data Source=${path.join(data, "grainchat.db")}`;
    child = spawn("dotnet", [path.join(gatewayRoot, "Gateway/bin/Release/net10.0/GrainChat.Gateway.dll"),
      "--urls", url, "--contentRoot", data, "--GrainChat:Storage:Provider", storage, "--ConnectionStrings:GrainChat", connection,
      "--GrainChat:DataProtection:KeysDirectory", path.join(data, "keys"), "--GrainChat:RateLimit:MessagesPerSecond", "1000000",
      "--GrainChat:RateLimit:Burst", "1000000", ...abuseLimitsLifted, "--Logging:LogLevel:Default", "Warning"], { stdio: "ignore", env: { ...process.env, ...env } });
    child.dataDirectory = data;
  } else if (server.kind === "bare") {
    const data = name === "bare-signalr-durable" ? fs.mkdtempSync(path.join(os.tmpdir(), "grainchat-bench-bare-")) : null;
    child = spawn("dotnet", [path.join(__dirname, "peers/bare-signalr/bin/Release/net10.0/BareSignalR.dll"), "--urls", url,
      ...(data ? ["--Database", path.join(data, "messages.db")] : [])], { stdio: "ignore", env: { ...process.env, ...env } });
    child.dataDirectory = data;
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
    if (postgres && server.kind === "grainchat") {
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

// Every rate's runs go over the same connections, opened once; a caller that warmed them up passes its own.
async function fanoutSweep(server, shape, label, tagBase, runCount = P.runs, seconds = P.seconds, load = null) {
  if (!load) {
    const specs = await specsFor(server, shape.rooms, shape.members, `${tagBase}`);
    return scenarios.withFanout({ ...server, specs, workers: WORKERS }, (opened) => fanoutSweep(server, shape, label, tagBase, runCount, seconds, opened));
  }
  const points = [];
  for (const rate of shape.rates) {
    const { runs, pick } = await repeat(runCount, () => load.fanout({ ...server, ratePerSender: rate, seconds }));
    const point = {
      scenario: label, ratePerSender: rate, offeredSendRate: runs[0].offeredSendRate,
      deliveredPerSecond: pick((r) => r.deliveredPerSecond), p50Ms: pick((r) => r.latencyMs.p50), p99Ms: pick((r) => r.latencyMs.p99),
      maxMs: pick((r) => r.latencyMs.max), lost: pick((r) => r.lost), serverCpuPercent: pick((r) => r.serverCpuPercent),
      serverRssMb: pick((r) => r.serverRssBytes / 1048576), loadgenCpuPercent: pick((r) => r.loadgenCpuPercent),
      loadgenEventLoopDelayP99Ms: pick((r) => r.loadgenEventLoopDelayMs?.p99),
      sentToServerStampP99Ms: pick((r) => r.sentToServerStampMs?.p99), serverStampToReceivedP99Ms: pick((r) => r.serverStampToReceivedMs?.p99),
      cpuMicrosecondsPerDelivered: pick((r) => (r.received ? (r.serverCpuSeconds * 1e6) / r.received : null)), runs,
    };
    console.log(`  ${label} ${server.kind} rate ${point.offeredSendRate}/s → delivered ${point.deliveredPerSecond.median.toFixed(0)}/s p99 ${point.p99Ms?.median?.toFixed(1)} ms lost ${point.lost.median}, ${point.cpuMicrosecondsPerDelivered?.median?.toFixed(1)} µs CPU per delivery, ` +
      `load generator ${point.loadgenCpuPercent.median.toFixed(0)} % CPU, its event loop late by p99 ${point.loadgenEventLoopDelayP99Ms?.median?.toFixed(1)} ms; ` +
      `p99 sent → server's timestamp ${point.sentToServerStampP99Ms?.median?.toFixed(1)} ms, server's timestamp → received ${point.serverStampToReceivedP99Ms?.median?.toFixed(1)} ms`);
    points.push(point);
    if (point.p99Ms?.median > 1000 || point.lost.median > point.deliveredPerSecond.median * seconds) break; // far past saturation
  }
  const sustainable = points.filter((p) => p.p99Ms && p.p99Ms.median < 100 && p.lost.median === 0);
  return { points, maxSustainableDelivered: sustainable.length ? Math.max(...sustainable.map((p) => p.deliveredPerSecond.median)) : 0 };
}

// CPU per forwarded typing event = the server CPU the typing adds ÷ the UserTyping events delivered.
async function typingCost() {
  const server = await startServer("grainchat", "Sqlite");
  try {
    const specs = await specsFor(server, TYPING.rooms, TYPING.members, "t");
    const pairs = await scenarios.withFanout({ ...server, specs, workers: WORKERS }, async (load) => {
      const measure = (typingPerSecond) => load.fanout({ ...server, ratePerSender: TYPING.ratePerSender, seconds: TYPING.seconds, typingPerSecond });
      const measured = [];
      for (let i = 0; i < TYPING.runs; i++) {
        // Interleaved, so drift on the shared machine hits both sides alike.
        const without = await measure(0);
        const withTyping = await measure(TYPING.typingPerSecond);
        measured.push({ without, withTyping });
      }
      return measured;
    });
    const perEvent = pairs.map(({ without, withTyping }) => ((withTyping.serverCpuSeconds - without.serverCpuSeconds) * 1e6) / withTyping.typingReceived);
    const perMessage = pairs.map(({ without }) => (without.serverCpuSeconds * 1e6) / without.received);
    const result = {
      shape: TYPING, date: new Date().toISOString(),
      typingSentPerSecond: median(pairs.map((p) => p.withTyping.typingSent / TYPING.seconds)),
      typingDeliveredPerSecond: median(pairs.map((p) => p.withTyping.typingReceived / TYPING.seconds)),
      deliveredPerSecond: median(pairs.map((p) => p.without.deliveredPerSecond)),
      serverCpuPercentWithout: median(pairs.map((p) => p.without.serverCpuPercent)),
      serverCpuPercentWith: median(pairs.map((p) => p.withTyping.serverCpuPercent)),
      p99MsWithout: median(pairs.map((p) => p.without.latencyMs.p99)), p99MsWith: median(pairs.map((p) => p.withTyping.latencyMs.p99)),
      cpuMicrosecondsPerTypingEventDelivered: { median: median(perEvent), min: Math.min(...perEvent), max: Math.max(...perEvent) },
      cpuMicrosecondsPerMessageDelivered: median(perMessage),
    };
    console.log(JSON.stringify(result, null, 2));
    const file = path.join(__dirname, "results", `typing-${result.date.slice(0, 19).replace(/:/g, "-")}${quick ? "-quick" : ""}.json`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify({ ...result, runs: pairs }, (k, v) => (k === "samples" ? undefined : v), 2));
    console.log(`results: ${path.relative(root, file)}`);
  } finally { await stopServer(server); }
}

function machineAndVersions() {
  return {
    machine: { cores: os.cpus().length, cpu: os.cpus()[0].model, memoryGiB: Math.round(os.totalmem() / 2 ** 30), os: `${os.type()} ${os.release()}` },
    versions: { node: process.version, dotnet: execSync("dotnet --version").toString().trim(), signalrClient: packageVersion("@microsoft/signalr"), socketio: packageVersion("socket.io") },
  };
}

// Server CPU per delivered message at each offered rate, GrainChat beside bare-signalr, and the knee of each.
async function cpuCost() {
  const started = new Date();
  const results = { date: started.toISOString(), quick, shape: CPU, workers: WORKERS, ...machineAndVersions(), servers: {} };
  for (const name of cpuServers) {
    console.log(`== ${name}`);
    const server = await startServer(name, option("--storage") ?? "Sqlite");
    try {
      // Warm-up at half the highest rate, not recorded, on the connections the sweep then measures on: right after
      // start the JIT's tiering work would be counted as CPU.
      const specs = await specsFor(server, CPU.rooms, CPU.members, "u");
      results.servers[name] = await scenarios.withFanout({ ...server, specs, workers: WORKERS }, async (load) => {
        for (const seconds of [20, 10]) await load.fanout({ ...server, ratePerSender: CPU.rates.at(-1) / 2, seconds });
        return fanoutSweep(server, CPU, "cost", "u", CPU.runs, CPU.seconds, load);
      });
    } finally { await stopServer(server); }
  }
  if (!results.servers.grainchat || !results.servers["bare-signalr"]) return;
  results.durationMinutes = (Date.now() - started.getTime()) / 60000;
  const file = path.join(__dirname, "results", `cpu-${started.toISOString().slice(0, 19).replace(/:/g, "-")}${quick ? "-quick" : ""}.json`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(results, (k, v) => (k === "samples" ? undefined : v), 2));
  fs.writeFileSync(file.replace(/\.json$/, ".md"), cpuReport(results, path.relative(__dirname, file)));
  console.log(`results: ${path.relative(root, file)} and its .md table`);
}

function cpuReport(results, file) {
  const g = results.servers.grainchat; const b = results.servers["bare-signalr"]; const d = results.servers["bare-signalr-durable"];
  const f1 = (x) => (x === null || x === undefined ? "–" : x.toFixed(1));
  const f0 = (x) => (x === null || x === undefined ? "–" : Math.round(x).toLocaleString("en-US"));
  const peers = [["bare-signalr", b], ...(d ? [["bare-signalr-durable", d]] : [])];
  const lines = [`Fan-out ${results.shape.rooms} rooms × ${results.shape.members} members, ${results.shape.seconds} s per point, median of ${results.shape.runs} run(s); raw data \`${file}\`.`, "",
    `| offered sends/s | GrainChat delivered/s | p50 / p99 ms | CPU % | **µs CPU per delivery** | ${peers.map(([name]) => `${name} delivered/s | p50 / p99 ms | CPU % | **µs CPU per delivery** | CPU per delivery, GrainChat ÷ ${name}`).join(" | ")} |`,
    `| ---: | ---: | --- | ---: | ---: | ${peers.map(() => "---: | --- | ---: | ---: | ---:").join(" | ")} |`];
  const rates = [...new Set([g, b, d].filter(Boolean).flatMap((s) => s.points).map((p) => p.offeredSendRate))].sort((x, y) => x - y);
  const cell = (p) => (p ? `${f0(p.deliveredPerSecond.median)}${p.lost.median ? ` (lost ${f0(p.lost.median)})` : ""} | ${f1(p.p50Ms?.median)} / ${f1(p.p99Ms?.median)} | ${f0(p.serverCpuPercent.median)} | ${f1(p.cpuMicrosecondsPerDelivered?.median)}` : "– | – | – | –");
  for (const rate of rates) {
    const at = (s) => s.points.find((p) => p.offeredSendRate === rate);
    const gp = at(g);
    const ratio = (pp) => (gp && pp ? `${(gp.cpuMicrosecondsPerDelivered.median / pp.cpuMicrosecondsPerDelivered.median).toFixed(2)}×` : "–");
    lines.push(`| ${f0(rate)} | ${cell(gp)} | ${peers.map(([, s]) => `${cell(at(s))} | ${ratio(at(s))}`).join(" | ")} |`);
  }
  const half = b.maxSustainableDelivered / 2;
  const near = (points) => points.reduce((best, p) => (!best || Math.abs(p.deliveredPerSecond.median - half) < Math.abs(best.deliveredPerSecond.median - half) ? p : best), null);
  const gh = near(g.points);
  lines.push("", `Max sustainable delivered/s (p99 < 100 ms, nothing lost): GrainChat ${f0(g.maxSustainableDelivered)}, ${peers.map(([name, s]) => `${name} ${f0(s.maxSustainableDelivered)} (GrainChat ÷ it ${(g.maxSustainableDelivered / s.maxSustainableDelivered).toFixed(2)}×)`).join(", ")}.`,
    `p99 near half of bare-signalr's max (${f0(half)}/s): GrainChat ${f1(gh?.p99Ms?.median)} ms at ${f0(gh?.deliveredPerSecond.median)}/s; ${peers.map(([name, s]) => { const ph = near(s.points); return `${name} ${f1(ph?.p99Ms?.median)} ms at ${f0(ph?.deliveredPerSecond.median)}/s (GrainChat ÷ it ${(gh.p99Ms.median / ph.p99Ms.median).toFixed(2)}×)`; }).join("; ")}.`, "");
  return lines.join("\n");
}

// perf needs the JIT's symbol map and no W^X double mapping to name managed frames.
async function profile() {
  const name = cpuServers[0];
  const server = await startServer(name, "Sqlite", { DOTNET_PerfMapEnabled: "1", DOTNET_EnableWriteXorExecute: "0" });
  try {
    const stamp = new Date().toISOString().slice(0, 19).replace(/:/g, "-");
    const data = path.join(os.tmpdir(), `grainchat-perf-${stamp}.data`);
    let counts = "";
    const specs = await specsFor(server, CPU.rooms, CPU.members, "p");
    const result = await scenarios.withFanout({ ...server, specs, workers: WORKERS }, async (load) => {
      await load.fanout({ ...server, ratePerSender: profileRate, seconds: 30 }); // warm-up: tiered JIT settles
      const perf = spawn("perf", ["record", "-e", "cpu-clock", "-F", "999", "-g", "-p", String(server.pid), "-o", data, "--", "sleep", "20"], { stdio: "ignore" });
      // Wake-ups are the cost that does not shrink with batching: counted over the same 20 s as the samples.
      const counted = spawn("perf", ["stat", "-x", ",", "-e", "context-switches,cpu-migrations,syscalls:sys_enter_futex,syscalls:sys_enter_epoll_wait,syscalls:sys_enter_sendmsg,syscalls:sys_enter_write", "-p", String(server.pid), "--", "sleep", "20"], { stdio: ["ignore", "ignore", "pipe"] });
      counted.stderr.on("data", (chunk) => { counts += chunk; });
      const measured = load.fanout({ ...server, ratePerSender: profileRate, seconds: 24 });
      await Promise.all([new Promise((r) => perf.once("exit", r)), new Promise((r) => counted.once("exit", r))]);
      return measured;
    });
    const delivered = result.deliveredPerSecond * 20;
    const perDelivery = counts.split("\n").filter((line) => /^[0-9]/.test(line))
      .map((line) => { const [value, , event] = line.split(","); return `  ${event}: ${(Number(value) / delivered).toFixed(3)} per delivery (${value} in 20 s)`; }).join("\n");
    const top = (sort, lines) => execSync(`perf report -i ${data} --no-children -g none --sort ${sort} --stdio 2>/dev/null | grep -E '^ +[0-9]' | head -${lines} | cut -c1-220`, { maxBuffer: 1 << 26 }).toString();
    const report = `Counted (perf stat):\n${perDelivery}\n\nBy thread:\n${top("comm", 15)}\nBy module:\n${top("dso", 15)}\nBy function:\n${top("symbol", 60)}`;
    const file = path.join(__dirname, "results", `profile-${stamp}.txt`);
    fs.writeFileSync(file, `${name} under fan-out ${CPU.rooms}×${CPU.members} at ${profileRate} sends/s per member: delivered ${Math.round(result.deliveredPerSecond)}/s, p99 ${result.latencyMs.p99?.toFixed(1)} ms, server CPU ${result.serverCpuPercent.toFixed(0)} %, ${(result.serverCpuSeconds * 1e6 / result.received).toFixed(1)} µs per delivery\n\n${report}`);
    console.log(`profile: ${path.relative(root, file)} (samples with call graphs: ${data})`);
  } finally { await stopServer(server); }
}

async function traceRun() {
  const stamp = new Date().toISOString().slice(0, 19).replace(/:/g, "-");
  const report = [`Fan-out ${CPU.rooms}×${CPU.members} at ${traceRate} sends/s per member, SQLite; 20 s measured after a 20 s warm-up on the same connections. Times in ms.`];
  for (const name of cpuServers) {
    const file = path.join(os.tmpdir(), `grainchat-trace-${name}-${stamp}.tsv`);
    const server = await startServer(name, "Sqlite", { GRAINCHAT_MESSAGE_TRACE: file });
    let result, from;
    try {
      const specs = await specsFor(server, CPU.rooms, CPU.members, "t");
      result = await scenarios.withFanout({ ...server, specs, workers: WORKERS }, async (load) => {
        await load.fanout({ ...server, ratePerSender: traceRate, seconds: 20 });
        from = Date.now();
        return load.fanout({ ...server, ratePerSender: traceRate, seconds: 20 });
      });
    } finally { await stopServer(server); }
    const traced = messageTrace.readMessages(file, from, from + 20000);
    fs.rmSync(file, { force: true });
    report.push("", messageTrace.format(name, messageTrace.summarize(traced)),
      `  end to end (load generator, every recipient): p50 ${result.latencyMs.p50.toFixed(2)}, p99 ${result.latencyMs.p99.toFixed(2)}; ` +
      `delivered ${Math.round(result.deliveredPerSecond)}/s; server CPU ${result.serverCpuPercent.toFixed(0)} %; keys dropped as repeated: ${traced.repeated}`);
  }
  const out = path.join(__dirname, "results", `trace-${stamp}.txt`);
  fs.writeFileSync(out, report.join("\n") + "\n");
  console.log(report.join("\n"));
  console.log(`results: ${path.relative(root, out)}`);
}

async function writesOnlyRun() {
  const runs = Number(option("--runs") ?? P.runs);
  const results = { date: new Date().toISOString(), gateway: path.resolve(gatewayRoot), commit: execSync("git rev-parse --short HEAD", { cwd: gatewayRoot }).toString().trim(), runs, writes: P.writes, storage: {} };
  const storages = option("--storage")?.split(",") ?? ["Sqlite", "Memory", ...(postgres ? ["Postgres"] : [])];
  // bare-signalr answers the same send (group echo and acknowledgement) storing nothing: the floor of the hub's own part.
  const names = option("--servers")?.split(",") ?? ["grainchat"];
  const targets = [...(names.includes("grainchat") ? storages.map((storage) => ({ name: "grainchat", storage, label: storage })) : []),
    ...names.filter((name) => servers[name]?.kind === "bare").map((name) => ({ name, storage: null, label: name }))];
  for (const { name, storage, label } of targets) {
    console.log(`== ${label} (durable writes, ${results.commit})`);
    const server = await startServer(name, storage);
    try {
      const specs = await specsFor(server, P.writes.senders, 1, `w${Date.now() % 100000}`);
      // Warm-up: the tiering JIT compiles for the first ~30 s of load (14,000 methods); with 5 s it took a third of
      // the server's CPU samples during the first measured run. Each run closes its connections and opens new ones,
      // and after a single 25 s round the first measured run still saw ~1,500 compilations (the close and open
      // paths, then their tier-1 versions): 26 % of the server's samples. A second round takes them out of it.
      for (const seconds of [25, 10]) {
        await scenarios.writes({ ...server, specs, workers: WORKERS, seconds, inFlight: P.writes.inFlight });
      }
      const { pick } = await repeat(runs, () => scenarios.writes({ ...server, specs, workers: WORKERS, seconds: P.writes.seconds, inFlight: P.writes.inFlight }));
      const entry = results.storage[label] = {
        ackedPerSecond: pick((r) => r.ackedPerSecond), p50Ms: pick((r) => r.ackLatencyMs.p50), p99Ms: pick((r) => r.ackLatencyMs.p99),
        serverCpuPercent: pick((r) => r.serverCpuPercent), loadgenCpuPercent: pick((r) => r.loadgenCpuPercent),
        serverCpuMicrosecondsPerAck: pick((r) => r.serverCpuMicrosecondsPerAck), loadgenCpuMicrosecondsPerAck: pick((r) => r.loadgenCpuMicrosecondsPerAck),
      };
      // The rate this machine's cores would allow if both sides kept their CPU per write and nothing else ran.
      entry.cpuBoundAckedPerSecond = (os.cpus().length * 1e6) / (entry.serverCpuMicrosecondsPerAck.median + entry.loadgenCpuMicrosecondsPerAck.median);
      console.log(`  ${JSON.stringify(entry)}`);
    } finally { await stopServer(server); }
  }
  const file = path.join(__dirname, "results", `writes-${results.commit}-${results.date.slice(0, 19).replace(/:/g, "-")}.json`);
  fs.writeFileSync(file, JSON.stringify(results, null, 2));
  console.log(`results: ${path.relative(root, file)}`);
}

async function stages() {
  const password = "bench admin password";
  const server = await startServer("grainchat", option("--storage") ?? "Sqlite", { GrainChat__Bootstrap__AdminPassword: password, GrainChat__Admins__0: "admin" });
  try {
    const specs = await specsFor(server, CPU.rooms, CPU.members, "s");
    const { result, writerBefore, writerAfter, pool, grains } = await scenarios.withFanout({ ...server, specs, workers: WORKERS }, async (connections) => {
      await connections.fanout({ ...server, ratePerSender: stagesRate, seconds: 20 }); // warm-up
      const login = await fetch(`${server.url}/api/login`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ username: "admin", password }) });
      const { token } = await login.json();
      const auth = { headers: { Authorization: `Bearer ${token}` } };
      const writer = async () => parseWriterMetrics(await (await fetch(`${server.url}/metrics`, auth)).text());
      const load = connections.fanout({ ...server, ratePerSender: stagesRate, seconds: 20 });
      await sleep(3000);
      const writerBefore = await writer();
      // The thread pool's queue and threads, sampled through the 12 s: work waiting for a thread shows here.
      const pool = { queue: [], threads: [] };
      for (const until = Date.now() + 12000; Date.now() < until; await sleep(250)) {
        const text = await (await fetch(`${server.url}/metrics`, auth)).text();
        pool.queue.push(Number(/^dotnet_thread_pool_queue_length(?:_total)? \S+$/m.exec(text)?.[0].split(" ")[1] ?? NaN));
        pool.threads.push(Number(/^dotnet_thread_pool_thread_count(?:_total)? \S+$/m.exec(text)?.[0].split(" ")[1] ?? NaN));
      }
      const writerAfter = await writer();
      const grains = await (await fetch(`${server.url}/api/admin/grains`, auth)).json();
      return { result: await load, writerBefore, writerAfter, pool, grains };
    });
    console.log(`end to end: delivered ${Math.round(result.deliveredPerSecond)}/s, p50 ${result.latencyMs.p50.toFixed(1)} ms, p99 ${result.latencyMs.p99.toFixed(1)} ms, server CPU ${result.serverCpuPercent.toFixed(0)} %, ` +
      `load generator CPU ${result.loadgenCpuPercent.toFixed(0)} %, its event loop late by p99 ${result.loadgenEventLoopDelayMs.p99.toFixed(1)} ms, at most ${result.loadgenEventLoopDelayMs.max.toFixed(1)} ms`);
    const split = (l) => `p50 ${l.p50?.toFixed(1)} ms, p99 ${l.p99?.toFixed(1)} ms`;
    console.log(`  sent → stamped by the message log's batch: ${split(result.sentToServerStampMs)}; stamped → received: ${split(result.serverStampToReceivedMs)}`);
    const delta = (key) => (writerAfter[key] ?? 0) - (writerBefore[key] ?? 0);
    const mean = (name) => delta(`${name}_sum`) / Math.max(1, delta(`${name}_count`));
    const batches = delta("grainchat_silo_message_log_batch_size_count");
    console.log(`  message log writer (12 s mid-run): ${(batches / 12).toFixed(0)} batches/s, mean batch ${mean("grainchat_silo_message_log_batch_size").toFixed(1)} messages, ` +
      `mean wait for a batch ${mean("grainchat_silo_message_log_queue_wait").toFixed(2)} ms, mean write + commit ${mean("grainchat_silo_message_log_commit_duration").toFixed(2)} ms`);
    const slow = (name, ms) => delta(`${name}_count`) - delta(`${name}_bucket{le="${ms}"}`);
    console.log(`  batches whose write + commit took over 10 ms: ${slow("grainchat_silo_message_log_commit_duration", 10)}, over 50 ms: ${slow("grainchat_silo_message_log_commit_duration", 50)}; ` +
      `appends that waited over 10 ms: ${slow("grainchat_silo_message_log_queue_wait", 10)}, over 50 ms: ${slow("grainchat_silo_message_log_queue_wait", 50)}`);
    const waits = (name) => `mean ${mean(name).toFixed(2)} ms, over 10 ms: ${slow(name, 10)}, over 50 ms: ${slow(name, 50)}`;
    console.log(`  of which waiting for the write lock: ${waits("grainchat_silo_message_log_write_lock_wait")}`);
    console.log(`  commit → the room's publish turn (scheduled turn wait, ${delta("grainchat_silo_scheduled_turn_wait_count")} turns): ${waits("grainchat_silo_scheduled_turn_wait")}`);
    console.log(`  published → delivery to the hub begins (stream delivery wait, ${delta("grainchat_silo_stream_delivery_wait_count")} events): ${waits("grainchat_silo_stream_delivery_wait")}`);
    const collections = Object.keys(writerAfter).filter((key) => key.startsWith("dotnet_gc_collections_total"))
      .map((key) => `${/generation="(\w+)"/.exec(key)?.[1] ?? key} ${delta(key)}`).join(", ");
    console.log(`  garbage collections (12 s): ${collections}; pause time ${(delta("dotnet_gc_pause_time_total") * 1000).toFixed(1)} ms in all`);
    const sorted = (values) => [...values].sort((a, b) => a - b);
    console.log(`  thread pool (every 250 ms): queue p50 ${sorted(pool.queue)[pool.queue.length >> 1]}, max ${Math.max(...pool.queue)}; threads ${Math.min(...pool.threads)}–${Math.max(...pool.threads)}`);
    for (const type of grains.grainTypes ?? grains) {
      for (const m of type.methods ?? []) console.log(`  ${type.grainType}.${m.method}: ${m.calls} calls, mean ${m.meanMilliseconds.toFixed(2)} ms, p99 ${m.p99Milliseconds.toFixed(2)} ms (last 1,024 calls)`);
    }
  } finally { await stopServer(server); }
}

/** The send path's histograms (the message log writer's, the publish turn's and the stream's waits) and the GC counters from /metrics. */
function parseWriterMetrics(text) {
  const values = {};
  for (const line of text.split("\n")) {
    const match = /^((?:grainchat_silo_(?:message_log_\w+|scheduled_turn_wait|stream_delivery_wait)_(?:sum|count|bucket(?:\{le="[^"]+"\})?))|dotnet_gc_(?:collections|pause_time)_total(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (match) values[match[1]] = Number(match[2]);
  }
  return values;
}

async function main() {
  if (stagesRate) return stages();
  if (writesOnly) return writesOnlyRun();
  if (connectionsOnly) return connectionsOnlyRun();
  if (profileRate) return profile();
  if (traceRate) return traceRun();
  if (typingOnly) return typingCost();
  if (cpuOnly) return cpuCost();
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
        entry.connections.push(await idleConnections(server, n, `c${n}`));
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

// Idle connections, 20 users sharing them (GrainChat connections authenticate), then a message must still arrive.
async function idleConnections(server, n, tag) {
  const users = server.kind === "grainchat" ? await specsFor(server, 1, Math.min(20, n), tag) : null;
  const specs = Array.from({ length: n }, (_, i) => (users ? { token: users[i % users.length].token } : {}));
  const probe = users ? users.slice(0, 2).map((u) => ({ ...u, sender: true })) : [{ room: `probe-${tag}`, sender: true }, { room: `probe-${tag}`, sender: true }];
  const result = await scenarios.connections({ ...server, specs, probeSpecs: probe, workers: WORKERS });
  console.log(`  connections ${n}: ${result.connectSeconds.toFixed(1)} s, server CPU ${result.serverCpuMsPerConnect.toFixed(2)} ms per connect, ${(result.rssPerConnectionBytes / 1024).toFixed(1)} KiB each, message arrives: ${result.messageStillArrives}`);
  return result;
}

// --connections N,M [--runs R] [--warm N] [--servers ..] [--gateway DIR]: only the idle-connection scenario, a fresh server per run.
async function connectionsOnlyRun() {
  const runs = Number(option("--runs") ?? 1);
  const commit = execSync("git rev-parse --short HEAD", { cwd: gatewayRoot }).toString().trim();
  for (const name of cpuServers) {
    for (const n of connectionsOnly) {
      for (let run = 0; run < runs; run++) {
        console.log(`== ${name}${name === "grainchat" ? ` (${commit})` : ""}, ${n} idle connections, run ${run + 1}`);
        const server = await startServer(name, "Sqlite");
        try {
          // --warm N: connect and close N first, so the JIT's tiering is not counted as the cost of a connect.
          if (option("--warm")) await idleConnections(server, Number(option("--warm")), `w${n}r${run}`);
          await idleConnections(server, n, `c${n}r${run}`);
        } finally { await stopServer(server); }
      }
    }
  }
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
