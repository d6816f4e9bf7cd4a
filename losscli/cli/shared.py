"""The command line: a Typer facade over losscli.engine, generated from losscli.registry.

A loss command turns its options into an engine Invocation, runs it, renders the Result and
turns errors and failed gates into exit codes. NumPy, Rich and the readers are imported only
once a command runs, so `--help` stays fast.
"""

import inspect
import os
import signal
import sys
from enum import Enum
from typing import Annotated, Callable, Optional

import typer

from .. import __version__, registry
from ..errors import LossCliError, UsageError
from ..registry import SOURCE, TASKS, LossSpec

HELP = "Loss functions of torch.nn and other libraries from the command line, with each library's numbers."
EXIT_CODES = "Exit codes: 0 success, 1 a failed check, 2 usage or input error, 3 internal error."
_SETTINGS = {"help_option_names": ["-h", "--help"]}

app = typer.Typer(
    name="losscli",
    help=HELP,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # help texts are plain text: "[[check]]" stays as written
    context_settings=_SETTINGS,
)


class Format(str, Enum):
    text = "text"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"
    tsv = "tsv"
    md = "md"
    parquet = "parquet"


class Dtype(str, Enum):
    float64 = "float64"
    float32 = "float32"


class NanPolicy(str, Enum):
    propagate = "propagate"
    raise_ = "raise"
    omit = "omit"


def _option(name: str, annotation, default, *decls: str, panel: str | None = None, **kw) -> inspect.Parameter:
    option = typer.Option(*decls, rich_help_panel=panel, **kw)
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=Annotated[annotation, option])


_OUTPUT, _CHECKS, _INPUT, _STATS = "Output", "CI checks", "Input", "Statistics"
# --scheduler: loss commands and `losscli check` compute on a Dask cluster (losscli.distributed)
SCHEDULER = _option("scheduler", Optional[str], None, "--scheduler", panel="Scale out", envvar="DASK_SCHEDULER_ADDRESS",
                    show_default=False, metavar="ADDRESS",
                    help="Compute on the Dask cluster at ADDRESS (tcp://HOST:8786), a task per shard of the dataset, "
                         "or on local:N workers started for this run (pip install 'losscli[dask]').")


class CiMethod(str, Enum):
    analytic = "analytic"
    bootstrap = "bootstrap"
    bca = "bca"

