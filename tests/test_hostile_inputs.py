"""Issue 5, the readers: messy but valid input is read right, invalid input is refused saying where.

Every case of the issue's two input sections is a row of VALID or INVALID below (through
`Sources.load`); a few go through the real command in a subprocess. The property tests at the
end check any bytes or text against a small reference reader written independently here.
"""

import ast
import csv
import io
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest
from helpers import npy_bytes, npz_bytes
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_inputs import reference_inline  # the reference reader of the inline grammar

import losscli.inputs as inputs
from losscli.errors import InputError, UsageError
from losscli.inputs import Sources

ROOT = Path(__file__).resolve().parent.parent
NAN = math.nan






def zip_bytes(*members):
    """An archive with members (name, bytes), duplicates allowed."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns of a duplicate name, which is the point
        for name, data in members:
            archive.writestr(name, data)
    return buffer.getvalue()


def write(folder, name, content):
    path = Path(folder) / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return str(path)


def load(source, stdin=None, delimiter=None, option="--pred"):
    return Sources(stdin=io.BytesIO(stdin) if stdin is not None else None, delimiter=delimiter).load(option, source)


def refused(source, stdin=None, delimiter=None, kind=InputError, option="--pred"):
    with pytest.raises(kind) as info:
        load(source, stdin, delimiter, option)
    message = str(info.value)
    assert type(info.value) is kind, message  # the base classes: the CLI maps them to exit 2
    assert message.startswith(f"{option}: ") and "\n" not in message, message
    return message


def same(actual, expected):
    expected = np.asarray(expected, dtype=np.float64)
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    np.testing.assert_array_equal(actual, expected)


# --------------------------------------------------------------------------------------------
# Messy but valid input is read correctly

LOGITS = [[1.5, -2.0, 0.25], [0.0, 3.0, -1.0]]
VALID = [
    # (id, file name or "-" for stdin, content, selector, --delimiter, expected)
    ("BOM csv", "a.csv", "\ufeffp,t\n1,2\n3,4\n", ":p", None, [1, 3]),
    ("BOM tsv", "a.tsv", "\ufeffp\tt\n1\t2\n", ":t", None, [2]),
    ("BOM txt", "a.txt", "\ufeff1 2\n3 4\n", "", None, [[1, 2], [3, 4]]),
    ("BOM json", "a.json", "\ufeff[1, 2]", "", None, [1, 2]),
    ("BOM jsonl", "a.jsonl", '\ufeff{"p": 1}\n{"p": 2}\n', ":p", None, [1, 2]),
    ("BOM stdin", "-", "\ufeffp,t\n1,2\n", ":t", None, [2]),
    ("CRLF csv", "a.csv", "p,t\r\n1,2\r\n3,4\r\n", ":t", None, [2, 4]),
    ("CRLF txt", "a.txt", "1 2\r\n3 4\r\n", "", None, [[1, 2], [3, 4]]),
    ("CRLF json", "a.json", "[1,\r\n 2]\r\n", "", None, [1, 2]),
    ("CRLF jsonl", "a.jsonl", "[1, 2]\r\n[3, 4]\r\n", "", None, [[1, 2], [3, 4]]),
    ("CR line ends csv", "a.csv", "1,2\r3,4\r", "", None, [[1, 2], [3, 4]]),
    ("blank lines csv", "a.csv", "\n\np\n\n1\n \t \n2\n\n\n", "", None, [1, 2]),
    ("blank lines txt", "a.txt", "\n1\n\n   \n2\n", "", None, [1, 2]),
    ("blank lines jsonl", "a.jsonl", "\n1\n\n  \n2\n\n", "", None, [1, 2]),
    ("blank lines stdin", "-", "\n\n1,2\n\n3,4\n\n", "", None, [[1, 2], [3, 4]]),
    ("lines of empty fields (a spreadsheet's export)", "a.csv", "p,t\n1,2\n,\n3,4\n , \n", "", None, [[1, 2], [3, 4]]),
    ("no final newline csv", "a.csv", "1,2\n3,4", "", None, [[1, 2], [3, 4]]),
    ("no final newline txt", "a.txt", "1\n2", "", None, [1, 2]),
    ("no final newline jsonl", "a.jsonl", "1\n2", "", None, [1, 2]),
    ("spaces around values csv", "a.csv", " p , t \n 1 , 2 \n\t3\t,\t4\t\n", ":t", None, [2, 4]),
    ("spaces around values tsv", "a.tsv", "p \t t\n 1 \t 2 \n", ":t", None, [2]),
    ("spaces around values txt", "a.txt", "  1 \t  2  \n\t3\t4\t\n", "", None, [[1, 2], [3, 4]]),
    ("quoted numbers csv", "a.csv", '"p","t"\n"1.5","-2"\n" 3", "4 "\n', "", None, [[1.5, -2], [3, 4]]),
    ("quoted numbers tsv", "a.tsv", '"1.5"\t"2"\n', "", None, [[1.5, 2]]),
    ("quoted numbers txt (R write.table)", "a.txt", '"p" "t"\n"1.5" 2\n', ":p", None, [1.5]),
    ("number spellings csv", "a.csv", "+1,.5,5.,1e-3,1E+3,-0,007\n", "", None, [[1, 0.5, 5, 0.001, 1000, -0.0, 7]]),
    ("number spellings txt", "a.txt", "+1 .5 5. 1e-3 1E+3 -.5e1\n", "", None, [[1, 0.5, 5, 0.001, 1000, -5]]),
    ("number spellings stdin", "-", "+1\n.5\n5.\n1e-3\n1E+3\n", "", None, [1, 0.5, 5, 0.001, 1000]),
    ("nan inf any case csv", "a.csv", "nan,NaN,NAN,inf,-inf,Inf,INFINITY,-Infinity,+inf,-nan\n", "", None,
     [[NAN, NAN, NAN, math.inf, -math.inf, math.inf, math.inf, -math.inf, math.inf, NAN]]),
    ("nan inf any case txt", "a.txt", "nAn\n-iNf\n", "", None, [NAN, -math.inf]),
    ("json non-finite", "a.json", "[NaN, Infinity, -Infinity]", "", None, [NAN, math.inf, -math.inf]),
    ("subnormal and underflow", "a.csv", "5e-324,1e-400,1.7976931348623157e308\n", "", None,
     [[5e-324, 0.0, 1.7976931348623157e308]]),
    ("json integer beyond 2**53", "a.json", "[9007199254740993, 1]", "", None, [9007199254740992.0, 1]),
    ("TSV named .txt with --delimiter tab", "a.txt", "pred\tthe target\n1\t2\n3\t4\n", ":the target", "tab",
     [2, 4]),
    ("TSV named .txt with --delimiter \\t", "a.txt", "pred\tt\n1\t\n", ":pred", "\\t", [1]),
    ("';'-separated CSV with --delimiter ';'", "a.csv", "p;t\n1.5;2\n", ":t", ";", [2]),
    ("--delimiter ' ' reads a .csv as whitespace text", "a.csv", "1  2\n3 4\n", "", " ", [[1, 2], [3, 4]]),
    ("--delimiter on stdin", "-", "p|t\n1|2\n", ":t", "|", [2]),
    ("--delimiter on a file without extension", "data", "1;2\n", "", ";", [[1, 2]]),
    ("sniffed ';' on stdin", "-", "p;t\n1;2\n", ":t", None, [2]),
    ("--delimiter does not touch JSON", "a.json", "[1, 2]", "", ";", [1, 2]),
    ("header names that need quoting", "a.csv", '"pred, v1","the ""t""","{x}"\n1,2,3\n', ':"pred, v1"', None, [1]),
    ("a quoted name holding quotes", "a.csv", '"pred, v1","the ""t""","{x}"\n1,2,3\n', ':the "t"', None, [2]),
    ("a name with braces", "a.csv", '"pred, v1","the ""t""","{x}"\n1,2,3\n', ":{x}", None, [3]),
    ("a name with a colon", "a.csv", "a:b,c\n1,2\n", ":a:b", None, [1]),
    ("a quoted header cell spanning lines", "a.csv", '"a\nb",c\n1,2\n', ":c", None, [2]),
    ("duplicate names: select by index", "a.csv", "a,b,a\n1,2,3\n", ":3", None, [3]),
    ("duplicate names: several indices", "a.csv", "a,b,a\n1,2,3\n", ":3,1", None, [[3, 1]]),
    ("duplicate names: the whole table", "a.csv", "a,b,a\n1,2,3\n", "", None, [[1, 2, 3]]),
    ("duplicate names: another column by name", "a.csv", "a,b,a\n1,2,3\n", ":b", None, [2]),
    ("a JSON key that needs quoting", "a.json", '{"a,b": [1, 2], "c": [3, 4]}', ':"a,b"', None, [1, 2]),
    ("npz array named with a comma", "a.npz", npz_bytes(**{"x,y": np.arange(2.0), "z": np.ones(2)}), ':"x,y"',
     None, [0, 1]),
    ("npy in Fortran order", "a.npy", npy_bytes(np.asfortranarray(np.array(LOGITS))), "", None, LOGITS),
    ("npy big-endian", "a.npy", npy_bytes(np.array(LOGITS, dtype=">f8")), "", None, LOGITS),
]


