"""Similarity losses: cosine embedding (torch 2.13 semantics)."""

import numpy as np

from ..errors import InputError
from ._common import as_float, broadcast_shape, check_reduction, reduce, shape_str

# torch adds a C++ float 1e-12 to the squared norms, in float64 mode too: 9.999999960041972e-13.
COSINE_EPSILON = np.float32(1e-12)


@np.errstate(all="ignore")
def cosine_embedding_loss(input1, input2, target, margin: float = 0.0, reduction: str = "mean"):
    """1 - cos(x1, x2) where target == 1, max(0, cos - margin) where target == -1, else 0.

    Inputs are (N, D) with target (N,), or (D,) with a 0-d target; cos is taken over the last
    dim as sum(x1 x2) / sqrt((sum(x1^2) + eps) (sum(x2^2) + eps)).
    """
    check_reduction(reduction)
    x1, x2, y = (as_float(a, n) for a, n in ((input1, "input1"), (input2, "input2"), (target, "target")))
    if y.ndim not in (0, 1):
        raise InputError(f"{{target}} must be 0-d or 1-d (one label per pair), got shape {shape_str(y.shape)}")
    want = 2 if y.ndim == 1 else 1
    if x1.ndim != want or x2.ndim != want:
        raise InputError(
            f"a {y.ndim}-d {{target}} needs {want}-d inputs, got {{input1}} {shape_str(x1.shape)} "
            f"and {{input2}} {shape_str(x2.shape)}"
        )
    broadcast_shape(("input1", x1), ("input2", x2))
    dt = np.result_type(x1, x2, y)
    eps = COSINE_EPSILON.astype(dt)
    axis = y.ndim
    dot = (x1 * x2).sum(axis=axis)
    cos = dot / np.sqrt(((x1 * x1).sum(axis=axis) + eps) * ((x2 * x2).sum(axis=axis) + eps))
    broadcast_shape(("target", y), ("input1", cos))
    zero = dt.type(0)
    pos = np.where(y == 1, dt.type(1) - cos, zero)
    neg = np.where(y == -1, np.maximum(cos - dt.type(margin), zero), zero)
    return reduce(pos + neg, reduction)
