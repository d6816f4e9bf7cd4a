"""optax's convex (generalised) Kullback-Leibler divergence, for unnormalised distributions."""

import numpy as np

from ._common import finish
from ._weighting import check_reduction, class_scores, keras_parts, pair


@np.errstate(all="ignore")
def convex_kl_divergence(input, target, *, reduction: str = "mean"):
    """Generalised KL, optax's: sum_c y_c (log y_c - x_c) + exp(x_c) - y_c over the last axis.

    The Bregman divergence of x log x - x: KL(y || exp(x)) for distributions that need not sum
    to 1. input holds log-predictions, as optax's log_predictions (and torch's kl_div input);
    y log y is 0 where y == 0. optax.losses.convex_kl_divergence (deprecated in optax 0.2.8
    for its equal, generalized_kl_divergence); Boyd and Vandenberghe, Convex Optimization, p. 90.

    Args:
        input: (N, ..., C) log-predictions, one distribution per row.
        target: (N, ..., C) target probabilities (>= 0), the same shape.
        reduction: 'mean' (optax returns per-sample values: this is their mean), 'sum',
            'none' (per sample) or 'parts'.

    Returns:
        The divergence.
    """
    check_reduction(reduction)
    x, y = pair(class_scores(input), target)
    dt = x.dtype.type
    kl = (y * (np.where(y == 0, dt(0), np.log(y)) - x)).sum(axis=-1)
    return finish(keras_parts(kl + (np.exp(x) - y).sum(axis=-1), None), reduction)
