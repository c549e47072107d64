#!/usr/bin/env python3
"""Search latency over 1,000,000 stored messages, on SQLite (FTS5) and PostgreSQL (tsvector + GIN).

Usage: bench/search.sh [--messages N] [--samples N]   (builds the Gateway in Release and starts a throwaway PostgreSQL)

For each database: a Gateway migrates an empty database; one user creates 10 rooms through the API; the Gateway
stops; N messages are written straight into the message log (so the full-text index is built by the same
triggers / index a running service uses); the Gateway starts again and GET /api/search is timed, closed loop,
for a common word (in every message) and a rare one (in 1 message of 100,000), first page (20 results);
the common word gets a tenth of the samples (each of its searches ranks every message).
Standard library only.
"""
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GATEWAY = os.path.join(ROOT, "Gateway/bin/Release/net10.0/GrainChat.Gateway.dll")
PORT = 5111
URL = f"http://127.0.0.1:{PORT}"
ROOMS = 10
WARMUP = 3
SAMPLES = int(sys.argv[sys.argv.index("--samples") + 1]) if "--samples" in sys.argv else 200
RARE_EVERY = 100_000


def http(method, path, body=None, token=None):
    request = urllib.request.Request(URL + path, method=method, data=None if body is None else json.dumps(body).encode())
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read() or b"null")


def start_gateway(data, provider, connection):
    process = subprocess.Popen(
        ["dotnet", GATEWAY, "--urls", URL, "--contentRoot", data, "--GrainChat:Storage:Provider", provider,
         "--ConnectionStrings:GrainChat", connection, "--GrainChat:DataProtection:KeysDirectory", os.path.join(data, "keys"),
         "--GrainChat:RateLimit:MessagesPerSecond", "1000000", "--GrainChat:RateLimit:Burst", "1000000",
         "--Logging:LogLevel:Default", "Warning"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(240):
        try:
            urllib.request.urlopen(URL + "/alive", timeout=2)
            return process
        except Exception:
            time.sleep(0.5)
    raise RuntimeError("the Gateway did not start")


def stop_gateway(process):
    process.terminate()
    process.wait(60)


def text_of(n):
    # Every message has "message"; one in RARE_EVERY has "xylophone".
    rare = " xylophone" if n % RARE_EVERY == 0 else ""
    return f"message {n} about topic {n % 997} and item {n % 31}{rare}"


def populate_sqlite(path, rooms, count):
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    base = int(time.time() * 1000) - count
    per_room = count // len(rooms)
    for r, room in enumerate(rooms):
        rows = ((room, i, "bench", text_of(r * per_room + i), base + r * per_room + i) for i in range(1, per_room + 1))
        db.executemany("INSERT INTO messages (room_id, seq, sender, text, created_at) VALUES (?, ?, ?, ?, ?)", rows)
        db.commit()
    db.close()


def populate_postgres(psql_url, rooms, count):
    per_room = count // len(rooms)
    base = int(time.time() * 1000) - count
    for r, room in enumerate(rooms):
        offset = r * per_room
        sql = (
            "INSERT INTO messages (room_id, seq, sender, text, created_at) "
            f"SELECT '{room}', i, 'bench', 'message ' || ({offset} + i) || ' about topic ' || (({offset} + i) % 997) || ' and item ' || (({offset} + i) % 31) "
            f"|| CASE WHEN ({offset} + i) % {RARE_EVERY} = 0 THEN ' xylophone' ELSE '' END, {base} + {offset} + i "
            f"FROM generate_series(1, {per_room}) AS i")
        subprocess.run(["psql", psql_url, "-q", "-c", sql], check=True)
    subprocess.run(["psql", psql_url, "-q", "-c", "ANALYZE messages"], check=True)


def measure(token, word, count):
    for _ in range(WARMUP):
        http("GET", f"/api/search?q={word}&limit=20", token=token)
    samples = []
    hits = 0
    for _ in range(count):
        started = time.perf_counter()
        hits = len(http("GET", f"/api/search?q={word}&limit=20", token=token)["results"])
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return {"samples": count, "p50Ms": round(statistics.median(samples), 2), "p99Ms": round(samples[max(0, int(len(samples) * 0.99) - 1)], 2), "results": hits}


def run(provider, connection, populate, data):
    gateway = start_gateway(data, provider, connection)
    try:
        token = http("POST", "/api/register", {"username": "searcher", "password": "bench password"})["token"]
        rooms = [http("POST", "/api/rooms", {"roomName": f"search bench {i}"}, token)["roomId"] for i in range(ROOMS)]
    finally:
        stop_gateway(gateway)
    started = time.time()
    populate(rooms)
    load_seconds = round(time.time() - started, 1)
    gateway = start_gateway(data, provider, connection)
    try:
        token = http("POST", "/api/login", {"username": "searcher", "password": "bench password"})["token"]
        # On SQLite the bulk load bypassed the log, so the first search indexes every message (as after a crash).
        started = time.time()
        http("GET", "/api/search?q=xylophone&limit=20", token=token)
        first_search_seconds = round(time.time() - started, 1)
        return {"loadSeconds": load_seconds, "firstSearchSeconds": first_search_seconds, "rare": measure(token, "xylophone", SAMPLES), "common": measure(token, "message", max(5, SAMPLES // 10))}
    finally:
        stop_gateway(gateway)


def main():
    count = int(sys.argv[sys.argv.index("--messages") + 1]) if "--messages" in sys.argv else 1_000_000
    postgres = os.environ.get("PG_CONNECTION_STRING")
    results = {"messages": count, "rooms": ROOMS, "samples": SAMPLES, "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    with tempfile.TemporaryDirectory(prefix="grainchat-search-bench-") as data:
        db = os.path.join(data, "grainchat.db")
        results["Sqlite"] = run("Sqlite", f"Data Source={db}", lambda rooms: populate_sqlite(db, rooms, count), data)
        print("SQLite", json.dumps(results["Sqlite"]), flush=True)
    if postgres:
        parts = dict(p.split("=", 1) for p in postgres.split(";") if "=" in p)
        psql_url = f"postgresql://{parts['Username']}@{parts['Host']}:{parts['Port']}/{parts['Database']}"
        with tempfile.TemporaryDirectory(prefix="grainchat-search-bench-") as data:
            results["Postgres"] = run("Postgres", postgres, lambda rooms: populate_postgres(psql_url, rooms, count), data)
            print("PostgreSQL", json.dumps(results["Postgres"]), flush=True)
    out = os.path.join(ROOT, "bench/results", time.strftime("%Y-%m-%dT%H-%M-%S-search.json", time.gmtime()))
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as f:
        json.dump(results, f, indent=2)
    print("results:", os.path.relpath(out, ROOT))


if __name__ == "__main__":
    main()
