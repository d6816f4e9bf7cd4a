"""Losses for counts and positive amounts: Keras 3's poisson; scikit-learn's mean Poisson and
mean Gamma deviances.

Arguments come as (input = the prediction, target), torch's order; Keras and scikit-learn
take (y_true, y_pred).
"""

import numpy as np

from ..errors import InputError
from ._common import finish, shape_str
from ._weighting import check_reduction, first_bad, keras_parts, pair, shown, sklearn_parts

# keras.backend.epsilon(), added to the prediction inside the log.
EPSILON = 1e-7


@np.errstate(all="ignore")
def poisson(input, target, *, sample_weight=None, reduction: str = "mean"):
    """Poisson loss, Keras's: mean over the last axis of pred - target * log(pred + 1e-7).

    keras.losses.poisson / Poisson. Unlike torch's poisson_nll_loss (log_input=False), the
    epsilon is Keras's 1e-7 and the target's log-factorial is never added; the loss can be
    negative.

    Args:
        input: predicted rates (>= 0), shape (N, ..., D) or (N,) (N samples of one output).
        target: observed counts, the same shape.
        sample_weight: (N,) weights; 'mean' is sum(w * loss) / N, as Keras's.
        reduction: 'mean', 'sum', 'none' (per-sample losses) or 'parts'.

    Returns:
        The loss.
    """
    check_reduction(reduction)
    x, y = pair(input, target)
    loss = x - y * np.log(x + x.dtype.type(EPSILON))
    if loss.ndim >= 2:
        loss = loss.mean(axis=-1)
    return finish(keras_parts(loss, sample_weight), reduction)


def _regression_pair(input, target, name: str) -> tuple[np.ndarray, np.ndarray]:
    x, y = pair(input, target)
    if x.ndim != 1:
        raise InputError(
            f"{name} takes one output per sample: {{input}} and {{target}} of shape (N,), "
            f"got {shape_str(x.shape)}"
        )
    return x, y


def _require(ok: np.ndarray, a: np.ndarray, arg: str, what: str, name: str) -> None:
    bad = ~ok
    if bad.any():
        raise InputError(f"{name} needs {{{arg}}} {what}, got {shown(a[bad.argmax()])} at {first_bad(bad)}")


@np.errstate(all="ignore")
def mean_poisson_deviance(input, target, *, sample_weight=None, reduction: str = "mean"):
    """Mean Poisson deviance, scikit-learn's: 2 (y log(y / p) - y + p), with 0 log 0 = 0.

    sklearn.metrics.mean_poisson_deviance (mean_tweedie_deviance with power 1).

    Args:
        input: predictions p > 0, shape (N,).
        target: observations y >= 0, shape (N,).
        sample_weight: (N,) weights; 'mean' is sum(w * dev) / sum(w), as scikit-learn's.
        reduction: 'mean', 'sum' (of w * dev), 'none' (w * dev per sample) or 'parts'.

    Returns:
        The deviance.
    """
    check_reduction(reduction)
    p, y = _regression_pair(input, target, "poisson-deviance")
    _require(y >= 0, y, "target", "values >= 0", "poisson-deviance")
    _require(p > 0, p, "input", "values > 0", "poisson-deviance")
    dt = p.dtype.type
    xlogy = np.where(y == 0, dt(0), y * np.log(y / p))
    return finish(sklearn_parts(dt(2) * (xlogy - y + p), sample_weight), reduction)


@np.errstate(all="ignore")
def mean_gamma_deviance(input, target, *, sample_weight=None, reduction: str = "mean"):
    """Mean Gamma deviance, scikit-learn's: 2 (log(p / y) + y / p - 1).

    sklearn.metrics.mean_gamma_deviance (mean_tweedie_deviance with power 2); invariant to
    scaling both p and y.

    Args:
        input: predictions p > 0, shape (N,).
        target: observations y > 0, shape (N,).
        sample_weight: (N,) weights; 'mean' is sum(w * dev) / sum(w), as scikit-learn's.
        reduction: 'mean', 'sum' (of w * dev), 'none' (w * dev per sample) or 'parts'.

    Returns:
        The deviance.
    """
    check_reduction(reduction)
    p, y = _regression_pair(input, target, "gamma-deviance")
    _require(y > 0, y, "target", "values > 0", "gamma-deviance")
    _require(p > 0, p, "input", "values > 0", "gamma-deviance")
    dt = p.dtype.type
    return finish(sklearn_parts(dt(2) * (np.log(p / y) + y / p - dt(1)), sample_weight), reduction)
