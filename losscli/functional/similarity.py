"""Similarity, ranking and metric-learning losses: cosine embedding, margin ranking, hinge
embedding, triplet margin (torch 2.13 semantics)."""

from collections.abc import Callable

import numpy as np

from ..errors import InputError, UsageError
from ._common import (
    as_float,
    broadcast_shape,
    check_range,
    check_reduction,
    check_signs,
    elementwise,
    is_strict,
    same_ndim,
    shape_str,
)

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
    if is_strict() and y.shape != cos.shape:
        raise InputError(
            f"{{target}} has shape {shape_str(y.shape)}; it needs one label per pair, shape {shape_str(cos.shape)}"
        )
    if is_strict() and not ((y == 1) | (y == -1)).all():
        raise InputError("{target} must hold 1 (similar) or -1 (dissimilar); torch gives other values a loss of 0")
    zero = dt.type(0)
    pos = np.where(y == 1, dt.type(1) - cos, zero)
    neg = np.where(y == -1, np.maximum(cos - dt.type(margin), zero), zero)
    return elementwise(pos + neg, reduction)


@np.errstate(all="ignore")
def margin_ranking_loss(input1, input2, target, margin: float = 0.0, reduction: str = "mean"):
    """max(0, -target (input1 - input2) + margin): target 1 means input1 should rank higher, -1 lower.

    The three inputs need the same number of dims; beyond that they broadcast, as in torch.
    """
    check_reduction(reduction)
    x1, x2, y = (as_float(a, n) for a, n in ((input1, "input1"), (input2, "input2"), (target, "target")))
    same_ndim(("input1", x1), ("input2", x2), ("target", y))
    broadcast_shape(("input1", x1), ("input2", x2), ("target", y))
    check_signs("target", y, "which input should rank higher")
    dt = np.result_type(x1, x2, y)
    return elementwise(np.maximum(-y * (x1 - x2) + dt.type(margin), dt.type(0)), reduction)


@np.errstate(all="ignore")
def hinge_embedding_loss(input, target, margin: float = 1.0, reduction: str = "mean"):
    """input where target == 1, max(0, margin - input) where target == -1 (input: a distance).

    As torch computes it, [target != 1] max(0, margin - input) + [target != -1] input: a target
    that is neither 1 nor -1 gets both terms. Shapes broadcast; the result has input's dtype.
    """
    check_reduction(reduction)
    x, y = as_float(input, "input"), as_float(target, "target")
    broadcast_shape(("input", x), ("target", y))
    check_range("margin", margin, x.dtype)
    check_signs("target", y, "similar or dissimilar")
    zero = x.dtype.type(0)
    hinge = np.maximum(x.dtype.type(margin) - x, zero)
    return elementwise(np.where(y != 1, hinge, zero) + np.where(y != -1, x, zero), reduction)


def _norm(v: np.ndarray, p: float) -> np.ndarray:
    """The p-norm over the last dim as torch.norm: max |v| for inf, the non-zero count for 0."""
    a = np.abs(v if v.ndim else v.reshape(1))
    if p == np.inf:
        return a.max(axis=-1, initial=0)
    if p == -np.inf:
        return a.min(axis=-1, initial=np.inf)
    if p == 0:
        return (a != 0).sum(axis=-1).astype(a.dtype)
    if p == 1:
        return a.sum(axis=-1)
    if p == 2:
        return np.sqrt((a * a).sum(axis=-1))
    q = a.dtype.type(p)
    return (a**q).sum(axis=-1) ** (a.dtype.type(1) / q)


def pairwise_distance(x1, x2, p: float = 2.0, eps: float = 1e-6) -> np.ndarray:
    """torch.pairwise_distance: ||x1 - x2 + eps||_p over the last dim (eps goes into every component)."""
    d = x1 - x2
    return _norm(d + d.dtype.type(eps), p)


def _cosine_distance(x1, x2) -> np.ndarray:
    """1 - F.cosine_similarity(x1, x2, dim=-1, eps=1e-8): each vector divided by max(norm, eps) first."""
    x1, x2 = np.broadcast_arrays(x1, x2)
    eps = x1.dtype.type(1e-8)
    n1 = np.maximum(np.sqrt((x1 * x1).sum(axis=-1, keepdims=True)), eps)
    n2 = np.maximum(np.sqrt((x2 * x2).sum(axis=-1, keepdims=True)), eps)
    return x1.dtype.type(1) - ((x1 / n1) * (x2 / n2)).sum(axis=-1)


def _l1_distance(x1, x2) -> np.ndarray:
    return np.abs(x1 - x2).sum(axis=-1)


DISTANCES: dict[str, Callable] = {
    "pairwise": pairwise_distance,  # torch's default distance_function: p=2, eps=1e-6
    "cosine": _cosine_distance,
    "l1": _l1_distance,
}


def _triplet(anchor, positive, negative, distance: Callable, margin: float, swap: bool, reduction: str):
    check_reduction(reduction)
    if not margin > 0:
        raise UsageError(f"{{margin}} must be greater than 0, got {margin}")
    a, p, n = (as_float(v, k) for v, k in ((anchor, "anchor"), (positive, "positive"), (negative, "negative")))
    same_ndim(("anchor", a), ("positive", p), ("negative", n))
    broadcast_shape(("anchor", a), ("positive", p), ("negative", n))
    dt = np.result_type(a, p, n)
    d_pos, d_neg = distance(a, p), distance(a, n)
    if swap:  # the positive may be closer to the negative than the anchor is
        d_neg = np.minimum(d_neg, distance(p, n))
    return elementwise(np.maximum(dt.type(margin) + d_pos - d_neg, dt.type(0)), reduction)


@np.errstate(all="ignore")
def triplet_margin_loss(
    anchor,
    positive,
    negative,
    margin: float = 1.0,
    p: float = 2.0,
    eps: float = 1e-6,
    swap: bool = False,
    reduction: str = "mean",
):
    """max(0, margin + d(anchor, positive) - d(anchor, negative)), d = ||a - b + eps||_p on the last dim.

    Inputs are (N, D) or (D,) with equal dims, and broadcast. With swap, the negative distance is
    min(d(anchor, negative), d(positive, negative)). margin must be > 0.
    """
    def distance(x1, x2):
        return pairwise_distance(x1, x2, p, eps)

    return _triplet(anchor, positive, negative, distance, margin, swap, reduction)


@np.errstate(all="ignore")
def triplet_margin_with_distance_loss(
    anchor,
    positive,
    negative,
    *,
    distance: str | Callable = "pairwise",
    margin: float = 1.0,
    swap: bool = False,
    reduction: str = "mean",
):
    """Triplet margin loss with a named distance: max(0, margin + D(anchor, positive) - D(anchor, negative)).

    distance replaces torch's distance_function: "pairwise" (torch's default,
    pairwise_distance with p=2 and eps=1e-6), "cosine" (1 - cosine_similarity over the last dim)
    or "l1" (sum of |a - b| over the last dim), or a callable(x1, x2) -> distances.
    """
    if isinstance(distance, str):
        if distance not in DISTANCES:
            raise UsageError(f"{{distance}} must be one of {', '.join(DISTANCES)}, got {distance!r}")
        distance = DISTANCES[distance]
    return _triplet(anchor, positive, negative, distance, margin, swap, reduction)
