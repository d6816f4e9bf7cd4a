"""The JSON, JSON Lines and NumPy readers of losscli.inputs, and the message helpers they share.

Every reader returns what `inputs._select` takes: an ndarray, `Records` (a list of JSON
records), `(dict, "key")` (a JSON object) or an `Npz` archive, and raises InputError or
UsageError, never another exception, whatever the bytes.
"""

from __future__ import annotations

import io
import json
import math
import re
import typing
import warnings
import zipfile

import numpy as np

from losscli.errors import InputError

NPY_MAGIC, ZIP_MAGICS = b"\x93NUMPY", (b"PK\x03\x04", b"PK\x05\x06")  # a zip, or an empty one
_MAX_DEPTH = 64  # numpy's maximum number of dimensions
# A JSON literal that may exceed float64 (a 3-digit exponent, or 309+ digits): only then is each
# float checked, so that 1e999 is refused instead of silently becoming inf.
_MAYBE_HUGE = re.compile(r"[eE]\+?[0-9]{3}|[0-9]{309}")


# --- message helpers -----------------------------------------------------------------------


def shown(text: str, limit: int = 200) -> str:
    """User text quoted for a one-line message; if long, its start and end (a path's file name)."""
    if len(text) <= limit:
        return repr(text)
    return f"{text[: limit // 2]!r}...{text[-limit // 4 :]!r} ({len(text):,} characters)"


def listed(names: typing.Sequence[str], limit: int = 20) -> str:
    """Names for a message: plain when printable, quoted otherwise, the first LIMIT of many."""
    parts = [name if name.isprintable() and 0 < len(name) <= 60 else shown(name, 60) for name in names[:limit]]
    return ", ".join(parts) + (f", ... ({len(names):,} in all)" if len(names) > limit else "")


def at(path: list[int]) -> str:
    return " at " + "".join(f"[{i}]" for i in path) if path else ""


def describe(value: object) -> str:
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, str):
        return shown(value)
    return "an object" if isinstance(value, dict) else repr(value)


# --- JSON and JSON Lines -------------------------------------------------------------------


class Records(typing.NamedTuple):
    """A list of JSON records (objects); AT[i] is the record number or line of ROWS[i]."""

    rows: list[dict]
    at: typing.Sequence[int]
    unit: str  # "record" or "line"


class JsonSyntaxError(InputError):
    """Text that is not JSON at all (inline text starting with '[' may be a mistyped file name)."""


class _Duplicate(Exception):
    pass


class _Huge(Exception):
    pass


def _unique(pairs: list[tuple[str, object]]) -> dict:
    value = dict(pairs)
    if len(value) != len(pairs):
        seen: set[str] = set()
        raise _Duplicate(next(key for key, _ in pairs if key in seen or seen.add(key)))
    return value


def _finite(literal: str) -> float:
    number = float(literal)
    if math.isinf(number):  # Infinity itself is a constant, never passed here
        raise _Huge(literal)
    return number


def loads(text: str, label: str, line: int | None = None) -> object:
    """json.loads with one-line errors; refuses duplicate keys and numbers beyond float64.

    LINE is the line of TEXT in a JSON Lines file."""
    where = f" line {line}" if line else ""
    try:
        if _MAYBE_HUGE.search(text):
            return json.loads(text, object_pairs_hook=_unique, parse_float=_finite)
        return json.loads(text, object_pairs_hook=_unique)
    except json.JSONDecodeError as e:
        raise JsonSyntaxError(f"{label} line {line or e.lineno}, column {e.colno}: invalid JSON ({e.msg})") from None
    except _Duplicate as e:
        key = shown(e.args[0])
        raise InputError(f"{label}{where}: an object has the key {key} twice; which one is meant is unclear") from None
    except _Huge as e:
        raise InputError(f"{label}{where}: the number {shown(e.args[0])} is beyond the range of float64") from None
    except (ValueError, RecursionError) as e:  # an integer of 4300+ digits; deep nesting
        reason = "JSON nested too deeply" if isinstance(e, RecursionError) else f"invalid JSON ({e})"
        raise InputError(f"{label}{where}: {reason}") from None


