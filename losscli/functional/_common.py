"""What every loss shares: array coercion, shape checks, reductions, the strict switch."""

import contextlib
import contextvars
import weakref
from typing import NamedTuple

import numpy as np

from ..errors import InputError, UsageError

REDUCTIONS = ("mean", "sum", "none")
# reduction="parts" asks any loss for its Parts instead of a value: what the engine sums over
# blocks of rows and shards, and what `losscli merge` adds up. Not a torch reduction.
PARTS = "parts"
# kl_div's 'batchmean' divides by the batch size, not by the element count that its "parts"
# carry: reduction="parts:batchmean" asks kl_div for the parts whose denominator is the batch.
PARTS_BATCHMEAN = "parts:batchmean"


class Parts(NamedTuple):
    """A loss before its reduction: every reduction of every loss is made from these.

    elements: what reduction='none' returns (per element, or per sample for per-sample losses);
        'sum' adds them up.
    summands: what 'mean' adds up and divides; the elements themselves except where the mean
        is not their plain mean (ctc: each loss over its target length), or the elements in
        float64 where torch accumulates a float32 batch in double (multi-margin losses).
    denominator: what 'mean' (and kl-div's 'batchmean') divides the sum of the summands by: the
        element count, the summed weight of the kept targets, the batch size, ...
    """

    elements: np.ndarray
    summands: np.ndarray
    denominator: float


@np.errstate(all="ignore")
def finish(parts: Parts, reduction: str):
    """The loss for `reduction` from its parts: the one place a mean is divided.

    The sum is taken in the summands' dtype: the elements' (float32 stays float32, as torch
    sums), or float64 where torch accumulates a float32 batch in double (multi-margin,
    multi-label-margin). The result has the elements' dtype. 'batchmean' divides like 'mean':
    the parts kl_div gives for "parts:batchmean" carry the batch size as their denominator.
    """
    if reduction in (PARTS, PARTS_BATCHMEAN):
        return parts
    if reduction == "none":
        return parts.elements
    s = parts.summands
    out = parts.elements.dtype.type
    if reduction == "sum":
        return out(np.sum(parts.elements, dtype=s.dtype))
    total = s.sum(dtype=s.dtype)
    if parts.denominator == 0 and total == 0:
        return out(np.nan)
    return out(total / s.dtype.type(parts.denominator))


def elementwise(loss: np.ndarray, reduction: str):
    """An elementwise (or per-sample) loss: its mean divides by the number of elements."""
    return finish(Parts(loss, loss, loss.size), reduction)


def as_float(a, name: str) -> np.ndarray:
    """An array of a floating dtype; integer and bool inputs become float64 (torch refuses them)."""
    a = np.asarray(a)
    if a.dtype.kind == "f":
        return a
    if a.dtype.kind in "iub":
        return a.astype(np.float64)
    raise InputError(f"{{{name}}} must hold real numbers, got dtype {a.dtype}")


def check_reduction(reduction: str, allowed: tuple[str, ...] = REDUCTIONS) -> None:
    """reduction is one of `allowed`, or "parts" (the engine's; never offered to users)."""
    if reduction not in allowed and reduction != PARTS:
        raise UsageError(f"{reduction!r} is not a valid value for reduction (one of {', '.join(allowed)})")


def broadcast_shape(*named: tuple[str, np.ndarray]) -> tuple[int, ...]:
    """The broadcast shape of the arrays, or an InputError naming them and their shapes."""
    try:
        return np.broadcast_shapes(*(a.shape for _, a in named))
    except ValueError:
        shapes = ", ".join(f"{{{n}}} {shape_str(a.shape)}" for n, a in named)
        raise InputError(f"shapes do not broadcast: {shapes}") from None


def same_ndim(*named: tuple[str, np.ndarray]) -> None:
    """The inputs must have one number of dims (torch checks this before broadcasting them)."""
    if len({a.ndim for _, a in named}) > 1:
        names = ", ".join(f"{{{n}}}" for n, _ in named[:-1]) + f" and {{{named[-1][0]}}}"
        shapes = ", ".join(shape_str(a.shape) for _, a in named[:-1]) + f" and {shape_str(named[-1][1].shape)}"
        raise InputError(f"{names} must have the same number of dims, got shapes {shapes}")


def same_shape(input, target) -> tuple[np.ndarray, np.ndarray]:
    """input and target as float arrays of one dtype, refusing different shapes (torch's BCE rule)."""
    x, y = as_float(input, "input"), as_float(target, "target")
    if y.shape != x.shape:
        raise InputError(
            f"{{target}} has shape {shape_str(y.shape)} but {{input}} has {shape_str(x.shape)}; "
            "they must be the same"
        )
    dt = np.result_type(x, y)
    return x.astype(dt, copy=False), y.astype(dt, copy=False)


def weighted(loss: np.ndarray, weight) -> np.ndarray:
    """loss times a weight that broadcasts to its shape without enlarging it (None: unweighted)."""
    if weight is None:
        return loss
    w = as_float(weight, "weight")
    check_fits("weight", w, "input", loss.shape)
    return loss * w.astype(loss.dtype, copy=False)


def check_fits(name: str, a: np.ndarray, into: str, shape: tuple[int, ...]) -> None:
    """`a` may broadcast *to* `shape` but not enlarge it (torch multiplies it in place)."""
    try:
        ok = np.broadcast_shapes(a.shape, shape) == tuple(shape)
    except ValueError:
        ok = False
    if not ok:
        raise InputError(
            f"{{{name}}} has shape {shape_str(a.shape)}, which does not broadcast to "
            f"{{{into}}}'s shape {shape_str(shape)}"
        )


