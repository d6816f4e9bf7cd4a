"""Distribution losses: KL divergence, Poisson and Gaussian negative log likelihood (torch 2.13 semantics)."""

import math
import numbers
import warnings

import numpy as np

from ..errors import InputError, LossWarning
from ._common import (
    PARTS_BATCHMEAN,
    REDUCTIONS,
    Parts,
    as_float,
    broadcast_shape,
    check_range,
    check_reduction,
    first_bad,
    is_strict,
    number,
    elementwise,
    finish,
    shape_str,
)


def warn_kl_div_mean(stacklevel: int = 2) -> None:
    """torch's warning for kl_div's 'mean' (also given by the engine, which asks for parts)."""
    warnings.warn(
        "kl_div: reduction='mean' divides the total loss by the number of elements, not the batch "
        "size: it is not the KL divergence; 'batchmean' is (torch warns the same)",
        LossWarning,
        stacklevel=stacklevel,  # past the errstate wrapper, to the caller
    )


@np.errstate(all="ignore")
def kl_div(input, target, reduction: str = "mean", log_target: bool = False):
    """KL divergence with input as log-probabilities.

    loss = xlogy(target, target) - target * input, or exp(target) * (target - input) when
    log_target. 'batchmean' divides the sum by input.shape[0] (the mathematical KL per
    sample); 'mean' divides by the number of elements, as torch does.
    """
    check_reduction(reduction, REDUCTIONS + ("batchmean", PARTS_BATCHMEAN))
    x, y = as_float(input, "input"), as_float(target, "target")
    broadcast_shape(("input", x), ("target", y))
    if is_strict() and (x > 0).any():
        raise InputError(
            f"{{input}} must hold log-probabilities (<= 0), {first_bad('input', x, x > 0)}; "
            "if it holds probabilities, pass {pred_probs}"
        )
    if log_target:
        loss = np.exp(y) * (y - x)
    else:
        # xlogy(y, y): 0 where y == 0 (nan stays nan); torch 2.13 has no y > 0 mask.
        loss = np.where(y == 0, y.dtype.type(0), y * np.log(y)) - y * x
    if reduction == "mean":
        warn_kl_div_mean(stacklevel=4)
    if reduction in ("batchmean", PARTS_BATCHMEAN):  # input.shape[0]; a 0-d input is not divided
        return finish(Parts(loss, loss, x.shape[0] if x.ndim else 1), reduction)
    return elementwise(loss, reduction)


def log_probabilities(p, name: str = "input") -> np.ndarray:
    """log(p) for kl_div's input given as probabilities (the CLI's --pred-probs), as torch.log;
    a negative probability is refused (strict rule; off: nan, as torch.log gives)."""
    x = as_float(p, name)
    if is_strict() and (x < 0).any():
        raise InputError(f"{{pred_probs}} needs probabilities >= 0 in {{{name}}}, {first_bad(name, x, x < 0)}")
    with np.errstate(all="ignore"):
        return np.log(x)


@np.errstate(all="ignore")
def poisson_nll_loss(
    input, target, log_input: bool = True, full: bool = False, eps: float = 1e-8, reduction: str = "mean"
):
    """Poisson NLL of counts: exp(input) - target * input, or input - target * log(input + eps)
    without log_input.

    full adds the Stirling term target log(target) - target + 0.5 log(2 pi target), only where
    target > 1 (torch's mask). Shapes broadcast.
    """
    check_reduction(reduction)
    x, y = as_float(input, "input"), as_float(target, "target")
    broadcast_shape(("input", x), ("target", y))
    if is_strict() and (y < 0).any():
        first = number(y[y < 0].ravel()[0])
        raise InputError(f"{{target}} holds a negative count, {first}; Poisson targets are counts >= 0")
    dt = np.result_type(x, y)
    loss = np.exp(x) - y * x if log_input else x - y * np.log(x + dt.type(eps))
    if full:
        stirling = y * np.log(y) - y + dt.type(0.5) * np.log(dt.type(2 * math.pi) * y)
        loss = loss + np.where(y <= 1, dt.type(0), stirling)
    return elementwise(loss, reduction)


def _variance(var, x: np.ndarray) -> np.ndarray:
    """var checked and shaped as torch does: non-negative; input's shape, one dim fewer (unsqueezed
    at the end), or input's dims with exactly one mismatching size of 1; a number for all."""
    if isinstance(var, numbers.Real) and not isinstance(var, np.ndarray):
        if var < 0:
            raise InputError("{var} has a negative entry; variances must be >= 0")
        return np.full_like(x, var)
    v = as_float(var, "var")
    if (v < 0).any():
        raise InputError(f"{{var}} has a negative entry ({v[v < 0].ravel()[0]}); variances must be >= 0")
    if v.shape == x.shape:
        return v
    if v.shape == x.shape[:-1]:
        return v[..., None]  # homoscedastic over the last dim
    if v.ndim == x.ndim and sum(b for a, b in zip(x.shape, v.shape) if a != b) == 1:
        return v
    raise InputError(
        f"{{var}} has shape {shape_str(v.shape)}; for {{input}} of shape {shape_str(x.shape)} it "
        f"must be {shape_str(x.shape)}, {shape_str(x.shape[:-1])}, that shape with one size set "
        "to 1, or a single number"
    )


@np.errstate(all="ignore")
def gaussian_nll_loss(input, target, var, full: bool = False, eps: float = 1e-6, reduction: str = "mean"):
    """Gaussian NLL: 0.5 (log v + (input - target)^2 / v) with v = max(var, eps), + 0.5 log(2 pi) if full.

    var is one variance per element, per sample (one fewer dim), a shape with one size-1 dim, or
    a number. target broadcasts against input.
    """
    x, y = as_float(input, "input"), as_float(target, "target")
    v = _variance(var, x)
    check_reduction(reduction)
    broadcast_shape(("input", x), ("target", y), ("var", v))
    check_range("eps", eps, np.result_type(x, y, v))
    v = np.maximum(v, v.dtype.type(eps))  # clamped for stability
    dt = np.result_type(x, y, v)
    loss = dt.type(0.5) * (np.log(v) + (x - y) ** 2 / v)
    if full:
        loss = loss + dt.type(0.5 * math.log(2 * math.pi))
    return elementwise(loss, reduction)
