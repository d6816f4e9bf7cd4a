"""The command line end to end: the seed's examples, every input form, every output form, errors."""

import io
import json
import pathlib
import subprocess
import sys

import numpy as np
import pytest
from helpers import ROOT, SAMPLES, assert_one_error_line, run, runner

from losscli import registry
from losscli.cli import app

LOSSES = registry.BY_NAME


def value(*args, input=None) -> float:
    result = run(*args, "-q", input=input)
    assert result.exit_code == 0, result.stderr
    return float(result.stdout)




# --- the seed's six worked examples, on samples/ (values printed by torch 2.13) ------------------

S = str(SAMPLES)
SEED = [
    (["mse", "--pred", f"{S}/regression.csv:pred", "--target", f"{S}/regression.csv:target"],
     "mse: 0.2500  (reduction=mean, samples=3, dtype=float64, losscli 0.1.0)"),
    (["cross-entropy", "--pred", f"{S}/logits.csv", "--target", f"{S}/labels.csv"],
     "cross-entropy: 1.4076  (ignore_index=-100, label_smoothing=0.0, reduction=mean, samples=2, elements=6, dtype=float64, losscli 0.1.0)"),
    (["bce-with-logits", "--pred", f"{S}/binary.csv:logit", "--target", f"{S}/binary.csv:label"],
     "bce-with-logits: 0.2675  (reduction=mean, samples=3, dtype=float64, losscli 0.1.0)"),
    (["smooth-l1", "--pred", f"{S}/regression.csv:pred", "--target", f"{S}/regression.csv:target"],
     "smooth-l1: 0.1250  (beta=1.0, reduction=mean, samples=3, dtype=float64, losscli 0.1.0)"),
    (["cosine-embedding", "--input1", f"{S}/pairs.json:input1", "--input2", f"{S}/pairs.json:input2",
      "--target", f"{S}/pairs.json:target"],
     "cosine-embedding: 1.0000  (margin=0.0, reduction=mean, samples=1, elements=2, dtype=float64, losscli 0.1.0)"),
    (["kl-div", "--pred", f"{S}/distributions.json:logp", "--target", f"{S}/distributions.json:q", "-r", "batchmean"],
     "kl-div: 0.0215  (log_target=False, pred_probs=False, reduction=batchmean, samples=2, elements=4, dtype=float64, losscli 0.1.0)"),
]


@pytest.mark.parametrize("args,expected", SEED, ids=[a[0][0] for a in SEED])
def test_seed_examples_print_the_seed_values(args, expected):
    result = run(*args)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == expected + "\n"


def test_huber_and_l1_on_samples():
    reg = [f"{S}/regression.csv:pred", f"{S}/regression.csv:target"]
    assert value("huber", "--pred", reg[0], "--target", reg[1]) == 0.125
    assert value("l1", "--pred", reg[0], "--target", reg[1]) == 0.5
    assert value("huber", "--pred", reg[0], "--target", reg[1], "--delta", "0.25", "-r", "sum") == pytest.approx(0.28125)


def test_kl_div_pred_probs_logs_the_probabilities():
    d = f"{S}/distributions.json"
    assert value("kl-div", "--pred", f"{d}:p", "--target", f"{d}:q", "--pred-probs", "-r", "batchmean") == \
        pytest.approx(value("kl-div", "--pred", f"{d}:logp", "--target", f"{d}:q", "-r", "batchmean"), rel=1e-14)


# --- every input form gives the same number ---------------------------------------------------

PRED, TARGET = [[0.5, -1.0, 2.0], [1.5, 0.0, -0.25]], [[0.0, -1.5, 2.5], [1.0, 1.0, 0.0]]
EXPECTED = float(np.mean((np.array(PRED) - np.array(TARGET)) ** 2))


