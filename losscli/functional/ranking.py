"""Listwise learning to rank: optax's ranking softmax loss."""

import numpy as np

from ..errors import InputError
from ._common import Parts, as_float, finish, shape_str
from ._weighting import check_reduction, pair


@np.errstate(all="ignore")
def ranking_softmax_loss(input, target, *, where=None, weights=None, reduction: str = "mean"):
    """Ranking softmax loss, optax's: -sum_i y_i log softmax(s)_i over each list.

    Items where `where` is False are left out of the list (their score is -inf, their label
    0); a list with no item left has loss 0 and is not counted by 'mean' (0 when no list is
    left, as optax's). weights multiply the labels. Cao et al. 2007, ListNet; Bruch et al.
    2019, An Analysis of the Softmax Cross Entropy Loss for Learning-to-Rank;
    optax.losses.ranking_softmax_loss.

    Args:
        input: scores s, (..., list_size): one list per row ((L,) is one list).
        target: relevance labels y, the same shape.
        where: optional booleans (0/1) of the same shape: the items that count.
        weights: optional per-item weights of the same shape.
        reduction: 'mean' (over the lists with an item), 'sum', 'none' (per list) or 'parts'.

    Returns:
        The loss.
    """
    check_reduction(reduction)
    s, y = pair(input, target)
    if s.ndim == 0:
        raise InputError("{input} must be a list of scores (L,) or lists (N, L), got a single number")
    dt = s.dtype.type
    keep = None
    if where is not None:
        keep = np.asarray(where)
        if keep.shape != s.shape:
            raise InputError(f"{{where}} must have {{input}}'s shape {shape_str(s.shape)}, got {shape_str(keep.shape)}")
        if keep.dtype.kind not in "biuf" or not np.isin(keep, (0, 1)).all():
            raise InputError("{where} must hold booleans: true/false or 1/0")
        keep = keep.astype(bool)
        y = np.where(keep, y, dt(0))
        s = np.where(keep, s, dt(-np.inf))
    if weights is not None:
        w = as_float(weights, "weights")
        if w.shape != s.shape:
            raise InputError(f"{{weights}} must have {{input}}'s shape {shape_str(s.shape)}, got {shape_str(w.shape)}")
        y = y * w.astype(s.dtype, copy=False)
    m = s.max(axis=-1, keepdims=True)
    m = np.where(np.isfinite(m), m, dt(0))
    log_softmax = (s - m) - np.log(np.exp(s - m).sum(axis=-1, keepdims=True))
    terms = y * log_softmax
    if keep is None:
        loss = -terms.sum(axis=-1)
        return finish(Parts(loss, loss, float(loss.size)), reduction)
    loss = -np.where(keep, terms, dt(0)).sum(axis=-1)
    lists = np.count_nonzero(keep.any(axis=-1))
    # optax's _safe_reduce: a mean over no list is 0 (unless a loss is NaN): a denominator of 1 gives it.
    return finish(Parts(loss, loss, float(max(lists, 1))), reduction)
