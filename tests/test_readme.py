"""The README is the front door: its Quickstart and every example in it must be true."""

import pathlib
import re
import subprocess

import pytest

from losscli.registry import BY_NAME as LOSSES

ROOT = pathlib.Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def _examples():
    """(command, expected output) for each `$ ` line of the README's console blocks."""
    for block in re.findall(r"```console\n(.*?)```", README, flags=re.S):
        for chunk in re.split(r"^\$ ", block, flags=re.M)[1:]:
            command, _, output = chunk.partition("\n")
            yield command, output


EXAMPLES = list(_examples())


@pytest.mark.parametrize("command,output", EXAMPLES, ids=[c[:60] for c, _ in EXAMPLES])
def test_readme_example_prints_what_the_readme_shows(command, output):
    result = subprocess.run(["bash", "-c", command], capture_output=True, text=True, cwd=ROOT)
    assert result.stdout + result.stderr == output


def test_quickstart_holds_exactly_two_commands():
    section = README.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    (block,) = re.findall(r"```sh\n(.*?)```", section, flags=re.S)
    commands = [line for line in block.splitlines() if line.strip()]
    assert len(commands) == 2
    assert "samples/" in commands[0] and "pytest" in commands[1]
    assert commands[1] in (ROOT / ".ci" / "run").read_text(), ".ci/run must run the README's test command"


def test_every_command_is_in_the_readme_table():
    for name in LOSSES:
        assert re.search(rf"^\| [^|]+ \| `{re.escape(name)}` \|", README, flags=re.M), name
