#!/usr/bin/env python3
"""Writes a JSON array of N valid, varied ticket timelines for `sladesk sla timeline`.

Usage: bench/gen-timelines.py N [SEED] > timelines.json
Deterministic for a given N and SEED. Moves follow rule T7; events are in time order.
"""
import json
import random
import sys
from datetime import datetime, timedelta, timezone

MOVES = {
    "new": ["in_progress", "waiting_for_customer", "closed"],
    "in_progress": ["waiting_for_customer", "waiting_for_development", "closed"],
    "waiting_for_customer": ["in_progress", "closed"],
    "waiting_for_development": ["in_progress"],
    "closed": ["in_progress"],
}


def timeline(rng):
    cls = rng.choice(["low", "normal", "high", "normal", "saas_outage"])
    created = datetime(2026, 1, 1, tzinfo=timezone.utc) + timedelta(seconds=rng.randrange(0, 4 * 365 * 86400))
    t, status, events = created, "new", []
    for _ in range(rng.randrange(0, 10)):
        t += timedelta(seconds=rng.randrange(0, 3 * 86400))
        roll = rng.random()
        if roll < 0.25:
            events.append({"at": t.isoformat(), "kind": "response"})
        elif roll < 0.35 and cls != "saas_outage":
            events.append({"at": t.isoformat(), "kind": "priority", "priority": rng.choice(["low", "normal", "high"])})
        else:
            status = rng.choice(MOVES[status])
            events.append({"at": t.isoformat(), "kind": "status", "status": status})
    now = t + timedelta(seconds=rng.randrange(0, 5 * 86400))
    return {"class": cls, "created_at": created.isoformat(), "events": events, "now": now.isoformat()}


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 42
    rng = random.Random(seed)
    json.dump([timeline(rng) for _ in range(n)], sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
