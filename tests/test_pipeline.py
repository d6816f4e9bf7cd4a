"""Losscli in pipelines and CI: gates, `losscli check`, output formats, --top/--hist/--grad,
--nan-policy, --output, signals."""

import json
import os
import pathlib
import re
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from typer.testing import CliRunner

from losscli import __version__
from losscli.cli import app

ROOT = pathlib.Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
runner = CliRunner()
REG = ["--pred", f"{SAMPLES}/regression.csv:pred", "--target", f"{SAMPLES}/regression.csv:target"]  # mse 0.25


def run(*args, input=None):
    result = runner.invoke(app, [str(a) for a in args], input=input)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


# --- gates ---------------------------------------------------------------------------------

ABOVE_BELOW = [
    # (option, threshold, exit code) around mse = 0.25 exactly
    ("--fail-above", "0.25", 0),
    ("--fail-above", "0.2500000001", 0),
    ("--fail-above", "0.2499999999", 1),
    ("--fail-below", "0.25", 0),
    ("--fail-below", "0.2499999999", 0),
    ("--fail-below", "0.2500000001", 1),
    ("--expect", "0.25", 0),
    ("--expect", "0.2500025", 0),  # within atol 1e-8 + rtol 1e-5 * 0.2500025
    ("--expect", "0.2500026", 1),
    ("--expect", "0.2499975", 0),
    ("--expect", "0.2499974", 1),
]


@pytest.mark.parametrize("option,threshold,code", ABOVE_BELOW)
def test_gates_at_just_above_and_just_below_threshold(option, threshold, code):
    result = run("mse", *REG, option, threshold)
    assert result.exit_code == code, result.stderr
    assert result.stdout.startswith("mse: 0.2500")  # the result is printed either way
    if code:
        assert result.stderr.startswith("losscli: check failed: mse = 0.25 ")
        assert f"({option})" in result.stderr and len(result.stderr.splitlines()) == 1
    else:
        assert result.stderr == ""


def test_gate_failure_message_has_full_precision_and_the_rule():
    result = run("mse", "--pred", "0.6", "--target", "1.1", "--fail-above", "0.25")  # the example
    assert result.exit_code == 1
    assert result.stdout.startswith("mse: 0.2500  ")  # shown as 0.2500, yet above 0.25: the line says why
    assert result.stderr == "losscli: check failed: mse = 0.2500000000000001 > 0.25 (--fail-above)\n"


def test_rtol_and_atol():
    assert run("mse", *REG, "--expect", "0.26", "--rtol", "0.05").exit_code == 0
    assert run("mse", *REG, "--expect", "0.26", "--rtol", "0", "--atol", "0.02").exit_code == 0
    assert run("mse", *REG, "--expect", "0.26", "--rtol", "0", "--atol", "0.005").exit_code == 1


@pytest.mark.parametrize("gate", [["--fail-above", "1e300"], ["--fail-below", "-1e300"], ["--expect", "0", "--atol", "inf"]])
def test_nan_fails_every_gate(gate):
    result = run("mse", "--pred", "nan,1", "--target", "1,1", *gate)
    assert result.exit_code == 1
    assert "NaN fails every check" in result.stderr


def test_gates_apply_to_every_element_with_reduction_none():
    result = run("mse", "--pred", "1,2,3,4", "--target", "1,2,5,4.5", "-r", "none", "--fail-above", "0.2")
    assert result.exit_code == 1
    assert result.stderr == "losscli: check failed: mse: 2 of 4 elements > 0.2 (--fail-above); worst 4.0 at index 2\n"
    result = run("mse", "--pred", "1,2;3,nan", "--target", "1,2;5,4.5", "-r", "none", "--fail-below", "-1")
    assert "1 of 4 elements < -1.0 (--fail-below); worst nan at index 1,1" in result.stderr
    assert run("mse", "--pred", "1,2", "--target", "1,2", "-r", "none", "--expect", "0").exit_code == 0


# --- losscli check -------------------------------------------------------------------------

def _toml(tmp_path, text: str) -> pathlib.Path:
    path = tmp_path / "checks.toml"
    path.write_text(text)
    return path


def test_check_runs_the_sample_file_and_passes():
    result = run("check", SAMPLES / "checks.toml")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "check\tloss\tvalue\trule\tresult"
    assert lines[1] == "regression head\tmse\t0.2500\t<= 0.3\tPASS"
    assert lines[-1] == "4 passed, 0 failed"


