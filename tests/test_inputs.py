"""losscli.inputs: SOURCE text -> np.ndarray (inline, files by format, stdin, selection, errors)."""

import io
import json
import math
import os

import numpy as np
import pytest
from helpers import npy_bytes, npz_bytes
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from losscli.errors import InputError, UsageError
from losscli.inputs import Sources, _parse_inline, _read_table, _select

# One table, pred and target columns, written in every supported form below.
PRED = [1.0, 3.0, 5.0]
TARGET = [2.0, 4.0, 6.5]
MATRIX = np.array([PRED, TARGET]).T


@pytest.fixture
def chdir_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write(path, content):
    if isinstance(content, str):
        content = content.encode()
    path.write_bytes(content)
    return str(path)






def load(source, stdin=None, option="--pred"):
    return Sources(stdin=io.BytesIO(stdin) if stdin is not None else None).load(option, source)


def error(source, stdin=None, option="--pred", kind=InputError):
    with pytest.raises(kind) as info:
        load(source, stdin, option)
    message = str(info.value)
    assert message.startswith(option + ": ")
    assert "\n" not in message
    # user text is never taken for a placeholder when the CLI renders option names
    assert info.value.render({"pred": "X", "input": "X", "target": "X"}) == message
    return message


# --------------------------------------------------------------------------------------------
# The same data through every form gives the same array


@pytest.fixture
def every_form(tmp_path):
    """(source, stdin bytes or None) pairs that all mean the column PRED."""
    csv_text = "pred,target\n" + "".join(f"{p},{t}\n" for p, t in zip(PRED, TARGET))
    records = [{"pred": p, "target": t} for p, t in zip(PRED, TARGET)]
    jsonl_records = "".join(json.dumps(r) + "\n" for r in records)
    return [
        ("1,3,5", None),
        ("1 3 5", None),
        ("[1, 3, 5]", None),
        (write(tmp_path / "a.csv", csv_text) + ":pred", None),
        (str(tmp_path / "a.csv") + ":1", None),
        (write(tmp_path / "a.tsv", csv_text.replace(",", "\t")) + ":pred", None),
        (write(tmp_path / "a.txt", csv_text.replace(",", "  ")) + ":pred", None),
        (write(tmp_path / "n.txt", "1\n3\n5\n"), None),
        (write(tmp_path / "arr.json", json.dumps(PRED)), None),
        (write(tmp_path / "obj.json", json.dumps({"pred": PRED, "target": TARGET})) + ":pred", None),
        (write(tmp_path / "one.json", json.dumps({"pred": PRED})), None),
        (write(tmp_path / "rec.json", json.dumps(records)) + ":pred", None),
        (write(tmp_path / "num.jsonl", "1\n3\n5\n"), None),
        (write(tmp_path / "arr.jsonl", "[1, 2]\n[3, 4]\n[5, 6.5]\n") + ":1", None),
        (write(tmp_path / "rec.jsonl", jsonl_records) + ":pred", None),
        (write(tmp_path / "rec.ndjson", jsonl_records) + ":pred", None),
        (write(tmp_path / "a.npy", npy_bytes(np.array(PRED))), None),
        (write(tmp_path / "m.npy", npy_bytes(MATRIX)) + ":1", None),
        (write(tmp_path / "a.npz", npz_bytes(pred=np.array(PRED), target=np.array(TARGET))) + ":pred", None),
        (write(tmp_path / "single.npz", npz_bytes(x=np.array(PRED))), None),
        (write(tmp_path / "noext", csv_text) + ":pred", None),
        ("-:pred", csv_text.encode()),
        ("-:1", csv_text.replace(",", "\t").encode()),
        ("-", b"1\n3\n5\n"),
        ("-:pred", json.dumps({"pred": PRED}).encode()),
        ("-:pred", json.dumps(records).encode()),
        ("-:pred", jsonl_records.encode()),
        ("-", b"[1, 3, 5]"),
        ("-", npy_bytes(np.array(PRED))),
        ("-:pred", npz_bytes(pred=np.array(PRED))),
    ]


def test_every_form_gives_the_same_column(every_form):
    for source, stdin in every_form:
        array = load(source, stdin)
        assert array.shape == (3,), source
        np.testing.assert_array_equal(array, PRED, err_msg=source)


