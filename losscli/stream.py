"""Per-sample inputs in blocks of rows, each file or pipe read once, in bounded memory.

`row_blocks` decides from metadata whether a run is large (the size of a regular file, the
header of an .npy; a pipe's first block), then yields {option: rows} for CSV/TSV/TXT tables,
JSON Lines and .npy files, stdin and pipes (sniffed as inputs.py sniffs them), plain or
compressed. polars parses each block of a table or of JSON Lines records (the fast path); a
block polars refuses, or whose result could differ from the precise reader's (a blank line,
an empty cell, a quoted line break, a string where a number should be), is parsed again by
inputs.py's precise reader with its line offset, which gives the same array, or the same
message (file, line, column, token) as reading the whole input would.
"""

from __future__ import annotations

import csv
import io
import os
import re
import stat
import typing
from collections import deque
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from . import inputs, remote
from ._formats import NPY_MAGIC, ZIP_MAGICS, JsonSyntaxError, jsonl_lines, jsonl_values, loads, parses, read_numpy, shown
from .errors import InputError, LossCliError, UsageError, escape
from .inputs import (
    _AUTO,
    _COLUMNAR,
    _COLUMNAR_MAGICS,
    _column_indices,
    _decode,
    _select,
    array_columns,
    _selector_names,
    _split_source,
    _Table,
    check_index_column,
    check_widths,
    file_format,
    is_header,
    open_compressed,
    sniff_delimiter,
    table_rows,
)

BLOCK_BYTES = 8 << 20  # input bytes per block of rows
HEAD_BYTES = 1 << 20  # the start of a table or JSON Lines file where its header or first record is read
_DELIMITERS = {".csv": ",", ".tsv": "\t", ".txt": None}
_INF = re.compile(rb"[iI][nN][fF]")
_OTHER_SPACES = (b"\x0b", b"\x0c", b"\x1c", b"\x1d", b"\x1e", b"\x1f")
_WHOLE = object()  # a source read whole by inputs.py (JSON documents, .npz, columnar files)


class WindowRefused(Exception):
    """A window of a file (a distributed task's part of it: engine.Invocation.window) that cannot
    be read on its own: its caller reads the whole file instead. A quoted cell may cross the
    window's edge, the file is read whole (JSON, .npz), or the window met an error, whose message
    needs the whole file's lines and rows."""


def row_blocks(per_sample: dict[str, str], sources: "inputs.Sources", min_bytes: int,
               progress=None, window: tuple | None = None) -> "typing.Iterator[dict[str, np.ndarray]] | None":
    """{option: rows of this block} for the per-sample inputs of one run, or None when the run is
    small (or an input is read whole: inline numbers, JSON documents, .npz): then `sources`
    holds what was read of any pipe, so that its whole-input reader reads it once.

    progress(done, total), if given, hears the bytes read (total None for a pipe). WINDOW, if
    given, is the part of every input read: ("rows", start, stop) of a Parquet/Arrow/.npy file,
    ("bytes", start, stop) of a text file (the lines that start in it); WindowRefused where it
    cannot be read alone."""
    groups: dict[str, _Source] = {}
    for option, source in per_sample.items():
        path, selector = _split_source(source)
        if path is None:
            if window is not None:
                raise WindowRefused("inline numbers")
            return None  # inline numbers: small
        key = "-" if path == "-" else path if remote.is_url(path) else os.path.realpath(path)
        if key not in groups:
            kind = _Source
            if path != "-" and file_format(path)[0] in _COLUMNAR:  # Parquet/Arrow in blocks: losscli.columnar
                from .columnar import ColumnarSource as kind
            from . import datasets
            if datasets.is_dataset(path):  # a glob or a folder of shards: losscli.datasets
                kind = datasets.source_class()
            groups[key] = kind(key, path, sources, {option: i for i, option in enumerate(per_sample)})
            groups[key].window = window
        groups[key].options[option] = (selector, source)
    for option, source in per_sample.items():  # the selector's syntax: checked before any reading
        selector = _split_source(source)[1]
        if selector is not None:
            try:
                _selector_names(selector, source)
            except LossCliError as e:
                raise _located(option, e) from None
    for group in groups.values():
        if group.path == "-":
            for option, (selector, _) in group.options.items():
                try:
                    sources.claim_stdin(option, selector)
                except LossCliError as e:
                    raise _located(option, e) from None
        group.inspect(max(BLOCK_BYTES, min(min_bytes, inputs.STREAM_LIMIT + 1)))
    if any(group.kind is _WHOLE for group in groups.values()):
        return _whole(window)
    if window is None and all(group.small(min_bytes) for group in groups.values()):
        return None
    for group in groups.values():
        group.start()  # reads the header; errors such as an unknown column show here
    if any(group.kind is _WHOLE for group in groups.values()):
        return _whole(window)
    total = sum(g.size for g in groups.values()) if all(g.size is not None for g in groups.values()) else None
    from .datasets import checked  # datasets agree shard by shard

    return checked(list(groups.values()), _lockstep(list(groups.values()), progress, total))


def _whole(window: tuple | None) -> None:
    if window is not None:
        raise WindowRefused("an input is read whole")
    return None