@pytest.mark.parametrize("name, content, selector, delimiter, expected", [c[1:] for c in VALID],
                         ids=[c[0] for c in VALID])
def test_messy_but_valid_input_is_read_correctly(tmp_path, name, content, selector, delimiter, expected):
    if name == "-":
        array = load("-" + selector, content.encode(), delimiter)
    else:
        array = load(write(tmp_path, name, content) + selector, delimiter=delimiter)
    same(array, expected)


def test_a_row_of_ten_thousand_logits_is_read_correctly_and_fast(tmp_path):
    rng = np.random.default_rng(5)
    logits = rng.normal(size=(3, 10_000)) * 10.0 ** rng.integers(-5, 5, size=(3, 10_000))
    text = "\n".join(",".join(map(repr, row)) for row in logits.tolist()) + "\n"
    header = ",".join(f"c{j}" for j in range(10_000)) + "\n"
    for name, content, selector in [
        ("a.csv", text, ""),
        ("h.csv", header + text, ""),
        ("a.txt", text.replace(",", " "), ""),
        ("a.tsv", text.replace(",", "\t"), ""),
        ("a.jsonl", "\n".join(json.dumps(row) for row in logits.tolist()), ""),
        ("h.csv", None, ":c9999,c0"),
    ]:
        path = write(tmp_path, name, content) if content is not None else str(tmp_path / name)
        start = time.perf_counter()
        array = load(path + selector)
        assert time.perf_counter() - start < 1.0, name
        same(array, logits[:, [9999, 0]] if selector else logits)  # repr round-trips exactly
    one_row = write(tmp_path, "one.csv", ",".join(map(repr, logits[0].tolist())))
    same(load(one_row), logits[:1])


def test_integral_floats_are_class_indices_and_fractions_are_refused(tmp_path):
    logits = write(tmp_path, "logits.csv", "1,2,3\n1,2,3\n")
    want = losscli("cross-entropy", "--pred", logits, "--target", "2,0", "-q")
    assert want.returncode == 0, want.stderr
    for target in ["2.0,0.0", "[2.0, 0]", write(tmp_path, "t.csv", "y\n2.0\n0.\n") + ":y", "2e0,0e5"]:
        got = losscli("cross-entropy", "--pred", logits, "--target", target, "-q")
        assert (got.returncode, got.stdout) == (0, want.stdout), (target, got.stderr)
    bad = losscli("cross-entropy", "--pred", logits, "--target", "2.5,0")
    assert_one_error_line(bad, "2.5", "--target")


def test_the_same_input_gives_the_same_bits_every_time(tmp_path):
    rng = np.random.default_rng(7)
    data = rng.normal(size=(50, 7)) * 10.0 ** rng.integers(-300, 300, size=(50, 7))
    csv_path = write(tmp_path, "a.csv", "\n".join(",".join(f"{x:.17g}" for x in row) for row in data))
    json_path = write(tmp_path, "a.json", json.dumps(data.tolist()))
    npy_path = write(tmp_path, "a.npy", npy_bytes(data))
    for path in (csv_path, json_path, npy_path):
        first = load(path)
        assert first.tobytes() == data.tobytes(), path
        assert all(load(path).tobytes() == first.tobytes() for _ in range(3))
    runs = {losscli("mse", "--pred", csv_path, "--target", json_path, "-r", "none", "-q").stdout for _ in range(2)}
    assert len(runs) == 1 and runs.pop().count("\n") == data.size


# --------------------------------------------------------------------------------------------
# Invalid input is refused with a message that says where


def _bad_npy_header(header: bytes) -> bytes:
    header = header.ljust(118) + b"\n"
    return b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header + bytes(24)