def test_every_table_form_gives_the_same_matrix(tmp_path):
    csv_text = "pred,target\n" + "".join(f"{p},{t}\n" for p, t in zip(PRED, TARGET))
    records = [{"pred": p, "target": t} for p, t in zip(PRED, TARGET)]
    sources = [
        ("1,2;3,4;5,6.5", None),
        ("1 2; 3 4; 5 6.5", None),
        (json.dumps(MATRIX.tolist()), None),
        (write(tmp_path / "a.csv", csv_text), None),
        (str(tmp_path / "a.csv") + ":pred,target", None),
        (str(tmp_path / "a.csv") + ":1,2", None),
        (write(tmp_path / "h.csv", csv_text.split("\n", 1)[1]), None),
        (write(tmp_path / "a.tsv", csv_text.replace(",", "\t")), None),
        (write(tmp_path / "a.txt", csv_text.replace(",", " \t ")), None),
        (write(tmp_path / "m.json", json.dumps(MATRIX.tolist())), None),
        (write(tmp_path / "o.json", json.dumps({"pred": PRED, "target": TARGET})) + ":pred,target", None),
        (write(tmp_path / "o2.json", json.dumps({"m": MATRIX.tolist()})), None),
        (write(tmp_path / "r.json", json.dumps(records)), None),
        (write(tmp_path / "a.jsonl", "[1, 2]\n[3, 4]\n[5, 6.5]\n"), None),
        (write(tmp_path / "r.jsonl", "".join(json.dumps(r) + "\n" for r in records)), None),
        (write(tmp_path / "m.npy", npy_bytes(MATRIX)), None),
        (str(tmp_path / "m.npy") + ":1,2", None),
        (write(tmp_path / "m.npz", npz_bytes(pred=np.array(PRED), target=np.array(TARGET))) + ":pred,target", None),
        ("-", csv_text.encode()),
        ("-", json.dumps(MATRIX.tolist()).encode()),
        ("-", b"[1, 2]\n[3, 4]\n[5, 6.5]\n"),
        ("-", npy_bytes(MATRIX)),
    ]
    for source, stdin in sources:
        np.testing.assert_array_equal(load(source, stdin), MATRIX, err_msg=source)


def test_text_formats_give_float64_and_numpy_keeps_its_numeric_dtype(tmp_path):
    assert load("1,2").dtype == np.float64
    assert load(write(tmp_path / "a.json", "[1, 2]")).dtype == np.float64
    for dtype in (np.int8, np.int64, np.uint16, np.float16, np.float32, np.float64):
        path = write(tmp_path / "a.npy", npy_bytes(np.arange(3, dtype=dtype)))
        assert load(path).dtype == dtype
    big_endian = np.arange(3, dtype=">f8")
    array = load(write(tmp_path / "b.npy", npy_bytes(big_endian)))
    assert array.dtype.isnative and array.tolist() == [0, 1, 2]


# --------------------------------------------------------------------------------------------
# Inline


@pytest.mark.parametrize(
    "text, expected",
    [
        ("1,2,3", [1, 2, 3]),
        ("1 2 3", [1, 2, 3]),
        (" 1 , 2,3 ", [1, 2, 3]),
        ("1\t2", [1, 2]),
        ("-1,2", [-1, 2]),
        ("1,2,3;4,5,6", [[1, 2, 3], [4, 5, 6]]),
        ("1 2; 3 4", [[1, 2], [3, 4]]),
        ("1;2", [[1], [2]]),
        ("[[1,2,3],[1,2,3]]", [[1, 2, 3], [1, 2, 3]]),
        ("[1.5, -2e3]", [1.5, -2000]),
        (".5,5.,1E+3,1e-3", [0.5, 5, 1000, 0.001]),
    ],
)
def test_inline(text, expected):
    np.testing.assert_array_equal(load(text), np.array(expected, dtype=float))


@pytest.mark.parametrize("text, value", [("3", 3.0), ("-0.5", -0.5), ("5", 5.0), ("+2.5e1", 25.0)])
def test_a_single_inline_number_is_0d(text, value):
    array = load(text)
    assert array.shape == () and array == value


def test_inline_non_finite():
    array = load("NaN,-inf,Infinity,INF,+nan")
    assert math.isnan(array[0]) and math.isnan(array[4])
    assert array[1] == -math.inf and array[2] == math.inf and array[3] == math.inf


@pytest.mark.parametrize(
    "text, words",
    [
        ("1,,2", ["empty field", "'1,,2'", "item 2"]),
        ("1,2,", ["empty field", "item 3"]),
        (",1", ["empty field", "item 1"]),
        ("1,2;3,,4", ["empty field", "row 2, item 2"]),
        ("1;;2", ["empty row 2"]),
        ("1,2;3", ["row 2", "1 numbers", "2 in row 1"]),
        ("", ["holds no numbers"]),
        ("  ", ["holds no numbers"]),
        ("[]", ["holds no numbers"]),
        ("[[], []]", ["holds no numbers"]),
        ("1,2,abc", ["not an existing file", "'abc'", "item 3", "not a number"]),
        ("1_000", ["not an existing file", "not inline numbers"]),
        ("0x10", ["not an existing file"]),
        ("[1, 2", ["not an existing file", "inline JSON line 1, column 6: invalid JSON"]),
        ("[1, true]", ["true is not a number", "[1]"]),
        ("[1, [2]]", ["mixed nesting depth"]),
        ("[[1, 2], [3]]", ["ragged"]),
        ('["1"]', ["'1' is not a number"]),
    ],
)
def test_inline_errors(text, words):
    message = error(text)
    for word in words:
        assert word in message, (word, message)


