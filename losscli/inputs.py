"""SOURCE text -> np.ndarray: inline numbers or JSON, CSV/TSV/TXT, JSON, JSON Lines, .npy/.npz, stdin.

SOURCE is `-` (stdin), an existing path, `PATH:SELECTOR` or `-:SELECTOR` (a comma list of column
names, 1-based column indices, JSON keys or .npz array names; a name holding a comma goes in
double quotes), or else inline numbers. A file is read as its extension says, and the delimiter
of a text table can be overridden (`--delimiter`); stdin, pipes and other files are sniffed.
Whatever the bytes, the result is an array or an InputError/UsageError, never another exception.
"""

from __future__ import annotations

import csv
import io
import os
import re
import stat
import sys
import typing

import numpy as np

from losscli._formats import (
    NPY_MAGIC,
    ZIP_MAGICS,
    Npz,
    JsonSyntaxError,
    Records,
    at,
    json_array,
    listed,
    loads,
    parses,
    read_json,
    read_jsonl,
    read_numpy,
    shown,
)
from losscli import remote
from losscli.errors import InputError, UsageError, escape

STREAM_LIMIT = 1 << 30  # bytes read from stdin or a pipe, whose length is unknown; files have no limit
INLINE_LIMIT = 1 << 20  # characters of inline text: 8 times what Linux passes in one argument

_NUMBER = re.compile(
    r"[ \t]*[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|nan|inf|infinity)[ \t]*", re.IGNORECASE
)
# A number written with a decimal comma or thousands separators: '1,5', '-0,25', '1,000.5'.
_COMMA_NUMBER = re.compile(r"[+-]?[0-9][0-9.]*,[0-9.,]*[0-9](?:[eE][+-]?[0-9]+)?")
_NAME = re.compile(r"[ \t]*[^0-9.,;|+\- \t]")
_INTEGER = re.compile(r"[ \t]*[+-]?[0-9]+[ \t]*")
_INDEX = re.compile(r"[0-9]+")
_INLINE_SPLIT = re.compile(r"[ \t\r\n]*,[ \t\r\n]*|[ \t\r\n]+")
_DELIMITERS = {".csv": ",", ".tsv": "\t", ".txt": None}  # None: runs of whitespace
_AUTO = "auto"  # no --delimiter: the extension's, or sniffed
_PATH_MAX = 4096


