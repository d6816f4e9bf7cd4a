"""-r none -f parquet --output PATH: the per-element rows of `-r none -f csv` (index, the inputs,
loss; the same names and values), whole and streamed from the engine's spool in blocks."""

import io

import numpy as np
import polars as pl
import pytest

from losscli import engine, stream
from tests.helpers import assert_one_error_line, run
from torch_oracle import F, torch


@pytest.fixture(params=["whole", "blocks"])
def mode(request, monkeypatch):
    if request.param == "blocks":
        monkeypatch.setattr(engine, "STREAM_BYTES", 1024)
        monkeypatch.setattr(stream, "BLOCK_BYTES", 4096)
    else:
        monkeypatch.setattr(engine, "STREAM_BYTES", 1 << 40)
    return request.param


@pytest.fixture
def inputs(tmp_path):
    rng = np.random.default_rng(7)
    n = 2500
    path = tmp_path / "in.parquet"
    pl.DataFrame({"logits": rng.normal(size=(n, 3)), "label": rng.integers(0, 3, n),
                  "p": rng.normal(size=n), "t": rng.normal(size=n)}).write_parquet(path, row_group_size=300)
    return path, pl.read_parquet(path)


@pytest.mark.parametrize("args", [["mse", "--pred", "{p}:p", "--target", "{p}:t"],
                                  ["cross-entropy", "--pred", "{p}:logits", "--target", "{p}:label"],
                                  ["mse", "--pred", "{p}:logits", "--target", "{p}:logits"]])  # 2-D: index0, index1
def test_parquet_has_the_columns_of_csv(inputs, tmp_path, mode, args):
    path, _ = inputs
    args = [a.format(p=path) for a in args] + ["-r", "none"]
    out = tmp_path / "out.parquet"
    result = run(*args, "-f", "parquet", "--output", out)
    assert result.exit_code == 0, result.output
    csv = run(*args, "-f", "csv")
    want = pl.read_csv(io.StringIO(csv.stdout))
    got = pl.read_parquet(out)
    assert got.columns == want.columns
    for name in got.columns:
        np.testing.assert_array_equal(got[name].to_numpy(), want[name].to_numpy())  # csv prints exact digits


def test_the_losses_are_torchs(inputs, tmp_path, mode):
    path, frame = inputs
    out = tmp_path / "ce.parquet"
    result = run("cross-entropy", "--pred", f"{path}:logits", "--target", f"{path}:label", "-r", "none",
                 "-f", "parquet", "-o", out)
    assert result.exit_code == 0, result.output
    want = F.cross_entropy(torch.tensor(frame["logits"].to_numpy()), torch.tensor(frame["label"].to_numpy()),
                           reduction="none").numpy()
    got = pl.read_parquet(out)
    np.testing.assert_allclose(got["loss"].to_numpy(), want, rtol=1e-12)
    np.testing.assert_array_equal(got["index"].to_numpy(), np.arange(len(frame)))


def test_a_reduced_value_is_refused_and_nothing_is_written(entry, tmp_path):
    out = tmp_path / "x.parquet"
    result = entry("mse", "--pred", "1,2", "--target", "1,3", "-f", "parquet", "-o", out)
    assert_one_error_line(result, ["-f parquet writes the per-element losses: add -r none"])
    assert not out.exists() and not list(tmp_path.iterdir())  # no temporary file left either


def test_with_top_the_file_holds_the_top_rows_whole_or_in_blocks(inputs, tmp_path, mode):
    """-r none --top K -f parquet: --top's K rows, as -f csv shows them (before, a file read in
    blocks wrote every element's row instead)."""
    path, _ = inputs
    args = ["mse", "--pred", f"{path}:p", "--target", f"{path}:t", "-r", "none", "--top", "4"]
    out = tmp_path / "top.parquet"
    assert run(*args, "-f", "parquet", "-o", out).exit_code == 0
    want = pl.read_csv(io.StringIO(run(*args, "-f", "csv").stdout))
    got = pl.read_parquet(out)
    assert got.height == 4 and got.columns == want.columns
    for name in got.columns:
        np.testing.assert_array_equal(got[name].to_numpy(), want[name].to_numpy())
