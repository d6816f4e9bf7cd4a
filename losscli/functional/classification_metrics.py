"""scikit-learn's classification metrics as losses: log loss and the Brier score on predicted
probabilities, zero-one and Hamming losses on predicted labels.

Arguments come as (input = the prediction, target = the true labels), torch's order;
scikit-learn takes (y_true, y_pred). Weighted means are scikit-learn's: sum(w * loss) / sum(w).
Labels are numbers (class values, as loaded); scikit-learn also takes strings.
"""

import numpy as np

from ..errors import InputError, UsageError
from ._common import as_float, finish, shape_str
from ._weighting import check_reduction, first_bad, shown, sklearn_parts


def _label_values(target, name: str = "target") -> np.ndarray:
    """Class labels as numbers: integers, or floats with integral values (scikit-learn calls
    fractional labels continuous and refuses them)."""
    t = np.asarray(target)
    if t.dtype.kind == "b":
        return t.astype(np.int64)
    if t.dtype.kind not in "iuf":
        raise InputError(f"{{{name}}} must hold numeric class labels, got dtype {t.dtype}")
    if t.dtype.kind == "f":
        bad = ~np.isfinite(t) | (t != np.round(t))
        if bad.any():
            raise InputError(
                f"{{{name}}} must hold class labels (whole numbers), got {shown(t[tuple(np.argwhere(bad)[0])])} "
                f"at {first_bad(bad)}; scikit-learn calls fractional labels continuous"
            )
    return t


def _probabilities(input, n_name: str = "input") -> np.ndarray:
    p = as_float(input, n_name)
    if p.ndim not in (1, 2):
        raise InputError(f"{{{n_name}}} must be (N,) or (N, C) probabilities, got {shape_str(p.shape)}")
    for bad, what in ((p > 1, "greater than 1"), (p < 0, "less than 0"), (np.isnan(p), "NaN")):
        if bad.any():
            raise InputError(f"{{{n_name}}} holds probabilities {what}: {shown(p[tuple(np.argwhere(bad)[0])])} at {first_bad(bad)}")
    return p


