"""Elementwise regression losses.

torch 2.13 semantics: l1, mse, smooth L1, Huber. Losses torch lacks, with the numbers of the
library users know them from: log-cosh (Keras / optax), quantile (pinball), MAPE, MSLE and
Tweedie deviance (scikit-learn's mean_pinball_loss, mean_absolute_percentage_error,
mean_squared_log_error, mean_tweedie_deviance).

Naming, as torch.nn.functional names its losses: the command in snake_case plus `_loss`
(mse -> mse_loss, log-cosh -> log_cosh_loss, tweedie -> tweedie_loss), arguments in torch's
order (input = the prediction, then target; scikit-learn's order is y_true, y_pred),
`reduction=` and keyword hyperparameters. 'mean' equals the reference library's value.
"""

import numpy as np

from ..errors import InputError, UsageError
from ._common import as_float, broadcast_shape, check_reduction, elementwise, holds


def _difference(input, target) -> np.ndarray:
    x, y = as_float(input, "input"), as_float(target, "target")
    broadcast_shape(("input", x), ("target", y))
    return np.asarray(x - y)  # a new array, so the callers may square it in place


@np.errstate(all="ignore")
def l1_loss(input, target, reduction: str = "mean"):
    """Mean absolute error: loss = |input - target|.

    Shapes broadcast as in torch; 'mean' divides by the broadcast size.
    """
    check_reduction(reduction)
    d = _difference(input, target)
    return elementwise(np.abs(d, out=d), reduction)


@np.errstate(all="ignore")
def mse_loss(input, target, reduction: str = "mean"):
    """Mean squared error: loss = (input - target)^2."""
    check_reduction(reduction)
    d = _difference(input, target)
    return elementwise(np.square(d, out=d), reduction)  # in place: no second array of the input's size


@np.errstate(all="ignore")
def smooth_l1_loss(input, target, reduction: str = "mean", beta: float = 1.0):
    """Smooth L1: with z = |input - target|, 0.5 z^2 / beta if z < beta else z - 0.5 beta.

    beta = 0 is plain L1 (torch dispatches to l1_loss, so there is no division by zero).
    """
    check_reduction(reduction)
    if beta < 0:
        raise UsageError(f"smooth_l1_loss does not support negative values for beta (got {beta})")
    if beta != beta:  # torch refuses nan too
        raise UsageError("smooth_l1_loss does not support nan for beta, a number >= 0 (got nan)")
    z = np.abs(_difference(input, target))
    if beta == 0:
        return elementwise(z, reduction)
    b = z.dtype.type(beta)  # torch casts the constant to the input dtype
    half = z.dtype.type(0.5)
    return elementwise(np.where(z < b, half * z * z / b, z - half * b), reduction)


@np.errstate(all="ignore")
def huber_loss(input, target, reduction: str = "mean", delta: float = 1.0):
    """Huber: with z = |input - target|, 0.5 z^2 if z < delta else delta (z - 0.5 delta)."""
    check_reduction(reduction)
    if not delta > 0:
        raise UsageError(f"huber_loss does not support non-positive values for delta (got {delta})")
    z = np.abs(_difference(input, target))
    d = z.dtype.type(delta)
    half = z.dtype.type(0.5)
    return elementwise(np.where(z < d, half * z * z, d * (z - half * d)), reduction)


# --- losses torch lacks ----------------------------------------------------------------------


def _pair(input, target) -> tuple[np.ndarray, np.ndarray]:
    """input and target as float arrays of one dtype, broadcast to one shape."""
    x, y = as_float(input, "input"), as_float(target, "target")
    shape = broadcast_shape(("input", x), ("target", y))
    dt = np.result_type(x, y)
    # unbroadcast arrays stay the same objects, so a message can note a float32 underflow (cast)
    return tuple(a if a.shape == shape and a.dtype == dt else np.broadcast_to(a.astype(dt, copy=False), shape)
                 for a in (x, y))


@np.errstate(all="ignore")
def log_cosh_loss(input, target, reduction: str = "mean"):
    """Log-cosh, as Keras and optax log_cosh: loss = log(cosh(input - target)).

    About z^2 / 2 for small errors and |z| - log 2 for large ones: a smooth L1. 'none' is
    elementwise (optax); 'mean' equals Keras's per-sample means averaged. Shapes broadcast.
    """
    check_reduction(reduction)
    z = np.abs(_difference(input, target))
    dt = z.dtype.type
    # cosh overflows past |z| ~ 710, so large errors use |z| + log1p(exp(-2|z|)) - log 2; that
    # form cancels for small |z|, where log1p(2 sinh(z/2)^2) (cosh z - 1 = 2 sinh^2(z/2)) is exact.
    large = z + np.log1p(np.exp(dt(-2) * z)) - dt(np.log(2.0))
    small = np.log1p(dt(2) * np.square(np.sinh(np.minimum(z, dt(1)) / dt(2))))
    return elementwise(np.where(z < dt(1), small, large), reduction)


