"""What the command-line tests share: the repository's paths, the in-process runner, the entry
point in this process or in a real one, the one-line error check, and NumPy files as bytes."""

import contextlib
import io
import os
import pathlib
import signal
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


def losscli(*args, input=None, env=None, cwd=ROOT):
    """The entry point in a real process (exit codes, stderr, signals); input is text or bytes."""
    result = subprocess.run([sys.executable, "-m", "losscli", *map(str, args)], capture_output=True, cwd=cwd,
                            input=input.encode() if isinstance(input, str) else input,
                            env={**os.environ, **(env or {})}, check=False)
    return subprocess.CompletedProcess(result.args, result.returncode, _text(result.stdout), _text(result.stderr))


def main_in_process(*args, input=None, env=None, cwd=ROOT) -> subprocess.CompletedProcess:
    """`losscli ARGS` through the console entry point (losscli.cli.main) in this process: the exit
    status, stdout and stderr that `losscli()`'s real process gives, in ~5 ms instead of ~300 ms.
    What only a real process shows (signals, start-up imports, the interpreter's own exit) needs
    `losscli()`."""
    from typer._click import formatting

    from losscli.cli import main

    args = [str(a) for a in args]
    handlers = {s: signal.getsignal(s) for s in (signal.SIGPIPE, signal.SIGTERM)}  # main() sets both
    argv, old_cwd = sys.argv, os.getcwd()
    with runner.isolation(input=input, env=env) as (out, err, _):
        formatting.FORCED_WIDTH = None  # the runner's 80 columns; a process takes COLUMNS, as here
        sys.argv = ["losscli", *args]
        os.chdir(cwd)
        try:
            main()
            code = 0
        except SystemExit as e:  # the interpreter's rules for sys.exit(code)
            code = e.code if isinstance(e.code, int) else 0 if e.code is None else 1
            if not isinstance(e.code, (int, type(None))):
                sys.stderr.write(f"{e.code}\n")
        finally:
            with contextlib.suppress(Exception):
                sys.stdout.flush()
                sys.stderr.flush()
            sys.argv = argv
            os.chdir(old_cwd)
            for number, handler in handlers.items():
                if handler is not None:
                    signal.signal(number, handler)
        return subprocess.CompletedProcess(["losscli", *args], code, _text(out.getvalue()), _text(err.getvalue()))


def _text(data: bytes) -> str:
    """Bytes as `subprocess.run(text=True)` reads them (UTF-8, universal newlines)."""
    return data.decode().replace("\r\n", "\n").replace("\r", "\n")


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
