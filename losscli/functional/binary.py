"""Binary classification losses torch lacks: sigmoid focal (torchvision), hinge and squared
hinge (Keras).

Named as torch.nn.functional names its losses (the command in snake_case plus `_loss`:
hinge -> hinge_loss), except focal, which keeps torchvision's name sigmoid_focal_loss.
Arguments in torch's order (input = the prediction, then target), `reduction=` and keyword
hyperparameters; 'mean' equals the reference library's value.
"""

import numpy as np

from ..errors import InputError, UsageError
from ._common import check_probabilities, check_reduction, elementwise, first_bad, same_shape
from .classification import binary_cross_entropy_with_logits




@np.errstate(all="ignore")
def sigmoid_focal_loss(input, target, reduction: str = "mean", alpha: float = 0.25, gamma: float = 2.0):
    """Focal loss on logits, as torchvision.ops.sigmoid_focal_loss (RetinaNet).

    With p = sigmoid(input), p_t = p y + (1 - p)(1 - y) and ce = BCE with logits:
    loss = alpha_t (1 - p_t)^gamma ce, alpha_t = alpha y + (1 - alpha)(1 - y); alpha < 0
    drops alpha_t, as in torchvision. gamma = 0 and alpha < 0 is plain BCE with logits.
    torchvision's default reduction is 'none'; this one's is 'mean', like every loss here.
    """
    check_reduction(reduction)
    if gamma < 0:
        raise UsageError(f"sigmoid_focal_loss needs gamma >= 0, got {gamma} ((1 - p_t)^gamma is infinite at p_t = 1)")
    if alpha > 1:
        raise UsageError(f"sigmoid_focal_loss needs alpha <= 1 (alpha < 0 disables it), got {alpha}: "
                         "it would weigh negatives by 1 - alpha < 0")
    x, y = same_shape(input, target)
    check_probabilities("target", y, rule=False)
    dt = x.dtype.type
    one = dt(1)
    p = one / (one + np.exp(-x))
    ce = binary_cross_entropy_with_logits(x, y, reduction="none")
    p_t = p * y + (one - p) * (one - y)
    loss = ce * (one - p_t) ** dt(gamma)
    if alpha >= 0:
        loss = (dt(alpha) * y + dt(1 - alpha) * (one - y)) * loss
    return elementwise(loss, reduction)


def _hinge_margins(input, target) -> np.ndarray:
    """max(0, 1 - y x) with targets -1/1, or 0/1 converted to -1/1 (as Keras converts them)."""
    x, y = same_shape(input, target)
    dt = x.dtype.type
    labels = (-1, 1) if (y == -1).any() else (0, 1)
    bad = (y != labels[0]) & (y != labels[1])
    if bad.any():
        raise InputError(
            "{target} must hold labels -1 and 1, or 0 and 1 (converted to -1 and 1 as Keras does); "
            + first_bad("target", y, bad)
        )
    if labels[0] == 0:
        y = dt(2) * y - dt(1)
    return np.maximum(dt(1) - y * x, dt(0))


def _per_sample(loss: np.ndarray, reduction: str):
    """Keras's per-sample value is the mean over the last axis; a 1-D input is N samples of one
    output each (Keras's (N, 1)), so its per-sample values are its elements."""
    if loss.ndim >= 2:
        loss = loss.sum(axis=-1, dtype=loss.dtype) / loss.dtype.type(loss.shape[-1])
    return elementwise(loss, reduction)


@np.errstate(all="ignore")
def hinge_loss(input, target, reduction: str = "mean"):
    """Hinge, as keras.losses.hinge: max(0, 1 - target * input), averaged over the last axis.

    input holds scores (not probabilities); target -1/1, or 0/1 (converted to -1/1). An input
    of shape (N, ..., C) has per-sample losses of shape (N, ...); a 1-D input (N,) is N
    samples. 'none' returns the per-sample losses, 'sum' their sum, 'mean' their mean, which
    equals keras.losses.hinge(target, input).mean().
    """
    check_reduction(reduction)
    return _per_sample(_hinge_margins(input, target), reduction)


@np.errstate(all="ignore")
def squared_hinge_loss(input, target, reduction: str = "mean"):
    """Squared hinge, as keras.losses.squared_hinge: max(0, 1 - target * input)^2, averaged
    over the last axis; shapes, targets and reductions as hinge_loss."""
    check_reduction(reduction)
    m = _hinge_margins(input, target)
    return _per_sample(m * m, reduction)
