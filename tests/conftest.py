"""The `slow` marker: the long property and stress tests, which `python -m pytest` leaves out
(pyproject's addopts say `-m "not slow"`) and CI runs too (`.ci/run`: `-m slow`).

The tests named here take a second or more each (`python -m pytest -m "" --durations=30`): the
hypothesis runs of thousands of generated inputs, block-size sweeps over large files, the
benchmark smoke run, the Keras oracle's import, signals and pseudo-terminals. Every name must
match a collected test, so a renamed test cannot drop out of the slow run unnoticed.

Also slow: the real-process half of the `entry` fixture below, the later seeds of the differential
tests (marked where they are declared), and the page examples run in bash that
also run in-process (tests/test_readme.py). docs/testing.md says what is quick and why.
"""

import os
import signal

import pytest
import typer.main
import typer.testing
from hypothesis import settings

SLOW = {
    "test_hostile_inputs.py": [
        "test_any_document_or_its_mutation_reads_as_the_reference_or_is_refused",
        "test_any_bytes_read_as_the_reference_or_are_refused",
        "test_any_text_reads_as_the_reference_or_is_refused",
        "test_any_inline_text_reads_as_the_reference_or_is_refused",
        "test_integral_floats_are_class_indices_and_fractions_are_refused",
        "test_the_same_input_gives_the_same_bits_every_time",
    ],
    "test_stream.py": [
        "test_streamed_bits_do_not_depend_on_block_size",
        "test_last_line_without_newline_and_block_edges",
        "test_per_element_output_in_blocks_equals_the_whole",
    ],
    "test_benchmarks_smoke.py": ["test_quick_run_prints_the_table", "test_markdown_table",
                                 "test_blocks_and_engine_rows_run"],
    "test_compare.py": ["test_exact_permutation_p_and_interval_are_scipys"],
    "test_engine.py": ["test_every_loss_help_ends_with_its_examples"],
    "test_beyond_torch.py": ["test_log_cosh_against_keras"],
    "test_cli.py": ["test_pipe_closed_early_ends_quietly", "test_every_command_has_help_and_a_core_function"],
    "test_pipeline.py": ["test_no_color_on_a_terminal"],
    "test_distributed.py": ["test_local_one_liner"],  # starts a cluster of its own: 10-18 s
}


# The property tests of the quick run take their example count from a Hypothesis profile:
# "quick" (50 examples) by default, "ci" (400, at least what each test ran before the profiles)
# when HYPOTHESIS_PROFILE=ci, as .ci/run sets. The long ones of the slow run set their own counts.
settings.register_profile("quick", max_examples=50)
settings.register_profile("ci", max_examples=400)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "quick"))


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Each phase's report on the test item (item.rep_call), for fixtures that check in teardown
    what a test did only when it ran to the end (not when an absent oracle skipped it)."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def ran(request) -> bool:
    """The test of this fixture request ran and was not skipped."""
    report = getattr(request.node, "rep_call", None)
    return report is not None and not report.skipped


@pytest.fixture(autouse=True)
def _signal_handlers():
    """losscli.cli.main() sets SIGPIPE to its default (die) and SIGTERM for its process: a test
    that calls it in this one must not leave them so, or the worker dies at a later test's write
    to a closed pipe (pytest-xdist: "node down: Not properly terminated")."""
    saved = {s: signal.getsignal(s) for s in (signal.SIGPIPE, signal.SIGTERM)}
    yield
    for number, handler in saved.items():
        if handler is not None and signal.getsignal(number) is not handler:
            signal.signal(number, handler)


@pytest.fixture(params=["whole", "blocks"])
def mode(request, monkeypatch):
    """Read whole, or in blocks of 4 KiB (a large file's path), checked to be taken (a module may
    define its own: test_columnar checks its reader's blocks)."""
    from losscli import engine, stream

    if request.param == "blocks":
        monkeypatch.setattr(engine, "STREAM_BYTES", 1024)
        monkeypatch.setattr(stream, "BLOCK_BYTES", 4096)
        seen = []
        real = stream._lockstep
        monkeypatch.setattr(stream, "_lockstep", lambda *a: (seen.append(1), real(*a))[1])
        yield request.param
        assert seen or not ran(request), "not read in blocks"
    else:
        monkeypatch.setattr(engine, "STREAM_BYTES", 1 << 40)
        yield request.param


@pytest.fixture(params=["in-process", pytest.param("process", marks=pytest.mark.slow)])
def entry(request):
    """`entry(*args, input=, env=, cwd=)`: `losscli ARGS` through the console entry point, in this
    process in the quick run (helpers.main_in_process, ~5 ms) and in a real `python -m losscli`
    process in the slow run (helpers.losscli, ~300 ms): the same exit status, stdout and stderr."""
    import helpers

    return helpers.main_in_process if request.param == "in-process" else helpers.losscli


@pytest.hookimpl(tryfirst=True)  # before -m deselects by marker
def pytest_collection_modifyitems(config, items):
    modules = {}
    for item in items:
        modules.setdefault(item.path.name, item.module)
        if item.originalname in SLOW.get(item.path.name, ()):
            item.add_marker(pytest.mark.slow)
    missing = [f"{file}::{name}" for file, module in modules.items() for name in SLOW.get(file, ())
               if not hasattr(module, name)]
    if missing:
        raise pytest.UsageError(f"tests/conftest.py SLOW names tests that do not exist: {', '.join(missing)}")


# Typer turns the whole app (about 100 commands) into a Click group on every call, in its test
# runner and in `losscli list`/`--help` alike: ~120 ms, most of an in-process test's time. The
# group is the same until a command is added, so the tests build it once per command count.
# (The one-command apps of `losscli LOSS` are built afresh, as in a real run.)
_GROUPS = {}
_build_command = typer.main.get_command


def _command_of(app):
    from losscli.cli import shared

    if app is not shared.app:
        return _build_command(app)
    key = (len(app.registered_commands), len(app.registered_groups))
    if key not in _GROUPS:
        _GROUPS[key] = _build_command(app)
    return _GROUPS[key]


typer.main.get_command = typer.testing._get_command = _command_of
