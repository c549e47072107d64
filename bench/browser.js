// The browser client's cost per incoming message, in headless Chromium, as a room's loaded history grows.
// Usage: node bench/browser.js [--messages N] [--rate N] [--step N] [--readers N] [--webroot DIR] [--runs N]
//   (after `dotnet build Gateway -c Release`; Chromium at /usr/bin/chromium)
// READERS (default 1) readers have a room open in the web client, each in its own page, while a sender posts N
// messages to it through the hub at RATE a second. For every STEP messages: the page's main-thread time per message
// (Chrome's TaskDuration over the step, and its script, layout and style-recalculation parts), the HTTP requests and
// hub frames the pages sent per message, the DOM's size at the end of the step, how late the step's last message
// appeared after the sender had its ack, and the Gateway's CPU per message. Page figures are the first reader's;
// requests are all readers' together.
// --profile adds the page's JavaScript CPU profile over the run: the functions with the most self time.
// --webroot serves another copy of the web client (e.g. an older app.js) from the same Gateway build.
"use strict";
const { spawn } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const signalR = require("@microsoft/signalr");
const { chromium } = require("playwright-core");

const root = path.resolve(__dirname, "..");
const option = (name, fallback) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : fallback; };
const MESSAGES = Number(option("--messages", 3000));
const RATE = Number(option("--rate", 100));
const STEP = Number(option("--step", 500));
const RUNS = Number(option("--runs", 1));
const READERS = Number(option("--readers", 1));
const PROFILE = process.argv.includes("--profile");
const WEBROOT = option("--webroot", path.join(root, "Gateway/wwwroot"));
const PORT = 5131;
const URL = `http://127.0.0.1:${PORT}`;
const CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"];

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function startGateway() {
  const data = fs.mkdtempSync(path.join(os.tmpdir(), "grainchat-browser-bench-"));
  const child = spawn("dotnet", [path.join(root, "Gateway/bin/Release/net10.0/GrainChat.Gateway.dll"),
    "--urls", URL, "--contentRoot", data, "--webroot", path.resolve(WEBROOT),
    "--ConnectionStrings:GrainChat", `Data Source=${path.join(data, "grainchat.db")}`,
    "--GrainChat:DataProtection:KeysDirectory", path.join(data, "keys"),
    "--GrainChat:RateLimit:MessagesPerSecond", "1000000", "--GrainChat:RateLimit:Burst", "1000000",
    "--GrainChat:RateLimit:RegistrationsPerHourPerAddress", "1000000",
    "--Logging:LogLevel:Default", "Warning"], { stdio: "ignore" });
  for (let i = 0; i < 120; i++) {
    try { if ((await fetch(`${URL}/alive`)).ok) return { child, data }; } catch { /* not up yet */ }
    await sleep(500);
  }
  throw new Error("the Gateway did not start");
}

async function stopGateway({ child, data }) {
  child.kill("SIGTERM");
  await new Promise((resolve) => child.once("exit", resolve));
  fs.rmSync(data, { recursive: true, force: true });
}

