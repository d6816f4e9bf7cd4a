"""What every command shares: the Typer app, the shared options, `Run`, `loss_command`, main().

A loss command loads its inputs, calls the core, and returns a Result; `loss_command` adds the
shared options, renders the result, and turns errors into exit codes. NumPy, Rich and the input
readers are imported only once a command runs, so `--help` stays fast.
"""

import functools
import inspect
import os
import signal
import sys
from enum import Enum
from typing import Annotated, Callable, Optional

import typer

from .. import __version__
from ..errors import LossCliError, UsageError

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
TASKS = (REGRESSION, BINARY, MULTICLASS, SIMILARITY, DISTRIBUTIONS)

# How core error messages name arguments on the command line.
OPTION_NAMES = {
    "input": "--pred",
    "target": "--target",
    "weight": "--weight",
    "pos_weight": "--pos-weight",
    "ignore_index": "--ignore-index",
    "input1": "--input1",
    "input2": "--input2",
}

SOURCE = "SOURCE"
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
    csv = "csv"


class Dtype(str, Enum):
    float64 = "float64"
    float32 = "float32"


# --- shared options ------------------------------------------------------------------------

PredOpt = Annotated[str, typer.Option("--pred", "-p", metavar=SOURCE, help=f"Predictions: {SOURCE_HELP}.", show_default=False)]
TargetOpt = Annotated[str, typer.Option("--target", "-t", metavar=SOURCE, help="Targets, same forms as --pred.", show_default=False)]
WeightOpt = Annotated[Optional[str], typer.Option("--weight", metavar=SOURCE, help="Per-class weight, one value per class.")]

_COMMON = [
    inspect.Parameter("reduction", inspect.Parameter.KEYWORD_ONLY, default=Reduction.mean, annotation=Annotated[
        Reduction, typer.Option("--reduction", "-r", help="Combine per-element losses: mean, sum or none.")]),
    inspect.Parameter("fmt", inspect.Parameter.KEYWORD_ONLY, default=Format.text, annotation=Annotated[
        Format, typer.Option("--format", "-f", help="Output: text for people, json or csv for programs.")]),
    inspect.Parameter("quiet", inspect.Parameter.KEYWORD_ONLY, default=False, annotation=Annotated[
        bool, typer.Option("--quiet", "-q", help="Print the bare value only (one per line with --reduction none).")]),
    inspect.Parameter("precision", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=Annotated[
        Optional[int], typer.Option("--precision", min=0, max=17, show_default=False,
                                    help="Decimals: text shows 4 by default; with -q, fixed-point instead of exact.")]),
    inspect.Parameter("dtype", inspect.Parameter.KEYWORD_ONLY, default=Dtype.float64, annotation=Annotated[
        Dtype, typer.Option("--dtype", help="Compute in float64, or in float32 to match torch's float32 results.")]),
]
_BROADCAST = inspect.Parameter("broadcast", inspect.Parameter.KEYWORD_ONLY, default=False, annotation=Annotated[
    bool, typer.Option("--broadcast", help="Allow shapes that differ but broadcast, as torch does silently.")])

# command name -> (task, core function name): feeds `losscli list` and the docs tests.
LOSSES: dict[str, tuple[str, str]] = {}


class Run:
    """What a command needs besides its own options: the loaders and the shared settings."""

    def __init__(self, loss: str, reduction: str, dtype: str, broadcast: bool) -> None:
        from ..inputs import Sources

        self.loss, self.reduction, self.dtype, self.broadcast = loss, reduction, dtype, broadcast
        self.sources = Sources()

    def array(self, option: str, source: str | None):
        """A float array in the chosen dtype, or None for an option not given."""
        if source is None:
            return None
        return self.sources.load(option, source).astype(self.dtype, copy=False)

    def labels(self, option: str, source: str):
        """Class indices (or probabilities) as loaded: the core checks they are whole numbers."""
        return self.sources.load(option, source)

    def same_shape(self, *named) -> None:
        """Elementwise inputs must have one shape; torch's silent broadcasting needs --broadcast."""
        (first, a), *rest = named
        for option, b in rest:
            if b.shape != a.shape and not self.broadcast:
                raise UsageError(
                    f"{option} has shape {_shape(b.shape)} but {first} has {_shape(a.shape)}; "
                    "they must match (or pass --broadcast to broadcast them as torch does)"
                )

    def result(self, value, first, params: dict | None = None, **columns):
        import numpy as np

        from ..render import Result

        return Result(self.loss, self.reduction, value=np.asarray(value), dtype=self.dtype,
                      shape=first.shape, params=params or {}, columns=columns)


def _shape(shape) -> str:
    return "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"


def loss_command(name: str, task: str, core: str, broadcast: bool = False) -> Callable:
    """Register `fn(run, **own_options) -> Result` as the command `name`, with the shared options
    (reduction, format, quiet, precision, dtype, and --broadcast where torch broadcasts)."""

    def decorate(fn: Callable) -> Callable:
        own = [p for p in inspect.signature(fn).parameters.values() if p.name != "run"]
        shared = [p for p in _COMMON + ([_BROADCAST] if broadcast else []) if p.name not in {q.name for q in own}]

        @functools.wraps(fn)
        def command(**kwargs) -> None:
            opts = {p.name: kwargs.pop(p.name) for p in shared}
            reduction = kwargs.get("reduction", opts.get("reduction"))
            try:
                run = Run(name, reduction.value, opts["dtype"].value, opts.get("broadcast", False))
                result = fn(run, **kwargs)
                from ..render import emit

                emit(result, opts["fmt"].value, opts["quiet"], opts["precision"])
            except LossCliError as e:
                fail(e.render(OPTION_NAMES), e.exit_code)

        command.__signature__ = inspect.Signature(own + shared)
        del command.__wrapped__  # Typer must see the signature above, not fn's
        LOSSES[name] = (task, core)
        app.command(name, rich_help_panel=task)(command)
        return fn

    return decorate


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
    for task in TASKS:
        typer.echo(f"{task}:")
        for row in rows:
            if row["task"] == task:
                typer.echo(f"  {row['name']:<18} {row['summary']}")


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


def main() -> None:
    """Console entry point: usage errors as one line (exit 2), bugs as one line (exit 3)."""
    # Typer vendors Click (0.26+) and exports no base class for its usage errors.
    from typer._click.exceptions import ClickException, NoArgsIsHelpError

    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `losscli ... | head` ends quietly
    try:
        code = app(prog_name="losscli", standalone_mode=False)
    except NoArgsIsHelpError as e:
        typer.echo(e.ctx.get_help(), err=True)
        code = 2
    except ClickException as e:
        command = f"losscli {e.ctx.info_name} --help" if getattr(e, "ctx", None) and e.ctx.parent else "losscli --help"
        typer.echo(f"losscli: error: {e.format_message()} (see {command})", err=True)
        code = e.exit_code
    except typer.Abort:
        code = 130
    except Exception as e:  # a bug: one line, the traceback only on request
        if os.environ.get("LOSSCLI_DEBUG") == "1":
            raise
        typer.echo(f"losscli: internal error: {type(e).__name__}: {e} "
                   "(rerun with LOSSCLI_DEBUG=1 for a traceback)", err=True)
        code = 3
    sys.exit(code if isinstance(code, int) else 0)
