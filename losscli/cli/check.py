"""`losscli check FILE`: many loss checks in one run, declared in a TOML file, for CI.

Each [[check]] names a loss (`loss = "mse"`) and gives its options under their command-line
names without the dashes (`pred`, `label-smoothing`, `reduction`, `fail-above`); each check
becomes an engine Invocation directly, typed and validated from the loss's declaration. Checks
that read the same file share one read.
"""

import os
import time
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from .. import registry
from ..errors import LossCliError, UsageError
from .shared import CHECK_KEYS, app, fail, write_output


class CheckFormat(str, Enum):
    text = "text"
    json = "json"
    md = "md"


@app.command("check", rich_help_panel="CI")
def check(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="A TOML file of [[check]] tables.", show_default=False)],
    fmt: Annotated[CheckFormat, typer.Option("--format", "-f", help="text, json, or md (for a pull request or a CI summary).")] = CheckFormat.text,
    junit_xml: Annotated[Optional[str], typer.Option("--junit-xml", metavar="PATH", help="Also write a JUnit XML report (one testcase per check).")] = None,
    scheduler: Annotated[Optional[str], typer.Option(
        "--scheduler", envvar="DASK_SCHEDULER_ADDRESS", metavar="ADDRESS", show_default=False,
        help="Compute every check on the Dask cluster at ADDRESS (or local:N), a task per shard.")] = None,
) -> None:
    """Run the loss checks of a TOML file; exit 1 if any fails, 2 if the file is invalid."""
    started = time.perf_counter()
    try:
        checks = [_invocation(i, c, file.parent) for i, c in enumerate(_read(file), 1)]
        shared: dict = {}  # one Sources per delimiter, so checks share each file's read
        with _cluster(scheduler) as client:  # one client for all the checks
            outcomes = [_run(name, inv, shared, client) for name, inv in checks]
    except LossCliError as e:
        fail(e.render(), e.exit_code)
    elapsed = time.perf_counter() - started
    try:
        write_output(None, lambda out: _emit(outcomes, fmt.value, out))
        if junit_xml:
            write_output(junit_xml, lambda out: out.write(junit(outcomes, str(file), elapsed)))
    except LossCliError as e:
        fail(e.render(), e.exit_code)
    failed = [o for o in outcomes if o["failures"]]
    for o in failed:
        for line in o["failures"]:
            typer.echo(f"losscli: check failed: {o['name']}: {line}", err=True)
    if failed:
        raise typer.Exit(1)