GOOD_NPY = npy_bytes(np.arange(3.0))
INVALID = [
    # (id, file name or "-" for stdin, content, selector, --delimiter, error class, words in the message)
    ("empty csv", "e.csv", "", "", None, InputError, ["e.csv holds no numbers (an empty file)"]),
    ("empty tsv", "e.tsv", "", "", None, InputError, ["e.tsv holds no numbers (an empty file)"]),
    ("empty txt", "e.txt", "", "", None, InputError, ["e.txt holds no numbers (an empty file)"]),
    ("empty json", "e.json", "", "", None, InputError, ["e.json holds no numbers (an empty file)"]),
    ("whitespace json", "e.json", " \n\t\n", "", None, InputError, ["e.json holds no numbers (an empty file)"]),
    ("empty jsonl", "e.jsonl", "", "", None, InputError, ["e.jsonl holds no numbers"]),
    ("empty ndjson", "e.ndjson", "\n\n", "", None, InputError, ["e.ndjson holds no numbers"]),
    ("empty npy", "e.npy", b"", "", None, InputError, ["e.npy holds no numbers (an empty file)"]),
    ("empty npz file", "e.npz", b"", "", None, InputError, ["e.npz holds no numbers (an empty file)"]),
    ("empty npz archive", "e.npz", npz_bytes(), "", None, InputError, ["e.npz holds no numbers (an empty archive)"]),
    ("empty file without extension", "data", "", "", None, InputError, ["data holds no numbers (an empty file)"]),
    ("empty stdin", "-", "", "", None, InputError, ["stdin holds no numbers (an empty file)"]),
    ("blank lines only", "e.csv", "\n \n\r\n", "", None, InputError, ["e.csv holds no numbers"]),
    ("header, no rows: csv", "h.csv", "pred,target\n", "", None, InputError, ["h.csv holds no numbers", "header"]),
    ("header, no rows: tsv", "h.tsv", "pred\ttarget\n\n", ":pred", None, InputError, ["h.tsv holds no numbers"]),
    ("header, no rows: txt", "h.txt", "pred target", "", None, InputError, ["h.txt holds no numbers", "header"]),
    ("header, no rows: stdin", "-", "pred,target\r\n", "", None, InputError, ["stdin holds no numbers", "header"]),
    ("header, no rows: json", "h.json", '{"pred": []}', "", None, InputError, ["h.json holds no numbers"]),
    ("records without keys", "h.json", "[{}, {}]", "", None, InputError, ["h.json holds no numbers"]),
    ("token in csv", "x.csv", "p,t\n1,2\n3,abc\n", "", None, InputError, ["x.csv line 3, column 2: 'abc' is not a number"]),
    ("token in tsv", "x.tsv", "1\t2\n3\tN/A\n", "", None, InputError, ["x.tsv line 2, column 2: 'N/A' is not a number"]),
    ("token in txt", "x.txt", "1 2\n3 - 4\n", "", None, InputError, ["x.txt line 2 has 3 fields, expected 2"]),
    ("token in txt column", "x.txt", "1 2\n3 --4\n", "", None, InputError, ["x.txt line 2, column 2: '--4' is not a number"]),
    ("token in a selected column", "x.csv", "p,t\n1,2\n3,x\n", ":t", None, InputError, ["line 3, column 2: 'x'"]),
    ("token in stdin", "-", "1\n2\nthree\n", "", None, InputError, ["stdin line 3, column 1: 'three' is not a number"]),
    ("token after a quoted cell spanning lines", "x.csv", '"a\nb",c\n1,2\nq,3\n', ":1", None, InputError,
     ["x.csv line 4, column 1: 'q' is not a number"]),
    ("token in jsonl", "x.jsonl", '{"p": 1}\n{"p": "2"}\n', ":p", None, InputError, ["x.jsonl line 2, key 'p': '2' is not a number"]),
    ("token in json", "x.json", "[[1, 2], [3, \"4\"]]", "", None, InputError, ["x.json at [1][1]: '4' is not a number"]),
    ("a long token is shown cut short", "x.csv", "1\n" + "x" * 100_000 + "\n", "", None, InputError, ["(100,000 characters)"]),
    ("ragged csv", "r.csv", "a,b\n1,2\n\n3,4,5\n", "", None, InputError, ["r.csv line 4 has 3 fields, expected 2 (as line 1)"]),
    ("ragged tsv", "r.tsv", "1\t2\n3\n", "", None, InputError, ["r.tsv line 2 has 1 fields, expected 2"]),
    ("ragged txt", "r.txt", "1 2\n3 4 5\n", "", None, InputError, ["r.txt line 2 has 3 fields, expected 2"]),
    ("ragged json", "r.json", "[[1, 2], [3]]", "", None, InputError, ["r.json at [1]: ragged"]),
    ("ragged jsonl", "r.jsonl", "[1, 2]\n[3]\n", "", None, InputError, ["r.jsonl line 2: ragged"]),
    ("decimal comma in a one-column txt", "d.txt", "1,5\n2,25\n", "", None, InputError,
     ["d.txt line 1, column 1: '1,5' is not a number (a decimal comma?", "pass --delimiter ','"]),
    ("decimal comma in a one-line txt", "d.txt", "0,5", "", None, InputError, ["line 1, column 1: '0,5'", "decimal comma"]),
    ("decimal comma quoted in a csv", "d.csv", 'p\n"1,5"\n', "", None, InputError,
     ["d.csv line 2, column 1: '1,5' is not a number (a decimal comma?", "--delimiter"]),
    ("decimal comma in a one-column csv with a header", "d.csv", "p\n1,5\n2,5\n", "", None, InputError,
     ["d.csv line 2 has 2 fields, expected 1", "decimal comma", "--delimiter"]),
    ("decimal comma in a one-column tsv", "d.tsv", "p\n1,5\n", "", None, InputError, ["'1,5'", "decimal comma", "--delimiter ','"]),
    ("decimal comma, ';' separated, on stdin", "-", "1,5;2,5\n", "", None, InputError, ["stdin line 1, column 1: '1,5'", "decimal comma"]),
    ("decimal comma with --delimiter ';'", "d.csv", "p;t\n1,5;2\n", "", ";", InputError, ["line 2, column 1: '1,5'", "decimal comma"]),
    ("thousands separator", "d.csv", 'p\n"1,000.5"\n', "", None, InputError, ["'1,000.5'", "thousands separators"]),
    ("';'-separated csv without --delimiter", "s.csv", "1;2\n3;4\n", "", None, InputError,
     ["s.csv line 1, column 1: '1;2' is not a number (if ';' separates the columns, pass --delimiter ';')"]),
    ("tab-separated csv without --delimiter", "s.csv", "p\tt\n1\t2\n", ":1", None, InputError, ["pass --delimiter tab"]),
    ("1_000 in csv", "u.csv", "1\n1_000\n", "", None, InputError, ["u.csv line 2, column 1: '1_000' is not a number"]),
    ("1_000 in txt", "u.txt", "1_000", "", None, InputError, ["'1_000' is not a number"]),
    ("1_000 in json", "u.json", "[1_000]", "", None, InputError, ["u.json line 1, column 3: invalid JSON"]),
    ("1_000 in jsonl", "u.jsonl", "1\n1_000\n", "", None, InputError, ["u.jsonl line 2, column 2: invalid JSON"]),
    ("non-ASCII digits", "u.csv", "1\n\u0661\u0662\n", "", None, InputError, ["'\u0661\u0662' is not a number"]),
    ("hex in csv", "h.csv", "0x10\n", "", None, InputError, ["line 1, column 1: '0x10' is not a number"]),
    ("hex in json", "h.json", "[0x10]", "", None, InputError, ["invalid JSON"]),
    ("hex float", "h.txt", "0x1p3\n", "", None, InputError, ["'0x1p3' is not a number"]),
    ("a number beyond float64 in csv", "b.csv", "1\n1e999\n", "", None, InputError,
     ["b.csv line 2, column 1: '1e999' is beyond the range of float64"]),
    ("a number beyond float64 in json", "b.json", "[1, 2E+400]", "", None, InputError, ["'2E+400' is beyond the range"]),
    ("a number beyond float64 in jsonl", "b.jsonl", "1\n[-1e309]\n", "", None, InputError, ["b.jsonl line 2: the number '-1e309' is beyond the range of float64"]),
    ("an integer beyond float64 in json", "b.json", "[1" + "0" * 400 + "]", "", None, InputError, ["too large for float64"]),
    ("truncated json", "t.json", '{"p": [1, 2', "", None, InputError, ["t.json line 1, column 12: invalid JSON"]),
    ("truncated json on two lines", "t.json", "[1,\n2,", "", None, InputError, ["t.json line 2, column 3: invalid JSON"]),
    ("truncated jsonl", "t.jsonl", '{"p": 1}\n{"p": ', "", None, InputError, ["t.jsonl line 2, column 7: invalid JSON"]),
    ("truncated json on stdin", "-", "[[1, 2], [3", "", None, InputError, ["stdin line 1, column 12: invalid JSON"]),
    ("json top level string", "s.json", '"1,2,3"', "", None, InputError, ["s.json holds the JSON string '1,2,3'; expected an array"]),
    ("json top level number with a selector", "n.json", "5", ":p", None, UsageError, ["n.json holds an array of shape ()", "selector"]),
    ("json top level true", "n.json", "true", "", None, InputError, ["n.json: true is not a number"]),
    ("json top level null", "n.json", "null", "", None, InputError, ["null is not a number"]),
    ("json key holding a string", "n.json", '{"p": "1,2"}', ":p", None, InputError, ["n.json key 'p': '1,2' is not a number"]),
    ("json duplicate key", "k.json", '{"p": [1], "p": [2]}', ":p", None, InputError, ["k.json: an object has the key 'p' twice"]),
    ("jsonl duplicate key", "k.jsonl", '{"p": 1}\n{"p": 1, "p": 2}\n', ":p", None, InputError, ["k.jsonl line 2: an object has the key 'p' twice"]),
    ("mixed nesting json", "m.json", "[[1, 2], 3]", "", None, InputError, ["m.json at [1]: mixed nesting depth"]),
    ("mixed nesting deeper", "m.json", "[[[1], [2]], [3, [4]]]", "", None, InputError, ["m.json at [1]", "mixed nesting"]),
    ("mixed nesting jsonl", "m.jsonl", "1\n[2]\n", "", None, InputError, ["m.jsonl line 2: mixed nesting depth"]),
    ("object where numbers are expected", "o.json", '[1, {"a": 2}]', "", None, InputError, ["o.json at [1]: an object is not a number"]),
    ("object inside a record", "o.json", '[{"p": {"a": 1}}]', ":p", None, InputError, ["o.json record 1, key 'p': an object"]),
    ("object where a record's number is", "o.jsonl", '{"p": 1}\n{"p": {}}\n', ":p", None, InputError, ["o.jsonl line 2, key 'p': an object"]),
    ("boolean in json", "b.json", "[1, false]", "", None, InputError, ["b.json at [1]: false is not a number"]),
    ("boolean in jsonl", "b.jsonl", "1\ntrue\n", "", None, InputError, ["b.jsonl line 2: true is not a number"]),
    ("boolean in csv", "b.csv", "p\nTrue\n1\n", "", None, InputError, ["b.csv line 2, column 1: 'True' is not a number"]),
    ("boolean in a csv column", "b.csv", "p\n1\nTrue\n", "", None, InputError, ["b.csv line 3, column 1: 'True' is not a number"]),
    ("jsonl: one bad line", "l.jsonl", "[1, 2]\n[3, 4]\n[5, 6\n[7, 8]\n", "", None, InputError, ["l.jsonl line 3, column 6: invalid JSON"]),
    ("jsonl: a number among records", "l.jsonl", '{"p": 1}\n\n7\n', "", None, InputError, ["l.jsonl line 3: expected a record like line 1, got 7"]),
    ("jsonl: a record without the key", "l.jsonl", '{"p": 1}\n{"q": 1}\n', ":p", None, InputError, ["l.jsonl line 2 has no key 'p'"]),
    ("deep nesting json", "d.json", "[" * 100_000 + "]" * 100_000, "", None, InputError, ["d.json", "nested too deeply"]),
    ("deep nesting, unclosed", "d.json", "[" * 100_000, "", None, InputError, ["d.json", "JSON nested too deeply"]),
    ("deep nesting below the parser's limit", "d.json", "[" * 70 + "1" + "]" * 70, "", None, InputError,
     ["nested too deeply (more than 64 levels)"]),
    ("deep nesting jsonl", "d.jsonl", "1\n" + "[" * 100_000 + "]" * 100_000, "", None, InputError, ["d.jsonl line 2: JSON nested too deeply"]),
    ("deep nesting stdin", "-", '{"a": ' * 100_000, "", None, InputError, ["stdin: JSON nested too deeply"]),
    ("npy with a wrong header", "w.npy", _bad_npy_header(b"{'descr': '<f8', 'shape': (3,), }"), "", None, InputError,
     ["w.npy is not a valid NumPy file"]),
    ("npy header that is not a dict", "w.npy", _bad_npy_header(b"[1, 2, 3]"), "", None, InputError, ["w.npy is not a valid NumPy file"]),
    ("npy header with a bad dtype", "w.npy", _bad_npy_header(b"{'descr': 'x9', 'fortran_order': False, 'shape': (3,), }"),
     "", None, InputError, ["w.npy is not a valid NumPy file"]),
    ("npy header claiming a huge shape", "w.npy", _bad_npy_header(b"{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000000000,), }"),
     "", None, InputError, ["w.npy is truncated", "8,000,000,000,000,000 bytes"]),
    ("npy of an unknown version", "w.npy", b"\x93NUMPY\x09\x00" + GOOD_NPY[8:], "", None, InputError, ["w.npy is a NumPy file of format version 9.0"]),
    ("truncated npy", "t.npy", GOOD_NPY[:-1], "", None, InputError, ["t.npy is truncated", "but 23 bytes follow"]),
    ("truncated npy header", "t.npy", GOOD_NPY[:40], "", None, InputError, ["t.npy is not a valid NumPy file"]),
    ("npy magic only", "t.npy", GOOD_NPY[:6], "", None, InputError, ["t.npy is not a valid NumPy file"]),
    ("two arrays in one npy", "t.npy", GOOD_NPY + GOOD_NPY, "", None, InputError, ["t.npy has 152 bytes after its array"]),
    ("object-dtype npy", "o.npy", npy_bytes(np.array([1, None], dtype=object)), "", None, InputError,
     ["o.npy holds a pickled/object array", "refused"]),
    ("bool npy", "o.npy", npy_bytes(np.array([True])), "", None, InputError, ["o.npy has dtype 'bool'"]),
    ("structured npy", "o.npy", npy_bytes(np.zeros(2, dtype=[("a", "<f8")])), "", None, InputError, ["expected a float or integer array"]),
    ("npy that is text", "f.npy", "1,2,3", "", None, InputError, ["f.npy is not a NumPy .npy/.npz file"]),
    ("npz without the selected name", "a.npz", npz_bytes(logits=np.ones(2), y=np.zeros(2)), ":x", None, InputError,
     ["no array 'x' in", "(arrays: logits, y)"]),
    ("npz with several arrays, none selected", "a.npz", npz_bytes(logits=np.ones(2), y=np.zeros(2)), "", None, InputError,
     ["several arrays (logits, y)", "a.npz:ARRAY"]),
    ("npz member that is not an array", "a.npz", zip_bytes(("x.npy", b"1,2,3")), "", None, InputError,
     ["a.npz array 'x' is not a NumPy array"]),
    ("npz member truncated", "a.npz", zip_bytes(("x.npy", GOOD_NPY[:-8])), "", None, InputError,
     ["a.npz array 'x' is truncated"]),
    ("npz member of object dtype", "a.npz", zip_bytes(("x.npy", npy_bytes(np.array([None])))), ":x", None, InputError,
     ["a.npz array 'x' holds a pickled/object array"]),
    ("npz name stored twice", "a.npz", zip_bytes(("x.npy", GOOD_NPY), ("x.npy", GOOD_NPY)), "", None, InputError,
     ["a.npz array 'x' is stored 2 times"]),
    ("corrupt npz", "a.npz", b"PK\x03\x04" + bytes(40), "", None, InputError, ["a.npz is not a valid NumPy file"]),
    ("npz with a corrupt member", "a.npz", npz_bytes(x=np.arange(100.0))[:-200] + bytes(200), "", None, InputError,
     ["a.npz"]),
    ("non-UTF-8 csv", "n.csv", b"p\n1\n\xe9\n", "", None, InputError, ["n.csv line 3 is not UTF-8 text (byte 0xe9)"]),
    ("non-UTF-8 txt", "n.txt", b"1 \xff\n", "", None, InputError, ["n.txt line 1 is not UTF-8 text (byte 0xff)"]),
    ("non-UTF-8 json", "n.json", b'{"\xe9": [1]}', "", None, InputError, ["n.json line 1 is not UTF-8 text"]),
    ("non-UTF-8 jsonl", "n.jsonl", b"1\n2\n\x80\n", "", None, InputError, ["n.jsonl line 3 is not UTF-8 text"]),
    ("non-UTF-8 stdin", "-", b"1\n\xc3\x28\n", "", None, InputError, ["stdin line 2 is not UTF-8 text (byte 0xc3)"]),
    ("UTF-16 text", "u.csv", "p\n1\n".encode("utf-16"), "", None, InputError, ["u.csv is UTF-16 text; losscli reads UTF-8"]),
    ("NUL bytes", "z.csv", b"1\n\x00\n", "", None, InputError, ["z.csv line 2, column 1: '\\x00' is not a number"]),
    ("duplicate column selected by name", "d.csv", "a,b,a\n1,2,3\n", ":a", None, InputError,
     ["column 'a' appears 2 times in", "d.csv (columns 1, 3); select one by its index, as", "d.csv:1"]),
    ("duplicate column selected among others", "d.tsv", "a\tb\ta\ta\n1\t2\t3\t4\n", ":b,a", None, InputError,
     ["column 'a' appears 3 times", "(columns 1, 3, 4)"]),
    ("0 elements: json", "z.json", "[[], []]", "", None, InputError, ["z.json holds no numbers"]),
    ("0 elements: json key", "z.json", '{"p": [[]]}', ":p", None, InputError, ["z.json holds no numbers"]),
    ("0 elements: npz", "z.npz", npz_bytes(p=np.zeros(0)), ":p", None, InputError, ["z.npz holds no numbers"]),
    ("0 elements: jsonl", "z.jsonl", "[]\n[]\n", "", None, InputError, ["z.jsonl holds no numbers"]),
    ("a selector on a 1-D array", "a.json", "[1, 2]", ":1", None, UsageError, ["selector"]),
    ("an empty selector", "a.csv", "p\n1\n", ":", None, UsageError, ["empty name in selector"]),
    ("column index out of range", "a.csv", "p\n1\n", ":2", None, InputError, ["column 2 is out of range", "columns 1 to 1"]),
    ("unknown column", "a.csv", "p\n1\n", ":q", None, InputError, ["no column 'q' in", "(columns: p)"]),
    ("a bad --delimiter", "a.csv", "p\n1\n", "", "ab", UsageError, ["--delimiter must be one character", "got 'ab'"]),
    ("a letter as --delimiter", "a.csv", "p\n1\n", "", "e", UsageError, ["--delimiter must be one character"]),
    ("'.' as --delimiter", "a.csv", "p\n1\n", "", ".", UsageError, ["--delimiter"]),
]


