"""Sequence losses: connectionist temporal classification (torch 2.13 semantics)."""

import numpy as np

from ..errors import InputError, UsageError
from ._common import Parts, as_float, check_reduction, finish, shape_str
from .classification import class_indices


def _lengths(a, name: str, batch: int) -> np.ndarray:
    n = class_indices(a, name, "lengths").ravel()
    if n.size != batch:
        raise InputError(f"{{{name}}} must hold one length per sample ({batch}), got {n.size}")
    if (n < 0).any():
        raise InputError(f"{{{name}}} holds a negative length, {n[n < 0][0]}")
    return n


def _label_rows(targets: np.ndarray, target_lengths: np.ndarray) -> np.ndarray:
    """Each sample's labels as a row of a (N, max length) matrix, from padded or concatenated targets."""
    batch, longest = target_lengths.size, int(target_lengths.max(initial=0))
    if targets.ndim == 2:
        if targets.shape[0] != batch or targets.shape[1] < longest:
            raise InputError(
                f"padded {{targets}} must be (N, S) with N = {batch} and S >= the longest target "
                f"({longest}), got shape {shape_str(targets.shape)}"
            )
        return targets[:, :longest]
    if targets.ndim != 1:
        raise InputError(
            f"{{targets}} must be padded (N, S) or concatenated (sum of lengths,), got shape {shape_str(targets.shape)}"
        )
    total = int(target_lengths.sum())
    if targets.size != total:
        raise InputError(
            f"concatenated {{targets}} must hold sum({{target_lengths}}) = {total} labels, got {targets.size}"
        )
    rows = np.zeros((batch, longest), dtype=np.int64)
    ends = np.cumsum(target_lengths)
    position = np.arange(longest)
    used = position < target_lengths[:, None]
    rows[used] = targets[((ends - target_lengths)[:, None] + position)[used]]
    return rows


def _logsumexp3(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """log(exp(a) + exp(b) + exp(c)) as torch's CPU kernel: shifted by the max, 0 when all are -inf."""
    m = np.maximum(np.maximum(a, b), c)
    m = np.where(m == -np.inf, m.dtype.type(0), m)
    return np.log(np.exp(a - m) + np.exp(b - m) + np.exp(c - m)) + m


@np.errstate(all="ignore")
def ctc_loss(
    log_probs,
    targets,
    input_lengths,
    target_lengths,
    blank: int = 0,
    reduction: str = "mean",
    zero_infinity: bool = False,
):
    """Connectionist temporal classification: -log of the summed probability of every alignment
    of the target to the first input_lengths frames.

    log_probs is (T, N, C) or unbatched (T, C); targets are padded (N, S), concatenated
    (sum(target_lengths),), or (S,) unbatched; the lengths hold one integer per sample. The alpha
    recursion runs in log space over the blank-extended labels. An impossible alignment costs
    inf (0 with zero_infinity). 'mean' divides each loss by its target length (at least 1), then
    averages. Labels must lie in [0, C) and differ from blank (torch leaves other values undefined).
    """
    check_reduction(reduction)
    lp = as_float(log_probs, "log_probs")
    if lp.ndim not in (2, 3):
        raise InputError(f"{{log_probs}} must be (T, N, C) or (T, C), got shape {shape_str(lp.shape)}")
    batched = lp.ndim == 3
    if not batched:
        lp = lp[:, None, :]
    if lp.size == 0:
        raise InputError(f"{{log_probs}} must not be empty, got shape {shape_str(lp.shape if batched else lp.shape[::2])}")
    frames, batch, n_labels = lp.shape
    if not 0 <= blank < n_labels:
        raise UsageError(f"{{blank}} must be a class index in [0, {n_labels}), got {blank}")
    t = class_indices(targets, "targets", "labels")
    il = _lengths(input_lengths, "input_lengths", batch)
    tl = _lengths(target_lengths, "target_lengths", batch)
    if (il > frames).any():
        raise InputError(f"{{input_lengths}} holds {il.max()}, more than the {frames} frames of {{log_probs}}")
    labels = _label_rows(t, tl)
    used = np.arange(labels.shape[1]) < tl[:, None]
    bad = used & ((labels < 0) | (labels >= n_labels) | (labels == blank))
    if bad.any():
        b, s = np.argwhere(bad)[0]
        raise InputError(
            f"{{targets}} holds label {labels[b, s]} for sample {b}, position {s}; labels must lie in "
            f"[0, {n_labels}) and differ from {{blank}} ({blank})"
        )
    dt = lp.dtype
    neg_inf = dt.type(-np.inf)
    # the blank-extended labels l' = (blank, l1, blank, l2, ..., blank), padded with blank
    states = 2 * labels.shape[1] + 1
    ext = np.full((batch, states), blank, dtype=np.int64)
    ext[:, 1::2] = np.where(used, labels, blank)
    # a skip from s - 2 is allowed onto a label that differs from the label two states back
    skip = np.zeros((batch, states), dtype=bool)
    skip[:, 2:] = ext[:, 2:] != ext[:, :-2]
    rows = np.arange(batch)[:, None]
    alpha = np.full((batch, states), neg_inf, dtype=dt)
    alpha[:, 0] = lp[0, :, blank]
    if states > 1:
        alpha[:, 1] = np.where(tl > 0, lp[0, rows[:, 0], ext[:, 1]], neg_inf)
    last = alpha.copy()  # alpha at each sample's last frame, input_lengths - 1
    for frame in range(1, frames):  # vectorised over samples and states
        a2 = np.concatenate([np.full((batch, 1), neg_inf, dt), alpha[:, :-1]], axis=1)
        a3 = np.concatenate([np.full((batch, 2), neg_inf, dt), alpha[:, :-2]], axis=1)[:, :states]
        alpha = _logsumexp3(alpha, a2, np.where(skip, a3, neg_inf)) + lp[frame][rows, ext]
        last = np.where((il - 1 == frame)[:, None], alpha, last)
    end = 2 * tl
    l1 = last[np.arange(batch), end]
    l2 = np.where(tl > 0, last[np.arange(batch), np.maximum(end - 1, 0)], neg_inf)
    m = np.maximum(l1, l2)
    m = np.where(m == -np.inf, dt.type(0), m)
    nll = -(np.log(np.exp(l1 - m) + np.exp(l2 - m)) + m)
    nll = np.where(il == 0, np.where(tl == 0, dt.type(0), dt.type(np.inf)), nll)
    if zero_infinity:
        nll = np.where(nll == np.inf, dt.type(0), nll)
    # 'mean' divides each loss by its target length (at least 1), then averages over the batch
    per_length = nll / np.maximum(tl, 1).astype(dt)
    return finish(Parts(nll if batched else nll[0], per_length, batch), reduction)
