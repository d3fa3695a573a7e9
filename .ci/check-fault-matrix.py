#!/usr/bin/env python3
"""Checks that every test docs/RELIABILITY.md names exists, so the fault matrix cannot drift from
the tests that prove it. A name is `Class#method` (a method may end in '…' for a prefix, or
'[N cases]'), or a bare `Class` (a whole test class). Exit 1 with the missing names."""
import pathlib
import re
import sys

root = pathlib.Path(__file__).resolve().parent.parent
doc = (root / "docs" / "RELIABILITY.md").read_text(encoding="utf-8")
sources = {}
for p in root.glob("*/src/test/java/**/*.java"):
    sources.setdefault(p.stem, []).append(p.read_text(encoding="utf-8"))

rows = [l for l in doc.splitlines() if re.match(r"\|\s*\d+\.\d+[a-z]?\s*\|", l)]
missing, checked, last_class = [], 0, None
for row in rows:
    test_cell = row.rstrip().rstrip("|").split("|")[-1]
    for m in re.finditer(r"(?:([A-Z][A-Za-z0-9]+)(?=#|\b))?(#([a-zA-Z0-9_]+)(…)?)?", test_cell):
        cls, method, prefix = m.group(1), m.group(3), m.group(4)
        if not cls and not method:
            continue
        if cls and cls not in sources and not cls.endswith("Test"):
            continue  # an ordinary word, e.g. "Reactive"
        if cls:
            last_class = cls
        target = cls or last_class
        if target not in sources:
            missing.append(f"{target} (class not found)")
            continue
        checked += 1
        if method:
            pattern = r"void\s+" + re.escape(method) + (r"\w*" if prefix else r"\b")
            if not any(re.search(pattern, s) for s in sources[target]):
                missing.append(f"{target}#{method}{prefix or ''}")

print(f"fault matrix: {len(rows)} rows, {checked} test references checked, {len(missing)} missing")
for name in missing:
    print(f"  missing: {name}")
sys.exit(1 if missing or not rows else 0)