def plan(per_sample: dict[str, str], delimiter: str | None, min_bytes: int, progress=None):
    """row_blocks for regular files only (the CLI's fallback re-reads a file after an error)."""
    paths = [_split_source(source)[0] for source in per_sample.values()]
    if any(path in (None, "-") or not os.path.isfile(path) for path in paths):
        return None
    return row_blocks(per_sample, inputs.Sources(delimiter=delimiter), min_bytes, progress)


def _ranked(option: str, e: LossCliError, rank: tuple) -> LossCliError:
    """E located after OPTION, with where the whole reader would meet it among all errors of an
    input: RANK (the kind of error, the option, the column), then the block (added by blocks())."""
    located = _located(option, e)
    if getattr(located, "rank", None) is None:
        located.rank = rank
    return located


def _located(option: str, e: LossCliError) -> LossCliError:
    """E's message after OPTION, as Sources.load says it (once)."""
    if getattr(e, "located", False):
        return e
    kind = UsageError if isinstance(e, UsageError) else InputError
    located = kind(escape(f"{option}: {e.template}"))
    located.located = True
    return located


class _Source:
    """One distinct file, pipe or stdin, and the options that take columns of it."""

    def __init__(self, key: str, path: str, sources: "inputs.Sources", order: dict[str, int]) -> None:
        self.key, self.path, self.sources, self.order = key, path, sources, order
        self.label = "stdin" if path == "-" else path if path.isprintable() else repr(path)
        self.options: dict[str, tuple[str | None, str]] = {}
        self.kind = None  # "npy", "table", "jsonl", _WHOLE; None: to be sniffed from the first block
        self.size: int | None = None  # bytes, when known from metadata
        self.head: bytes | None = None  # the first block of a stream of unknown length
        self.stream: typing.BinaryIO | None = None
        self.map = None  # a regular file, memory-mapped
        self.window: tuple | None = None  # the part read (row_blocks' WINDOW)
        self.eof = False
        self.rows = 0  # rows yielded so far
        self.elements = 0  # numbers yielded so far: none at all, and the input holds no numbers
        self.line0 = 0  # lines before the data
        self.offset = 0  # bytes before the data
        self.sniffed: InputError | None = None  # sniffed JSON Lines: what the whole reader would refuse it with
        self.deferred: LossCliError | None = None  # a selection error, raised after the data are read

    @property
    def first_option(self) -> str:
        return next(iter(self.options))

    def _fail(self, e: LossCliError):
        raise _located(self.first_option, e) from None

    def _defer(self, option: str, e: LossCliError) -> None:
        """A selector that picks nothing: raised once the data are read, unless the whole reader
        would meet another error first (a short row, a bad byte), which the data then show."""
        e = _ranked(option, e, (self.order[option], 3, -1, -1))
        if self.deferred is None or e.rank < self.deferred.rank:
            self.deferred = e

    # -- metadata ---------------------------------------------------------------------------

    def inspect(self, head_bytes: int) -> None:
        """The format and size from metadata; a stream of unknown length: its first HEAD_BYTES."""
        self.head_bytes = head_bytes
        extension, compression = ("", None) if self.path == "-" else file_format(self.path)
        self.extension = extension
        if self.path == "-":
            try:
                self._read_head(self.sources.stdin_stream())
            except LossCliError as e:
                self._fail(e)
            except (OSError, ValueError) as e:  # ValueError: a closed stream
                self._fail(InputError(f"cannot read stdin: {getattr(e, 'strerror', None) or e}"))
            return
        if remote.is_url(self.path):  # a stream, as a pipe is, but of a known size (losscli.remote)
            if extension in (".json", ".npz"):
                self.kind = _WHOLE
                return
            try:
                f = remote.File(self.path)
                self.size = None if compression else f.size
                self._read_head(open_compressed(f, compression, self.label) if compression else f)
            except LossCliError as e:
                self._fail(e)
            return
        try:
            mode = os.stat(self.path).st_mode
        except OSError:
            self.kind = _WHOLE  # the whole reader says what is wrong
            return
        if not (stat.S_ISREG(mode) or stat.S_ISFIFO(mode)) or extension in (".json", ".npz", *_COLUMNAR):
            self.kind = _WHOLE
            return
        if compression and not stat.S_ISREG(mode):
            self.kind = _WHOLE
            return
        try:
            if compression:
                f = open(self.path, "rb")
                self._read_head(open_compressed(f, compression, self.label))
            elif stat.S_ISFIFO(mode):
                self._read_head(_widened(open(self.path, "rb")))
            else:
                self.size = os.stat(self.path).st_size
                if extension == ".npy":
                    self.kind = "npy"
        except OSError:
            self.kind = _WHOLE
        except LossCliError as e:
            self._fail(e)

    def _read_head(self, stream: typing.BinaryIO) -> None:
        """Read the first block of a stream; keep it in `sources` for the whole reader."""
        head = bytearray()
        while len(head) < self.head_bytes:
            chunk = stream.read(self.head_bytes - len(head))
            if not chunk:
                self.eof = True
                break
            head += chunk
        self.head, self.stream, self.map = bytes(head), stream, None
        self.sources.pending[self.key] = (self.head, None if self.eof else stream)

    def small(self, min_bytes: int) -> bool:
        if self.head is not None:  # a stream: it ended within its first block
            return self.eof and len(self.head) < min_bytes
        return self.size < min_bytes  # a regular file (of an .npy, the header is a few hundred bytes)

    # -- the first block --------------------------------------------------------------------

    def start(self) -> None:
        """Sniff the format, read the header row and resolve every selector."""
        try:
            if self.kind == "npy":
                self._start_npy()
                return
            if self.head is None:  # a regular file: mapped, its blocks sliced from the page cache
                import mmap

                with open(self.path, "rb") as f:
                    self.map = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) if self.size else None
                self.head = self.map[:HEAD_BYTES] if self.map is not None else b""
                self.eof = self.size <= HEAD_BYTES
            head = self.head
            if self.extension in (".jsonl", ".ndjson"):
                self._start_jsonl()
            elif self.extension in _DELIMITERS:
                delimiter = self.sources.delimiter
                self._start_table(_DELIMITERS[self.extension] if delimiter == _AUTO else delimiter)
            elif head.startswith(NPY_MAGIC) and remote.is_url(self.path):
                self._start_npy_stream()
            elif head.startswith((NPY_MAGIC, *ZIP_MAGICS)) or any(head.startswith(m) for m, _ in _COLUMNAR_MAGICS):
                self.kind = _WHOLE
            else:
                self._sniff()
        except LossCliError as e:
            if self.kind not in ("npy", "npy-stream") and self.head is not None:  # the whole reader decodes all of it first
                self.offset = 0
                e = self._bad_byte() or e
            self._fail(e)

    def _bad_byte(self) -> LossCliError | None:
        """The first byte that is not UTF-8, from the start (a scan at C speed), if any."""
        line0 = 0
        for block in self._byte_blocks():
            try:
                _decode(block, self.label, line0 if line0 else None)
            except LossCliError as e:
                return e
            line0 += _count(block, 10)
        return None

    def _sniff(self) -> None:
        """As inputs.Sources._sniff: JSON, JSON Lines, or a table with a sniffed delimiter."""
        text = self._head_text()
        stripped = text.lstrip()
        if stripped[:1] in ("[", "{"):
            lines = _nonblank(text, 2)
            # JSON Lines when its first lines are JSON values each; a JSON document is read whole
            self.kind = _WHOLE
            if len(lines) > 1 and _parses(lines[0][1]) and _parses(lines[1][1]):
                try:
                    loads(text[: lines[1][2]], self.label)
                except InputError as e:  # what a JSON document of these lines is refused with
                    self._start_jsonl(e)
            return
        delimiter = self.sources.delimiter
        if delimiter == _AUTO:
            first = next((line for _, line, _ in _nonblank(text, 1)), "")
            delimiter = sniff_delimiter(first)
        self._start_table(delimiter)

    def _head_text(self) -> str:
        """The whole lines of the first HEAD_BYTES, as text (a BOM dropped): where the header is."""
        if getattr(self, "_text", None) is None:
            head = self.head[:HEAD_BYTES]
            if not (self.eof and len(self.head) <= HEAD_BYTES):
                head = head[: head.rfind(b"\n") + 1]
            self._text = _decode(head, self.label)
        return self._text

    def _start_npy(self) -> None:
        with open(self.path, "rb") as f:
            array = read_numpy(f, self.label, self.size, mmap=True)
        if not isinstance(array, np.ndarray) or array.ndim == 0 or array.size == 0:
            self.kind = _WHOLE
            return
        self.array = array
        self.select = {}
        for option, (selector, source) in self.options.items():
            try:
                if selector is None:
                    self.select[option] = None
                else:
                    tokens = _selector_names(selector, source)
                    self.select[option] = array_columns(array.shape, tokens, self.label)
            except LossCliError as e:
                raise _located(option, e) from None
        self.kind = "npy"

    def _start_npy_stream(self) -> None:
        """A remote .npy file in blocks of rows, read as a stream; anything unusual (a bad header,
        Fortran order, no rows) is left to the whole reader, whose messages say what is wrong."""
        fmt, f = np.lib.format, io.BytesIO(self.head)
        self.kind = _WHOLE
        try:
            version = fmt.read_magic(f)
            read_header = {(1, 0): fmt.read_array_header_1_0, (2, 0): fmt.read_array_header_2_0}[version]
            shape, fortran, dtype = read_header(f)
        except Exception:
            return
        row = dtype.itemsize * int(np.prod(shape[1:], dtype=np.int64))
        if (dtype.hasobject or dtype.kind not in "fiu" or dtype.fields or not shape or not row or not shape[0]
                or (fortran and len(shape) > 1) or self.size is None or self.size - f.tell() != shape[0] * row):
            return
        self.npy = (shape, dtype, row)
        self.offset = f.tell()
        self.kind = "npy-stream"
        self.select = {}
        for option, (selector, source) in self.options.items():
            try:
                tokens = None if selector is None else _selector_names(selector, source)
                self.select[option] = None if tokens is None else array_columns(shape, tokens, self.label)
            except LossCliError as e:
                raise _located(option, e) from None

    def _npy_stream_blocks(self) -> typing.Iterator[dict[str, np.ndarray]]:
        if self.window is not None:
            raise WindowRefused("a window of a stream")
        self.sources.pending.pop(self.key, None)  # read here from now on
        (rows, *rest), dtype, row = self.npy
        step = max(1, BLOCK_BYTES // row)
        buffer, done = bytearray(self.head[self.offset :]), 0
        self.done = len(self.head)
        while done < rows:
            need = min(step, rows - done) * row
            while len(buffer) < need:
                chunk = self.stream.read(max(need - len(buffer), 1 << 20))
                if not chunk:
                    self._fail(InputError(f"{self.label} ended after {self.done:,} bytes; its header says "
                                          f"{self.size:,}"))
                buffer += chunk
                self.done += len(chunk)
            array = np.frombuffer(buffer[:need], dtype).reshape(-1, *rest)
            del buffer[:need]
            if not dtype.isnative:
                array = array.astype(dtype.newbyteorder("="))
            done += len(array)
            yield {option: array if idx is None else array[:, idx[0]] if len(idx) == 1 else array[:, idx]
                   for option, idx in self.select.items()}
        self.stream.close()

    def _start_table(self, delimiter: str | None) -> None:
        self.delimiter = delimiter
        text = self._head_text()
        if not self.eof and not text:
            self.kind = _WHOLE  # a first line longer than a block
            return
        # the first non-blank row, read as the whole reader reads it (a quoted cell may span lines)
        if delimiter is None:
            found = _nonblank(text, 1)
            if not found:
                self.kind = _WHOLE  # blank lines only, so far: the whole reader says so
                return
            (first_at, line, _), = found
            first, after, start = line.split(), first_at, first_at
            if '"' in line:
                first = [inputs._unquote(cell) for cell in first]
        else:
            if re.search(r"\r(?!\n)", text):  # the csv module ends a line at a lone CR too: read whole
                self.kind = _WHOLE
                return
            reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, skipinitialspace=True)
            first, start = None, 1
            try:
                for cells in reader:
                    if any(cell.strip() for cell in cells):
                        first = cells
                        break
                    start = reader.line_num + 1
            except csv.Error:
                first = None
            if first is None:
                self.kind = _WHOLE
                return
            first_at = after = reader.line_num  # where the row ends: a quoted cell may span lines
            if '"' in text and not self.eof and after >= text.count("\n"):
                self.kind = _WHOLE  # the first row may go on after the head: a quoted cell spanning lines
                return
        self.first, self.first_at, self.width = first, first_at, len(first)
        self.names = [cell.strip() for cell in first] if is_header(first) else None
        # the data start after the header row, or at the first row
        skip_lines = after if self.names is not None else start - 1
        offset = 0
        for _ in range(skip_lines):
            end = self.head.find(b"\n", offset)
            offset = end + 1 if end >= 0 else len(self.head)
        if self.head.startswith(b"\xef\xbb\xbf") and offset == 0:
            offset = 3
        self.line0 = skip_lines  # lines before the data
        self.offset = offset  # bytes before the data
        self.columns = {}
        for option, (selector, source) in self.options.items():
            try:
                if selector is None:
                    if self.names is not None:
                        check_index_column(self.names, self._first_column(text, skip_lines), self.label)
                    self.columns[option] = None
                else:
                    tokens = _selector_names(selector, source)
                    self.columns[option] = _column_indices(tokens, self.names, self.width, self.label)
            except LossCliError as e:
                self._defer(option, e)
        self.used = sorted({j for idx in self.columns.values() for j in (idx or range(self.width))})
        self.kind = "table"

    def _first_column(self, text: str, skip_lines: int) -> list[str]:
        rest = "\n".join(text.split("\n", skip_lines + inputs.INDEX_ROWS + 1)[skip_lines:][: inputs.INDEX_ROWS + 1])
        rows, _ = table_rows(rest, self.delimiter, self.label)
        return [row[0] for row in rows[: inputs.INDEX_ROWS] if row]

    def _start_jsonl(self, sniffed: InputError | None = None) -> None:
        self.sniffed = sniffed
        found = _nonblank(self._head_text(), 1)
        if not found:
            self.kind = _WHOLE
            return
        (self.first_at, line, _), = found
        first = self.first_value = loads(line, self.label, self.first_at)
        self.line0 = 0
        self.records = isinstance(first, dict)
        self.columns = {}
        if self.records:
            self.names = list(first)
            if not self.names:
                self.kind = _WHOLE
                return
            for option, (selector, source) in self.options.items():
                try:
                    tokens = None if selector is None else _selector_names(selector, source)
                    self.columns[option] = None if tokens is None else _column_indices(
                        tokens, self.names, len(self.names), self.label)
                except LossCliError:
                    # the columns are the keys of all records: a later one may have the key, or more keys
                    self.kind = _WHOLE
                    return
            self.quotes = 2 * len(self.names)  # the '"' of one record of these keys and numbers
        else:
            for option, (selector, source) in self.options.items():
                self.columns[option] = None if selector is None else _selector_names(selector, source)
                if selector is not None and not (isinstance(first, list) and all(
                        type(x) in (int, float) or x is None for x in first)):
                    self.kind = _WHOLE  # no rows of numbers to pick from: the message needs the whole shape
                    return
        self.offset = 3 if self.head.startswith(b"\xef\xbb\xbf") else 0
        self.kind = "jsonl"

    # -- blocks -----------------------------------------------------------------------------

    def blocks(self, pool: ThreadPoolExecutor) -> typing.Iterator[dict[str, np.ndarray]]:
        """The blocks in order: polars parses them in the pool, two at a time; a block it leaves
        to the precise reader is parsed here, once the lines before it are counted."""
        if self.kind == "npy":
            yield from self._npy_blocks()
            return
        if self.kind == "npy-stream":
            yield from self._npy_stream_blocks()
            return
        fast, precise = ((self._fast_table, self._precise_table) if self.kind == "table"
                         else (self._fast_records, self._precise_jsonl))
        pending: deque = deque()
        if self.window is not None and self.window[1] > self.offset:
            # a window after the first line of data: its lines are compared with the file's first
            # row or record, as the whole reader compares them (its line numbers are not known:
            # a window's error makes its caller read the whole file)
            self.line0 = max(self.line0, getattr(self, "first_at", 0))
        line0, index, error = self.line0, 0, self.deferred
        self.lone_crs = 0  # lone '\r's before the block: lines to the csv module, not to a decoding error

        failed = False  # a block had an error

        def finish(block, future) -> dict[str, np.ndarray] | None:
            nonlocal line0, index, error, failed
            out, newlines, rows = future.result()
            lone = 0
            if out is None:
                newlines = _count(block, 10)
                if self.kind == "table" and self.delimiter is not None and b"\r" in block:
                    lone = block.count(b"\r") - block.count(b"\r\n")  # the csv module ends a line there too
                try:
                    out, rows = precise(block, line0)
                except LossCliError as e:
                    e.rank = (*e.rank, index)
                    error = e if error is None or e.rank < error.rank else error
                    failed = True
            line0, index = line0 + newlines + lone, index + 1
            self.lone_crs += lone
            if out is not None:
                self.rows += rows
                self.elements += next(iter(out.values())).size if out else rows
            return None if error is not None else out

        # After an error, the rest is still read (not yielded): the whole reader would report an
        # error of an earlier kind (a bad byte, a short row) or an earlier column, wherever it is.
        carry = b""
        for block in self._byte_blocks():
            if carry:
                block, carry = carry + block, b""
            if self.kind == "table" and self.delimiter is not None and b'"' in block and _count(block, 34) % 2:
                carry = block  # cut inside a quoted cell (a line break in it): parsed with the next block
                continue
            pending.append((block, pool.submit(fast, block)))
            if len(pending) > 1:
                out = finish(*pending.popleft())
                if out is not None:
                    yield out
        if carry:
            pending.append((carry, pool.submit(fast, carry)))
        while pending:
            out = finish(*pending.popleft())
            if out is not None:
                yield out
        if self.elements == 0 and not failed and (error is None or self.rows == 0):
            header = self.kind == "table" and self.rows == 0 and getattr(self, "names", None)
            empty = _ranked(self.first_option, InputError(f"{self.label} holds no numbers" + (
                " (a header row and no data)" if header else "")), (self.order[self.first_option], 2, 1, 0)
                if self.kind == "table" and self.rows == 0 else (self.order[self.first_option], 4))
            error = empty if error is None or empty.rank < error.rank else error
        if error is not None:
            raise error

    def _npy_blocks(self):
        array = self.array
        if self.window is not None:
            kind, start, stop = self.window
            if kind != "rows":
                raise WindowRefused(f"a {kind} window of an .npy file")
            array = array[start:stop]
        step = max(1, BLOCK_BYTES // max(1, array[:1].nbytes))
        for start in range(0, array.shape[0], step):
            rows = array[start : start + step]
            yield {option: rows if idx is None else rows[:, idx[0]] if len(idx) == 1 else rows[:, idx]
                   for option, idx in self.select.items()}
            self.done = min(array.shape[0], start + step) * array[:1].nbytes

    def _byte_blocks(self) -> typing.Iterator[bytes]:
        """The data in blocks of whole lines (the last may lack its newline)."""
        self.sources.pending.pop(self.key, None)  # read here from now on: no whole reader after this
        if self.map is not None:
            yield from self._mapped_blocks()
            return
        if self.window is not None:
            raise WindowRefused("a window of a stream")
        yield from _prefetched(self._read_blocks())

    def _read_blocks(self) -> typing.Iterator[bytes]:
        rest = self.head[self.offset :]
        self.done = len(self.head)
        readinto = getattr(self.stream, "readinto", None)
        while not self.eof:
            # the next block after what is left of the last one: one copy of the bytes, into place
            buffer = bytearray(len(rest) + BLOCK_BYTES)
            buffer[: len(rest)] = rest
            try:
                if readinto is not None:
                    n = readinto(memoryview(buffer)[len(rest) :])
                else:
                    data = self.stream.read(BLOCK_BYTES)
                    n = len(data)
                    buffer[len(rest) : len(rest) + n] = data
            except LossCliError as e:
                self._fail(e)
            except (OSError, ValueError) as e:
                self._fail(InputError(f"cannot read {self.label}: {getattr(e, 'strerror', None) or e}"))
            self.done += n
            if n == 0:
                self.eof = True
            del buffer[len(rest) + n :]
            cut = buffer.rfind(b"\n") + 1
            if cut:
                yield bytes(memoryview(buffer)[:cut])
            rest = bytes(memoryview(buffer)[cut:])
            if len(rest) > inputs.STREAM_LIMIT:
                self._fail(InputError(f"{self.label} has a line longer than {inputs.STREAM_LIMIT:,} bytes"))
        if rest:
            yield rest
        if self.stream is not None and self.path != "-":
            self.stream.close()

    def _mapped_blocks(self) -> typing.Iterator[bytes]:
        import mmap

        mapped, start, size = self.map, self.offset, len(self.map)
        dropped = 0
        if self.window is not None:
            kind, first, stop = self.window
            if kind != "bytes":
                raise WindowRefused(f"a {kind} window of a text file")
            start, size = self._line_start(first), self._line_start(stop)
            if self.kind == "table" and mapped.find(b'"', start, size) >= 0:
                raise WindowRefused("a quoted cell may span lines across the window's edge")
        while start < size:
            end = min(size, start + BLOCK_BYTES)
            if end < size:
                cut = mapped.rfind(b"\n", start, end) + 1
                if not cut:  # a line longer than a block
                    cut = mapped.find(b"\n", end) + 1 or size
                end = cut
            block = mapped[start:end]
            # the pages copied from count in the RSS until dropped: keep the memory bounded
            page = end - end % mmap.PAGESIZE
            if hasattr(mapped, "madvise") and page > dropped:
                mapped.madvise(mmap.MADV_DONTNEED, dropped, page - dropped)
                dropped = page
            yield block
            start = self.done = end

    def _line_start(self, at: int) -> int:
        """The first line of the data that starts at or after byte AT (the end: the file's size)."""
        if at <= self.offset:
            return self.offset
        end = self.map.find(b"\n", at - 1, len(self.map))
        return len(self.map) if at >= len(self.map) or end < 0 else end + 1

    # -- tables -----------------------------------------------------------------------------

    def _fast_table(self, block: bytes) -> tuple[dict[str, np.ndarray] | None, int, int]:
        """The block parsed by polars, its newlines and its rows; None where the precise reader must look."""
        if not self.used or b'"' in block and (self.delimiter is None or _count(block, 34) % 2):
            # no column to parse (a selector that picks none: only the errors matter), R's quoted
            # names in .txt, an unterminated quote (polars drops a character): the precise reader
            return None, 0, 0
        parsed = self._polars_table(block)
        if parsed is None:
            return None, 0, 0
        rows, newlines, height = parsed
        return self._select(rows), newlines, height

    def _polars_table(self, block: bytes) -> tuple[np.ndarray, int, int] | None:
        import polars as pl

        sep, original = self.delimiter, block
        if sep is not None and b"\r" in block and block.count(b"\r") != block.count(b"\r\n"):
            return None  # a lone '\r' ends a line for the csv module, while polars reads it as part of a cell
        if sep is None:  # runs of spaces and tabs: one ',' between fields, if no cell holds one
            # str.split() also splits at \x0b, \x0c, \x1c-\x1f and non-ASCII spaces: those, the precise reader
            if b"," in block or not block.isascii() or any(c in block for c in _OTHER_SPACES):
                return None
            if b" " in block or b"\t" in block or b"\r" in block:
                lines = _count(block, 10) + (not block.endswith(b"\n"))
                if b"\t" in block or b"\r" in block or _count(block, 32) != (self.width - 1) * lines:
                    block = b"\n".join(b",".join(line.split()) for line in block.split(b"\n"))
                else:  # as many spaces as one between fields: polars finds any line where that is not so
                    block = block.replace(b" ", b",")
            sep = ","  # one column, no spaces: the block as it is
        schema = {f"c{j}": pl.Float64 if j in self.used else pl.String for j in range(self.width)}
        frame = _polars(lambda: pl.read_csv(block, has_header=False, schema=schema, separator=sep, quote_char='"',
                                            raise_if_empty=False))
        if frame is None:
            return None
        if frame.null_count().sum_horizontal().item():
            return None  # a blank line, a short row or an empty cell
        # polars makes a row of each line, but of a quoted line break too, and a line of a lone '\r'
        end = not original.endswith(b"\n")
        if b'"' in original or b"\r" in original:
            newlines = _count(original, 10)
            if frame.height != newlines + end:
                return None
        else:
            newlines = frame.height - end
        rows = frame.select([f"c{j}" for j in self.used]).to_numpy()
        # polars reads 1e999 as inf; losscli refuses a number beyond float64 unless it says inf
        infinite = int(np.isinf(rows).sum())
        if infinite and infinite > len(_INF.findall(original)):
            return None
        return rows, newlines, frame.height

    def _select(self, rows: np.ndarray) -> dict[str, np.ndarray]:
        position = {j: k for k, j in enumerate(self.used)}
        out = {}
        for option, idx in self.columns.items():
            if idx is None:
                out[option] = rows[:, 0] if self.width == 1 else rows
            else:
                k = [position[j] for j in idx]
                out[option] = rows[:, k[0]] if len(k) == 1 else rows[:, k]
        return out

    def _decoded(self, block: bytes, line0: int) -> str:
        """The block as text; a bad byte is the first kind of error the whole reader meets (the
        whole file is decoded before the csv module reads it: its line counts only '\n's)."""
        try:
            return _decode(block, self.label, line0 - getattr(self, "lone_crs", 0))
        except LossCliError as e:
            raise _ranked(self.first_option, e, (self.order[self.first_option], 0)) from None

    def _precise_table(self, block: bytes, line0: int) -> dict[str, np.ndarray]:
        """The block as inputs.py reads it, or its error, naming the line of the whole file."""
        # the whole reader decodes the whole file, splits all of it into rows, checks every row's
        # width, then converts the columns an option at a time: an error ranks in that order
        order = self.order[self.first_option]
        text = self._decoded(block, line0)
        try:
            rows, at = table_rows(text, self.delimiter, self.label, line0)
        except LossCliError as e:
            raise _ranked(self.first_option, e, (order, 1)) from None
        try:
            check_widths(rows, at, self.first, self.first_at, self.delimiter, self.label)
        except LossCliError as e:
            raise _ranked(self.first_option, e, (order, 2)) from None
        if not rows:
            return {option: np.empty((0,) if idx is None and self.width == 1 or idx and len(idx) == 1
                                     else (0, self.width if idx is None else len(idx)))
                    for option, idx in self.columns.items()}, 0
        table = _Table(rows, self.names, at, "line", self.label, self.delimiter)
        out = {}
        for option, idx in self.columns.items():
            if idx is None:
                out[option] = self._converted(option, 0, table.matrix)
            else:
                columns = [self._converted(option, k, lambda j=j: table.column(j)) for k, j in enumerate(idx)]
                out[option] = columns[0] if len(idx) == 1 else np.column_stack(columns)
        return out, len(rows)

    def _converted(self, option: str, k: int, convert: typing.Callable[[], np.ndarray]) -> np.ndarray:
        """convert(), an error ranked after every structural one: by option, then column K, then
        its pass (inputs._numbers looks for a cell that is not a number in every row before one
        beyond float64's range)."""
        try:
            return convert()
        except LossCliError as e:
            raise _ranked(option, e, (self.order[option], 3, k, getattr(e, "range_pass", 0))) from None

    # -- JSON Lines -------------------------------------------------------------------------

    def _fast_records(self, block: bytes) -> tuple[dict[str, np.ndarray] | None, int, int]:
        """Records {"pred": p, "target": t} of numbers, each with the keys of the first, by polars."""
        if not self.records:
            return None, 0, 0
        return self._polars_records(block) or (None, 0, 0)

    def _polars_records(self, block: bytes) -> tuple[dict[str, np.ndarray], int, int] | None:
        import polars as pl

        # polars refuses strings, booleans, arrays and objects where a Float64 is, and NaN, 1e999,
        # 01, .5 as json refuses them; it skips blank lines, and a key twice or an extra key it
        # would not see: the line and '"' counts check both (a record of numbers has 2 per key)
        newlines = _count(block, 10)
        lines = newlines + (not block.endswith(b"\n"))
        if _count(block, 34) != self.quotes * lines:
            return None
        frame = _polars(lambda: pl.read_ndjson(block, schema={name: pl.Float64 for name in self.names}))
        if frame is None:
            return None
        if frame.height != lines or frame.null_count().sum_horizontal().item():
            return None
        rows = frame.to_numpy()
        infinite = int(np.isinf(rows).sum())
        if infinite and infinite > len(_INF.findall(block)):
            return None
        out = {}
        for option, idx in self.columns.items():
            if idx is None:
                out[option] = rows[:, 0] if len(self.names) == 1 else rows
            else:
                out[option] = rows[:, idx[0]] if len(idx) == 1 else rows[:, idx]
        return out, newlines, frame.height

    def _precise_jsonl(self, block: bytes, line0: int) -> dict[str, np.ndarray]:
        order = self.order[self.first_option]
        text = self._decoded(block, line0)
        try:
            values, numbers = jsonl_lines(text, self.label, line0)
        except InputError as e:
            if self.sniffed is not None and not all(parses(line) for line in text.split("\n") if line.strip()):
                e = self.sniffed  # as the whole reader says it: the JSON document it tried first
            raise _ranked(self.first_option, e, (order, 1)) from None
        if not values:  # blank lines only: no rows (a file of no rows at all is refused once its blocks end)
            return {option: np.empty(0) for option in self.columns}, 0
        try:
            parsed = self._values(values, numbers, line0)
        except LossCliError as e:
            raise _ranked(self.first_option, e, (order, 2)) from None
        head = 0 if line0 < self.first_at else 1
        out = {}
        for option, idx in self.columns.items():
            if not self.records:
                array = self._converted(option, 0, lambda idx=idx: _select(parsed, idx, self.label))
            else:
                table = _Table(parsed.rows, self.names, parsed.at, parsed.unit, self.label)
                if idx is None:  # every key, column by column, as the whole reader converts them
                    columns = [self._converted(option, j, lambda j=j: table.column(j)) for j in range(len(self.names))]
                    extra = next((key for row in parsed.rows for key in row if key not in self.names), None)
                    if extra is not None:  # a key the first record lacks: the whole reader's next column
                        raise _ranked(option, InputError(f"{self.label} line {self.first_at} has no key "
                                                         f"{shown(extra)}"), (self.order[option], 3, len(self.names)))
                    array = columns[0] if len(columns) == 1 else self._converted(
                        option, len(self.names), lambda: inputs._stack(columns, self.names, self.label))
                else:
                    columns = [self._converted(option, k, lambda j=j: table.column(j)) for k, j in enumerate(idx)]
                    names = [self.names[j] for j in idx]
                    array = columns[0] if len(idx) == 1 else self._converted(
                        option, len(idx), lambda: inputs._stack(columns, names, self.label))
            out[option] = array[head:]
        return out, len(values) - (line0 >= self.first_at)


    def _values(self, values: list, numbers: list[int], line0: int) -> object:
        """jsonl_values of a block, with the first value of the file in front (unless the block holds
        it), so that every line is compared with that first one as the whole reader compares them."""
        if line0 >= self.first_at:
            values, numbers = [self.first_value, *values], [self.first_at, *numbers]
        return jsonl_values(values, numbers, self.label)


def _polars(parse: typing.Callable):
    """parse(), or None where polars refuses the bytes: the precise reader then says why."""
    try:
        return parse()
    except Exception:  # polars' parse errors share no public base class
        return None
    except BaseException as e:  # a panic in polars' Rust code (pyo3's PanicException) on odd bytes
        if type(e).__name__ == "PanicException":
            return None
        raise


def _count(block: bytes, byte: int) -> int:
    """How many times BYTE is in BLOCK (NumPy's vectorised compare: twice as fast as bytes.count)."""
    return int(np.count_nonzero(np.frombuffer(block, np.uint8) == byte))


def _nonblank(text: str, count: int) -> list[tuple[int, str, int]]:
    """The first COUNT non-blank lines of TEXT: (number, line, where it ends), without splitting all of it."""
    found, start, number = [], 0, 1
    while len(found) < count and start <= len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        if text[start:end].strip():
            found.append((number, text[start:end], end))
        start, number = end + 1, number + 1
    return found


def _parses(line: str) -> bool:
    try:
        loads(line, "")
        return True
    except (InputError, JsonSyntaxError):
        return False


def _widened(pipe: typing.BinaryIO) -> typing.BinaryIO:
    """The pipe with a 1 MiB buffer (Linux's unprivileged maximum) instead of 64 KiB: its writer
    blocks and wakes 16x less often."""
    try:
        import fcntl

        fcntl.fcntl(pipe.fileno(), getattr(fcntl, "F_SETPIPE_SZ", 1031), 1 << 20)
    except (ImportError, OSError, ValueError):
        pass  # not Linux, or a lower limit: the default buffer works, only slower
    return pipe


def _prefetched(blocks: typing.Iterator[bytes], depth: int = 2) -> typing.Iterator[bytes]:
    """The blocks, read ahead on a thread: the process writing a pipe keeps running while this
    one parses, and the two writers of a process substitution (`<(cut ...)` for --pred and
    --target) run at once rather than in turns, each stalled while the other's block is read."""
    import queue
    import threading

    ready: queue.Queue = queue.Queue(depth)
    stop = threading.Event()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for block in blocks:
                if not put((block, None)):
                    return
            put((None, None))
        except BaseException as e:  # raised to the reader, in its thread
            put((None, e))

    threading.Thread(target=produce, daemon=True, name="losscli-read").start()
    try:
        while True:
            block, error = ready.get()
            if error is not None:
                raise error
            if block is None:
                return
            yield block
    finally:
        stop.set()


def _lockstep(groups: list[_Source], progress, total) -> typing.Iterator[dict[str, np.ndarray]]:
    """Blocks of the same rows from every source: a source ahead keeps what the others lack."""
    # .npy sources are sliced from their map: a pool only for the sources that are parsed
    with ThreadPoolExecutor(2) if any(g.kind != "npy" for g in groups) else _NoPool() as pool:
        streams = [group.blocks(pool) for group in groups]
        buffered: list[deque] = [deque() for _ in groups]  # [dict of rows, first row not yet given]
        counts = [0] * len(groups)
        ended = [False] * len(groups)

        def pull(i: int) -> dict | None:
            try:
                return next(streams[i], None)
            except LossCliError as e:  # the whole reader reads --pred's input, then --target's, ...
                _settle(groups, streams, i, e)

        while True:
            for i in range(len(groups)):
                while not buffered[i] and not ended[i]:
                    block = pull(i)
                    if block is None:
                        ended[i] = True
                    elif len(next(iter(block.values()))):
                        buffered[i].append([block, 0])
            if progress is not None:
                progress(sum(getattr(g, "done", 0) for g in groups), total)
            if all(not b for b in buffered):
                return
            if any(not b for b in buffered):  # one source ended before another
                for i in range(len(groups)):  # count the rest (bounded memory)
                    counts[i] += sum(len(next(iter(block.values()))) - start for block, start in buffered[i])
                    while (block := pull(i)) is not None:
                        counts[i] += len(next(iter(block.values())))
                i, j = min(range(len(groups)), key=counts.__getitem__), max(range(len(groups)), key=counts.__getitem__)
                a, b = groups[i], groups[j]
                raise InputError(escape(
                    f"{a.first_option}: {a.label} has {counts[i]:,} rows but {b.label} ({b.first_option}) has "
                    f"{counts[j]:,}; each sample needs a row in both"))
            take = min(len(next(iter(b[0][0].values()))) - b[0][1] for b in buffered)
            out = {}
            for i, b in enumerate(buffered):
                block, start = b[0]
                for option, rows in block.items():
                    out[option] = rows[start : start + take]
                b[0][1] += take
                counts[i] += take
                if b[0][1] == len(next(iter(block.values()))):
                    b.popleft()
            yield out


class _NoPool:
    def __enter__(self):
        return None

    def __exit__(self, *exc) -> None:
        return None


def _settle(groups: list[_Source], streams: list, failed: int, error: LossCliError) -> typing.NoReturn:
    """Raise the error the whole reader would meet first: read the other sources to their end too."""
    def rank(e: LossCliError, i: int) -> tuple:
        return getattr(e, "rank", None) or (groups[i].order[groups[i].first_option],)

    best, best_rank = error, rank(error, failed)
    for i, stream in enumerate(streams):
        if i != failed:
            try:
                for _ in stream:
                    pass
            except LossCliError as e:
                if rank(e, i) < best_rank:
                    best, best_rank = e, rank(e, i)
    raise best
