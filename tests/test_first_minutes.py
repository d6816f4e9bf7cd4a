"""What a new user meets first: Markdown that renders, counts that say what they count, piped
output that sorts, failure messages without float noise, JUnit times, the license."""

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from helpers import ROOT, SAMPLES, run

CE_N, CE_C = 200, 5  # cross entropy over 200 samples of 5 classes: 1,000 logits


@pytest.fixture(scope="module")
def ce(tmp_path_factory):
    """--pred/--target of a 200 x 5 cross entropy, as CSV files."""
    folder = tmp_path_factory.mktemp("ce")
    rng = np.random.default_rng(5)
    np.savetxt(folder / "logits.csv", rng.normal(size=(CE_N, CE_C)), delimiter=",")
    np.savetxt(folder / "labels.csv", rng.integers(0, CE_C, CE_N), fmt="%d")
    return ["--pred", folder / "logits.csv", "--target", folder / "labels.csv"]


# --- 1. Markdown cells: a `|` never splits a cell ---------------------------------------------

def markdown_rows(text: str) -> list[list[str]]:
    """The cells of each table row, split as GitHub does: on every `|` not escaped by `\\`."""
    rows = []
    for line in text.splitlines():
        if line.startswith("|"):
            cells = re.split(r"(?<!\\)\|", line.strip())
            assert cells[0] == "" and cells[-1] == "", line
            rows.append([c.strip() for c in cells[1:-1]])
    return rows


def assert_one_table(text: str, header: list[str]) -> list[list[str]]:
    rows = markdown_rows(text)
    assert rows[0] == header and set(rows[1]) == {"---"}
    assert {len(row) for row in rows} == {len(header)}, rows
    return rows[2:]


def test_markdown_scalar_keeps_the_signature_in_one_cell():
    out = run("mse", "--pred", "1,2", "--target", "1,1", "-f", "md").stdout
    (row,) = assert_one_table(out, ["loss", "value", "reduction", "samples", "elements", "dtype", "signature"])
    assert row[-1].replace("\\|", "|") == "`mse|reduction=mean|dtype=float64|losscli=0.1.0`"
    assert row[:5] == ["mse", "0.5000", "mean", "2", "2"]


def test_markdown_per_element_table_parses():
    out = run("mse", "--pred", "1,2,3", "--target", "0,0,0", "-r", "none", "-f", "md").stdout
    rows = assert_one_table(out, ["index", "pred", "target", "loss"])
    assert [row[-1] for row in rows] == ["1.0000", "4.0000", "9.0000"]


def test_check_markdown_escapes_every_cell(tmp_path):
    (tmp_path / "c.toml").write_text('[[check]]\nname = "head | tail"\nloss = "mse"\npred = "1,2"\n'
                                     'target = "1,1"\nexpect = 0.5\n')
    out = run("check", tmp_path / "c.toml", "-f", "md").stdout
    (row,) = assert_one_table(out, ["check", "loss", "value", "rule", "result"])
    assert row == ["head \\| tail", "mse", "0.5000", "~= 0.5 (rtol 1e-05, atol 1e-08)", "✅ PASS"]


# --- 2. samples and elements, and labels that count what they list ----------------------------

def test_cross_entropy_counts_samples_and_elements(ce):
    text = run("cross-entropy", *ce).stdout
    assert "samples=200, elements=1000" in text and " n=" not in text
    out = json.loads(run("cross-entropy", *ce, "-f", "json").stdout)
    assert (out["n"], out["samples"], out["elements"], out["shape"]) == (1000, 200, 1000, [200, 5])
    assert run("cross-entropy", *ce, "-f", "csv").stdout.splitlines()[0] == "loss,reduction,dtype,samples,elements,value"
    assert run("cross-entropy", *ce, "-f", "csv").stdout.splitlines()[1].startswith("cross-entropy,mean,float64,200,1000,")
    (row,) = assert_one_table(run("cross-entropy", *ce, "-f", "md").stdout,
                              ["loss", "value", "reduction", "samples", "elements", "dtype", "signature"])
    assert row[3:5] == ["200", "1000"]


def test_cross_entropy_top_and_none_are_per_sample(ce):
    top = run("cross-entropy", *ce, "--top", "3").stdout.splitlines()
    assert top[1] == "cross-entropy: the 3 largest of 200 samples"
    none = run("cross-entropy", *ce, "-r", "none", "-f", "csv").stdout.splitlines()
    assert len(none) - 1 == CE_N  # the 200 the label counts
    assert "histogram of the per-sample losses:" in run("cross-entropy", *ce, "--hist").stdout
    assert "histogram of the per-element losses:" in run("mse", "--pred", "1,2", "--target", "0,0", "--hist").stdout
    # the table's title shows on a terminal only: run under a pseudo-terminal
    command = " ".join([sys.executable, "-m", "losscli", "cross-entropy", *map(str, ce), "-r", "none"])
    terminal = subprocess.run(["script", "-qec", command, "/dev/null"], capture_output=True, text=True, cwd=ROOT,
                              env={"COLUMNS": "200", "TERM": "xterm", "NO_COLOR": "1", "PATH": "/usr/bin:/bin"})
    assert "cross-entropy per sample" in terminal.stdout, terminal.stdout + terminal.stderr
    assert "150 more rows not shown; all 200" in terminal.stdout


def test_elementwise_losses_count_elements_where_they_differ_from_samples():
    text = run("mse", "--pred", "1,2,3;4,5,6", "--target", "0,0,0;0,0,0", "--top", "2").stdout.splitlines()
    assert "samples=2, elements=6" in text[0]
    assert text[1] == "mse: the 2 largest of 6 elements"
    assert "samples=3," in run("mse", "--pred", "1,2,3", "--target", "0,0,0").stdout  # equal: samples only
    assert "elements" not in run("mse", "--pred", "1,2,3", "--target", "0,0,0").stdout