def test_missing_file_message(chdir_tmp):
    message = error("foo.csv")
    assert message == (
        "--pred: 'foo.csv' is not an existing file, and not inline numbers such as '1,2,3' or '[[1,2],[3,4]]'"
    )
    message = error("run.csv:pred", option="--target")
    assert "'run.csv:pred' is not an existing file" in message
    assert "'run.csv', before the last ':', is not a file either" in message


# --------------------------------------------------------------------------------------------
# Tables: header detection, selection


def test_header_detection(tmp_path):
    with_header = write(tmp_path / "h.csv", "a,b\n1,2\n3,4\n")
    without = write(tmp_path / "n.csv", "1,2\n3,4\n")
    np.testing.assert_array_equal(load(with_header), [[1, 2], [3, 4]])
    np.testing.assert_array_equal(load(without), [[1, 2], [3, 4]])
    # one non-numeric cell is enough; numbers that are header names are names first
    np.testing.assert_array_equal(load(write(tmp_path / "m.csv", "x,1\n5,6\n") + ":1"), [6])
    np.testing.assert_array_equal(load(str(tmp_path / "m.csv") + ":x"), [5])
    # pandas' to_csv with an index writes an empty first header cell
    np.testing.assert_array_equal(load(write(tmp_path / "p.csv", ",pred\n0,0.5\n1,0.25\n") + ":pred"), [0.5, 0.25])


def test_selection_by_name_index_and_several(tmp_path):
    path = write(tmp_path / "run.csv", "id,pred,target\n7,0.5,1\n8,0.25,0\n")
    np.testing.assert_array_equal(load(path + ":target"), [1, 0])
    np.testing.assert_array_equal(load(path + ":3"), [1, 0])
    np.testing.assert_array_equal(load(path + ":target,pred"), [[1, 0.5], [0, 0.25]])
    np.testing.assert_array_equal(load(path + ":3, 1"), [[1, 7], [0, 8]])
    assert load(path + ":pred").shape == (2,)
    assert load(path).shape == (2, 3)


def test_unselected_text_columns_are_not_parsed(tmp_path):
    path = write(tmp_path / "run.csv", "name,pred\nalpha,0.5\nbeta,0.25\n")
    np.testing.assert_array_equal(load(path + ":pred"), [0.5, 0.25])
    assert "line 2, column 1: 'alpha' is not a number" in error(path)
    path = write(tmp_path / "run.jsonl", '{"id": "a", "p": 1}\n{"id": "b", "p": 2}\n')
    np.testing.assert_array_equal(load(path + ":p"), [1, 2])


def test_text_details(tmp_path):
    content = '\ufeffp,"t"\r\n\r\n "1.5" , .5\r\n\n5.,1E+3\r\n  \r\nNaN,-inf'  # BOM, CRLF, blanks, no final newline
    path = write(tmp_path / "a.csv", content)
    array = load(path)
    assert array[:2].tolist() == [[1.5, 0.5], [5.0, 1000.0]]
    assert math.isnan(array[2, 0]) and array[2, 1] == -math.inf
    np.testing.assert_array_equal(load(path + ":t"), array[:, 1])
    txt = write(tmp_path / "a.txt", "\ufeff a \t b\r\n1   2\r\n\r\n3\t4")
    np.testing.assert_array_equal(load(txt + ":b"), [2, 4])
    tsv = write(tmp_path / "a.tsv", "a\tb\n1\t2\n")
    np.testing.assert_array_equal(load(tsv + ":b"), [2])
    upper = write(tmp_path / "A.CSV", "1,2\n")
    np.testing.assert_array_equal(load(upper), [[1, 2]])


def test_colon_in_an_existing_file_name(chdir_tmp):
    write(chdir_tmp / "a:b.csv", "x\n1\n2\n")
    np.testing.assert_array_equal(load("a:b.csv"), [1, 2])
    np.testing.assert_array_equal(load("a:b.csv:x"), [1, 2])


def test_a_pipe_is_read_once_and_sniffed():
    r, w = os.pipe()
    os.write(w, b"p,t\n1,2\n3,4\n")
    os.close(w)
    try:
        sources = Sources()
        np.testing.assert_array_equal(sources.load("--pred", f"/dev/fd/{r}:p"), [1, 3])
        np.testing.assert_array_equal(sources.load("--target", f"/dev/fd/{r}:t"), [2, 4])
        assert sources.reads == 1
    finally:
        os.close(r)


# --------------------------------------------------------------------------------------------
# JSON, JSON Lines, NumPy


