// One interface over the three servers: connect, join a room, send (awaiting the ack), receive messages.
"use strict";
const signalR = require("@microsoft/signalr");
const { io } = require("socket.io-client");

async function connectSignalR(baseUrl, token) {
  const connection = new signalR.HubConnectionBuilder()
    .withUrl(`${baseUrl}/hubs/chat`, {
      transport: signalR.HttpTransportType.WebSockets,
      skipNegotiation: true,
      ...(token ? { accessTokenFactory: () => token } : {}),
    })
    .configureLogging(signalR.LogLevel.None)
    .build();
  connection.serverTimeoutInMilliseconds = 120000;
  const handlers = [];
  const typingHandlers = [];
  connection.on("MessageReceived", (message) => handlers.forEach((h) => h(message)));
  connection.on("UserTyping", (event) => typingHandlers.forEach((h) => h(event)));
  await connection.start();
  return {
    join: (roomId) => connection.invoke("JoinRoom", roomId),
    send: (roomId, text, clientMessageId) => connection.invoke("SendMessage", roomId, text, clientMessageId),
    typing: (roomId) => connection.invoke("Typing", roomId),
    onMessage: (handler) => handlers.push(handler),
    onTyping: (handler) => typingHandlers.push(handler),
    close: () => connection.stop(),
  };
}

async function connectSocketIo(baseUrl) {
  const socket = io(baseUrl, { transports: ["websocket"], reconnection: false, timeout: 120000 });
  await new Promise((resolve, reject) => { socket.once("connect", resolve); socket.once("connect_error", reject); });
  const handlers = [];
  socket.on("message-received", (message) => handlers.forEach((h) => h(message)));
  return {
    join: (roomId) => socket.emitWithAck("join-room", roomId),
    send: (roomId, text, clientMessageId) => socket.emitWithAck("send-message", { roomId, text, clientMessageId }),
    onMessage: (handler) => handlers.push(handler),
    close: async () => socket.close(),
  };
}

exports.connect = (kind, baseUrl, token) => (kind === "socketio" ? connectSocketIo(baseUrl) : connectSignalR(baseUrl, token));
