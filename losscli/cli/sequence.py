"""Sequence losses: ctc."""

from typing import Annotated

import typer

import losscli as F  # the core, loaded lazily on first use

from ..errors import UsageError
from .shared import SEQUENCES, SOURCE, SOURCE_HELP, Run, loss_command


@loss_command("ctc", SEQUENCES, "ctc_loss")
def ctc(
    run: Run,
    log_probs: Annotated[str, typer.Option("--log-probs", metavar=SOURCE, show_default=False,
                                           help=f"Log-probabilities (T,N,C), or (T,C) for one sequence: {SOURCE_HELP}.")],
    targets: Annotated[str, typer.Option("--targets", metavar=SOURCE, show_default=False,
                                         help="Labels: padded (N,S), concatenated (sum of --target-lengths), or (S).")],
    input_lengths: Annotated[str, typer.Option("--input-lengths", metavar=SOURCE, show_default=False,
                                               help="Frames used per sequence (N), each <= T.")],
    target_lengths: Annotated[str, typer.Option("--target-lengths", metavar=SOURCE, show_default=False,
                                                help="Labels per sequence (N).")],
    blank: Annotated[int, typer.Option(help="Class index of the blank label.")] = 0,
    zero_infinity: Annotated[bool, typer.Option("--zero-infinity", help="Impossible alignments cost 0 instead of inf.")] = False,
):
    """Connectionist temporal classification: speech and handwriting recognition, sequences without alignments.

    mean divides each sequence's loss by its target length, then averages, as torch does.

    Labels must lie in [0, C) and differ from --blank (torch leaves other values undefined); padding after a sequence's target length may hold anything.
    """
    if run.settings.nan_policy == "omit":
        raise UsageError("ctc does not take --nan-policy omit: --log-probs is (T,N,C), its first dim is time, not samples")
    lp = run.array("--log-probs", log_probs)
    t, il, tl = (run.labels(o, s) for o, s in (("--targets", targets), ("--input-lengths", input_lengths),
                                                ("--target-lengths", target_lengths)))
    value = F.ctc_loss(lp, t, il, tl, blank=blank, reduction=run.reduction, zero_infinity=zero_infinity)
    columns = {}
    if run.reduction == "none" and lp.ndim == 3:
        columns = {"input_length": F.class_indices(il).ravel(), "target_length": F.class_indices(tl).ravel()}
    params = {"blank": blank, "zero_infinity": zero_infinity}
    if run.reduction == "none" and run.settings.reduction == "mean":  # parts of torch's mean
        per_label = value / F.class_indices(tl).clip(min=1).reshape(value.shape).astype(value.dtype)
        return run.result(value, lp, params, summands=per_label, denominator=per_label.size, **columns)
    return run.result(value, lp, params, **columns)
