// Tries GrainChat as an attacker and a careless client would, from outside, against a Release build, and prints
// what the service held. Not part of CI. Usage: node bench/abuse.js [--postgres <Npgsql connection string>]
// (bench/abuse.sh builds, installs and starts a throwaway PostgreSQL, then calls this.)
"use strict";
const { spawn, execFileSync } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const signalR = require("@microsoft/signalr");
const WebSocket = require("ws");

const root = path.join(__dirname, "..");
const gatewayDll = path.join(root, "Gateway/bin/Release/net10.0/GrainChat.Gateway.dll");
const pgIndex = process.argv.indexOf("--postgres");
const postgres = pgIndex > 0 ? process.argv[pgIndex + 1] : null;
const results = {};

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const percentile = (values, p) => {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};
const count = (statuses) => statuses.reduce((acc, s) => ({ ...acc, [s]: (acc[s] ?? 0) + 1 }), {});
let addressSeed = 1;
const freshAddress = () => `10.9.${Math.floor(addressSeed / 250) % 250}.${(addressSeed++ % 250) + 1}`;

async function startGateway(port, extra = []) {
  const data = fs.mkdtempSync(path.join(os.tmpdir(), "grainchat-abuse-"));
  const storage = postgres && extra.includes("postgres") ? ["--GrainChat:Storage:Provider", "Postgres", "--ConnectionStrings:GrainChat", postgres]
    : ["--ConnectionStrings:GrainChat", `Data Source=${path.join(data, "grainchat.db")}`];
  const child = spawn("dotnet", [gatewayDll, "--urls", `http://127.0.0.1:${port}`, "--contentRoot", data, ...storage,
    "--GrainChat:DataProtection:KeysDirectory", path.join(data, "keys"), "--Logging:LogLevel:Default", "Warning",
    // The send rate is lifted so that the posting loops measure the other protections, not that one.
    "--GrainChat:RateLimit:MessagesPerSecond", "100000", "--GrainChat:RateLimit:Burst", "100000",
    ...extra.filter((e) => e !== "postgres")], { stdio: "ignore" });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 120; i++) {
    try { if ((await fetch(`${url}/alive`)).ok) return { child, url }; } catch { /* not up yet */ }
    await sleep(500);
  }
  throw new Error("the Gateway did not start");
}

async function stopGateway(gateway) {
  gateway.child.kill("SIGTERM");
  await new Promise((r) => gateway.child.once("exit", r));
}