class Sources:
    """The array inputs of one invocation: each file is read once, stdin at most once.

    DELIMITER (the --delimiter option) overrides the delimiter of text tables: one character,
    `\\t` or `tab`; a space means runs of spaces and tabs, as in .txt files."""

    def __init__(self, stdin: typing.BinaryIO | None = None, delimiter: str | None = None) -> None:
        self._stdin = stdin  # None: sys.stdin.buffer, looked up when first read
        self._delimiter = _parse_delimiter(delimiter)
        self._cache: dict[str, tuple[str, object]] = {}  # realpath or "-" -> (label, parsed content)
        self._stdin_users: list[tuple[str, str | None]] = []  # (option, selector)
        # key -> (bytes already read, the stream still open or None at its end): what
        # losscli.stream.row_blocks read of a pipe to see its size, so that a pipe is read once
        self.pending: dict[str, tuple[bytes, typing.BinaryIO | None]] = {}
        self.reads = 0  # files and stdin actually read (the cache test counts them)

    @property
    def delimiter(self) -> str | None:
        """--delimiter as parsed: one character, None (runs of whitespace) or "auto"."""
        return self._delimiter

    def claim_stdin(self, option: str, selector: str | None) -> None:
        """Options may share stdin only when each picks its own columns from it."""
        for user, user_selector in self._stdin_users:
            if user != option and (selector is None or user_selector is None):
                raise UsageError(f"stdin is already read by {user}; at most one option can read '-' whole: "
                                 f"give each its own columns, as {user} -:pred {option} -:target")
        self._stdin_users.append((option, selector))

    def stdin_stream(self) -> typing.BinaryIO:
        stream = self._stdin if self._stdin is not None else getattr(sys.stdin, "buffer", None)
        if stream is None:
            raise InputError("stdin is not available")
        try:
            if stream.isatty():  # waiting for a person to type data is never what was meant
                raise UsageError("stdin is a terminal: pipe data in (cmd | losscli ... -) or name a file")
        except (OSError, ValueError) as e:  # ValueError: a closed stream
            raise InputError(f"cannot read stdin: {getattr(e, 'strerror', None) or e}") from None
        return stream

    def _rest(self, key: str, stream: typing.BinaryIO, label: str) -> bytes | bytearray:
        """All of a stream, after what row_blocks already read of it."""
        head, rest = self.pending.pop(key, (b"", stream))
        if rest is None:
            return head
        return _read_capped(rest, label, bytearray(head))

    def load(self, option: str, source: str) -> np.ndarray:
        """The numeric array that SOURCE holds; OPTION (e.g. "--pred") starts every error message."""
        try:
            return self._load(option, source)
        except (InputError, UsageError) as e:
            # Braces here can only come from user text (names, tokens): keep them as they are.
            kind = UsageError if isinstance(e, UsageError) else InputError
            raise kind(escape(f"{option}: {e.template}")) from None

    def _load(self, option: str, source: str) -> np.ndarray:
        if len(source) > INLINE_LIMIT:  # far longer than any path: parsing it would only waste time
            raise InputError(
                f"the SOURCE is {len(source):,} characters long; inline numbers are limited to "
                f"{INLINE_LIMIT:,} characters: put them in a file, or pipe them to '-'"
            )
        path, selector = _split_source(source)
        if path is None:
            return _parse_inline(source)
        tokens = None if selector is None else _selector_names(selector, source)
        if path == "-":
            self.claim_stdin(option, selector)
            key = "-"
        elif _is_dataset(path):  # a glob or a folder of shards: losscli.datasets
            from .datasets import load

            return load(self, option, path, selector)
        else:
            key = path if remote.is_url(path) else os.path.realpath(path)
        if key not in self._cache:
            self._cache[key] = self._read(path)
        label, parsed = self._cache[key]
        if isinstance(parsed, _EmptyNpy):  # torch reads it: the mean of no elements is nan, the sum 0
            array = parsed.view(np.ndarray)
            if tokens is None:
                return array
            if array.ndim != 2:
                raise UsageError(f"{label} holds an array of shape {array.shape}; the selector "
                                 f"{shown(','.join(tokens))} needs a 2-D array")
            idx = _column_indices(tokens, None, array.shape[1], label)
            return array[:, idx[0]] if len(idx) == 1 else array[:, idx]
        if type(parsed).__module__ == "losscli.columnar":  # a Parquet/Arrow file: columnar.Whole
            return parsed.select(tokens)
        array = _select(parsed, tokens, label)
        if array.size == 0:
            raise InputError(f"{label} holds no numbers")
        return array

    def _read(self, path: str) -> tuple[str, object]:
        self.reads += 1
        if path == "-":
            return "stdin", self._parse(self._stdin_bytes(), "", "stdin")
        label = path if path.isprintable() else repr(path)
        extension, compression = file_format(path)
        if remote.is_url(path):
            return label, self._read_url(path, label, extension, compression)
        key = os.path.realpath(path)
        try:
            mode = os.stat(path).st_mode
            if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):  # /dev/zero, /dev/urandom, a disk: refused unopened
                raise InputError(f"{label} is a device, not a data file")
            if key in self.pending:  # row_blocks read its start: what follows is still in the open stream
                data = self._rest(key, None, label)
            elif extension in _COLUMNAR:  # Parquet/Arrow: losscli.columnar
                from . import columnar

                return label, columnar.read_whole(path, label)
            else:
                with open(path, "rb") as f:
                    if compression:
                        data = _read_capped(open_compressed(f, compression, label), label)
                    elif not stat.S_ISREG(mode):  # a pipe such as <(cut -d, -f1 run.csv): length unknown
                        data = _read_capped(f, label)
                    elif extension in (".npy", ".npz"):
                        return label, _marked(read_numpy(f, label, os.fstat(f.fileno()).st_size, mmap=True))
                    else:
                        data = f.read()
        except OSError as e:
            raise InputError(f"cannot read {path!r}: {e.strerror or e}") from None
        return label, self._parse(data, extension, label)

    def _read_url(self, url: str, label: str, extension: str, compression: str | None) -> object:
        """A remote file (losscli.remote), read whole: what row_blocks read of it first, and the rest."""
        if url in self.pending:
            data = self._rest(url, None, label)
        elif extension in _COLUMNAR:  # one GET, no Range requests: polars reads the bytes
            from . import columnar

            with remote.File(url) as f:
                return columnar.read_whole(f.read(), label, columnar._kind(url, label))
        else:
            with remote.File(url) as f:
                data = _read_capped(open_compressed(f, compression, label), label) if compression else f.read()
        return self._parse(data, extension, label)

    def _stdin_bytes(self) -> bytes | bytearray:
        stream = self.stdin_stream()
        try:
            return self._rest("-", stream, "stdin")
        except (InputError, UsageError):
            raise
        except (OSError, ValueError) as e:  # ValueError: a closed stream
            raise InputError(f"cannot read stdin: {getattr(e, 'strerror', None) or e}") from None

    def _parse(self, data: bytes | bytearray, extension: str, label: str) -> object:
        if extension in (".npy", ".npz"):
            return _marked(read_numpy(io.BytesIO(data), label, len(data)))
        if extension in _DELIMITERS:
            delimiter = _DELIMITERS[extension] if self._delimiter == _AUTO else self._delimiter
            return _read_table(_decode(data, label), delimiter, label)
        if extension == ".json":
            return _tabled(read_json(_decode(data, label), label), label)
        if extension in (".jsonl", ".ndjson"):
            return _tabled(read_jsonl(_decode(data, label), label), label)
        return self._sniff(data, label)  # stdin, or no known extension, e.g. a pipe such as /dev/fd/63

    def _sniff(self, data: bytes | bytearray, label: str) -> object:
        """Parse stdin or an extension-less file by its content."""
        if data.startswith((NPY_MAGIC, *ZIP_MAGICS)):
            return _marked(read_numpy(io.BytesIO(data), label, len(data)))
        for magic, kind in _COLUMNAR_MAGICS:
            if data.startswith(magic):  # Parquet/Arrow on stdin or without extension: losscli.columnar
                from . import columnar

                return columnar.read_whole(bytes(data), label, kind)
        text = _decode(data, label)
        if text.lstrip()[:1] in ("[", "{"):
            try:
                return _tabled(read_json(text, label), label)
            except InputError:
                lines = [line for line in text.split("\n") if line.strip()]
                if len(lines) > 1 and all(map(parses, lines)):
                    return _tabled(read_jsonl(text, label), label)
                raise
        if self._delimiter != _AUTO:
            return _read_table(text, self._delimiter, label)
        first = next((line for line in text.split("\n") if line.strip()), "")
        return _read_table(text, sniff_delimiter(first), label)


