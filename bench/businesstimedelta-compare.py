#!/usr/bin/env python3
"""Side-by-side with the Python package `businesstimedelta` (PyPI): the same due times
(creation + reaction and resolution targets, office hours 08:30-16:30 Europe/Amsterdam, the
same Dutch holidays), computed by both; reports the time each took and any disagreement.

Usage: bench/businesstimedelta-compare.py [N]   (needs `pip install businesstimedelta`)
The holidays are taken from `sladesk sla calendar --json`, so both use the same days off.
"""
import datetime as dt
import json
import random
import subprocess
import sys
import time

import businesstimedelta as btd
import pytz

SLADESK = "target/release/sladesk"
TARGETS = {"low": (8, 32), "normal": (4, 16), "high": (2, 8)}
TZ = pytz.timezone("Europe/Amsterdam")


def holidays():
    out = subprocess.run(
        [SLADESK, "sla", "calendar", "--from", "2026-01-01", "--to", "2032-12-31", "--json"],
        check=True, capture_output=True, text=True,
    ).stdout
    return {dt.date.fromisoformat(d["date"]) for d in json.loads(out) if d["holidays"]}


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    rng = random.Random(7)
    base = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    cases = []
    for _ in range(n):
        created = base + dt.timedelta(seconds=rng.randrange(0, 4 * 365 * 86400))
        cases.append((created, rng.choice(list(TARGETS))))

    timelines = [{"class": c, "created_at": t.isoformat(), "now": t.isoformat()} for t, c in cases]
    start = time.perf_counter()
    out = subprocess.run([SLADESK, "sla", "timeline"], input=json.dumps(timelines),
                         check=True, capture_output=True, text=True).stdout
    sladesk_seconds = time.perf_counter() - start
    ours = [(r["reaction"]["due_at"], r["resolution"]["due_at"]) for r in json.loads(out)]

    workday = btd.WorkDayRule(start_time=dt.time(8, 30), end_time=dt.time(16, 30),
                              working_days=[0, 1, 2, 3, 4], tz=TZ)
    rule = btd.Rules([workday, btd.HolidayRule(holidays(), tz=TZ)])
    start = time.perf_counter()
    theirs = []
    for created, cls in cases:
        reaction, resolution = TARGETS[cls]
        due = [created + btd.BusinessTimeDelta(rule, hours=h) for h in (reaction, resolution)]
        theirs.append(tuple(d.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") for d in due))
    python_seconds = time.perf_counter() - start

    differ = [(c, o, t) for c, o, t in zip(cases, ours, theirs) if o != t]
    print(f"cases: {n} (2 due times each)")
    print(f"sladesk (whole process, JSON in and out): {sladesk_seconds:.3f} s")
    print(f"businesstimedelta (in-process, arithmetic only): {python_seconds:.3f} s")
    print(f"ratio: sladesk is {python_seconds / sladesk_seconds:.0f}x faster")
    print(f"disagreements: {len(differ)}")
    for (created, cls), o, t in differ[:5]:
        print(f"  {created.isoformat()} {cls}: sladesk {o} businesstimedelta {t}")


if __name__ == "__main__":
    main()
