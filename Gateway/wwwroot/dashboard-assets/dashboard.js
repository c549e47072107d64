// GrainChat operators' dashboard. Live parts come from the hub's admin:* events; the page is authorised by
// the dashboard cookie (set at sign-in), which the server honours on operator paths only.
"use strict";

const $ = (id) => document.getElementById(id);
const PAGE_SIZE = 50;
const CHART_POINTS = 300;          // five minutes of one-second samples
const MAX_LOG_ROWS = 300;
const view = {
  connections: [], connectionCount: 0, offset: 0,
  grains: [], grainSort: { key: "calls", descending: true },
  series: { time: [], messages: [], connections: [], calls: [] },
  charts: {},
};

async function api(method, path) {
  const response = await fetch(path, { method, credentials: "same-origin" });
  if (response.status === 401 || response.status === 403) { location.reload(); throw new Error("signed out"); }
  if (!response.ok) throw new Error(`${path}: ${response.status}`);
  return response.status === 204 ? null : response.json();
}

function cell(text, className) {
  const td = document.createElement("td");
  td.textContent = text ?? "";
  if (className) td.className = className;
  return td;
}

const time = (iso) => new Date(iso).toLocaleTimeString();

// ---- connections (paged; the newest page is kept live by events) ----------------------------------------------

// A page fetched while events arrive may predate them, so the events seen while the newest load is in flight
// are replayed on its result; an older load's result is dropped.
let connectionEventsDuringLoad = null;

async function loadConnections() {
  const events = [];
  connectionEventsDuringLoad = events;
  try {
    const user = $("connections-user").value.trim();
    const query = new URLSearchParams({ offset: view.offset, limit: PAGE_SIZE, ...(user ? { user } : {}) });
    const page = await api("GET", `/api/admin/connections?${query}`);
    if (connectionEventsDuringLoad !== events) return;
    view.connections = page.connections;
    view.connectionCount = page.count;
    for (const [apply, c] of events) apply(c);
    renderConnections();
  } finally {
    if (connectionEventsDuringLoad === events) connectionEventsDuringLoad = null;
  }
}

function renderConnections() {
  $("connections-count").textContent = `(${view.connectionCount})`;
  $("tile-connections").textContent = view.connectionCount;
  $("connections-page").textContent = view.connectionCount
    ? `${view.offset + 1}–${Math.min(view.offset + PAGE_SIZE, view.connectionCount)} of ${view.connectionCount}` : "none";
  $("connections").tBodies[0].replaceChildren(...view.connections.map((c) => {
    const row = document.createElement("tr");
    row.dataset.connectionId = c.connectionId;
    const button = document.createElement("button");
    button.className = "danger disconnect";
    button.textContent = "Disconnect";
    button.addEventListener("click", () => api("POST", `/api/admin/disconnect/${encodeURIComponent(c.connectionId)}`).catch(() => loadConnections()));
    const action = document.createElement("td");
    action.append(button);
    row.append(cell(c.connectionId), cell(c.username, "user"), cell(c.clientIp), cell(time(c.connectedAt)), cell(c.rooms.length), action);
    return row;
  }));
}

function addConnection(c) {
  const filter = $("connections-user").value.trim().toLowerCase();
  if (filter && c.username.toLowerCase() !== filter) return;
  if (view.connections.some((x) => x.connectionId === c.connectionId)) return;
  view.connectionCount++;
  if (view.offset === 0) view.connections = [c, ...view.connections].slice(0, PAGE_SIZE);
}

function removeConnection(c) {
  const before = view.connections.length;
  view.connections = view.connections.filter((x) => x.connectionId !== c.connectionId);
  if (view.connections.length !== before || !$("connections-user").value) view.connectionCount = Math.max(0, view.connectionCount - 1);
}

function onConnectionEvent(apply) {
  return (c) => {
    connectionEventsDuringLoad?.push([apply, c]);
    apply(c);
    renderConnections();
  };
}

$("connections-next").addEventListener("click", () => { if (view.offset + PAGE_SIZE < view.connectionCount) { view.offset += PAGE_SIZE; loadConnections(); } });
$("connections-prev").addEventListener("click", () => { view.offset = Math.max(0, view.offset - PAGE_SIZE); loadConnections(); });
$("connections-user").addEventListener("change", () => { view.offset = 0; loadConnections(); });

// ---- traffic log ---------------------------------------------------------------------------------------------

function logMatches(entry) {
  const room = $("log-room").value.trim();
  const user = $("log-user").value.trim().toLowerCase();
  return (!room || entry.room === room) && (!user || entry.from.toLowerCase() === user);
}

function logRow(entry) {
  const row = document.createElement("tr");
  row.append(cell(time(entry.timestamp)), cell(entry.event), cell(entry.from), cell(entry.room), cell(entry.data, "data"));
  return row;
}

