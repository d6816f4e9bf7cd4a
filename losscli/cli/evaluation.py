"""How a loss command runs: its settings, the `Run` it computes with, and `evaluate`, which
loads, computes (streaming a large file in chunks where it can), and applies --nan-policy.
"""

import inspect
import os
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Callable

from ..errors import InputError, LossCliError, UsageError

if TYPE_CHECKING:
    from ..checks import Gates
    from ..render import View

SOURCE = "SOURCE"  # the metavar of every array option
# Array options that hold parameters, not one entry per sample: they are loaded whole, never
# split into chunks, and --nan-policy omit leaves them whole.
PARAMETER_OPTIONS = {"--weight", "--pos-weight", "--linear-weight", "--linear-bias"}
STREAM_BYTES = 4 << 20  # inputs this large are computed a block of rows at a time, in bounded memory
BLOCK_BYTES = 8 << 20  # input bytes per block of rows, for arrays already mapped (.npy) or read
# Commands whose first dimension is not the samples: never split into blocks of rows.
NOT_ROW_WISE = {"ctc"}


@dataclass
class Settings:
    """The shared options of a loss command, with the defaults the command line has."""

    reduction: str = "mean"
    dtype: str = "float64"
    nan_policy: str = "propagate"
    delimiter: str | None = None
    broadcast: bool = False
    grad: bool = False
    view: "View" = None  # render.View, imported lazily
    gates: "Gates" = None  # checks.Gates
    output: str | None = None

    @classmethod
    def from_options(cls, o: dict) -> "Settings":
        from ..checks import Gates
        from ..render import View

        value = lambda v: v.value if isinstance(v, Enum) else v  # noqa: E731
        color = not o["no_color"] and not os.environ.get("NO_COLOR")
        view = View(value(o["fmt"]), o["quiet"], o["precision"], o["top"], o["hist"], color)
        gates = Gates(o["fail_above"], o["fail_below"], o["expect"], o["rtol"], o["atol"])
        return cls(value(o["reduction"]), value(o["dtype"]), value(o["nan_policy"]), o["delimiter"],
                   o.get("broadcast", False), o.get("grad", False), view, gates, o["output"])


class Run:
    """What a command needs besides its own options: the loaders and the shared settings."""

    def __init__(self, loss: str, settings: Settings, sources, reduction: str | None = None, keep=None,
                 chunk: dict | None = None) -> None:
        self.loss, self.settings, self.sources = loss, settings, sources
        self.reduction = reduction or settings.reduction
        self.dtype, self.broadcast, self.grad = settings.dtype, settings.broadcast, settings.grad
        self.keep = keep  # --nan-policy omit: the samples to keep
        self.chunk = chunk  # streaming: option -> the rows of this chunk
        self.loaded: list[tuple[str, object]] = []  # (option, array) of the per-sample inputs

    def array(self, option: str, source: str | None):
        """A float array in the chosen dtype, or None for an option not given."""
        if source is None:
            return None
        return self._policy(option, self._load(option, source).astype(self.dtype, copy=False))

    def labels(self, option: str, source: str):
        """Class indices (or probabilities) as loaded: the core checks they are whole numbers."""
        return self._policy(option, self._load(option, source))

    def _load(self, option: str, source: str):
        if self.chunk is not None and option in self.chunk:
            return self.chunk[option]
        return self.sources.load(option, source)

    def _policy(self, option: str, a):
        import numpy as np

        if self.settings.nan_policy == "raise" and a.dtype.kind == "f" and np.isnan(a).any():
            position = ",".join(map(str, np.argwhere(np.isnan(a))[0])) or "the only position"
            raise InputError(f"{option} holds NaN at position {position} (--nan-policy raise)")
        if option in PARAMETER_OPTIONS or a.ndim == 0:
            return a
        self.loaded.append((option, a))
        if self.keep is not None:
            return a[self.keep]
        return a

    def same_shape(self, *named) -> None:
        """Elementwise inputs must have one shape; torch's silent broadcasting needs --broadcast."""
        (first, a), *rest = named
        for option, b in rest:
            if b.shape != a.shape and not self.broadcast:
                raise UsageError(
                    f"{option} has shape {shape_text(b.shape)} but {first} has {shape_text(a.shape)}; "
                    "they must match (or pass --broadcast to broadcast them as torch does)"
                )

    def result(self, value, first, params: dict | None = None, *, grad: dict | None = None,
               denominator: float | None = None, summands=None, **columns):
        """The Result of this run. `denominator` is what 'mean' divides the sum of the per-element
        losses by, when that is not their count (the kept targets' weight in cross entropy,
        the batch size for batchmean); `summands` are what it sums, when not the losses
        themselves (ctc's mean sums each loss over its target length)."""
        import numpy as np

        from ..render import Result

        result = Result(self.loss, self.reduction, value=np.asarray(value), dtype=self.dtype, shape=first.shape,
                        params=params or {}, columns=columns, grad=grad or {})
        result.denominator, result.summands = denominator, summands
        return result