def sniff_delimiter(first: str) -> str | None:
    """The delimiter of stdin or a file without extension, from its first non-blank line."""
    # ';' before ',': a line '1,5;2,5' is two numbers with decimal commas, not three fields
    return next((d for d in "\t;," if d in first), None)


class _EmptyNpy(np.ndarray):
    """An .npy array of no rows, shape (0,) or (0, C): read as it is, where other empty inputs are refused."""


def _marked(parsed: object) -> object:
    if isinstance(parsed, np.ndarray) and parsed.ndim and parsed.shape[0] == 0:
        return parsed.view(_EmptyNpy)
    return parsed


_COMPRESSIONS = {".gz": "gzip", ".bz2": "bz2", ".xz": "lzma", ".zst": "zstd"}
_COLUMNAR = {".parquet": "Parquet", ".arrow": "Arrow", ".feather": "Arrow (Feather)", ".ipc": "Arrow"}
_COLUMNAR_MAGICS = ((b"PAR1", "Parquet"), (b"ARROW1", "Arrow"))


def file_format(path: str) -> tuple[str, str | None]:
    """(the extension that picks the format, the compression or None): x.csv.gz is CSV in gzip."""
    if remote.is_url(path):
        path = remote.path_part(path)  # https://host/x.csv?token=...: the query string is no extension
    stem, extension = os.path.splitext(path)
    extension = extension.lower()
    compression = _COMPRESSIONS.get(extension)
    if compression:
        extension = os.path.splitext(stem)[1].lower()
    return extension, compression