// As with connections, entries that arrive while the newest load is in flight are replayed on its result.
let trafficDuringLoad = null;
const trafficKey = (entry) => JSON.stringify([entry.timestamp, entry.event, entry.from, entry.room, entry.data]);

async function loadLogs() {
  const arrived = [];
  trafficDuringLoad = arrived;
  try {
    const room = $("log-room").value.trim();
    const user = $("log-user").value.trim();
    const query = new URLSearchParams({ limit: MAX_LOG_ROWS, ...(room ? { room } : {}), ...(user ? { user } : {}) });
    const { logs } = await api("GET", `/api/admin/logs?${query}`);
    if (trafficDuringLoad !== arrived) return;
    const listed = new Set(logs.map(trafficKey));
    $("traffic").tBodies[0].replaceChildren(...logs.reverse().map(logRow));
    for (const entry of arrived) if (!listed.has(trafficKey(entry))) prependLog(entry);
  } finally {
    if (trafficDuringLoad === arrived) trafficDuringLoad = null;
  }
}

function prependLog(entry) {
  const body = $("traffic").tBodies[0];
  body.prepend(logRow(entry));
  while (body.rows.length > MAX_LOG_ROWS) body.deleteRow(-1);
}

function onTraffic(entry) {
  if (!logMatches(entry)) return;
  trafficDuringLoad?.push(entry);
  prependLog(entry);
}

$("log-room").addEventListener("change", loadLogs);
$("log-user").addEventListener("change", loadLogs);
$("log-clear").addEventListener("click", async () => { await api("POST", "/api/admin/logs/clear"); await loadLogs(); });

// ---- grains and silo -----------------------------------------------------------------------------------------

async function loadGrains() {
  const { activations, grainTypes } = await api("GET", "/api/admin/grains");
  $("tile-activations").textContent = activations;
  view.grains = grainTypes.flatMap((t) => t.methods.length
    ? t.methods.map((m) => ({ ...m, activations: t.activations }))
    : [{ grainType: t.grainType, method: `(${t.activations} activations)`, calls: 0, failures: 0, timedCalls: 0, meanMilliseconds: 0, p99Milliseconds: 0 }]);
  renderGrains();
}

function renderGrains() {
  const { key, descending } = view.grainSort;
  const sorted = [...view.grains].sort((a, b) => (a[key] < b[key] ? -1 : a[key] > b[key] ? 1 : 0) * (descending ? -1 : 1));
  $("grains").tBodies[0].replaceChildren(...sorted.map((m) => {
    const row = document.createElement("tr");
    row.append(cell(m.grainType), cell(m.method), cell(m.calls), cell(m.failures), cell(m.meanMilliseconds.toFixed(2)), cell(m.p99Milliseconds.toFixed(2)));
    return row;
  }));
}

for (const header of document.querySelectorAll("#grains th[data-sort]")) {
  header.addEventListener("click", () => {
    const key = header.dataset.sort;
    view.grainSort = { key, descending: view.grainSort.key === key ? !view.grainSort.descending : true };
    renderGrains();
  });
}
$("grains-refresh").addEventListener("click", () => { loadGrains(); loadSilo(); loadSilos(); });

async function loadSilo() {
  const silo = await api("GET", "/api/admin/silo");
  const mb = (bytes) => `${(bytes / 1048576).toFixed(1)} MB`;
  const facts = [
    ["CPU", `${silo.cpuPercent}% of ${silo.processorCount} cores`], ["Working set", mb(silo.workingSetBytes)],
    ["Managed heap", mb(silo.managedHeapBytes)], ["GC gen0/1/2", `${silo.gen0Collections} / ${silo.gen1Collections} / ${silo.gen2Collections}`],
    ["Thread pool", `${silo.threadPoolThreads} threads, ${silo.threadPoolQueueLength} queued`], ["Uptime", `${Math.round(silo.uptimeSeconds)} s`],
    ["Activations", silo.activations], ["Queued calls", silo.queuedCalls], ["Stream subscriptions", silo.streamSubscriptions],
    ["Stream events dropped", silo.streamEventsDropped], ["Storage", `${silo.storageProvider}: ${silo.storageHealth}`],
  ];
  $("silo").replaceChildren(...facts.flatMap(([label, value]) => {
    const dt = document.createElement("dt"); dt.textContent = label;
    const dd = document.createElement("dd"); dd.textContent = value;
    return [dt, dd];
  }));
}

// ---- silos of the cluster (this node alone when it is not clustered) ------------------------------------------

