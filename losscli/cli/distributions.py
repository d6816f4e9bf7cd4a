"""Distribution losses: kl-div, poisson-nll, gaussian-nll."""

from typing import Annotated

import typer

import losscli as F  # the core, loaded lazily on first use

from ..errors import UsageError
from .shared import DISTRIBUTIONS, SOURCE, SOURCE_HELP, KLReduction, Run, loss_command


@loss_command("kl-div", DISTRIBUTIONS, "kl_div", broadcast=True, grad=True)
def kl_div(
    run: Run,
    pred: Annotated[str, typer.Option("--pred", "-p", metavar=SOURCE, show_default=False,
                                      help=f"Log-probabilities (or probabilities with --pred-probs): {SOURCE_HELP}.")],
    target: Annotated[str, typer.Option("--target", "-t", metavar=SOURCE, show_default=False,
                                        help="Probabilities (log-probabilities with --log-target).")],
    log_target: Annotated[bool, typer.Option("--log-target", help="--target holds log-probabilities.")] = False,
    pred_probs: Annotated[bool, typer.Option("--pred-probs", help="--pred holds probabilities: take their log first.")] = False,
    reduction: Annotated[KLReduction, typer.Option("--reduction", "-r", help="mean, batchmean (the true KL per sample), sum or none.")] = KLReduction.mean,
):
    """KL divergence KL(target || pred): distillation, matching distributions."""
    p, y = run.array("--pred", pred), run.array("--target", target)
    run.same_shape(("--pred", p), ("--target", y))
    x = p
    if pred_probs:
        if (p < 0).any():
            raise UsageError("--pred-probs needs probabilities >= 0 in --pred")
        import numpy as np

        with np.errstate(divide="ignore"):
            x = np.log(p)
    value = F.kl_div(x, y, reduction=run.reduction, log_target=log_target)
    grad = None
    if run.grad:  # w.r.t. --pred as given: through the log when --pred holds probabilities
        g = F.kl_div_backward(x, y, reduction=run.reduction, log_target=log_target)
        grad = {"pred": g / p if pred_probs else g}
    params = {"log_target": log_target, "pred_probs": pred_probs}
    batch = (p.shape[0] if p.ndim else 1) if run.settings.reduction == "batchmean" else None
    return run.result(value, p, params, grad=grad, denominator=batch, pred=p, target=y)


@loss_command("poisson-nll", DISTRIBUTIONS, "poisson_nll_loss", broadcast=True)
def poisson_nll(
    run: Run,
    pred: Annotated[str, typer.Option("--pred", "-p", metavar=SOURCE, show_default=False,
                                      help=f"Log-rates (rates with --no-log-input): {SOURCE_HELP}.")],
    target: Annotated[str, typer.Option("--target", "-t", metavar=SOURCE, show_default=False,
                                        help="Observed counts (>= 0), same shape as --pred.")],
    log_input: Annotated[bool, typer.Option("--log-input/--no-log-input",
                                            help="--pred holds log-rates: loss exp(pred) - target * pred.")] = True,
    full: Annotated[bool, typer.Option("--full", help="Add the Stirling term of log(target!) where target > 1.")] = False,
    eps: Annotated[float, typer.Option(help="Added to the rate before its log (--no-log-input).")] = 1e-8,
):
    """Poisson negative log likelihood of counts given (log-)rates: count regression (events, clicks, photons)."""
    x, y = run.array("--pred", pred), run.array("--target", target)
    run.same_shape(("--pred", x), ("--target", y))
    if (y < 0).any():
        raise UsageError(f"--target holds a negative count, {y[y < 0].ravel()[0]}; Poisson targets are counts >= 0")
    value = F.poisson_nll_loss(x, y, log_input=log_input, full=full, eps=eps, reduction=run.reduction)
    return run.result(value, x, {"log_input": log_input, "full": full, "eps": eps}, pred=x, target=y)


@loss_command("gaussian-nll", DISTRIBUTIONS, "gaussian_nll_loss", broadcast=True)
def gaussian_nll(
    run: Run,
    pred: Annotated[str, typer.Option("--pred", "-p", metavar=SOURCE, show_default=False,
                                      help=f"Predicted means: {SOURCE_HELP}.")],
    target: Annotated[str, typer.Option("--target", "-t", metavar=SOURCE, show_default=False,
                                        help="Observations, same shape as --pred.")],
    var: Annotated[str, typer.Option("--var", metavar=SOURCE, show_default=False,
                                     help="Predicted variances (>= 0): --pred's shape, one fewer dim, a size-1 dim, or one number.")],
    full: Annotated[bool, typer.Option("--full", help="Add the constant 0.5 log(2 pi).")] = False,
    eps: Annotated[float, typer.Option(help="Variances are clamped to at least this.")] = 1e-6,
):
    """Gaussian negative log likelihood 0.5 (log var + (pred - target)² / var): regression that predicts its own uncertainty."""
    x, y, v = run.array("--pred", pred), run.array("--target", target), run.array("--var", var)
    run.same_shape(("--pred", x), ("--target", y))
    value = F.gaussian_nll_loss(x, y, float(v) if v.ndim == 0 else v, full=full, eps=eps, reduction=run.reduction)
    columns = {"pred": x, "target": y, **({"var": v} if v.shape == x.shape else {})}
    return run.result(value, x, {"full": full, "eps": eps}, **columns)