def open_compressed(f: typing.BinaryIO, compression: str, label: str) -> typing.BinaryIO:
    """A binary stream of the decompressed bytes of F; read errors become InputError."""
    if compression == "zstd":
        try:
            import zstandard
        except ImportError:
            raise InputError(f"{label} is zstd-compressed: reading it needs the 'zstandard' package "
                             "(pip install zstandard), or decompress it first (zstd -d)") from None
        return _Checked(zstandard.ZstdDecompressor().stream_reader(f), label)
    module = __import__(compression)
    return _Checked(module.open(f, "rb"), label)


class _Checked:
    """A decompressing stream whose errors (bad magic, a truncated or corrupt stream) are InputError."""

    def __init__(self, stream: typing.BinaryIO, label: str) -> None:
        self.stream, self.label = stream, label

    def close(self) -> None:
        self.stream.close()

    def read(self, size: int = -1) -> bytes:
        try:
            return self.stream.read(size)
        except InputError:
            raise
        except Exception as e:  # gzip.BadGzipFile, EOFError, lzma.LZMAError, OSError, zstd errors...
            raise InputError(f"{self.label} cannot be decompressed: {str(e).splitlines()[0] if str(e) else type(e).__name__}") \
                from None


def _parse_delimiter(value: str | None) -> str | None:
    if value is None:
        return _AUTO
    if value in ("tab", "\\t"):
        return "\t"
    if value == " ":
        return None
    if len(value) != 1 or value.isalnum() or value in '.+-_"\r\n':
        raise UsageError(escape(
            "--delimiter must be one character (not a letter, digit, '.', '+', '-', '_' or '\"'), "
            f"'\\t' or 'tab'; got {shown(value)}"
        ))
    return value


def _split_source(source: str) -> tuple[str | None, str | None]:
    """(path or '-', selector or None) for a file or stdin; (None, None) for inline text."""
    if remote.is_url(source):  # the selector follows the last ':' after the last '/' (losscli.remote)
        return remote.split(source)
    if source == "-" or os.path.exists(source):
        return source, None
    if source.startswith("-:"):
        return "-", source[2:]
    colons = [m.start() for m in re.finditer(":", source[: _PATH_MAX + 1])]
    for colon in reversed(colons):  # the longest path that exists: a file name may hold ':' too
        if colon and (os.path.exists(source[:colon]) or _matches(source[:colon])):
            return source[:colon], source[colon + 1 :]
    if _matches(source):  # a glob without a selector
        return source, None
    return None, None


def _is_dataset(path: str) -> bool:
    from .datasets import is_dataset

    return is_dataset(path)


def _matches(path: str) -> bool:
    """A glob that matches a shard: a dataset (losscli.datasets)."""
    if not any(c in path for c in "*?["):
        return False
    from .datasets import matches

    return matches(path)


def _selector_names(selector: str, source: str) -> list[str]:
    """The names of a selector: comma-separated, a name holding a comma in double quotes."""
    try:
        names = [name.strip() for name in next(csv.reader([selector], skipinitialspace=True), [])]
    except csv.Error:
        names = []
    if not names or not all(names):
        raise UsageError(f"empty name in selector {shown(selector)} of {shown(source)} (expected NAME,NAME)")
    return names


def _read_capped(stream: typing.BinaryIO, label: str, data: bytearray | None = None) -> bytearray:
    data = bytearray() if data is None else data
    while chunk := stream.read(1 << 20):
        data += chunk
        if len(data) > STREAM_LIMIT:  # e.g. <(yes 1): refused instead of filling the memory
            raise InputError(
                f"{label} sends more than {STREAM_LIMIT:,} bytes, the most losscli reads from stdin "
                "or a pipe: write the data to a file and name the file"
            )
    return data


