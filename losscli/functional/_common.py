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

