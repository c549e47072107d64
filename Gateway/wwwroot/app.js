// GrainChat browser client: plain JavaScript over the REST API and the SignalR hub (see docs/API.md).
// User-supplied text is only ever set through textContent, never as HTML.
"use strict";

const $ = (id) => document.getElementById(id);
const state = {
  token: localStorage.getItem("grainchat.token"),
  username: localStorage.getItem("grainchat.username"),
  connection: null,
  currentRoom: null,          // { roomId, roomName, direct }
  messages: new Map(),        // roomId -> [Message] ascending by id
  historyLoaded: new Set(),   // rooms whose latest page was fetched; live messages alone do not count
  newerToLoad: new Set(),     // rooms showing an older stretch (a search result): newer pages load on scrolling down
  loadingNewer: false,
  loadingOlder: false,
  myRooms: [],
  directs: [],
  replyTo: null,              // the message being answered
  lastTypingSent: 0,
  typing: new Map(),          // username -> timer clearing "… is typing"
  foundItem: null,            // the list item of the search result opened last, marked
};

const QUICK_REACTIONS = ["👍", "❤️", "😂", "🎉", "😮", "😢"];
const PAGE_SIZE = 50;               // messages per page of history
const KEPT_MESSAGES = 1000;         // per room, while the reader follows the latest
const TYPING_SHOWN_MS = 5000;
const TYPING_SEND_EVERY_MS = 2000;
const SIDEBAR_REFRESH_WAIT_MS = 300;
const MARK_READ_WAIT_MS = 500;

