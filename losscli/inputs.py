"""SOURCE text -> np.ndarray: inline numbers or JSON, CSV/TSV/TXT, JSON, JSON Lines, .npy/.npz, stdin.

SOURCE is `-` (stdin), an existing path, `PATH:SELECTOR` or `-:SELECTOR` (a comma list of column
names, 1-based column indices, JSON keys or .npz array names), or else inline numbers.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import sys
import typing
from operator import itemgetter

import numpy as np

from losscli.errors import InputError, UsageError, escape

_NUMBER = re.compile(
    r"[ \t]*[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|nan|inf|infinity)[ \t]*", re.IGNORECASE
)
_INDEX = re.compile(r"[0-9]+")
_INLINE_SPLIT = re.compile(r"[ \t\r\n]*,[ \t\r\n]*|[ \t\r\n]+")
_MAX_DEPTH = 64  # numpy's maximum number of dimensions
_DELIMITERS = {".csv": ",", ".tsv": "\t", ".txt": None}  # None: runs of whitespace
_NPY_MAGIC, _ZIP_MAGICS = b"\x93NUMPY", (b"PK\x03\x04", b"PK\x05\x06")  # a zip, or an empty one


class Sources:
    """The array inputs of one invocation: each file is read once, stdin at most once."""

    def __init__(self, stdin: typing.BinaryIO | None = None) -> None:
        self._stdin = stdin  # None: sys.stdin.buffer, looked up when first read
        self._cache: dict[str, tuple[str, object]] = {}  # realpath or "-" -> (label, parsed content)
        self._stdin_users: list[tuple[str, str | None]] = []  # (option, selector)
        self.reads = 0  # files and stdin actually read (the cache test counts them)

    def load(self, option: str, source: str) -> np.ndarray:
        """The numeric array that SOURCE holds; OPTION (e.g. "--pred") starts every error message."""
        try:
            return self._load(option, source)
        except (InputError, UsageError) as e:
            # Braces here can only come from user text (names, tokens): keep them as they are.
            raise type(e)(escape(f"{option}: {e.template}")) from None

    def _load(self, option: str, source: str) -> np.ndarray:
        path, selector = _split_source(source)
        if path is None:
            return _parse_inline(source)
        tokens = None
        if selector is not None:
            tokens = [token.strip() for token in selector.split(",")]
            if not all(tokens):
                raise UsageError(f"empty name in selector {selector!r} of {source!r} (expected NAME,NAME)")
        if path == "-":
            # Options may share stdin only when each picks its own columns from it.
            for user, user_selector in self._stdin_users:
                if user != option and (selector is None or user_selector is None):
                    raise UsageError(f"stdin is already read by {user}; at most one option can read '-'")
            self._stdin_users.append((option, selector))
            key = "-"
        elif os.path.isdir(path):
            raise InputError(f"{path!r} is a directory, not a data file")
        else:
            key = os.path.realpath(path)
        if key not in self._cache:
            self._cache[key] = self._read(path)
        label, parsed = self._cache[key]
        array = _select(parsed, tokens, label)
        if array.size == 0:
            raise InputError(f"{label} holds no numbers")
        return array

    def _read(self, path: str) -> tuple[str, object]:
        self.reads += 1
        extension = os.path.splitext(path)[1].lower()
        try:
            if path == "-":
                stream = self._stdin if self._stdin is not None else getattr(sys.stdin, "buffer", None)
                if stream is None:
                    raise InputError("stdin is not available")
                if stream.isatty():  # waiting for a person to type data is never what was meant
                    raise UsageError("stdin is a terminal: pipe data in (cmd | losscli ... -) or name a file")
                return "stdin", _sniff(stream.read(), "stdin")
            with open(path, "rb") as f:
                if extension in (".npy", ".npz"):
                    return path, _read_numpy(f, path)
                data = f.read()
        except OSError as e:
            name = "stdin" if path == "-" else repr(path)
            raise InputError(f"cannot read {name}: {e.strerror or e}") from None
        if extension in _DELIMITERS:
            return path, _read_table(_decode(data, path), _DELIMITERS[extension], path)
        if extension == ".json":
            return path, _read_json(_decode(data, path), path)
        if extension in (".jsonl", ".ndjson"):
            return path, _read_jsonl(_decode(data, path), path)
        return path, _sniff(data, path)  # no known extension, e.g. a pipe such as /dev/fd/63


def _split_source(source: str) -> tuple[str | None, str | None]:
    """(path or '-', selector or None) for a file or stdin; (None, None) for inline text."""
    if source == "-" or os.path.exists(source):
        return source, None
    head, colon, selector = source.rpartition(":")
    if colon and (head == "-" or (head and os.path.exists(head))):
        return head, selector
    return None, None


class _Table:
    """Rows of text cells (or JSON records) with optional names; a column is converted when selected."""

    def __init__(self, rows: list, names: list[str] | None, at: typing.Sequence[int], unit: str, label: str):
        self.rows, self.names, self.at, self.unit, self.label = rows, names, at, unit, label
        self.records = isinstance(rows[0], dict)
        self.ncols = len(names) if names is not None else len(rows[0])

    def column(self, j: int) -> np.ndarray:
        key = self.names[j] if self.records else j
        try:
            cells = list(map(itemgetter(key), self.rows))
        except KeyError:
            i = next(i for i, row in enumerate(self.rows) if key not in row)
            raise InputError(f"{self.label} {self.unit} {self.at[i]} has no key {key!r}") from None
        if self.records:
            unit = f"{self.label} {self.unit}"
            return _json_array(cells, lambda p: f"{unit} {self.at[p[0]]}, key {key!r}{_at(p[1:])}")
        if not all(map(_NUMBER.fullmatch, cells)):
            i = next(i for i, cell in enumerate(cells) if not _NUMBER.fullmatch(cell))
            what = f"{cells[i].strip()!r} is not a number" if cells[i].strip() else "empty field"
            raise InputError(f"{self.label} line {self.at[i]}, column {j + 1}: {what}")
        return np.array(cells, dtype=np.float64)


def _select(parsed: object, tokens: list[str] | None, label: str) -> np.ndarray:
    """The one selection step of every format: a table, a plain array, or named arrays."""
    if isinstance(parsed, np.ndarray):
        if tokens is None:
            return parsed
        if parsed.ndim != 2:
            raise UsageError(
                f"{label} holds an array of shape {parsed.shape}; the selector {','.join(tokens)!r} "
                "needs a table, a 2-D array, a JSON object or an .npz archive"
            )
        idx = _column_indices(tokens, None, parsed.shape[1], label)
        return parsed[:, idx[0]] if len(idx) == 1 else parsed[:, idx]
    if isinstance(parsed, _Table):
        names = parsed.names or [str(j + 1) for j in range(parsed.ncols)]
        idx = _column_indices(tokens, parsed.names, parsed.ncols, label) if tokens else range(parsed.ncols)
        if len(idx) == 1:
            return parsed.column(idx[0])
        return _stack([parsed.column(j) for j in idx], [names[j] for j in idx], label)
    arrays, what = parsed  # a JSON object ("key") or an .npz archive ("array")
    names = list(arrays) if what == "key" else list(arrays.files)
    if not names:
        raise InputError(f"{label} holds no numbers (an empty {'object' if what == 'key' else 'archive'})")
    if tokens is None:
        if len(names) > 1:
            shown = ", ".join(names)
            raise InputError(f"{label} holds several {what}s ({shown}); pick one as {label}:{what.upper()}")
        tokens = names
    for token in tokens:
        if token not in names:
            raise InputError(f"no {what} {token!r} in {label} ({what}s: {', '.join(names)})")
    columns = [_named_array(arrays, what, name, label) for name in tokens]
    return columns[0] if len(columns) == 1 else _stack(columns, tokens, label)


def _named_array(arrays, what: str, name: str, label: str) -> np.ndarray:
    if what == "key":
        return _json_array(arrays[name], lambda path: f"{label} key {name!r}{_at(path)}")
    try:
        return _numeric(arrays[name], f"{label} array {name!r}")
    except InputError:
        raise
    except Exception as e:  # numpy's zip, zlib and format errors share no base class
        raise InputError(f"{label} array {name!r} cannot be read: {_numpy_reason(e)}") from None


def _column_indices(tokens: list[str], names: list[str] | None, ncols: int, label: str) -> list[int]:
    indices = []
    for token in tokens:
        if names is not None and token in names:
            if names.count(token) > 1:
                raise InputError(f"column {token!r} appears several times in {label}; use its index")
            indices.append(names.index(token))
        elif _INDEX.fullmatch(token):
            if not 1 <= int(token) <= ncols:
                raise InputError(f"column {token} is out of range: {label} has columns 1 to {ncols}")
            indices.append(int(token) - 1)
        elif names is None:
            raise InputError(f"{label} has no header row: pick columns by index (1 to {ncols}), not {token!r}")
        else:
            raise InputError(f"no column {token!r} in {label} (columns: {', '.join(names)})")
    return indices


def _stack(columns: list[np.ndarray], names: list[str], label: str) -> np.ndarray:
    for column, name in zip(columns, names):
        if column.ndim != 1 or len(column) != len(columns[0]):
            raise InputError(
                f"cannot put {name!r} of {label} beside the others: it has shape {column.shape}, "
                f"expected ({len(columns[0])},); select one column at a time"
            )
    return np.column_stack(columns)


def _decode(data: bytes, label: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise InputError(f"{label} line {line} is not UTF-8 text (byte 0x{data[e.start]:02x})") from None


def _sniff(data: bytes, label: str) -> object:
    """Parse stdin or an extension-less file by its content."""
    if data.startswith((_NPY_MAGIC, *_ZIP_MAGICS)):
        return _read_numpy(io.BytesIO(data), label)
    text = _decode(data, label)
    if text.lstrip()[:1] in ("[", "{"):
        try:
            return _read_json(text, label)
        except InputError:
            lines = [line for line in text.split("\n") if line.strip()]
            if len(lines) > 1 and all(map(_parses, lines)):
                return _read_jsonl(text, label)
            raise
    first = next((line for line in text.split("\n") if line.strip()), "")
    return _read_table(text, "\t" if "\t" in first else "," if "," in first else None, label)


def _parses(line: str) -> bool:
    try:
        json.loads(line)
        return True
    except (ValueError, RecursionError):
        return False


def _read_table(text: str, delimiter: str | None, label: str) -> _Table:
    """CSV/TSV (the csv module's quoting rules) or whitespace-separated text; detects a header row."""
    if delimiter is None:
        rows = [line.split() for line in text.split("\n")]
        at: typing.Sequence[int] = range(1, len(rows) + 1)
    else:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, skipinitialspace=True)
        try:
            if '"' in text:  # a quoted cell may span lines: ask the reader where each row ends
                rows, at = [], []
                for cells in reader:
                    rows.append(cells)
                    at.append(reader.line_num)
            else:  # one row per line
                rows = list(reader)
                at = range(1, len(rows) + 1)
        except csv.Error as e:
            raise InputError(f"{label} line {reader.line_num}: {e}") from None
    kept = [i for i, row in enumerate(rows) if len(row) > 1 or (row and row[0].strip())]
    if len(kept) < len(rows):  # blank lines
        rows, at = [rows[i] for i in kept], [at[i] for i in kept]
    if not rows:
        raise InputError(f"{label} holds no numbers")
    width = len(rows[0])
    if len(set(map(len, rows))) > 1:
        i = next(i for i, row in enumerate(rows) if len(row) != width)
        n = len(rows[i])
        raise InputError(f"{label} line {at[i]} has {n} fields, expected {width} (as line {at[0]})")
    names = None
    if any(cell.strip() and not _NUMBER.fullmatch(cell) for cell in rows[0]):
        names, rows, at = [cell.strip() for cell in rows[0]], rows[1:], at[1:]
        if not rows:
            raise InputError(f"{label} holds no numbers (a header row and no data)")
    return _Table(rows, names, at, "line", label)