async function post(route, body, token) {
  const response = await fetch(`${URL}${route}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!response.ok) throw new Error(`${route}: ${response.status} ${await response.text()}`);
  return response.status === 204 ? null : response.json();
}

// The Gateway's user plus system CPU time so far, in ms (from /proc; clock ticks of 10 ms).
function gatewayCpuMs(pid) {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function run(browser, run, gatewayPid) {
  const sender = await post("/api/register", { username: `sender${run}`, password: "bench password" });
  const roomName = `render ${run}`;
  const { roomId } = await post("/api/rooms", { roomName }, sender.token);
  let requests = 0;
  const pages = [];
  for (let i = 0; i < READERS; i++) {
    const reader = await post("/api/register", { username: `reader${run}_${i}`, password: "bench password" });
    await post(`/api/rooms/${roomId}/join`, null, reader.token);
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.addInitScript(([token, username]) => {
      localStorage.setItem("grainchat.token", token);
      localStorage.setItem("grainchat.username", username);
    }, [reader.token, reader.user.username]);
    page.on("request", () => requests++);
    page.on("websocket", (socket) => socket.on("framesent", () => requests++));
    await page.goto(URL);
    await page.locator("#my-rooms li", { hasText: roomName }).click();
    await page.locator("#message-text").waitFor();
    pages.push(page);
  }
  const page = pages[0];
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Performance.enable");
  if (PROFILE) { await cdp.send("Profiler.enable"); await cdp.send("Profiler.start"); }
  const durations = async () => {
    const { metrics } = await cdp.send("Performance.getMetrics");
    const seconds = (name) => metrics.find((m) => m.name === name).value;
    return { task: seconds("TaskDuration"), script: seconds("ScriptDuration"), layout: seconds("LayoutDuration"), style: seconds("RecalcStyleDuration") };
  };

  const connection = new signalR.HubConnectionBuilder()
    .withUrl(`${URL}/hubs/chat`, { transport: signalR.HttpTransportType.WebSockets, skipNegotiation: true, accessTokenFactory: () => sender.token })
    .configureLogging(signalR.LogLevel.None)
    .build();
  await connection.start();

  const rows = [];
  const started = performance.now();
  let before = await durations();
  let requestsBefore = requests;
  let cpuBefore = gatewayCpuMs(gatewayPid);
  for (let sent = 0; sent < MESSAGES;) {
    const acks = [];
    for (const end = sent + STEP; sent < end; sent++) {
      const due = started + (sent * 1000) / RATE;
      if (due > performance.now()) await sleep(due - performance.now());
      acks.push(connection.invoke("SendMessage", roomId, `message ${sent + 1} of the render benchmark`, null));
    }
    const last = await acks[acks.length - 1];
    await Promise.all(acks);
    const acked = performance.now();
    await Promise.all(pages.map((reader) => reader.waitForSelector(`#messages li[data-id="${last.id}"]`, { state: "attached", timeout: 600_000 })));
    const shownLate = performance.now() - acked;
    const after = await durations();
    const perMessage = (name) => ((after[name] - before[name]) * 1000) / STEP;
    const dom = await page.evaluate(() => ({ items: document.querySelectorAll("#messages li").length, nodes: document.getElementsByTagName("*").length }));
    rows.push({ upTo: sent, task: perMessage("task"), script: perMessage("script"), layout: perMessage("layout"), style: perMessage("style"), requestsPerMessage: (requests - requestsBefore) / STEP, listItems: dom.items, domNodes: dom.nodes, lastShownMsAfterAck: Math.round(shownLate), gatewayMsPerMessage: (gatewayCpuMs(gatewayPid) - cpuBefore) / STEP });
    before = after;
    requestsBefore = requests;
    cpuBefore = gatewayCpuMs(gatewayPid);
  }
  await connection.stop();
  const profile = PROFILE ? (await cdp.send("Profiler.stop")).profile : null;
  await Promise.all(pages.map((reader) => reader.close()));
  return { rows, profile };
}

// Self time per function from a CDP CPU profile (samples × their intervals), the top 15.
function printProfile(profile) {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map();
  profile.samples.forEach((id, i) => {
    const { functionName, url, lineNumber } = nodes.get(id).callFrame;
    const name = `${functionName || "(anonymous)"} ${url ? `${path.basename(url)}:${lineNumber + 1}` : ""}`.trim();
    self.set(name, (self.get(name) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  console.log("\n| function | self ms | share |\n| --- | ---: | ---: |");
  for (const [name, ms] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 15)) {
    console.log(`| ${name} | ${ms.toFixed(0)} | ${((100 * ms) / total).toFixed(1)} % |`);
  }
}

async function main() {
  const gateway = await startGateway();
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_FLAGS });
  try {
    for (let r = 0; r < RUNS; r++) {
      console.log(`run ${r + 1}: ${MESSAGES} messages at ${RATE}/s, ${READERS} reader(s), web client from ${WEBROOT}`);
      console.log("| messages received | main-thread ms per message (this step): all / script / layout / style | requests and hub frames the pages sent, per message | list items | DOM nodes | last shown, ms after its ack | Gateway CPU ms per message |");
      console.log("| ---: | --- | ---: | ---: | ---: | ---: | ---: |");
      const { rows, profile } = await run(browser, r, gateway.child.pid);
      for (const row of rows) {
        console.log(`| ${row.upTo} | ${[row.task, row.script, row.layout, row.style].map((ms) => ms.toFixed(2)).join(" / ")} | ${row.requestsPerMessage.toFixed(2)} | ${row.listItems} | ${row.domNodes} | ${row.lastShownMsAfterAck} | ${row.gatewayMsPerMessage.toFixed(2)} |`);
      }
      if (profile) printProfile(profile);
    }
  } finally {
    await browser.close();
    await stopGateway(gateway);
  }
}

main().catch((error) => { console.error(error); process.exit(1); });
