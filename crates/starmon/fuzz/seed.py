#!/usr/bin/env python3
"""Writes the seed corpora (corpus/<target>/seed-*) from the StarRocks fixtures.

Usage: crates/starmon/fuzz/seed.py [FIXTURES_DIR]   (default /work/shared/starrocks/fixtures)

Re-running rewrites the fixture seeds and leaves other files alone (the grown corpus, and the
committed seed-crash-* inputs that once broke a parser). The control bytes in front of the
show/values/config seeds are what the targets read with `arbitrary` before the text; zeros
pick the first choice (SHOW FRONTENDS, no mixed-in columns, UTC and zero values).
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/starrocks/fixtures"


def read(name):
    with open(os.path.join(FIXTURES, name), "rb") as f:
        return f.read()


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


# prom: the bodies whole, and their first 40 lines (short inputs run faster, and libFuzzer
# splices them).
for name in ["fe_metrics.txt", "be_metrics.txt"]:
    body = read(name)
    stem = name.split(".")[0]
    write("prom", stem, body)
    write("prom", stem + "-head", b"\n".join(body.split(b"\n")[:40]) + b"\n")

# show: byte 0 picks the statement (0 FE, 1 BE, 2 CN with a 1-byte choice of three), byte 1
# how many real column names to mix in (0), then the TSV.
for name, kind in [
    ("show_frontends_3x.tsv", 0),
    ("show_backends_3x.tsv", 1),
    ("show_backends_34plus.tsv", 1),
    ("show_processlist.tsv", 0),
]:
    write("show", name.split(".")[0], bytes([kind, 0]) + read(name))
# The backends fixture read as SHOW COMPUTE NODES: BackendId is not its key column.
write("show", "show_backends_3x-as-cn", bytes([2, 0]) + read("show_backends_3x.tsv"))

# values: Known (4+8+1+8+8+8 = 37 bytes of arbitrary input), then one distinct fixture cell.
KNOWN_LEN = 4 + 8 + 1 + 8 + 8 + 8
cells = set()
for name in sorted(os.listdir(FIXTURES)):
    if name.endswith(".tsv"):
        for line in read(name).split(b"\n"):
            cells.update(c for c in line.split(b"\t") if c)
# A few forms the fixtures lack: the explicit-offset time, ByteSizeValue sizes, a negative int.
cells.update([b"2025-03-18 16:42:31 (+08:00)", b"12.3GB", b"0B", b"-1", b"NULL", b"41.2 %"])
for i, cell in enumerate(sorted(cells)):
    write("values", "%03d" % i, bytes(KNOWN_LEN) + cell)

# config: the commented default file (from the source, so it stays current), and a small
# file setting a value of every kind.
src = open(os.path.join(HERE, "..", "src", "config.rs"), encoding="utf-8").read()
start = src.index('DEFAULT_TOML: &str = r#"') + len('DEFAULT_TOML: &str = r#"')
write("config", "default", src[start : src.index('"#;', start)].encode())
write(
    "config",
    "small",
    b'database = "/var/lib/starmon/starmon.db"\nlisten = "0.0.0.0:8080"\n'
    b'timezone = "Asia/Shanghai"\n\n[collector]\ninterval_secs = 15\nconcurrency = 4\n\n'
    b"[auth]\nenabled = true\nsession_hours = 8\n\n[alerts]\nhysteresis_pct = 2.5\n"
    b'dashboard_url = "https://starmon.example.com/"\n\n[alerts.rules.be_cpu_high]\n'
    b'threshold = 85.0\nfor_secs = 600\nseverity = "critical"\nenabled = true\n',
)