def test_json_forms(tmp_path):
    path = write(tmp_path / "run.json", json.dumps({"logp": [[-1, -2], [-3, -4]], "y": [0, 1], "z": [5, 6]}))
    np.testing.assert_array_equal(load(path + ":logp"), [[-1, -2], [-3, -4]])
    np.testing.assert_array_equal(load(path + ":y,z"), [[0, 5], [1, 6]])
    assert load(write(tmp_path / "n.json", "5")).shape == ()
    array = load(write(tmp_path / "nan.json", "[NaN, Infinity, -Infinity, 1]"))
    assert math.isnan(array[0]) and array[1:3].tolist() == [math.inf, -math.inf]
    records = write(tmp_path / "r.json", '[{"x": [1, 2], "y": 0}, {"x": [3, 4], "y": 1}]')
    np.testing.assert_array_equal(load(records + ":x"), [[1, 2], [3, 4]])


def test_jsonl_forms(tmp_path):
    path = write(tmp_path / "a.jsonl", '\n{"logits": [1, 2], "y": 1}\r\n\n{"logits": [3, 4], "y": 0}')
    np.testing.assert_array_equal(load(path + ":logits"), [[1, 2], [3, 4]])
    np.testing.assert_array_equal(load(path + ":y"), [1, 0])
    np.testing.assert_array_equal(load(write(tmp_path / "b.jsonl", "1\n2.5\n")), [1, 2.5])


def test_npz_forms(tmp_path):
    path = write(tmp_path / "a.npz", npz_bytes(logits=np.ones((2, 3), np.float32), y=np.array([0, 2])))
    assert load(path + ":logits").dtype == np.float32
    assert load(path + ":logits").shape == (2, 3)
    assert load(path + ":y").tolist() == [0, 2]
    message = error(path)
    assert "several arrays (logits, y)" in message and "a.npz:ARRAY" in message
    assert "no array 'x' in" in error(path + ":x") and "(arrays: logits, y)" in error(path + ":x")


# --------------------------------------------------------------------------------------------
# Read once


def test_each_file_is_read_once(tmp_path, monkeypatch):
    import losscli.inputs as inputs

    calls = []
    real = inputs._read_table
    monkeypatch.setattr(inputs, "_read_table", lambda *a: calls.append(a) or real(*a))
    path = write(tmp_path / "p.csv", "yhat,y\n1,2\n3,4\n")
    sources = Sources()
    np.testing.assert_array_equal(sources.load("--pred", path + ":yhat"), [1, 3])
    np.testing.assert_array_equal(sources.load("--target", path + ":y"), [2, 4])
    np.testing.assert_array_equal(sources.load("--weight", os.path.join(str(tmp_path), ".", "p.csv:y")), [2, 4])
    assert sources.reads == 1 and len(calls) == 1


def test_stdin_is_read_once_and_by_one_option():
    stdin = io.BytesIO(b"a,b\n1,2\n3,4\n")
    sources = Sources(stdin=stdin)
    np.testing.assert_array_equal(sources.load("--pred", "-"), [[1, 2], [3, 4]])
    with pytest.raises(UsageError) as info:
        sources.load("--target", "-")
    assert str(info.value) == "--target: stdin is already read by --pred; at most one option can read '-' whole: give each its own columns, as --pred -:pred --target -:target"
    assert sources.reads == 1


def test_stdin_can_be_shared_by_column_selectors():
    sources = Sources(stdin=io.BytesIO(b"a,b\n1,2\n3,4\n"))
    np.testing.assert_array_equal(sources.load("--pred", "-:a"), [1, 3])
    np.testing.assert_array_equal(sources.load("--target", "-:b"), [2, 4])
    assert sources.reads == 1
    with pytest.raises(UsageError):
        sources.load("--weight", "-")


def test_stdin_defaults_to_sys_stdin_lazily(monkeypatch):
    sources = Sources()  # sys.stdin is not touched here
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"1\n2\n")))
    np.testing.assert_array_equal(sources.load("--pred", "-"), [1, 2])


# --------------------------------------------------------------------------------------------
# Errors: one line, the option first, then file, line, column, token


