"""A computed Result -> text for a person (Rich on a terminal), JSON, JSON Lines, CSV, TSV,
Markdown or bare values. Nothing here computes a loss; it only formats what the core returned.
"""

import json
import math
import os
import sys
import time
from dataclasses import dataclass, field

import numpy as np

from . import __version__

TABLE_ROWS = 50  # rows of a per-element table shown on a terminal
CHUNK = 1 << 16  # rows formatted at a time, so long outputs stream in bounded memory
CHUNK_ROWS = 1 << 18  # rows per block of delimited output


@dataclass(frozen=True)
class Result:
    """What one run computed, built once by losscli.engine (or `losscli merge`) and never changed."""

    loss: str  # the command name, e.g. "cross-entropy"
    reduction: str
    value: np.ndarray  # 0-d when reduced, the per-element losses for 'none' (empty when in blocks)
    dtype: str
    shape: tuple[int, ...]  # shape of the first input (--pred or --input1)
    params: dict = field(default_factory=dict)  # the loss's own options, as given
    columns: dict[str, np.ndarray] = field(default_factory=dict)  # inputs aligned with value
    grad: dict[str, np.ndarray] = field(default_factory=dict)  # d loss / d input, by input name
    omitted: int | None = None  # samples dropped by --nan-policy omit
    parts: dict | None = None  # {"sum", "denominator"}: partial sums that `losscli merge` adds up
    streamed: bool = False  # computed a block of rows at a time
    offset: int = 0  # the first row's index, for a block of a per-element result
    top: "Rows | None" = None  # the K largest per-element losses (--top), found by the engine
    histogram: dict | None = None  # {"edges", "counts", "nonfinite"} (--hist)
    element_failures: tuple[str, ...] | None = None  # gate failures over the elements (-r none)
    blocks: object = None  # per-element Results a block at a time (a function yielding them afresh)
    warnings: tuple[str, ...] = ()  # what the core warned about (kl-div's mean), once each
    elements_shape: tuple[int, ...] | None = None  # of the per-element losses (all blocks together)
    ci: dict | None = None  # --ci: {"level", "low", "high", "se", "method", "unit", "n"} (losscli.stats)
    moments: object = None  # --ci: the stats.Moments behind it, in "partials" for `losscli merge`
    sample_values: np.ndarray | None = None  # (N, k) per-sample losses (and weights), when kept
    bootstrap: object = None  # --ci-method bootstrap: the stats.Bootstrap's per-resample sums, in "partials"
    groups: tuple | None = None  # --by: each group's {"group", "value", "n", "sum", "denominator", "ci", ...}
    by: str | None = None  # --by's SOURCE

    @property
    def n(self) -> int:
        """Elements of the first input: JSON's "elements" (and "n", kept: keys are an API)."""
        return math.prod(self.shape)

    @property
    def samples(self) -> int:
        """Samples: the first dim of the per-element losses (the batch: ctc's N of (T, N, C)), 1 for
        torch's unbatched inputs; a merged result has no per-element shape and counts rows."""
        if self.elements_shape is None:
            return self.shape[0] if self.shape else 1
        return self.elements_shape[0] if self.elements_shape else 1

    @property
    def per_sample(self) -> bool:
        """Whether the per-element losses (-r none, --top) are one per sample, not per element."""
        e = self.elements_shape
        return e is not None and len(e) == 1 and self.samples != self.n

    @property
    def signature(self) -> str:
        """What produced the number, to reproduce it: loss, parameters, dtype, version."""
        parts = [self.loss, *(f"{k}={v}" for k, v in self.params.items()), f"reduction={self.reduction}"]
        if self.omitted is not None:
            parts.append("nan_policy=omit")
        return "|".join(parts + [f"dtype={self.dtype}", f"losscli={__version__}"])




@dataclass
class View:
    """How to show a Result: the output options of every loss command."""

    fmt: str = "text"  # text, json, jsonl, csv, tsv, md
    quiet: bool = False
    precision: int | None = None
    top: int | None = None
    hist: bool = False
    color: bool = True


# --- numbers -------------------------------------------------------------------------------


