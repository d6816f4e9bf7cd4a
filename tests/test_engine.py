"""The engine and the registry: one declaration per loss, one engine for every path, and every
view (top K, histogram, gates, per-element output, gradients) the same in blocks as whole."""

import dataclasses
import json
import os
import pty
import subprocess
import sys

import numpy as np
import pytest

from helpers import ROOT, assert_one_error_line, losscli, run
from losscli import engine, registry
from losscli.engine import Invocation


# --- the registry ---------------------------------------------------------------------------


def test_every_declaration_names_a_core_function_and_its_gradient():
    import losscli.functional as F

    for spec in registry.SPECS:
        assert callable(getattr(F, spec.core)), spec.name
        if spec.grad:
            assert callable(getattr(F, spec.grad)), spec.name
        assert spec.task in registry.TASKS, spec.name
        assert spec.summary and spec.reference, spec.name


def test_names_and_aliases_are_unique_and_resolve():
    names = [s.name for s in registry.SPECS]
    assert len(names) == len(set(names))
    for alias, name in registry.ALIASES.items():
        assert alias not in registry.BY_NAME and registry.spec(alias).name == name


def test_list_counts_every_declared_loss_with_its_reference():
    rows = json.loads(run("list", "-f", "json").stdout)
    assert [r["name"] for r in rows] == [s.name for t in registry.TASKS for s in registry.SPECS if s.task == t]
    assert all(r["reference"] for r in rows)
    assert run("list").stdout.endswith(f"{len(registry.SPECS)} losses; losscli COMMAND --help says more.\n")


# --- the engine as a library ---------------------------------------------------------------


def test_the_engine_is_a_library_call(tmp_path):
    (tmp_path / "p.csv").write_text("yhat,y\n2,2.5\n3,3.5\n4,4.5\n")
    result = engine.run(Invocation("mse", {"pred": f"{tmp_path}/p.csv:yhat", "target": f"{tmp_path}/p.csv:y"}))
    assert float(result.value) == 0.25 and result.parts == {"sum": 0.75, "denominator": 3.0}
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.value = 1  # a Result is built once and never changed


def test_an_alias_runs_the_loss_under_its_own_name():
    result = engine.run(Invocation("MSELoss", {"pred": "1,2", "target": "1,1"}))
    assert result.loss == "mse" and float(result.value) == 0.5


@pytest.mark.parametrize("inv,words", [
    (Invocation("nope", {}), ["no loss named 'nope'"]),
    (Invocation("mse", {"pred": "1"}), ["mse needs --target"]),
    (Invocation("mse", {"pred": "1", "target": "1"}, reduction="batchmean"), ["batchmean"]),
    (Invocation("nll", {"pred": "1", "target": "0"}, grad=True), ["nll has no --grad", "cross-entropy"]),
    (Invocation("ctc", {"log-probs": "1"}, nan_policy="omit"), ["ctc does not take --nan-policy omit"]),
])
def test_the_engine_refuses_what_the_command_line_refuses(inv, words):
    with pytest.raises(engine.LossCliError) as e:
        engine.run(inv)
    for word in words:
        assert word in str(e.value)


# --- every view, in blocks and whole ------------------------------------------------------------


@pytest.fixture
def blocks(monkeypatch):
    """Compute any file of 1 KB or more in blocks of about 4 KB."""
    from losscli import stream

    monkeypatch.setattr(engine, "STREAM_BYTES", 1024)
    monkeypatch.setattr(stream, "BLOCK_BYTES", 4096)


def _whole(monkeypatch):
    monkeypatch.setattr(engine, "STREAM_BYTES", 1 << 40)


@pytest.fixture
def regression(tmp_path):
    rng = np.random.default_rng(7)
    pred, target = rng.normal(size=5000), rng.normal(size=5000)
    pred[[17, 4321]] = [9.0, 9.0]  # a tie for the largest loss: the earlier index comes first
    path = tmp_path / "r.csv"
    path.write_text("pred,target\n" + "".join(f"{p!r},{t!r}\n" for p, t in zip(pred.tolist(), target.tolist())))
    return path