def _loads(text: str, label: str, line: int | None = None) -> object:
    """json.loads with one-line errors; LINE is the line of TEXT in a JSON Lines file."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        where = f"line {line or e.lineno}, column {e.colno}"
        raise InputError(f"{label} {where}: invalid JSON ({e.msg})") from None
    except (ValueError, RecursionError) as e:  # an integer of 4300+ digits; deep nesting
        reason = "JSON nested too deeply" if isinstance(e, RecursionError) else f"invalid JSON ({e})"
        raise InputError(f"{label}{f' line {line}' if line else ''}: {reason}") from None


def _read_json(text: str, label: str) -> object:
    value = _loads(text, label)
    if isinstance(value, dict):
        return value, "key"
    if isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
        return _Table(value, _keys(value), range(1, len(value) + 1), "record", label)
    return _json_array(value, lambda path: label + _at(path))


def _read_jsonl(text: str, label: str) -> object:
    at = [n for n, line in enumerate(text.split("\n"), 1) if line.strip()]
    lines = text.split("\n")
    values = [_loads(lines[n - 1], label, n) for n in at]
    if not values:
        raise InputError(f"{label} holds no numbers")
    if any(isinstance(value, dict) for value in values):
        i = next((i for i, value in enumerate(values) if not isinstance(value, dict)), None)
        if i is not None:
            got = _describe(values[i])
            raise InputError(f"{label} line {at[i]}: expected a record like line {at[0]}, got {got}")
        return _Table(values, _keys(values), at, "line", label)
    return _json_array(values, lambda path: f"{label} line {at[path[0]]}{_at(path[1:])}")


def _keys(records: list[dict]) -> list[str]:
    return list(dict.fromkeys(key for record in records for key in record))


class _Bad(Exception):
    """A JSON value that is not a regular nested array of numbers: args are (reason, path)."""


def _json_array(value: object, locate: typing.Callable[[list[int]], str]) -> np.ndarray:
    try:
        _shape(value, 0)
        return np.array(value, dtype=np.float64)
    except _Bad as bad:
        reason, path = bad.args
        raise InputError(f"{locate(path)}: {reason}") from None
    except OverflowError:
        raise InputError(f"{locate([])}: a number is too large for float64") from None


def _shape(value: object, depth: int) -> tuple[int, ...]:
    """The shape of a nested list of numbers; checked first so numpy never builds an object array."""
    if type(value) in (int, float):
        return ()
    if not isinstance(value, list):
        raise _Bad(f"{_describe(value)} is not a number", [])
    if depth >= _MAX_DEPTH:
        raise _Bad(f"nested too deeply (more than {_MAX_DEPTH} levels)", [])
    types = set(map(type, value))
    if types <= {int, float}:
        return (len(value),)
    for i, item in enumerate(value):
        if type(item) not in (int, float, list):
            raise _Bad(f"{_describe(item)} is not a number", [i])
    if types != {list}:
        i = next(i for i, item in enumerate(value) if isinstance(item, list) != isinstance(value[0], list))
        raise _Bad("mixed nesting depth (an array beside a number)", [i])
    shapes = []
    for i, item in enumerate(value):
        try:
            shapes.append(_shape(item, depth + 1))
        except _Bad as bad:
            bad.args[1].insert(0, i)
            raise
        if shapes[-1] != shapes[0]:
            raise _Bad(f"ragged nested arrays (shape {shapes[-1]}, but the first item has {shapes[0]})", [i])
    return (len(value), *shapes[0])


def _at(path: list[int]) -> str:
    return " at " + "".join(f"[{i}]" for i in path) if path else ""


def _describe(value: object) -> str:
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    return "an object" if isinstance(value, dict) else repr(value)


def _read_numpy(f: typing.BinaryIO, label: str) -> object:
    """An .npy array, or an .npz archive as (NpzFile, "array"); never unpickles."""
    magic = f.read(6)
    f.seek(0)
    try:
        if magic == _NPY_MAGIC:
            return _numeric(np.load(f, allow_pickle=False), label)
        if magic.startswith(_ZIP_MAGICS):
            return np.load(io.BytesIO(f.read()), allow_pickle=False), "array"
    except InputError:
        raise
    except Exception as e:  # numpy's zip, zlib and format errors share no base class
        raise InputError(f"{label} is not a valid NumPy file: {_numpy_reason(e)}") from None
    raise InputError(f"{label} is not a NumPy .npy/.npz file (no NumPy or zip magic bytes)")


def _numpy_reason(e: Exception) -> str:
    if "allow_pickle" in str(e):
        return "pickled/object arrays are refused"
    return str(e).splitlines()[0] if str(e) else type(e).__name__


def _numeric(array: np.ndarray, where: str) -> np.ndarray:
    if array.dtype.kind not in "fiu":
        raise InputError(f"{where} has dtype {str(array.dtype)!r}; expected a float or integer array")
    return array if array.dtype.isnative else array.astype(array.dtype.newbyteorder("="))


def _parse_inline(text: str) -> np.ndarray:
    """Inline numbers: '1,2,3' or '1 2 3' (1-D), '1,2;3,4' (rows), '3' (0-d), or a JSON array."""
    stripped = text.strip()
    if stripped.startswith("["):
        try:
            value = json.loads(stripped)
        except (ValueError, RecursionError) as e:
            reason = e.msg if isinstance(e, json.JSONDecodeError) else "nested too deeply"
            raise InputError(f"{_not_a_file(text)}: invalid inline JSON ({reason})") from None
        array = _json_array(value, lambda path: f"inline input {text!r}{_at(path)}")
    elif not stripped:
        raise InputError(f"inline input {text!r} holds no numbers")
    else:
        rows = [_INLINE_SPLIT.split(row.strip()) for row in stripped.split(";")]
        def where(r: int, i: int) -> str:
            return f"row {r + 1}, item {i + 1}" if len(rows) > 1 else f"item {i + 1}"

        cells = [(r, i, cell) for r, row in enumerate(rows) for i, cell in enumerate(row) if cell]
        bad = [(r, i, cell) for r, i, cell in cells if not _NUMBER.fullmatch(cell)]
        if bad and len(bad) == len(cells):
            raise InputError(_not_a_file(text))
        if bad:
            r, i, cell = bad[0]
            raise InputError(f"{_not_a_file(text)}: {cell!r} ({where(r, i)}) is not a number")
        for r, row in enumerate(rows):
            if row == [""]:
                raise InputError(f"empty row {r + 1} in inline input {text!r}")
            if "" in row:
                raise InputError(f"empty field in inline input {text!r} ({where(r, row.index(''))})")
            if len(row) != len(rows[0]):
                n = len(rows[0])
                raise InputError(f"inline input {text!r} has {len(row)} numbers in row {r + 1}, {n} in row 1")
        array = np.array(rows, dtype=np.float64).reshape(-1 if len(rows) == 1 else (len(rows), -1))
        if array.shape == (1,):
            array = array.reshape(())  # one number: a 0-d array, like torch.tensor(3.0)
    if array.size == 0:
        raise InputError(f"inline input {text!r} holds no numbers")
    return array


def _not_a_file(text: str) -> str:
    message = f"{text!r} is not an existing file, and not inline numbers such as '1,2,3' or '[[1,2],[3,4]]'"
    head = text.rpartition(":")[0]
    if head:
        message += f" ({head!r}, before the last ':', is not a file either)"
    return message
