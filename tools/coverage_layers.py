#!/usr/bin/python3
"""Prints line and branch coverage per layer from a gcovr --json-summary file.

    tools/coverage_layers.py reports/coverage-summary.json

A layer is a folder prefix of the source paths gcovr reports (relative to the
repository root). The last rows add up the layers the coverage goal is about
(client/ and sim/) and every file of the report. Figures are gcovr's own
counts, summed per layer; a layer with no file in the report prints "-".
"""
import json
import sys

LAYERS = ["client/", "sim/asgi/", "sim/net/", "sim/runtime/", "harness/"]
TOTALS = [("client/ + sim/", ("client/", "sim/")), ("all", ("",))]


def percent(covered, total):
    return "%5.1f%% (%d/%d)" % (100.0 * covered / total, covered, total) if total else "-"


def add_up(files, prefixes):
    sums = [0, 0, 0, 0]
    for f in files:
        if f["filename"].startswith(prefixes):
            sums[0] += f["line_covered"]
            sums[1] += f["line_total"]
            sums[2] += f["branch_covered"]
            sums[3] += f["branch_total"]
    return sums


def main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: coverage_layers.py SUMMARY.json (gcovr --json-summary)\n")
        return 2
    with open(argv[1], encoding="utf-8") as stream:
        files = json.load(stream)["files"]
    rows = [(layer, (layer,)) for layer in LAYERS] + TOTALS
    print("%-16s %-24s %s" % ("layer", "lines", "branches"))
    for name, prefixes in rows:
        lines_hit, lines, branches_hit, branches = add_up(files, prefixes)
        print("%-16s %-24s %s" % (name, percent(lines_hit, lines), percent(branches_hit, branches)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