@np.errstate(all="ignore")
def quantile_loss(input, target, reduction: str = "mean", quantile: float = 0.5):
    """Pinball loss, as scikit-learn mean_pinball_loss (its `alpha` is `quantile` here).

    With d = target - input: quantile * d if d >= 0, else (quantile - 1) * d. Minimised when
    input is the `quantile` quantile of the target; 0.5 gives half the mean absolute error.
    """
    check_reduction(reduction)
    if not 0.0 <= quantile <= 1.0:
        raise UsageError(f"quantile must be in [0, 1] (scikit-learn's alpha), got {quantile}")
    x, y = _pair(input, target)
    d = y - x
    dt = d.dtype.type
    return elementwise(np.where(d >= 0, dt(quantile) * d, -(dt(1.0 - quantile) * d)), reduction)


@np.errstate(all="ignore")
def mape_loss(input, target, reduction: str = "mean"):
    """Absolute percentage error, as scikit-learn mean_absolute_percentage_error.

    loss = |input - target| / max(|target|, eps), eps = float64's machine epsilon: a fraction,
    not a percentage (0.1 is 10%); a target of 0 gives a huge, not an infinite, loss.
    """
    check_reduction(reduction)
    x, y = _pair(input, target)
    eps = x.dtype.type(np.finfo(np.float64).eps)
    return elementwise(np.abs(x - y) / np.maximum(np.abs(y), eps), reduction)


@np.errstate(all="ignore")
def msle_loss(input, target, reduction: str = "mean"):
    """Squared log error, as scikit-learn mean_squared_log_error: (log1p(input) - log1p(target))^2.

    Relative errors for targets spanning magnitudes. Values <= -1 are refused, as scikit-learn
    refuses them (log1p is undefined there).
    """
    check_reduction(reduction)
    x, y = _pair(input, target)
    for name, a in (("target", y), ("input", x)):
        bad = a <= -1
        if bad.any():
            raise InputError(
                f"msle cannot be used when {{target}} or {{input}} hold values <= -1 "
                f"(log1p is undefined there): {holds(name, a, bad)}"
            )
    d = np.log1p(y) - np.log1p(x)
    return elementwise(d * d, reduction)


@np.errstate(all="ignore")
def tweedie_loss(input, target, reduction: str = "mean", power: float = 0.0):
    """Tweedie deviance, as scikit-learn mean_tweedie_deviance; input is the predicted mean.

    power 0: (target - input)^2 (normal); 1: 2 (y log(y / input) - y + input) (Poisson);
    2: 2 (log(input / y) + y / input - 1) (gamma); otherwise
    2 (max(y, 0)^(2-p) / ((1-p)(2-p)) - y input^(1-p) / (1-p) + input^(2-p) / (2-p)).
    0 < power < 1 has no distribution and is refused; each power refuses the inputs
    scikit-learn refuses (power 1 needs target >= 0 and input > 0, power >= 2 both > 0).
    """
    check_reduction(reduction)
    p = float(power)
    if 0 < p < 1:
        raise UsageError(f"tweedie power must be <= 0 or >= 1 (no distribution has 0 < power < 1), got {power}")
    x, y = _pair(input, target)
    if p < 0 or p >= 1:  # the domain checks of scikit-learn, in its order
        checks = [("input", x, x <= 0, "> 0")]
        if 1 <= p < 2:
            checks.insert(0, ("target", y, y < 0, ">= 0"))
        elif p >= 2:
            checks.insert(0, ("target", y, y <= 0, "> 0"))
        for name, a, bad, need in checks:
            if bad.any():
                rule = " and ".join(f"{{{n}}} {c}" for n, _, _, c in checks)
                raise InputError(f"tweedie deviance with power={power} needs {rule}: {holds(name, a, bad)}")
    dt = x.dtype.type
    two = dt(2)
    if p == 0:
        dev = (y - x) ** 2
    elif p == 1:
        ratio = y / x
        dev = two * (np.where((y == 0) & ~np.isnan(ratio), dt(0), y * np.log(ratio)) - y + x)  # xlogy
    elif p == 2:
        dev = two * (np.log(x / y) + y / x - dt(1))
    else:
        y_pos = np.where(y > 0, y, dt(0)) if p < 0 else y
        dev = two * (
            np.power(y_pos, dt(2 - p)) / dt((1 - p) * (2 - p))
            - y * np.power(x, dt(1 - p)) / dt(1 - p)
            + np.power(x, dt(2 - p)) / dt(2 - p)
        )
    return elementwise(dev, reduction)