@pytest.mark.parametrize(
    "name, content, selector, words",
    [
        ("x.csv", "a,b\n1,2\n3,abc\n", "", ["x.csv line 3, column 2: 'abc' is not a number"]),
        ("x.csv", "1,2\n1_000,3\n", "", ["line 2, column 1: '1_000' is not a number"]),
        ("x.csv", "1,2\n0x10,3\n", "", ["'0x10' is not a number"]),
        ("run.csv", "a,b\n1,2\n\n3,4,5\n", "", ["run.csv line 4 has 3 fields, expected 2 (as line 1)"]),
        ("run.csv", "pred,target\n1,2\n", ":y", ["no column 'y' in", "run.csv (columns: pred, target)"]),
        ("run.csv", "pred,target\n1,2\n", ":0", ["column 0 is out of range", "columns 1 to 2"]),
        ("run.csv", "pred,target\n1,2\n", ":3", ["column 3 is out of range", "columns 1 to 2"]),
        ("run.csv", "1,2\n3,4\n", ":pred", ["has no header row", "1 to 2", "'pred'"]),
        ("run.csv", "a,b,a\n1,2,3\n", ":a", ["'a' appears 2 times", "(columns 1, 3)", "run.csv:1"]),
        ("e.csv", "", "", ["e.csv holds no numbers"]),
        ("e.csv", "\n \n", "", ["holds no numbers"]),
        ("h.csv", "a,b\n", "", ["holds no numbers", "header"]),
        ("e.txt", "", "", ["holds no numbers"]),
        ("e.json", "[]", "", ["holds no numbers"]),
        ("e.json", "{}", "", ["holds no numbers"]),
        ("e.json", '{"a": []}', "", ["holds no numbers"]),
        ("e.jsonl", "\n\n", "", ["holds no numbers"]),
        ("bad.csv", b"a\n\xff\n", "", ["bad.csv line 2 is not UTF-8"]),
        ("q.csv", 'a\n"1\n', "", ["q.csv"]),
        ("run.json", '{"a": [1], "b": [2]}', "", ["several keys (a, b)", "run.json:KEY"]),
        ("run.json", '{"a": [1]}', ":b", ["no key 'b' in", "(keys: a)"]),
        ("run.json", '[1, 2', "", ["run.json line 1, column 6: invalid JSON"]),
        ("run.json", "[true, 1]", "", ["true is not a number", "[0]"]),
        ("run.json", '"abc"', "", ["run.json holds the JSON string 'abc'", "expected an array"]),
        ("run.json", "[[1, 2], [3]]", "", ["ragged"]),
        ("run.json", "[[1, 2], 3]", "", ["mixed nesting depth"]),
        ("run.json", '[{"a": 1}, {"b": 2}]', ":a", ["record 2 has no key 'a'"]),
        ("run.json", '[{"a": 1}, {"a": "x"}]', ":a", ["record 2, key 'a': 'x' is not a number"]),
        ("run.json", '{"a": [1, 2], "b": [[1], [2]]}', ":a,b", ["'b'", "shape (2, 1)"]),
        ("run.json", "[" * 100 + "]" * 100, "", ["nested too deeply"]),
        ("run.json", "[" * 100000 + "]" * 100000, "", ["nested too deeply"]),
        ("run.json", "[1" + "0" * 5000 + "]", "", ["invalid JSON"]),
        ("run.json", "[1" + "0" * 400 + "]", "", ["too large"]),
        ("run.jsonl", "1\n2\n{3\n", "", ["run.jsonl line 3, column 2: invalid JSON"]),
        ("run.jsonl", "1\n\n[2]\n", "", ["run.jsonl line 3", "mixed nesting"]),
        ("run.jsonl", "[1, 2]\n[3]\n", "", ["run.jsonl line 2", "ragged"]),
        ("run.jsonl", "1\n\ntrue\n", "", ["run.jsonl line 3: true is not a number"]),
        ("run.jsonl", '{"a": 1}\n2\n', "", ["line 2: expected a record like line 1"]),
        ("run.jsonl", '{"a": 1}\n{"b": 1}\n', ":a", ["line 2 has no key 'a'"]),
        ("o.npy", npy_bytes(np.array([1, "a"], dtype=object)), "", ["pickled/object arrays are refused"]),
        ("b.npy", npy_bytes(np.array([True, False])), "", ["dtype 'bool'", "float or integer"]),
        ("c.npy", npy_bytes(np.array([1j])), "", ["dtype 'complex128'"]),
        ("s.npy", npy_bytes(np.array(["a"])), "", ["dtype '<U1'"]),
        ("r.npy", npy_bytes(np.zeros(2, dtype=[("a", "f8")])), "", ["dtype", "expected a float or integer"]),
        ("t.npy", npy_bytes(np.zeros(3))[:-5], "", ["t.npy is truncated", "(24 bytes), but 19 bytes follow"]),
        ("f.npy", "1,2,3", "", ["f.npy is not a NumPy .npy/.npz file"]),
        ("o.npz", npz_bytes(a=np.array([None])), ":a", ["array 'a'", "pickled/object arrays are refused"]),
        ("e.npz", npz_bytes(), "", ["holds no numbers"]),
        ("bad.npz", b"PK\x03\x04garbage", "", ["bad.npz is not a valid NumPy file"]),
    ],
)
def test_file_errors(tmp_path, name, content, selector, words):
    message = error(write(tmp_path / name, content) + selector)
    for word in words:
        assert word in message, (word, message)


