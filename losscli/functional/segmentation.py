"""Overlap losses for segmentation masks: Keras 3's Dice and Tversky.

Arguments come as (input = the predicted mask, target), torch's order; Keras takes
(y_true, y_pred). Without axis the loss is one number over every element of the batch (the
samples are not separable); with axis it is one value per position left after summing over
that axis, and those are averaged as Keras averages them.
"""

import numpy as np

from ..errors import UsageError
from ._common import finish
from ._weighting import check_reduction, keras_parts, pair

# keras.backend.epsilon(), added to the denominators.
EPSILON = 1e-7


def _axis(axis: int | None, ndim: int, sample_weight) -> int | None:
    if axis is None:
        if sample_weight is not None:
            raise UsageError("{sample_weight} needs {axis}: without it the loss is one number over all samples")
        return None
    if not -ndim <= axis < max(ndim, 1):
        raise UsageError(f"{{axis}} must be in [-{ndim}, {ndim - 1}] for {ndim}-d inputs, got {axis}")
    if axis % max(ndim, 1) == 0 and sample_weight is not None:
        raise UsageError("{sample_weight} needs an {axis} other than 0: axis 0 holds the samples it weighs")
    return axis


@np.errstate(all="ignore")
def dice(input, target, *, axis: int | None = None, sample_weight=None, reduction: str = "mean"):
    """Dice loss, Keras's: 1 - 2 sum(y p) / (sum(y) + sum(p) + 1e-7).

    Sums over every element without axis (one number), over `axis` with it (Keras takes a
    tuple of axes; here one integer). Milletari et al. 2016, V-Net; keras.losses.dice / Dice.

    Args:
        input: predicted probabilities p, any shape.
        target: ground truth y in [0, 1], the same shape.
        axis: the axis summed over, or None for all of them.
        sample_weight: (N,) weights, with an axis other than 0; 'mean' is
            sum(w * loss) / loss.size, as Keras's.
        reduction: 'mean', 'sum', 'none' (the losses) or 'parts'.

    Returns:
        The loss.
    """
    check_reduction(reduction)
    p, y = pair(input, target)
    ax = _axis(axis, p.ndim, sample_weight)
    dt = p.dtype.type
    intersection = (y * p).sum(axis=ax)
    coefficient = dt(2) * intersection / (y.sum(axis=ax) + p.sum(axis=ax) + dt(EPSILON))
    return finish(keras_parts(np.asarray(dt(1) - coefficient), sample_weight), reduction)


@np.errstate(all="ignore")
def tversky(
    input,
    target,
    *,
    alpha: float = 0.5,
    beta: float = 0.5,
    axis: int | None = None,
    sample_weight=None,
    reduction: str = "mean",
):
    """Tversky loss, Keras's: 1 - TP / (TP + alpha sum((1 - p) y) + beta sum(p (1 - y)) + 1e-7).

    TP = sum(y p). Keras's surprise, followed here: its docstring says alpha weighs false
    positives, but alpha multiplies sum((1 - p) y), the missed positives (false negatives),
    and beta the false positives sum(p (1 - y)). alpha = beta = 0.5 is the Dice loss. Salehi
    et al. 2017, Tversky loss function for image segmentation; keras.losses.tversky / Tversky.

    Args:
        input: predicted probabilities p, any shape.
        target: ground truth y in [0, 1], the same shape.
        alpha: the weight of sum((1 - p) y) (Keras's "fp").
        beta: the weight of sum(p (1 - y)) (Keras's "fn").
        axis: the axis summed over, or None for all of them.
        sample_weight: (N,) weights, with an axis other than 0; 'mean' is
            sum(w * loss) / loss.size, as Keras's.
        reduction: 'mean', 'sum', 'none' (the losses) or 'parts'.

    Returns:
        The loss.
    """
    check_reduction(reduction)
    p, y = pair(input, target)
    ax = _axis(axis, p.ndim, sample_weight)
    dt = p.dtype.type
    one = dt(1)
    intersection = (y * p).sum(axis=ax)
    missed = ((one - p) * y).sum(axis=ax)
    spurious = (p * (one - y)).sum(axis=ax)
    index = intersection / (intersection + missed * dt(alpha) + spurious * dt(beta) + dt(EPSILON))
    return finish(keras_parts(np.asarray(one - index), sample_weight), reduction)
