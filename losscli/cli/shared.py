"""What every command shares: the Typer app, the shared options, `Run`, `loss_command`, main().

A loss command loads its inputs, calls the core, and returns a Result; `loss_command` adds the
shared options, renders the result, and turns errors into exit codes. NumPy, Rich and the input
readers are imported only once a command runs, so `--help` stays fast.
"""

import contextvars
import functools
import importlib
import inspect
import os
import signal
import sys
from enum import Enum
from typing import Annotated, Callable, Optional

import typer

from .. import __version__
from ..errors import LossCliError, UsageError
from .evaluation import PARAMETER_OPTIONS, SOURCE, Run, Settings, evaluate, shape_text  # noqa: F401


app = typer.Typer(
    name="losscli",
    help="Loss functions of torch.nn from the command line, with PyTorch 2.13's numbers.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

REGRESSION = "Regression"
BINARY = "Binary classification"
MULTICLASS = "Multi-class classification"
SIMILARITY = "Similarity"
DISTRIBUTIONS = "Distributions"
MULTILABEL = "Multi-label classification"
RANKING = "Ranking"
METRIC = "Metric learning"
SEQUENCES = "Sequences"
TASKS = (REGRESSION, BINARY, MULTICLASS, MULTILABEL, SIMILARITY, RANKING, METRIC, DISTRIBUTIONS, SEQUENCES)

# How core error messages name arguments on the command line.
OPTION_NAMES = {
    "input": "--pred",
    "target": "--target",
    "weight": "--weight",
    "pos_weight": "--pos-weight",
    "ignore_index": "--ignore-index",
    "input1": "--input1",
    "input2": "--input2",
    "margin": "--margin",
    "p": "--p",
    "var": "--var",
    "anchor": "--anchor",
    "positive": "--positive",
    "negative": "--negative",
    "distance": "--distance",
    "linear_weight": "--linear-weight",
    "linear_bias": "--linear-bias",
    "log_probs": "--log-probs",
    "targets": "--targets",
    "input_lengths": "--input-lengths",
    "target_lengths": "--target-lengths",
    "blank": "--blank",
}

SOURCE_HELP = "inline numbers ('1,2;3,4' or '[[1,2],[3,4]]'), a file (PATH or PATH:COLUMNS), or - for stdin"


class Reduction(str, Enum):
    mean = "mean"
    sum = "sum"
    none = "none"


class KLReduction(str, Enum):
    mean = "mean"
    batchmean = "batchmean"
    sum = "sum"
    none = "none"


class Format(str, Enum):
    text = "text"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"
    tsv = "tsv"
    md = "md"


class Dtype(str, Enum):
    float64 = "float64"
    float32 = "float32"


class NanPolicy(str, Enum):
    propagate = "propagate"
    raise_ = "raise"
    omit = "omit"


# --- shared options ------------------------------------------------------------------------

PredOpt = Annotated[str, typer.Option("--pred", "-p", metavar=SOURCE, help=f"Predictions: {SOURCE_HELP}.", show_default=False)]
TargetOpt = Annotated[str, typer.Option("--target", "-t", metavar=SOURCE, help="Targets, same forms as --pred.", show_default=False)]
WeightOpt = Annotated[Optional[str], typer.Option("--weight", metavar=SOURCE, help="Per-class weight, one value per class.")]


def _option(name: str, annotation, default, *decls: str, panel: str | None = None, **kw) -> inspect.Parameter:
    option = typer.Option(*decls, rich_help_panel=panel, **kw)
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=Annotated[annotation, option])