def _read(file: Path) -> list[dict]:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except OSError as e:
        raise UsageError(f"cannot read {str(file)!r}: {e.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise UsageError(f"{file}: not valid TOML: {e}") from None
    unknown = set(data) - {"check"}
    if unknown:
        raise UsageError(f"{file}: unknown top-level key {sorted(unknown)[0]!r}; checks go in [[check]] tables")
    checks = data.get("check")
    if not isinstance(checks, list) or not checks or not all(isinstance(c, dict) for c in checks):
        raise UsageError(f"{file}: no [[check]] tables")
    return checks


_SETTINGS = {  # key -> (Invocation field or gate, type, choices)
    "reduction": ("reduction", str, None), "dtype": ("dtype", str, ("float64", "float32")),
    "nan-policy": ("nan_policy", str, ("propagate", "raise", "omit")), "delimiter": ("delimiter", str, None),
    "broadcast": ("broadcast", bool, None), "fail-above": ("fail_above", float, None),
    "fail-below": ("fail_below", float, None), "expect": ("expect", float, None), "rtol": ("rtol", float, None),
    "atol": ("atol", float, None), "ci": ("ci", float, None), "ci-method": ("ci_method", str, ("analytic", "bootstrap", "bca")),
    "resamples": ("resamples", int, None), "seed": ("seed", int, None), "sample-offset": ("sample_offset", int, None),
    "by": ("by", str, None),
}
assert set(_SETTINGS) == CHECK_KEYS


def _invocation(i: int, c: dict, folder: Path):
    """(name, Invocation) of one [[check]] table, or a UsageError naming the check and the key."""
    from ..checks import Gates
    from ..engine import Invocation

    name = str(c.get("name", f"check {i}"))
    loss = c.get("loss")
    if not isinstance(loss, str) or (loss not in registry.BY_NAME and loss not in registry.ALIASES):
        names = ", ".join(s.name for s in registry.SPECS)
        raise UsageError(f"check {name!r}: key 'loss' must name a loss command ({names}), got {loss!r}")
    spec = registry.spec(loss)
    arrays = {a.key: a for a in spec.arrays}
    params = {p.key: p for p in spec.params}
    sources, values, settings, gates = {}, {}, {}, {}
    for key, value in c.items():
        if key in ("name", "loss"):
            continue
        if key in arrays:
            if isinstance(value, list):
                import json

                value = json.dumps(value)
            sources[key] = _resolve(_typed(name, key, value, str), folder)
        elif key in params:
            p = params[key]
            values[p.name] = _typed(name, key, value, {"float": float, "int": int, "bool": bool, "str": str}[p.type],
                                    p.choices, p.min, p.max)
        elif key in _SETTINGS:
            field, kind, choices = _SETTINGS[key]
            if key == "reduction":
                choices = spec.reductions
            typed = _typed(name, key, value, kind, choices, 0.0 if key in ("rtol", "atol") else None)
            if key == "by" and typed != "target":
                typed = _resolve(typed, folder)
            (gates if key in ("fail-above", "fail-below", "expect", "rtol", "atol") else settings)[field] = typed
        else:
            keys = sorted(set(arrays) | set(params) | CHECK_KEYS)
            raise UsageError(f"check {name!r}: unknown key {key!r} for {spec.name} (keys: {', '.join(keys)})")
    for a in spec.arrays:
        if a.required and a.key not in sources:
            raise UsageError(f"check {name!r}: {spec.name} needs {a.flag} (the key {a.key!r})")
    return name, Invocation(spec.name, sources, values, gates=Gates(**gates) or None, **settings)


def _typed(check: str, key: str, value, kind, choices=None, low=None, high=None):
    """A TOML value as the option's type (an integer where a float is expected is fine)."""
    ok = isinstance(value, kind) and not (kind is not bool and isinstance(value, bool))
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value, ok = float(value), True
    if not ok:
        raise UsageError(f"check {check!r}: --{key} must be {_KIND[kind]}, got {value!r}")
    if choices is not None and value not in choices:
        raise UsageError(f"check {check!r}: --{key} must be one of {', '.join(map(str, choices))}, got {value!r}")
    if (low is not None and value < low) or (high is not None and value > high):
        bounds = f"in [{low}, {high}]" if low is not None and high is not None else \
            (f">= {low}" if low is not None else f"<= {high}")
        raise UsageError(f"check {check!r}: --{key} must be {bounds}, got {value!r}")
    return value


_KIND = {float: "a number", int: "an integer", bool: "true or false", str: "a string"}


def _cluster(scheduler: str | None):
    import contextlib

    if not scheduler:
        return contextlib.nullcontext()
    from ..distributed import connect

    return connect(scheduler)


def _run(name: str, inv, shared: dict, client=None) -> dict:
    """Evaluate one check and its gates; its own elapsed time goes into the JUnit report."""
    from ..checks import Gates
    from ..engine import run
    from ..inputs import Sources
    from .shared import gate_failures

    started = time.perf_counter()
    if inv.delimiter not in shared:
        shared[inv.delimiter] = Sources(delimiter=inv.delimiter)
    try:
        if client is None:
            result = run(inv, shared[inv.delimiter])
        else:
            from ..distributed import run_on

            result = run_on(client, inv)
    except LossCliError as e:
        raise type(e)(f"check {name!r}: {e.render(registry.option_names(registry.spec(inv.loss)))}") from None
    gates = inv.gates or Gates()
    return {
        "name": name,
        "loss": inv.loss,
        "result": result,
        "rules": gates.rules(),
        "failures": gate_failures(result, gates),
        "time": time.perf_counter() - started,
    }


def _resolve(source: str, folder: Path) -> str:
    """A relative PATH or PATH:SELECTOR in a check resolves against the TOML file's folder."""
    if source == "-" or os.path.isabs(source):
        return source
    from ..datasets import matches  # a glob of shards resolves there too

    if (folder / source).exists() or matches(str(folder / source)):
        return str(folder / source)
    head, colon, selector = source.rpartition(":")
    if colon and head and ((folder / head).exists() or matches(str(folder / head))):
        return f"{folder / head}:{selector}"
    return source


# --- output --------------------------------------------------------------------------------


def _value_text(result) -> str:
    from ..render import human

    if result.value.ndim == 0:
        if result.ci is not None:
            low, high = human([result.ci["low"], result.ci["high"]], 4)
            return f"{human(result.value, 4)[0]} [{low}, {high}]"
        return human(result.value, 4)[0]
    return f"{result.value.size} values, max {human(result.value.max(), 4)[0]}"


def _table(outcomes) -> tuple[list[str], list[list[str]]]:
    header = ["check", "loss", "value", "rule", "result"]
    rows = [[o["name"], o["loss"], _value_text(o["result"]), "; ".join(o["rules"]) or "-",
             "FAIL" if o["failures"] else "PASS"] for o in outcomes]
    return header, rows


def _emit(outcomes, fmt: str, out) -> None:
    header, rows = _table(outcomes)
    passed = sum(not o["failures"] for o in outcomes)
    summary = f"{passed} passed, {len(outcomes) - passed} failed"
    if fmt == "json":
        import json

        from ..render import ci_json, group_json, json_values

        report = [{"name": o["name"], "loss": o["loss"], "value": json_values(o["result"].value),
                   "rules": o["rules"], "passed": not o["failures"], "failures": o["failures"],
                   "signature": o["result"].signature} for o in outcomes]
        for entry, o in zip(report, outcomes):
            if o["result"].ci is not None:
                entry["ci"] = ci_json(o["result"].ci)
            if o["result"].groups is not None:
                entry["groups"] = [group_json(g, False) for g in o["result"].groups]
        out.write(json.dumps({"checks": report, "passed": passed, "failed": len(outcomes) - passed}) + "\n")
    elif fmt == "md":
        from ..render import markdown_table

        for row in rows:
            row[-1] = "✅ PASS" if row[-1] == "PASS" else "❌ FAIL"
        out.write(markdown_table(header, rows) + f"\n{summary}\n")
    elif hasattr(out, "isatty") and out.isatty():
        from rich.console import Console
        from rich.table import Table

        table = Table(*header, caption=summary)
        for row in rows:
            table.add_row(*row[:-1], f"[{'green' if row[-1] == 'PASS' else 'red'}]{row[-1]}[/]")
        color = not os.environ.get("NO_COLOR")
        Console(file=out, no_color=not color, color_system="auto" if color else None).print(table)
    else:
        out.write("\t".join(header) + "\n" + "".join("\t".join(r) + "\n" for r in rows) + summary + "\n")


def junit(outcomes, suite: str, elapsed: float) -> str:
    """A JUnit XML report: one testsuite, one testcase per check, a <failure> per failed check."""
    from xml.etree import ElementTree as ET

    failed = sum(bool(o["failures"]) for o in outcomes)
    attrs = {"tests": str(len(outcomes)), "failures": str(failed), "errors": "0", "time": f"{elapsed:.6f}"}
    root = ET.Element("testsuites", name="losscli check", **attrs)
    suite_el = ET.SubElement(root, "testsuite", name=suite, skipped="0", **attrs)
    for o in outcomes:
        case = ET.SubElement(suite_el, "testcase", name=o["name"], classname=f"losscli.{o['loss']}",
                             time=f"{o['time']:.6f}")
        if o["failures"]:
            failure = ET.SubElement(case, "failure", message=o["failures"][0], type="check failed")
            failure.text = "\n".join(o["failures"] + [o["result"].signature])
        ET.SubElement(case, "system-out").text = f"{o['loss']} = {_value_text(o['result'])} ({o['result'].signature})"
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