def read_json(text: str, label: str) -> object:
    if not text.strip():
        raise InputError(f"{label} holds no numbers (an empty file)")
    value = loads(text, label)
    if isinstance(value, dict):
        return value, "key"
    if isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
        return Records(value, range(1, len(value) + 1), "record")
    if isinstance(value, str):
        raise InputError(
            f"{label} holds the JSON string {shown(value)}; expected an array of numbers, "
            "an object of arrays or a list of records"
        )
    return json_array(value, lambda path: label + at(path))


def read_jsonl(text: str, label: str) -> object:
    values, numbers = jsonl_lines(text, label)
    return jsonl_values(values, numbers, label)


def jsonl_lines(text: str, label: str, line0: int = 0) -> tuple[list, list[int]]:
    """The values of the non-blank lines of TEXT and their line numbers (LINE0 lines come before it)."""
    lines = text.split("\n")
    numbers = [n for n, line in enumerate(lines, line0 + 1) if line.strip()]
    return [loads(lines[n - line0 - 1], label, n) for n in numbers], numbers


def jsonl_values(values: list, numbers: list[int], label: str) -> object:
    """Records, or an array of the values, of the lines of a JSON Lines file."""
    if not values:
        raise InputError(f"{label} holds no numbers")
    if any(isinstance(value, dict) for value in values):
        i = next((i for i, value in enumerate(values) if not isinstance(value, dict)), None)
        if i is not None:
            got = describe(values[i])
            raise InputError(f"{label} line {numbers[i]}: expected a record like line {numbers[0]}, got {got}")
        return Records(values, numbers, "line")
    return json_array(values, lambda path: f"{label} line {numbers[path[0]]}{at(path[1:])}")


def parses(line: str) -> bool:
    try:
        json.loads(line)
        return True
    except (ValueError, RecursionError):
        return False


_SCALARS = {int, float, type(None)}  # null is NaN, as pandas reads it


class _Bad(Exception):
    """A JSON value that is not a regular nested array of numbers: args are (reason, path)."""


def json_array(value: object, locate: typing.Callable[[list[int]], str]) -> np.ndarray:
    """A nested list of JSON numbers as float64; LOCATE(path) names where a bad value is."""
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
    if type(value) in (int, float) or (value is None and depth):  # null in an array: a missing value, NaN
        return ()
    if not isinstance(value, list):
        raise _Bad(f"{describe(value)} is not a number", [])
    if depth >= _MAX_DEPTH:
        raise _Bad(f"nested too deeply (more than {_MAX_DEPTH} levels)", [])
    types = set(map(type, value))
    if types <= _SCALARS:
        return (len(value),)
    for i, item in enumerate(value):
        if type(item) not in (*_SCALARS, list):
            raise _Bad(f"{describe(item)} is not a number", [i])
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


# --- NumPy .npy / .npz ---------------------------------------------------------------------


class Npz:
    """An .npz archive: its arrays by name (a member `x.npy` is the array `x`), loaded when selected."""

    def __init__(self, archive: zipfile.ZipFile, label: str) -> None:
        self.archive, self.label = archive, label
        self.members = [(info.filename[:-4] if info.filename.endswith(".npy") else info.filename, info)
                        for info in archive.infolist()]
        self.names = list(dict.fromkeys(name for name, _ in self.members))

    def array(self, name: str) -> np.ndarray:
        where = f"{self.label} array {shown(name)}"
        infos = [info for member, info in self.members if member == name]
        if len(infos) > 1:
            raise InputError(f"{where} is stored {len(infos)} times in the archive; which one is meant is unclear")
        try:
            with self.archive.open(infos[0]) as member:
                if member.read(6) != NPY_MAGIC:
                    raise InputError(f"{where} is not a NumPy array (no .npy magic bytes)")
                member.seek(0)
                return _npy(member, where, infos[0].file_size)
        except InputError:
            raise
        except Exception as e:  # zipfile, zlib and numpy's format errors share no base class
            raise InputError(f"{where} cannot be read: {_reason(e)}") from None