async function loadSilos() {
  const { self, silos } = await api("GET", "/api/admin/silos");
  const mb = (bytes) => `${(bytes / 1048576).toFixed(0)} MB`;
  const ago = (iso) => `${Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000))} s ago`;
  const live = silos.filter((s) => s.status !== "Dead");
  $("silos-count").textContent = `(${live.length} live${silos.length > live.length ? `, ${silos.length - live.length} dead` : ""})`;
  $("silos").tBodies[0].replaceChildren(...silos.map((s) => {
    const row = document.createElement("tr");
    const load = s.load ?? {};
    row.append(
      cell(s.silo === self ? `${s.silo} (this node)` : s.silo), cell(s.role), cell(s.status, s.status === "Active" ? "" : "down"),
      cell(`${Math.round((Date.now() - Date.parse(s.startedAt)) / 1000)} s`), cell(load.cpuPercent === undefined ? "" : `${load.cpuPercent}%`),
      cell(load.memoryBytes === undefined ? "" : mb(load.memoryBytes)), cell(load.activations), cell(load.callsPerSecond), cell(ago(s.lastHeartbeat)));
    return row;
  }));

  const types = [...new Set(live.flatMap((s) => Object.keys(s.load?.activationsByType ?? {})))].sort();
  const header = document.createElement("tr");
  header.append(cell("Silo"), ...types.map((t) => cell(t)), cell("All"));
  $("silo-grains").tHead.replaceChildren(header);
  const rowOf = (name, counts) => {
    const row = document.createElement("tr");
    row.append(cell(name), ...types.map((t) => cell(counts[t] ?? 0)), cell(types.reduce((sum, t) => sum + (counts[t] ?? 0), 0)));
    return row;
  };
  const total = {};
  for (const s of live) for (const [t, n] of Object.entries(s.load?.activationsByType ?? {})) total[t] = (total[t] ?? 0) + n;
  $("silo-grains").tBodies[0].replaceChildren(...live.map((s) => rowOf(s.silo, s.load?.activationsByType ?? {})), rowOf("Total", total));
}

async function loadSummary() {
  const [metrics, sessions] = await Promise.all([api("GET", "/api/metrics"), api("GET", "/api/lobby/sessions?limit=200")]);
  $("tile-online").textContent = metrics.onlineUsers;
  $("tile-rooms").textContent = metrics.rooms;
  $("tile-sessions").textContent = sessions.active_sessions.length;
}

// ---- live charts ---------------------------------------------------------------------------------------------

function makeChart(id, label) {
  const target = $(id);
  return new uPlot({ width: target.clientWidth || 320, height: 160, series: [{}, { label, stroke: "#3559e0", width: 2 }], axes: [{}, { size: 50 }] },
    [[], []], target);
}

function onStats(stats) {
  const s = view.series;
  s.time.push(Date.parse(stats.timestamp) / 1000);
  s.messages.push(stats.messagesPerSecond);
  s.connections.push(stats.connections);
  s.calls.push(stats.callsPerSecond);
  for (const key of Object.keys(s)) if (s[key].length > CHART_POINTS) s[key].shift();
  view.charts.messages.setData([s.time, s.messages]);
  view.charts.connections.setData([s.time, s.connections]);
  view.charts.calls.setData([s.time, s.calls]);
  $("tile-rate").textContent = stats.messagesPerSecond.toFixed(0);
  $("tile-activations").textContent = stats.activations;
  $("tile-cpu").textContent = `${stats.cpuPercent}%`;
}

// ---- start ---------------------------------------------------------------------------------------------------

$("signout").addEventListener("click", async () => { await fetch("/dashboard/signout", { method: "POST" }); location.reload(); });

async function start() {
  view.charts = {
    messages: makeChart("chart-messages", "messages/s"),
    connections: makeChart("chart-connections", "connections"),
    calls: makeChart("chart-calls", "calls/s"),
  };
  const hub = new signalR.HubConnectionBuilder().withUrl("/hubs/chat").withAutomaticReconnect().build();
  hub.on("admin:connection", onConnectionEvent(addConnection));
  hub.on("admin:disconnection", onConnectionEvent(removeConnection));
  hub.on("admin:message", onTraffic);
  hub.on("admin:stats", onStats);
  hub.onreconnecting(() => { $("hub-state").textContent = "reconnecting…"; $("hub-state").className = "badge down"; });
  hub.onreconnected(() => { $("hub-state").textContent = "live"; $("hub-state").className = "badge"; loadConnections(); });
  await hub.start();
  $("hub-state").textContent = "live";
  await Promise.all([loadConnections(), loadLogs(), loadGrains(), loadSilo(), loadSilos(), loadSummary()]);
  // Live events come from this node only; the cluster-wide lists are refreshed from the API.
  setInterval(() => { loadGrains(); loadSilo(); loadSilos(); loadSummary(); loadConnections(); }, 10000);
}

start().catch((error) => { $("hub-state").textContent = `offline: ${error.message}`; $("hub-state").className = "badge down"; });