# The options every loss command shares (after its own), declared once. `losscli check` takes
# the settings among them as keys of a [[check]] table (CHECK_KEYS).
_COMMON = [
    _option("dtype", Dtype, Dtype.float64, "--dtype", help="Compute in float64, or in float32 to match torch's float32 results."),
    _option("nan_policy", NanPolicy, NanPolicy.propagate, "--nan-policy", panel=_INPUT,
            help="NaN in the inputs: propagate (as torch), raise (exit 2), or omit the samples that hold one."),
    _option("delimiter", Optional[str], None, "--delimiter", "-d", panel=_INPUT, show_default=False,
            help="Field delimiter of text files, e.g. ';' or tab (default: by extension, or sniffed)."),
    _option("fmt", Format, Format.text, "--format", "-f", panel=_OUTPUT,
            help="text for people (tab-separated with full precision when piped); json, jsonl, csv, tsv or md "
                 "(Markdown) for programs and reports; parquet (-r none, with --output)."),
    _option("quiet", bool, False, "--quiet", "-q", panel=_OUTPUT,
            help="Print the bare value only (one per line for per-element output); not with --format."),
    _option("precision", Optional[int], None, "--precision", panel=_OUTPUT, min=0, max=17, show_default=False,
            help="Decimals: text shows 4 by default; with -q, fixed-point instead of exact."),
    _option("top", Optional[int], None, "--top", panel=_OUTPUT, min=1, show_default=False,
            help="Show the K elements with the largest loss, with their index and inputs."),
    _option("hist", bool, False, "--hist", panel=_OUTPUT, help="Add a histogram of the per-element losses."),
    _option("no_color", bool, False, "--no-color", panel=_OUTPUT, help="No colour or styling, even on a terminal (NO_COLOR too)."),
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
    _option("ci", Optional[float], None, "--ci", panel=_STATS, show_default=False, metavar="[LEVEL]",
            help="Add a confidence interval of the mean loss at LEVEL (0.95 when --ci is given alone), over "
                 "the samples (the first dim; a sample's loss is the mean of its elements), N - 1 degrees of "
                 "freedom. Plain means: the t interval. Ratio means (nll and cross-entropy with --weight or "
                 "ignored targets): the delta method, the t interval of the linearised ratio, which is what "
                 "makes the interval of a ratio analytic and mergeable."),
    _option("ci_method", CiMethod, CiMethod.analytic, "--ci-method", panel=_STATS,
            help="analytic: t (delta for ratio means); bootstrap: the percentile interval of --resamples "
                 "Poisson-bootstrap resamples over the samples, seeded by --seed and each sample's index: the "
                 "same in blocks, shards (--sample-offset) and merged runs; bca: the same resamples' "
                 "bias-corrected and accelerated interval (the acceleration from streamed third moments)."),
    _option("resamples", int, 1000, "--resamples", panel=_STATS, min=1, help="Bootstrap resamples."),
    _option("seed", int, 0, "--seed", panel=_STATS, min=0, help="The bootstrap's seed."),
    _option("sample_offset", int, 0, "--sample-offset", panel=_STATS, min=0,
            help="The index of this shard's first sample in the whole set (keys a bootstrap's draws)."),
    SCHEDULER,
    _option("by", Optional[str], None, "--by", panel=_STATS, show_default=False, metavar=SOURCE,
            help="Also give the loss of each group of samples, by one key per sample: a column (data.csv:domain, "
                 "-:domain), or 'target' for each sample's class. Each group's loss, samples and --ci interval, "
                 "largest first; the gates apply to every group."),
]
_BROADCAST = _option("broadcast", bool, False, "--broadcast",
                     help="Allow shapes that differ but broadcast, as torch does silently.")
_GRAD = _option("grad", bool, False, "--grad", panel=_OUTPUT,
                help="Also give the gradient of the loss w.r.t. the predictions (as torch autograd).")
# Settings a [[check]] table may set, besides the loss's own options (output options may not).
CHECK_KEYS = {"reduction", "dtype", "nan-policy", "delimiter", "broadcast", "fail-above", "fail-below", "expect",
              "rtol", "atol", "ci", "ci-method", "resamples", "seed", "sample-offset", "by"}

_TYPES = {"float": float, "int": int, "str": str, "bool": bool}


def _own_options(spec: LossSpec) -> list[inspect.Parameter]:
    """The loss's arrays, hyperparameters and reductions as Typer options, from its declaration."""
    own = []
    for a in spec.arrays:
        decls = (a.flag, a.short) if a.short else (a.flag,)
        annotation = str if a.required else Optional[str]
        own.append(_option(a.key.replace("-", "_"), annotation, ... if a.required else None, *decls, metavar=SOURCE,
                           help=a.help, show_default=False))
    for p in spec.params:
        kw: dict = {"help": p.help}
        if p.min is not None:
            kw["min"] = p.min
        if p.max is not None:
            kw["max"] = p.max
        if p.choices:
            choice = Enum(p.name.title().replace("_", ""), {c: c for c in p.choices}, type=str)
            own.append(_option(p.name, choice, choice(p.default), p.option, **kw))
            continue
        annotation = _TYPES[p.type] if p.default is not None else Optional[_TYPES[p.type]]
        decls = (p.flag,) if p.flag else (p.option,)
        if p.default is None:
            kw["show_default"] = False
        own.append(_option(p.name, annotation, p.default, *decls, **kw))
    reduction = Enum("Reduction", {r: r for r in spec.reductions}, type=str)
    own.append(_option("reduction", reduction, reduction("mean"), "--reduction", "-r",
                       help=f"Combine per-element losses: {', '.join(spec.reductions)}."))
    return own


