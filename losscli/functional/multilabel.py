"""Multi-label classification losses: multilabel soft margin, multilabel margin (torch 2.13 semantics)."""

import numpy as np

from ..errors import InputError
from ._common import as_float, broadcast_shape, check_reduction, elementwise, finish, is_strict, shape_str
from .classification import _margin_parts, _rows_of_classes, class_indices


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
    return elementwise(per_sample, reduction)


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
    if is_strict():
        _distinct_labels(labels)
    if nframe == 0:
        return finish(_margin_parts(np.zeros(0, dt), t.ndim - 1), reduction)
    sums = _hinge_sums(rows, labels)
    # torch rounds each row's sum to the input dtype, then divides; 'mean' is a float64 mean
    return finish(_margin_parts(sums.astype(dt) / dt.type(dim), t.ndim - 1), reduction)


def _distinct_labels(rows: np.ndarray) -> None:
    """Strict rule: a label list (the prefix before the first -1) names each class once."""
    listed = np.cumprod(rows >= 0, axis=1).astype(bool)
    ordered = np.sort(np.where(listed, rows, -1), axis=1)
    repeats = (ordered[:, 1:] == ordered[:, :-1]) & (ordered[:, 1:] >= 0)
    if repeats.any():
        row, col = np.argwhere(repeats)[0]
        label = int(ordered[row, col + 1])
        if listed[row].all():
            raise InputError(f"{{target}} row {row} repeats class {label} and has no -1: end each label list with "
                             "-1 padding (torch reads a row up to its first -1)")
        raise InputError(
            f"{{target}} row {row} lists class {label} twice before its first -1 (torch would count it twice)"
        )


def _hinge_sums(rows: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Per row, in float64: the sum over its listed labels j (with repeats) and its unlisted
    classes i of max(0, 1 - x[j] + x[i]), in O(C log C) time and O(C) memory per row.

    Each row's unlisted scores are sorted (listed ones and nan, which torch's z > 0 never
    counts, become -inf); a binary search finds those above x[j] - 1, and a suffix sum adds
    them up: count * (1 - x[j]) + the sum of those scores.
    """
    nframe, dim = rows.shape
    dt = rows.dtype
    listed = np.cumprod(labels >= 0, axis=1).astype(bool)  # the labels before the first -1
    is_label = np.zeros((nframe, dim), dtype=bool)
    r_idx, pos = np.nonzero(listed)
    is_label[r_idx, labels[r_idx, pos]] = True
    keys = np.where(is_label | np.isnan(rows), dt.type(-np.inf), rows)
    keys.sort(axis=1)
    # suffix[r, k] = keys[r, k:].sum() in float64, summed from the top so -inf never enters
    suffix = np.zeros((nframe, dim + 1), dtype=np.float64)
    suffix[:, :dim] = np.cumsum(keys[:, ::-1], axis=1, dtype=np.float64)[:, ::-1]
    picked = rows[r_idx, labels[r_idx, pos]]
    threshold = picked - dt.type(1)
    # the first k in each query's row with keys[k] > threshold, by a vectorised binary search
    lo, hi = np.zeros(r_idx.size, dtype=np.int64), np.full(r_idx.size, dim, dtype=np.int64)
    while (lo < hi).any():
        mid = (lo + hi) // 2
        above = keys[r_idx, np.minimum(mid, dim - 1)] > threshold
        active = lo < hi
        hi = np.where(active & above, mid, hi)
        lo = np.where(active & ~above, mid + 1, lo)
    count = dim - lo
    with np.errstate(all="ignore"):
        terms = count * (1.0 - picked.astype(np.float64)) + suffix[r_idx, lo]
    terms = np.where((count > 0) & ~np.isnan(picked), terms, 0.0)
    return np.bincount(r_idx, weights=terms, minlength=nframe)