def test_check_exits_1_when_one_check_fails_and_writes_junit(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "p.csv").write_text("pred,target\n1,1.5\n2,2\n")
    path = _toml(tmp_path, """
[[check]]
name = "passes"
loss = "mse"
pred = "data/p.csv:pred"
target = "data/p.csv:target"
fail-above = 0.2

[[check]]
name = "fails"
loss = "l1"
pred = "data/p.csv:pred"
target = "data/p.csv:target"
expect = 0.3
""")
    junit = tmp_path / "report.xml"
    result = run("check", path, "--junit-xml", junit)
    assert result.exit_code == 1
    assert "PASS" in result.stdout.splitlines()[1] and "FAIL" in result.stdout.splitlines()[2]
    assert result.stderr == "losscli: check failed: fails: l1 = 0.25 is not within 3.01e-06 of 0.3 (--expect)\n"
    root = ET.parse(junit).getroot()  # JUnit: testsuites > testsuite > testcase (> failure)
    assert root.tag == "testsuites" and root.get("tests") == "2" and root.get("failures") == "1"
    (suite,) = root.findall("testsuite")
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == ["passes", "fails"]
    assert all(c.get("classname", "").startswith("losscli.") and float(c.get("time")) >= 0 for c in cases)
    assert cases[0].find("failure") is None
    assert "not within" in cases[1].find("failure").get("message")


def test_check_reads_each_file_once(tmp_path, monkeypatch):
    from losscli import inputs

    reads = []
    real = inputs.Sources._read
    monkeypatch.setattr(inputs.Sources, "_read", lambda self, path: (reads.append(path), real(self, path))[1])
    (tmp_path / "p.csv").write_text("pred,target\n1,1.5\n2,2\n")
    body = '[[check]]\nloss = "{}"\npred = "p.csv:pred"\ntarget = "p.csv:target"\n'
    path = _toml(tmp_path, body.format("mse") + body.format("l1") + body.format("huber"))
    assert run("check", path).exit_code == 0
    assert len(reads) == 1


def test_check_formats_json_and_md():
    data = json.loads(run("check", SAMPLES / "checks.toml", "-f", "json").stdout)
    assert data["passed"] == 4 and data["failed"] == 0
    assert data["checks"][2]["value"] == pytest.approx(0.50760596, rel=1e-8)
    assert data["checks"][0]["signature"] == f"mse|reduction=mean|dtype=float64|losscli={__version__}"
    md = run("check", SAMPLES / "checks.toml", "-f", "md").stdout
    assert md.startswith("| check | loss | value | rule | result |\n|---|---|---|---|---|\n")


@pytest.mark.parametrize("body,words", [
    ('[[check]]\nname = "x"\nloss = "msee"\n', ["check 'x'", "'loss'", "msee"]),
    ('[[check]]\nname = "x"\nloss = "mse"\npred = "1"\ntarget = "1"\nfrobnicate = 1\n', ["check 'x'", "'frobnicate'"]),
    ('[[check]]\nname = "x"\nloss = "mse"\npred = "missing.csv"\ntarget = "1"\n', ["check 'x'", "missing.csv"]),
    ('[[check]]\nname = "x"\nloss = "mse"\npred = "1"\n', ["check 'x'", "--target"]),
    ('[[check]]\nname = "x"\nloss = "mse"\npred = "1"\ntarget = "1"\nformat = "json"\n', ["check 'x'", "'format'"]),
    ('[[check]]\nname = "x"\nloss = "cross-entropy"\npred = "1,2"\ntarget = "0"\nlabel-smoothing = 2\n',
     ["check 'x'", "--label-smoothing"]),
    ("x = [", ["not valid TOML"]),
    ("", ["no [[check]] tables"]),
])
def test_check_invalid_file_exits_2_naming_check_and_key(entry, tmp_path, body, words):
    result = entry("check", _toml(tmp_path, body))
    assert result.returncode == 2 and result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("losscli: error: ")
    for word in words:
        assert word in line


# --- output formats ------------------------------------------------------------------------

