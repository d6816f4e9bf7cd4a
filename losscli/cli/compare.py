"""`losscli compare LOSS --pred NEW --baseline OLD --target T`: is NEW's loss really different?

Both models' per-sample losses on the same targets, paired: the mean difference NEW - OLD with
its interval (t, or delta for ratio means, at --ci), a paired Poisson-bootstrap p-value and a
paired sign-flip permutation p-value (exact for at most 20 samples). The gates use the
permutation p-value.

`compare LOSS` is a command per loss, built from the registry the way cli/shared.py builds the
loss commands (the loss's own options, then compare's), when it is called: `compare mse --help`
lists mse's options, and `losscli compare ...` builds one command, not all of them.
"""

import inspect
import json
from enum import Enum
from typing import Optional

import typer
from typer.core import TyperGroup

from .. import registry
from ..errors import LossCliError, UsageError
from ..registry import SOURCE, LossSpec
from .shared import _COMMON, _SETTINGS, _option, _own_options, app, exit_if_failed, fail, write_output

_STATS, _GATES = "Statistics", "CI checks"


class CompareFormat(str, Enum):
    text = "text"
    json = "json"
    md = "md"


def comparable() -> list[LossSpec]:
    """The losses compare takes: those with --pred."""
    return [s for s in registry.SPECS if any(a.key == "pred" for a in s.arrays)]


def _compare_options(spec: LossSpec) -> list[inspect.Parameter]:
    """compare's own options; the significance level is --alpha, or --gate-alpha where the loss has
    an --alpha of its own (focal, tversky)."""
    own_alpha = any(p.option == "--alpha" for p in spec.params)
    alpha_decls = ("--gate-alpha",) if own_alpha else ("--alpha", "--gate-alpha")
    return [
        _option("baseline", str, ..., "--baseline", metavar=SOURCE, show_default=False,
                help="The baseline model's predictions (OLD), the same samples in the same order."),
        _option("ci", float, 0.95, "--ci", panel=_STATS, min=0.0, max=1.0, help="Level of the difference's interval."),
        _option("resamples", int, 1000, "--resamples", panel=_STATS, min=2,
                help="Bootstrap resamples, and random sign flips above 20 samples (while N x B <= 2^27; "
                     "beyond, both p-values come from the normal law, with a Berry-Esseen error bound)."),
        _option("seed", int, 0, "--seed", panel=_STATS, min=0, help="Seed of the bootstrap and the random flips."),
        _option("gate_alpha", float, 0.05, *alpha_decls, panel=_GATES, min=0.0, max=1.0,
                help="Significance level of the gates."),
        _option("fail_if_worse", bool, False, "--fail-if-worse", panel=_GATES,
                help="Exit 1 if NEW's loss is significantly higher than OLD's (permutation p < the level)."),
        _option("fail_unless_better", bool, False, "--fail-unless-better", panel=_GATES,
                help="Exit 1 unless NEW's loss is significantly lower than OLD's."),
        _option("fmt", CompareFormat, CompareFormat.text, "--format", "-f", panel="Output", help="text, json or md."),
        _option("quiet", bool, False, "--quiet", "-q", panel="Output", help="Print the difference only."),
    ]


def build_compare(spec: LossSpec, target: typer.Typer, name: str) -> None:
    """Register `compare <name>` on `target`: the loss's options (--pred is NEW), compare's, and
    the shared input settings (--dtype, --nan-policy, --delimiter)."""
    own = []
    for p in _own_options(spec):
        if p.name == "pred":
            p = _option("pred", str, ..., "--pred", "-p", metavar=SOURCE, show_default=False,
                        help="The new model's predictions (NEW).")
        elif p.name == "reduction":  # the difference of two means: the reductions that are one
            means = [r for r in spec.reductions if r in ("mean", "batchmean")]
            reduction = Enum("Reduction", {r: r for r in means}, type=str)
            p = _option("reduction", reduction, reduction(means[0]), "--reduction", "-r",
                        help=f"The mean whose difference is compared: {', '.join(means)}.")
        own.append(p)
    settings = [p for p in _COMMON if p.name in ("dtype", "nan_policy", "delimiter")]

    def command(**o) -> None:
        run_compare(spec, o)

    command.__signature__ = inspect.Signature(own + _compare_options(spec) + settings)
    command.__doc__ = (f"Compare two models' {spec.name} on the same targets: the paired difference of their losses "
                       "(NEW - OLD), its interval, and paired bootstrap and sign-flip permutation p-values.")
    target.command(name, short_help=spec.summary)(command)