@pytest.mark.parametrize("name, content, selector, delimiter, kind, words", [c[1:] for c in INVALID],
                         ids=[c[0] for c in INVALID])
def test_invalid_input_is_refused_saying_where(tmp_path, name, content, selector, delimiter, kind, words):
    content = content.encode() if isinstance(content, str) else content
    if kind is UsageError and delimiter is not None:  # raised before any reading, without the option
        with pytest.raises(UsageError) as info:
            Sources(delimiter=delimiter)
        message = str(info.value)
    elif name == "-":
        message = refused("-" + selector, content, delimiter, kind)
    else:
        message = refused(write(tmp_path, name, content) + selector, None, delimiter, kind)
    assert len(message) < 600, message
    for word in words:
        assert word in message, (word, message)


def test_an_unreadable_file_is_named(tmp_path, monkeypatch):
    path = write(tmp_path, "secret.csv", "1\n")

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(inputs, "open", refuse, raising=False)  # root reads a chmod 0 file anyway
    assert refused(path) == f"--pred: cannot read {path!r}: Permission denied"
    assert refused(path + ":1", option="--target") == f"--target: cannot read {path!r}: Permission denied"


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom", "/dev/null", "/dev/full"])
def test_a_device_is_refused_without_reading_it(device):
    if not os.path.exists(device):
        pytest.skip(f"no {device} here")
    start = time.perf_counter()
    assert refused(device) == f"--pred: {device} is a device, not a data file"
    assert refused(device + ":1") == f"--pred: {device} is a device, not a data file"
    assert time.perf_counter() - start < 1