def shape_text(shape) -> str:
    return "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"


def _samples_to_keep(loaded: list) -> tuple[object, int]:
    """--nan-policy omit: the mask of samples (first dim) whose inputs hold no NaN, and the count dropped."""
    import numpy as np

    if not loaded:
        return None, 0
    n = loaded[0][1].shape[0]
    for option, a in loaded:
        if a.shape[0] != n:
            raise UsageError(
                f"--nan-policy omit drops samples along the first dimension, but {option} has {a.shape[0]} "
                f"rows and {loaded[0][0]} has {n}"
            )
    keep = np.ones(n, dtype=bool)
    for _, a in loaded:
        if a.dtype.kind == "f":
            keep &= ~np.isnan(a.reshape(n, -1)).any(axis=1)
    return keep, int(n - keep.sum())


def evaluate(name: str, fn: Callable, kwargs: dict, settings: Settings, sources=None):
    """Load, compute and return the Result of one loss command (the part `check` shares)."""
    from ..inputs import Sources

    sources = sources or Sources(delimiter=settings.delimiter)
    streamed = _stream(name, fn, kwargs, settings, sources)
    if streamed is not None:
        return streamed
    keep, omitted = None, None
    if settings.nan_policy == "omit":
        probe = Run(name, settings, sources)
        try:
            fn(probe, **kwargs)  # loads the inputs (from the cache later); errors show again below
        except LossCliError:
            pass
        keep, omitted = _samples_to_keep(probe.loaded)
    result = fn(Run(name, settings, sources, keep=keep), **kwargs)
    result.omitted = omitted
    view = settings.view
    needs_elements = view and (view.top or view.hist or view.fmt in ("json", "jsonl"))
    if needs_elements and settings.reduction != "none" and not result.grad:
        result.elements = fn(Run(name, settings, sources, reduction="none", keep=keep), **kwargs)
        result.parts = _parts(result.elements)
    return result


def _parts(elements) -> dict:
    """(sum, denominator) of a per-element result: what `losscli merge` adds up across shards."""
    from ..partials import BlockedSum

    total = BlockedSum()
    total.add(elements.value if elements.summands is None else elements.summands)
    denominator = elements.denominator if elements.denominator is not None else elements.value.size
    return {"sum": total.total(), "denominator": float(denominator)}


# --- streaming -----------------------------------------------------------------------------


def source_options(fn: Callable) -> dict[str, str]:
    """The array options of a command: parameter name -> option flag ('pred' -> '--pred')."""
    out = {}
    for p in inspect.signature(fn).parameters.values():
        for meta in getattr(p.annotation, "__metadata__", ()):
            if getattr(meta, "metavar", None) == SOURCE:
                decls = [d for d in (meta.param_decls or ()) if d.startswith("--")]
                out[p.name] = decls[0] if decls else "--" + p.name.replace("_", "-")
    return out