def test_tsv_jsonl_and_md():
    args = ["mse", "--pred", "1,2", "--target", "0,0"]
    assert run(*args, "-f", "tsv").stdout == "loss\treduction\tdtype\tsamples\telements\tvalue\nmse\tmean\tfloat64\t2\t2\t2.5\n"
    assert run(*args, "-r", "none", "-f", "tsv").stdout == "index\tpred\ttarget\tloss\n0\t1.0\t0.0\t1.0\n1\t2.0\t0.0\t4.0\n"
    lines = run(*args, "-r", "none", "-f", "jsonl").stdout.splitlines()
    assert [json.loads(line) for line in lines] == [
        {"index": 0, "pred": 1.0, "target": 0.0, "loss": 1.0}, {"index": 1, "pred": 2.0, "target": 0.0, "loss": 4.0}]
    assert json.loads(run(*args, "-f", "jsonl").stdout)["value"] == 2.5
    md = run(*args, "-f", "md").stdout
    assert md.splitlines()[:2] == ["| loss | value | reduction | samples | elements | dtype | signature |",
                                 "|---|---|---|---|---|---|---|"]


def test_signature_in_json_and_text():
    out = json.loads(run("huber", *REG, "--delta", "0.5", "-f", "json").stdout)
    assert out["signature"] == f"huber|delta=0.5|reduction=mean|dtype=float64|losscli={__version__}"
    assert run("huber", *REG).stdout.rstrip().endswith(f"dtype=float64, losscli {__version__})")


def test_top_lists_the_largest_losses_with_index_and_inputs():
    args = ["mse", "--pred", "1,2,3,4,5", "--target", "1.5,2,2,9,1"]
    out = run(*args, "--top", "2").stdout.splitlines()
    assert out[0].startswith("mse: 8.4500")
    assert out[1:] == ["mse: the 2 largest of 5 elements", "index\tpred\ttarget\tloss",
                       "3\t4.0000\t9.0000\t25.0000", "4\t5.0000\t1.0000\t16.0000"]
    top = json.loads(run(*args, "--top", "2", "-f", "json").stdout)["top"]
    assert top == [{"index": 3, "pred": 4.0, "target": 9.0, "loss": 25.0},
                   {"index": 4, "pred": 5.0, "target": 1.0, "loss": 16.0}]
    assert run(*args, "--top", "2", "-f", "csv").stdout == "index,pred,target,loss\n3,4.0,9.0,25.0\n4,5.0,1.0,16.0\n"
    assert run(*args, "--top", "9", "-q").stdout.split() == ["25.0", "16.0", "1.0", "0.25", "0.0"]


def test_top_counts_nan_as_the_worst_and_works_for_cross_entropy():
    assert run("mse", "--pred", "1,nan,3", "--target", "1,1,1", "--top", "1", "-q").stdout == "nan\n"
    out = run("cross-entropy", "--pred", "1,2,3;3,2,1", "--target", "2,2", "--top", "1", "-f", "csv").stdout
    assert out.splitlines() == ["index,target,loss", "1,2,2.4076059644443806"]


def test_hist_counts_every_element():
    out = run("mse", "--pred", "1,2,3,4,5", "--target", "1.5,2,2,9,1", "--hist").stdout.splitlines()
    assert out[1] == "histogram of the per-element losses:"
    assert sum(int(re.search(r"[)\]]\s+(\d+)", line)[1]) for line in out[2:]) == 5
    h = json.loads(run("mse", "--pred", "1,2,nan", "--target", "1,1,1", "--hist", "-f", "json").stdout)["histogram"]
    assert sum(h["counts"]) == 2 and h["nonfinite"] == 1 and len(h["edges"]) == len(h["counts"]) + 1


def test_top_and_hist_on_a_million_elements(tmp_path):
    rng = np.random.default_rng(0)
    np.save(tmp_path / "p.npy", rng.normal(size=1_000_000))
    np.save(tmp_path / "t.npy", rng.normal(size=1_000_000))
    out = json.loads(run("mse", "--pred", tmp_path / "p.npy", "--target", tmp_path / "t.npy", "--top", "3",
                         "--hist", "-f", "json").stdout)
    p, t = np.load(tmp_path / "p.npy"), np.load(tmp_path / "t.npy")
    worst = np.argsort((p - t) ** 2)[::-1][:3]
    assert [row["index"] for row in out["top"]] == worst.tolist()
    assert sum(out["histogram"]["counts"]) == 1_000_000