_OUTPUT, _CHECKS, _INPUT = "Output", "CI checks", "Input"
_COMMON = [
    _option("reduction", Reduction, Reduction.mean, "--reduction", "-r", help="Combine per-element losses: mean, sum or none."),
    _option("dtype", Dtype, Dtype.float64, "--dtype", help="Compute in float64, or in float32 to match torch's float32 results."),
    _option("nan_policy", NanPolicy, NanPolicy.propagate, "--nan-policy", panel=_INPUT,
            help="NaN in the inputs: propagate (as torch), raise (exit 2), or omit the samples that hold one."),
    _option("delimiter", Optional[str], None, "--delimiter", "-d", panel=_INPUT, show_default=False,
            help="Field delimiter of text files, e.g. ';' or tab (default: by extension, or sniffed)."),
    _option("fmt", Format, Format.text, "--format", "-f", panel=_OUTPUT,
            help="text for people; json, jsonl, csv, tsv or md (Markdown) for programs and reports."),
    _option("quiet", bool, False, "--quiet", "-q", panel=_OUTPUT,
            help="Print the bare value only (one per line for per-element output)."),
    _option("precision", Optional[int], None, "--precision", panel=_OUTPUT, min=0, max=17, show_default=False,
            help="Decimals: text shows 4 by default; with -q, fixed-point instead of exact."),
    _option("top", Optional[int], None, "--top", panel=_OUTPUT, min=1, show_default=False,
            help="Show the K elements with the largest loss, with their index and inputs."),
    _option("hist", bool, False, "--hist", panel=_OUTPUT, help="Add a histogram of the per-element losses."),
    _option("no_color", bool, False, "--no-color", panel=_OUTPUT, help="No colour, even on a terminal (NO_COLOR too)."),
    _option("output", Optional[str], None, "--output", "-o", panel=_OUTPUT, show_default=False, metavar="PATH",
            help="Write the result to PATH (atomically: all of it or nothing) instead of stdout."),
    _option("fail_above", Optional[float], None, "--fail-above", panel=_CHECKS, show_default=False,
            help="Exit 1 if the loss is above X (NaN always fails)."),
    _option("fail_below", Optional[float], None, "--fail-below", panel=_CHECKS, show_default=False,
            help="Exit 1 if the loss is below X (NaN always fails)."),
    _option("expect", Optional[float], None, "--expect", panel=_CHECKS, show_default=False,
            help="Exit 1 unless |loss - V| <= atol + rtol * |V| (numpy.isclose)."),
    _option("rtol", float, 1e-5, "--rtol", panel=_CHECKS, min=0.0, help="Relative tolerance of --expect."),
    _option("atol", float, 1e-8, "--atol", panel=_CHECKS, min=0.0, help="Absolute tolerance of --expect."),
]
_BROADCAST = _option("broadcast", bool, False, "--broadcast",
                     help="Allow shapes that differ but broadcast, as torch does silently.")
_GRAD = _option("grad", bool, False, "--grad", panel=_OUTPUT,
                help="Also give the gradient of the loss w.r.t. the predictions (as torch autograd).")

# command name -> (task, core function name): feeds `losscli list` and the docs tests.
LOSSES: dict[str, tuple[str, str]] = {}


def loss_command(name: str, task: str, core: str, broadcast: bool = False, grad: bool = False) -> Callable:
    """Register `fn(run, **own_options) -> Result` as the command `name`, with the shared options
    (reduction, dtype, NaN policy, output, CI checks; --broadcast where torch broadcasts, --grad
    where the gradient is known in closed form)."""

    def decorate(fn: Callable) -> Callable:
        own = [p for p in inspect.signature(fn).parameters.values() if p.name != "run"]
        extra = ([_BROADCAST] if broadcast else []) + ([_GRAD] if grad else [])
        shared = [p for p in _COMMON + extra if p.name not in {q.name for q in own}]

        @functools.wraps(fn)
        def command(**kwargs) -> None:
            options = {p.name: kwargs.pop(p.name) for p in shared}
            if "reduction" in kwargs:  # a command with its own reductions (kl-div: batchmean)
                options["reduction"] = kwargs["reduction"]
            try:
                settings = Settings.from_options(options)
                session = CHECK_SESSION.get()
                if session is not None:  # `losscli check`: record the validated options only
                    session.append((name, fn, kwargs, settings))
                    return
                if _emit_in_blocks(name, fn, kwargs, settings):
                    return
                result = evaluate(name, fn, kwargs, settings)
                from ..checks import failures
                from ..render import emit

                failed = failures(name, result.value, settings.gates)
                write_output(settings.output, lambda out: emit(result, settings.view, out))
            except LossCliError as e:
                fail(e.render(OPTION_NAMES), e.exit_code)
            for line in failed:
                typer.echo(f"losscli: check failed: {line}", err=True)
            if failed:
                raise typer.Exit(1)

        command.__signature__ = inspect.Signature(own + shared)
        del command.__wrapped__  # Typer must see the signature above, not fn's
        LOSSES[name] = (task, core)
        app.command(name, rich_help_panel=task)(command)
        return fn

    return decorate


# `losscli check` sets this to a list; a loss command then records its parsed options there.
CHECK_SESSION: contextvars.ContextVar[list | None] = contextvars.ContextVar("check_session", default=None)


def _emit_in_blocks(name: str, fn: Callable, kwargs: dict, settings) -> bool:
    """Per-element output of a large input, computed and written a block of rows at a time, in
    bounded memory. A first pass computes every block and writes nothing, so an error in a late
    block leaves stdout empty and the whole-input path reports it with its position; the
    second pass writes as it computes."""
    from .evaluation import element_blocks

    parts = element_blocks(name, fn, kwargs, settings)
    if parts is None:
        return False
    try:
        for _ in parts():
            pass
    except LossCliError:
        return False
    from ..render import emit_blocks

    write_output(settings.output, lambda out: emit_blocks(parts(), settings.view, out))
    return True


