"""The README and docs/ are the front door: every example in them must print what they show.

Each `$ ` line of a ```console block in README.md and docs/*.md runs in bash from the repository
root, with `losscli` meaning this tree's code; its stdout then stderr must equal the lines under
it. A plain `losscli ARGS` line (no pipe, redirection, expansion or glob for the shell) runs
through the entry point in the test process in the quick run and in bash in the slow run. When the outputs change on purpose, `python tests/test_readme.py --update` reruns every
example and rewrites the shown outputs (review the diff before committing it).
"""

import os
import pathlib
import re
import shlex
import subprocess
import sys
import tempfile

import pytest
from helpers import main_in_process

ROOT = pathlib.Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
PAGES = [README, *sorted((ROOT / "docs").glob("*.md"))]
CONSOLE = re.compile(r"^```console\n(.*?)^```", flags=re.S | re.M)
# Words of the project's own history and plans, which mean nothing to a reader of the docs.
INTERNAL = re.compile(r"\bissues?\b|(?<![-\w])target \d|\bthe spec\b|\bas here\b|\bperformance target", re.I)
FIRST_SCREEN = 60  # lines


def examples(text: str):
    """(command, expected output) for each `$ ` line of the console blocks of a page."""
    for block in CONSOLE.findall(text):
        yield from block_examples(block)


def block_examples(block: str):
    for chunk in re.split(r"^\$ ", block, flags=re.M)[1:]:
        command, _, output = chunk.partition("\n")
        yield command, output


def shell(command: str) -> str:
    """stdout then stderr of `command` in bash at the repository root, `losscli` being this tree."""
    with tempfile.TemporaryDirectory() as bin_dir:
        shim = pathlib.Path(bin_dir, "losscli")
        shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m losscli "$@"\n')
        shim.chmod(0o755)
        env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
               "PYTHONPATH": str(ROOT), "COLUMNS": "100"}
        env.pop("NO_COLOR", None)
        result = subprocess.run(["bash", "-c", command], capture_output=True, text=True, cwd=ROOT, env=env)
    return result.stdout + result.stderr


# Outside quotes, what bash would act on; inside double quotes, what it would expand.
SHELL_SYNTAX = re.compile(r"[|&;<>()$`\\*?\[\]~{}=#]")
EXPANDED_IN_DOUBLE_QUOTES = re.compile(r'"[^"]*[$`\\][^"]*"')


def plain_args(command: str) -> list[str] | None:
    """The arguments of a `losscli ARGS` example that bash would pass on as written, else None."""
    unquoted = re.sub(r"'[^']*'|\"[^\"]*\"", "", command)
    if SHELL_SYNTAX.search(unquoted) or EXPANDED_IN_DOUBLE_QUOTES.search(command):
        return None
    args = shlex.split(command)
    return args[1:] if args and args[0] == "losscli" else None


def in_process(args: list[str]) -> str:
    """stdout then stderr of `losscli ARGS` through the entry point in this process, in the
    environment `shell` gives."""
    result = main_in_process(*args, env={"COLUMNS": "100", "NO_COLOR": None})
    return result.stdout + result.stderr


def update(page: pathlib.Path) -> int:
    """Rewrite the shown output of every example of a page from a real run; the number changed."""
    changed = 0

    def block(match: re.Match) -> str:
        nonlocal changed
        out = []
        for command, output in block_examples(match.group(1)):
            actual = shell(command)
            changed += actual != output
            out.append(f"$ {command}\n{actual}")
        return "```console\n" + "".join(out) + "```"

    text = page.read_text()
    page.write_text(CONSOLE.sub(block, text))
    return changed


CASES = [(page, command, output) for page in PAGES for command, output in examples(page.read_text())]
# A plain example runs in-process (quick) and in bash (slow); one that needs the shell, in bash.
RUNS = [pytest.param(page, command, output, how, id=f"{page.relative_to(ROOT)}: {command[:60]} [{how}]",
                     marks=[pytest.mark.slow] if how == "bash" and plain_args(command) is not None else [])
        for page, command, output in CASES
        for how in (["in-process", "bash"] if plain_args(command) is not None else ["bash"])]


# An example of an optional extra (losscli[dask], losscli[remote]) runs where the extra is installed,
# as in CI (.ci/run installs both); elsewhere it is skipped, saying which extra it needs. Examples
# of what is refused without reaching the extra (ctc on a cluster) run everywhere.
EXTRAS = (("--scheduler", "distributed", "dask"), ("://", "fsspec", "remote"))


def missing_extra(command: str, output: str) -> str | None:
    import importlib.util

    for words, module, extra in EXTRAS:
        if words in command and not output.startswith("losscli: error") and importlib.util.find_spec(module) is None:
            return extra
    return None