@pytest.mark.parametrize("args,samples,elements", [
    # ctc's log-probs are (T=5, N=2, C=4): 2 samples
    (["ctc", "--log-probs", f"{SAMPLES}/ctc.json:log_probs", "--targets", f"{SAMPLES}/ctc.json:targets",
      "--input-lengths", f"{SAMPLES}/ctc.json:input_lengths", "--target-lengths", f"{SAMPLES}/ctc.json:target_lengths"],
     2, 40),
    (["cross-entropy", "--pred", "1,2,3", "--target", "2"], 1, 3),  # torch's unbatched (C,) input
    (["hinge", "--pred", "0.6,0.4;0.4,0.6", "--target", "0,1;1,0"], 2, 4),
    (["kl-div", "--pred", f"{SAMPLES}/distributions.json:logp", "--target", f"{SAMPLES}/distributions.json:q"], 2, 4),
])
def test_samples_follow_the_batch_dim(args, samples, elements):
    out = json.loads(run(*args, "-f", "json").stdout)
    assert (out["samples"], out["elements"]) == (samples, elements)
    none = json.loads(run(*args, "-f", "json", "-r", "none").stdout)["value"]
    if np.ndim(none):  # an unbatched input has one loss, a scalar, and no table
        unit = "samples" if np.size(none) == samples and samples != elements else "elements"
        assert f"{args[0]}: the 1 largest of {np.size(none)} {unit}" in run(*args, "--top", "1").stdout


# --- 3. piped -r none text is TSV ----------------------------------------------------------

def test_piped_reduction_none_is_tsv_with_full_precision(entry, ce):
    piped = entry("cross-entropy", *ce, "-r", "none")
    assert piped.returncode == 0
    assert piped.stdout == entry("cross-entropy", *ce, "-r", "none", "-f", "tsv").stdout
    lines = piped.stdout.splitlines()
    assert lines[0] == "index\ttarget\tloss" and len(lines) == CE_N + 1
    losses = [float(line.split("\t")[2]) for line in lines[1:]]
    assert len({len(line.split("\t")) for line in lines}) == 1
    from losscli import cross_entropy
    from losscli.inputs import Sources

    sources = Sources()
    expected = cross_entropy(sources.load("--pred", str(ce[1])), sources.load("--target", str(ce[3])), reduction="none")
    assert losses == expected.tolist()  # exactly: shortest round-trip digits
    sorted_ = subprocess.run(["sort", "-t", "\t", "-k3", "-g"], input=piped.stdout, capture_output=True, text=True).stdout
    assert sorted_.splitlines()[-1].split("\t")[2] == repr(max(losses))


def test_piped_reduction_none_with_precision_stays_one_header_row(entry):
    out = entry("mse", "--pred", "1,2", "--target", "0,0", "-r", "none", "--precision", "2").stdout
    assert out == "index\tpred\ttarget\tloss\n0\t1.00\t0.00\t1.00\n1\t2.00\t0.00\t4.00\n"


# --- 4. failure text: exact where it matters, rounded tolerances -----------------------------

def test_expect_failure_prints_a_rounded_tolerance_and_exact_values(entry):
    # the tolerance 1e-8 + 1e-6 * 0.94 is 9.499999999999999e-07 in float64
    result = entry("mse", "--pred", "1,2,3", "--target", "0,0,0", "--expect", "0.94", "--rtol", "1e-6")
    assert result.returncode == 1
    assert result.stderr == ("losscli: check failed: mse = 4.666666666666667 is not within 9.5e-07 of 0.94 "
                             "(--expect)\n")


def test_check_rule_rounds_tolerances(tmp_path):
    (tmp_path / "c.toml").write_text('[[check]]\nloss = "mse"\npred = "1,2"\ntarget = "1,1"\nexpect = 0.5\n'
                                     'rtol = 1.0000000000000002e-05\natol = 3.3e-9\n')
    out = run("check", tmp_path / "c.toml").stdout
    assert "~= 0.5 (rtol 1e-05, atol 3.3e-09)" in out


# --- 5. JUnit: one measured time per check --------------------------------------------------

def test_junit_times_are_measured_per_check(tmp_path):
    np.save(tmp_path / "big.npy", np.random.default_rng(0).normal(size=(3_000_000,)))
    small = '[[check]]\nname = "{}"\nloss = "mse"\npred = "1,2"\ntarget = "1,1"\n'
    big = '[[check]]\nname = "big"\nloss = "log-cosh"\npred = "big.npy"\ntarget = "big.npy"\n'
    (tmp_path / "c.toml").write_text(small.format("warm-up") + big + small.format("small"))
    assert run("check", tmp_path / "c.toml", "--junit-xml", tmp_path / "r.xml").exit_code == 0
    root = ET.parse(tmp_path / "r.xml").getroot()
    times = {c.get("name"): float(c.get("time")) for c in root.iter("testcase")}
    assert times["big"] > 5 * times["small"], times
    assert sum(times.values()) <= float(root.get("time")) + 1e-6


# --- 6. the license pyproject names ---------------------------------------------------------

def test_license_file_is_mit():
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License\n\nCopyright (c) 2026 the losscli authors\n")
    assert "THE SOFTWARE IS PROVIDED \"AS IS\"" in text
    assert 'license = { text = "MIT" }' in (ROOT / "pyproject.toml").read_text()
