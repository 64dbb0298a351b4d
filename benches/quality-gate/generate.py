#!/usr/bin/env python3
"""Writes the benchmark inputs: a Cobertura file of about SIZE_MB megabytes, a JUnit file
of CASES test cases, and a SARIF log of RESULTS results. Deterministic, streaming writes."""
import json
import sys
from pathlib import Path


def cobertura(path: Path, size_mb: int) -> None:
    target = size_mb * 1024 * 1024
    with path.open("w", buffering=1 << 20) as f:
        f.write('<?xml version="1.0" ?>\n<coverage version="7.3" line-rate="0.8" branch-rate="0.5" lines-covered="0" lines-valid="0">\n')
        f.write("<sources><source>/repo/src</source></sources>\n<packages>\n")
        written = 0
        pkg = 0
        while written < target:
            chunk = [f'<package name="pkg{pkg}" line-rate="0.8" branch-rate="0.5"><classes>\n']
            for cls in range(20):
                chunk.append(f'<class name="m{cls}.py" filename="pkg{pkg}/m{cls}.py" line-rate="0.8" branch-rate="0.5"><methods/><lines>\n')
                for line in range(1, 201):
                    hits = 0 if line % 5 == 0 else line % 7 + 1
                    if line % 10 == 3:
                        chunk.append(f'<line number="{line}" hits="{hits}" branch="true" condition-coverage="50% (1/2)"/>\n')
                    else:
                        chunk.append(f'<line number="{line}" hits="{hits}"/>\n')
                chunk.append("</lines></class>\n")
            chunk.append("</classes></package>\n")
            text = "".join(chunk)
            f.write(text)
            written += len(text)
            pkg += 1
        f.write("</packages>\n</coverage>\n")


def junit(path: Path, cases: int) -> None:
    with path.open("w", buffering=1 << 20) as f:
        f.write('<?xml version="1.0" encoding="utf-8"?>\n<testsuites name="bench">\n')
        per_suite = 1000
        for s in range(cases // per_suite):
            f.write(f'<testsuite name="suite{s}" tests="{per_suite}" failures="1" errors="0" skipped="1" time="12.5">\n')
            out = []
            for c in range(per_suite):
                attrs = f'classname="tests.test_mod{s}" name="test_case_{c}" file="tests/test_mod{s}.py" line="{c + 1}" time="0.0125"'
                if c == 7:
                    out.append(f'<testcase {attrs}><failure message="assert 1 == 2">def test():\n&gt;   assert 1 == 2\nE   assert 1 == 2\n\ntests/test_mod{s}.py:{c + 1}: AssertionError</failure></testcase>\n')
                elif c == 9:
                    out.append(f'<testcase {attrs}><skipped message="later"/></testcase>\n')
                else:
                    out.append(f"<testcase {attrs}/>\n")
            f.write("".join(out))
            f.write("</testsuite>\n")
        f.write("</testsuites>\n")


def sarif(path: Path, results: int) -> None:
    rules = [
        {"id": f"R{i:03}", "name": f"rule-{i}", "shortDescription": {"text": f"Rule {i}"},
         "properties": {"security-severity": str(round(1.0 + (i % 90) / 10, 1)), "tags": ["security"]}}
        for i in range(100)
    ]
    with path.open("w", buffering=1 << 20) as f:
        f.write('{"$schema":"https://json.schemastore.org/sarif-2.1.0.json","version":"2.1.0","runs":[{"tool":{"driver":{"name":"bench","rules":')
        f.write(json.dumps(rules))
        f.write('}},"results":[\n')
        for i in range(results):
            r = {
                "ruleId": f"R{i % 100:03}", "ruleIndex": i % 100, "level": "warning",
                "message": {"text": f"Finding {i}: untrusted input reaches a sink in function handler_{i % 977}."},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": f"src/module_{i % 5000}.py", "uriBaseId": "%SRCROOT%"},
                                                     "region": {"startLine": i // 5000 + 1, "startColumn": 5, "endColumn": 40}}}],
                "partialFingerprints": {"primaryLocationLineHash": f"{i:016x}:1"},
            }
            f.write(("," if i else "") + json.dumps(r) + "\n")
        f.write("]}]}\n")


if __name__ == "__main__":
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    size_mb = int(sys.argv[2]) if len(sys.argv) > 2 else 500
    cases = int(sys.argv[3]) if len(sys.argv) > 3 else 1_000_000
    results = int(sys.argv[4]) if len(sys.argv) > 4 else 200_000
    cobertura(out / "cobertura.xml", size_mb)
    junit(out / "junit.xml", cases)
    sarif(out / "results.sarif", results)