def exact(values) -> list[str]:
    """Shortest round-trip text of each value in its own dtype ('nan', 'inf', '-inf')."""
    a = np.asarray(values).ravel()
    if a.dtype == np.float64:  # float's repr is the same text, about twice as fast as NumPy's
        return list(map(float.__repr__, a.tolist()))
    return a.astype(str).tolist()


def json_number(text: str):
    if text.lstrip("-").isdigit():
        return int(text)
    v = float(text)
    if math.isfinite(v):
        return v
    return "NaN" if math.isnan(v) else ("Infinity" if v > 0 else "-Infinity")


def json_values(values) -> object:
    """A number or nested list, exact in the values' dtype, non-finite values as strings."""
    a = np.asarray(values)
    flat = [json_number(s) for s in exact(a)]
    return flat[0] if a.ndim == 0 else np.array(flat, dtype=object).reshape(a.shape).tolist()


def human(values, precision: int, sci: bool | None = None) -> list[str]:
    """Format like torch prints: fixed decimals, or scientific for the whole set when the
    non-zero finite magnitudes span more than 1000x, exceed 1e8 or fall below 1e-4 (`sci`
    decides instead, for a column printed a block at a time: see magnitudes())."""
    if np.asarray(values).dtype.kind in "iu":  # class indices
        return exact(values)
    v = np.asarray(values, dtype=np.float64).ravel()
    if sci is None:
        sci = scientific(*magnitudes(v))
    spec = f".{precision}e" if sci else f".{precision}f"
    return [format(x, spec) if math.isfinite(x) else str(x) for x in v.tolist()]


# --- the rows a result shows: per element, the top K, or the gradient --------------------


@dataclass
class Rows:
    title: str
    header: list[str]
    shape: tuple[int, ...]  # of the per-element array the rows come from
    order: np.ndarray | None  # flat positions of the rows in it; None: all, in order
    columns: list[np.ndarray]  # one flat array per non-index column (views where possible)
    total: int  # rows in all (the text table may show fewer)
    offset: int = 0  # added to the first index: a block's place in the whole

    def positions(self, start: int = 0, stop: int | None = None) -> np.ndarray:
        """(rows, ndim) integer positions of rows start..stop, computed a slice at a time."""
        stop = self.total if stop is None else min(stop, self.total)
        flat = np.arange(start, stop) if self.order is None else self.order[start:stop]
        if not self.shape:
            return np.zeros((len(flat), 0), int)
        index = np.stack(np.unravel_index(flat, self.shape), axis=1)
        index[:, 0] += self.offset
        return index


def rows_of(r: Result, top: int | None) -> Rows | None:
    """The table a result shows, or None for a single reduced value."""
    if r.grad:
        shape = next(iter(r.grad.values())).shape
        names = ["grad"] if len(r.grad) == 1 else [f"grad_{k}" for k in r.grad]
        flat = [g.ravel() for g in r.grad.values()]
        return Rows(f"gradient of {r.loss} w.r.t. --{'/--'.join(r.grad)}", index_names(len(shape)) + names,
                    shape, None, flat, math.prod(shape), r.offset)
    if top is not None and r.top is not None:
        return r.top
    if r.value.ndim == 0 or r.reduction != "none":
        return None
    shape = r.value.shape
    values = r.value.ravel()
    columns = [np.broadcast_to(c, shape).ravel() for c in r.columns.values()] + [values]
    header = index_names(len(shape)) + list(r.columns) + ["loss"]
    unit = "sample" if r.per_sample else "element"
    return Rows(f"{r.loss} per {unit}", header, shape, None, columns, values.size, r.offset)


def index_names(ndim: int) -> list[str]:
    return ["index"] if ndim == 1 else [f"index{d}" for d in range(ndim)]


# --- output --------------------------------------------------------------------------------