def _stream(name: str, fn: Callable, kwargs: dict, settings: Settings, sources):
    """Reduce a large text file chunk by chunk in bounded memory, or None where that does not
    apply (small inputs, several files, per-element output). Any error falls back to the whole
    file, so the message names the right line and position."""
    import numpy as np

    from ..partials import BlockedSum, combine

    view = settings.view
    if settings.reduction == "none" or settings.grad or (view and (view.top or view.hist)):
        return None
    from ..render import ReadProgress

    progress = ReadProgress("reading", enabled=not (view and view.quiet))
    stream = _row_blocks(name, fn, kwargs, settings, sources, progress)
    if stream is None:
        return None
    total, denominator, rows, omitted, first = BlockedSum(), 0.0, 0, 0, None
    try:
        for chunk in stream:
            keep = None
            if settings.nan_policy == "omit":
                keep, dropped = _samples_to_keep(list(chunk.items()))
                omitted += dropped
            part = fn(Run(name, settings, sources, reduction="none", keep=keep, chunk=chunk), **kwargs)
            total.add(part.value if part.summands is None else part.summands)
            denominator += part.denominator if part.denominator is not None else part.value.size
            rows += next(iter(chunk.values())).shape[0]
            first = first or part
    except LossCliError:
        return None
    finally:
        progress.close()
    if first is None:
        return None
    s = total.total()
    value = np.asarray(combine(settings.reduction, s, denominator)).astype(settings.dtype)
    result = type(first)(name, settings.reduction, value=value, dtype=settings.dtype,
                         shape=(rows, *first.shape[1:]), params=first.params)
    result.parts = {"sum": s, "denominator": denominator}
    result.omitted = omitted if settings.nan_policy == "omit" else None
    result.streamed = True
    return result


def _row_blocks(name: str, fn: Callable, kwargs: dict, settings: Settings, sources, progress=None):
    """The per-sample inputs a block of rows at a time ({option: rows}), or None: a large CSV/TSV
    file through polars, or large arrays (memory-mapped .npy) sliced; small, inline, broadcast
    or not row-wise inputs are computed whole."""
    if name in NOT_ROW_WISE or settings.broadcast:
        return None
    per_sample = {flag: kwargs[param] for param, flag in source_options(fn).items()
                  if kwargs.get(param) is not None and flag not in PARAMETER_OPTIONS}
    from ..inputs import _split_source

    if not any(_split_source(source)[0] not in (None, "-") for source in per_sample.values()):
        return None  # inline numbers or stdin: small, or already read
    from ..stream import plan

    if progress is not None:
        progress.label = f"reading {next(iter(per_sample.values())).rpartition(':')[0] or 'input'}"
    try:
        stream = plan(per_sample, settings.delimiter, STREAM_BYTES, progress)
        if stream is not None:
            return stream
        arrays = {flag: sources.load(flag, source) for flag, source in per_sample.items()}
    except LossCliError:  # e.g. an unknown column: the whole-input path says it with the option
        return None
    if any(a.ndim == 0 for a in arrays.values()) or len({a.shape[0] for a in arrays.values()}) != 1:
        return None
    n, size = next(iter(arrays.values())).shape[0], sum(a.nbytes for a in arrays.values())
    if size < STREAM_BYTES or n < 2:
        return None
    rows = max(1, BLOCK_BYTES * n // size)
    return ({flag: a[start : start + rows] for flag, a in arrays.items()} for start in range(0, n, rows))


def element_blocks(name: str, fn: Callable, kwargs: dict, settings: Settings, sources=None):
    """--reduction none over a large input, a block of rows at a time: a function that yields
    the Results afresh on each call (each with the .offset of its first row), or None where the
    output needs the whole array (gates, --top, --hist, --grad, text and JSON, --nan-policy omit)."""
    from ..inputs import Sources

    view = settings.view
    if (settings.reduction != "none" or settings.grad or settings.gates or settings.nan_policy == "omit"
            or view is None or view.top or view.hist or not (view.quiet or view.fmt in ("csv", "tsv", "jsonl"))):
        return None
    sources = sources or Sources(delimiter=settings.delimiter)
    if _row_blocks(name, fn, kwargs, settings, sources) is None:
        return None

    def results():
        offset = 0
        for chunk in _row_blocks(name, fn, kwargs, settings, sources):
            part = fn(Run(name, settings, sources, reduction="none", chunk=chunk), **kwargs)
            part.offset = offset
            offset += next(iter(chunk.values())).shape[0]
            yield part

    return results


__all__ = ["PARAMETER_OPTIONS", "SOURCE", "Run", "Settings", "element_blocks", "evaluate", "shape_text",
           "source_options"]