def test_a_pipe_is_read_and_sniffed_like_stdin():
    for content, expected in [(b"p,t\n1,2\n3,4\n", [[1, 2], [3, 4]]), (b"[1, 2]", [1, 2]), (GOOD_NPY, [0, 1, 2])]:
        r, w = os.pipe()
        os.write(w, content)
        os.close(w)
        try:
            same(load(f"/dev/fd/{r}"), expected)
        finally:
            os.close(r)


def test_stdin_and_pipes_have_a_generous_explicit_size_limit(monkeypatch, tmp_path):
    assert inputs.STREAM_LIMIT == 2**30  # 1 GiB: far above any prediction file piped in
    monkeypatch.setattr(inputs, "STREAM_LIMIT", 1000)
    same(load("-", b"1\n" * 500), [1] * 500)
    message = refused("-", b"1\n" * 501)
    assert message == ("--pred: stdin sends more than 1,000 bytes, the most losscli reads from stdin or a pipe: "
                       "write the data to a file and name the file")
    r, w = os.pipe()
    os.write(w, b"1\n" * 1000)
    os.close(w)
    try:
        assert f"/dev/fd/{r} sends more than 1,000 bytes" in refused(f"/dev/fd/{r}")
    finally:
        os.close(r)
    same(load(write(tmp_path, "big.txt", "1\n" * 1000)), [1] * 1000)  # a regular file has no limit


def test_inline_text_of_100_mb_is_refused_at_once():
    start = time.perf_counter()
    message = refused("1," * (50 * 2**20))
    assert time.perf_counter() - start < 1
    assert message == ("--pred: the SOURCE is 104,857,600 characters long; inline numbers are limited to "
                       "1,048,576 characters: put them in a file, or pipe them to '-'")
    same(load(",".join(["1"] * 500_000)), [1] * 500_000)  # 1 MB of inline numbers still works