def emit(r: Result, view: View, out) -> None:
    if view.fmt == "parquet":  # the per-element rows as Parquet: losscli.columnar
        from .columnar import emit_parquet

        emit_parquet(r, view, out)
        return
    if r.blocks is not None and not (view.top is not None and r.top is not None and view.fmt != "json"):
        _emit_streamed(r, view, out)  # (--top's rows are what a row format shows of a whole result too)
        return
    rows = rows_of(r, view.top)
    if r.groups is not None and rows is None and not view.quiet and view.fmt in ("csv", "tsv", "jsonl"):
        _groups_delimited(r, view.fmt, out)  # --by: one row (or line) per group
    elif view.quiet:
        _quiet(r, rows, view.precision, out)
    elif view.fmt == "json":
        out.write(json.dumps(to_json(r, rows, view)) + "\n")
    elif view.fmt == "jsonl":
        _jsonl(r, rows, view, out)
    elif view.fmt in ("csv", "tsv"):
        _delimited(r, rows, "," if view.fmt == "csv" else "\t", out)
    elif view.fmt == "md":
        _markdown(r, rows, view, out)
    else:
        _text(r, rows, view, out)


def _emit_streamed(r: Result, view: View, out) -> None:
    """A per-element result (losses with -r none, or a gradient) computed in blocks: its rows
    are written a block at a time from the engine's spool, in every format."""
    parts = r.blocks()
    if view.quiet or view.fmt in ("csv", "tsv", "jsonl"):
        emit_blocks(parts, view, out)
    elif view.fmt == "json":
        _json_streamed(r, parts, view, out)
    elif view.fmt == "md":
        precision = 4 if view.precision is None else view.precision
        sci = _column_formats(r)
        for i, part in enumerate(parts):
            rows = rows_of(part, None)
            table = markdown_table(rows.header, _text_rows(rows, precision, rows.total, sci))
            out.write(table if i == 0 else table.split("\n", 2)[2])
    else:
        _text_streamed(r, parts, view, out)


def _text_streamed(r: Result, parts, view: View, out) -> None:
    """Text of a per-element result in blocks: as _text prints a whole one (on a terminal, a
    table of the first rows and the count of all; piped, -f tsv's rows or rounded ones)."""
    precision = 4 if view.precision is None else view.precision
    if r.value.ndim == 0:
        _text(r, None, View("text", False, view.precision, None, False, view.color), out)
    elif not _is_terminal(out) and view.precision is None:
        emit_blocks(parts, View("tsv"), out)
        return
    for i, part in enumerate(parts):
        rows = rows_of(part, None)
        if _is_terminal(out):
            total = math.prod(r.elements_shape) if r.reduction == "none" and not part.grad else \
                math.prod(rows.shape[1:]) * _rows_in(r)
            shown = Rows(rows.title, rows.header, rows.shape, rows.order, rows.columns, total, rows.offset)
            _rich_table(shown, r, precision, _console(out, view.color))
            return
        if i == 0:
            sci = _column_formats(r)
            out.write(("" if r.value.ndim > 0 else rows.title + "\n") + "\t".join(rows.header) + "\n")
        for start in range(0, rows.total, CHUNK):
            out.write("".join("\t".join(row) + "\n" for row in _text_rows(_slice(rows, start), precision, CHUNK, sci)))


def _column_formats(r: Result) -> list[bool]:
    """Whether each column of a result in blocks prints in scientific notation, decided over
    all its blocks (one more pass over the spooled rows), as for the whole column."""
    seen: list | None = None
    for part in r.blocks():
        columns = rows_of(part, None).columns
        if seen is None:
            seen = [[0.0, math.inf, 0] for _ in columns]
        for acc, c in zip(seen, columns):
            top, bottom, count = magnitudes(c)
            acc[0], acc[1], acc[2] = max(acc[0], top), min(acc[1], bottom), acc[2] + count
    return [scientific(*acc) for acc in seen or []]


def _rows_in(r: Result) -> int:
    return r.shape[0] if r.shape else 1