def _decode(data: bytes | bytearray, label: str, line0: int | None = None) -> str:
    """UTF-8 text (a BOM at the start dropped); LINE0: a block of a file, after that many lines."""
    try:
        return data.decode("utf-8-sig" if line0 is None else "utf-8")
    except UnicodeDecodeError as e:
        if line0 is None and data.startswith((b"\xff\xfe", b"\xfe\xff")) and _is_utf16(data):
            raise InputError(f"{label} is UTF-16 text; losscli reads UTF-8 (iconv -f UTF-16 -t UTF-8 converts it)") \
                from None
        where = e.object  # after a BOM, which utf-8-sig drops before decoding
        line = (line0 or 0) + where.count(b"\n", 0, e.start) + 1
        raise InputError(f"{label} line {line} is not UTF-8 text (byte 0x{where[e.start]:02x})") from None


def _is_utf16(data: bytes | bytearray) -> bool:
    try:
        data.decode("utf-16")
        return True
    except UnicodeDecodeError:
        return False


# --- text tables ---------------------------------------------------------------------------


class _Table:
    """Rows of text cells (or JSON records) with optional names; a column is converted when selected."""

    def __init__(self, rows: list, names: list[str] | None, at: typing.Sequence[int], unit: str, label: str,
                 delimiter: str | None = None) -> None:
        self.rows, self.names, self.at, self.unit, self.label = rows, names, at, unit, label
        self.delimiter = delimiter  # for the hints of error messages
        self.records = isinstance(rows[0], dict)
        self.ncols = len(names) if names is not None else len(rows[0])

    def column(self, j: int) -> np.ndarray:
        if not self.records:
            cells = [row[j] for row in self.rows]
            return _numbers(cells, lambda i: f"{self.label} line {self.at[i]}, column {j + 1}", self.delimiter)
        key = self.names[j]
        i = next((i for i, row in enumerate(self.rows) if key not in row), None)
        if i is not None:
            raise InputError(f"{self.label} {self.unit} {self.at[i]} has no key {shown(key)}")
        unit = f"{self.label} {self.unit}"
        return json_array([row[key] for row in self.rows], lambda p: f"{unit} {self.at[p[0]]}, key {shown(key)}{at(p[1:])}")

    def matrix(self) -> np.ndarray:
        """Every column: a vector for one column, else one row per sample."""
        if self.ncols == 1:
            return self.column(0)
        if self.records:
            return _stack([self.column(j) for j in range(self.ncols)], self.names, self.label)
        n = self.ncols
        cells = [cell for row in self.rows for cell in row]
        where = lambda k: f"{self.label} line {self.at[k // n]}, column {k % n + 1}"  # noqa: E731
        return _numbers(cells, where, self.delimiter).reshape(len(self.rows), n)


def _tabled(parsed: object, label: str) -> object:
    if isinstance(parsed, Records):
        names = list(dict.fromkeys(key for record in parsed.rows for key in record))
        if not names:
            raise InputError(f"{label} holds no numbers (records without keys)")
        return _Table(parsed.rows, names, parsed.at, parsed.unit, label)
    return parsed


def _read_table(text: str, delimiter: str | None, label: str) -> _Table:
    """CSV/TSV (the csv module's quoting rules) or whitespace-separated text; detects a header row."""
    rows, at = table_rows(text, delimiter, label)
    if not rows:
        raise InputError(f"{label} holds no numbers" + ("" if text.strip() else " (an empty file)"))
    check_widths(rows, at, rows[0], at[0], delimiter, label)
    names = None
    if is_header(rows[0]):
        names, rows, at = [cell.strip() for cell in rows[0]], rows[1:], at[1:]
        if not rows:
            raise InputError(f"{label} holds no numbers (a header row and no data)")
    return _Table(rows, names, at, "line", label, delimiter)