class CompareGroup(TyperGroup):
    """compare's subcommands, one per loss, built when asked for."""

    def list_commands(self, ctx) -> list[str]:
        return [s.name for s in comparable()]

    def get_command(self, ctx, name: str):
        try:
            spec = registry.spec(name)
        except KeyError:
            return None
        if spec not in comparable():
            return None
        one = typer.Typer(add_completion=False, pretty_exceptions_enable=False, rich_markup_mode=None,
                          context_settings=_SETTINGS)
        build_compare(spec, one, name)
        from typer.main import get_command

        return get_command(one)

    def resolve_command(self, ctx, args):
        name = args[0] if args else None
        if name is not None and not name.startswith("-") and self.get_command(ctx, name) is None:
            known = name in registry.BY_NAME or name in registry.ALIASES
            ctx.fail(f"compare needs a loss with --pred; {name} has none" if known
                     else f"no loss named {name!r} (losscli list shows them)")
        return super().resolve_command(ctx, args)


compare_app = typer.Typer(cls=CompareGroup, context_settings=_SETTINGS, rich_markup_mode=None)


@compare_app.callback()
def _compare_help() -> None:
    """Compare two models on the same targets: the paired difference of their losses (NEW - OLD),
    its interval, and paired bootstrap and sign-flip permutation p-values, for CI gates that do not
    flake on noise. `losscli compare LOSS --help` lists the loss's options."""


app.add_typer(compare_app, name="compare", rich_help_panel="Statistics")


def run_compare(spec: LossSpec, o: dict) -> None:
    value = lambda v: v.value if isinstance(v, Enum) else v  # noqa: E731
    try:
        if o["quiet"] and value(o["fmt"]) != "text":
            raise UsageError(f"-q prints the difference: it does not combine with --format {value(o['fmt'])}")
        sources = {a.key: o[a.key.replace("-", "_")] for a in spec.arrays}
        params = {p.name: value(o[p.name]) for p in spec.params}
        settings = {"reduction": value(o["reduction"]), "dtype": value(o["dtype"]),
                    "nan_policy": value(o["nan_policy"]), "delimiter": o["delimiter"]}
        report = _compare(spec, sources, o["baseline"], params, settings, o["ci"], o["resamples"], o["seed"],
                          o["gate_alpha"])
        failed = _gates(report, o["gate_alpha"], o["fail_if_worse"], o["fail_unless_better"])
        write_output(None, lambda out: _emit(report, value(o["fmt"]), o["quiet"], out))
    except LossCliError as e:
        fail(e.render(registry.option_names(spec)), e.exit_code)
    exit_if_failed(failed)