@pytest.mark.parametrize(
    "name, content, selector",
    [
        ("a.json", "[1, 2]", ":1"),
        ("a.json", "5", ":1"),
        ("a.jsonl", "1\n2\n", ":x"),
        ("a.npy", npy_bytes(np.arange(3.0)), ":1"),
        ("a.npy", npy_bytes(np.ones((2, 2, 2))), ":1"),
    ],
)
def test_selector_on_a_format_that_cannot_take_one_is_a_usage_error(tmp_path, name, content, selector):
    message = error(write(tmp_path / name, content) + selector, kind=UsageError)
    assert "selector" in message and name in message


def test_empty_selector_is_a_usage_error(tmp_path):
    path = write(tmp_path / "a.csv", "a,b\n1,2\n")
    assert "empty name in selector" in error(path + ":", kind=UsageError)
    assert "empty name in selector" in error(path + ":a,,b", kind=UsageError)


def test_2d_array_without_names_needs_indices(tmp_path):
    path = write(tmp_path / "m.npy", npy_bytes(np.ones((2, 3))))
    assert "has no header row" in error(path + ":x") and "1 to 3" in error(path + ":x")
    assert "column 4 is out of range" in error(path + ":4")


def test_directory_and_unreadable_file(tmp_path, monkeypatch):
    import losscli.inputs as inputs

    # a folder is a dataset of shards (tests/test_datasets.py): an empty one says so
    assert "is a folder without data files" in error(str(tmp_path))
    assert "is a folder without data files" in error(str(tmp_path) + ":x")
    path = write(tmp_path / "secret.csv", "1\n")

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    with monkeypatch.context() as patch:
        patch.setattr(inputs, "open", refuse, raising=False)
        assert error(path + ":1") == f"--pred: cannot read {path!r}: Permission denied"
    os.chmod(path, 0)
    try:
        if not os.access(path, os.R_OK):  # root reads it anyway: the patched open above covers that
            assert f"cannot read {path!r}" in error(path)
    finally:
        os.chmod(path, 0o600)


def test_stdin_errors():
    assert error("-", b"") == "--pred: stdin holds no numbers (an empty file)"
    assert "stdin line 2, column 1: 'x' is not a number" in error("-", b"1,2\nx,3\n")
    assert "stdin line 1 is not UTF-8" in error("-", b"\xff\xfe1")
    assert "stdin line 1, column 6: invalid JSON" in error("-", b"[1, 2")
    assert "stdin line 2" in error("-", b"[1]\n[1, true]\n")


def test_sniffed_jsonl_falls_back_only_when_every_line_parses():
    np.testing.assert_array_equal(load("-", b"[1, 2]\n\n[3, 4]\n"), [[1, 2], [3, 4]])
    np.testing.assert_array_equal(load("-", b'{"a": 1}\n{"a": 2}\n', option="--x").tolist(), [1, 2])
    assert "invalid JSON" in error("-", b"[1, 2]\n[3, \n")


def test_placeholder_like_user_text_is_kept(tmp_path):
    path = write(tmp_path / "a.csv", "a\n1\n")
    message = error(path + ":{pred}")
    assert "'{pred}'" in message  # not turned into a bare 'pred' by errors.render()


# --------------------------------------------------------------------------------------------
# Properties: any text parses to the reference's array or raises InputError/UsageError


def _reference_number(token):
    if "_" in token or not token.isascii():
        return None
    try:
        number = float(token)
    except ValueError:
        return None
    return None if math.isinf(number) and "inf" not in token.lower() else number  # 1e999 is refused


def reference_inline(text):
    """A slow, obvious reading of the inline grammar (no JSON); None means 'must be refused'."""
    if not text.strip():
        return None
    rows = []
    for row in text.strip().split(";"):
        if not row.strip():
            return None
        values = []
        for field in row.split(","):
            words = field.split()
            if not words:
                return None  # empty field
            for word in words:
                number = _reference_number(word)
                if number is None:
                    return None
                values.append(number)
        rows.append(values)
    if len({len(row) for row in rows}) != 1:
        return None
    if len(rows) == 1:
        return np.array(rows[0][0]) if len(rows[0]) == 1 else np.array(rows[0])
    return np.array(rows)


@settings(deadline=None)
@given(st.text(alphabet="0123456789.,; \t-+eEnaifxy_", max_size=16))
def test_inline_matches_the_reference(text):
    expected = reference_inline(text)
    try:
        actual = _parse_inline(text)
    except (InputError, UsageError):
        assert expected is None, text
        return
    assert expected is not None, text
    np.testing.assert_array_equal(actual, expected)
    assert actual.shape == expected.shape and actual.dtype == np.float64


@settings(deadline=None)
@given(st.text(alphabet='0123456789.,;- \t\n\r"[]{}:truefalsnIy\x00é', max_size=30))
def test_any_text_parses_or_raises_a_user_error(text):
    for attempt in (
        lambda: _parse_inline(text),
        lambda: _select(_read_table(text, ",", "t.csv"), None, "t.csv"),
        lambda: load("-", text.encode("utf-8")),
    ):
        try:
            array = attempt()
        except (InputError, UsageError) as e:
            assert "\n" not in str(e)
        else:
            assert isinstance(array, np.ndarray) and array.dtype.kind == "f"