def table_rows(text: str, delimiter: str | None, label: str, line0: int = 0) -> tuple[list, typing.Sequence[int]]:
    """The rows of cells of TEXT and the line of each (LINE0 lines come before TEXT), blank ones left out."""
    if delimiter is None:
        rows = [line.split() for line in text.split("\n")]
        if '"' in text:  # R's write.table quotes names and strings: "pred" "target"
            rows = [[_unquote(cell) for cell in row] for row in rows]
        at: typing.Sequence[int] = range(line0 + 1, line0 + len(rows) + 1)
    else:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, skipinitialspace=True)
        try:
            if '"' in text:  # a quoted cell may span lines: ask the reader where each row ends
                rows, at = [], []
                for cells in reader:
                    rows.append(cells)
                    at.append(line0 + reader.line_num)
            else:  # one row per line
                rows = list(reader)
                at = range(line0 + 1, line0 + len(rows) + 1)
        except csv.Error as e:
            raise InputError(f"{label} line {line0 + reader.line_num}: {e}") from None
    kept = [i for i, row in enumerate(rows) if any(cell.strip() for cell in row)]
    if len(kept) < len(rows):  # blank lines, and lines of empty fields (',,,' from a spreadsheet)
        rows, at = [rows[i] for i in kept], [at[i] for i in kept]
    return rows, at


def check_widths(rows: list, at: typing.Sequence[int], first: list[str], first_at: int, delimiter: str | None,
                 label: str) -> None:
    """Every row has as many fields as FIRST, the first row of the table (on line FIRST_AT)."""
    width = len(first)
    if all(len(row) == width for row in rows):
        return
    i = next(i for i, row in enumerate(rows) if len(row) != width)
    message = f"{label} line {at[i]} has {len(rows[i])} fields, expected {width} (as line {first_at})"
    longer = max(first, rows[i], key=len)
    if delimiter == "," and all(map(_INTEGER.fullmatch, longer)):
        message += f" ({_DECIMAL_COMMA}; if another character separates the columns, pass --delimiter)"
    else:
        other = _even_delimiter([first, rows[i]], delimiter)
        if other:
            message += f" (is the delimiter {other!r}? try -d {other!r})"
    raise InputError(message)


def _even_delimiter(rows: list[list[str]], delimiter: str | None) -> str | None:
    """Another delimiter that splits each of these rows (as its line was) into the same number of fields."""
    lines = [(delimiter or " ").join(row) for row in rows]
    for other in (";", "\t", "|", ","):
        if other != delimiter:
            counts = {line.count(other) for line in lines}
            if len(counts) == 1 and counts.pop() > 0:
                return other
    return None


def is_header(cells: list[str]) -> bool:
    """Whether the first row of a table names its columns (the one rule; losscli.stream uses it too).

    It does when a cell is no number and starts as no number does: '1,5', '0x10' or '1_000' on
    line 1 are bad numbers to report there, not column names."""
    return any(_NAME.match(cell) and not _NUMBER.fullmatch(cell) for cell in cells)


INDEX_ROWS = 100  # the rows that show a column to be an index: 0, 1, 2, ...
_INDEX_NAMES = ("", "Unnamed: 0")  # how pandas' to_csv and read_csv name the index column


def check_index_column(names: list[str], first_cells: list[str], label: str) -> None:
    """Refuse a table whose first column is pandas' index (an empty or 'Unnamed: 0' header over 0, 1, 2, ...)
    when no columns are selected: it would be read as data. FIRST_CELLS: that column's first INDEX_ROWS cells."""
    if len(names) < 2 or names[0] not in _INDEX_NAMES or not first_cells:
        return
    if all(cell.strip(" \t") == str(i) for i, cell in enumerate(first_cells)):
        data = ",".join(f'"{name}"' if "," in name or '"' in name else name for name in names[1:])
        raise InputError(
            f"{label} starts with an index column (header {shown(names[0])} over 0, 1, 2, ..., as pandas' "
            f"to_csv writes it), which is not data: select the data columns, as {label}:{data}"
        )


def _unquote(cell: str) -> str:
    return cell[1:-1].replace('""', '"') if len(cell) > 1 and cell[0] == cell[-1] == '"' else cell


MISSING = ("", "NA", "null")  # missing values as pandas and R write them (nan and NaN are numbers): NaN