def read_numpy(f: typing.BinaryIO, label: str, size: int, mmap: bool = False) -> np.ndarray | Npz:
    """An .npy array, or an .npz archive; never unpickles. SIZE is the length of F in bytes.
    With MMAP, an .npy file of native byte order is memory-mapped rather than read."""
    magic = f.read(6)
    f.seek(0)
    if magic == NPY_MAGIC:
        return _npy(f, label, size, mmap)
    if magic.startswith(ZIP_MAGICS):
        try:
            return Npz(zipfile.ZipFile(io.BytesIO(f.read())), label)
        except Exception as e:  # zipfile's errors: BadZipFile, but also EOFError, ValueError, ...
            raise InputError(f"{label} is not a valid NumPy file: {_reason(e)}") from None
    if not magic:
        raise InputError(f"{label} holds no numbers (an empty file)")
    raise InputError(f"{label} is not a NumPy .npy/.npz file (no NumPy or zip magic bytes)")


def _npy(f: typing.BinaryIO, where: str, size: int, mmap: bool = False) -> np.ndarray:
    """Check the header against the bytes that follow it, then load: no allocation on a lie."""
    fmt = np.lib.format
    with warnings.catch_warnings():  # e.g. a header written by Python 2: stderr is for our one line
        warnings.simplefilter("ignore")
        return _checked_npy(f, where, size, fmt, mmap)


def _checked_npy(f: typing.BinaryIO, where: str, size: int, fmt, mmap: bool = False) -> np.ndarray:
    try:
        version = fmt.read_magic(f)
        if version not in ((1, 0), (2, 0)):  # 3.0 only holds structured dtypes with unicode names
            raise InputError(f"{where} is a NumPy file of format version {version[0]}.{version[1]}; "
                             "expected a float or integer array (version 1.0 or 2.0)")
        read_header = fmt.read_array_header_1_0 if version == (1, 0) else fmt.read_array_header_2_0
        shape, fortran, dtype = read_header(f)
    except InputError:
        raise
    except Exception as e:
        raise InputError(f"{where} is not a valid NumPy file: {_reason(e)}") from None
    if dtype.hasobject:
        raise InputError(f"{where} holds a pickled/object array: pickled/object arrays are refused")
    if dtype.kind not in "fiu" or dtype.fields:
        raise InputError(f"{where} has dtype {str(dtype)!r}; expected a float or integer array")
    expected, available = math.prod(shape) * dtype.itemsize, size - f.tell()
    if available < expected:
        raise InputError(f"{where} is truncated: its header says shape {shape} of {dtype} ({expected:,} bytes), "
                         f"but {available:,} bytes follow")
    if available > expected:
        raise InputError(f"{where} has {available - expected:,} bytes after its array of shape {shape} "
                         "(several arrays saved to one file?); expected one array")
    if mmap and expected and dtype.isnative and isinstance(getattr(f, "name", None), str):
        # pages are read as the loss touches them: no copy of a large array into memory
        offset = f.tell()
        return np.asarray(np.memmap(f.name, dtype=dtype, mode="r", offset=offset, shape=shape,
                                    order="F" if fortran else "C"))
    try:
        f.seek(0)
        array = fmt.read_array(f, allow_pickle=False)
    except Exception as e:
        raise InputError(f"{where} is not a valid NumPy file: {_reason(e)}") from None
    return array if array.dtype.isnative else array.astype(array.dtype.newbyteorder("="))


def _reason(e: Exception) -> str:
    text = str(e).splitlines()[0] if str(e).strip() else type(e).__name__
    text = re.sub(r" at 0x[0-9a-f]+", "", text)  # e.g. ast's "<ast.Name object at 0x7f...>": the same every run
    return text if text.isprintable() and len(text) <= 200 else shown(text, 200)