def _forms(tmp: pathlib.Path):
    p, t = np.array(PRED), np.array(TARGET)
    (tmp / "p.csv").write_text("a,b,c\n" + "\n".join(",".join(map(str, r)) for r in PRED) + "\n")
    (tmp / "t.tsv").write_text("\n".join("\t".join(map(str, r)) for r in TARGET) + "\n")
    (tmp / "t.txt").write_text("\n".join("  ".join(map(str, r)) for r in TARGET) + "\n")
    (tmp / "both.json").write_text(json.dumps({"pred": PRED, "target": TARGET}))
    (tmp / "p.json").write_text(json.dumps(PRED))
    (tmp / "t.jsonl").write_text("\n".join(json.dumps(r) for r in TARGET) + "\n")
    np.save(tmp / "p.npy", p)
    np.savez(tmp / "both.npz", pred=p, target=t)
    (tmp / "t_noext").write_text("\n".join(",".join(map(str, r)) for r in TARGET) + "\n")
    flat_p, flat_t = p.ravel(), t.ravel()
    (tmp / "flat.csv").write_text("yhat,y\n" + "\n".join(f"{a},{b}" for a, b in zip(flat_p, flat_t)) + "\n")
    (tmp / "records.json").write_text(json.dumps([{"yhat": a, "y": b} for a, b in zip(flat_p, flat_t)]))
    (tmp / "records.jsonl").write_text("\n".join(json.dumps({"yhat": a, "y": b}) for a, b in zip(flat_p, flat_t)))
    d = str(tmp)
    return [
        ("inline", ["0.5,-1,2;1.5,0,-0.25", "0,-1.5,2.5;1,1,0"], None),
        ("inline json", [json.dumps(PRED), json.dumps(TARGET)], None),
        ("csv header + tsv", [f"{d}/p.csv", f"{d}/t.tsv"], None),
        ("csv columns by name + txt", [f"{d}/p.csv:a,b,c", f"{d}/t.txt"], None),
        ("csv columns by index + jsonl", [f"{d}/p.csv:1,2,3", f"{d}/t.jsonl"], None),
        ("json object", [f"{d}/both.json:pred", f"{d}/both.json:target"], None),
        ("json array + npz", [f"{d}/p.json", f"{d}/both.npz:target"], None),
        ("npy + path without extension", [f"{d}/p.npy", f"{d}/t_noext"], None),
        ("npz", [f"{d}/both.npz:pred", f"{d}/both.npz:target"], None),
        ("stdin csv", ["-", f"{d}/t.tsv"], "\n".join(",".join(map(str, r)) for r in PRED)),
        ("stdin json", [f"{d}/p.npy", "-"], json.dumps(TARGET)),
        ("one csv, two columns", [f"{d}/flat.csv:yhat", f"{d}/flat.csv:y"], None),
        ("json records", [f"{d}/records.json:yhat", f"{d}/records.json:y"], None),
        ("jsonl records", [f"{d}/records.jsonl:yhat", f"{d}/records.jsonl:y"], None),
        ("stdin selector", ["-:yhat", f"{d}/flat.csv:y"], (tmp / "flat.csv").read_text()),
    ]


def test_every_input_form_gives_the_same_number(tmp_path):
    for name, (pred, target), stdin in _forms(tmp_path):
        assert value("mse", "--pred", pred, "--target", target, input=stdin) == pytest.approx(EXPECTED, rel=1e-15), name


def test_stdin_npy(tmp_path):
    buf = io.BytesIO()
    np.save(buf, np.array(PRED))
    result = runner.invoke(app, ["mse", "--pred", "-", "--target", json.dumps(TARGET), "-q"], input=buf.getvalue())
    assert result.exit_code == 0, result.stderr
    assert float(result.stdout) == pytest.approx(EXPECTED, rel=1e-15)


def test_one_file_for_pred_and_target_is_read_once(tmp_path, monkeypatch):
    from losscli import inputs

    opened = []
    real_open = open

    def counting_open(path, *a, **k):
        if str(path).endswith("flat.csv"):
            opened.append(path)
        return real_open(path, *a, **k)

    _forms(tmp_path)
    monkeypatch.setattr("builtins.open", counting_open)
    monkeypatch.setattr(pathlib.Path, "read_bytes", lambda self: (opened.append(self), real_open(self, "rb").read())[1])
    assert value("mse", "--pred", f"{tmp_path}/flat.csv:yhat", "--target", f"{tmp_path}/flat.csv:y") == pytest.approx(EXPECTED)
    assert len(opened) == 1, (opened, inputs)


