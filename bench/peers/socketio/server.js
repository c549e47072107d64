// Benchmark peer: a Socket.IO 4.8 chat server doing what GrainChat's hub does, in memory, nothing stored.
"use strict";
const { createServer } = require("node:http");
const { Server } = require("socket.io");

const port = Number(process.env.PORT ?? 5102);
const http = createServer((req, res) => {
  if (req.url === "/alive") { res.end("ok"); return; }
  res.statusCode = 404; res.end();
});
const io = new Server(http, { transports: ["websocket"], serveClient: false });
let nextId = 0;

io.on("connection", (socket) => {
  socket.on("join-room", (roomId, ack) => {
    socket.join(roomId);
    ack?.({ status: "joined", roomId, roomName: roomId });
  });
  socket.on("send-message", ({ roomId, text, clientMessageId }, ack) => {
    const message = { id: ++nextId, roomId, sender: socket.id, text, timestamp: new Date().toISOString(), clientMessageId };
    io.to(roomId).emit("message-received", message);
    ack?.(message);
  });
});

http.listen(port, "127.0.0.1", () => console.log(`socket.io peer on ${port}`));
