"""`losscli check FILE`: many loss checks in one run, declared in a TOML file, for CI.

Each [[check]] names a loss command and gives its options under their command-line names
(without the dashes); the options go through the same parser as the command line, so a check
accepts exactly what the command accepts. Checks that read the same file share one read.
"""

import os
import time
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import LossCliError, UsageError
from .shared import CHECK_SESSION, OPTION_NAMES, SOURCE, app, evaluate, fail, write_output

# Output options make no sense inside a check: the check's own table is the output.
NOT_CHECK_KEYS = {"format", "quiet", "precision", "top", "hist", "no-color", "output", "grad", "help"}


class CheckFormat(str, Enum):
    text = "text"
    json = "json"
    md = "md"


@app.command("check", rich_help_panel="CI")
def check(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="A TOML file of [[check]] tables.", show_default=False)],
    fmt: Annotated[CheckFormat, typer.Option("--format", "-f", help="text, json, or md (for a pull request or a CI summary).")] = CheckFormat.text,
    junit_xml: Annotated[Optional[str], typer.Option("--junit-xml", metavar="PATH", help="Also write a JUnit XML report (one testcase per check).")] = None,
) -> None:
    """Run the loss checks of a TOML file; exit 1 if any fails, 2 if the file is invalid."""
    started = time.perf_counter()
    try:
        checks = _read(file)
        shared: dict = {}  # one Sources per delimiter, so checks share each file's read
        outcomes = [_timed(_run, c, file.parent, shared) for c in _parse(checks)]
    except LossCliError as e:
        fail(e.render(OPTION_NAMES), e.exit_code)
    elapsed = time.perf_counter() - started
    try:
        write_output(None, lambda out: _emit(outcomes, fmt.value, out))
        if junit_xml:
            write_output(junit_xml, lambda out: out.write(junit(outcomes, str(file), elapsed)))
    except LossCliError as e:
        fail(e.render(OPTION_NAMES), e.exit_code)
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


def _parse(checks: list[dict]):
    """Yield (name, loss, command, argv) for each check, or raise naming the check and the key."""
    from typer.main import get_command

    commands = get_command(app).commands
    from .shared import LOSSES

    for i, c in enumerate(checks, 1):
        name = str(c.get("name", f"check {i}"))
        loss = c.get("loss")
        if loss not in LOSSES:
            raise UsageError(f"check {name!r}: key 'loss' must name a loss command ({', '.join(LOSSES)}), got {loss!r}")
        command = commands[loss]
        options = {opt: p for p in command.params for opt in p.opts + p.secondary_opts}
        argv = []
        for key, value in c.items():
            if key in ("name", "loss"):
                continue
            flag = f"--{key}"
            if key in NOT_CHECK_KEYS or flag not in options:
                keys = sorted({o[2:] for o in options if o.startswith("--")} - NOT_CHECK_KEYS)
                raise UsageError(f"check {name!r}: unknown key {key!r} for {loss} (keys: {', '.join(keys)})")
            argv += _argv(flag, value, options)
        yield name, loss, command, argv


def _argv(flag: str, value, options: dict) -> list[str]:
    import json

    if isinstance(value, bool):
        negative = f"--no-{flag[2:]}"
        return [flag] if value else ([negative] if negative in options else [])
    if isinstance(value, list):
        return [flag, json.dumps(value)]
    return [flag, str(value)]


def _run(parsed, folder: Path, shared: dict) -> dict:
    """Parse one check's options as the command line would, then evaluate it and its gates."""
    from typer._click.exceptions import ClickException

    from ..checks import failures
    from ..inputs import Sources

    name, loss, command, argv = parsed
    argv = [_resolve(a, folder) if i and argv[i - 1] in _source_flags(command) else a for i, a in enumerate(argv)]
    session: list = []
    token = CHECK_SESSION.set(session)
    try:
        with command.make_context(loss, argv) as ctx:
            command.invoke(ctx)
    except ClickException as e:
        raise UsageError(f"check {name!r}: {e.format_message()}") from None
    except typer.Exit:  # the command reported an error already
        raise UsageError(f"check {name!r}: see the error above") from None
    finally:
        CHECK_SESSION.reset(token)
    (_, fn, kwargs, settings), = session
    if settings.delimiter not in shared:
        shared[settings.delimiter] = Sources(delimiter=settings.delimiter) if settings.delimiter else Sources()
    sources = shared[settings.delimiter]
    try:
        result = evaluate(loss, fn, kwargs, settings, sources)
    except LossCliError as e:
        raise type(e)(f"check {name!r}: {e.render(OPTION_NAMES)}") from None
    return {
        "name": name,
        "loss": loss,
        "result": result,
        "rules": settings.gates.rules(),
        "failures": failures(loss, result.value, settings.gates),
    }


def _timed(run, *args) -> dict:
    """run(*args), an outcome, with its own wall time in seconds (JUnit's testcase time). A
    check that reads a file first pays for the read the later checks share."""
    started = time.perf_counter()
    outcome = run(*args)
    outcome["time"] = time.perf_counter() - started
    return outcome


def _source_flags(command) -> set[str]:
    return {o for p in command.params if getattr(p, "metavar", None) == SOURCE for o in p.opts}


def _resolve(source: str, folder: Path) -> str:
    """A relative PATH or PATH:SELECTOR in a check resolves against the TOML file's folder."""
    if source == "-" or os.path.isabs(source):
        return source
    if (folder / source).exists():
        return str(folder / source)
    head, colon, selector = source.rpartition(":")
    if colon and head and (folder / head).exists():
        return f"{folder / head}:{selector}"
    return source


# --- output --------------------------------------------------------------------------------


def _value_text(result) -> str:
    from ..render import human

    if result.value.ndim == 0:
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

        from ..render import json_values

        report = [{"name": o["name"], "loss": o["loss"], "value": json_values(o["result"].value),
                   "rules": o["rules"], "passed": not o["failures"], "failures": o["failures"],
                   "signature": o["result"].signature} for o in outcomes]
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
        Console(file=out, no_color=bool(os.environ.get("NO_COLOR"))).print(table)
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
