#!/usr/bin/env python3
"""Writes a deploy history for `deploy metrics` benchmarks into STATE_DIR: ENTRIES runs
over the commits of REPO (oldest first), as history.jsonl plus the ledger's last 50.

Every run deploys the next commit in line (ENTRIES runs over the whole history), ending
10 to 70 minutes after its commit. 1 in 20 deploys fails its smoke test after the switch
(rolled-back with switched_at), 1 in 50 fails its health check before the switch, and 1 in
25 deployments is followed by a rollback. Deterministic (seed 15).

Usage: metrics_history.py REPO STATE_DIR ENTRIES
"""
import json
import os
import random
import subprocess
import sys
from datetime import datetime, timezone

repo, state, entries = sys.argv[1], sys.argv[2], int(sys.argv[3])
rng = random.Random(15)
log = subprocess.run(
    ["git", "-C", repo, "log", "--reverse", "--first-parent", "--format=%H %ct", "main"],
    check=True, capture_output=True, text=True,
).stdout.split("\n")
commits = [(l.split()[0], int(l.split()[1])) for l in log if l]


def ts(t):
    return datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


runs = []
step = len(commits) / entries
i = 0
last_end = 0
version = 0
while len(runs) < entries:
    sha, ct = commits[min(int(i * step), len(commits) - 1)]
    i += 1
    start = max(ct + rng.randint(600, 3600), last_end + 60)
    end = start + rng.randint(120, 600)
    roll = rng.random()
    version += 1
    entry = {
        "id": f"run-{len(runs)}", "kind": "deploy", "version": f"v{version}", "previous": None,
        "slot": "blue" if version % 2 else "green", "strategy": "blue-green",
        "status": "succeeded", "started_at": ts(start), "finished_at": ts(end),
        "actor": "bench", "commit": sha, "switched_at": ts(start + 90),
        "run_url": None, "reason": None,
    }
    if roll < 0.05:
        entry["status"] = "rolled-back"
        entry["reason"] = "smoke test failed"
    elif roll < 0.07:
        entry["status"] = "rolled-back"
        del entry["switched_at"]
        entry["reason"] = "health check failed"
    runs.append(entry)
    last_end = end
    if entry["status"] == "succeeded" and rng.random() < 0.04 and len(runs) < entries:
        rstart = end + rng.randint(300, 7200)
        runs.append({**entry, "id": f"run-{len(runs)}", "kind": "rollback",
                     "strategy": "fast-path", "started_at": ts(rstart),
                     "finished_at": ts(rstart + 20), "switched_at": ts(rstart + 5),
                     "reason": "bench rollback", "version": f"v{version - 1}"})
        last_end = rstart + 20

os.makedirs(state, exist_ok=True)
with open(os.path.join(state, "history.jsonl"), "w") as f:
    for r in runs:
        f.write(json.dumps(r, separators=(",", ":")) + "\n")
ledger = {"schema": "slipway.ledger/v1", "environment": "production",
          "active": {"version": runs[-1]["version"], "slot": runs[-1]["slot"]},
          "slots": {}, "history": list(reversed(runs[-50:]))}
with open(os.path.join(state, "ledger.json"), "w") as f:
    json.dump(ledger, f, indent=2)
print(f"{len(runs)} runs from {runs[0]['started_at']} to {runs[-1]['finished_at']}", file=sys.stderr)