def _json_streamed(r: Result, parts, view: View, out) -> None:
    """The JSON object of a result computed in blocks, key for key as for a whole input, with
    its per-element "value" (-r none) and "grad" lists written a block of rows at a time."""
    obj = to_json(r, r.top if view.top else None, view)
    names = _grad_names(r)
    if names:  # where to_json puts "grad": before "top" and "histogram"
        tail = {k: obj.pop(k) for k in ("top", "histogram") if k in obj}
        obj["grad"] = None
        obj.update(tail)
    out.write("{")
    for i, (key, value) in enumerate(obj.items()):
        out.write(("" if i == 0 else ", ") + json.dumps(key) + ": ")
        if key == "value" and r.reduction == "none":
            out.write("[")
            _json_rows(parts, lambda part: part.value, out)
            out.write("]")
        elif key == "grad":
            out.write("{")
            for j, name in enumerate(names):
                out.write(("" if j == 0 else ", ") + json.dumps(name) + ": [")
                _json_rows(r.blocks(), lambda part, name=name: part.grad[name], out)
                out.write("]")
            out.write("}")
        else:
            out.write(json.dumps(value))
    out.write("}\n")


def _grad_names(r: Result) -> list[str]:
    for part in r.blocks():
        return list(part.grad)
    return []


def _json_rows(parts, pick, out) -> None:
    first = True
    for part in parts:
        a = pick(part)
        if a.shape[:1] == (0,):
            continue
        text = json.dumps(json_values(a))[1:-1]
        out.write(text if first else ", " + text)
        first = False


def emit_blocks(parts, view: View, out) -> None:
    """A per-element result that arrives a block of rows at a time (csv, tsv, jsonl or -q)."""
    if view.quiet:
        for part in parts:
            _quiet(part, rows_of(part, None), view.precision, out)
        return

    def texts():
        for i, part in enumerate(parts):
            rows = rows_of(part, None)
            if view.fmt == "jsonl":
                yield from _jsonl_texts(part, rows, view)
            else:
                yield from _delimited_texts(part, rows, "," if view.fmt == "csv" else "\t", header=i == 0)

    write_in_order(texts(), out)


def write_in_order(texts, out) -> None:
    """Write the texts in order, each a str or a function that makes one. The functions run two
    at a time on two threads: polars' writers are single-threaded and release the GIL, so on two
    cores a long per-element output is formatted in about half the time (benchmarks/run.py)."""
    from collections import deque
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(2) as pool:
        pending: deque = deque()
        for text in texts:
            pending.append(pool.submit(text) if callable(text) else text)
            while len(pending) > 2 or pending and isinstance(pending[0], str):
                first = pending.popleft()
                out.write(first if isinstance(first, str) else first.result())
        for first in pending:
            out.write(first if isinstance(first, str) else first.result())


def to_json(r: Result, rows: Rows | None, view: View) -> dict:
    obj = {
        "loss": r.loss,
        "reduction": r.reduction,
        "value": json_values(r.value),
        "shape": list(r.shape),
        "n": r.n,
        "samples": r.samples,
        "elements": r.n,
        "params": r.params,
        "dtype": r.dtype,
        "version": __version__,
        "signature": r.signature,
    }
    if r.omitted is not None:
        obj["omitted"] = r.omitted
    if r.warnings:
        obj["warnings"] = list(r.warnings)
    if r.parts is not None:
        obj["partials"] = {k: json_number(repr(float(v))) for k, v in r.parts.items()}
        if r.moments is not None:
            obj["partials"]["moments"] = r.moments.to_json()
        if r.bootstrap is not None:
            obj["partials"]["bootstrap"] = r.bootstrap.to_json()
    if r.ci is not None:
        obj["ci"] = ci_json(r.ci)
    if r.groups is not None:
        obj["by"] = r.by
        obj["groups"] = [group_json(g, r.parts is not None) for g in r.groups]
    if r.grad:
        obj["grad"] = {name: json_values(g) for name, g in r.grad.items()}
    elif view.top is not None and rows is not None:
        obj["top"] = [dict(zip(rows.header, row)) for row in _row_values(rows, 0, rows.total)]
    if view.hist:
        obj["histogram"] = r.histogram
    return obj


def _row_values(rows: Rows, start: int, stop: int):
    """Rows start..stop as lists of JSON values (index as integers, numbers exact)."""
    index = rows.positions(start, stop).tolist()
    cols = [[json_number(s) for s in exact(c[start:stop])] for c in rows.columns]
    for i, position in enumerate(index):
        yield position + [c[i] for c in cols]


