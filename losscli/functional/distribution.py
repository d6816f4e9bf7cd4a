"""Distribution losses: KL divergence (torch 2.13 semantics)."""

import numpy as np

from ._common import REDUCTIONS, as_float, broadcast_shape, check_reduction, reduce


@np.errstate(all="ignore")
def kl_div(input, target, reduction: str = "mean", log_target: bool = False):
    """KL divergence with input as log-probabilities.

    loss = xlogy(target, target) - target * input, or exp(target) * (target - input) when
    log_target. 'batchmean' divides the sum by input.shape[0] (the mathematical KL per
    sample); 'mean' divides by the number of elements, as torch does.
    """
    check_reduction(reduction, REDUCTIONS + ("batchmean",))
    x, y = as_float(input, "input"), as_float(target, "target")
    broadcast_shape(("input", x), ("target", y))
    if log_target:
        loss = np.exp(y) * (y - x)
    else:
        # xlogy(y, y): 0 where y == 0 (nan stays nan); torch 2.13 has no y > 0 mask.
        loss = np.where(y == 0, y.dtype.type(0), y * np.log(y)) - y * x
    if reduction != "batchmean":
        return reduce(loss, reduction)
    total = loss.sum(dtype=loss.dtype)
    if x.ndim == 0:
        return total
    return total / loss.dtype.type(x.shape[0]) if x.shape[0] else loss.dtype.type(np.nan)