def help_text(spec: LossSpec) -> str:
    parts = [spec.summary]
    if spec.details:
        parts.append(spec.details)
    parts.append(f"Reference: {spec.reference}.")
    return "\n\n".join(parts)


def epilog(spec: LossSpec) -> str | None:
    if not spec.examples:
        return None
    # \b: Click keeps the lines of this paragraph as they are
    return "\b\nExamples:\n" + "\n".join(f"  $ {e}" for e in spec.examples)


def build_command(spec: LossSpec, target: typer.Typer, name: str | None = None, hidden: bool = False) -> None:
    """Register the command of `spec` on `target` (under an alias when `name` is given)."""
    own = _own_options(spec)
    extra = ([_BROADCAST] if spec.broadcast else []) + ([_GRAD] if spec.grad else [])
    shared = _COMMON + extra

    def command(**kwargs) -> None:
        run_loss(spec, kwargs)

    command.__signature__ = inspect.Signature(own + shared)
    command.__doc__ = help_text(spec)
    target.command(name or spec.name, rich_help_panel=spec.task, epilog=epilog(spec), hidden=hidden)(command)


def run_loss(spec: LossSpec, o: dict) -> None:
    """One loss command: options -> Invocation -> engine -> render; errors -> exit codes."""
    from ..checks import Gates

    value = lambda v: v.value if isinstance(v, Enum) else v  # noqa: E731
    gates = Gates(o["fail_above"], o["fail_below"], o["expect"], o["rtol"], o["atol"])
    try:
        if o["quiet"] and value(o["fmt"]) != "text":
            raise UsageError(f"-q prints the bare value: it does not combine with --format {value(o['fmt'])}")
        from ..engine import Invocation, run
        from ..render import ReadProgress, View

        color = not o["no_color"] and not os.environ.get("NO_COLOR")
        view = View(value(o["fmt"]), o["quiet"], o["precision"], o["top"], o["hist"], color)
        progress = ReadProgress("reading", enabled=not o["quiet"])
        inv = Invocation(
            spec.name,
            {a.key: o[a.key.replace("-", "_")] for a in spec.arrays},
            {p.name: value(o[p.name]) for p in spec.params},
            reduction=value(o["reduction"]), dtype=value(o["dtype"]), nan_policy=value(o["nan_policy"]),
            delimiter=o["delimiter"], broadcast=o.get("broadcast", False), grad=o.get("grad", False),
            top=o["top"], hist=o["hist"], gates=gates or None, progress=progress,
            ci=o["ci"], ci_method=value(o["ci_method"]), resamples=o["resamples"], seed=o["seed"],
            sample_offset=o["sample_offset"], by=o["by"],
        )
        try:
            result = run(inv) if not o.get("scheduler") else _distributed().run(inv, o["scheduler"])
        finally:
            progress.close()
        failed = gate_failures(result, gates)
        if view.fmt == "text" and not view.quiet:
            for message in result.warnings:
                typer.echo(f"losscli: warning: {message}", err=True)
        from ..render import emit

        write_output(o["output"], lambda out: emit(result, view, out))
    except LossCliError as e:
        fail(e.render(registry.option_names(spec)), e.exit_code)
    exit_if_failed(failed)


def exit_if_failed(failed: list[str]) -> None:
    """Each failed gate, one line on stderr, and exit status 1 if any."""
    for line in failed:
        typer.echo(f"losscli: check failed: {line}", err=True)
    if failed:
        raise typer.Exit(1)


def _distributed():
    from .. import distributed

    return distributed


