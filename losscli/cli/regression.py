"""Regression losses: mse, l1, smooth-l1, huber."""

from typing import Annotated

import typer

import losscli as F  # the core, loaded lazily on first use

from .shared import REGRESSION, PredOpt, Run, TargetOpt, loss_command


@loss_command("mse", REGRESSION, "mse_loss", broadcast=True)
def mse(run: Run, pred: PredOpt, target: TargetOpt):
    """Mean squared error (pred - target)²: regression; punishes large errors most."""
    x, y = run.array("--pred", pred), run.array("--target", target)
    run.same_shape(("--pred", x), ("--target", y))
    return run.result(F.mse_loss(x, y, reduction=run.reduction), x, pred=x, target=y)


@loss_command("l1", REGRESSION, "l1_loss", broadcast=True)
def l1(run: Run, pred: PredOpt, target: TargetOpt):
    """Mean absolute error |pred - target|: regression robust to outliers."""
    x, y = run.array("--pred", pred), run.array("--target", target)
    run.same_shape(("--pred", x), ("--target", y))
    return run.result(F.l1_loss(x, y, reduction=run.reduction), x, pred=x, target=y)


@loss_command("smooth-l1", REGRESSION, "smooth_l1_loss", broadcast=True)
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
    return run.result(value, x, {"beta": beta}, pred=x, target=y)


@loss_command("huber", REGRESSION, "huber_loss", broadcast=True)
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
    return run.result(value, x, {"delta": delta}, pred=x, target=y)