def group_json(g: dict, partials: bool = True) -> dict:
    """One group of --by: {"group", "value", "n", "ci"} and the partial sums `losscli merge` adds."""
    obj = {"group": g["group"], "value": json_values(g["value"]), "n": g["n"]}
    if g["ci"] is not None:
        obj["ci"] = ci_json(g["ci"])
    if partials:
        obj["partials"] = {"sum": json_number(repr(g["sum"])), "denominator": json_number(repr(g["denominator"]))}
        if g["moments"] is not None:
            obj["partials"]["moments"] = g["moments"].to_json()
        if g["bootstrap"] is not None:
            obj["partials"]["bootstrap"] = g["bootstrap"].to_json()
    return obj


def by_name(by: str | None) -> str:
    """What the groups are keyed by, for a heading: the column's name, else the SOURCE."""
    if not by:
        return "group"
    if by.startswith("-:"):
        return by[2:]
    from .inputs import _split_source

    path, selector = _split_source(by)
    if path is None:
        return "--by" if by != "target" else "target"
    return selector or os.path.basename(path)


def _group_fields(r: Result, g: dict) -> dict:
    fields = {"loss": r.loss, "reduction": r.reduction, "dtype": r.dtype, "by": by_name(r.by), "group": g["group"],
              "samples": g["n"], "value": exact(g["value"])[0]}
    if g["ci"] is not None:
        c = g["ci"]
        fields.update({"ci_level": repr(c["level"]), "ci_low": repr(c["low"]), "ci_high": repr(c["high"]),
                       "ci_se": repr(c["se"]), "ci_method": c["method"], "ci_n": c["n"]})
    return fields


def _groups_delimited(r: Result, fmt: str, out) -> None:
    """--by in CSV/TSV: one row per group (sorted as in JSON); JSON Lines: one object per group."""
    if fmt == "jsonl":
        for g in r.groups:
            obj = {"loss": r.loss, "reduction": r.reduction, "dtype": r.dtype, "by": r.by} | group_json(g, False)
            out.write(json.dumps(obj) + "\n")
        return
    import csv

    writer = csv.writer(out, delimiter="," if fmt == "csv" else "\t", lineterminator="\n")
    rows = [_group_fields(r, g) for g in r.groups]
    writer.writerow(list(rows[0]) if rows else list(_group_fields(r, {"group": "", "n": 0, "value": r.value,
                                                                       "ci": None})))
    writer.writerows(list(row.values()) for row in rows)


def groups_table(r: Result, precision: int) -> tuple[list[str], list[list[str]]]:
    """The header and rows of the groups of --by, as text: group, loss, samples (and the interval)."""
    header = [by_name(r.by), "loss", "samples"]
    values = human([float(g["value"]) for g in r.groups], precision) if r.groups else []
    body = [[g["group"], v, str(g["n"])] for g, v in zip(r.groups, values)]
    if r.ci is not None:
        header += [f"{format(100 * r.ci['level'], 'g')}% CI", "se"]
        for row, g in zip(body, r.groups):
            low, high, se = human([g["ci"]["low"], g["ci"]["high"], g["ci"]["se"]], precision)
            row += [f"[{low}, {high}]", se]
    return header, body


def _groups_text(r: Result, precision: int, console, out) -> None:
    header, body = groups_table(r, precision)
    title = f"{r.loss} by {by_name(r.by)}: {len(body)} group{'s' if len(body) != 1 else ''}, largest first"
    if console:
        from rich.table import Table

        table = Table(title=title, title_justify="left")
        for i, name in enumerate(header):
            table.add_column(name, justify="left" if i == 0 else "right", no_wrap=True,
                             style="bold" if name == "loss" else None)
        for row in body:
            table.add_row(*row)
        console.print(table)
        return
    widths = [max(len(row[i]) for row in [header, *body]) for i in range(len(header))]
    lines = [title]
    for row in [header, *body]:
        cells = [row[0].ljust(widths[0])] + [cell.rjust(w) for cell, w in zip(row[1:], widths[1:])]
        lines.append("  " + "  ".join(cells).rstrip())
    out.write("\n".join(lines) + "\n")


