"""Partial sums and `losscli merge`: shards add up to the loss of the whole (rtol 1e-12)."""

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from losscli.cli import app
from losscli.partials import BLOCK, BlockedSum

runner = CliRunner()


def run(*args, input=None):
    result = runner.invoke(app, [str(a) for a in args], input=input)
    assert result.exit_code == 0, result.stderr
    return result.stdout


def _csv(path, rows):
    path.write_text("\n".join(",".join(map(repr, map(float, np.atleast_1d(r)))) for r in rows) + "\n")
    return path


SHARDED = [
    # (command, per-sample arrays by option, extra options)
    ("mse", {"--pred": (40,), "--target": (40,)}, []),
    ("huber", {"--pred": (40, 3), "--target": (40, 3)}, ["--delta", "0.5", "-r", "sum"]),
    ("cross-entropy", {"--pred": (40, 4), "--target": "labels4"}, ["--weight", "1,2,0.5,3", "--label-smoothing", "0.2"]),
    ("cross-entropy", {"--pred": (40, 4), "--target": "labels4"}, ["--ignore-index", "1"]),
    ("nll", {"--pred": (40, 4), "--target": "labels4"}, ["--weight", "1,2,0.5,3"]),
    ("kl-div", {"--pred": "logp3", "--target": "probs3"}, ["-r", "batchmean"]),
    ("cosine-embedding", {"--input1": (40, 3), "--input2": (40, 3), "--target": "signs"}, ["--margin", "0.1"]),
    ("bce-with-logits", {"--pred": (40, 2), "--target": "binary2"}, ["--pos-weight", "2,0.5"]),
]


def _data(kind, rng):
    if kind == "labels4":
        return rng.integers(0, 4, size=40).astype(float)
    if kind == "logp3":
        e = np.exp(rng.normal(size=(40, 3)))
        return np.log(e / e.sum(1, keepdims=True))
    if kind == "probs3":
        e = np.exp(rng.normal(size=(40, 3)))
        return e / e.sum(1, keepdims=True)
    if kind == "signs":
        return rng.choice([1.0, -1.0], size=40)
    if kind == "binary2":
        return rng.integers(0, 2, size=(40, 2)).astype(float)
    return rng.normal(size=kind)


@pytest.mark.parametrize("command,arrays,extra", SHARDED, ids=[f"{c} {' '.join(e)}" for c, _, e in SHARDED])
def test_merged_shards_equal_the_single_run(tmp_path, command, arrays, extra):
    rng = np.random.default_rng(7)
    data = {option: _data(kind, rng) for option, kind in arrays.items()}
    whole = [a for option, d in data.items() for a in (option, _csv(tmp_path / f"all{option}.csv", d))]
    expected = json.loads(run(command, *whole, *extra, "-f", "json"))
    parts = []
    for i, (start, stop) in enumerate([(0, 7), (7, 25), (25, 26), (26, 40)]):
        shard = [a for option, d in data.items() for a in (option, _csv(tmp_path / f"s{i}{option}.csv", d[start:stop]))]
        part = tmp_path / f"part{i}.json"
        part.write_text(run(command, *shard, *extra, "-f", "json"))
        parts.append(part)
    merged = json.loads(run("merge", *parts, "-f", "json"))
    assert merged["value"] == pytest.approx(expected["value"], rel=1e-12)
    assert merged["signature"] == expected["signature"] and merged["n"] == expected["n"]
    assert merged["partials"]["denominator"] == pytest.approx(expected["partials"]["denominator"], rel=1e-12)
    # stdin, one JSON result per line, as `cat part*.json | losscli merge -` gives them
    piped = run("merge", "-", "-q", input="".join(p.read_text() for p in parts))
    assert float(piped) == pytest.approx(expected["value"], rel=1e-12)


def test_ctc_mean_merges_per_target_length():
    lp = np.log(np.full((4, 2, 3), 1 / 3))
    base = ["ctc", "--log-probs", json.dumps(lp.tolist()), "--targets", "[[1,2],[1,1]]", "--input-lengths", "4,4",
            "--target-lengths", "2,1", "-f", "json"]
    whole = json.loads(run(*base))
    a = json.loads(run("ctc", "--log-probs", json.dumps(lp[:, :1].tolist()), "--targets", "[[1,2]]",
                       "--input-lengths", "4", "--target-lengths", "2", "-f", "json"))
    b = json.loads(run("ctc", "--log-probs", json.dumps(lp[:, 1:].tolist()), "--targets", "[[1,1]]",
                       "--input-lengths", "4", "--target-lengths", "1", "-f", "json"))
    merged = json.loads(run("merge", "-", "-f", "json", input=json.dumps(a) + "\n" + json.dumps(b) + "\n"))
    assert merged["value"] == pytest.approx(whole["value"], rel=1e-12)


def test_merge_refuses_mismatched_or_partial_free_shards(tmp_path):
    a, b, c = tmp_path / "a.json", tmp_path / "b.json", tmp_path / "c.json"
    a.write_text(run("mse", "--pred", "1,2", "--target", "1,3", "-f", "json"))
    b.write_text(run("mse", "--pred", "1,2", "--target", "1,3", "-f", "json", "--dtype", "float32"))
    c.write_text(run("mse", "--pred", "1,2", "--target", "1,3", "-f", "json", "-r", "none"))
    for bad, words in ((b, "shards must share"), (c, "no partial sums")):
        result = runner.invoke(app, ["merge", str(a), str(bad)])
        assert result.exit_code == 2 and words in result.stderr and result.stdout == ""


def test_blocked_sum_bits_do_not_depend_on_chunking():
    rng = np.random.default_rng(3)
    values = rng.normal(size=3 * BLOCK + 123) * 10.0 ** rng.integers(-8, 8, size=3 * BLOCK + 123)
    results = set()
    for chunk in (1, 7, 1000, BLOCK - 1, BLOCK, 2 * BLOCK + 5, values.size):
        s = BlockedSum()
        for start in range(0, values.size, chunk):
            s.add(values[start:start + chunk])
        results.add(s.total())
    assert len(results) == 1
    assert results.pop() == pytest.approx(float(np.sum(values)), rel=1e-12)
