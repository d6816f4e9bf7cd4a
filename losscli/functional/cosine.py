"""Keras 3's cosine similarity loss: minus the cosine between prediction and target."""

import numpy as np

from ..errors import UsageError
from ._common import finish
from ._weighting import check_reduction, keras_parts, pair

# keras.backend.epsilon(): Keras's normalize divides by max(norm, 1e-7) (as x * min(1/norm, 1e7)).
EPSILON = 1e-7


def _normalize(x: np.ndarray, axis: int) -> np.ndarray:
    """keras.ops.normalize(x, axis, order=2): x * min(rsqrt(sum(x^2)), 1 / epsilon)."""
    inv_norm = x.dtype.type(1) / np.sqrt((x * x).sum(axis=axis, keepdims=True))
    return x * np.minimum(inv_norm, x.dtype.type(1 / EPSILON))


@np.errstate(all="ignore")
def cosine_similarity(input, target, *, axis: int = -1, sample_weight=None, reduction: str = "mean"):
    """Cosine similarity loss, Keras's: -sum(normalize(target) * normalize(input)) over axis.

    The loss is minus the cosine, in [-1, 1]: -1 for vectors pointing the same way, 0 when
    either is a zero vector. keras.losses.cosine_similarity / CosineSimilarity. Unlike
    torch's cosine_embedding_loss there is no label and no margin, and the norms are bounded
    below by Keras's 1e-7 (torch adds 1e-12 to the squared norms).

    Args:
        input: predictions, (N, ..., D).
        target: targets, the same shape.
        axis: the axis of the vectors (Keras's axis, -1 by default); it may not be the first
            (sample) axis, so the result has one loss per sample (per position).
        sample_weight: (N,) weights; 'mean' is sum(w * loss) / loss.size, as Keras's.
        reduction: 'mean', 'sum', 'none' (the losses, input's shape without axis) or 'parts'.

    Returns:
        The loss.
    """
    check_reduction(reduction)
    x, y = pair(input, target)
    if x.ndim < 2:
        raise UsageError(
            f"cosine-similarity takes (N, D) rows of vectors, got {{input}} of {x.ndim} dim(s); "
            "write a single vector as one row"
        )
    if not -x.ndim <= axis < x.ndim or axis % x.ndim == 0:
        raise UsageError(
            f"{{axis}} must be an axis of the vectors, 1 to {x.ndim - 1} or -1 to -{x.ndim - 1} for "
            f"{x.ndim}-d inputs (axis 0 holds the samples), got {axis}"
        )
    loss = -(_normalize(y, axis) * _normalize(x, axis)).sum(axis=axis)
    return finish(keras_parts(loss, sample_weight), reduction)