def test_long_user_text_is_cut_short_in_messages():
    message = refused("[1, " + "x" * 500_000 + "]")
    assert len(message) < 600 and "(500,005 characters)" in message
    message = refused("1," * 1000 + "abc")
    assert len(message) < 600 and "'abc' (item 1001) is not a number" in message


# --------------------------------------------------------------------------------------------
# Through the real command: exit 2, one line on stderr, nothing on stdout, no traceback


def losscli(*args, input=None, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "losscli", *map(str, args)], input=input, capture_output=True,
                          text=True, cwd=cwd, env={**os.environ, "LOSSCLI_DEBUG": ""})


def assert_one_error_line(result, *words):
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("losscli: error: "), result.stderr
    for word in words:
        assert word in lines[0], (word, lines[0])


@pytest.mark.parametrize(
    "pred, stdin, words",
    [
        ("d.txt", None, ["--pred: d.txt line 1, column 1: '1,5' is not a number", "--delimiter"]),
        ("bad.csv", None, ["--pred: bad.csv line 3, column 2: 'abc' is not a number"]),
        ("bad.jsonl", None, ["--pred: bad.jsonl line 2, column 4: invalid JSON"]),
        ("dup.csv:a", None, ["column 'a' appears 2 times", "dup.csv:1"]),
        ("trunc.npy", None, ["--pred: trunc.npy is truncated"]),
        ("obj.npy", None, ["pickled/object arrays are refused"]),
        ("/dev/zero", None, ["--pred: /dev/zero is a device, not a data file"]),
        ("deep.json", None, ["nested too deeply"]),
        ("empty.json", None, ["--pred: empty.json holds no numbers"]),
        ("-", "\xff", ["--pred: stdin line 1 is not UTF-8"]),
        ("-", "", ["--pred: stdin holds no numbers"]),
        ("[1e999, 1]", None, ["'1e999' is beyond the range of float64"]),
        ("[]", None, ["holds no numbers"]),
    ],
)
def test_the_command_refuses_bad_input_with_one_line(entry, tmp_path, pred, stdin, words):
    files = {
        "d.txt": "1,5\n2,5\n", "bad.csv": "p,t\n1,2\n3,abc\n", "bad.jsonl": "[1]\n[2,,]\n", "dup.csv": "a,b,a\n1,2,3\n",
        "trunc.npy": GOOD_NPY[:-3], "obj.npy": npy_bytes(np.array([None])), "deep.json": "[" * 200_000, "empty.json": "",
    }
    for name, content in files.items():
        write(tmp_path, name, content)
    data = stdin.encode("latin-1") if stdin is not None else None
    result = entry("mse", "--pred", pred, "--target", "1", input=data, cwd=tmp_path,
                   env={"LOSSCLI_DEBUG": "", "PYTHONPATH": str(ROOT)})
    assert_one_error_line(result, *words)


def test_the_command_reads_process_substitution(tmp_path):
    if not shutil.which("bash"):
        pytest.skip("no bash")
    script = (f'"{sys.executable}" -m losscli mse --pred <(printf "p,t\\n1,2\\n3,4\\n"):p '
              f'--target <(printf "[1.5, 3.5]") -q')
    result = subprocess.run(["bash", "-c", script], capture_output=True, text=True, cwd=ROOT)
    assert (result.returncode, result.stdout, result.stderr) == (0, "0.25\n", "")


# --------------------------------------------------------------------------------------------
# Properties: any bytes parse to what a small, independent reference reader reads, or raise
# InputError/UsageError; never another exception. The reference follows the documented rules
# with its own code: Python's float() for numbers, csv/json/zipfile/ast for the containers.


class Refused(Exception):
    """The reference reader refuses the input."""


def ref_number(cell):
    token = cell.strip(" \t")
    if token in ("", "NA", "null"):  # missing values as pandas and R write them
        return math.nan
    if not token.isascii() or "_" in token or any(c.isspace() for c in token):
        raise Refused
    try:
        number = float(token)
    except ValueError:
        raise Refused from None
    if math.isinf(number) and "inf" not in token.lower():
        raise Refused  # 1e999 is not read as inf
    return number


def ref_is_name(cell):
    start = cell.lstrip(" \t")[:1]
    if not start or start in "0123456789+-.,;|":
        return False
    try:
        ref_number(cell)
        return False
    except Refused:
        return True


def ref_unquote(cell):
    return cell[1:-1].replace('""', '"') if len(cell) >= 2 and cell[0] == '"' and cell[-1] == '"' else cell


def ref_table(text, delimiter, selector):
    if delimiter is None:
        rows = [[ref_unquote(cell) for cell in line.split()] for line in text.split("\n")]
    else:
        try:
            rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, skipinitialspace=True))
        except csv.Error:
            raise Refused from None
    rows = [row for row in rows if any(cell.strip() for cell in row)]  # blank, or only empty fields
    if not rows or len({len(row) for row in rows}) != 1:
        raise Refused
    names = None
    if any(map(ref_is_name, rows[0])):
        names, rows = [cell.strip() for cell in rows[0]], rows[1:]
        if not rows:
            raise Refused
    if selector is None:
        if names and len(names) > 1 and names[0] in ("", "Unnamed: 0") and all(
                row[0].strip() == str(i) for i, row in enumerate(rows[:100])):
            raise Refused  # pandas' index column, read as data only when selected
        matrix = np.array([[ref_number(cell) for cell in row] for row in rows])
        return matrix[:, 0] if matrix.shape[1] == 1 else matrix
    return np.array([ref_number(row[ref_column(selector, names, len(rows[0]))]) for row in rows])


def ref_column(selector, names, ncols):
    """A column by name first, else by 1-based index."""
    if names is not None and selector in names:
        if names.count(selector) > 1:
            raise Refused
        return names.index(selector)
    if selector.isdigit() and selector.isascii() and 1 <= int(selector) <= ncols:
        return int(selector) - 1
    raise Refused


def ref_loads(text):
    def unique(pairs):
        if len({key for key, _ in pairs}) != len(pairs):
            raise Refused
        return dict(pairs)

    def finite(literal):
        if math.isinf(float(literal)):
            raise Refused
        return float(literal)

    try:
        return json.loads(text, object_pairs_hook=unique, parse_float=finite)
    except (ValueError, RecursionError):
        raise Refused from None


def ref_nested(value, depth=0):
    """A regular nested list of JSON numbers as floats (bool is no number), at most 64 levels."""
    if value is None and depth:  # null inside an array: a missing value
        return math.nan
    if type(value) in (int, float):
        try:
            return float(value)
        except OverflowError:
            raise Refused from None
    if not isinstance(value, list) or depth >= 64:
        raise Refused
    items = [ref_nested(item, depth + 1) for item in value]
    if len({np.shape(item) for item in items}) > 1:
        raise Refused
    return items


def ref_json_parse(text):
    """('object', dict) | ('records', list) | ('array', ndarray), as JSON is read before selection."""
    if not text.strip():
        raise Refused
    value = ref_loads(text)
    if isinstance(value, dict):
        return "object", value
    if isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
        return "records", value
    return "array", np.array(ref_nested(value), dtype=np.float64)