def ci_json(ci: dict) -> dict:
    """The "ci" object: numbers exact (NaN as the string "NaN", as every JSON value here)."""
    return {k: json_number(repr(float(v))) if isinstance(v, float) else v for k, v in ci.items()}


def ci_text(ci: dict, precision: int) -> str:
    """'95% CI [0.1200, 0.1800] (se 0.0150, t over 100 samples)'."""
    low, high, se = human([ci["low"], ci["high"], ci["se"]], precision)
    level = format(100 * ci["level"], "g")
    return f"{level}% CI [{low}, {high}] (se {se}, {ci['method']} over {ci['n']} {ci['unit']}s)"


def _quiet(r: Result, rows: Rows | None, precision: int | None, out) -> None:
    values = r.value.ravel() if rows is None else rows.columns[-1]
    if precision is None and values.size > 1:
        _write_columns(out, ["value"], [values], "\t", header=False)
        return
    for start in range(0, max(values.size, 1), CHUNK):
        chunk = values[start : start + CHUNK]
        if precision is None:
            lines = exact(chunk)
        else:
            lines = [format(x, f".{precision}f") for x in np.asarray(chunk, dtype=np.float64).tolist()]
        out.write("\n".join(lines) + "\n")


def _scalar_fields(r: Result) -> dict:
    fields = {"loss": r.loss, "reduction": r.reduction, "dtype": r.dtype, "samples": r.samples, "elements": r.n,
              "value": exact(r.value)[0]}
    if r.ci is not None:
        c = r.ci
        fields.update({"ci_level": repr(c["level"]), "ci_low": repr(c["low"]), "ci_high": repr(c["high"]),
                       "ci_se": repr(c["se"]), "ci_method": c["method"], "ci_n": c["n"]})
    return fields


def _delimited(r: Result, rows: Rows | None, sep: str, out, header: bool = True) -> None:
    write_in_order(_delimited_texts(r, rows, sep, header), out)


def _delimited_texts(r: Result, rows: Rows | None, sep: str, header: bool = True):
    if rows is None:
        fields = _scalar_fields(r)
        yield sep.join(fields) + "\n" + sep.join(map(str, fields.values())) + "\n"
        return
    if header:
        yield sep.join(rows.header) + "\n"
    for start in range(0, rows.total, CHUNK_ROWS):
        yield lambda start=start: _columns_text(_chunk_columns(rows, start), sep)


def _chunk_columns(rows: Rows, start: int) -> list[np.ndarray]:
    stop = start + CHUNK_ROWS
    index = rows.positions(start, stop)
    return [index[:, d] for d in range(index.shape[1])] + [c[start:stop] for c in rows.columns]


def _write_columns(out, names: list[str], columns: list[np.ndarray], sep: str, header: bool = True) -> None:
    total = len(columns[0]) if columns else 0
    if header:
        out.write(sep.join(names) + "\n")
    write_in_order((lambda start=start: _columns_text([c[start : start + CHUNK_ROWS] for c in columns], sep)
                    for start in range(0, total, CHUNK_ROWS)), out)


def _columns_text(columns: list[np.ndarray], sep: str) -> str:
    """Delimited rows. polars formats them (shortest round-trip digits, as repr does, ~10x
    faster than Python's formatting: benchmarks/run.py)."""
    import polars as pl

    frame = pl.DataFrame({f"c{i}": c for i, c in enumerate(columns)})
    return frame.write_csv(separator=sep, include_header=False, line_terminator="\n")


def _jsonl(r: Result, rows: Rows | None, view: View, out) -> None:
    write_in_order(_jsonl_texts(r, rows, view), out)


def _jsonl_texts(r: Result, rows: Rows | None, view: View):
    if rows is None:
        yield json.dumps(to_json(r, rows, view)) + "\n"
        return
    for start in range(0, rows.total, CHUNK_ROWS):
        yield lambda start=start: _jsonl_text(rows, start)


