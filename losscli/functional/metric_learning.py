"""Metric-learning losses over a batch of embeddings and their labels: Keras 3's Circle loss,
optax's NT-Xent. Every pair of the batch enters, so the samples are never split into blocks."""

import numpy as np

from ..errors import InputError
from ._common import Parts, as_float, finish, shape_str
from ._weighting import check_reduction, keras_parts, shown


def _embeddings(input, target, name: str) -> tuple[np.ndarray, np.ndarray]:
    e = as_float(input, "input")
    if e.ndim != 2:
        raise InputError(f"{name} takes {{input}} as (N, D) embeddings, one row per sample, got {shape_str(e.shape)}")
    labels = np.asarray(target)
    if labels.shape != (e.shape[0],):
        raise InputError(
            f"{name} takes {{target}} as one label per embedding, shape ({e.shape[0]},), got {shape_str(labels.shape)}"
        )
    if labels.dtype.kind not in "iubf":
        raise InputError(f"{{target}} must hold numeric labels, got dtype {labels.dtype}")
    return e, labels


def _logsumexp_rows(x: np.ndarray) -> np.ndarray:
    """log sum exp over axis 1, -inf for a row of -inf (torch.logsumexp)."""
    m = x.max(axis=1, keepdims=True)
    safe = np.where(np.isfinite(m), m, x.dtype.type(0))
    return (safe + np.log(np.exp(x - safe).sum(axis=1, keepdims=True)))[:, 0]


def _softplus(x: np.ndarray) -> np.ndarray:
    """torch.nn.functional.softplus (Keras's torch backend): x itself above 20."""
    return np.where(x > 20, x, np.log1p(np.exp(np.minimum(x, x.dtype.type(20)))))


@np.errstate(all="ignore")
def circle(
    input,
    target,
    *,
    gamma: float = 80.0,
    margin: float = 0.4,
    remove_diagonal: bool = True,
    sample_weight=None,
    reduction: str = "mean",
):
    """Circle loss, Keras's: softplus(logsumexp_pos(-gamma a_p (m - d)) + logsumexp_neg(gamma a_n (1 - m - d))).

    d = max(1 - x_i . x_j, 0) is the cosine distance of L2-normalised embeddings (Keras does
    not normalise them, and neither does this), a_p = max(m + d, 0) over the positives (same
    label; without the pair of an embedding with itself when remove_diagonal) and
    a_n = max(1 + m - d, 0) over the negatives. As in Keras, a row without positives (or
    without negatives) has loss 0 and is masked: 'mean' divides by the rows with a loss > 0.
    Sun et al. 2020, Circle Loss; keras.losses.circle / Circle.

    Args:
        input: (N, D) L2-normalised embeddings.
        target: (N,) integer labels.
        gamma: the scale (Keras's 80).
        margin: the relaxation m (Keras's 0.4).
        remove_diagonal: leave each embedding's pair with itself out of its positives.
        sample_weight: (N,) weights; 'mean' is sum(w * loss) / (rows with a loss > 0).
        reduction: 'mean', 'sum', 'none' (per embedding) or 'parts'.

    Returns:
        The loss.
    """
    check_reduction(reduction)
    e, labels = _embeddings(input, target, "circle")
    if labels.dtype.kind == "f":
        bad = ~np.isfinite(labels) | (labels != np.round(labels))
        if bad.any():
            i = int(np.argmax(bad))
            raise InputError(f"circle needs integer labels in {{target}}, got {shown(labels[i])} at position {i}")
    labels = labels.astype(np.int64)
    dt = e.dtype.type
    zero = dt(0)
    d = np.maximum(dt(1) - e @ e.T, zero)
    positive = labels[:, None] == labels[None, :]
    negative = ~positive
    if remove_diagonal:
        positive = positive & ~np.eye(len(labels), dtype=bool)
    g, m = dt(gamma), dt(margin)
    pos_weights = np.maximum((m + d) * positive, zero)
    neg_weights = np.maximum((dt(1) + m - d) * negative, zero)
    pos_w = dt(-1) * g * pos_weights * (m - d)
    neg_w = g * neg_weights * ((dt(1) - m) - d)
    p_loss = _logsumexp_rows(np.where(positive, pos_w, dt(-np.inf)))
    n_loss = _logsumexp_rows(np.where(negative, neg_w, dt(-np.inf)))
    loss = _softplus(p_loss + n_loss)
    return finish(keras_parts(loss, sample_weight, mask=loss > 0), reduction)


@np.errstate(all="ignore")
def ntxent(input, target, *, temperature: float = 0.07, reduction: str = "mean"):
    """NT-Xent, optax's: the mean over positive pairs (i, j) of -log(e^(s_ij) / (e^(s_ij) + sum_k e^(s_ik))).

    s = cosine similarity / temperature, j ranges over the other embeddings with i's label and
    k over those with another label; norms are bounded below by sqrt(machine epsilon) as in
    optax. Chen et al. 2020, SimCLR; optax.losses.ntxent.

    Args:
        input: (N, D) embeddings (normalised inside).
        target: (N,) labels; embeddings with equal labels are positive pairs.
        temperature: the scale of the similarities (0.07).
        reduction: 'mean' (optax's value: over the positive pairs; NaN without any), 'sum',
            'none' (per embedding: the sum over its positive pairs) or 'parts'.

    Returns:
        The loss.
    """
    check_reduction(reduction)
    e, labels = _embeddings(input, target, "ntxent")
    dt = e.dtype.type
    norm = np.sqrt(np.maximum((e * e).sum(axis=1, keepdims=True), np.finfo(e.dtype).eps))
    unit = e / norm
    xcs = (unit @ unit.T) / dt(temperature)
    matches = labels[:, None] == labels[None, :]
    positive = matches & ~np.eye(len(labels), dtype=bool)
    neg_inf = dt(-np.inf)
    diffs = np.where(~matches, xcs, neg_inf)
    pos = np.where(positive, xcs, neg_inf)
    shift = np.maximum(diffs.max(axis=1, keepdims=True, initial=neg_inf), pos.max(axis=1, keepdims=True, initial=neg_inf))
    numer = pos - shift
    denom = np.exp(diffs - shift).sum(axis=1, keepdims=True) + np.exp(numer)
    per_anchor = -np.where(positive, numer - np.log(denom), dt(0)).sum(axis=1)
    return finish(Parts(per_anchor, per_anchor, float(np.count_nonzero(positive))), reduction)
