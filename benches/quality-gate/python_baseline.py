#!/usr/bin/env python3
"""The anchors' parsers on the same files: junitparser (as EnricoMi's
publish-unit-test-result-action uses it, on lxml) for JUnit, lxml iterparse for
Cobertura (streaming, clearing elements as it goes), json for SARIF. Prints counts so
the run can be checked against quality-gate's."""
import json
import sys


def junit(path):
    from junitparser import JUnitXml
    xml = JUnitXml.fromfile(path)
    total = failed = skipped = 0
    for suite in xml:
        for case in suite:
            total += 1
            if case.result:
                kind = type(case.result[0]).__name__
                if kind == "Skipped":
                    skipped += 1
                else:
                    failed += 1
    print(f"junit: {total} cases, {failed} failed, {skipped} skipped")


def cobertura(path):
    from lxml import etree
    covered = total = 0
    for _, el in etree.iterparse(path, events=("end",), tag="line"):
        total += 1
        if int(el.get("hits", "0")) > 0:
            covered += 1
        el.clear()
    print(f"cobertura: {covered}/{total} lines")


def sarif(path):
    with open(path) as f:
        doc = json.load(f)
    n = sum(len(run.get("results") or []) for run in doc["runs"])
    print(f"sarif: {n} results")


if __name__ == "__main__":
    {"junit": junit, "cobertura": cobertura, "sarif": sarif}[sys.argv[1]](sys.argv[2])