def _jsonl_text(rows: Rows, start: int) -> str:
    import polars as pl

    columns = _chunk_columns(rows, start)
    if all(c.dtype.kind in "iub" or np.isfinite(c).all() for c in columns):
        # polars writes the lines ~50x faster than json.dumps per row, numbers shortest round-trip
        return pl.DataFrame(dict(zip(rows.header, columns))).write_ndjson()
    # NaN and infinities as the strings "NaN", "Infinity", "-Infinity" (valid JSON)
    lines = (json.dumps(dict(zip(rows.header, row)), separators=(",", ":"))
             for row in _row_values(rows, start, start + CHUNK_ROWS))
    return "\n".join(lines) + "\n"


def _markdown(r: Result, rows: Rows | None, view: View, out) -> None:
    precision = 4 if view.precision is None else view.precision
    if rows is None:
        header = ["loss", "value", "reduction", "samples", "elements", "dtype", "signature"]
        body = [[r.loss, human(r.value, precision)[0], r.reduction, str(r.samples), str(r.n), r.dtype,
                 f"`{r.signature}`"]]
        if r.ci is not None:
            header[2:2] = [f"{format(100 * r.ci['level'], 'g')}% CI", "se", "method"]
            low, high, se = human([r.ci["low"], r.ci["high"], r.ci["se"]], precision)
            body[0][2:2] = [f"[{low}, {high}]", se, f"{r.ci['method']} over {r.ci['n']} {r.ci['unit']}s"]
    else:
        header = rows.header
        body = _text_rows(rows, precision, rows.total)
    out.write(markdown_table(header, body))
    if rows is None and r.groups is not None:
        out.write("\n" + markdown_table(*groups_table(r, precision)))


def markdown_cell(text: str) -> str:
    """A table cell's text on one line, `|` escaped (inside code spans too, as GitHub requires)."""
    return text.replace("|", "\\|").replace("\n", " ")


def markdown_table(header: list[str], body: list[list[str]]) -> str:
    """A GitHub-flavoured Markdown table, every cell escaped."""
    line = lambda row: "| " + " | ".join(map(markdown_cell, row)) + " |\n"  # noqa: E731
    return line(header) + "|" + "---|" * len(header) + "\n" + "".join(map(line, body))


def magnitudes(values) -> tuple[float, float, int]:
    """(largest, smallest, count) of the non-zero finite magnitudes: what human() decides by."""
    v = np.abs(np.asarray(values, dtype=np.float64).ravel())
    finite = v[np.isfinite(v) & (v != 0)]
    if not finite.size:
        return 0.0, math.inf, 0
    return float(finite.max()), float(finite.min()), int(finite.size)


def scientific(top: float, bottom: float, count: int) -> bool:
    return count > 0 and (top > 1e8 or bottom < 1e-4 or (count > 1 and top / bottom > 1000))


def _text_rows(rows: Rows, precision: int, limit: int, sci: list | None = None) -> list[list[str]]:
    index = rows.positions(0, limit).astype(str).tolist()
    cols = [human(c[:limit], precision, None if sci is None else sci[j]) for j, c in enumerate(rows.columns)]
    return [position + [c[i] for c in cols] for i, position in enumerate(index)]


def _summary(r: Result) -> str:
    parts = [f"{k}={v}" for k, v in r.params.items()]
    parts += [f"reduction={r.reduction}", f"samples={r.samples}"]
    if r.n != r.samples:
        parts.append(f"elements={r.n}")
    if r.omitted is not None:
        parts.append(f"omitted={r.omitted}")
    return ", ".join(parts + [f"dtype={r.dtype}", f"losscli {__version__}"])


