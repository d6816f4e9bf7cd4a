"""A computed Result -> text for a person (Rich on a terminal), JSON, CSV or bare values.

Nothing here computes a loss; it only formats what the core returned.
"""

import json
import math
import os
import sys
from dataclasses import dataclass, field

import numpy as np

from . import __version__

TABLE_ROWS = 50  # rows of a --reduction none table shown on a terminal


@dataclass
class Result:
    loss: str  # the command name, e.g. "cross-entropy"
    reduction: str
    value: np.ndarray  # 0-d when reduced, the per-element losses for 'none'
    dtype: str
    shape: tuple[int, ...]  # shape of the first input (--pred or --input1)
    params: dict = field(default_factory=dict)  # the loss's own options, as given
    columns: dict[str, np.ndarray] = field(default_factory=dict)  # inputs aligned with value

    @property
    def n(self) -> int:
        return math.prod(self.shape)


# --- numbers -------------------------------------------------------------------------------


def exact(values: np.ndarray) -> list[str]:
    """Shortest round-trip text of each value in its own dtype ('nan', 'inf', '-inf')."""
    return np.asarray(values).ravel().astype(str).tolist()


def json_number(text: str):
    v = float(text)
    if math.isfinite(v):
        return v
    return "NaN" if math.isnan(v) else ("Infinity" if v > 0 else "-Infinity")


def human(values: np.ndarray, precision: int) -> list[str]:
    """Format like torch prints: fixed decimals, or scientific for the whole set when the
    non-zero finite magnitudes span more than 1000x, exceed 1e8 or fall below 1e-4."""
    if np.asarray(values).dtype.kind in "iu":  # class indices
        return exact(values)
    v = np.asarray(values, dtype=np.float64).ravel()
    finite = np.abs(v[np.isfinite(v) & (v != 0)])
    sci = finite.size > 0 and (
        finite.max() > 1e8 or finite.min() < 1e-4 or (finite.size > 1 and finite.max() / finite.min() > 1000)
    )
    spec = f".{precision}e" if sci else f".{precision}f"
    return [format(x, spec) if math.isfinite(x) else str(x) for x in v.tolist()]


def _index_names(ndim: int) -> list[str]:
    return ["index"] if ndim == 1 else [f"index{d}" for d in range(ndim)]


# --- output --------------------------------------------------------------------------------


def emit(result: Result, fmt: str, quiet: bool, precision: int | None, out=None) -> None:
    out = out or sys.stdout
    if quiet:
        _quiet(result, precision, out)
    elif fmt == "json":
        out.write(json.dumps(to_json(result)) + "\n")
    elif fmt == "csv":
        _csv(result, out)
    elif result.value.ndim and _is_terminal(out):
        _rich_table(result, 4 if precision is None else precision, out)
    else:
        _text(result, 4 if precision is None else precision, out)


def to_json(r: Result) -> dict:
    values = [json_number(s) for s in exact(r.value)]
    value = values[0] if r.value.ndim == 0 else np.array(values, dtype=object).reshape(r.value.shape).tolist()
    return {
        "loss": r.loss,
        "reduction": r.reduction,
        "value": value,
        "shape": list(r.shape),
        "n": r.n,
        "params": r.params,
        "dtype": r.dtype,
        "version": __version__,
    }


def _quiet(r: Result, precision, out) -> None:
    if precision is None:
        lines = exact(r.value)
    else:
        lines = [format(x, f".{precision}f") for x in np.asarray(r.value, dtype=np.float64).ravel().tolist()]
    out.write("\n".join(lines) + "\n")


def _csv(r: Result, out) -> None:
    if r.value.ndim == 0:
        out.write("loss,reduction,dtype,n,value\n")
        out.write(f"{r.loss},{r.reduction},{r.dtype},{r.n},{exact(r.value)[0]}\n")
        return
    header = _index_names(r.value.ndim) + list(r.columns) + ["loss"]
    out.write(",".join(header) + "\n")
    for row in _rows(r, exact):
        out.write(",".join(row) + "\n")


def _rows(r: Result, fmt, limit: int | None = None):
    """Per element (the first `limit`): its index, its inputs and its loss, each as text."""
    count = r.value.size if limit is None else min(limit, r.value.size)
    idx = np.unravel_index(np.arange(count), r.value.shape)
    index = np.stack(idx, axis=1).astype(str).tolist()
    flat = [np.broadcast_to(c, r.value.shape).ravel()[:count] for c in r.columns.values()]
    cols = [fmt(c) for c in flat] + [fmt(r.value.ravel()[:count])]
    for i in range(count):
        yield index[i] + [c[i] for c in cols]


def _summary(r: Result) -> str:
    parts = [f"{k}={v}" for k, v in r.params.items()]
    parts += [f"reduction={r.reduction}", f"n={r.n}", f"dtype={r.dtype}"]
    return ", ".join(parts)


def _text(r: Result, precision: int, out) -> None:
    if r.value.ndim == 0:
        text = human(r.value, precision)[0]
        if _is_terminal(out):
            from rich.console import Console

            Console(file=out, highlight=False).print(f"[bold]{r.loss}[/]: [bold cyan]{text}[/]  [dim]({_summary(r)})[/]")
        else:
            out.write(f"{r.loss}: {text}  ({_summary(r)})\n")
        return
    header = _index_names(r.value.ndim) + list(r.columns) + ["loss"]
    out.write(f"{r.loss} per element ({_summary(r)})\n")
    out.write("\t".join(header) + "\n")
    for row in _rows(r, lambda v: human(v, precision)):
        out.write("\t".join(row) + "\n")


def _rich_table(r: Result, precision: int, out) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(file=out, highlight=False)
    table = Table(title=f"{r.loss} per element", caption=_summary(r), title_justify="left")
    for name in _index_names(r.value.ndim) + list(r.columns) + ["loss"]:
        table.add_column(name, justify="right", no_wrap=True, style="bold" if name == "loss" else None)
    total = r.value.size
    for row in _rows(r, lambda v: human(v, precision), limit=TABLE_ROWS):
        table.add_row(*row)
    console.print(table)
    if total > TABLE_ROWS:
        console.print(
            f"[dim]{total - TABLE_ROWS} more rows not shown; all {total} with "
            "--format csv, --format json or -q[/]"
        )


def _is_terminal(out) -> bool:
    return hasattr(out, "isatty") and out.isatty() and os.environ.get("TERM") != "dumb"