def gate_failures(result, gates) -> list[str]:
    """The failed gates of a result: over the elements (tallied by the engine) or its value."""
    if not gates:
        return []
    if result.groups is not None:  # --by: every group passes each gate
        from ..checks import group_failures

        return group_failures(result.loss, result.groups, gates)
    if result.element_failures is not None:
        return list(result.element_failures)
    from ..checks import failures

    return failures(result.loss, result.value, gates)


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


class ListFormat(str, Enum):
    text = "text"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"
    tsv = "tsv"
    md = "md"


@app.command("list", rich_help_panel="Catalogue")
def list_losses(
    fmt: Annotated[ListFormat, typer.Option("--format", "-f", help="text, json, jsonl, csv, tsv or md.")] = ListFormat.text,
) -> None:
    """List every loss, grouped by task, with the library whose numbers it has."""
    rows = [{"name": s.name, "task": s.task, "function": s.core, "reference": s.reference,
             "options": options_text(s), "summary": s.summary}
            for t in TASKS for s in registry.SPECS if s.task == t]
    if fmt is ListFormat.json:
        import json

        typer.echo(json.dumps(rows, indent=2))
    elif fmt is ListFormat.jsonl:
        import json

        typer.echo("\n".join(json.dumps(row) for row in rows))
    elif fmt in (ListFormat.csv, ListFormat.tsv):
        import csv
        import io

        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), delimiter="," if fmt is ListFormat.csv else "\t",
                                lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        typer.echo(buffer.getvalue(), nl=False)
    elif fmt is ListFormat.md:
        from ..render import markdown_table

        body = [[r["task"], f"`{r['name']}`", r["reference"], r["options"], r["summary"]] for r in rows]
        typer.echo(markdown_table(["task", "command", "reference", "options (defaults as the reference's)", "summary"],
                                  body), nl=False)
    else:
        width = max(len(row["name"]) for row in rows)
        for task in TASKS:
            group = [row for row in rows if row["task"] == task]
            if group:
                typer.echo(f"{task}:")
            for row in group:
                typer.echo(f"  {row['name']:<{width}}  {row['summary']}")
        typer.echo(f"{len(rows)} losses; losscli COMMAND --help says more.")


def options_text(spec: LossSpec) -> str:
    """The loss's own options with their defaults: `--beta 1.0`, `--weight`, `--swap`."""
    out = [f"`{a.flag}`" for a in spec.arrays if a.role == "parameter" or not a.required]
    for p in spec.params:
        if p.type == "bool":
            out.append(f"`{p.flag.split('/')[1] if p.default and p.flag else p.option}`")
        elif p.default is None:
            out.append(f"`{p.option}`")
        else:
            out.append(f"`{p.option} {p.default}`")
    if len(spec.reductions) > 3:
        out += [f"`-r {r}`" for r in spec.reductions if r not in ("mean", "sum", "none")]
    return ", ".join(out)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"losscli {__version__}")
        raise typer.Exit()


@app.callback(epilog=EXIT_CODES)
def _main(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")] = False,
) -> None:
    """Loss functions of torch.nn and other libraries from the command line, with each library's numbers."""


def _register_losses() -> None:
    for spec in registry.SPECS:
        build_command(spec, app)
        for alias in spec.aliases:
            build_command(spec, app, alias, hidden=True)


_LOADED = False


def load_all() -> None:
    """Register every loss command (and the other commands) on the app, once."""
    global _LOADED
    if not _LOADED:
        _LOADED = True
        _register_losses()
        import importlib

        for module in ("check", "merge", "compare"):
            importlib.import_module(f"losscli.cli.{module}")


def _app_for(args: list[str]):
    """(app, prog name, args) to run. `losscli LOSS ...` runs an app of that one command: Typer
    builds it in a few ms instead of ~40 for all of them, and a tiny call's start-up is the
    product. Everything else runs the whole app."""
    name = args[0] if args else None
    spec = None
    if name in registry.BY_NAME or name in registry.ALIASES:
        spec = registry.spec(name)
    if spec is not None:
        one = typer.Typer(add_completion=False, pretty_exceptions_enable=False, rich_markup_mode=None,
                          context_settings=_SETTINGS)
        build_command(spec, one)
        return one, f"losscli {spec.name}", args[1:]
    load_all()
    return app, "losscli", args


