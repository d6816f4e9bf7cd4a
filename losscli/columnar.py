"""Parquet and Arrow IPC/Feather inputs: columns by name or 1-based index, read through polars.

A large file is read in blocks (polars' streaming engine, `collect_batches`), never whole; a
small one whole. A list or fixed-size-list column (an embedding, a row of logits) is one
matrix row per record. polars over pyarrow, measured on a 10M-row Parquet file of two float64
columns, the sum of squared differences in blocks of 2^20 rows: polars 0.70 s and 176-199 MiB
peak RSS, pyarrow's ParquetFile.iter_batches 2.0-2.3 s and 350 MiB; polars is a dependency
already, pyarrow is not.
"""

from __future__ import annotations

import io
import itertools
import os
import typing

import numpy as np

from ._formats import shown
from .errors import InputError, LossCliError, UsageError
from .inputs import _COLUMNAR, _column_indices, _selector_names, file_format
from . import remote, stream
from .stream import _located, _Source

_NUMERIC_KINDS = "iufb"


def is_columnar(path: str) -> bool:
    return path != "-" and file_format(path)[0] in _COLUMNAR


def _kind(path: str | None, label: str, magic_kind: str | None = None) -> str:
    """'Parquet' or 'Arrow' (and its spelling in messages)."""
    if magic_kind is not None:
        return magic_kind
    return _COLUMNAR[file_format(path)[0]]


def _polars_error(e: Exception, label: str, kind: str) -> InputError:
    first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    if "Range request not supported" in first:  # polars' object store reads a large remote file in ranges
        return InputError(f"cannot read {label} in blocks: its server does not answer HTTP Range requests, "
                          f"which a large {kind} file over http(s) needs; download it first (curl -O)")
    return InputError(f"{label} is not a readable {kind} file ({first})")


def _scan(source, kind: str):
    import polars as pl

    return pl.scan_parquet(source) if kind == "Parquet" else pl.scan_ipc(source)


def _schema(source, label: str, kind: str) -> dict:
    import polars as pl

    try:
        if remote.is_url(source if isinstance(source, str) else None):  # read_ipc_schema reads local files only
            return dict(_scan(source, kind).collect_schema())
        if kind == "Parquet":
            return dict(pl.read_parquet_schema(source))
        return dict(pl.read_ipc_schema(source))
    except Exception as e:  # polars raises its own ComputeError, OSError, or panics
        raise _polars_error(e, label, kind) from None


def _check_dtype(name: str, dtype, label: str) -> int | None:
    """None for a numeric column; the width of a fixed-size list, 0 for a list of numbers."""
    import polars as pl

    if dtype.is_numeric() or dtype == pl.Boolean:
        return None
    if isinstance(dtype, pl.Array) and (dtype.inner.is_numeric()) and len(dtype.shape) == 1:
        return dtype.shape[0]
    if isinstance(dtype, pl.List) and dtype.inner.is_numeric():
        return 0
    raise InputError(f"column {shown(name)} of {label} holds {dtype}, not numbers "
                     "(a column of numbers, or a list of numbers per record)")


def _resolve(schema: dict, tokens: list[str] | None, label: str) -> list[str]:
    """The column names a selector picks (all columns without one)."""
    names = list(schema)
    if not names:
        raise InputError(f"{label} holds no numbers (no columns)")
    if tokens is None:
        picked = names
    else:
        picked = [names[j] for j in _column_indices(tokens, names, len(names), label)]
    lists = [name for name in picked if _check_dtype(name, schema[name], label) is not None]
    if lists and len(picked) > 1:
        raise InputError(f"cannot put {shown(lists[0])} of {label} beside the other columns: it holds a list "
                         "per record (a matrix row); select it alone")
    return picked


