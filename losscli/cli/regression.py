"""Regression losses: mse, l1, smooth-l1, huber (torch); log-cosh (Keras), quantile, mape, msle, tweedie (scikit-learn)."""

from typing import Annotated

import typer

import losscli as F  # the core, loaded lazily on first use

from .shared import REGRESSION, PredOpt, Run, TargetOpt, loss_command


@loss_command("mse", REGRESSION, "mse_loss", broadcast=True, grad=True)
def mse(run: Run, pred: PredOpt, target: TargetOpt):
    """Mean squared error (pred - target)²: regression; punishes large errors most."""
    x, y = run.array("--pred", pred), run.array("--target", target)
    run.same_shape(("--pred", x), ("--target", y))
    grad = run.grad and {"pred": F.mse_loss_backward(x, y, reduction=run.reduction)}
    return run.result(F.mse_loss(x, y, reduction=run.reduction), x, grad=grad, pred=x, target=y)


@loss_command("l1", REGRESSION, "l1_loss", broadcast=True, grad=True)
def l1(run: Run, pred: PredOpt, target: TargetOpt):
    """Mean absolute error |pred - target|: regression robust to outliers."""
    x, y = run.array("--pred", pred), run.array("--target", target)
    run.same_shape(("--pred", x), ("--target", y))
    grad = run.grad and {"pred": F.l1_loss_backward(x, y, reduction=run.reduction)}
    return run.result(F.l1_loss(x, y, reduction=run.reduction), x, grad=grad, pred=x, target=y)


@loss_command("smooth-l1", REGRESSION, "smooth_l1_loss", broadcast=True, grad=True)
def smooth_l1(
    run: Run,
    pred: PredOpt,
    target: TargetOpt,
    beta: Annotated[float, typer.Option(help="Where the loss turns from quadratic to linear (0 = L1).")] = 1.0,
):
    """Smooth L1: quadratic below --beta, linear above; regression with some outliers."""
    x, y = run.array("--pred", pred), run.array("--target", target)
    run.same_shape(("--pred", x), ("--target", y))
    value = F.smooth_l1_loss(x, y, reduction=run.reduction, beta=beta)
    grad = run.grad and {"pred": F.smooth_l1_loss_backward(x, y, reduction=run.reduction, beta=beta)}
    return run.result(value, x, {"beta": beta}, grad=grad, pred=x, target=y)


@loss_command("huber", REGRESSION, "huber_loss", broadcast=True, grad=True)
def huber(
    run: Run,
    pred: PredOpt,
    target: TargetOpt,
    delta: Annotated[float, typer.Option(help="Where the loss turns from quadratic to linear (> 0).")] = 1.0,
):
    """Huber: quadratic below --delta, linear above (delta x smooth-l1); robust regression."""
    x, y = run.array("--pred", pred), run.array("--target", target)
    run.same_shape(("--pred", x), ("--target", y))
    value = F.huber_loss(x, y, reduction=run.reduction, delta=delta)
    grad = run.grad and {"pred": F.huber_loss_backward(x, y, reduction=run.reduction, delta=delta)}
    return run.result(value, x, {"delta": delta}, grad=grad, pred=x, target=y)


@loss_command("log-cosh", REGRESSION, "log_cosh_loss", broadcast=True)
def log_cosh(run: Run, pred: PredOpt, target: TargetOpt):
    """Log-cosh log(cosh(pred - target)), as Keras/optax log_cosh: smooth regression robust to outliers.

    Quadratic (z²/2) for small errors z, linear (|z| - log 2) for large ones, finite for any error.

    Keras averages over the last axis per sample first; with equal-length rows the mean is the same number.
    """
    x, y = run.array("--pred", pred), run.array("--target", target)
    run.same_shape(("--pred", x), ("--target", y))
    return run.result(F.log_cosh_loss(x, y, reduction=run.reduction), x, pred=x, target=y)


@loss_command("quantile", REGRESSION, "quantile_loss", broadcast=True)
def quantile(
    run: Run,
    pred: PredOpt,
    target: TargetOpt,
    quantile: Annotated[float, typer.Option(min=0.0, max=1.0, help="The quantile --pred estimates, in [0, 1] (scikit-learn's alpha).")] = 0.5,
):
    """Pinball loss at --quantile, as sklearn mean_pinball_loss: quantile regression, prediction intervals.

    With d = target - pred: quantile * d if d >= 0, else (quantile - 1) * d.

    0.5 is half the mean absolute error; 0.9 punishes under-prediction nine times as much as over-prediction.
    """
    x, y = run.array("--pred", pred), run.array("--target", target)
    run.same_shape(("--pred", x), ("--target", y))
    value = F.quantile_loss(x, y, reduction=run.reduction, quantile=quantile)
    return run.result(value, x, {"quantile": quantile}, pred=x, target=y)


@loss_command("mape", REGRESSION, "mape_loss", broadcast=True)
def mape(run: Run, pred: PredOpt, target: TargetOpt):
    """Absolute percentage error |pred - target| / |target|, as sklearn mean_absolute_percentage_error: relative error.

    A fraction, not a percentage: 0.1 is 10%.

    As in scikit-learn, the denominator is max(|target|, 2.2e-16): a target of 0 gives a huge loss, not an error.
    """
    x, y = run.array("--pred", pred), run.array("--target", target)
    run.same_shape(("--pred", x), ("--target", y))
    return run.result(F.mape_loss(x, y, reduction=run.reduction), x, pred=x, target=y)


@loss_command("msle", REGRESSION, "msle_loss", broadcast=True)
def msle(run: Run, pred: PredOpt, target: TargetOpt):
    """Squared log error (log1p(pred) - log1p(target))², as sklearn mean_squared_log_error: targets spanning magnitudes.

    Penalises relative, not absolute, errors, and under-prediction more than over-prediction.

    Values <= -1 in --pred or --target are refused, as scikit-learn refuses them.
    """
    x, y = run.array("--pred", pred), run.array("--target", target)
    run.same_shape(("--pred", x), ("--target", y))
    return run.result(F.msle_loss(x, y, reduction=run.reduction), x, pred=x, target=y)


@loss_command("tweedie", REGRESSION, "tweedie_loss", broadcast=True)
def tweedie(
    run: Run,
    pred: PredOpt,
    target: TargetOpt,
    power: Annotated[float, typer.Option(help="0 normal, 1 Poisson, 2 gamma, 1-2 compound Poisson-gamma; not in (0, 1).")] = 0.0,
):
    """Tweedie deviance at --power, as sklearn mean_tweedie_deviance: counts (1), positive skewed targets (2).

    --pred is the predicted mean.

    Each power refuses the inputs scikit-learn refuses: power < 0 needs pred > 0; 1 <= power < 2 needs target >= 0 and pred > 0; power >= 2 needs both > 0.
    """
    x, y = run.array("--pred", pred), run.array("--target", target)
    run.same_shape(("--pred", x), ("--target", y))
    value = F.tweedie_loss(x, y, reduction=run.reduction, power=power)
    return run.result(value, x, {"power": power}, pred=x, target=y)
