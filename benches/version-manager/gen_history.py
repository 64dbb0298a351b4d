#!/usr/bin/env python3
"""Writes a git fast-import stream of a repository shaped like the issue's benchmark.

27,000 commits on main, 97% with conventional subjects (some with bodies, `#123`
references and BREAKING CHANGE footers), 3% odd ones (plain text, a byte-order mark,
trailing spaces, upper-case types, spaces in scopes). 9,000 release tags `X.Y.Z`
(unprefixed, mostly lightweight, 1 in 20 annotated) on the first 22,000 commits, 3,000 of
those commits also tagged `X.Y.Z-rc.1`: 12,000 tags. The last 5,000 commits are untagged.
Branch `hot` forks at the last tagged commit and adds one commit.

Usage: gen_history.py COMMITS TAGGED_SPAN RELEASES RC_TAGS [--no-tags] > stream
"""
import random
import sys

commits, span, releases, rcs = (int(a) for a in sys.argv[1:5])
no_tags = "--no-tags" in sys.argv
rng = random.Random(42)
out = sys.stdout.buffer

TYPES = ["feat"] * 3 + ["fix"] * 4 + ["chore"] * 2 + ["docs", "refactor", "perf", "test", "ci", "build"]
SCOPES = [None, None, "api", "ui", "db", "cart", "auth", "deps", "core"]
ODD = [
    "Update README.md",
    "WIP",
    "\ufefffeat(api): with a byte-order mark",
    "fix: trailing spaces   ",
    "Fix(ui): upper-case type",
    "feat(api client): space in scope",
    "Merge branch 'x' into main",
    "release 1.2",
]


def message(i):
    if rng.random() < 0.03:
        return rng.choice(ODD) + "\n"
    t = rng.choice(TYPES)
    scope = rng.choice(SCOPES)
    bang = "!" if rng.random() < 0.002 else ""
    head = f"{t}({scope}){bang}" if scope else f"{t}{bang}"
    subject = f"{head}: change number {i}"
    if rng.random() < 0.2:
        subject += f" (#{rng.randint(1, 5000)})"
    body = ""
    if rng.random() < 0.3:
        body = "\n\nA longer explanation of the change, wrapped\nover two lines."
        if rng.random() < 0.02:
            body += "\n\nBREAKING CHANGE: something moved"
        elif rng.random() < 0.3:
            body += f"\n\nRefs: #{rng.randint(1, 5000)}"
    return subject + body + "\n"


# Which commits (1-based marks) carry release tags: evenly over the first `span` commits,
# the last one exactly at `span`.
step = span / releases
tagged = sorted({max(1, round(span - k * step)) for k in range(releases)})
tag_of = {}
major, minor, patch = 0, 1, 0
for n, mark in enumerate(tagged):
    if n and n % 1000 == 0:
        major, minor, patch = major + 1, 0, 0
    elif n and n % 10 == 0:
        minor, patch = minor + 1, 0
    elif n:
        patch += 1
    tag_of[mark] = f"{major}.{minor}.{patch}"
rc_marks = set(rng.sample(tagged, rcs))

t0 = 1_600_000_000
for i in range(1, commits + 1):
    msg = message(i).encode()
    out.write(b"commit refs/heads/main\n")
    out.write(f"mark :{i}\n".encode())
    out.write(f"committer Bench <bench@example.invalid> {t0 + i * 60} +0000\n".encode())
    out.write(f"data {len(msg)}\n".encode() + msg)
    if i > 1:
        out.write(f"from :{i - 1}\n".encode())
    content = f"{i}\n".encode()
    out.write(f"M 644 inline src/file{i % 50}.txt\ndata {len(content)}\n".encode() + content)
    out.write(b"\n")

if not no_tags:
    for mark, version in tag_of.items():
        names = [version] + ([f"{version}-rc.1"] if mark in rc_marks else [])
        for name in names:
            if rng.random() < 0.05:
                msg = f"Release {name}\n".encode()
                out.write(f"tag {name}\nfrom :{mark}\n".encode())
                out.write(f"tagger Bench <bench@example.invalid> {t0 + mark * 60} +0000\n".encode())
                out.write(f"data {len(msg)}\n".encode() + msg + b"\n")
            else:
                out.write(f"reset refs/tags/{name}\nfrom :{mark}\n\n".encode())
    last = tagged[-1]
    msg = b"fix(api): one commit after the last release\n"
    out.write(b"commit refs/heads/hot\n")
    out.write(f"mark :{commits + 1}\n".encode())
    out.write(f"committer Bench <bench@example.invalid> {t0 + (last + 1) * 60} +0000\n".encode())
    out.write(f"data {len(msg)}\n".encode() + msg)
    out.write(f"from :{last}\n\n".encode())
