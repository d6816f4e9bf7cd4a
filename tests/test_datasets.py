"""Sharded datasets (losscli.datasets): globs, folders and Hive-partitioned folders read as one
array in sorted path order, whole and in blocks; shard-by-shard row counts; a bad shard named."""

import json

import numpy as np
import polars as pl
import pytest

from losscli.errors import InputError
from losscli.inputs import Sources
from tests.helpers import npy_bytes, run
from torch_oracle import F, torch

SIZES = [700, 10, 1300, 500]  # written in this order; read in sorted path order


def write(path, frame, fmt):
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "parquet":
        frame.write_parquet(path, row_group_size=256)
    elif fmt == "arrow":
        frame.write_ipc(path)
    elif fmt == "csv":
        frame.write_csv(path)
    elif fmt == "tsv":
        frame.write_csv(path, separator="\t")
    elif fmt == "jsonl":
        frame.write_ndjson(path)
    elif fmt == "npy":
        path.write_bytes(npy_bytes(frame.to_numpy()))


@pytest.fixture
def shards(tmp_path):
    """Four shards of (score, y); names whose sorted order is not the order of writing."""
    rng = np.random.default_rng(3)
    frames = [pl.DataFrame({"score": rng.normal(size=n), "y": rng.normal(size=n)}) for n in SIZES]
    names = ["part-2", "part-10", "part-0", "part-1"]  # sorted: part-0, part-1, part-10, part-2
    order = sorted(range(4), key=lambda i: names[i])
    whole = pl.concat([frames[i] for i in order])
    return tmp_path, frames, names, whole


def value(*args):
    result = run(*args, "-f", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["value"]


@pytest.mark.parametrize("fmt", ["parquet", "arrow", "csv", "tsv", "jsonl", "npy"])
def test_a_glob_is_one_array_in_sorted_path_order(shards, fmt, mode):
    tmp_path, frames, names, whole = shards
    for frame, name in zip(frames, names):
        write(tmp_path / "d" / f"{name}.{fmt}", frame, fmt)
    pred, target = ("1", "2") if fmt == "npy" else ("score", "y")
    glob = f"{tmp_path}/d/part-*.{fmt}"
    # the order matters to -r none: the per-element losses in sorted path order
    want = F.mse_loss(torch.tensor(whole["score"].to_numpy()), torch.tensor(whole["y"].to_numpy()),
                      reduction="none").numpy()
    result = run("mse", "--pred", f"{glob}:{pred}", "--target", f"{glob}:{target}", "-r", "none", "-f", "json")
    assert result.exit_code == 0, result.output
    got = json.loads(result.stdout)
    got = np.array(got["values"] if "values" in got else got["value"], dtype=float)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    assert value("mse", "--pred", f"{glob}:{pred}", "--target", f"{glob}:{target}") == pytest.approx(
        float(want.mean()), rel=1e-12)


def test_a_folder_and_a_hive_partitioned_folder(shards, mode):
    tmp_path, frames, names, whole = shards
    for i, (frame, name) in enumerate(zip(frames, names)):
        write(tmp_path / "hive" / f"split={'ab'[i % 2]}" / f"{name}.parquet", frame, "parquet")
    (tmp_path / "hive" / "_SUCCESS").write_text("")  # Spark's marker and checksums: not shards
    (tmp_path / "hive" / "split=a" / ".part-2.parquet.crc").write_bytes(b"\x00crc")
    by_path = sorted(zip(names, frames, ["split=" + "ab"[i % 2] for i in range(4)]), key=lambda t: (t[2], t[0]))
    ordered = pl.concat([f for _, f, _ in by_path])
    want = F.l1_loss(torch.tensor(ordered["score"].to_numpy()), torch.tensor(ordered["y"].to_numpy()),
                     reduction="sum").item()
    folder = tmp_path / "hive"
    assert value("l1", "--pred", f"{folder}:score", "--target", f"{folder}:y", "-r", "sum") == pytest.approx(
        want, rel=1e-12)
    np.testing.assert_array_equal(Sources().load("--pred", f"{folder}:score"), ordered["score"].to_numpy())
    top = run("l1", "--pred", f"{folder}:score", "--target", f"{folder}:y", "--top", "1", "-f", "json")
    index = json.loads(top.stdout)["top"][0]["index"]  # the index is the row of the whole dataset
    diffs = np.abs(ordered["score"].to_numpy() - ordered["y"].to_numpy())
    assert index == int(np.argmax(diffs))


def test_two_datasets_must_agree_shard_by_shard(shards, mode):
    tmp_path, frames, names, _ = shards
    for frame, name in zip(frames, names):
        write(tmp_path / "p" / f"{name}.parquet", frame.select("score"), "parquet")
    # the same total rows, but one row moved from shard part-10 to part-2
    moved = [frames[0].vstack(frames[1][:1]), frames[1][1:], frames[2], frames[3]]
    for frame, name in zip(moved, names):
        write(tmp_path / "t" / f"{name}.csv", frame.select("y"), "csv")
    result = run("mse", "--pred", f"{tmp_path}/p:score", "--target", f"{tmp_path}/t/*.csv:y")
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"losscli: error: --target: shard {tmp_path}/t/part-10.csv has 9 rows but {tmp_path}/p/part-10.parquet "
        "(--pred) has 10; two datasets must agree shard by shard")
    (tmp_path / "t" / "part-2.csv").unlink()
    result = run("mse", "--pred", f"{tmp_path}/p:score", "--target", f"{tmp_path}/t/*.csv:y")
    assert result.exit_code == 2
    assert "3 shards but" in result.stderr and "has 4; two datasets must agree shard by shard" in result.stderr


