"""Distribution losses: kl-div."""

from typing import Annotated

import typer

import losscli as F  # the core, loaded lazily on first use

from ..errors import UsageError
from .shared import DISTRIBUTIONS, SOURCE, SOURCE_HELP, KLReduction, Run, loss_command


@loss_command("kl-div", DISTRIBUTIONS, "kl_div", broadcast=True)
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
    x, y = run.array("--pred", pred), run.array("--target", target)
    run.same_shape(("--pred", x), ("--target", y))
    if pred_probs:
        if (x < 0).any():
            raise UsageError("--pred-probs needs probabilities >= 0 in --pred")
        import numpy as np

        with np.errstate(divide="ignore"):
            x = np.log(x)
    value = F.kl_div(x, y, reduction=run.reduction, log_target=log_target)
    return run.result(value, x, {"log_target": log_target, "pred_probs": pred_probs}, pred=x, target=y)
