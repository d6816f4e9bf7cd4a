"""What the command-line tests share: the repository's paths, the in-process runner, a real
process, the one-line error check, and NumPy files as bytes."""

import io
import os
import pathlib
import subprocess
import sys

import numpy as np
from typer.testing import CliRunner

ROOT = pathlib.Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
runner = CliRunner()


def run(*args, input=None):
    """`losscli ARGS` in-process (Typer's runner); a bug's exception is raised, not swallowed."""
    from losscli.cli import app

    result = runner.invoke(app, [str(a) for a in args], input=input)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def losscli(*args, input=None, env=None):
    """The entry point in a real process (exit codes, stderr, signals)."""
    return subprocess.run([sys.executable, "-m", "losscli", *map(str, args)], input=input, capture_output=True,
                          text=True, cwd=ROOT, env={**os.environ, **(env or {})}, check=False)


def assert_one_error_line(result, words=()) -> str:
    """Exit 2, nothing on stdout, one line on stderr that says `losscli: error:` and the words."""
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("losscli: error: "), result.stderr
    for word in words:
        assert word in lines[0], (word, lines[0])
    return lines[0]


def npy_bytes(array) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def npz_bytes(**arrays) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()