def _numbers(cells: list[str], where: typing.Callable[[int], str], delimiter: str | None,
             missing: bool = True) -> np.ndarray:
    """Text cells as float64; WHERE(i) names the place of cell i in an error message.
    With MISSING, an empty cell, NA or null is NaN."""
    if not all(map(_NUMBER.fullmatch, cells)):
        bad = [i for i, cell in enumerate(cells) if not _NUMBER.fullmatch(cell)]
        for i in bad:
            if not missing or cells[i].strip(" \t") not in MISSING:
                raise InputError(f"{where(i)}: {_not_a_number(cells[i], delimiter)}")
        cells = list(cells)
        for i in bad:
            cells[i] = "nan"
    array = np.array(cells, dtype=np.float64)
    infinite = np.isinf(array)
    if infinite.any():  # 1e999 is refused rather than read as inf; inf itself is a number
        i = next((i for i in np.flatnonzero(infinite) if "inf" not in cells[i].lower()), None)
        if i is not None:
            error = InputError(f"{where(i)}: {shown(cells[i].strip())} is beyond the range of float64")
            error.range_pass = 1  # after every row's "not a number" (stream.py ranks a block's errors so)
            raise error
    return array


_DECIMAL_COMMA = "a decimal comma? losscli reads only '.' as the decimal point, and no thousands separators"


def _not_a_number(cell: str, delimiter: str | None) -> str:
    token = cell.strip()
    if not token:
        return "empty field"
    hint = _hint(token, delimiter)
    return f"{shown(token)} is not a number" + (f" ({hint})" if hint else "")


def _hint(token: str, delimiter: str | None) -> str | None:
    """Why a token that is no number looks like one: a decimal comma, or another column separator."""
    if _COMMA_NUMBER.fullmatch(token):
        if delimiter == ",":
            return f"{_DECIMAL_COMMA}; if another character separates the columns, pass --delimiter"
        if delimiter in (None, "\t"):
            return f"{_DECIMAL_COMMA}; if ',' separates the columns, pass --delimiter ','"
        return _DECIMAL_COMMA
    for other, name in (("\t", "tab"), (";", "';'"), ("|", "'|'"), (",", "','")):
        if other != delimiter and other in token:
            if all(_NUMBER.fullmatch(part) or _COMMA_NUMBER.fullmatch(part.strip()) for part in token.split(other)):
                return f"if {name} separates the columns, pass --delimiter {name}"
    return None


# --- selection -----------------------------------------------------------------------------


def _select(parsed: object, tokens: list[str] | None, label: str) -> np.ndarray:
    """The one selection step of every format: a table, a plain array, or named arrays."""
    if isinstance(parsed, np.ndarray):
        if tokens is None or parsed.size == 0:
            return parsed  # an empty array is refused by the caller
        idx = array_columns(parsed.shape, tokens, label)
        return parsed[:, idx[0]] if len(idx) == 1 else parsed[:, idx]
    if isinstance(parsed, _Table):
        if tokens is None:
            if parsed.names and not parsed.records:
                check_index_column(parsed.names, [row[0] for row in parsed.rows[:INDEX_ROWS]], label)
            return parsed.matrix()
        idx = _column_indices(tokens, parsed.names, parsed.ncols, label)
        if len(idx) == 1:
            return parsed.column(idx[0])
        names = parsed.names or [str(j + 1) for j in range(parsed.ncols)]
        return _stack([parsed.column(j) for j in idx], [names[j] for j in idx], label)
    if isinstance(parsed, Npz):  # an .npz archive, or a JSON object
        what, names, get = "array", parsed.names, parsed.array
    else:
        obj, what = typing.cast(tuple, parsed)
        names = list(obj)

        def get(name: str) -> np.ndarray:
            return json_array(obj[name], lambda path: f"{label} key {shown(name)}{at(path)}")

    if not names:
        raise InputError(f"{label} holds no numbers (an empty {'object' if what == 'key' else 'archive'})")
    if tokens is None:
        if len(names) > 1:
            raise InputError(f"{label} holds several {what}s ({listed(names)}); pick one as {label}:{what.upper()}")
        tokens = names
    for token in tokens:
        if token not in names:
            raise InputError(f"no {what} {shown(token)} in {label} ({what}s: {listed(names)})")
    columns = [get(name) for name in tokens]
    return columns[0] if len(columns) == 1 else _stack(columns, tokens, label)


