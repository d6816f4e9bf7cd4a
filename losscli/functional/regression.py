"""Elementwise regression losses: l1, mse, smooth L1, Huber (torch 2.13 semantics)."""

import numpy as np

from ..errors import UsageError
from ._common import as_float, broadcast_shape, check_reduction, reduce


def _difference(input, target) -> np.ndarray:
    x, y = as_float(input, "input"), as_float(target, "target")
    broadcast_shape(("input", x), ("target", y))
    return x - y


@np.errstate(all="ignore")
def l1_loss(input, target, reduction: str = "mean"):
    """Mean absolute error: loss = |input - target|.

    Shapes broadcast as in torch; 'mean' divides by the broadcast size.
    """
    check_reduction(reduction)
    return reduce(np.abs(_difference(input, target)), reduction)


@np.errstate(all="ignore")
def mse_loss(input, target, reduction: str = "mean"):
    """Mean squared error: loss = (input - target)^2."""
    check_reduction(reduction)
    d = _difference(input, target)
    return reduce(d * d, reduction)


@np.errstate(all="ignore")
def smooth_l1_loss(input, target, reduction: str = "mean", beta: float = 1.0):
    """Smooth L1: with z = |input - target|, 0.5 z^2 / beta if z < beta else z - 0.5 beta.

    beta = 0 is plain L1 (torch dispatches to l1_loss, so there is no division by zero).
    """
    check_reduction(reduction)
    if beta < 0:
        raise UsageError(f"smooth_l1_loss does not support negative values for beta (got {beta})")
    z = np.abs(_difference(input, target))
    if beta == 0:
        return reduce(z, reduction)
    b = z.dtype.type(beta)  # torch casts the constant to the input dtype
    half = z.dtype.type(0.5)
    return reduce(np.where(z < b, half * z * z / b, z - half * b), reduction)


@np.errstate(all="ignore")
def huber_loss(input, target, reduction: str = "mean", delta: float = 1.0):
    """Huber: with z = |input - target|, 0.5 z^2 if z < delta else delta (z - 0.5 delta)."""
    check_reduction(reduction)
    if not delta > 0:
        raise UsageError(f"huber_loss does not support non-positive values for delta (got {delta})")
    z = np.abs(_difference(input, target))
    d = z.dtype.type(delta)
    half = z.dtype.type(0.5)
    return reduce(np.where(z < d, half * z * z, d * (z - half * d)), reduction)
