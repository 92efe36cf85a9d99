#!/usr/bin/env python3
"""Scores a PIT mutations.xml: killed / (mutants - equivalent), timed-out not counted as kills.

Usage: mutation-score.py MUTATIONS_XML EQUIVALENT_LIST MODULE

EQUIVALENT_LIST has one mutant a line, fields separated by '|':
  module | fully.qualified.Class | method | line | MutatorShortName | why it is equivalent
(blank lines and lines starting with '#' are ignored). MutatorShortName is the last part of
PIT's mutator class name (ConditionalsBoundaryMutator, MathMutator...). An entry that matches no
mutant of the report is printed as stale, so a moved line is noticed.
"""
import collections
import sys
import xml.etree.ElementTree as ET


def main(report, equivalent_list, module):
    mutants = []
    for m in ET.parse(report).getroot().iter("mutation"):
        mutants.append({
            "status": m.get("status"),
            "cls": m.findtext("mutatedClass"),
            "method": m.findtext("mutatedMethod"),
            "line": m.findtext("lineNumber"),
            "mutator": m.findtext("mutator").rsplit(".", 1)[-1],
            "desc": m.findtext("description"),
        })
    entries = []
    with open(equivalent_list, encoding="utf-8") as f:
        for raw in f:
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            fields = [x.strip() for x in line.split("|")]
            if len(fields) < 6 or fields[0] != module:
                continue
            entries.append(fields)

    equivalent = set()
    stale = []
    for mod, cls, method, lineno, mutator, why in entries:
        hits = [i for i, m in enumerate(mutants)
                if m["cls"] == cls and m["method"] == method and m["line"] == lineno
                and m["mutator"] == mutator]
        if not hits:
            stale.append(f"{cls}.{method}:{lineno} {mutator}")
        equivalent.update(hits)

    counts = collections.Counter(m["status"] for m in mutants)
    non_viable = counts.get("NON_VIABLE", 0)
    total = len(mutants) - non_viable
    killed_equivalent = sum(1 for i in equivalent if mutants[i]["status"] == "KILLED")
    killed = counts.get("KILLED", 0) - killed_equivalent
    denominator = total - len(equivalent)

    def show(status, title):
        rows = [m for i, m in enumerate(mutants) if m["status"] == status and i not in equivalent]
        if rows:
            print(f"[mutation] {title} ({len(rows)}):")
            for m in sorted(rows, key=lambda r: (r["cls"], int(r["line"]))):
                print(f"  {m['cls']}.{m['method']}:{m['line']} {m['mutator']}: {m['desc']}")

    show("SURVIVED", "survived")
    show("NO_COVERAGE", "not covered")
    show("TIMED_OUT", "timed out (not counted as kills)")
    show("MEMORY_ERROR", "memory error (not counted as kills)")
    show("RUN_ERROR", "run error (not counted as kills)")
    for s in stale:
        print(f"[mutation] stale equivalent entry, matches no mutant: {s}")
    print(f"[mutation] {module}: statuses {dict(sorted(counts.items()))}")
    print(f"[mutation] {module}: {len(equivalent)} shown equivalent (scripts/mutation-equivalent.txt)")
    score = 100.0 * killed / denominator if denominator else 0.0
    print(f"RESULT mutation_score_{module.replace('-', '_')}={score:.1f} % "
          f"({killed} killed / ({total} mutants - {len(equivalent)} equivalent); "
          f"{counts.get('TIMED_OUT', 0)} timed out, not counted)")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2], sys.argv[3])