def ref_jsonl_parse(text):
    values = [ref_loads(line) for line in text.split("\n") if line.strip()]
    if not values:
        raise Refused
    if any(isinstance(value, dict) for value in values):
        if not all(isinstance(value, dict) for value in values):
            raise Refused
        return "records", values
    return "array", np.array(ref_nested(values), dtype=np.float64)


def ref_pick(parsed, selector):
    kind, value = parsed
    if kind == "array":
        if selector is None:
            return value
        if value.ndim != 2:
            raise Refused
        return value[:, ref_column(selector, None, value.shape[1])]
    if kind == "object":
        names = list(value)
        if selector is None and len(names) == 1:
            selector = names[0]
        if selector not in names:
            raise Refused
        return np.array(ref_nested(value[selector]), dtype=np.float64)
    names = list(dict.fromkeys(key for record in value for key in record))
    picked = names if selector is None else [names[ref_column(selector, names, len(names))]] if names else []
    if not picked or any(name not in record for record in value for name in picked):
        raise Refused
    columns = [np.array([ref_nested(record[name]) for record in value], dtype=np.float64) for name in picked]
    if len(columns) == 1:
        return columns[0]
    if any(column.ndim != 1 for column in columns):
        raise Refused
    return np.column_stack(columns)


def ref_npy(data):
    if data[:6] != b"\x93NUMPY" or len(data) < 10:
        raise Refused
    version = (data[6], data[7])
    if version not in ((1, 0), (2, 0)):
        raise Refused
    size = 2 if version == (1, 0) else 4
    length = int.from_bytes(data[8 : 8 + size], "little")
    start = 8 + size + length
    if len(data) < start:
        raise Refused
    try:
        header = ast.literal_eval(data[8 + size : start].decode("latin-1"))
        assert isinstance(header, dict) and set(header) == {"descr", "fortran_order", "shape"}
        shape, fortran = header["shape"], header["fortran_order"]
        assert isinstance(shape, tuple) and all(isinstance(n, int) and n >= 0 for n in shape)
        assert isinstance(fortran, bool)
        dtype = np.dtype(header["descr"])
    except Exception:
        raise Refused from None
    if dtype.hasobject or dtype.kind not in "fiu" or dtype.fields:
        raise Refused
    count = math.prod(shape)
    if len(data) - start != count * dtype.itemsize:
        raise Refused
    flat = np.frombuffer(data[start:], dtype=dtype, count=count)
    array = flat.reshape(shape[::-1]).T if fortran else flat.reshape(shape)
    return array.astype(dtype.newbyteorder("="))


def ref_npz(data, selector):
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except Exception:
        raise Refused from None
    names = [info.filename[:-4] if info.filename.endswith(".npy") else info.filename for info in infos]
    if selector is None and len(set(names)) == 1:
        selector = names[0]
    if selector not in names or names.count(selector) > 1:
        raise Refused
    try:
        member = archive.read(infos[names.index(selector)])
    except Exception:
        raise Refused from None
    return ref_npy(member)


def ref_numpy(data, selector):
    if data[:6] == b"\x93NUMPY":
        array = ref_npy(data)
        if selector is None:
            return array
        return ref_pick(("array", array), selector) if array.ndim == 2 else _refuse()
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return ref_npz(data, selector)
    raise Refused


def _refuse():
    raise Refused


def ref_decode(data):
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Refused from None