def write_output(path: str | None, write: Callable) -> None:
    """Run write(stream) into stdout, or into PATH atomically: a temporary file in the same
    folder, renamed over PATH only when complete, so PATH holds the old content or the new."""
    if path is None:
        write(sys.stdout)
        return
    import tempfile

    folder = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(prefix=".losscli-", suffix=".tmp", dir=folder)
    except OSError as e:
        raise UsageError(f"--output: cannot write in {folder!r}: {e.strerror}") from None
    try:
        with os.fdopen(fd, "w") as out:
            write(out)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def fail(message: str, code: int = 2):
    typer.echo(f"losscli: error: {message}", err=True)
    raise typer.Exit(code)


# --- other commands ------------------------------------------------------------------------


@app.command("list", rich_help_panel="Catalogue")
def list_losses(
    fmt: Annotated[Format, typer.Option("--format", "-f", help="text or json.")] = Format.text,
) -> None:
    """List every loss, grouped by task."""
    rows = [
        {"name": name, "task": task, "function": core, "summary": _summary(name)}
        for t in TASKS
        for name, (task, core) in LOSSES.items()
        if task == t
    ]
    if fmt is Format.json:
        import json

        typer.echo(json.dumps(rows, indent=2))
        return
    width = max(len(row["name"]) for row in rows)
    for task in TASKS:
        typer.echo(f"{task}:")
        for row in rows:
            if row["task"] == task:
                typer.echo(f"  {row['name']:<{width}}  {row['summary']}")


def _summary(name: str) -> str:
    command = next(c for c in app.registered_commands if c.name == name)
    return inspect.getdoc(command.callback).splitlines()[0]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"losscli {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")] = False,
) -> None:
    """Loss functions of torch.nn from the command line, with PyTorch 2.13's numbers.

    Exit codes: 0 success, 2 usage or input error, 3 internal error.
    """


# Which family module defines each loss command, so a call imports only that module.
# tests/test_cli.py::test_family_index_matches_the_commands keeps this true.
COMMANDS_BY_FAMILY = {
    "regression": ("mse", "l1", "smooth-l1", "huber", "log-cosh", "quantile", "mape", "msle", "tweedie"),
    "binary": ("focal", "hinge", "squared-hinge"),
    "classification": ("bce-with-logits", "cross-entropy", "nll", "bce", "soft-margin", "multi-margin",
                       "linear-cross-entropy", "multi-label-soft-margin", "multi-label-margin"),
    "similarity": ("cosine-embedding", "hinge-embedding", "margin-ranking", "triplet-margin",
                   "triplet-margin-with-distance"),
    "distributions": ("kl-div", "poisson-nll", "gaussian-nll"),
    "sequence": ("ctc",),
}
FAMILY_OF = {name: family for family, names in COMMANDS_BY_FAMILY.items() for name in names}


def _app_for(args: list[str]):
    """(app, prog name, args) to run. `losscli LOSS ...` runs an app of that one command: Typer
    builds it in a few ms instead of ~40 for all of them, and a tiny call's start-up is the
    product (benchmarks/run.py, target 2). Everything else runs the whole app."""
    family = FAMILY_OF.get(args[0]) if args else None
    if family is not None:
        importlib.import_module(f"losscli.cli.{family}")
        one = typer.Typer(add_completion=False, pretty_exceptions_enable=False,
                          context_settings={"help_option_names": ["-h", "--help"]})
        one.registered_commands.append(next(c for c in app.registered_commands if c.name == args[0]))
        return one, f"losscli {args[0]}", args[1:]
    from . import load_all

    load_all()
    return app, "losscli", args


def _terminated(signum, frame):
    raise SystemExit(128 + signum)


def main() -> None:
    """Console entry point: usage errors as one line (exit 2), bugs as one line (exit 3)."""
    # Typer vendors Click (0.26+) and exports no base class for its usage errors.
    from typer._click.exceptions import ClickException, NoArgsIsHelpError

    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `losscli ... | head` ends quietly
    signal.signal(signal.SIGTERM, _terminated)  # unwind, so --output leaves no temporary file
    try:
        runnable, prog, args = _app_for(sys.argv[1:])
        code = runnable(args=args, prog_name=prog, standalone_mode=False)
    except NoArgsIsHelpError as e:
        typer.echo(e.ctx.get_help(), err=True)
        code = 2
    except ClickException as e:
        command = e.ctx.command_path if getattr(e, "ctx", None) else "losscli"
        typer.echo(f"losscli: error: {e.format_message()} (see {command} --help)", err=True)
        code = e.exit_code
    except (typer.Abort, KeyboardInterrupt):
        code = 130
    except Exception as e:  # a bug: one line, the traceback only on request
        if os.environ.get("LOSSCLI_DEBUG") == "1":
            raise
        typer.echo(f"losscli: internal error: {type(e).__name__}: {e} "
                   "(rerun with LOSSCLI_DEBUG=1 for a traceback)", err=True)
        code = 3
    if code == 130:  # Typer turns Ctrl-C into exit 130 without a word
        typer.echo("losscli: interrupted", err=True)
    sys.exit(code if isinstance(code, int) else 0)