def _one_hot(p: np.ndarray, target, labels) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's _validate_multiclass_probabilistic_prediction: (one-hot y, (N, C) p).

    The classes are the sorted `labels`, or the sorted values of target; a (N,) or (N, 1) p
    is the probability of the greater of two classes."""
    y = _label_values(target)
    if y.shape != (p.shape[0],):
        raise InputError(
            f"{{target}} must hold one label per row of {{input}}, shape ({p.shape[0]},), got {shape_str(y.shape)}"
        )
    if labels is not None:
        classes = np.unique(_label_values(labels, "labels"))
        unknown = ~np.isin(y, classes)
        if unknown.any():
            raise InputError(
                f"{{target}} holds {shown(y[unknown.argmax()])} at {first_bad(unknown)}, which is not one of {{labels}}"
            )
        if len(classes) < 2:
            raise UsageError(f"{{labels}} must hold at least two classes, got {len(classes)}")
    else:
        classes = np.unique(y)
        if len(classes) < 2:
            raise InputError(
                f"{{target}} holds only one class ({classes[0] if len(classes) else 'none'}); "
                "give every class in {labels}"
            )
    if p.ndim == 1:
        p = p[:, None]
    if p.shape[1] == 1:
        p = np.concatenate([1 - p, p], axis=1)
    if p.shape[1] != len(classes):
        source = "{labels}" if labels is not None else "{target}"
        raise InputError(
            f"{{input}} has {p.shape[1]} columns of probabilities but {source} has {len(classes)} classes "
            f"({', '.join(f'{c:g}' for c in classes)}); give every class in {{labels}}"
        )
    return (y[:, None] == classes[None, :]).astype(p.dtype), p


@np.errstate(all="ignore")
def log_loss(input, target, *, normalize: bool = True, labels=None, sample_weight=None, reduction: str = "mean"):
    """Log loss, scikit-learn's: -sum_c y_c log p_c per sample, p clipped to [eps, 1 - eps].

    eps is the machine epsilon of p's dtype (2.2e-16 for float64), as in scikit-learn 1.9
    (unlike torch's BCE clamp of the log at -100). Rows that do not sum to 1 are taken as
    given (scikit-learn only warns). sklearn.metrics.log_loss.

    Args:
        input: (N, C) probabilities, one column per class in sorted order, or (N,) the
            probability of the greater of two classes.
        target: (N,) true class labels (numbers).
        normalize: False makes 'mean' the weighted sum, as scikit-learn's normalize=False.
        labels: all the class labels, when target does not show every one.
        sample_weight: (N,) weights; 'mean' is sum(w * loss) / sum(w).
        reduction: 'mean', 'sum', 'none' (w * loss per sample) or 'parts'.

    Returns:
        The loss.
    """
    check_reduction(reduction)
    y, p = _one_hot(_probabilities(input), target, labels)
    eps = np.finfo(p.dtype).eps
    p = np.clip(p, eps, 1 - eps)
    loss = -np.where(y == 0, p.dtype.type(0), y * np.log(p)).sum(axis=1)
    return finish(sklearn_parts(loss, sample_weight, normalize), reduction)


def _scale(scale_by_half, classes: int) -> bool:
    if isinstance(scale_by_half, str):
        choice = scale_by_half.lower()
        if choice not in ("auto", "true", "false"):
            raise UsageError(f"{{scale_by_half}} must be auto, true or false, got {scale_by_half!r}")
        if choice != "auto":
            return choice == "true"
        return classes < 3
    return bool(scale_by_half)


@np.errstate(all="ignore")
def brier_score_loss(
    input,
    target,
    *,
    pos_label: float | None = None,
    labels=None,
    scale_by_half: bool | str = "auto",
    sample_weight=None,
    reduction: str = "mean",
):
    """Brier score, scikit-learn's: sum_c (y_c - p_c)^2 per sample, halved for two classes.

    Binary ((N,) p, the probability of pos_label): (y - p)^2 with y = [target == pos_label];
    pos_label defaults to 1 for targets in {0, 1} or {-1, 1}, else to the greater label.
    Multiclass ((N, C) p, classes as log_loss's): sum_c (y_c - p_c)^2, in [0, 2];
    scale_by_half "auto" halves it only for fewer than 3 classes. Brier 1950;
    sklearn.metrics.brier_score_loss (1.7+ multiclass).

    Args:
        input: (N,) probabilities of the positive class, or (N, C) class probabilities.
        target: (N,) true class labels (numbers).
        pos_label: the positive class of a binary target.
        labels: all the class labels of a multiclass target.
        scale_by_half: "auto", or True / False ("true" / "false").
        sample_weight: (N,) weights; 'mean' is sum(w * loss) / sum(w).
        reduction: 'mean', 'sum', 'none' (w * loss per sample) or 'parts'.

    Returns:
        The score.
    """
    check_reduction(reduction)
    p = _probabilities(input)
    if p.ndim == 1 or p.shape[1] == 1:
        p = p.reshape(-1)
        y = _label_values(target)
        if y.shape != p.shape:
            raise InputError(f"{{target}} must hold one label per probability, shape {shape_str(p.shape)}, got {shape_str(y.shape)}")
        classes = np.unique(y)
        if len(classes) > 2:
            raise InputError(
                f"{{target}} holds {len(classes)} classes but {{input}} is one probability per sample "
                "(binary); give (N, C) probabilities for a multiclass target"
            )
        if pos_label is None:
            known = any(set(classes.tolist()) <= s for s in ({0, 1}, {-1, 1}))
            pos_label = 1 if known else classes[-1]
        diff = (y == pos_label).astype(p.dtype) - p
        per_sample, n_classes = diff * diff * p.dtype.type(2), 2
    else:
        y, p = _one_hot(p, target, labels)
        per_sample, n_classes = ((y - p) ** 2).sum(axis=1), p.shape[1]
    if _scale(scale_by_half, n_classes):
        per_sample = per_sample * p.dtype.type(0.5)
    return finish(sklearn_parts(per_sample, sample_weight), reduction)


def _label_pair(input, target) -> tuple[np.ndarray, np.ndarray]:
    pred, true = _label_values(input, "input"), _label_values(target)
    if pred.shape != true.shape:
        raise InputError(f"{{target}} has shape {shape_str(true.shape)} but {{input}} has {shape_str(pred.shape)}; they must be the same")
    if pred.ndim not in (1, 2):
        raise InputError(f"{{input}} must be (N,) labels or an (N, L) multilabel indicator, got {shape_str(pred.shape)}")
    if pred.ndim == 2:
        for a, name in ((pred, "input"), (true, "target")):
            bad = (a != 0) & (a != 1)
            if bad.any():
                raise InputError(f"{{{name}}} as an (N, L) multilabel indicator must hold 0 and 1, got {shown(a[tuple(np.argwhere(bad)[0])])} at {first_bad(bad)}")
    return pred, true


def _dtype(sample_weight):
    return np.result_type(np.asarray(sample_weight).dtype, np.float64) if sample_weight is not None else np.dtype(np.float64)


def zero_one_loss(input, target, *, normalize: bool = True, sample_weight=None, reduction: str = "mean"):
    """Zero-one loss, scikit-learn's: the fraction of samples predicted wrong (1 - accuracy).

    A sample of an (N, L) multilabel indicator is wrong unless all its labels are right
    (subset accuracy). sklearn.metrics.zero_one_loss.

    Args:
        input: (N,) predicted labels, or an (N, L) 0/1 indicator.
        target: true labels, the same shape.
        normalize: False makes 'mean' the (weighted) count of wrong samples.
        sample_weight: (N,) weights; 'mean' is sum(w * wrong) / sum(w).
        reduction: 'mean', 'sum', 'none' (w * wrong per sample) or 'parts'.

    Returns:
        The loss.
    """
    check_reduction(reduction)
    pred, true = _label_pair(input, target)
    wrong = pred != true
    if wrong.ndim == 2:
        wrong = wrong.any(axis=1)
    return finish(sklearn_parts(wrong.astype(_dtype(sample_weight)), sample_weight, normalize), reduction)


def hamming_loss(input, target, *, sample_weight=None, reduction: str = "mean"):
    """Hamming loss, scikit-learn's: the fraction of labels predicted wrong.

    For (N,) labels it is the zero-one loss; for an (N, L) indicator each sample contributes
    the fraction of its L labels that are wrong. sklearn.metrics.hamming_loss.

    Args:
        input: (N,) predicted labels, or an (N, L) 0/1 indicator.
        target: true labels, the same shape.
        sample_weight: (N,) weights; 'mean' is sum(w * fraction) / sum(w).
        reduction: 'mean', 'sum', 'none' (w * fraction per sample) or 'parts'.

    Returns:
        The loss.
    """
    check_reduction(reduction)
    pred, true = _label_pair(input, target)
    dt = _dtype(sample_weight)
    wrong = (pred != true).astype(dt)
    if wrong.ndim == 2:
        wrong = wrong.sum(axis=1) / dt.type(wrong.shape[1])
    return finish(sklearn_parts(wrong, sample_weight), reduction)