def test_no_color_and_boxes_off_a_terminal():
    out = run("mse", "--pred", "1,2", "--target", "1,3", "-r", "none").stdout
    assert "\x1b[" not in out and "│" not in out


def test_no_color_on_a_terminal(tmp_path):
    script = ["script", "-qec", f"{sys.executable} -m losscli mse --pred 1,2 --target 1,3 --no-color", "/dev/null"]
    if subprocess.run(["which", "script"], capture_output=True).returncode:
        pytest.skip("no `script` to give the command a terminal")
    colored = subprocess.run(script[:2] + [script[2].replace(" --no-color", "")] + script[3:], capture_output=True,
                             text=True, cwd=ROOT, env={**os.environ, "TERM": "xterm"})
    plain = subprocess.run(script, capture_output=True, text=True, cwd=ROOT, env={**os.environ, "TERM": "xterm"})
    no_color_env = subprocess.run(script[:2] + [script[2].replace(" --no-color", "")] + script[3:], capture_output=True,
                                  text=True, cwd=ROOT, env={**os.environ, "TERM": "xterm", "NO_COLOR": "1"})
    assert "\x1b[" in colored.stdout and "mse" in plain.stdout
    assert "\x1b[3" not in plain.stdout and "\x1b[3" not in no_color_env.stdout  # no colour codes (bold may stay)


# --- --nan-policy --------------------------------------------------------------------------

def test_nan_policy(entry):
    args = ["mse", "--pred", "1,nan,3", "--target", "1,2,4"]
    assert run(*args, "-q").stdout == "nan\n"  # propagate: torch's behaviour
    result = entry(*args, "--nan-policy", "raise")
    assert result.returncode == 2
    assert result.stderr == "losscli: error: --pred holds NaN at position 1 (--nan-policy raise)\n"
    out = json.loads(run(*args, "--nan-policy", "omit", "-f", "json").stdout)
    assert out["value"] == 0.5 and out["omitted"] == 1 and "nan_policy=omit" in out["signature"]


def test_nan_policy_omit_drops_whole_samples(entry):
    # a NaN logit drops its sample (row) and its target; the weight is a parameter and stays whole
    out = run("cross-entropy", "--pred", "1,2,3;nan,0,0;3,2,1", "--target", "2,0,0", "--weight", "1,2,3",
              "--nan-policy", "omit", "-q").stdout
    expected = run("cross-entropy", "--pred", "1,2,3;3,2,1", "--target", "2,0", "--weight", "1,2,3", "-q").stdout
    assert out == expected
    assert entry("mse", "--pred", "1,2", "--target", "nan,2", "--nan-policy", "raise").stderr.startswith(
        "losscli: error: --target holds NaN at position 0")


# --- --output and signals ------------------------------------------------------------------

def test_output_writes_the_file_and_nothing_to_stdout(tmp_path):
    path = tmp_path / "out.json"
    result = run("mse", *REG, "-f", "json", "--output", path)
    assert result.exit_code == 0 and result.stdout == ""
    assert json.loads(path.read_text())["value"] == 0.25
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


def test_output_is_untouched_when_the_run_fails(entry, tmp_path):
    path = tmp_path / "out.json"
    path.write_text("old")
    result = entry("mse", "--pred", "1,2", "--target", "1,2,3", "-o", path)
    assert result.returncode == 2 and path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


@pytest.mark.parametrize("sig,code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_killed_run_leaves_no_partial_output(tmp_path, sig, code):
    n = 3_000_000
    np.save(tmp_path / "p.npy", np.arange(n, dtype=np.float64))
    path = tmp_path / "out.csv"
    path.write_text("old\n")
    proc = subprocess.Popen([sys.executable, "-m", "losscli", "mse", "--pred", str(tmp_path / "p.npy"),
                             "--target", str(tmp_path / "p.npy"), "-r", "none", "-f", "csv", "-o", str(path)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 30
    while not any(p.name.startswith(".losscli-") for p in tmp_path.iterdir()):  # writing has begun
        assert proc.poll() is None and time.time() < deadline, proc.communicate()
        time.sleep(0.01)
    time.sleep(0.2)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == code, err
    assert path.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv", "p.npy"]
    assert "Traceback" not in err
    if sig == signal.SIGINT:
        assert err == "losscli: interrupted\n"
