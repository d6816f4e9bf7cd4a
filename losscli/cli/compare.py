"""`losscli compare LOSS --pred NEW --baseline OLD --target T`: is NEW's loss really different?

Both models' per-sample losses on the same targets, paired: the mean difference NEW - OLD with
its interval (t, or delta for ratio means, at --ci), a paired Poisson-bootstrap p-value and a
paired sign-flip permutation p-value (exact for at most 20 samples). The gates use the
permutation p-value.
"""

import json
from typing import Annotated, Optional

import typer

from .. import registry
from ..errors import LossCliError, UsageError
from .shared import Format, app, fail, write_output


@app.command("compare", rich_help_panel="Statistics",
             context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def compare(
    ctx: typer.Context,
    loss: Annotated[str, typer.Argument(metavar="LOSS", help="The loss command, e.g. cross-entropy.", show_default=False)],
    pred: Annotated[str, typer.Option("--pred", "-p", metavar="SOURCE", help="The new model's predictions.", show_default=False)],
    baseline: Annotated[str, typer.Option("--baseline", metavar="SOURCE", help="The baseline model's predictions, same samples.", show_default=False)],
    ci: Annotated[float, typer.Option("--ci", min=0.0, max=1.0, help="Level of the difference's interval.")] = 0.95,
    alpha: Annotated[float, typer.Option("--alpha", min=0.0, max=1.0, help="Significance level of the gates.")] = 0.05,
    resamples: Annotated[int, typer.Option("--resamples", min=2, help="Bootstrap resamples, and random sign flips above 20 samples.")] = 1000,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Seed of the bootstrap and the random flips.")] = 0,
    fail_if_worse: Annotated[bool, typer.Option("--fail-if-worse", help="Exit 1 if NEW's loss is significantly higher than OLD's (permutation p < --alpha).")] = False,
    fail_unless_better: Annotated[bool, typer.Option("--fail-unless-better", help="Exit 1 unless NEW's loss is significantly lower than OLD's.")] = False,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="text, json or md.")] = Format.text,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print the difference only.")] = False,
) -> None:
    """Compare two models on the same targets: the paired difference of their losses (NEW - OLD),
    its interval, and paired bootstrap and sign-flip permutation p-values. The other options are
    the loss's own (--target, --weight, --label-smoothing, ...)."""
    try:
        report = _compare(loss, pred, baseline, list(ctx.args), ci, resamples, seed)
        failed = _gates(report, alpha, fail_if_worse, fail_unless_better)
        write_output(None, lambda out: _emit(report, fmt.value, quiet, out))
    except LossCliError as e:
        fail(e.render(), e.exit_code)
    for line in failed:
        typer.echo(f"losscli: check failed: {line}", err=True)
    if failed:
        raise typer.Exit(1)


def _loss_options(spec, args: list[str]) -> tuple[dict, dict]:
    """(sources, params) from the loss's own options given after the command's."""
    arrays = {a.flag: a for a in spec.arrays} | {a.short: a for a in spec.arrays if a.short}
    params = {p.option: p for p in spec.params}
    sources, values, i = {}, {}, 0
    while i < len(args):
        name, _, inline = args[i].partition("=")
        take = lambda: inline if inline else (args[i + 1] if i + 1 < len(args) else None)  # noqa: E731
        if name in arrays and arrays[name].key != "pred":
            value = take()
            if value is None:
                raise UsageError(f"{name} needs a SOURCE")
            sources[arrays[name].key] = value
        elif name in params:
            p = params[name]
            if p.type == "bool":
                values[p.name] = True
                i += 1
                continue
            value = take()
            try:
                values[p.name] = {"float": float, "int": int, "str": str}[p.type](value)
            except (TypeError, ValueError):
                raise UsageError(f"{name} must be {p.type}, got {value!r}") from None
        else:
            raise UsageError(f"compare {spec.name} has no option {name!r}")
        i += 1 if inline else 2
    return sources, values


def _compare(loss: str, pred: str, baseline: str, args: list[str], level: float, resamples: int, seed: int) -> dict:
    import numpy as np

    from .. import stats
    from ..engine import Invocation, run
    from ..inputs import Sources

    try:
        spec = registry.spec(loss)
    except KeyError:
        raise UsageError(f"no loss named {loss!r} (losscli list shows them)") from None
    if not any(a.key == "pred" for a in spec.arrays):
        raise UsageError(f"compare needs a loss with --pred; {spec.name} has none")
    sources, params = _loss_options(spec, args)
    shared = Sources()
    results = []
    for source in (pred, baseline):
        inv = Invocation(spec.name, {"pred": source} | sources, params, ci=level, keep_samples=True)
        try:
            results.append(run(inv, shared))
        except LossCliError as e:
            flag = "--pred" if source == pred else "--baseline"
            raise type(e)(f"{flag}: {e.render(registry.option_names(spec))}") from None
    new, old = results
    a, b = new.sample_values, old.sample_values
    if a.shape != b.shape:
        raise UsageError(f"--pred gives {a.shape[0]} samples but --baseline {b.shape[0]}; they must pair up")
    diff = a.copy()
    diff[:, 0] = a[:, 0] - b[:, 0]
    if a.shape[1] == 2 and not np.array_equal(a[:, 1], b[:, 1]):
        raise UsageError("the two models' samples weigh differently; compare needs the same targets")
    k = 2 if a.shape[1] == 2 and not np.all(a[:, 1] == 1) else 1
    pairs = diff if k == 2 else diff[:, :1]
    m = stats.Moments(k)
    m.add(pairs)
    boot = stats.Bootstrap(k, resamples, seed)
    boot.add(pairs)
    flips = stats.sign_flip_test(pairs, resamples, seed)
    value, base = float(new.value), float(old.value)
    return {
        "loss": spec.name, "value": value, "baseline": base, "difference": value - base,
        "ci": stats.interval(m, level),
        "p_value": {"bootstrap": stats.bootstrap_p(boot), "permutation": flips["p"]},
        "n": int(a.shape[0]), "params": new.params, "signature": new.signature,
        "permutation": {"method": flips["method"], "flips": flips["flips"], "mc_error": flips["mc_error"]},
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


def _emit(report: dict, fmt: str, quiet: bool, out) -> None:
    from ..render import ci_json, ci_text, human, json_number, markdown_table

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
    flips = report["permutation"]
    perm = f"{report['p_value']['permutation']:.4g} ({flips['method']}, {flips['flips']} sign flips"
    perm += f", Monte Carlo error {flips['mc_error']:.2g})" if flips["method"] != "exact" else ")"
    if fmt == "md":
        out.write(markdown_table(["loss", "new", "baseline", "difference", "interval", "p (permutation)", "p (bootstrap)", "samples"],
                                 [[report["loss"], new, old, diff, ci_text(report["ci"], 4), perm,
                                   f"{report['p_value']['bootstrap']:.4g}", str(report["n"])]]))
        return
    out.write(f"{report['loss']}: new {new}, baseline {old}, difference {diff}  ({report['n']} paired samples)\n"
              f"  {ci_text(report['ci'], 4)}\n"
              f"  p-value: permutation {perm}; bootstrap {report['p_value']['bootstrap']:.4g}\n")