def _array(frame, picked: list[str], label: str, row0: int) -> np.ndarray:
    """The rows of FRAME's PICKED columns: a vector for one column, else one row per record."""
    import polars as pl

    columns = []
    for name in picked:
        series = frame.get_column(name)
        dtype = series.dtype
        if isinstance(dtype, (pl.Array, pl.List)):
            if isinstance(dtype, pl.List):
                lengths = series.list.len().fill_null(-1).to_numpy()
                width = int(lengths[0]) if len(lengths) else 0
                bad = np.flatnonzero(lengths != width)
                if len(bad):
                    i = int(bad[0])
                    got = "null" if lengths[i] < 0 else f"{lengths[i]} numbers"
                    raise InputError(f"{label} record {row0 + i + 1:,}, column {shown(name)}: {got}, expected "
                                     f"{width} (as record {row0 + 1:,}); every record needs a row of the same length")
                values = series.explode().cast(pl.Float64, strict=False).to_numpy()
                return values.reshape(len(series), width) if len(series) else values.reshape(0, 0)
            if series.null_count():
                i = int(series.is_null().arg_max())
                raise InputError(f"{label} record {row0 + i + 1:,}, column {shown(name)}: null, expected "
                                 f"{dtype.shape[0]} numbers")
            return series.cast(pl.Array(pl.Float64, dtype.shape), strict=False).to_numpy()
        # nulls are NaN, as an empty cell of a CSV file is: --nan-policy decides what they do
        columns.append(series.cast(pl.Float64, strict=False).to_numpy())
    if len(columns) == 1:
        return columns[0]
    return np.column_stack(columns)


class Whole:
    """A small columnar file (or one on stdin), read whole when selected."""

    def __init__(self, source, label: str, kind: str) -> None:
        self.source, self.label, self.kind = source, label, kind
        self.schema = _schema(self._source(), label, kind)

    def _source(self):
        if isinstance(self.source, (bytes, bytearray)):
            return io.BytesIO(self.source)
        return self.source

    def select(self, tokens: list[str] | None) -> np.ndarray:
        picked = _resolve(self.schema, tokens, self.label)
        try:
            frame = _scan(self._source(), self.kind).select(picked).collect()
        except LossCliError:
            raise
        except Exception as e:
            raise _polars_error(e, self.label, self.kind) from None
        array = _array(frame, picked, self.label, 0)
        if array.size == 0:
            raise InputError(f"{self.label} holds no numbers")
        return array


def read_whole(path_or_bytes, label: str, kind: str | None = None) -> Whole:
    """The whole reader's parsed form of a Parquet/Arrow file (inputs.Sources' hook)."""
    if kind is None:
        kind = _kind(path_or_bytes, label)
    return Whole(path_or_bytes, label, "Parquet" if kind == "Parquet" else "Arrow")


