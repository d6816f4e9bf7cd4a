"""Smoke runs of benchmarks/run.py on small sizes: it must run and print its table.

Benchmarks are not timed tests: nothing here looks at a wall time, a ratio or PASS/FAIL.
Anchors whose library (torch, pandas, polars) is missing are skipped by the script itself.
"""

import pathlib
import re
import subprocess
import sys

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
