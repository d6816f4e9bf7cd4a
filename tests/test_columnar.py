"""Parquet and Arrow IPC/Feather inputs (losscli.columnar): the SOURCE grammar, list columns as
matrix rows, read whole when small and in blocks (never whole) when large; values from live torch."""

import io
import json

import numpy as np
import polars as pl
import pytest

from losscli import columnar, engine, stream
from losscli.errors import InputError
from losscli.inputs import Sources
from tests.helpers import assert_one_error_line, run
from conftest import ran
from torch_oracle import F, torch

N, C = 3000, 4


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(11)
    return {"score": rng.normal(size=N), "y": rng.normal(size=N), "logits": rng.normal(size=(N, C)),
            "label": rng.integers(0, C, size=N)}


def frame(data):
    return pl.DataFrame({"score": data["score"], "y": data["y"], "label": data["label"],
                         "logits": data["logits"],  # a fixed-size list column: pl.Array(Float64, 4)
                         "logits_list": [list(row) for row in data["logits"]]})  # a (variable) list column


@pytest.fixture(scope="module", params=["parquet", "arrow", "feather", "ipc"])
def path(request, data, tmp_path_factory):
    path = tmp_path_factory.mktemp("columnar") / f"run.{request.param}"
    df = frame(data)
    if request.param == "parquet":
        df.write_parquet(path, row_group_size=500)  # six row groups
    else:
        df.write_ipc(path)
    return str(path)


def value(*args):
    result = run(*args, "-f", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["value"]


@pytest.fixture(params=["whole", "blocks"])
def mode(request, monkeypatch):
    """Read whole (small), or in blocks of about 4 KB (a few hundred rows), never whole."""
    if request.param == "blocks":
        monkeypatch.setattr(engine, "STREAM_BYTES", 1024)
        monkeypatch.setattr(stream, "BLOCK_BYTES", 4096)
        seen = []
        real = columnar._array
        monkeypatch.setattr(columnar, "_array", lambda frame, *a: seen.append(frame.height) or real(frame, *a))
        monkeypatch.setattr(columnar.Whole, "select", lambda *a: pytest.fail("read whole"))
        yield seen
        assert not ran(request) or len(seen) > 2 and max(seen) < N  # several blocks, none of them the whole file
    else:
        monkeypatch.setattr(engine, "STREAM_BYTES", 1 << 40)
        yield None


def test_mse_by_name_and_by_index_as_torch(path, data, mode):
    want = F.mse_loss(torch.tensor(data["score"]), torch.tensor(data["y"])).item()
    assert value("mse", "--pred", path + ":score", "--target", path + ":y") == pytest.approx(want, rel=1e-12)
    assert value("mse", "--pred", path + ":1", "--target", path + ":2") == pytest.approx(want, rel=1e-12)


@pytest.mark.parametrize("column", ["logits", "logits_list"])
def test_a_list_column_is_one_matrix_row_per_record(path, data, mode, column):
    want = F.cross_entropy(torch.tensor(data["logits"]), torch.tensor(data["label"])).item()
    got = value("cross-entropy", "--pred", f"{path}:{column}", "--target", path + ":label")
    assert got == pytest.approx(want, rel=1e-12)


def test_several_columns_are_one_matrix_row(path, data, mode, tmp_path):
    df = pl.DataFrame({f"l{j}": data["logits"][:, j] for j in range(C)} | {"label": data["label"]})
    wide = tmp_path / "wide.parquet"
    df.write_parquet(wide, row_group_size=700)
    want = F.cross_entropy(torch.tensor(data["logits"]), torch.tensor(data["label"]), reduction="sum").item()
    got = value("cross-entropy", "--pred", f"{wide}:l0,l1,l2,l3", "--target", f"{wide}:label", "-r", "sum")
    assert got == pytest.approx(want, rel=1e-12)


def test_the_whole_reader_on_stdin_and_without_extension(data, tmp_path):
    buffer = io.BytesIO()
    frame(data).write_parquet(buffer)
    array = Sources(stdin=io.BytesIO(buffer.getvalue())).load("--pred", "-:logits")
    np.testing.assert_array_equal(array, data["logits"])
    (tmp_path / "noext").write_bytes(buffer.getvalue())
    np.testing.assert_array_equal(Sources().load("--pred", f"{tmp_path}/noext:score"), data["score"])


def test_nulls_are_nan_as_an_empty_cell_is(tmp_path):
    path = tmp_path / "n.parquet"
    pl.DataFrame({"p": [1.0, None, 3.0]}).write_parquet(path)
    np.testing.assert_array_equal(Sources().load("--pred", f"{path}:p"), [1.0, np.nan, 3.0])


@pytest.mark.parametrize("selector, words", [
    (":nope", ["--pred: no column 'nope' in", "(columns: score, y, label, logits, logits_list)"]),
    (":9", ["column 9 is out of range", "has columns 1 to 5"]),
    (":score,logits", ["cannot put 'logits' of", "select it alone"]),
])
@pytest.mark.parametrize("stream_bytes", [1 << 40, 1024])
def test_selection_errors_name_the_columns(path, monkeypatch, selector, words, stream_bytes):
    message = str(pytest.raises(InputError, Sources().load, "--pred", path + selector).value)
    monkeypatch.setattr(engine, "STREAM_BYTES", stream_bytes)  # whole, and in blocks
    result = run("mse", "--pred", path + selector, "--target", path + ":y")
    assert result.exit_code == 2 and result.stderr.startswith("losscli: error: --pred: ")
    for word in words:
        assert word in message and word in result.stderr


def test_ragged_lists_and_text_columns_are_refused_with_the_record(entry, tmp_path):
    path = tmp_path / "bad.parquet"
    pl.DataFrame({"p": [[1.0, 2.0]] * 2000 + [[1.0]] + [[1.0, 2.0]] * 10, "s": ["a"] * 2011}).write_parquet(path)
    result = entry("mse", "--pred", f"{path}:p", "--target", f"{path}:p")
    assert_one_error_line(result, ["--pred:", "record 2,001, column 'p': 1 numbers, expected 2"])
    result = entry("mse", "--pred", f"{path}:s", "--target", f"{path}:s")
    assert_one_error_line(result, ["--pred: column 's' of", "holds String, not numbers"])


def test_a_broken_file_is_one_error_line(entry, tmp_path):
    path = tmp_path / "x.parquet"
    path.write_bytes(b"PAR1\x00\x00PAR1")
    assert_one_error_line(entry("mse", "--pred", f"{path}:a", "--target", "1"),
                          ["--pred:", "is not a readable Parquet file"])


def test_a_large_file_in_blocks_is_the_whole_files_value(tmp_path, data, monkeypatch):
    """The same command, whole and in blocks, with --top and --hist: equal in float64."""
    path = tmp_path / "r.parquet"
    frame(data).write_parquet(path, row_group_size=256)
    args = ["mse", "--pred", f"{path}:score", "--target", f"{path}:y", "-f", "json", "--top", "3"]
    monkeypatch.setattr(engine, "STREAM_BYTES", 1 << 40)
    whole = json.loads(run(*args).stdout)
    monkeypatch.setattr(engine, "STREAM_BYTES", 1024)
    monkeypatch.setattr(stream, "BLOCK_BYTES", 4096)
    blocks = json.loads(run(*args).stdout)
    assert blocks["value"] == pytest.approx(whole["value"], rel=1e-12)
    assert blocks.get("top") == whole.get("top")