async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: { "Content-Type": "application/json", ...(state.token ? { Authorization: `Bearer ${state.token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 401 && state.token) { signOut(); throw new Error("Your session has ended; please log in again."); }
  const data = response.headers.get("content-type")?.includes("json") ? await response.json() : null;
  if (!response.ok) throw new Error(data?.detail ?? data?.title ?? `Request failed (${response.status})`);
  return data;
}

// A paged list: follows the `Link: <…>; rel="next"` pages, up to `maxPages` of 200.
async function apiList(path, maxPages = 10) {
  const items = [];
  let next = `${path}${path.includes("?") ? "&" : "?"}limit=200`;
  for (let page = 0; next && page < maxPages; page++) {
    const response = await fetch(next, { headers: state.token ? { Authorization: `Bearer ${state.token}` } : {} });
    if (response.status === 401 && state.token) { signOut(); throw new Error("Your session has ended; please log in again."); }
    if (!response.ok) throw new Error(`Request failed (${response.status})`);
    items.push(...await response.json());
    next = /<([^>]+)>;\s*rel="next"/.exec(response.headers.get("link") ?? "")?.[1];
  }
  return items;
}

// Lists are fetched again on many events, so answers can arrive out of order: each fetcher made with this gives
// only its newest call's answer, and null to a call a newer one has overtaken (its answer, or its failure, would
// undo newer news).
function newestOnly(load) {
  let newest = 0;
  return async (...args) => {
    const call = ++newest;
    try {
      const answer = await load(...args);
      return call === newest ? answer : null;
    } catch (error) {
      if (call === newest) throw error;
      return null;
    }
  };
}

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function showError(where, error) { $(where).textContent = error ? (error.message ?? String(error)) : ""; }

// ---- sign in / out -------------------------------------------------------------------------------------------

$("auth-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const action = event.submitter?.dataset.action ?? "login";
  const username = $("auth-username").value.trim();
  const password = $("auth-password").value;
  try {
    const result = await api("POST", `/api/${action}`, { username, password });
    state.token = result.token;
    state.username = result.user.username;
    localStorage.setItem("grainchat.token", state.token);
    localStorage.setItem("grainchat.username", state.username);
    showError("auth-error");
    await start();
  } catch (error) { showError("auth-error", error); }
});

$("logout-button").addEventListener("click", async () => {
  try { await api("POST", "/api/logout"); } catch { /* the session may already be gone */ }
  signOut();
});

function signOut() {
  state.connection?.stop();
  state.connection = null;
  state.token = null;
  localStorage.removeItem("grainchat.token");
  localStorage.removeItem("grainchat.username");
  state.messages.clear();
  state.historyLoaded.clear();
  state.newerToLoad.clear();
  state.currentRoom = null;
  $("app").hidden = true;
  $("auth").hidden = false;
}

async function start() {
  $("auth").hidden = true;
  $("app").hidden = false;
  $("me-name").textContent = state.username;
  await connect();
  await refreshSidebar();
}

// ---- real-time connection -----------------------------------------------------------------------------------

function setConnectionState(text, css) {
  const badge = $("connection-state");
  badge.textContent = text;
  badge.className = `state ${css ?? ""}`;
}

async function connect() {
  const connection = new signalR.HubConnectionBuilder()
    .withUrl("/hubs/chat", { accessTokenFactory: () => state.token })
    .withAutomaticReconnect([0, 1000, 2000, 5000, 10000, 10000, 30000])
    .build();

  connection.on("MessageReceived", (message) => { addLiveMessage(message); onUnreadActivity(message); });
  connection.on("MessageEdited", (message) => replaceMessage(message.roomId, message.id, () => message));
  connection.on("MessageDeleted", (e) => replaceMessage(e.roomId, e.id, (m) => ({ ...m, deleted: true, text: "", reactions: [], mentions: [] })));
  connection.on("ReactionsChanged", (e) => replaceMessage(e.roomId, e.id, (m) => ({ ...m, reactions: e.reactions })));
  connection.on("UserTyping", (e) => showTyping(e.roomId, e.username));
  // The open room's marker moves as it is read, and its badge is hidden anyway; another room's (read on another tab)
  // changes the badges.
  connection.on("ReadMarkerChanged", (marker) => { if (marker.roomId !== state.currentRoom?.roomId) refreshSidebarSoon(); });
  connection.on("Mentioned", () => refreshSidebarSoon());
  connection.on("DirectMessageReceived", (message) => { addLiveMessage(message); refreshDirects(); });
  connection.on("UserJoined", (e) => { notice(e.roomId, `${e.username} joined`); refreshSidebarSoon(); refreshMembers(); });
  connection.on("UserLeft", (e) => { notice(e.roomId, `${e.username} left`); refreshSidebarSoon(); refreshMembers(); });
  connection.on("PresenceChanged", () => { refreshOnline(); refreshMembers(); });
  connection.on("LobbySessionUpdated", () => { refreshLobby(); refreshSidebarSoon(); });
  connection.onreconnecting(() => setConnectionState("reconnecting…", "reconnecting"));
  connection.onreconnected(async () => { setConnectionState("connected"); await catchUp(); });
  connection.onclose(() => setConnectionState("disconnected", "disconnected"));

  state.connection = connection;
  try {
    await connection.start();
    setConnectionState("connected");
  } catch (error) {
    setConnectionState("disconnected", "disconnected");
    showError("app-error", error);
  }
}

// After a reconnect, fetch exactly what was missed in every room we hold messages for: new messages by id,
// then changes (edits, deletions, reactions) by revision.
async function catchUp() {
  for (const [roomId, list] of state.messages) {
    let last = list.length ? list[list.length - 1].id : 0;
    while (!state.newerToLoad.has(roomId)) {
      const missed = await state.connection.invoke("GetNewMessages", roomId, last);
      if (!missed.length) break;
      addMessages(roomId, missed);
      last = missed[missed.length - 1].id;
    }
    let revision = list.reduce((highest, m) => Math.max(highest, m.revision ?? 0), 0);
    for (;;) {
      const changed = await state.connection.invoke("GetChanges", roomId, revision);
      if (!changed.length) break;
      for (const message of changed) replaceMessage(roomId, message.id, () => message);
      revision = changed[changed.length - 1].revision;
    }
  }
  refreshSidebar();
}

// ---- sidebar ---------------------------------------------------------------------------------------------------

const fetchRoomLists = newestOnly(() => Promise.all([apiList("/api/rooms"), apiList("/api/rooms?joined=true")]));

async function refreshSidebar() {
  try {
    const lists = await fetchRoomLists();
    if (!lists) return;
    const [all, mine] = lists;
    state.myRooms = mine;
    renderRoomList($("my-rooms"), mine, (room) => openRoom({ roomId: room.roomId, roomName: room.roomName, direct: false }), null, true);
    const mineIds = new Set(mine.map((r) => r.roomId));
    renderRoomList($("all-rooms"), all.filter((r) => !mineIds.has(r.roomId)), joinRoom, "Join");
    await Promise.all([refreshDirects(), refreshOnline(), refreshLobby()]);
  } catch (error) { showError("app-error", error); }
}

function renderRoomList(list, rooms, onClick, actionLabel, withBadges) {
  list.replaceChildren(...rooms.map((room) => {
    const item = el("li");
    item.dataset.roomId = room.roomId;
    item.classList.toggle("active", state.currentRoom?.roomId === room.roomId);
    const name = el("span", room.roomName);
    // The open room is being read: its badge stays clear.
    if (withBadges && room.unreadCount > 0 && state.currentRoom?.roomId !== room.roomId) {
      name.append(el("span", String(room.unreadCount), "badge unread"));
      if (room.mentionCount > 0) name.append(el("span", `@${room.mentionCount}`, "badge mention"));
    }
    item.append(name, el("span", actionLabel ?? String(room.memberCount), "muted"));
    item.addEventListener("click", () => onClick(room));
    return item;
  }));
}

const fetchDirects = newestOnly(() => apiList("/api/dm"));

async function refreshDirects() {
  const directs = await fetchDirects();
  if (!directs) return;
  state.directs = directs;
  $("direct-list").replaceChildren(...state.directs.map((d) => {
    const item = el("li");
    item.dataset.roomId = d.roomId;
    item.append(el("span", d.with), el("span", d.lastMessage ? d.lastMessage.text.slice(0, 20) : "", "muted"));
    item.addEventListener("click", () => openRoom({ roomId: d.roomId, roomName: d.with, direct: true, with: d.with }));
    return item;
  }));
}

const fetchOnline = newestOnly(() => api("GET", "/api/users/online"));

async function refreshOnline() {
  const online = await fetchOnline();
  if (!online) return;
  $("online-users").replaceChildren(...online.map((name) => {
    const item = el("li");
    item.append(el("span", name, "online"));
    if (name !== state.username) item.addEventListener("click", () => openDirect(name));
    return item;
  }));
}

$("create-room-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    const room = await api("POST", "/api/rooms", { roomName: $("new-room-name").value });
    $("new-room-name").value = "";
    await refreshSidebar();
    await openRoom({ roomId: room.roomId, roomName: room.roomName, direct: false });
  } catch (error) { showError("app-error", error); }
});

async function joinRoom(room) {
  try {
    await state.connection.invoke("JoinRoom", room.roomId);
    await refreshSidebar();
    await openRoom({ roomId: room.roomId, roomName: room.roomName, direct: false });
  } catch (error) { showError("app-error", error); }
}

$("direct-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  await openDirect($("direct-username").value.trim());
  $("direct-username").value = "";
});

async function openDirect(username) {
  const existing = state.directs.find((d) => d.with.toLowerCase() === username.toLowerCase());
  await openRoom(existing
    ? { roomId: existing.roomId, roomName: existing.with, direct: true, with: existing.with }
    : { roomId: null, roomName: username, direct: true, with: username });
}

// ---- lobby ---------------------------------------------------------------------------------------------------

async function lobby(body) {
  try {
    const answer = await api("POST", "/api/lobby", body);
    showError("app-error");
    await refreshSidebar();
    const session = answer.data.session;
    await openRoom({ roomId: session.roomId, roomName: `Session: ${session.room}`, direct: false });
  } catch (error) { showError("app-error", error); }
}

const fetchLobby = newestOnly(() => Promise.all([api("GET", "/api/lobby"), api("GET", "/api/lobby/sessions?limit=200")]));

async function refreshLobby() {
  const lobbyNow = await fetchLobby();
  if (!lobbyNow) return;
  const [{ data }, sessions] = lobbyNow;
  state.lobby = data.user;
  $("lobby-state").textContent = `(${data.user.state})`;
  const all = [...sessions.pending_sessions, ...sessions.active_sessions];
  const mine = all.find((s) => s.players.some((p) => p.toLowerCase() === state.username.toLowerCase()));
  state.session = mine ?? null;
  $("lobby-current").hidden = !mine;
  $("host-form").hidden = !!mine;
  $("random-join").hidden = !!mine;
  if (mine) {
    $("lobby-session-name").textContent = `${mine.room} · ${mine.players.length}/${mine.maxPlayers} · ${mine.state}${mine.robot ? ` · robot: ${mine.robot}` : ""}`;
    $("lobby-start").hidden = mine.state !== "Pending" || mine.host.toLowerCase() !== state.username.toLowerCase();
  }
  $("open-sessions").replaceChildren(...sessions.pending_sessions.filter((s) => s !== mine).map((s) => {
    const item = el("li");
    item.dataset.session = s.room;
    item.append(el("span", s.room), el("span", mine ? `${s.players.length}/${s.maxPlayers}` : "Join", "muted"));
    if (!mine) item.addEventListener("click", () => lobby({ type: "join", room: s.room }));
    return item;
  }));
}

$("host-form").addEventListener("submit", (event) => {
  event.preventDefault();
  lobby({ type: "host", room: $("host-room").value, maxPlayers: Number($("host-max").value), robot: $("host-robot").value || undefined });
  $("host-room").value = "";
});
$("random-join").addEventListener("click", () => lobby({ type: "join", random: true }));
$("lobby-start").addEventListener("click", async () => {
  try { await api("POST", `/api/lobby/sessions/${encodeURIComponent(state.session.room)}/start`); await refreshLobby(); }
  catch (error) { showError("app-error", error); }
});
$("lobby-leave").addEventListener("click", async () => {
  try { await api("POST", "/api/lobby/leave"); await refreshSidebar(); }
  catch (error) { showError("app-error", error); }
});
$("lobby-open-chat").addEventListener("click", () => {
  if (state.session) openRoom({ roomId: state.session.roomId, roomName: `Session: ${state.session.room}`, direct: false });
});

// ---- room view -----------------------------------------------------------------------------------------------

async function openRoom(room) {
  state.currentRoom = room;
  showError("app-error");
  $("room-title").textContent = room.direct ? `@${room.roomName}` : room.roomName;
  $("room-members").textContent = "";
  $("composer").hidden = false;
  // At once, not after the awaits below: focus arriving later would take it from wherever the reader went meanwhile.
  $("message-text").focus();
  for (const item of document.querySelectorAll(".list li")) {
    const opened = item.dataset.roomId === room.roomId;
    item.classList.toggle("active", opened);
    if (opened) for (const badge of item.querySelectorAll(".badge")) badge.remove();
  }
  if (room.roomId && !state.historyLoaded.has(room.roomId)) {
    try {
      const page = await api("GET", `/api/rooms/${encodeURIComponent(room.roomId)}/messages?limit=${PAGE_SIZE}`);
      addMessages(room.roomId, page.messages);
      state.historyLoaded.add(room.roomId);
    } catch (error) { showError("app-error", error); }
  }
  await refreshMembers();
  cancelReply();
  $("typing").textContent = "";
  render(true);
  await markRead();
}

// ---- message changes, reactions, typing, read markers -----------------------------------------------------------

async function markRead() {
  const room = state.currentRoom;
  const list = state.messages.get(room?.roomId);
  if (!room?.roomId || room.direct || !list?.length) return;
  try {
    await state.connection.invoke("MarkRead", room.roomId, list[list.length - 1].id);
  } catch { /* the marker stays behind until the next try */ }
}

// Coming back to a tab that was hidden while messages arrived: they are read now.
document.addEventListener("visibilitychange", () => { if (document.visibilityState === "visible" && state.connection) markReadSoon(); });

// Events come in bursts (a busy room sends many messages a second): the sidebar is fetched again, and the open
// room's read marker moved, at most once per short wait, with what is known by the end of it. The first event
// starts the wait and later ones join it, so a steady stream cannot put the update off for ever.
function onUnreadActivity(message) {
  if (state.currentRoom?.roomId === message.roomId && document.visibilityState === "visible") markReadSoon();
  else refreshSidebarSoon();
}

const refreshSidebarSoon = afterAWait(() => refreshSidebar(), SIDEBAR_REFRESH_WAIT_MS);
const markReadSoon = afterAWait(() => markRead(), MARK_READ_WAIT_MS);

function afterAWait(action, waitMs) {
  let pending = null;
  return () => {
    pending ??= setTimeout(() => { pending = null; action(); }, waitMs);
  };
}

function replaceMessage(roomId, id, change) {
  const list = state.messages.get(roomId);
  const index = list?.findIndex((m) => m.id === id) ?? -1;
  if (index < 0) return;
  list[index] = change(list[index]);
  if (state.currentRoom?.roomId === roomId) render();
}

function showTyping(roomId, username) {
  if (state.currentRoom?.roomId !== roomId) return;
  clearTimeout(state.typing.get(username));
  state.typing.set(username, setTimeout(() => { state.typing.delete(username); renderTyping(); }, TYPING_SHOWN_MS));
  renderTyping();
}

function renderTyping() {
  const names = [...state.typing.keys()];
  $("typing").textContent = names.length === 0 ? "" : `${names.join(", ")} ${names.length === 1 ? "is" : "are"} typing…`;
}

function startReply(message) {
  state.replyTo = message;
  $("reply-text").textContent = `Replying to ${message.sender}: ${message.deleted ? "deleted message" : message.text.slice(0, 80)}`;
  $("reply-bar").hidden = false;
  $("message-text").focus();
}

function cancelReply() { state.replyTo = null; $("reply-bar").hidden = true; }
$("reply-cancel").addEventListener("click", cancelReply);

async function roomAction(invocation, ...args) {
  try { await state.connection.invoke(invocation, state.currentRoom.roomId, ...args); showError("app-error"); }
  catch (error) { showError("app-error", error); }
}

function messageActions(m) {
  const actions = el("span", null, "actions");
  const button = (label, title, onClick) => {
    const b = el("button", label);
    b.type = "button"; b.title = title; b.className = `action-${title.toLowerCase().split(" ")[0]}`;
    b.addEventListener("click", onClick);
    actions.append(b);
  };
  if (m.deleted || state.currentRoom?.direct) return actions;
  button("↩", "Reply", () => startReply(m));
  for (const emoji of QUICK_REACTIONS) {
    button(emoji, `React ${emoji}`, () => roomAction("React", m.id, emoji, !hasMyReaction(m, emoji)));
  }
  if (m.sender === state.username) {
    button("✎", "Edit", async () => {
      const text = prompt("Edit message", m.text);
      if (text !== null && text !== m.text) await roomAction("EditMessage", m.id, text);
    });
    button("🗑", "Delete", async () => { if (confirm("Delete this message?")) await roomAction("DeleteMessage", m.id); });
  }
  return actions;
}

function hasMyReaction(m, emoji) {
  return (m.reactions ?? []).some((r) => r.emoji === emoji && r.users.includes(state.username));
}

function reactionsRow(m) {
  const row = el("div", null, "reactions");
  for (const r of m.reactions ?? []) {
    const b = el("button", `${r.emoji} ${r.count}`);
    b.type = "button";
    b.title = r.users.join(", ");
    b.classList.toggle("mine", r.users.includes(state.username));
    b.addEventListener("click", () => roomAction("React", m.id, r.emoji, !r.users.includes(state.username)));
    row.append(b);
  }
  return row;
}

// ---- search ----------------------------------------------------------------------------------------------------

$("search-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    const { results } = await api("GET", `/api/search?q=${encodeURIComponent($("search-text").value)}&limit=20`);
    $("search-results").replaceChildren(...(results.length ? results.map((r) => {
      const item = el("li");
      item.append(el("span", r.roomName, "room-name"), el("span", `${r.message.sender}: ${r.message.text.slice(0, 100)}`));
      item.addEventListener("click", () => openAtMessage(r));
      return item;
    }) : [el("li", "nothing found", "muted")]));
    showError("app-error");
  } catch (error) { showError("app-error", error); }
});

// Opens the result's room with the message loaded and in view.
async function openAtMessage(result) {
  const direct = result.roomName.startsWith("@");
  await openRoom(direct
    ? { roomId: result.roomId, roomName: result.roomName.slice(1), direct: true, with: result.roomName.slice(1) }
    : { roomId: result.roomId, roomName: result.roomName, direct: false });
  const list = state.messages.get(result.roomId) ?? [];
  if (!findById(list, result.message.id)) {
    const page = await api("GET", `/api/rooms/${encodeURIComponent(result.roomId)}/messages?after=${Math.max(0, result.message.id - PAGE_SIZE / 2)}&limit=${PAGE_SIZE}`);
    // Ids in a room have no gaps, so a stretch that does not reach what is loaded would leave a hole: show the
    // stretch alone, and load what follows it as the reader scrolls down.
    const reaches = !list.length || !page.messages.length || page.messages[page.messages.length - 1].id + 1 >= list[0].id;
    if (!reaches) {
      state.messages.set(result.roomId, []);
      state.newerToLoad.add(result.roomId);
    }
    addMessages(result.roomId, page.messages);
  }
  const item = document.querySelector(`#messages li[data-id="${result.message.id}"]`);
  // Items outlive renders (and rooms being switched), so the earlier result's mark is taken off first.
  state.foundItem?.classList.remove("found");
  state.foundItem = item;
  item?.classList.add("found");
  item?.scrollIntoView({ block: "center" });
  await loadNewerWhileAtBottom();
}

$("message-text").addEventListener("input", () => {
  const room = state.currentRoom;
  if (!room?.roomId || room.direct || !$("message-text").value || Date.now() - state.lastTypingSent < TYPING_SEND_EVERY_MS) return;
  state.lastTypingSent = Date.now();
  state.connection.invoke("Typing", room.roomId).catch(() => { /* typing is a courtesy */ });
});

const fetchMembers = newestOnly((roomId) => api("GET", `/api/rooms/${encodeURIComponent(roomId)}/members`));

async function refreshMembers() {
  const room = state.currentRoom;
  if (!room?.roomId || room.direct) return;
  const members = await fetchMembers(room.roomId).catch(() => []);
  if (members && state.currentRoom === room) $("room-members").textContent = members.map((m) => (m.online ? `● ${m.username}` : m.username)).join(", ");
}

function addMessages(roomId, incoming) {
  const list = state.messages.get(roomId) ?? [];
  for (const message of incoming) insertById(list, message);
  state.messages.set(roomId, list);
  if (state.currentRoom?.roomId === roomId) render();
}

// Keeps the list ascending by id; a message already there stays as it is. A live message is the newest, so
// usually this is one comparison and a push.
function insertById(list, message) {
  if (!list.length || list[list.length - 1].id < message.id) { list.push(message); return; }
  const index = indexOfId(list, message.id);
  if (list[index]?.id !== message.id) list.splice(index, 0, message);
}

// The position of `id` in a list ascending by id, or where it would go.
function indexOfId(list, id) {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (list[middle].id < id) low = middle + 1; else high = middle;
  }
  return low;
}

function findById(list, id) {
  const message = list[indexOfId(list, id)];
  return message?.id === id ? message : undefined;
}

// A live message joins the room's list unless the list shows an older stretch, which would leave a hole; scrolling
// down reaches it.
function addLiveMessage(message) {
  if (state.newerToLoad.has(message.roomId)) return;
  const list = state.messages.get(message.roomId) ?? [];
  insertById(list, message);
  state.messages.set(message.roomId, list);
  const shown = state.currentRoom?.roomId === message.roomId;
  // A room left open in a busy channel would otherwise hold every message it ever received. Only the top is let go,
  // and only while the reader is at the bottom; scrolling up loads it again.
  if (list.length > KEPT_MESSAGES + PAGE_SIZE && (!shown || isAtBottom($("messages")))) list.splice(0, list.length - KEPT_MESSAGES);
  if (shown) renderSoon();
}

// Live messages arriving within one frame are drawn together, with one layout.
let renderPending = false;
function renderSoon() {
  if (renderPending) return;
  renderPending = true;
  requestAnimationFrame(() => { renderPending = false; render(); });
}

function notice(roomId, text) {
  if (state.currentRoom?.roomId !== roomId) return;
  $("messages").append(el("li", text, "notice"));
}

function isAtBottom(box) { return box.scrollHeight - box.scrollTop - box.clientHeight <= 40; }

// A message's list item is built once per version of it (edits, deletions and reactions replace the message
// object) and per version of the message it quotes, so a live message costs one new item, not a rebuilt list.
const renderedItems = new WeakMap();    // message -> { item, quoted }

function render(scrollToEnd) {
  const box = $("messages");
  const atBottom = isAtBottom(box);
  const list = state.messages.get(state.currentRoom?.roomId) ?? [];
  placeChildren(box, list.map((m) => messageItem(m, m.replyTo ? findById(list, m.replyTo) : undefined)));
  if (scrollToEnd || atBottom) box.scrollTop = box.scrollHeight;
}

function messageItem(m, quoted) {
  const known = renderedItems.get(m);
  if (known && known.quoted === quoted) return known.item;
  const item = el("li");
  item.dataset.id = m.id;
  if (m.replyTo) {
    item.append(el("span", quoted
      ? `↪ ${quoted.sender}: ${quoted.deleted ? "deleted message" : quoted.text.slice(0, 120)}`
      : `↪ message ${m.replyTo}`, "quote"));
  }
  item.append(el("span", new Date(m.timestamp).toLocaleTimeString(), "meta"), el("span", m.sender, "sender"));
  if (m.deleted) {
    item.append(el("span", "message deleted", "tombstone"));
  } else {
    item.append(el("span", m.text, "text"));
    if (m.editedAt) item.append(el("span", "(edited)", "edited"));
  }
  item.classList.toggle("mentions-me", (m.mentions ?? []).includes(state.username));
  item.append(messageActions(m));
  if (m.reactions?.length) item.append(reactionsRow(m));
  renderedItems.set(m, { item, quoted });
  return item;
}

// Makes the box's children exactly `items`, in order, moving only what differs: an item added at either end is one
// insertion, and anything else in the box (a join notice) goes.
function placeChildren(box, items) {
  let child = box.firstChild;
  for (const item of items) {
    if (child === item) child = child.nextSibling;
    else box.insertBefore(item, child);
  }
  while (child) {
    const next = child.nextSibling;
    child.remove();
    child = next;
  }
}

// Scrolling to the bottom of an older stretch loads the next page, until the latest message is in; so does a
// stretch too short to scroll.
$("messages").addEventListener("scroll", loadNewerWhileAtBottom);

async function loadNewerWhileAtBottom() {
  const room = state.currentRoom;
  const box = $("messages");
  if (state.loadingNewer) return;
  state.loadingNewer = true;
  try {
    while (state.currentRoom === room && state.newerToLoad.has(room?.roomId) && isAtBottom(box)) {
      const top = box.scrollTop;
      await loadNewer(room.roomId);
      box.scrollTop = top;
    }
  } catch (error) { showError("app-error", error); }
  finally { state.loadingNewer = false; }
}

async function loadNewer(roomId) {
  if (await fetchNewer(roomId) < PAGE_SIZE) {
    // The latest is in. Live messages join from now on; the ones left out meanwhile come with one more read.
    state.newerToLoad.delete(roomId);
    while (await fetchNewer(roomId) === PAGE_SIZE) { /* a busy room: read on */ }
  }
}

async function fetchNewer(roomId) {
  const list = state.messages.get(roomId) ?? [];
  const page = await api("GET", `/api/rooms/${encodeURIComponent(roomId)}/messages?after=${list.length ? list[list.length - 1].id : 0}&limit=${PAGE_SIZE}`);
  addMessages(roomId, page.messages);
  return page.messages.length;
}

// Back from an older stretch to the latest page, as when the reader sends a message.
async function showLatest(roomId) {
  state.newerToLoad.delete(roomId);
  state.messages.set(roomId, []);
  const page = await api("GET", `/api/rooms/${encodeURIComponent(roomId)}/messages?limit=${PAGE_SIZE}`);
  addMessages(roomId, page.messages);
  if (state.currentRoom?.roomId === roomId) render(true);
}

// Scrolling to the top loads the previous page of history.
$("messages").addEventListener("scroll", async () => {
  const room = state.currentRoom;
  const list = state.messages.get(room?.roomId);
  if ($("messages").scrollTop > 0 || state.loadingOlder || !list?.length || list[0].id <= 1) return;
  state.loadingOlder = true;
  try {
    const box = $("messages");
    const before = box.scrollHeight;
    const page = await api("GET", `/api/rooms/${encodeURIComponent(room.roomId)}/messages?before=${list[0].id}&limit=${PAGE_SIZE}`);
    addMessages(room.roomId, page.messages);
    box.scrollTop = box.scrollHeight - before;
  } catch (error) { showError("app-error", error); }
  finally { state.loadingOlder = false; }
});

// A UUID version 7: the time in milliseconds first, then random bits. The server keeps an index of client message
// ids per room; ids that grow with time are added at its end instead of at random places, which costs the
// database a page written per room per commit instead of one per message.
function timeOrderedId() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  const now = Date.now();
  for (let i = 0; i < 6; i++) bytes[i] = Math.floor(now / 2 ** (8 * (5 - i))) % 256;
  bytes[6] = (bytes[6] & 0x0f) | 0x70;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

$("composer").addEventListener("submit", async (event) => {
  event.preventDefault();
  const text = $("message-text").value;
  const room = state.currentRoom;
  if (!text.trim() || !room) return;
  // Sending the same text to the same room again after a failure (a timeout, a dropped connection) reuses its
  // clientMessageId, so a send that was in fact stored is answered with the stored message, never stored twice.
  const target = room.direct ? `dm:${room.with}` : room.roomId;
  if (!state.unsent || state.unsent.target !== target || state.unsent.text !== text) {
    state.unsent = { target, text, clientMessageId: timeOrderedId() };
  }
  const clientMessageId = state.unsent.clientMessageId;
  try {
    if (state.newerToLoad.has(room.roomId)) await showLatest(room.roomId);
    const message = room.direct
      ? await state.connection.invoke("SendDirectMessage", room.with, text, clientMessageId)
      : state.replyTo
        ? await state.connection.invoke("SendReply", room.roomId, state.replyTo.id, text, clientMessageId)
        : await state.connection.invoke("SendMessage", room.roomId, text, clientMessageId);
    state.unsent = null;
    cancelReply();
    // The reader may have typed the next message while this one was on its way; that text stays.
    if ($("message-text").value === text) $("message-text").value = "";
    showError("app-error");
    if (!room.roomId) { room.roomId = message.roomId; await refreshDirects(); }
    addMessages(message.roomId, [message]);
  } catch (error) { showError("app-error", error); }
});

$("message-text").addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); $("composer").requestSubmit(); }
});

if (state.token) start();