async function call(url, method, route, body, token, address = freshAddress()) {
  const started = performance.now();
  const response = await fetch(`${url}${route}`, {
    method,
    headers: { "Content-Type": "application/json", "X-Forwarded-For": address, ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, ms: performance.now() - started, body: text ? JSON.parse(text) : null };
}

async function register(url, name, address = freshAddress()) {
  return (await call(url, "POST", "/api/register", { username: name, password: "abuse password" }, null, address)).body.token;
}

async function hub(url, token, onMessage) {
  const connection = new signalR.HubConnectionBuilder()
    .withUrl(`${url}/hubs/chat`, { transport: signalR.HttpTransportType.WebSockets, skipNegotiation: true, accessTokenFactory: () => token })
    .configureLogging(signalR.LogLevel.None).build();
  if (onMessage) connection.on("MessageReceived", onMessage);
  await connection.start();
  return connection;
}

// 1. Forty parallel loops of wrong-password logins for one user for 20 s, from one address and from many;
//    meanwhile the user's own requests and a new hub connection are timed.
async function loginFlood(url) {
  for (const from of ["one address", "a new address per attempt"]) {
    const victim = `victim${Date.now() % 100000}${from.length}`;
    const home = freshAddress();
    const token = await register(url, victim, home);
    const attacker = freshAddress();
    const statuses = [];
    const mine = [];
    const until = Date.now() + 20_000;
    const flood = Array.from({ length: 40 }, async () => {
      while (Date.now() < until) {
        const address = from === "one address" ? attacker : freshAddress();
        statuses.push((await call(url, "POST", "/api/login", { username: victim, password: "wrong guess" }, null, address)).status);
      }
    });
    const own = (async () => {
      while (Date.now() < until) { mine.push((await call(url, "GET", "/api/me", undefined, token)).ms); await sleep(100); }
    })();
    await sleep(10_000);
    const connectStarted = performance.now();
    const connection = await hub(url, token);
    const connectMs = performance.now() - connectStarted;
    await connection.stop();
    await Promise.all([...flood, own]);
    const fromAttacker = (await call(url, "POST", "/api/login", { username: victim, password: "abuse password" }, null, attacker)).status;
    const fromHome = (await call(url, "POST", "/api/login", { username: victim, password: "abuse password" }, null, home)).status;
    results[`login flood from ${from}`] = {
      attempts: statuses.length, statuses: count(statuses),
      "victim GET /api/me p50 ms": Math.round(percentile(mine, 50)), "p99 ms": Math.round(percentile(mine, 99)),
      "victim new hub connection ms": Math.round(connectMs),
      "right password afterwards, from the attacker's address": fromAttacker, "from the victim's own address": fromHome,
    };
  }
}

// 2. A member joins and stops reading its socket while 1,500 messages of 3,900 characters are posted.
async function slowReader(url) {
  const [alice, bob, carol] = await Promise.all(["alice", "bob", "carol"].map((n) => register(url, `${n}${Date.now() % 100000}`)));
  const roomId = (await call(url, "POST", "/api/rooms", { roomName: `slow ${Date.now()}` }, alice)).body.roomId;
  await call(url, "POST", `/api/rooms/${roomId}/join`, null, bob);
  await call(url, "POST", `/api/rooms/${roomId}/join`, null, carol);
  const arrivals = [];
  const reader = await hub(url, bob, () => arrivals.push(performance.now()));
  const stalled = new WebSocket(`${url.replace("http", "ws")}/hubs/chat?access_token=${encodeURIComponent(carol)}`);
  await new Promise((resolve, reject) => { stalled.once("open", resolve); stalled.once("error", reject); });
  stalled.send('{"protocol":"json","version":1}\u001e');
  await new Promise((resolve) => stalled.once("message", resolve));
  let closedAt = null;
  stalled.once("close", () => { closedAt = performance.now(); });
  stalled._socket.pause(); // stops reading: the server's writes to it back up
  const started = performance.now();
  const text = "x".repeat(3_900);
  for (let i = 0; i < 1_500; i++) await call(url, "POST", `/api/rooms/${roomId}/messages`, { text: `${i} ${text}` }, alice);
  const sent = performance.now();
  for (let i = 0; i < 100 && arrivals.length < 1_500; i++) await sleep(100);
  const gaps = arrivals.slice(1).map((t, i) => t - arrivals[i]);
  results["slow reader"] = {
    "messages posted": 1_500, "received by the reading member": arrivals.length,
    "its longest wait between two messages ms": Math.round(Math.max(0, ...gaps)),
    "its last message after the last post ms": Math.round((arrivals.at(-1) ?? sent) - sent),
    "stalled connection closed after ms": closedAt === null ? "not closed" : Math.round(closedAt - started),
  };
  await reader.stop();
  stalled.terminate();
}

// 3. One user sends Broadcast with 30,000 characters, then 1 KB, as fast as it can for 10 s, to 50 listeners.
async function broadcastFlood(url) {
  const sender = await register(url, `loud${Date.now() % 100000}`);
  let received = 0;
  const listeners = await Promise.all(Array.from({ length: 50 }, async (_, i) => {
    const connection = await hub(url, await register(url, `ear${Date.now() % 100000}_${i}`));
    connection.on("Broadcast", () => { received++; });
    return connection;
  }));
  const connection = await hub(url, sender);
  const outcome = {};
  for (const size of [30_000, 1_000]) {
    const data = "y".repeat(size);
    const before = received;
    const answers = [];
    for (const until = Date.now() + 10_000; Date.now() < until;) {
      try { await connection.invoke("Broadcast", data); answers.push("accepted"); } catch (error) { answers.push(/retryAfter/.test(error.message) ? "rate limited" : /4 KB/.test(error.message) ? "too large" : "other error"); }
    }
    outcome[`${size} characters`] = { invocations: answers.length, answers: count(answers), "deliveries to listeners": received - before };
  }
  results["broadcast flood"] = outcome;
  await Promise.all([connection, ...listeners].map((c) => c.stop()));
}

// 4. PostgreSQL stops for 20 s while ten senders post; then it starts again.
async function databaseOutage(url, pgCtl) {
  const token = await register(url, `steady${Date.now() % 100000}`);
  const roomId = (await call(url, "POST", "/api/rooms", { roomName: `outage ${Date.now()}` }, token)).body.roomId;
  const acknowledged = [];
  const statuses = [];
  const health = [];
  let stopping = false;
  const senders = Array.from({ length: 10 }, async (_, s) => {
    for (let i = 0; !stopping; i++) {
      const text = `s${s}-${i}`;
      try {
        const answer = await call(url, "POST", `/api/rooms/${roomId}/messages`, { text, clientMessageId: text }, token);
        statuses.push(answer.status);
        if (answer.status === 201) acknowledged.push(answer.body.id);
      } catch { statuses.push("network error"); }
      await sleep(20);
    }
  });
  await sleep(5_000);
  pgCtl("stop");
  const downAt = performance.now();
  for (let i = 0; i < 20; i++) { health.push((await fetch(`${url}/health`)).status); await sleep(1_000); }
  pgCtl("start");
  const upAt = performance.now();
  let recoveredAt = null;
  while (recoveredAt === null && performance.now() - upAt < 60_000) {
    if ((await call(url, "POST", `/api/rooms/${roomId}/messages`, { text: "probe" }, token)).status === 201) recoveredAt = performance.now();
    else await sleep(200);
  }
  await sleep(3_000);
  stopping = true;
  await Promise.all(senders);
  const stored = new Set();
  for (let after = 0; ;) {
    const page = (await call(url, "GET", `/api/rooms/${roomId}/messages?after=${after}&limit=200`, undefined, token)).body.messages;
    if (page.length === 0) break;
    page.forEach((m) => stored.add(m.id));
    after = page.at(-1).id;
  }
  results["database outage (PostgreSQL stopped 20 s)"] = {
    "sends by status": count(statuses), "/health while down": count(health),
    "acknowledged": acknowledged.length, "acknowledged but missing afterwards": acknowledged.filter((id) => !stored.has(id)).length,
    "first stored send after the database came back ms": recoveredAt === null ? "never" : Math.round(recoveredAt - upAt),
    "outage length ms": Math.round(upAt - downAt),
  };
}

(async () => {
  const gateway = await startGateway(5201);
  try {
    await loginFlood(gateway.url);
    await slowReader(gateway.url);
    await broadcastFlood(gateway.url);
  } finally {
    await stopGateway(gateway);
  }

  if (postgres) {
    const dataDir = process.env.PG_DATA_DIR;
    const pgBin = process.env.PG_BIN;
    const asPostgres = (args) => (process.getuid() === 0 ? ["runuser", ["-u", "postgres", "--", ...args]] : [args[0], args.slice(1)]);
    const pgCtl = (verb) => {
      const [program, args] = asPostgres([path.join(pgBin, "pg_ctl"), "-D", path.join(dataDir, "data"), "-w", "-m", "fast", verb,
        ...(verb === "start" ? ["-o", process.env.PG_OPTIONS, "-l", path.join(dataDir, "log")] : [])]);
      execFileSync(program, args, { stdio: "ignore" });
    };
    const onPostgres = await startGateway(5202, ["postgres"]);
    try { await databaseOutage(onPostgres.url, pgCtl); } finally { await stopGateway(onPostgres); }
  } else {
    results["database outage"] = "skipped: PostgreSQL is not installed";
  }

  console.log(JSON.stringify(results, null, 2));
})().catch((error) => { console.error(error); process.exit(1); });