@pytest.mark.parametrize("args", [
    ["--top", "5", "-f", "json"],
    ["--hist", "-f", "json"],
    ["-r", "none", "-f", "csv"],
    ["-r", "none", "-f", "jsonl"],
    ["-r", "none", "-f", "json"],
    ["-r", "none", "-f", "md"],
    ["-r", "none"],
    ["-r", "none", "--precision", "3"],
    ["--grad", "--precision", "3"],
    ["-r", "none", "-q"],
    ["--grad", "-f", "csv"],
    ["--grad", "-f", "json"],
    ["-r", "sum", "--grad", "-q"],
    ["-r", "none", "--fail-above", "1.5"],
    ["-r", "none", "--top", "3", "-f", "csv"],  # --top's rows, not every element's (as the whole input)
    ["-r", "none", "--top", "3", "-f", "jsonl"],
    ["-r", "none", "--top", "3", "-f", "md"],
    ["-r", "none", "--top", "3", "-f", "json"],
    ["-r", "none", "--top", "3"],
    ["-r", "none", "--top", "3", "-q"],
])
def test_every_view_in_blocks_prints_what_the_whole_input_prints(regression, blocks, monkeypatch, args):
    command = ["mse", "--pred", f"{regression}:pred", "--target", f"{regression}:target", *args]
    in_blocks = run(*command)
    _whole(monkeypatch)
    whole = run(*command)
    assert in_blocks.exit_code == whole.exit_code
    assert in_blocks.stderr == whole.stderr
    if "json" in args and "-r" not in args:
        a, b = json.loads(in_blocks.stdout), json.loads(whole.stdout)
        for key in ("value", "partials"):  # blocks add in float64 by blocks: equal to the last bits
            assert a.pop(key) == pytest.approx(b.pop(key), rel=1e-12)
        if "grad" in a:
            np.testing.assert_allclose(a.pop("grad")["pred"], b.pop("grad")["pred"], rtol=1e-12)
        assert a == b
    elif "--grad" in args and "csv" in args:
        a = np.loadtxt(in_blocks.stdout.splitlines(), delimiter=",", skiprows=1)
        b = np.loadtxt(whole.stdout.splitlines(), delimiter=",", skiprows=1)
        np.testing.assert_allclose(a, b, rtol=1e-12)
    else:
        assert in_blocks.stdout == whole.stdout
    assert in_blocks.stdout


def test_top_k_keeps_the_earlier_of_two_equal_losses(regression, blocks):
    top = json.loads(run("mse", "--pred", f"{regression}:pred", "--target", f"{regression}:target", "--top", "2",
                         "-f", "json").stdout)["top"]
    assert [row["index"] for row in top][:2] in ([17, 4321], [4321, 17]) and top[0]["index"] < 5000
    assert top[0]["loss"] >= top[1]["loss"]


def test_gates_over_the_elements_count_and_name_the_worst_in_blocks(regression, blocks):
    result = run("mse", "--pred", f"{regression}:pred", "--target", f"{regression}:target", "-r", "none",
                 "--fail-above", "1.5", "-q")
    assert result.exit_code == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith("losscli: check failed: mse: ") and "of 5000 elements > 1.5" in line


def test_a_late_error_in_blocks_leaves_stdout_empty(entry, tmp_path, blocks):
    labels = np.zeros(3000)
    labels[2900] = 7  # out of range for 3 classes, in the last block
    np.save(tmp_path / "x.npy", np.zeros((3000, 3)))
    np.save(tmp_path / "y.npy", labels)
    result = entry("cross-entropy", "--pred", tmp_path / "x.npy", "--target", tmp_path / "y.npy", "-r", "none",
                   "-f", "csv")
    assert_one_error_line(result, ["class index 7"])


# --- the command line's first minutes ------------------------------------------------------------


def test_bare_losscli_prints_the_usage_once_on_stderr():
    result = losscli()
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.count("Usage: losscli") == 1 and "cross-entropy" in result.stderr


@pytest.mark.parametrize("fmt", ["text", "json", "jsonl", "csv", "tsv", "md"])
def test_list_takes_every_format_its_help_names(fmt):
    result = run("list", "-f", fmt)
    assert result.exit_code == 0 and "cross-entropy" in result.stdout
    if fmt == "md":
        lines = result.stdout.splitlines()
        assert len({line.count(" | ") for line in lines if not line.startswith("|---")}) == 1


def test_no_help_text_loses_its_brackets_to_markup():
    assert "[[check]]" in run("check", "--help").stdout


@pytest.mark.parametrize("alias,name", [("MSELoss", "mse"), ("mse_loss", "mse"), ("nll_loss", "nll"),
                                        ("L1Loss", "l1"), ("mae", "l1"), ("HuberLoss", "huber"), ("ce", "cross-entropy"),
                                        ("BCEWithLogitsLoss", "bce-with-logits"), ("bce_with_logits", "bce-with-logits"),
                                        ("binary_cross_entropy_with_logits", "bce-with-logits"), ("pinball", "quantile")])
def test_torch_names_run_their_loss_and_stay_out_of_the_help(entry, alias, name):
    result = entry(alias, "--pred", "0.2,0.7", "--target", "1,0", "-f", "json")
    assert result.returncode in (0, 2), result.stderr
    if result.returncode == 0:
        assert json.loads(result.stdout)["loss"] == name
    assert f" {alias} " not in entry("--help").stdout


def test_a_mistyped_command_suggests_the_nearest(entry):
    assert_one_error_line(entry("crossentropy"), ["did you mean cross-entropy"])
    assert_one_error_line(entry("mae_loss"), ["l1"])


EXAMPLES = [(spec.name, e) for spec in registry.SPECS for e in spec.examples]


@pytest.mark.parametrize("name,example", EXAMPLES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(EXAMPLES)])
def test_every_help_example_runs(entry, name, example):
    import shlex

    result = entry(*shlex.split(example)[1:])
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"{name}: ")


def test_every_loss_help_ends_with_its_examples():
    for spec in registry.SPECS:
        text = run(spec.name, "--help").stdout
        assert "Examples:" in text and f"$ losscli {spec.name} " in text, spec.name


