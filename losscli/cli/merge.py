"""`losscli merge PARTS...`: the loss of a whole dataset from the JSON results of its shards.

Each shard's `--format json` result carries its partial sums; they add up exactly, so any
engine that runs one command per shard (xargs -P, GNU parallel, a Dask or Spark job) scales
losscli past one machine.
"""

import json
import sys
from typing import Annotated

import typer

from ..errors import InputError, LossCliError, UsageError
from .shared import Format, app, fail, write_output


@app.command("merge", rich_help_panel="Scale out")
def merge(
    parts: Annotated[list[str], typer.Argument(metavar="PARTS...", show_default=False,
                                               help="JSON results of `losscli LOSS ... --format json` (- for stdin, one per line).")],
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output: text, json, jsonl, csv, tsv or md.")] = Format.text,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print the bare value only.")] = False,
    precision: Annotated[int | None, typer.Option("--precision", min=0, max=17, show_default=False,
                                                  help="Decimals: text shows 4 by default.")] = None,
    scheduler: Annotated[str | None, typer.Option(
        "--scheduler", envvar="DASK_SCHEDULER_ADDRESS", metavar="ADDRESS", show_default=False,
        help="Read and parse the PARTS on the Dask cluster at ADDRESS (or local:N).")] = None,
) -> None:
    """Combine the JSON results of shards into the loss of the whole (same loss, options, dtype)."""
    from ..render import View, emit

    try:
        result = merged(list(_read(parts, scheduler)))
        write_output(None, lambda out: emit(result, View(fmt.value, quiet, precision), out))
    except LossCliError as e:
        fail(e.render(), e.exit_code)


def _read(parts: list[str], scheduler: str | None = None):
    """(label, object) for every JSON result in the PARTS files (or stdin), one or more per file;
    a glob or a folder is its files in sorted path order (losscli.datasets). With a scheduler,
    the files are read and parsed on its workers."""
    from ..datasets import is_dataset, matches, shards

    parts = [shard for part in parts
             for shard in (shards(part) if part != "-" and (is_dataset(part) or matches(part)) else [part])]
    if scheduler and parts:
        import os

        from ..distributed import connect, map_ordered

        with connect(scheduler) as client:  # stdin is read here; files by the workers, by absolute path
            remote = [(part, os.path.abspath(part)) for part in parts if part != "-"]
            found = iter(map_ordered(client, _parsed, [full for _, full in remote], [part for part, _ in remote],
                                     labels=[part for part, _ in remote]))
            for part in parts:
                yield from _parsed(part) if part == "-" else next(found)
        return
    for part in parts:
        yield from _parsed(part)


def _parsed(part: str, label: str | None = None) -> list:
    """(label, object) of each JSON result in one PARTS file (or stdin)."""
    label = label or ("stdin" if part == "-" else part)
    try:
        text = sys.stdin.read() if part == "-" else open(part, encoding="utf-8").read()
    except OSError as e:
        raise InputError(f"cannot read {label!r}: {e.strerror}") from None
    lines = [line for line in text.splitlines() if line.strip()]
    try:
        objects = [json.loads(text)] if len(lines) <= 1 or text.lstrip().startswith("{\n") else \
            [json.loads(line) for line in lines]
    except ValueError as e:
        raise InputError(f"{label} is not the JSON output of a losscli loss command: {e}") from None
    return [(label, obj) for obj in objects]


def merged(results: list[tuple[str, dict]]):
    """The Result of the whole: sums and denominators added, the reduction applied once."""
    import math

    import numpy as np

    from ..partials import combine, exact_sum
    from ..render import Result

    if not results:
        raise UsageError("nothing to merge")
    first_label, first = results[0]
    for label, obj in results:
        if not isinstance(obj, dict) or "partials" not in obj or "signature" not in obj:
            raise InputError(f"{label} holds no partial sums: produce each shard with --format json, "
                             "and a reduction other than none")
        if obj["signature"] != first["signature"]:
            raise InputError(f"{label} was computed as {obj['signature']!r} but {first_label} as "
                             f"{first['signature']!r}; shards must share the loss, options and dtype")
    number = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}
    sums = [number.get(o["partials"]["sum"], o["partials"]["sum"]) for _, o in results]
    denominator = exact_sum(o["partials"]["denominator"] for _, o in results)
    total = exact_sum(sums)  # inf, -inf or nan as torch's sum ends, never an OverflowError
    with np.errstate(over="ignore"):  # a float32 total beyond 3.4e38 is inf, as torch's float32 sum
        value = np.asarray(combine(first["reduction"], total, denominator)).astype(first["dtype"])
    tails = {tuple(o["shape"][1:]) for _, o in results}
    shape = (sum(o["shape"][0] if o["shape"] else 1 for _, o in results), *tails.pop()) if len(tails) == 1 \
        else (sum(o["n"] for _, o in results),)
    omitted = [o.get("omitted") for _, o in results]
    moments, ci, boot = _merged_ci(results)
    return Result(first["loss"], first["reduction"], value=value, dtype=first["dtype"], shape=shape,
                  params=first["params"], parts={"sum": total, "denominator": denominator},
                  omitted=sum(omitted) if all(v is not None for v in omitted) else None, ci=ci, moments=moments,
                  bootstrap=boot, groups=_merged_groups(results, ci), by=first.get("by"))