def _unknown_command(name: str) -> str | None:
    """A one-line error for a command that does not exist, with the nearest names."""
    import difflib

    known = [s.name for s in registry.SPECS] + list(registry.ALIASES) + ["list", "check", "merge", "compare"]
    if name.startswith("-") or name in known:
        return None
    lowered = {k.lower().replace("_", "-"): k for k in known}
    close = difflib.get_close_matches(name.lower().replace("_", "-"), list(lowered), n=3, cutoff=0.6)
    names = list(dict.fromkeys(registry.ALIASES.get(lowered[c], lowered[c]) for c in close))
    hint = f"; did you mean {' or '.join(names)}?" if names else ""
    return f"no such command {name!r}{hint} (losscli list shows every loss)"


def _click_message(e) -> str:
    """Click's message, and for --grad on a loss without one, which losses have it."""
    if getattr(e, "option_name", None) == "--grad" and getattr(e, "ctx", None) is not None:
        have = ", ".join(s.name for s in registry.SPECS if s.grad)
        return f"{e.ctx.info_name} has no --grad; the losses with a closed-form gradient are: {have}"
    return e.format_message()


def ci_level_default(args: list[str]) -> list[str]:
    """`--ci` alone means `--ci 0.95`: Click has no option with an optional value, so the
    default level is put in where no number follows."""
    out = []
    for i, arg in enumerate(args):
        out.append(arg)
        if arg == "--ci":
            following = args[i + 1] if i + 1 < len(args) else None
            try:
                float(following)
            except (TypeError, ValueError):
                out.append("0.95")
    return out


def _terminated(signum, frame):
    raise SystemExit(128 + signum)


def main() -> None:
    """Console entry point: usage errors as one line (exit 2), bugs as one line (exit 3)."""
    # Typer vendors Click (0.26+) and exports no base class for its usage errors.
    from typer._click.exceptions import ClickException

    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `losscli ... | head` ends quietly
    signal.signal(signal.SIGTERM, _terminated)  # unwind, so --output leaves no temporary file
    args = sys.argv[1:]
    try:
        if not args:  # the usage and the command list, once, on stderr: as git, exit 2
            load_all()
            with app_context() as ctx:
                typer.echo(ctx.get_help(), err=True)
            sys.exit(2)
        unknown = _unknown_command(args[0])
        if unknown:
            typer.echo(f"losscli: error: {unknown}", err=True)
            sys.exit(2)
        runnable, prog, args = _app_for(ci_level_default(args))
        code = runnable(args=args, prog_name=prog, standalone_mode=False)
    except ClickException as e:
        command = e.ctx.command_path if getattr(e, "ctx", None) else "losscli"
        typer.echo(f"losscli: error: {_click_message(e)} (see {command} --help)", err=True)
        code = e.exit_code
    except (typer.Abort, KeyboardInterrupt):
        code = 130
    except SystemExit:
        raise
    except Exception as e:  # a bug: one line, the traceback only on request
        if os.environ.get("LOSSCLI_DEBUG") == "1":
            raise
        typer.echo(f"losscli: internal error: {type(e).__name__}: {e} "
                   "(rerun with LOSSCLI_DEBUG=1 for a traceback)", err=True)
        code = 3
    if code == 130:  # Typer turns Ctrl-C into exit 130 without a word
        typer.echo("losscli: interrupted", err=True)
    sys.exit(code if isinstance(code, int) else 0)


def app_context():
    """A Click context of the whole app, for its help text."""
    from typer.main import get_command

    return get_command(app).make_context("losscli", [], resilient_parsing=True)
