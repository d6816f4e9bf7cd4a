"""Cross-entropy reshaped for hard examples: Keras 3's binary and categorical focal
crossentropy, optax's PolyLoss.

The arguments come as (input = the prediction, target), torch's order; Keras and optax take
(y_true, y_pred) and (logits, labels). The reductions are Keras's: per-sample losses (the mean,
or the sum, over the last axis) averaged over the samples.
"""

import numpy as np

from ..errors import UsageError
from ._common import finish
from ._weighting import check_reduction, class_scores, keras_parts, pair

# keras.backend.epsilon(): Keras clips probabilities to [EPSILON, 1 - EPSILON] before a log.
EPSILON = 1e-7


def _sigmoid(x: np.ndarray) -> np.ndarray:
    one = x.dtype.type(1)
    return np.where(x >= 0, one / (one + np.exp(-x)), np.exp(x) / (one + np.exp(x)))


def _log_softmax(x: np.ndarray) -> np.ndarray:
    shifted = x - x.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def _check_unit(name: str, value: float) -> None:
    if not 0 <= value <= 1:
        raise UsageError(f"{{{name}}} must be in [0, 1], got {value}")


@np.errstate(all="ignore")
def binary_focal_crossentropy(
    input,
    target,
    *,
    apply_class_balancing: bool = False,
    alpha: float = 0.25,
    gamma: float = 2.0,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    sample_weight=None,
    reduction: str = "mean",
):
    """Binary focal crossentropy, Keras's: (1 - p_t)^gamma BCE(p, y), averaged over the last axis.

    With y smoothed to y (1 - s) + s / 2, p = input (sigmoid(input) with from_logits) and
    p_t = y p + (1 - y)(1 - p): loss = (1 - p_t)^gamma bce, where bce clips p to
    [1e-7, 1 - 1e-7] (Keras's epsilon) and p_t does not; apply_class_balancing multiplies by
    alpha y + (1 - alpha)(1 - y). Lin et al. 2017, Focal Loss for Dense Object Detection;
    keras.losses.binary_focal_crossentropy / BinaryFocalCrossentropy.

    Args:
        input: predicted probabilities (logits with from_logits), shape (N, ..., D) or (N,).
        target: labels in [0, 1], the same shape.
        apply_class_balancing, alpha, gamma, from_logits, label_smoothing: as Keras's.
        sample_weight: (N,) weights; 'mean' is sum(w * loss) / N, as Keras's.
        reduction: 'mean', 'sum', 'none' (per-sample losses, (N, ...)) or 'parts'.

    Returns:
        The loss; a 1-D input is N samples of one output each (Keras's (N, 1)).
    """
    check_reduction(reduction)
    _check_unit("label_smoothing", label_smoothing)
    x, y = pair(input, target)
    dt = x.dtype.type
    one = dt(1)
    if label_smoothing:
        y = y * dt(1 - label_smoothing) + dt(0.5 * label_smoothing)
    p = _sigmoid(x) if from_logits else x
    clipped = np.clip(p, dt(EPSILON), one - dt(EPSILON))
    # torch's binary_cross_entropy (Keras's torch backend) clamps each log at -100.
    bce = -(y * np.maximum(np.log(clipped), dt(-100)) + (one - y) * np.maximum(np.log1p(-clipped), dt(-100)))
    p_t = y * p + (one - y) * (one - p)
    loss = (one - p_t) ** dt(gamma) * bce
    if apply_class_balancing:
        loss = (y * dt(alpha) + (one - y) * (one - dt(alpha))) * loss
    if loss.ndim >= 2:
        loss = loss.mean(axis=-1)
    return finish(keras_parts(loss, sample_weight), reduction)


@np.errstate(all="ignore")
def categorical_focal_crossentropy(
    input,
    target,
    *,
    alpha: float = 0.25,
    gamma: float = 2.0,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    sample_weight=None,
    reduction: str = "mean",
):
    """Categorical focal crossentropy, Keras's: sum_c -alpha (1 - p_c)^gamma y_c log p_c per sample.

    As Keras does, each row of probabilities is first divided by its sum (so unnormalised
    scores are silently rescaled; softmax with from_logits), then clipped to
    [1e-7, 1 - 1e-7]; y is smoothed to y (1 - s) + s / C. Lin et al. 2017;
    keras.losses.categorical_focal_crossentropy / CategoricalFocalCrossentropy (a scalar alpha).

    Args:
        input: (N, ..., C) probabilities (logits with from_logits).
        target: one-hot or soft labels, the same shape.
        alpha, gamma, from_logits, label_smoothing: as Keras's.
        sample_weight: (N,) weights; 'mean' is sum(w * loss) / N.
        reduction: 'mean', 'sum', 'none' (per-sample losses, (N, ...)) or 'parts'.

    Returns:
        The loss.
    """
    check_reduction(reduction)
    _check_unit("label_smoothing", label_smoothing)
    x, y = pair(class_scores(input), target)
    dt = x.dtype.type
    one = dt(1)
    if label_smoothing:
        y = y * dt(1 - label_smoothing) + dt(label_smoothing) / dt(y.shape[-1])
    if from_logits:
        x = np.exp(_log_softmax(x))
    out = np.clip(x / x.sum(axis=-1, keepdims=True), dt(EPSILON), one - dt(EPSILON))
    focal = ((one - out) ** dt(gamma) * dt(alpha)) * (-y * np.log(out))
    return finish(keras_parts(focal.sum(axis=-1), sample_weight), reduction)


@np.errstate(all="ignore")
def poly_loss_cross_entropy(input, target, *, epsilon: float = 2.0, reduction: str = "mean"):
    """Poly-1 loss, optax's: CE(softmax(input), target) + epsilon * sum_c target_c (1 - p_c).

    Leng et al. 2022, PolyLoss: A Polynomial Expansion Perspective of Classification Loss
    Functions; optax.losses.poly_loss_cross_entropy (over the last axis, no `where`).

    Args:
        input: (N, ..., C) logits.
        target: (N, ..., C) probability distributions (one-hot for hard labels).
        epsilon: the coefficient of the first polynomial term (2.0; the paper suggests -1 for
            detection).
        reduction: 'mean' (optax returns the per-sample losses: this is their mean), 'sum',
            'none' or 'parts'.

    Returns:
        The loss.
    """
    check_reduction(reduction)
    x, y = pair(class_scores(input), target)
    dt = x.dtype.type
    log_p = _log_softmax(x)
    p = np.exp(log_p)
    one_minus_pt = (y * (dt(1) - p)).sum(axis=-1)
    ce = -(y * log_p).sum(axis=-1)
    return finish(keras_parts(ce + dt(epsilon) * one_minus_pt, None), reduction)