def array_columns(shape: tuple[int, ...], tokens: list[str], label: str) -> list[int]:
    """The columns of a 2-D array that a selector picks (1-based indices)."""
    if len(shape) != 2:
        raise UsageError(
            f"{label} holds an array of shape {shape}; the selector {shown(','.join(tokens))} "
            "needs a table, a 2-D array, a JSON object or an .npz archive"
        )
    return _column_indices(tokens, None, shape[1], label)


def _column_indices(tokens: list[str], names: list[str] | None, ncols: int, label: str) -> list[int]:
    indices = []
    for token in tokens:
        if names is not None and token in names:
            if names.count(token) > 1:
                same = [str(j + 1) for j, name in enumerate(names) if name == token]
                raise InputError(
                    f"column {shown(token)} appears {len(same)} times in {label} (columns {', '.join(same)}); "
                    f"select one by its index, as {label}:{same[0]}"
                )
            indices.append(names.index(token))
        elif _INDEX.fullmatch(token):
            if not 1 <= int(token) <= ncols:
                raise InputError(f"column {token} is out of range: {label} has columns 1 to {ncols}")
            indices.append(int(token) - 1)
        elif names is None:
            raise InputError(f"{label} has no header row: pick columns by index (1 to {ncols}), not {shown(token)}")
        else:
            hint = next((f" (is the delimiter {d!r}? try -d {d!r})" for d in (";", "\t", "|", ",")
                         if len(names) == 1 and d in names[0] and token in names[0].split(d)), "")
            raise InputError(f"no column {shown(token)} in {label} (columns: {listed(names)}){hint}")
    return indices


def _stack(columns: list[np.ndarray], names: list[str], label: str) -> np.ndarray:
    for column, name in zip(columns, names):
        if column.ndim != 1 or len(column) != len(columns[0]):
            raise InputError(
                f"cannot put {shown(name)} of {label} beside the others: it has shape {column.shape}, "
                f"expected ({len(columns[0])},); select one column at a time"
            )
    return np.column_stack(columns)


# --- inline --------------------------------------------------------------------------------


def _parse_inline(text: str) -> np.ndarray:
    """Inline numbers: '1,2,3' or '1 2 3' (1-D), '1,2;3,4' (rows), '3' (0-d), or a JSON array."""
    stripped = text.strip()
    if stripped.startswith("["):
        try:
            value = loads(stripped, "inline JSON")
        except JsonSyntaxError as e:
            raise InputError(f"{_not_a_file(text)}: {e.template}") from None
        except InputError as e:
            raise InputError(f"inline input {shown(text)}{e.template.removeprefix('inline JSON')}") from None
        array = json_array(value, lambda path: f"inline input {shown(text)}{at(path)}")
    elif not stripped:
        raise InputError(f"inline input {shown(text)} holds no numbers")
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
            raise InputError(f"{_not_a_file(text)}: {shown(cell)} ({where(r, i)}) is not a number")
        for r, row in enumerate(rows):
            if row == [""]:
                raise InputError(f"empty row {r + 1} in inline input {shown(text)}")
            if "" in row:
                raise InputError(f"empty field in inline input {shown(text)} ({where(r, row.index(''))})")
            if len(row) != len(rows[0]):
                n = len(rows[0])
                raise InputError(f"inline input {shown(text)} has {len(row)} numbers in row {r + 1}, {n} in row 1")
        n = len(rows[0])
        flat = _numbers([cell for row in rows for cell in row], lambda k: f"inline input {where(k // n, k % n)}", None,
                        missing=False)
        array = flat if len(rows) == 1 else flat.reshape(len(rows), n)
        if array.shape == (1,):
            array = array.reshape(())  # one number: a 0-d array, like torch.tensor(3.0)
    if array.size == 0:
        raise InputError(f"inline input {shown(text)} holds no numbers")
    return array


def _not_a_file(text: str) -> str:
    message = f"{shown(text)} is not an existing file, and not inline numbers such as '1,2,3' or '[[1,2],[3,4]]'"
    head = text.rpartition(":")[0]
    if head:
        message += f" ({shown(head)}, before the last ':', is not a file either)"
    return message