@pytest.mark.parametrize("page,command,output,how", RUNS)
def test_example_prints_what_the_page_shows(page, command, output, how):
    extra = missing_extra(command, output)
    if extra is not None:
        pytest.skip(f"needs the {extra} extra: pip install '.[{extra}]'")
    actual = in_process(plain_args(command)) if how == "in-process" else shell(command)
    assert actual == output, f"{page.name}: run `python tests/test_readme.py --update` if this is intended"


def test_plain_examples_are_told_from_shell_ones():
    assert plain_args("losscli mse --pred '1;2' --target \"3,4\" -q") == ["mse", "--pred", "1;2", "--target", "3,4", "-q"]
    assert plain_args("losscli mse --pred 'a/*.parquet:y' --target a.csv:y") == ["mse", "--pred", "a/*.parquet:y",
                                                                                   "--target", "a.csv:y"]
    for command in ["losscli mse -p 1 -t 2 | head -1", "losscli mse -p 1 -t 2 > out.json", "losscli mse -p a/*.csv",
                    "losscli mse -p <(cut -f1 x)", "losscli mse -p \"$X\"", "X=1 losscli mse", "cat x | losscli mse",
                    "python -c 'print(1)'", "losscli mse -p ~/x.csv", "losscli mse -p 1 -t 2; losscli l1"]:
        assert plain_args(command) is None, command
    assert sum(plain_args(c) is not None for _, c, _ in CASES) >= len(CASES) // 2


def test_no_example_reads_what_another_example_wrote():
    # the examples run in any order, on any of the test workers: one that needs a file written by
    # another is one `$` line (`a > f && b f`, or a pipe)
    for page, command, _ in CASES:
        written = re.findall(r"(?:>|-o|--output)\s*(/tmp/\S+)", command)
        for other_page, other, _ in CASES:
            if other != command:
                assert not any(path in other for path in written), (page.name, command, other)


def test_every_page_has_examples_and_docs_are_linked_from_the_readme():
    readme = README.read_text()
    for page in PAGES[1:]:
        assert f"(docs/{page.name})" in readme, f"README.md does not link docs/{page.name}"
    assert len(CASES) >= 40


def quickstart() -> list[str]:
    section = README.read_text().split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    (block,) = re.findall(r"```sh\n(.*?)```", section, flags=re.S)
    return [line for line in block.splitlines() if line.strip()]


def test_quickstart_holds_exactly_two_commands():
    commands = quickstart()
    assert len(commands) == 2
    assert "samples/" in commands[0] and "pytest" in commands[1]
    assert commands[1] in (ROOT / ".ci" / "run").read_text(), ".ci/run must run the README's test command"
    assert "-e " not in commands[1], "an editable install makes every later call slower"


def test_quickstart_loss_command_runs():
    command = quickstart()[0].split("&&", 1)[1].strip()
    assert shell(command).startswith("mse: 0.2500  (")


def test_first_screen_has_the_quickstart_the_losses_and_ci():
    head = "\n".join(README.read_text().splitlines()[:FIRST_SCREEN])
    assert "## Quickstart" in head and "pytest" in head
    assert "| `mse`" in head or "`mse`" in head.split("## Losses", 1)[1]
    assert "`ctc`" in head, "the whole loss table"
    assert "losscli check" in head and "GITHUB_STEP_SUMMARY" in head, "the CI recipe"


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_no_internal_vocabulary(page):
    hits = [f"{i}: {line}" for i, line in enumerate(page.read_text().splitlines(), 1) if INTERNAL.search(line)]
    assert not hits, "\n".join(hits)


def loss_table(text: str) -> str:
    return text.split("## Losses", 1)[1].split("\n## ", 1)[0]


def test_every_command_is_in_the_readme_table():
    from losscli.registry import BY_NAME as LOSSES

    table = "\n".join(line for line in loss_table(README.read_text()).splitlines() if line.startswith("|"))
    for name in LOSSES:
        assert re.search(rf"`{re.escape(name)}`", table), name


def test_every_command_has_a_row_in_docs_losses():
    from losscli.registry import BY_NAME as LOSSES

    text = (ROOT / "docs" / "losses.md").read_text()
    for name in LOSSES:
        assert re.search(rf"^\| [^|]+ \| `{re.escape(name)}` \|", text, flags=re.M), name


if __name__ == "__main__":
    if sys.argv[1:] != ["--update"]:
        sys.exit("usage: python tests/test_readme.py --update   (rewrites the outputs shown in README.md and docs/)")
    for page in PAGES:
        print(f"{page.relative_to(ROOT)}: {update(page)} outputs changed")