def test_process_substitution_pipe_is_sniffed():
    result = subprocess.run(
        ["bash", "-c", f'"{sys.executable}" -m losscli mse -q --pred <(cut -d, -f1 {S}/regression.csv) '
                       f'--target <(cut -d, -f2 {S}/regression.csv)'],
        capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert float(result.stdout) == 0.25


def test_negative_inline_values():
    assert value("l1", "--pred", "-1,2", "--target", "1,2") == 1.0
    assert value("l1", "--pred=-1,2", "--target=-1,-2") == 2.0


# --- output ------------------------------------------------------------------------------------

def test_json_output_contract():
    out = json.loads(run("cross-entropy", "--pred", "2,0.5,-1;0,1,3", "--target", "0,2", "--label-smoothing", "0.1",
                         "-f", "json").stdout)
    assert set(out) >= {"loss", "reduction", "value", "shape", "n", "params", "dtype", "version"}
    assert out["loss"] == "cross-entropy" and out["reduction"] == "mean" and out["dtype"] == "float64"
    assert out["shape"] == [2, 3] and out["n"] == 6
    assert out["params"] == {"ignore_index": -100, "label_smoothing": 0.1}
    assert out["value"] == pytest.approx(0.36391199, rel=1e-8)  # torch 2.13, spec section 3.6


def test_json_none_is_a_nested_list_and_nonfinite_are_strings():
    out = json.loads(run("bce-with-logits", "--pred", "inf,0;1,-inf", "--target", "1,0;0,0",
                         "-r", "none", "-f", "json").stdout)
    assert out["value"][0][0] == "NaN"
    assert out["value"][0][1] == pytest.approx(np.log(2))
    assert len(out["value"]) == 2 and len(out["value"][1]) == 2
    out = json.loads(run("mse", "--pred", "[1e300]", "--target", "[-1e300]", "-r", "sum", "-f", "json").stdout)
    assert out["value"] == "Infinity"


def test_quiet_is_full_precision_or_fixed_point():
    assert run("mse", "--pred", "0.1", "--target", "0.4", "-q").stdout == f"{(0.1 - 0.4) ** 2!r}\n"
    assert run("mse", "--pred", "0.1", "--target", "0.4", "-q", "--precision", "3").stdout == "0.090\n"
    assert run("mse", "--pred", "1,2", "--target", "0,0", "-q", "-r", "none").stdout == "1.0\n4.0\n"


def test_csv_output():
    assert run("mse", "--pred", "1,2", "--target", "0,0", "-f", "csv").stdout == \
        "loss,reduction,dtype,samples,elements,value\nmse,mean,float64,2,2,2.5\n"
    assert run("mse", "--pred", "1,2;3,4", "--target", "0,0;0,0", "-f", "csv", "-r", "none").stdout == (
        "index0,index1,pred,target,loss\n0,0,1.0,0.0,1.0\n0,1,2.0,0.0,4.0\n1,0,3.0,0.0,9.0\n1,1,4.0,0.0,16.0\n")


def test_none_text_off_a_terminal_is_plain_lines():
    out = run("cross-entropy", "--pred", "1,2,3;1,2,3", "--target", "2,0", "-r", "none").stdout
    # TSV with one header row and exact digits, for sort -g and awk (the values: torch 2.13 F.cross_entropy)
    assert out == "index\ttarget\tloss\n0\t2\t0.4076059644443804\n1\t0\t2.4076059644443806\n"
    assert "│" not in out and "…" not in out


def test_text_precision_and_scientific_like_torch():
    assert run("mse", "--pred", "1", "--target", "1.001").stdout.startswith("mse: 1.0000e-06  ")
    assert run("mse", "--pred", "1", "--target", "1.5", "--precision", "6").stdout.startswith("mse: 0.250000  ")


def test_dtype_float32_matches_torch_float32():
    torch = pytest.importorskip("torch")
    x, y = [0.1, 0.7, 1e-3], [0.3, -0.2, 5.0]
    got = value("mse", "--pred", ",".join(map(str, x)), "--target", ",".join(map(str, y)), "--dtype", "float32")
    expected = torch.nn.functional.mse_loss(torch.tensor(x), torch.tensor(y)).item()
    assert np.float32(got) == np.float32(expected)  # exact: printed at float32's shortest precision
    assert run("mse", "--pred", "0.1", "--target", "0.3", "--dtype", "float32", "-q").stdout == \
        str(np.float32(np.float32(0.1) - np.float32(0.3)) ** 2) + "\n"


def test_broadcast_only_when_asked():
    assert run("mse", "--pred", "1,2,3", "--target", "[[1],[2]]").exit_code == 2
    assert value("mse", "--pred", "2,3,4", "--target", "[[2.5],[3.5]]", "--broadcast") == pytest.approx(0.91666667)


def test_list_groups_every_loss_by_task():
    out = run("list").stdout
    assert out.index("Regression:") < out.index("  mse") < out.index("Binary classification:")
    data = json.loads(run("list", "-f", "json").stdout)
    assert {row["name"] for row in data} == set(LOSSES)
    assert all(row["summary"] for row in data)


def test_every_command_has_help_and_a_core_function():
    import losscli
    for name, spec in LOSSES.items():
        assert callable(getattr(losscli, spec.core)), name
        result = run(name, "--help")
        assert result.exit_code == 0 and "--reduction" in result.stdout


def test_version():
    from losscli import __version__
    assert run("--version").stdout == f"losscli {__version__}\n"


# --- errors: exit 2, one line on stderr, nothing on stdout --------------------------------------

def _bad_files(tmp: pathlib.Path):
    (tmp / "bad.csv").write_text("pred,target\n1,2\n3,x\n")
    (tmp / "ragged.csv").write_text("1,2\n3\n")
    (tmp / "empty.csv").write_text("")
    (tmp / "header.csv").write_text("pred,target\n")
    np.save(tmp / "obj.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    (tmp / "bin.dat").write_bytes(bytes(range(256)) * 4)
    (tmp / "deep.json").write_text("[" * 100000 + "]" * 100000)
    (tmp / "dir").mkdir()


ERRORS = [
    (["mse", "--pred", "{d}/missing.csv", "--target", "1"], ["--pred", "missing.csv"]),
    (["mse", "--pred", "{d}/bad.csv:target", "--target", "1,2"], ["--pred", "line 3", "'x'"]),
    (["mse", "--pred", "{d}/ragged.csv", "--target", "1,2"], ["--pred", "ragged.csv", "line 2"]),
    (["mse", "--pred", "{d}/empty.csv", "--target", "1"], ["--pred", "empty.csv"]),
    (["mse", "--pred", "{d}/header.csv:pred", "--target", "1"], ["--pred", "header.csv"]),
    (["mse", "--pred", "1,2", "--target", "1,2,3"], ["--target", "(3,)", "--pred", "(2,)"]),
    (["cross-entropy", "--pred", "1,2;3,4", "--target", "0,2"], ["--target", "class index 2"]),
    (["cross-entropy", "--pred", "1,2;3,4", "--target", "0,0.5"], ["--target", "0.5"]),
    (["cross-entropy", "--pred", "1,2;3,4", "--target", "0,1,1"], ["--target", "3 samples", "--pred", "2"]),
    (["mse", "--pred", "{d}/obj.npy", "--target", "1"], ["--pred", "obj.npy"]),
    (["mse", "--pred", "{d}/bin.dat", "--target", "1"], ["--pred", "bin.dat"]),
    (["mse", "--pred", "{d}/dir", "--target", "1"], ["--pred", "dir"]),
    (["mse", "--pred", "{d}/bad.csv:nope", "--target", "1"], ["--pred", "nope", "pred, target"]),
    (["mse", "--pred", "-", "--target", "-"], ["--target", "stdin"]),
    (["mse", "--pred", "1,,2", "--target", "1,2,3"], ["--pred", "empty"]),
    (["cross-entropy", "--pred", "1,2", "--target", "0", "--label-smoothing", "1.5"], ["--label-smoothing", "1.5"]),
    (["bce-with-logits", "--pred", "1,2;3,4", "--target", "1,0;0,1", "--pos-weight", "1,2,3"], ["--pos-weight", "(3,)"]),
    (["cosine-embedding", "--input1", "1,2;3,4", "--input2", "1,2;3,4", "--target", "1,-1,1"], ["--target", "(3,)"]),
    (["cosine-embedding", "--input1", "1,2;3,4", "--input2", "1,2;3,4", "--target", "1,0"], ["--target", "-1"]),
    (["mse", "--pred", "{d}/deep.json", "--target", "1"], ["--pred", "deep.json"]),
    (["mse", "--pred", "1", "--target", "2", "-r", "avg"], ["--reduction", "avg"]),
    (["kl-div", "--pred", "1", "--target", "2", "-r", "batch"], ["--reduction", "batch"]),
    (["smooth-l1", "--pred", "1", "--target", "2", "--beta", "-1"], ["beta"]),
    (["huber", "--pred", "1", "--target", "2", "--delta", "0"], ["delta"]),
    (["cross-entropy", "--pred", "1,2", "--target", "0", "--weight", "1,2,3"], ["--weight", "2"]),
    (["mse", "--pred", "nonsense", "--target", "1"], ["--pred", "nonsense"]),
]


@pytest.mark.parametrize("args,words", ERRORS, ids=[" ".join(a[:3]) for a, _ in ERRORS])
def test_bad_input_exits_2_with_one_line(entry, tmp_path, args, words):
    _bad_files(tmp_path)
    result = entry(*[a.format(d=tmp_path) for a in args], input="1,2\n")
    assert_one_error_line(result, words)


def test_internal_errors_exit_3_without_traceback(monkeypatch, capsys):
    import losscli.functional
    from losscli import cli

    monkeypatch.setattr(sys, "argv", ["losscli", "mse", "--pred", "1", "--target", "2"])
    monkeypatch.setattr(losscli.functional, "mse_loss", lambda *a, **k: 1 / 0)  # a bug in the core
    monkeypatch.delenv("LOSSCLI_DEBUG", raising=False)
    with pytest.raises(SystemExit) as info:
        cli.main()
    assert info.value.code == 3
    err = capsys.readouterr().err
    assert err.startswith("losscli: internal error: ZeroDivisionError") and "Traceback" not in err


def test_pipe_closed_early_ends_quietly(tmp_path):
    (tmp_path / "big.csv").write_text("p,t\n" + "1,1\n" * 300_000)
    result = subprocess.run(
        ["bash", "-c", f'set -o pipefail; "{sys.executable}" -m losscli mse -r none -q '
                       f'--pred {tmp_path}/big.csv:p --target {tmp_path}/big.csv:t | head -1; echo "exit $?"'],
        capture_output=True, text=True, cwd=ROOT)
    assert result.stdout == "0.0\nexit 141\n" and result.stderr == ""


def test_help_does_not_import_numpy():
    code = ("import sys; sys.argv = ['losscli', '--help']\n"
            "from losscli.cli import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "assert 'numpy' not in sys.modules, 'numpy imported for --help'")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr


def test_typer_version_bound():
    # pyproject bounds typer below 0.29: 0.29 imports pydantic on every command run (+50-110 ms).
    code = ("import sys; sys.argv = ['losscli', 'mse', '--pred', '1', '--target', '2', '-q']\n"
            "from losscli.cli import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "assert 'pydantic' not in sys.modules, 'a command run imported pydantic'")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr


def test_a_loss_call_builds_only_its_command():
    code = ("import sys; sys.argv = ['losscli', 'mse', '--pred', '1', '--target', '2', '-q']\n"
            "from losscli.cli import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "loaded = {m for m in sys.modules if m.startswith('losscli.cli.')}\n"
            "assert 'losscli.cli.check' not in loaded and 'losscli.cli.merge' not in loaded, loaded")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