def test_shell_completion_script():
    result = losscli("--show-completion", "bash")
    assert result.returncode == 0 and "complete " in result.stdout and "COMP_WORDS" in result.stdout


def test_grad_on_a_loss_without_one_says_which_have_it(entry):
    assert_one_error_line(entry("nll", "--pred", "1", "--target", "0", "--grad"), ["has no --grad", "cross-entropy"])


def test_broadcast_is_suggested_only_where_it_would_work(entry):
    line = assert_one_error_line(entry("mse", "--pred", "1,2,3", "--target", "1,2"))
    assert "--broadcast" not in line
    line = assert_one_error_line(entry("mse", "--pred", "1,2,3", "--target", "[[1],[2]]"))
    assert "--broadcast" in line


def test_quiet_refuses_a_format_it_would_ignore(entry):
    assert_one_error_line(entry("mse", "--pred", "1", "--target", "2", "-q", "-f", "json"), ["-q", "--format json"])


@pytest.mark.parametrize("env,args", [({"NO_COLOR": "1"}, []), ({}, ["--no-color"])])
def test_no_color_means_no_ansi_styling_on_a_terminal(env, args):
    pid, fd = pty.fork()
    if pid == 0:  # the child: losscli on a real pseudo-terminal
        os.chdir(ROOT)
        os.execvpe(sys.executable, [sys.executable, "-m", "losscli", "mse", "--pred", "1,2", "--target", "1,1", *args],
                   {**os.environ, "TERM": "xterm", **env})
    out = b""
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    os.waitpid(pid, 0)
    assert b"mse: 0.5000" in out and b"\x1b[" not in out


def test_a_warning_of_the_core_is_one_line_in_text_and_a_key_in_json(entry):
    result = entry("kl-div", "--pred", "-0.5,-1", "--target", "0.5,0.5")
    if "warning" in result.stderr:  # the core warns as torch does (reduction mean is not the KL divergence)
        (line,) = result.stderr.splitlines()
        assert line.startswith("losscli: warning: ") and "batchmean" in line
        data = json.loads(entry("kl-div", "--pred", "-0.5,-1", "--target", "0.5,0.5", "-f", "json").stdout)
        assert any("batchmean" in w for w in data["warnings"])


def test_check_files_build_invocations_from_the_declarations(entry, tmp_path):
    (tmp_path / "c.toml").write_text('[[check]]\nloss = "huber"\npred = "1,2"\ntarget = "1,1"\ndelta = "big"\n')
    assert_one_error_line(entry("check", tmp_path / "c.toml"), ["--delta must be a number"])
    (tmp_path / "c.toml").write_text('[[check]]\nloss = "huber"\npred = "1,2"\ntarget = "1,1"\ncolour = 1\n')
    assert_one_error_line(entry("check", tmp_path / "c.toml"), ["unknown key 'colour'", "delta"])
    (tmp_path / "c.toml").write_text('[[check]]\nloss = "HuberLoss"\npred = "1,2"\ntarget = "1,1"\nexpect = 0.25\n')
    assert entry("check", tmp_path / "c.toml").returncode == 0


def test_help_imports_neither_numpy_nor_the_engine():
    code = ("import sys; sys.argv = ['losscli', 'mse', '--help']\n"
            "from losscli.cli import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "assert 'numpy' not in sys.modules and 'losscli.engine' not in sys.modules")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr


def test_the_loss_table_of_the_docs_is_the_generated_one():
    text = (ROOT / "docs" / "losses.md").read_text()
    table = "".join(line + "\n" for line in text.splitlines() if line.startswith("|"))
    assert table == run("list", "-f", "md").stdout, "regenerate the table with `losscli list -f md`"


def test_every_stricter_than_torch_rule_is_documented():
    import losscli.functional as F

    text = (ROOT / "docs" / "stricter-than-torch.md").read_text()
    by_core = {s.core: s.name for s in registry.SPECS}
    for function, rule in F.STRICTER_THAN_TORCH:
        name = by_core.get(function.__name__, "kl-div")  # log_probabilities is kl-div's --pred-probs
        assert f"`{name}`" in text, (name, rule)


def test_two_options_on_stdin_are_shown_the_column_form(entry):
    result = entry("mse", "--pred", "-", "--target", "-", input="pred,target\n1,2\n")
    assert_one_error_line(result, ["--pred -:pred --target -:target"])


def test_a_semicolon_header_suggests_its_delimiter(entry, tmp_path):
    (tmp_path / "s.csv").write_text("a;b\n1;2\n3;4\n")
    assert_one_error_line(entry("mse", "--pred", f"{tmp_path}/s.csv:a", "--target", f"{tmp_path}/s.csv:b"),
                          ["try -d ';'"])


def test_a_core_error_in_a_late_block_of_a_pipe_says_where_the_block_starts(blocks):
    rows = "".join(f"0.5,1.5,2.5,{i % 3}\n" for i in range(3000)) + "0,0,0,7\n"
    result = run("cross-entropy", "--pred", "-:1,2,3", "--target", "-:4", input=rows)
    assert result.exit_code == 2 and result.stdout == ""
    assert "class index 7" in result.stderr and "positions count from row" in result.stderr