def shape_str(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"



# --- the stricter-than-torch rules and their switch ---------------------------------------------

_STRICT = contextvars.ContextVar("losscli_strict", default=True)


@contextlib.contextmanager
def strict(enabled: bool = True):
    """Turn the stricter-than-torch rules (STRICTER_THAN_TORCH) on or off inside a `with` block.

    On by default: ±1 targets, counts >= 0, log-probabilities <= 0, ... are refused with a
    message. `with strict(False):` gives torch's exact (and sometimes odd) numbers instead.
    """
    token = _STRICT.set(bool(enabled))
    try:
        yield
    finally:
        _STRICT.reset(token)


def is_strict() -> bool:
    return _STRICT.get()


def number(v) -> str:
    """A value for a message as the user wrote it: 2.5, -1, nan, 1e+39; never np.float64(2.5)."""
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, np.floating):
        return str(v)  # NumPy's shortest repr of the value in its own dtype: float32 0.1 is 0.1
    if isinstance(v, float):
        return repr(v)
    return str(v)


def where(pos) -> str:
    """'position 1,2' for an index tuple, 'the only position' for a 0-d array."""
    return "position " + ",".join(map(str, pos)) if len(pos) else "the only position"


def first_bad(name: str, a: np.ndarray, bad: np.ndarray) -> str:
    """'got -1.5 at position 2' for the first True of `bad`, with a note when that value is a
    nonzero that underflowed to 0 in a float32 cast (cast())."""
    pos = tuple(int(i) for i in np.argwhere(bad)[0]) if np.ndim(bad) else ()
    value = np.asarray(a)[pos]
    return f"got {number(value)}{underflow_note(a, pos)} at {where(pos)}"


def holds(name: str, a: np.ndarray, bad: np.ndarray) -> str:
    """'{name} holds -1.5 at position 2' for the first True of `bad` (see first_bad)."""
    return f"{{{name}}} holds " + first_bad(name, a, bad)[len("got "):]


def check_signs(name: str, y: np.ndarray, what: str, consequence: str = "an odd loss") -> None:
    """Strict rule: targets of 1 and -1 only (torch gives any other value `consequence`)."""
    if is_strict() and not ((y == 1) | (y == -1)).all():
        raise InputError(f"{{{name}}} must hold 1 or -1 ({what}); torch gives other values {consequence}")


def check_probabilities(name: str, a: np.ndarray, rule: bool = True) -> None:
    """Values in [0, 1] (nan refused too), as torch's binary_cross_entropy requires; the other
    losses of the BCE family apply it as a strict rule (rule=False: only when strict)."""
    if not rule and not is_strict():
        return
    bad = ~((a >= 0) & (a <= 1))
    if bad.any():
        raise InputError(f"{{{name}}} must hold probabilities in [0, 1], {first_bad(name, a, bad)}")


def check_range(name: str, value: float, dtype) -> None:
    """A float parameter must fit the compute dtype, as torch refuses a margin of 1e300 in
    float32 ('value cannot be converted to type float without overflow')."""
    if np.dtype(dtype) == np.float32 and np.isfinite(value) and abs(value) > np.finfo(np.float32).max:
        raise UsageError(
            f"{{{name}}} is {number(float(value))}, beyond float32's range (±3.4e38): torch cannot "
            "convert it to float32; use float64 inputs (--dtype float64)"
        )


# --- casting to float32 -----------------------------------------------------------------------

# Arrays made by cast() whose nonzero values underflowed to 0: id -> {position: original value}.
# Entries go with their array (weakref.finalize), so an id is never reused with a stale entry.
_UNDERFLOWED: dict[int, dict[tuple, float]] = {}


def cast(a, dtype, name: str) -> np.ndarray:
    """`a` in `dtype` (the engine's --dtype). A finite value that overflows float32 is refused,
    naming its position; a nonzero value that underflows to 0 is kept, as torch keeps it, and
    a later domain error for that argument says so (first_bad)."""
    a = np.asarray(a)
    dtype = np.dtype(dtype)
    if a.dtype.kind != "f" or a.dtype.itemsize <= dtype.itemsize or dtype.kind != "f":
        return a.astype(dtype, copy=False) if a.dtype.kind in "fiub" else a
    with np.errstate(all="ignore"):
        out = a.astype(dtype)
    overflow = np.isinf(out) & np.isfinite(a)
    if overflow.any():
        pos = tuple(int(i) for i in np.argwhere(overflow)[0]) if a.ndim else ()
        top = f"{np.finfo(dtype).max:.1e}".replace("e+", "e")
        raise InputError(
            f"{{{name}}} holds {number(a[pos])} at {where(pos)}, beyond {dtype.name}'s range "
            f"(±{top}); use --dtype float64"
        )
    under = (out == 0) & (a != 0)
    if under.any():
        positions = [tuple(int(i) for i in p) for p in np.argwhere(under)[:100]]
        _UNDERFLOWED[id(out)] = {p: a[p].item() for p in positions}
        weakref.finalize(out, _UNDERFLOWED.pop, id(out), None)
    return out


def underflow_note(a, pos: tuple) -> str:
    """' (5e-324 underflowed to 0 in the float32 cast)' when cast() made a[pos] 0, else ''."""
    original = _UNDERFLOWED.get(id(a), {}).get(pos)
    if original is None:
        return ""
    return f" ({number(original)} underflowed to 0 in the {np.asarray(a).dtype.name} cast)"