def _compare(spec: LossSpec, sources: dict, baseline: str, params: dict, settings: dict, level: float,
             resamples: int, seed: int, alpha: float) -> dict:
    """Both models in one pass over the inputs (engine.run with a baseline: the targets and any
    file both read are read once), then the paired statistics of the per-sample differences."""
    import numpy as np

    from .. import stats
    from ..engine import Invocation, run

    inv = Invocation(spec.name, sources, params, ci=level, keep_samples=True, **settings)
    try:
        new, old, pairs = run(inv, baseline=baseline)
    except LossCliError as e:  # whose input was refused: the baseline's alone says
        try:
            run(Invocation(spec.name, sources | {"pred": baseline}, params, **settings))
        except LossCliError as b:
            raise type(b)(b.render(registry.option_names(spec)).replace("--pred", "--baseline")) from None
        raise type(e)(e.render(registry.option_names(spec))) from None
    if pairs.shape[1] == 2 and np.all(pairs[:, 1] == 1):  # a ratio mean whose samples all weigh 1
        pairs = pairs[:, :1]
    k = pairs.shape[1]
    m = stats.Moments(k)
    m.add(pairs)
    boot = stats.paired_bootstrap_p(pairs, resamples, seed)
    flips = stats.sign_flip_test(pairs, resamples, seed, alpha)
    value, base = float(new.value), float(old.value)
    permutation = {key: flips[key] for key in ("method", "flips", "mc_error", "error_bound") if key in flips}
    return {
        "loss": spec.name, "value": value, "baseline": base, "difference": value - base,
        "ci": stats.interval(m, level),
        "p_value": {"bootstrap": boot["p"], "permutation": flips["p"]},
        "n": int(pairs.shape[0]), "params": new.params, "signature": new.signature,
        "permutation": permutation,
        "bootstrap": {key: boot[key] for key in ("method", "resamples", "error_bound") if key in boot},
    }


def _gates(report: dict, alpha: float, worse: bool, unless_better: bool) -> list[str]:
    p, d = report["p_value"]["permutation"], report["difference"]
    significant = p < alpha
    out = []
    if worse and d > 0 and significant:
        out.append(f"{report['loss']} is worse than the baseline by {d:.6g} (permutation p = {p:.4g} < {alpha:g})")
    if unless_better and not (d < 0 and significant):
        out.append(f"{report['loss']} is not significantly better than the baseline: difference {d:.6g}, "
                   f"permutation p = {p:.4g} (needs < 0 with p < {alpha:g})")
    return out


def _test_text(name: str, p: float, how: dict) -> str:
    """'0.0312 (monte carlo, 1000 sign flips, Monte Carlo error 0.0055)' and the like."""
    method = how["method"]
    if method == "exact":
        return f"{p:.4g} (exact, {how['flips']} sign flips)"
    if method == "monte carlo":
        return f"{p:.4g} (monte carlo, {how['flips']} sign flips, Monte Carlo error {how['mc_error']:.2g})"
    if method == "poisson":
        return f"{p:.4g} ({how['resamples']} resamples)"
    return f"{p:.4g} (normal approximation, error at most {how['error_bound']:.2g})"


def _emit(report: dict, fmt: str, quiet: bool, out) -> None:
    from ..render import ci_json, ci_text, human, json_number

    if quiet:
        out.write(repr(report["difference"]) + "\n")
        return
    if fmt == "json":
        obj = dict(report)
        for key in ("value", "baseline", "difference"):
            obj[key] = json_number(repr(obj[key]))
        obj["ci"] = ci_json(obj["ci"])
        obj["p_value"] = {k: json_number(repr(v)) for k, v in obj["p_value"].items()}
        out.write(json.dumps(obj) + "\n")
        return
    new, old, diff = human([report["value"], report["baseline"], report["difference"]], 4)
    perm = _test_text("permutation", report["p_value"]["permutation"], report["permutation"])
    boot = _test_text("bootstrap", report["p_value"]["bootstrap"], report["bootstrap"])
    if fmt == "md":
        from ..render import markdown_table

        out.write(markdown_table(["loss", "new", "baseline", "difference", "interval", "p (permutation)", "p (bootstrap)", "samples"],
                                 [[report["loss"], new, old, diff, ci_text(report["ci"], 4), perm, boot, str(report["n"])]]))
        return
    out.write(f"{report['loss']}: new {new}, baseline {old}, difference {diff}  ({report['n']} paired samples)\n"
              f"  {ci_text(report['ci'], 4)}\n"
              f"  p-value: permutation {perm}; bootstrap {boot}\n")


def options_of(name: str) -> Optional[list[str]]:
    """The options `compare NAME` takes (tests and docs)."""
    try:
        spec = registry.spec(name)
    except KeyError:
        return None
    one = typer.Typer()
    build_compare(spec, one, spec.name)
    from typer.main import get_command

    return [decl for p in get_command(one).params for decl in p.opts]