def ref_sniff(data, selector):
    if data[:6] == b"\x93NUMPY" or data[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return ref_numpy(data, selector)
    text = ref_decode(data)
    if text.lstrip()[:1] in ("[", "{"):
        try:
            parsed = ref_json_parse(text)
        except Refused:
            lines = [line for line in text.split("\n") if line.strip()]
            if len(lines) < 2 or not all(_plain_json(line) for line in lines):
                raise
            parsed = ref_jsonl_parse(text)
        return ref_pick(parsed, selector)
    first = next((line for line in text.split("\n") if line.strip()), "")
    return ref_table(text, next((d for d in "\t;," if d in first), None), selector)


def _plain_json(line):
    try:
        json.loads(line)
        return True
    except (ValueError, RecursionError):
        return False


def reference(ext, data, selector):
    """What a file named f.EXT (or stdin, EXT '-') holding DATA means; Refused if nothing.

    SELECTOR is one name, in double quotes if it holds a comma."""
    if selector is not None:
        selector = ref_unquote(selector.strip()).strip()
    if ext in ("npy", "npz"):
        array = ref_numpy(data, selector)
    elif ext in ("csv", "tsv", "txt"):
        array = ref_table(ref_decode(data), {"csv": ",", "tsv": "\t", "txt": None}[ext], selector)
    elif ext == "json":
        array = ref_pick(ref_json_parse(ref_decode(data)), selector)
    elif ext == "jsonl":
        array = ref_pick(ref_jsonl_parse(ref_decode(data)), selector)
    else:
        array = ref_sniff(data, selector)
    npy = data[:6] == b"\x93NUMPY" and ext not in ("npz", "csv", "tsv", "txt", "json", "jsonl")
    if array.size == 0 and not (npy and array.ndim and array.shape[0] == 0):  # .npy of no rows: read
        raise Refused
    return array


FOLDER = tempfile.mkdtemp(prefix="losscli-hostile-")


def ours(ext, data, selector):
    suffix = "" if selector is None else ":" + selector
    path = os.path.join(FOLDER, "f." + ext if ext else "f")
    if ext != "-":
        with open(path, "wb") as f:
            f.write(data)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning would be a stray line on the command's stderr
        return load("-" + suffix, data) if ext == "-" else load(path + suffix)


def identical(actual, expected):
    assert actual.shape == expected.shape and actual.dtype == expected.dtype, (actual, expected)
    assert np.array_equal(actual, expected, equal_nan=True), (actual, expected)
    if actual.dtype.kind == "f":  # -0.0 stays -0.0
        numbers = ~np.isnan(expected)
        assert np.array_equal(np.signbit(actual[numbers]), np.signbit(expected[numbers]))


def agrees(ext, data, selector, valid=None):
    """Ours parses to the reference's array, or raises InputError/UsageError (nothing else)."""
    try:
        got = ours(ext, data, selector)
    except (InputError, UsageError) as e:
        assert "\n" not in str(e) and len(str(e)) < 1000
        got = None
    if got is not None:
        try:
            expected = reference(ext, data, selector)
        except Refused:
            raise AssertionError(f"the reference refuses what losscli read as {got!r}") from None
        identical(got, expected)
    if valid is not None:
        assert got is not None, "a valid document was refused"
        identical(got, valid)


# --- strategies: documents of every format, written in every valid way, then maybe mutated -----

FORMATS = ["csv", "tsv", "txt", "json", "jsonl", "npy", "npz", "-", ""]
finite_or_not = st.floats(allow_nan=True, allow_infinity=True, width=64) | st.integers(-10**6, 10**6).map(float)


@st.composite
def spelled(draw, x):
    """A text spelling of X that reads back exactly."""
    if math.isnan(x):
        return draw(st.sampled_from(["nan", "NaN", "NAN", "+nan", "nAn"]))
    if math.isinf(x):
        word = draw(st.sampled_from(["inf", "Inf", "INF", "infinity", "Infinity", "INFINITY"]))
        return ("-" if x < 0 else draw(st.sampled_from(["", "+"]))) + word
    forms = [repr(x), f"{x:.17g}", f"{x:.16e}".upper()]
    if x == int(x) and abs(x) < 2**53 and math.copysign(1, x) > 0 or x == int(x) and x < 0 and abs(x) < 2**53:
        forms += [str(int(x)), f"{int(x)}.", f"+{int(x)}" if x >= 0 else str(int(x))]
    if 0 < abs(x) < 1 and repr(x).lstrip("-").startswith("0."):
        forms.append(repr(x).replace("0.", ".", 1))
    return draw(st.sampled_from(forms))


def mutate(data, edits):
    data = bytearray(data)
    for position, action, chunk in edits:
        at = position % (len(data) + 1)
        if action == "insert" or not data:
            data[at:at] = chunk
        elif action == "delete":
            del data[at : at + len(chunk)]
        else:
            data[at : at + len(chunk)] = chunk
    return bytes(data)


edits = st.lists(st.tuples(st.integers(0, 10**6), st.sampled_from(["insert", "delete", "replace"]),
                           st.binary(min_size=1, max_size=3) | st.sampled_from([b",", b"\n", b'"', b"[", b"{", b"e",
                                                                                 b"-", b".", b"\t", b" ", b"\r"])),
                 max_size=3)


@st.composite
def documents(draw):
    """(extension, bytes, selector, the array they mean)."""
    ext = draw(st.sampled_from(FORMATS))
    if ext in ("npy", "npz"):
        dtype = draw(st.sampled_from(["<f8", ">f8", "<f4", "<f2", "|i1", "<i8", ">u2", "<u4"]))
        shape = draw(st.lists(st.integers(0, 3), max_size=3).map(tuple))
        values = draw(st.lists(finite_or_not, min_size=math.prod(shape), max_size=math.prod(shape)))
        with np.errstate(all="ignore"):
            array = np.array(values, dtype=np.float64)
            if np.dtype(dtype).kind != "f":
                array = np.nan_to_num(array, posinf=0, neginf=0) % 100
            array = array.astype(dtype).reshape(shape)
        if draw(st.booleans()):
            array = np.asfortranarray(array)
        expected = array.astype(array.dtype.newbyteorder("="))
        if ext == "npy":
            data = npy_bytes(array)
            selector = None
        else:
            name = draw(st.sampled_from(["a", "logits", "x,y"]))
            data = npz_bytes(**{name: array, **({"other": np.ones(1)} if draw(st.booleans()) else {})})
            selector = f'"{name}"' if "," in name else name
        return ext, data, selector, expected if array.size or (ext == "npy" and array.shape[:1] == (0,)) else None
    ncols, nrows = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    matrix = np.array(draw(st.lists(st.lists(finite_or_not, min_size=ncols, max_size=ncols),
                                    min_size=nrows, max_size=nrows)), dtype=np.float64)
    names = [f"c{j}" for j in range(ncols)]
    column = draw(st.none() | st.integers(0, ncols - 1))
    expected = (matrix[:, 0] if ncols == 1 else matrix) if column is None else matrix[:, column]
    if ext in ("json", "jsonl") or (ext in ("-", "") and draw(st.booleans())):
        shape = draw(st.sampled_from(["array", "records", "object"] if ext != "jsonl" else ["array", "records"]))
        rows = matrix.tolist()
        if shape == "array":
            selector = None if column is None else str(column + 1)
            if ncols == 1 and column is None:
                rows = [row[0] for row in rows]
            if ext == "jsonl" or (ext != "json" and len(rows) > 1 and draw(st.booleans())):
                text = "\n".join(json.dumps(row) for row in rows)
            else:
                text = json.dumps(rows, indent=draw(st.none() | st.integers(0, 2)))
        elif shape == "records":
            records = [dict(zip(names, row)) for row in rows]
            selector = None if column is None else names[column]
            if ext == "jsonl" or (ext != "json" and len(records) > 1 and draw(st.booleans())):
                text = "\n".join(json.dumps(record) for record in records)
            else:
                text = json.dumps(records)
        else:
            column = column if column is not None else 0
            text = json.dumps({name: matrix[:, j].tolist() for j, name in enumerate(names)})
            selector, expected = names[column], matrix[:, column]
            if ncols == 1 and draw(st.booleans()):
                selector = None
        data = text.encode()
        if draw(st.booleans()):
            data = b"\xef\xbb\xbf" + data
        return ext, data, selector, expected
    delimiter = {"csv": ",", "tsv": "\t", "txt": None}.get(ext, draw(st.sampled_from([",", "\t", ";"])))
    header = draw(st.booleans())
    quote = delimiter is not None and draw(st.booleans())
    pad = draw(st.sampled_from(["", " ", "  "])) if delimiter is not None else ""
    cells = [[draw(spelled(x)) for x in row] for row in matrix.tolist()]
    if quote:
        cells = [[f'"{cell}"' if draw(st.booleans()) else cell for cell in row] for row in cells]
    separator = (delimiter or draw(st.sampled_from([" ", "\t", " \t "]))) + pad
    lines = ([separator.join(names)] if header else []) + [pad + separator.join(row) + pad for row in cells]
    for _ in range(draw(st.integers(0, 2))):
        lines.insert(draw(st.integers(0, len(lines))), draw(st.sampled_from(["", " ", "\t"])))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    text = newline.join(lines) + draw(st.sampled_from(["", newline]))
    if draw(st.booleans()):
        text = "\ufeff" + text
    selector = None if column is None else (names[column] if header and draw(st.booleans()) else str(column + 1))
    return ext, text.encode(), selector, expected


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents(), edits)
def test_any_document_or_its_mutation_reads_as_the_reference_or_is_refused(document, changes):
    ext, data, selector, expected = document
    agrees(ext, data, selector, expected)
    if changes:
        agrees(ext, mutate(data, changes), selector)


selectors = st.none() | st.sampled_from(["1", "2", "a", "c0", "x", '"a,b"', "0"])


@settings(max_examples=500, deadline=None)
@given(st.sampled_from(FORMATS), st.binary(max_size=200), selectors)
def test_any_bytes_read_as_the_reference_or_are_refused(ext, data, selector):
    agrees(ext, data, selector)


@settings(max_examples=800, deadline=None)
@given(st.sampled_from(FORMATS),
       st.text(alphabet='0123456789.,;-+eE \t\n\r"[]{}:nainfINF_x\ufeff\x00é|', max_size=40), selectors)
def test_any_text_reads_as_the_reference_or_is_refused(ext, text, selector):
    agrees(ext, text.encode(), selector)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789.,;-+eE \t[]{}nainf_\"x", max_size=30))
def test_any_inline_text_reads_as_the_reference_or_is_refused(text):
    if text.startswith("-") or os.path.exists(text) or os.path.exists(text.rpartition(":")[0] or "\0"):
        return  # stdin or a file, not inline text
    try:
        got = load(text)
    except (InputError, UsageError):
        return
    if text.strip().startswith("["):
        identical(got, ref_pick(ref_json_parse(text), None))
    else:
        identical(got, reference_inline(text))