def _merged_groups(results: list[tuple[str, dict]], ci: dict | None):
    """--by: each group's partial sums added over the shards (a group may be missing from some),
    its moments and bootstrap sums merged as the whole's are; None when no shard has groups."""
    import math

    import numpy as np

    from ..partials import combine, exact_sum
    from ..slices import interval_of, sort_groups
    from ..stats import Bootstrap, Moments

    with_groups = [label for label, o in results if "groups" in o]
    if not with_groups:
        return None
    first_label = with_groups[0]
    for label, o in results:
        if "groups" not in o:
            raise InputError(f"{label} has no --by groups but {first_label} has: run every shard with --by")
        if any("partials" not in g for g in o["groups"]):
            raise InputError(f"{label}'s groups hold no partial sums: produce each shard with --format json")
    number = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}
    shards: dict[str, list[dict]] = {}
    for _, o in results:
        for g in o["groups"]:
            shards.setdefault(g["group"], []).append(g)
    first = results[0][1]
    out = []
    for name, parts in shards.items():
        total = exact_sum(number.get(g["partials"]["sum"], g["partials"]["sum"]) for g in parts)
        denominator = exact_sum(number.get(g["partials"]["denominator"], g["partials"]["denominator"]) for g in parts)
        with np.errstate(over="ignore"):
            value = np.asarray(combine(first["reduction"], total, denominator)).astype(first["dtype"])
        moments = boot = interval = None
        if ci is not None:
            moments = Moments.from_json(parts[0]["partials"]["moments"])
            for g in parts[1:]:
                moments.merge(Moments.from_json(g["partials"]["moments"]))
            if ci["method"] == "bootstrap":
                boot = Bootstrap.from_json(parts[0]["partials"]["bootstrap"], moments.k)
                for g in parts[1:]:
                    boot.merge(Bootstrap.from_json(g["partials"]["bootstrap"], moments.k))
            unit = all(g["ci"]["method"] == "t" for g in parts)
            interval = interval_of(moments, boot, ci["level"], unit)
        out.append({"group": name, "value": value, "n": sum(int(g["n"]) for g in parts), "sum": total,
                    "denominator": denominator, "ci": interval, "moments": moments, "bootstrap": boot})
    return tuple(sort_groups(out))


def _merged_ci(results: list[tuple[str, dict]]):
    """(moments, ci, bootstrap) of the whole from the shards' --ci moments (Chan's merge, in
    the order given) and bootstrap sums (added: each shard drew its samples' weights by their
    global index, --sample-offset), or Nones when no shard has an interval."""
    from ..stats import Bootstrap, Moments, bca_interval, bootstrap_interval, interval

    with_ci = [(label, o) for label, o in results if "ci" in o]
    if not with_ci:
        return None, None, None
    first_label, first = with_ci[0]
    level = first["ci"]["level"]
    for label, o in results:
        if "ci" not in o or "moments" not in o["partials"]:
            raise InputError(f"{label} has no --ci interval but {first_label} has: run every shard with --ci {level}")
        if o["ci"]["level"] != level:
            raise InputError(f"{label} has a {o['ci']['level']} interval but {first_label} a {level} one; "
                             "shards must share --ci")
    methods = {o["ci"]["method"] for _, o in results}
    if "bca" in methods and methods != {"bca"}:
        raise InputError("shards must all use --ci-method bca, or none of them")
    total = Moments.from_json(results[0][1]["partials"]["moments"])
    for _, o in results[1:]:
        total.merge(Moments.from_json(o["partials"]["moments"]))
    # a ratio loss whose samples all weigh 1 (every shard's interval a t one): the numerators' t interval
    plain = total.k == 2 and all(o["ci"]["method"] == "t" for _, o in results)
    shown = total.first() if plain else total  # a ratio loss whose samples all weigh 1: the numerators'
    boots = [o["partials"].get("bootstrap") for _, o in results]
    if any(b is not None for b in boots):
        if any(b is None for b in boots) or len({(b["resamples"], b["seed"]) for b in boots}) != 1:
            raise InputError("shards must all use --ci-method bootstrap with the same --resamples and --seed")
        boot = Bootstrap.from_json(boots[0], total.k)
        for b in boots[1:]:
            boot.merge(Bootstrap.from_json(b, total.k))
        bootstrap = bca_interval if methods == {"bca"} else bootstrap_interval
        return total, bootstrap(shown, boot, level), boot
    if any(o["ci"]["method"] == "bootstrap" for _, o in results):
        raise InputError("a shard's bootstrap interval has no per-resample sums to merge")
    return total, interval(shown, level), None
