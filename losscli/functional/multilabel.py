"""Multi-label classification losses: multilabel soft margin, multilabel margin (torch 2.13 semantics)."""

import numpy as np

from ..errors import InputError
from ._common import as_float, broadcast_shape, check_reduction, reduce, shape_str
from .classification import _rows_of_classes, class_indices, undefined_empty

_CHUNK = 1 << 22  # elements of the (rows, labels, classes) margin tensor built at a time


def _log_sigmoid(v: np.ndarray) -> np.ndarray:
    # torch's CPU kernel: min(v, 0) - log1p(exp(-|v|)), finite for large |v|
    return np.minimum(v, v.dtype.type(0)) - np.log1p(np.exp(-np.abs(v)))


@np.errstate(all="ignore")
def multilabel_soft_margin_loss(input, target, weight=None, reduction: str = "mean"):
    """Per sample, the mean over classes of w_c BCE-with-logits(x_c, y_c), for multi-hot targets.

    loss_n = -(1/C) sum_c w_c [y_c log_sigmoid(x_c) + (1 - y_c) log_sigmoid(-x_c)]. The class
    dim is input's last; target and weight broadcast as in torch. 'none' gives input.shape[:-1].
    """
    check_reduction(reduction)
    x, y = as_float(input, "input"), as_float(target, "target")
    if x.ndim == 0:
        raise InputError("{input} must have a class dimension (its last), got a single number")
    broadcast_shape(("input", x), ("target", y))
    dt = np.result_type(x, y)
    loss = -(y * _log_sigmoid(x) + (dt.type(1) - y) * _log_sigmoid(-x))
    if weight is not None:
        w = as_float(weight, "weight")
        broadcast_shape(("input", loss), ("weight", w))
        loss = loss * w
    # torch sums over input's last dim, counted in the (possibly broadcast) loss from the left
    per_sample = loss.sum(axis=x.ndim - 1) / loss.dtype.type(x.shape[-1])
    return reduce(per_sample, reduction)


@np.errstate(all="ignore")
def multilabel_margin_loss(input, target, reduction: str = "mean"):
    """Multi-label hinge: loss_n = (1/C) sum_{j in J} sum_{i not in J} max(0, 1 - (x[j] - x[i])).

    input is (C,) or (N, C); target has its shape and lists each sample's labels J padded with
    -1: J is the prefix before the first -1 (a repeated label counts once per occurrence, as in
    torch). Sums run in float64, as torch does. On an empty batch torch returns uninitialised
    memory for 'mean' and 'sum'; this returns nan and 0.
    """
    check_reduction(reduction)
    x = as_float(input, "input")
    t = class_indices(target)
    nframe, dim = _rows_of_classes(x, "scores")
    if not (t.shape == x.shape if x.ndim == 2 else t.ndim <= 1 and t.size == dim):
        raise InputError(
            f"{{target}} must have {{input}}'s shape {shape_str(x.shape)} (label lists padded "
            f"with -1), got {shape_str(t.shape)}"
        )
    dt = x.dtype
    rows, labels = x.reshape(nframe, dim), t.reshape(nframe, dim)
    bad = (labels < -1) | (labels >= dim)
    if bad.any():
        r, c = np.argwhere(bad)[0]
        raise InputError(
            f"{{target}} holds {labels[r, c]} at row {r}, position {c}; label lists hold class "
            f"indices in [0, {dim}), padded with -1"
        )
    scalar = reduction != "none" or t.ndim <= 1  # torch gives a 0-d result for a 1-d target
    if nframe == 0:
        return undefined_empty(reduction, dt) if scalar else np.zeros(0, dt)
    in_list = np.cumprod(labels >= 0, axis=1).astype(bool)  # the labels before the first -1
    safe = np.where(in_list, labels, 0)
    is_label = np.zeros((nframe, dim), dtype=bool)
    is_label[np.nonzero(in_list)[0], safe[in_list]] = True
    picked = np.take_along_axis(rows, safe, axis=1)
    sums = np.empty(nframe, dtype=np.float64)
    step = max(1, _CHUNK // (dim * dim))
    for start in range(0, nframe, step):  # bounded memory: (rows, labels, classes) per chunk
        s = slice(start, start + step)
        z = (dt.type(1) - picked[s, :, None]) + rows[s, None, :]  # in the input dtype, torch's order
        keep = in_list[s, :, None] & ~is_label[s, None, :] & (z > 0)
        sums[s] = np.where(keep, z, dt.type(0)).astype(np.float64).sum(axis=(1, 2))
    if not scalar:
        return sums.astype(dt) / dt.type(dim)  # torch rounds each row's sum, then divides
    total = sums.sum() / dim
    return dt.type(total / nframe if reduction == "mean" else total)