def _text(r: Result, rows: Rows | None, view: View, out) -> None:
    precision = 4 if view.precision is None else view.precision
    terminal = _is_terminal(out)
    console = None
    if terminal:
        console = _console(out, view.color)
    if r.value.ndim == 0:
        text = human(r.value, precision)[0]
        if console:
            console.print(f"[bold]{r.loss}[/]: [bold cyan]{text}[/]  [dim]({_summary(r)})[/]")
        else:
            out.write(f"{r.loss}: {text}  ({_summary(r)})\n")
        if r.ci is not None:
            line = ci_text(r.ci, precision)
            console.print(f"  {line}", markup=False) if console else out.write(f"  {line}\n")
        if r.groups is not None:
            _groups_text(r, precision, console, out)
    if rows is not None:
        if console:
            _rich_table(rows, r, precision, console)
        elif r.value.ndim > 0 and view.precision is None:
            # piped -r none is data for sort/awk/cut: -f tsv's one header row and exact digits
            _delimited(r, rows, "\t", out)
        else:
            heading = "" if r.value.ndim > 0 else rows.title + "\n"
            out.write(heading + "\t".join(rows.header) + "\n")
            for start in range(0, rows.total, CHUNK):
                out.write("".join("\t".join(row) + "\n" for row in _text_rows(_slice(rows, start), precision, CHUNK)))
    if view.hist:
        _histogram_text(r.histogram, precision, console, out, "sample" if r.per_sample else "element")


def _slice(rows: Rows, start: int) -> Rows:
    order = np.arange(start, rows.total) if rows.order is None else rows.order[start:]
    return Rows(rows.title, rows.header, rows.shape, order, [c[start:] for c in rows.columns], rows.total - start,
                rows.offset)


def _rich_table(rows: Rows, r: Result, precision: int, console) -> None:
    from rich.table import Table

    caption = None if r.value.ndim == 0 else _summary(r)
    table = Table(title=rows.title, caption=caption, title_justify="left")
    for name in rows.header:
        table.add_column(name, justify="right", no_wrap=True, style="bold" if name in ("loss", "grad") else None)
    for row in _text_rows(rows, precision, TABLE_ROWS):
        table.add_row(*row)
    console.print(table)
    if rows.total > TABLE_ROWS:
        console.print(
            f"[dim]{rows.total - TABLE_ROWS} more rows not shown; all {rows.total} with "
            "--format csv, tsv, jsonl or json, or -q[/]"
        )


def _histogram_text(h: dict, precision: int, console, out, unit: str = "element") -> None:
    counts, edges = h["counts"], h["edges"]
    width = 40
    peak = max(counts, default=0) or 1
    labels = human(np.array(edges), precision)
    pad = max(map(len, labels), default=0)
    lines = [f"histogram of the per-{unit} losses:"]
    for i, count in enumerate(counts):
        bar = ("█" if console else "#") * math.ceil(width * count / peak) if count else ""
        close = "]" if i == len(counts) - 1 else ")"
        lines.append(f"  [{labels[i]:>{pad}}, {labels[i + 1]:>{pad}}{close} {count:>9}  {bar}".rstrip())
    if h["nonfinite"]:
        lines.append(f"  not finite: {h['nonfinite']}")
    if console:
        for line in lines:
            console.print(line, markup=False)
    else:
        out.write("\n".join(lines) + "\n")


def _console(out, color: bool):
    """A Rich console on a terminal; without colour (--no-color, NO_COLOR) no ANSI styling at
    all: no colour, and no bold, italic or dim either."""
    from rich.console import Console

    return Console(file=out, highlight=False, no_color=not color, color_system="auto" if color else None)



def _is_terminal(out) -> bool:
    return hasattr(out, "isatty") and out.isatty() and os.environ.get("TERM") != "dumb"


class ReadProgress:
    """A progress bar on stderr while a large file is read (bytes, rate, time left): only on a
    terminal, never with -q, and only once the read has taken about a second, so short runs
    and pipelines never see it and never pay for Rich."""

    def __init__(self, label: str, enabled: bool, stream=None) -> None:
        self.label, self.stream = label, stream or sys.stderr
        self.enabled = enabled and hasattr(self.stream, "isatty") and self.stream.isatty()
        self.started, self.bar, self.task = time.monotonic(), None, None

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            if time.monotonic() - self.started < 1.0:
                return
            from rich.console import Console
            from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
            from rich.progress import TransferSpeedColumn

            self.bar = Progress(TextColumn(self.label), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
                                TimeRemainingColumn(), console=Console(file=self.stream), transient=True)
            self.bar.start()
            self.task = self.bar.add_task(self.label, total=total)
        self.bar.update(self.task, completed=done)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