def test_a_bad_shard_is_named_with_its_line_and_column(shards, mode):
    tmp_path, frames, names, _ = shards
    for frame, name in zip(frames, names):
        write(tmp_path / "d" / f"{name}.csv", frame, "csv")
    bad = tmp_path / "d" / "part-10.csv"
    bad.write_text(bad.read_text().replace("\n", "\noops,1\n", 1))
    result = run("mse", "--pred", f"{tmp_path}/d/*.csv:score", "--target", f"{tmp_path}/d/*.csv:y")
    assert result.exit_code == 2 and result.stdout == ""
    assert f"{bad} line 2, column 1" in result.stderr and "'oops'" in result.stderr


def test_a_glob_that_matches_nothing_says_so(tmp_path):
    with pytest.raises(InputError, match=r"--pred: no file matches .*\*\.parquet$"):
        Sources().load("--pred", f"{tmp_path}/*.parquet:score")


def test_check_resolves_a_glob_against_its_folder_and_checks_do_not_mix(shards):
    tmp_path, frames, names, whole = shards
    for i, (frame, name) in enumerate(zip(frames, names)):
        write(tmp_path / "p" / f"split={'ab'[i % 2]}" / f"{name}.parquet", frame, "parquet")
    (tmp_path / "c.toml").write_text(
        '[[check]]\nloss = "mse"\npred = "p/split=a/*.parquet:score"\ntarget = "p/split=a/*.parquet:y"\n'
        '[[check]]\nloss = "mse"\npred = "p:score"\ntarget = "p:y"\n'
        f'expect = {float(((whole["score"] - whole["y"]) ** 2).mean())!r}\nrtol = 1e-12\n')
    result = run("check", tmp_path / "c.toml")
    assert result.exit_code == 0, result.output
    assert "2 passed, 0 failed" in result.stdout


def test_merge_takes_a_glob_or_a_folder_of_results(shards):
    tmp_path, frames, names, whole = shards
    out = tmp_path / "results"
    out.mkdir()
    for frame, name in zip(frames, names):
        write(tmp_path / "d" / f"{name}.parquet", frame, "parquet")
        result = run("mse", "--pred", f"{tmp_path}/d/{name}.parquet:score", "--target",
                     f"{tmp_path}/d/{name}.parquet:y", "-f", "json")
        (out / f"{name}.json").write_text(result.stdout)
    want = F.mse_loss(torch.tensor(whole["score"].to_numpy()), torch.tensor(whole["y"].to_numpy())).item()
    for parts in (f"{out}/*.json", str(out)):
        result = run("merge", parts, "-q")
        assert result.exit_code == 0, result.output
        assert float(result.stdout) == pytest.approx(want, rel=1e-12)
