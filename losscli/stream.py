"""A large CSV/TSV file, read in blocks of rows in bounded memory, for the reductions.

polars parses each block (`benchmarks/run.py --only parsers --slow`, 10M rows: as fast as
pandas' chunked C parser at less memory, 141 against 182 MiB; pyarrow's streaming reader is
1.5x slower and losscli's pure-Python reader 21x slower at 5 GB). The blocks must hold exactly
what the full reader would accept. polars' float parser accepts no token that losscli's
number grammar refuses (checked on 3,000 random tokens in tests/test_stream.py), and a block refuses when a field is missing or extra, when
its rows are not its lines (a stray quote joining lines), or when a number overflows to
inf. Any refusal raises InputError, and the caller then reads the whole file with
inputs.py, whose message names the line and the column.
"""

import csv
import os
import re
from collections import deque
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .errors import InputError
from .inputs import _column_indices, _parse_delimiter, _selector_names, _split_source, is_header

BLOCK_BYTES = 8 << 20
_DELIMITERS = {".csv": ",", ".tsv": "\t"}
_INF = re.compile(rb"[iI][nN][fF]")


def plan(per_sample: dict[str, str], delimiter: str | None, min_bytes: int, progress=None):
    """An iterator of {option: rows of this block}, when every option names a column of one
    CSV/TSV file of at least min_bytes; otherwise None (the caller reads the whole input).
    progress(done, total), if given, hears the bytes read after each block."""
    parsed = {option: _split_source(source) for option, source in per_sample.items()}
    paths = {os.path.realpath(path) for path, _ in parsed.values() if path not in (None, "-")}
    if len(paths) != 1 or any(path in (None, "-") for path, _ in parsed.values()):
        return None
    path = paths.pop()
    extension = os.path.splitext(path)[1].lower()
    sep = _parse_delimiter(delimiter) if delimiter else _DELIMITERS.get(extension)
    if not isinstance(sep, str) or len(sep) != 1 or not os.path.isfile(path) or os.path.getsize(path) < min_bytes:
        return None
    label = next(p for p, _ in parsed.values())
    with open(path, "rb") as f:
        first = f.readline()
    text = first.removeprefix(b"\xef\xbb\xbf").decode("utf-8", errors="replace").rstrip("\r\n")
    if not text.strip():
        return None
    cells = next(csv.reader([text], delimiter=sep, skipinitialspace=True))
    names = [c.strip() for c in cells] if is_header(cells) else None  # the rule of inputs.py
    columns = {option: _column_indices(_selector_names(sel, per_sample[option]), names, len(cells), label)
               if sel else None for option, (_, sel) in parsed.items()}
    skip = len(first) if names is not None else (len(first) - len(first.removeprefix(b"\xef\xbb\xbf")))
    return _blocks(path, skip, sep, len(cells), columns, label, progress)


def _blocks(path: str, skip: int, sep: str, ncols: int, columns: dict, label: str, progress=None):
    import polars as pl

    schema = {f"c{j}": pl.Float64 for j in range(ncols)}

    def parse(block: bytes) -> np.ndarray:
        try:
            frame = pl.read_csv(block, has_header=False, schema=schema, separator=sep)
        except Exception as e:  # polars' parse errors share no public base class
            raise InputError(f"{label}: {str(e).splitlines()[0]}") from None
        if frame.null_count().sum_horizontal().item():
            raise InputError(f"{label} has an empty field or a short row")
        if frame.height != block.count(b"\n") + (not block.endswith(b"\n")):
            raise InputError(f"{label} has rows that are not lines (a quoted field spans lines?)")
        rows = frame.to_numpy()
        # polars reads 1e999 as inf; losscli refuses a number beyond float64 unless it says inf
        infinite = int(np.isinf(rows).sum())  # the regex below only runs when there is an inf
        if infinite and infinite > len(_INF.findall(block)):
            raise InputError(f"{label} holds a number beyond float64")
        return rows

    def select(rows: np.ndarray) -> dict:
        out = {}
        for option, idx in columns.items():
            if idx is None:
                out[option] = rows[:, 0] if ncols == 1 else rows
            else:
                out[option] = rows[:, idx[0]] if len(idx) == 1 else rows[:, idx]
        return out

    total = os.path.getsize(path)
    with open(path, "rb") as f, ThreadPoolExecutor(2) as pool:
        f.seek(skip)
        pending, rest = deque(), b""
        while True:
            if progress is not None:
                progress(f.tell(), total)
            data = f.read(BLOCK_BYTES)
            cut = data.rfind(b"\n") + 1 if data else 0
            view = memoryview(data)
            block = rest + view[:cut] if data else rest  # one copy: whole lines only
            rest = bytes(view[cut:]) if data else b""
            if block:
                pending.append(pool.submit(parse, block))
            if len(pending) > 1 or (not data and pending):
                yield select(pending.popleft().result())
            if not data:
                while pending:
                    yield select(pending.popleft().result())
                return