class ColumnarSource(_Source):
    """One Parquet/Arrow file in blocks, for stream.row_blocks (the same interface as _Source)."""

    def inspect(self, head_bytes: int) -> None:
        self.head_bytes = head_bytes
        self.format = "Parquet" if _kind(self.path, self.label) == "Parquet" else "Arrow"
        if remote.is_url(self.path):  # polars reads the URL itself, in row groups (losscli.remote)
            try:
                self.size = remote.size(self.path)
            except LossCliError as e:
                self._fail(e)
            self.kind = "columnar"
            return
        try:
            self.size = os.stat(self.path).st_size
        except OSError:
            from .stream import _WHOLE

            self.kind = _WHOLE  # the whole reader says what is wrong
            return
        self.kind = "columnar"

    def small(self, min_bytes: int) -> bool:
        return self.size is not None and self.size < min_bytes

    def start(self) -> None:
        try:
            if remote.is_url(self.path) and not remote.ranges(self.path):  # polars is not to meet such a server
                raise _polars_error(OSError("Range request not supported"), self.label, self.format)
            schema = _schema(self.path, self.label, self.format)
        except LossCliError as e:
            self._fail(e)
        self.picked = {}
        for option, (selector, source) in self.options.items():
            try:
                tokens = None if selector is None else _selector_names(selector, source)
                self.picked[option] = _resolve(schema, tokens, self.label)
            except LossCliError as e:
                raise _located(option, e) from None
        self.used = list(dict.fromkeys(name for picked in self.picked.values() for name in picked))
        row_bytes = 0
        for name in self.used:
            width = _check_dtype(name, schema[name], self.label)
            row_bytes += 8 * (1 if width is None else width or 16)  # a list's length: unknown, say 16
        self.chunk = max(1024, stream.BLOCK_BYTES // max(8, row_bytes))

    def blocks(self, pool=None) -> typing.Iterator[dict[str, np.ndarray]]:
        self.done = 0
        row0 = 0
        scan = _scan(self.path, self.format)
        if self.window is not None:  # a distributed task's rows: polars reads only their row groups
            kind, row0, stop = self.window
            if kind != "rows":
                raise stream.WindowRefused(f"a {kind} window of a {self.format} file")
            scan = scan.slice(row0, stop - row0)
        first = row0
        try:
            batches = scan.select(self.used).collect_batches(chunk_size=self.chunk)
        except Exception as e:
            raise _located(self.first_option, _polars_error(e, self.label, self.format)) from None
        while True:
            try:
                frame = next(batches, None)
            except Exception as e:
                raise _located(self.first_option, _polars_error(e, self.label, self.format)) from None
            if frame is None:
                break
            out = {}
            for option, picked in self.picked.items():
                try:
                    out[option] = _array(frame, picked, self.label, row0)
                except LossCliError as e:
                    raise _located(option, e) from None
            row0 += frame.height
            self.rows = row0 - first
            self.done = self.size  # the bytes of a compressed file are not read in order: shown at the end
            if frame.height:
                yield out
        if row0 == first:
            raise _located(self.first_option, InputError(f"{self.label} holds no numbers"))


# --- output: -r none -f parquet --output PATH ----------------------------------------------------


def _frames(r, view) -> typing.Iterator:
    """The per-element rows of a result as polars DataFrames, a block at a time: the columns of
    `-r none -f csv` (index, the inputs, loss), with the same names."""
    import polars as pl

    from .render import rows_of

    top = view.top is not None and r.top is not None  # --top's rows, whole or in blocks
    parts = r.blocks() if r.blocks is not None and not top else [r]
    for part in parts:
        rows = rows_of(part, view.top if part is r else None)
        if rows is None:
            raise UsageError("-f parquet writes the per-element losses: add -r none (or --top K), or choose "
                             "another --format for a reduced value")
        for start in range(0, rows.total, 1 << 20):
            stop = min(rows.total, start + (1 << 20))
            index = rows.positions(start, stop)
            columns = [index[:, d] for d in range(index.shape[1])] + [c[start:stop] for c in rows.columns]
            yield pl.DataFrame({name: np.asarray(c) for name, c in zip(rows.header, columns)})


def emit_parquet(r, view, out) -> None:
    """Write the per-element rows as Parquet to OUT (a binary stream), streamed: polars sinks
    the blocks as they come from the engine's spool (one row group or more per block)."""
    import polars as pl
    from polars.io.plugins import register_io_source

    if getattr(out, "isatty", lambda: False)():
        raise UsageError("-f parquet writes binary data: give --output PATH, or pipe it to a file")
    frames = _frames(r, view)
    first = next(frames, None)
    if first is None:
        first = pl.DataFrame({"index": np.zeros(0, np.int64), "loss": np.zeros(0)})
    schema = first.schema

    def source(with_columns, predicate, n_rows, batch_size):
        for f in itertools.chain([first], frames):
            f = f.cast(schema) if f.schema != schema else f
            yield f.select(with_columns) if with_columns is not None else f

    buffer = getattr(out, "buffer", out)
    out.flush()
    register_io_source(source, schema=schema).sink_parquet(buffer)
    buffer.flush()
