"""Margin losses on class scores: Keras 3's categorical hinge; optax's multiclass hinge,
perceptron and sparsemax losses (binary and multiclass forms).

Arguments come as (input = the scores, target), torch's order; Keras takes (y_true, y_pred),
optax (scores, labels). optax returns per-sample losses; 'mean' here is their mean.
"""

import numpy as np

from ..errors import InputError
from ._common import finish, shape_str
from ._weighting import check_reduction, class_scores, first_bad, integer_labels, keras_parts, pair, shown


@np.errstate(all="ignore")
def categorical_hinge(input, target, *, sample_weight=None, reduction: str = "mean"):
    """Categorical hinge, Keras's: max(0, 1 + max_c (1 - y_c) x_c - sum_c y_c x_c) per sample.

    keras.losses.categorical_hinge / CategoricalHinge (Crammer and Singer's multiclass hinge
    on one-hot targets). Targets are one-hot (0/1), or -1/1 as Keras allows, used as given.

    Args:
        input: (N, ..., C) scores.
        target: one-hot targets, the same shape.
        sample_weight: (N,) weights; 'mean' is sum(w * loss) / N, as Keras's.
        reduction: 'mean', 'sum', 'none' (per-sample losses) or 'parts'.

    Returns:
        The loss.
    """
    check_reduction(reduction)
    x, y = pair(class_scores(input), target)
    dt = x.dtype.type
    pos = (y * x).sum(axis=-1)
    neg = ((dt(1) - y) * x).max(axis=-1)
    return finish(keras_parts(np.maximum(neg - pos + dt(1), dt(0)), sample_weight), reduction)


def _scores_and_labels(input, target) -> tuple[np.ndarray, np.ndarray]:
    x = class_scores(input)
    if x.ndim != 2:
        raise InputError(f"{{input}} must be (N, C) class scores, got {shape_str(x.shape)}")
    return x, integer_labels(target, x.shape[0], x.shape[1])


def _picked(x: np.ndarray, labels: np.ndarray) -> np.ndarray:
    return np.take_along_axis(x, labels[:, None], axis=1)[:, 0]


def _binary_labels(y: np.ndarray, allowed: tuple[float, float], loss: str) -> None:
    bad = (y != allowed[0]) & (y != allowed[1])
    if bad.any():
        raise InputError(
            f"{{target}} must hold the labels {allowed[0]:g} and {allowed[1]:g} for the binary {loss} "
            f"(pred and target of one shape), got {shown(y[tuple(np.argwhere(bad)[0])])} at {first_bad(bad)}"
        )


@np.errstate(all="ignore")
def multiclass_hinge_loss(input, target, *, reduction: str = "mean"):
    """Multiclass hinge, optax's: max_c (x_c + 1 - [c = y]) - x_y.

    Crammer and Singer 2001; optax.losses.multiclass_hinge_loss.

    Args:
        input: (N, C) scores.
        target: (N,) integer class indices in [0, C) (optax's one_hot gives an out-of-range
            label a zero row; here it is an error).
        reduction: 'mean', 'sum', 'none' (per-sample losses) or 'parts'.

    Returns:
        The loss.
    """
    check_reduction(reduction)
    x, labels = _scores_and_labels(input, target)
    one_hot = np.arange(x.shape[1]) == labels[:, None]
    loss = (x + x.dtype.type(1) - one_hot).max(axis=1) - _picked(x, labels)
    return finish(keras_parts(loss, None), reduction)


@np.errstate(all="ignore")
def perceptron_loss(input, target, *, reduction: str = "mean"):
    """Perceptron loss, optax's: max(0, -x y) (binary) or max_c x_c - x_y (multiclass).

    The binary form, optax.losses.perceptron_loss, when input and target have one shape
    (target -1 or 1); the multiclass form, optax.losses.multiclass_perceptron_loss (Collins
    2002), for (N, C) scores with (N,) integer labels.

    Args:
        input: scores, any shape (binary) or (N, C) (multiclass).
        target: -1/1 labels of input's shape, or (N,) class indices in [0, C).
        reduction: 'mean', 'sum', 'none' (per element, or per sample when multiclass) or 'parts'.

    Returns:
        The loss.
    """
    check_reduction(reduction)
    if np.shape(input) == np.shape(target):
        x, y = pair(input, target)
        _binary_labels(y, (-1.0, 1.0), "perceptron loss")
        return finish(keras_parts(np.maximum(x.dtype.type(0), -x * y), None), reduction)
    x, labels = _scores_and_labels(input, target)
    return finish(keras_parts(x.max(axis=1) - _picked(x, labels), None), reduction)


def _sparse_plus(z: np.ndarray) -> np.ndarray:
    """jax.nn.sparse_plus: 0 for z <= -1, z for z >= 1, (z + 1)^2 / 4 between."""
    dt = z.dtype.type
    return np.where(z <= dt(-1), dt(0), np.where(z >= dt(1), z, (z + dt(1)) ** 2 / dt(4)))


def _projection_simplex(x: np.ndarray) -> np.ndarray:
    """Each row of x projected onto the probability simplex (optax.projections.projection_simplex)."""
    dt = x.dtype.type
    u = -np.sort(-x, axis=1)
    cumsum_u = np.cumsum(u, axis=1)
    ind = np.arange(1, x.shape[1] + 1, dtype=x.dtype)
    idx = np.count_nonzero(dt(1) / ind + (u - cumsum_u / ind) > 0, axis=1)
    idx_f = idx.astype(x.dtype)[:, None]
    tau = np.take_along_axis(cumsum_u, np.maximum(idx - 1, 0)[:, None], axis=1)
    return np.maximum(dt(1) / idx_f + (x - tau / idx_f), dt(0))


@np.errstate(all="ignore")
def sparsemax_loss(input, target, *, reduction: str = "mean"):
    """Sparsemax loss, optax's: the Fenchel-Young loss of the Gini negentropy.

    Binary (input and target of one shape, target 0/1): sparse_plus(-x if y else x),
    optax.losses.sparsemax_loss. Multiclass ((N, C) scores, (N,) integer labels): with
    p = sparsemax(x), p.(x - x_y) + (1 - p.p) / 2, optax.losses.multiclass_sparsemax_loss.
    Martins and Astudillo 2016, From Softmax to Sparsemax; Blondel et al. 2020, Learning with
    Fenchel-Young Losses.

    Args:
        input: scores, any shape (binary) or (N, C) (multiclass).
        target: 0/1 labels of input's shape, or (N,) class indices in [0, C).
        reduction: 'mean', 'sum', 'none' (per element, or per sample when multiclass) or 'parts'.

    Returns:
        The loss.
    """
    check_reduction(reduction)
    if np.shape(input) == np.shape(target):
        x, y = pair(input, target)
        _binary_labels(y, (0.0, 1.0), "sparsemax loss")
        return finish(keras_parts(_sparse_plus(np.where(y != 0, -x, x)), None), reduction)
    x, labels = _scores_and_labels(input, target)
    dt = x.dtype.type
    proba = _projection_simplex(x)
    shifted = x - _picked(x, labels)[:, None]
    shifted[np.arange(x.shape[0]), labels] = dt(0)
    loss = (proba * np.where(proba != 0, shifted, dt(0))).sum(axis=1) + dt(0.5) * (dt(1) - (proba * proba).sum(axis=1))
    return finish(keras_parts(loss, None), reduction)
