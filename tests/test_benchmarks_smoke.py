"""Smoke runs of benchmarks/run.py on small sizes: it must run and print its table.

Benchmarks are not timed tests: nothing here looks at a wall time, a ratio or PASS/FAIL.
Anchors whose library (torch, pandas, polars) is missing are skipped by the script itself.
"""

import pathlib
import re
import subprocess
import sys

import pytest

RUN = pathlib.Path(__file__).resolve().parent.parent / "benchmarks" / "run.py"


def bench(*args):
    return subprocess.run([sys.executable, str(RUN), *args], capture_output=True, text=True, timeout=300,
                          check=False)


def test_quick_run_prints_the_table(tmp_path):
    result = bench("--quick", "--repeat", "1", "--only", "startup,npy", "--data", str(tmp_path))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("machine: ")
    assert re.search(r"^target\s+vs\s+losscli\s+anchor\s+ratio\s+limit\s+result\s+peak RSS", out, re.MULTILINE), out
    for row in (r"2 startup\s+import numpy", r"2 --help\s+imports numpy\?", r"3 npy\s+numpy one-liner"):
        assert re.search(rf"^{row}\s", out, re.MULTILINE), out


def test_markdown_table(tmp_path):
    result = bench("--quick", "--repeat", "1", "--only", "npy", "--markdown", "--data", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "| target | vs | losscli | anchor | ratio | limit | result |" in result.stdout
    assert re.search(r"^\| 3 npy \| numpy one-liner \|", result.stdout, re.MULTILINE), result.stdout


def test_unknown_target_is_a_usage_error():
    result = bench("--only", "nope")
    assert result.returncode == 2 and "unknown target" in result.stderr


def test_blocks_and_engine_rows_run(tmp_path):
    result = bench("--rows", "5000", "--jsonl", "5000", "--repeat", "1", "--only", "blocks,engine",
                   "--data", str(tmp_path))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for row in (r"7 blocks file\s+polars streaming", r"7 blocks stdin\s+row_blocks file",
                r"7 blocks <\(cut\)\s+row_blocks file", r"7 blocks jsonl\s+pl.scan_ndjson",
                r"8 stdin pipe\s+plain reduction", r"8 process substitution\s+plain reduction",
                r"8 --top 10\s+plain", r"8 --hist\s+plain", r"8 -r none --fail-above 1e9\s+plain",
                r"8 -r none -f csv\s+plain", r"8 -r none -f jsonl\s+plain", r"8 --grad -f csv\s+plain",
                r"8 plain\s+polars streaming", r"8 jsonl\s+pl.scan_ndjson", r"8 startup\s+import numpy",
                r"8 3 MB one read\s+opens of the file\s+1\s"):
        assert re.search(rf"^{row}", out, re.MULTILINE), (row, out)
    assert "ERROR" not in out, out


@pytest.mark.slow  # sixteen processes, twice: about 20 s
def test_floors_print_every_design(tmp_path):
    floors = RUN.parent / "floors.py"
    result = subprocess.run([sys.executable, str(floors), "--rows", "3000", "--repeat", "1", "--data", str(tmp_path)],
                            capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    rows = [line.split(" | ") for line in result.stdout.splitlines()[2:]]
    assert len(rows) == 16, result.stdout
    for name in ("3,000-row Parquet file", "3,000-row CSV file", "12,000 rows, 8 Parquet shards, glob"):
        values = {float(r[-1].rstrip(" |")) for r in rows if r[0] == f"| {name}"}
        assert len(values) == 1 or max(values) - min(values) <= 1e-9 * max(values), (name, values)  # one answer