finite = st.floats(allow_nan=False, width=64)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(1, 4).flatmap(lambda k: st.lists(st.lists(finite, min_size=k, max_size=k), min_size=1, max_size=6)),
    st.sampled_from([",", ", ", " ,"]),
    st.booleans(),
    st.booleans(),
)
def test_csv_reader_round_trips_a_matrix(rows, separator, header, quote):
    cell = (lambda x: f'"{x!r}"') if quote else repr
    lines = ([separator.join(f"c{j}" for j in range(len(rows[0])))] if header else [])
    lines += [separator.join(cell(x) for x in row) for row in rows]
    array = _select(_read_table("\r\n".join(lines), ",", "t.csv"), None, "t.csv")
    expected = np.array(rows)
    np.testing.assert_array_equal(array, expected[:, 0] if expected.shape[1] == 1 else expected)


# --------------------------------------------------------------------------------------------
# Messy exports: a pandas index column, missing values, compressed text, columnar files,
# another delimiter, empty .npy


def test_a_pandas_index_column_is_refused_unselected_with_the_data_columns_named(tmp_path):
    for header in ("", "Unnamed: 0"):
        path = write(tmp_path / "idx.csv", f"{header},a,b,c\n0,1,2,3\n1,3,2,1\n")
        message = error(path)
        assert "starts with an index column" in message and message.endswith(f"as {path}:a,b,c")
        np.testing.assert_array_equal(load(path + ":a,b,c"), [[1, 2, 3], [3, 2, 1]])  # selected: read
        np.testing.assert_array_equal(load(path + ":1,2"), [[0, 1], [1, 3]])  # even the index itself
    # not an index: a named first column, or one that does not count 0, 1, 2, ...
    np.testing.assert_array_equal(load(write(tmp_path / "n.csv", "i,a\n0,1\n1,2\n")), [[0, 1], [1, 2]])
    np.testing.assert_array_equal(load(write(tmp_path / "m.csv", ",a\n5,1\n1,2\n")), [[5, 1], [1, 2]])
    assert ':"x,y",b' in error(write(tmp_path / "q.csv", ',"x,y",b\n0,1,2\n'))  # a name with a comma, quoted


def test_the_index_column_refusal_through_the_command(entry, tmp_path):
    from helpers import assert_one_error_line

    path = write(tmp_path / "idx.csv", ",a,b,c\n0,1,2,3\n1,3,2,1\n")
    assert_one_error_line(entry("cross-entropy", "--pred", path, "--target", "2,0"), [f"{path}:a,b,c"])
    # torch 2.13: F.cross_entropy(torch.tensor([[1., 2, 3], [3, 2, 1]]), torch.tensor([2, 0])) = 0.40760596444438
    ok = entry("cross-entropy", "--pred", f"{path}:a,b,c", "--target", "2,0", "-q")
    assert ok.returncode == 0 and float(ok.stdout) == pytest.approx(0.4076059644443804, rel=1e-12)


@pytest.mark.parametrize("spelling", ["", "NA", "NaN", "nan", "null", " NA "])
@pytest.mark.parametrize("name, sep", [("m.csv", ","), ("m.tsv", "\t")])
def test_missing_values_as_pandas_and_r_write_them_read_as_nan(tmp_path, spelling, name, sep):
    path = write(tmp_path / name, f"p{sep}t\n1{sep}2\n{spelling}{sep}3\n4{sep}5\n")
    p = load(path + ":p")
    assert p.tolist()[0::2] == [1.0, 4.0] and math.isnan(p[1])


@pytest.mark.parametrize("spelling", ["N/A", "None", "-", "nul", "na", "NULL"])
def test_other_words_are_still_not_numbers(tmp_path, spelling):
    path = write(tmp_path / "m.csv", f"p\n1\n{spelling}\n")
    assert f"line 3, column 1: {spelling!r} is not a number" in error(path)


def test_json_and_json_lines_null_reads_as_nan(tmp_path):
    for name, content, selector in [("a.json", "[1, null, 3]", ""), ("r.json", '{"p": [1, null, 3]}', ":p"),
                                    ("l.jsonl", '{"p": 1}\n{"p": null}\n{"p": 3}\n', ":p"),
                                    ("n.jsonl", "1\nnull\n3\n", "")]:
        array = load(write(tmp_path / name, content) + selector)
        assert array[0] == 1 and math.isnan(array[1]) and array[2] == 3, name
    assert "null is not a number" in error(write(tmp_path / "top.json", "null"))  # no array at all


@pytest.mark.parametrize("policy, words", [("propagate", '"value": "NaN"'), ("omit", '"omitted": 3'),
                                           ("raise", "holds NaN")])
