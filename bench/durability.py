#!/usr/bin/env python3
"""Durability under kill -9 (issue 3): file tickets from several clients, kill the server with
SIGKILL in the middle of the load, restart it, and check that every ticket whose creation was
acknowledged (HTTP 201) is there, whole (readable, with its SLA and its creation event).

Usage: bench/durability.py [sqlite|postgres] [ROUNDS]     (loopback only; stops by itself)
"""
import http.client
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

BIN = os.path.join(os.path.dirname(__file__), "..", "target", "release", "sladesk")
PORT = int(os.environ.get("PORT", "18282"))


def request(method, path, token, body=None, timeout=5):
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=timeout)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, (json.loads(data) if data else None)


def start(db_args):
    proc = subprocess.Popen([BIN, "serve", *db_args, "--listen", f"127.0.0.1:{PORT}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "SLADESK_LOG": "warn"})
    for _ in range(200):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=1)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.05)
    raise SystemExit("server did not start")


def main():
    backend = sys.argv[1] if len(sys.argv) > 1 else "sqlite"
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    work = tempfile.mkdtemp()
    if backend == "postgres":
        subprocess.run(["psql", "-q", "-h", "127.0.0.1", "-U", "postgres", "-d", "test", "-c",
                        "DROP DATABASE IF EXISTS sladesk_durability WITH (FORCE)", "-c", "CREATE DATABASE sladesk_durability"], check=True)
        db_args = ["--database", "postgres://postgres@127.0.0.1:5432/sladesk_durability"]
    else:
        db_args = ["--data-dir", work]
    token = subprocess.run([BIN, "token", "create", *db_args, "--email", "dur@vendor.example", "--role", "admin"],
                           check=True, capture_output=True, text=True).stdout.strip()
    proc = start(db_args)
    _, org = request("POST", "/api/v1/organizations", token, {"name": "Durable BV", "tier": "support"})
    acknowledged = {}
    lock = threading.Lock()
    total_lost = 0
    try:
        for round_no in range(1, rounds + 1):
            stop = threading.Event()

            def client(n):
                i = 0
                while not stop.is_set():
                    subject = f"r{round_no}-c{n}-t{i}"
                    i += 1
                    try:
                        status, body = request("POST", "/api/v1/tickets", token, {
                            "organization_id": org["id"], "type": "incident", "environment": "production",
                            "product": "Qixium", "subject": subject, "description": "durability check"}, timeout=2)
                    except (OSError, http.client.HTTPException):
                        return  # the server is gone: stop this client
                    if status == 201:
                        with lock:
                            acknowledged[body["id"]] = subject

            threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
            for t in threads:
                t.start()
            time.sleep(random.uniform(0.5, 2.0))
            before = len(acknowledged)
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            stop.set()
            for t in threads:
                t.join()
            proc = start(db_args)
            lost = []
            for ticket_id, subject in sorted(acknowledged.items()):
                status, body = request("GET", f"/api/v1/tickets/{ticket_id}", token)
                if status != 200 or body["subject"] != subject or "sla" not in body:
                    lost.append((ticket_id, subject, status))
                    continue
                status, events = request("GET", f"/api/v1/tickets/{ticket_id}/events", token)
                if status != 200 or not events or events[0]["kind"] != "created":
                    lost.append((ticket_id, subject, "no creation event"))
            total_lost += len(lost)
            print(f"round {round_no}: killed after {before} acknowledged so far ({len(acknowledged)} in all); "
                  f"missing or broken after restart: {len(lost)} {lost[:3]}")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait()
        shutil.rmtree(work, ignore_errors=True)
    print(f"{backend}: {len(acknowledged)} acknowledged tickets over {rounds} kill -9 rounds; lost: {total_lost}")
    sys.exit(1 if total_lost else 0)


if __name__ == "__main__":
    main()