def test_nan_policy_decides_what_missing_values_do(entry, tmp_path, policy, words):
    path = write(tmp_path / "na.csv", "p,t\n1,2\nNA,3\n,4\nnull,5\n")
    result = entry("mse", "--pred", f"{path}:p", "--target", f"{path}:t", "--nan-policy", policy, "-f", "json")
    assert words in (result.stdout if policy != "raise" else result.stderr), result.stderr
    if policy == "omit":  # only the first row is left: (1 - 2)**2, as torch computes it on that row
        assert json.loads(result.stdout)["value"] == 1.0


@pytest.mark.parametrize("compression", ["gz", "bz2", "xz"])
def test_compressed_text_reads_as_its_text(tmp_path, compression):
    import bz2
    import gzip
    import lzma

    module = {"gz": gzip, "bz2": bz2, "xz": lzma}[compression]
    path = tmp_path / f"run.csv.{compression}"
    path.write_bytes(module.compress(b"pred,target\n1,2\n3,4\n5,6.5\n"))
    np.testing.assert_array_equal(load(f"{path}:target"), [2, 4, 6.5])
    jsonl = tmp_path / f"run.jsonl.{compression}"
    jsonl.write_bytes(module.compress(b'{"p": 1}\n{"p": 2}\n'))
    np.testing.assert_array_equal(load(f"{jsonl}:p"), [1, 2])
    bad = tmp_path / f"bad.csv.{compression}"
    bad.write_bytes(b"not compressed at all")
    assert f"{bad} cannot be decompressed" in error(str(bad))


def test_zstd_needs_the_zstandard_module(tmp_path, monkeypatch):
    import builtins

    real = builtins.__import__
    monkeypatch.setattr(builtins, "__import__", lambda name, *a, **k: (_ for _ in ()).throw(ImportError(name))
                        if name == "zstandard" else real(name, *a, **k))
    path = write(tmp_path / "run.csv.zst", b"\x28\xb5\x2f\xfd")
    assert "zstd-compressed: reading it needs the 'zstandard' package (pip install zstandard)" in error(path)


@pytest.mark.parametrize("name, content, kind", [("x.parquet", b"PAR1\x00\x00PAR1", "Parquet"),
                                                 ("x.arrow", b"ARROW1\x00\x00", "Arrow"),
                                                 ("x.feather", b"ARROW1\x00\x00", "Arrow"),
                                                 ("x", b"PAR1\x15\x04\x15", "Parquet")])
def test_broken_columnar_files_say_what_they_are(tmp_path, name, content, kind):
    """Parquet/Arrow are read (tests/test_columnar.py); a broken one is named as such, not as text."""
    message = error(write(tmp_path / name, content))
    assert f"is not a readable {kind} file" in message and "UTF-8" not in message


def test_another_delimiter_that_splits_every_line_evenly_is_suggested(tmp_path):
    message = error(write(tmp_path / "semi.csv", "p;t\n1,5;2,5\n"))
    assert message.endswith("line 2 has 3 fields, expected 1 (as line 1) (is the delimiter ';'? try -d ';')")
    message = error(write(tmp_path / "pipe.csv", "p|t\n1|2,5\n"))
    assert "(is the delimiter '|'? try -d '|')" in message
    message = error(write(tmp_path / "ragged.csv", "p,t\n1,2,3\n"))  # no delimiter splits both evenly
    assert "is the delimiter" not in message


@pytest.mark.parametrize("shape, selector, want", [((0,), "", (0,)), ((0, 3), "", (0, 3)), ((0, 3), ":2", (0,))])
def test_an_empty_npy_reads_as_the_empty_array(tmp_path, shape, selector, want):
    path = write(tmp_path / "e.npy", npy_bytes(np.zeros(shape)))
    assert load(path + selector).shape == want
    assert load("-" + selector, stdin=npy_bytes(np.zeros(shape))).shape == want  # sniffed on stdin too
    assert "holds no numbers" in error(write(tmp_path / "e.npz", npz_bytes(p=np.zeros(shape))) + ":p")


def test_empty_npy_through_the_command_gives_torchs_empty_reductions(entry, tmp_path):
    path = write(tmp_path / "e.npy", npy_bytes(np.zeros(0)))
    # torch 2.13: F.mse_loss(torch.zeros(0), torch.zeros(0)) = nan; reduction='sum' gives 0.0
    assert entry("mse", "--pred", path, "--target", path, "-q").stdout.strip() == "nan"
    assert entry("mse", "--pred", path, "--target", path, "-r", "sum", "-q").stdout.strip() == "0.0"


def test_a_bad_byte_after_a_bom_is_named_where_it_is(tmp_path):
    message = error(write(tmp_path / "b.csv", b"\xef\xbb\xbfp\n1\n.\x80\n"))
    assert message.endswith("b.csv line 3 is not UTF-8 text (byte 0x80)")
