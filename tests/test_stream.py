"""Large CSV files reduce in blocks (losscli/stream.py): same numbers, same bits, same errors."""

import io
import os
import json
import re

import numpy as np
import pytest
from hypothesis import strategies as st
from typer.testing import CliRunner

from losscli import stream
from losscli import engine, inputs
from losscli.cli import app
from losscli.errors import LossCliError, UsageError

runner = CliRunner()


STREAMED = []  # the Result of each engine run (None when it raised)


def _record(monkeypatch, into, what):
    real = engine.run

    def recorded(*a, **k):
        try:
            result = real(*a, **k)
        except Exception:
            into.append(what(None))
            raise
        into.append(what(result))
        return result

    monkeypatch.setattr(engine, "run", recorded)


@pytest.fixture
def small_blocks(monkeypatch):
    """Stream any file of 1 KB or more, in blocks of `size` bytes."""
    monkeypatch.setattr(engine, "STREAM_BYTES", 1024)
    STREAMED.clear()
    _record(monkeypatch, STREAMED, lambda result: result)

    def blocks(size):
        monkeypatch.setattr(stream, "BLOCK_BYTES", size)

    blocks(4096)
    return blocks


def run(*args):
    result = runner.invoke(app, [str(a) for a in args])
    return result


def result_json(*args):
    result = run(*args, "-f", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture
def table(tmp_path):
    rng = np.random.default_rng(5)
    n = 3000
    logits = rng.normal(size=(n, 3))
    labels = rng.integers(0, 3, size=n)
    p = rng.normal(size=n)
    path = tmp_path / "eval.csv"
    rows = [f"{a!r},{b!r},{c!r},{d!r},{e!r},{int(f)},{g!r}" for a, b, c, d, e, f, g in
            zip(p.tolist(), (p + rng.normal(size=n)).tolist(), *logits.T.tolist(), labels.tolist(),
                rng.uniform(size=n).tolist())]
    path.write_text("pred,target,l0,l1,l2,label,prob\n" + "\n".join(rows) + "\n")
    return path


CASES = [
    ["mse", "--pred", "{f}:pred", "--target", "{f}:target"],
    ["huber", "--pred", "{f}:pred", "--target", "{f}:target", "--delta", "0.3", "-r", "sum"],
    ["cross-entropy", "--pred", "{f}:l0,l1,l2", "--target", "{f}:label", "--weight", "1,2,0.5", "--label-smoothing", "0.1"],
    ["cross-entropy", "--pred", "{f}:3,4,5", "--target", "{f}:label", "--ignore-index", "2"],
    ["bce-with-logits", "--pred", "{f}:pred", "--target", "{f}:prob"],
    ["kl-div", "--pred", "{f}:prob,prob", "--pred-probs", "--target", "{f}:l0,l1", "--log-target", "-r", "batchmean"],
]


@pytest.mark.parametrize("args", CASES, ids=[" ".join(a[:1] + a[-2:]) for a in CASES])
def test_streamed_equals_whole_file(table, small_blocks, monkeypatch, args):
    args = [a.format(f=table) for a in args]
    streamed = result_json(*args)
    assert STREAMED[-1] is not None and STREAMED[-1].streamed
    monkeypatch.setattr(engine, "STREAM_BYTES", 1 << 40)  # never stream
    whole = result_json(*args)
    assert streamed["value"] == pytest.approx(whole["value"], rel=1e-12)
    assert streamed["partials"] == pytest.approx(whole["partials"], rel=1e-12)
    assert streamed["n"] == whole["n"] and streamed["shape"] == whole["shape"]


def test_streamed_bits_do_not_depend_on_block_size(table, small_blocks):
    values = set()
    for size in (512, 4096, 10_000, 1 << 20):
        small_blocks(size)
        values.add(run("mse", "--pred", f"{table}:pred", "--target", f"{table}:target", "-q").stdout)
    assert len(values) == 1


def test_a_bad_cell_in_a_large_file_is_reported_by_line(tmp_path, small_blocks):
    path = tmp_path / "big.csv"
    lines = [f"{i}.5,{i}" for i in range(2000)]
    lines[1500] = "1_000,3"
    path.write_text("p,t\n" + "\n".join(lines) + "\n")
    result = run("mse", "--pred", f"{path}:p", "--target", f"{path}:t")
    assert result.exit_code == 2 and STREAMED == [None]  # the blocks refused; the whole file says where
    assert "line 1502" in result.stderr and "'1_000'" in result.stderr


@pytest.mark.parametrize("body", ["{} , {}", "{},{}\n\n", "\"{}\",\"{}\""])
def test_messy_large_files_read_like_small_ones(tmp_path, small_blocks, monkeypatch, body):
    path = tmp_path / "messy.csv"
    path.write_text("\"p\",\"t\"\r\n" + "".join(body.format(i, i * 0.5) + "\r\n" for i in range(2000)))
    streamed = run("mse", "--pred", f"{path}:p", "--target", f"{path}:t", "-q").stdout
    monkeypatch.setattr(engine, "STREAM_BYTES", 1 << 40)
    assert streamed == run("mse", "--pred", f"{path}:p", "--target", f"{path}:t", "-q").stdout != ""


def test_nan_policy_omit_while_streaming(tmp_path, small_blocks, monkeypatch):
    path = tmp_path / "nan.csv"
    path.write_text("p,t\n" + "".join(f"{'nan' if i % 7 == 0 else i},{i + 1}\n" for i in range(2000)))
    args = ["mse", "--pred", f"{path}:p", "--target", f"{path}:t", "--nan-policy", "omit"]
    streamed = result_json(*args)
    monkeypatch.setattr(engine, "STREAM_BYTES", 1 << 40)
    whole = result_json(*args)
    assert streamed["omitted"] == whole["omitted"] == 286
    assert streamed["value"] == pytest.approx(whole["value"], rel=1e-12)


def test_a_number_beyond_float64_in_a_large_file_is_refused(tmp_path, small_blocks):
    path = tmp_path / "inf.csv"
    path.write_text("p,t\n" + "".join(f"{i},{i}\n" for i in range(2000)) + "1e999,1\ninf,inf\n")
    result = run("mse", "--pred", f"{path}:p", "--target", f"{path}:t")
    assert result.exit_code == 2 and "'1e999' is beyond the range of float64" in result.stderr


def test_last_line_without_newline_and_block_edges(tmp_path, small_blocks, monkeypatch):
    path = tmp_path / "edge.csv"
    path.write_text("p,t\n" + "\n".join(f"{i}.25,{i}" for i in range(3000)))  # no final newline
    values = set()
    for size in (64, 100, 4096, 1 << 20):  # lines cut at every possible place
        small_blocks(size)
        values.add(run("mse", "--pred", f"{path}:p", "--target", f"{path}:t", "-f", "json").stdout)
    assert len(values) == 1
    assert json.loads(values.pop())["n"] == 3000 and STREAMED[-1] is not None


def test_polars_accepts_no_number_that_losscli_refuses():
    import random
    import string

    import polars as pl

    from losscli.inputs import _NUMBER

    rng = random.Random(0)
    alphabet = string.printable.replace("\n", "").replace(",", "").replace("\r", "").replace('"', "") + "١_"
    tokens = ["1_000", "0x10", "true", "1d5", "1.5f", "0b1", "1j", "NA", "null", "+-1", "∞", "1e"] + [
        "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 6))) for _ in range(3000)]
    frame = pl.read_csv("\n".join(t + ",0" for t in tokens).encode(), has_header=False,
                        schema={"a": pl.Float64, "b": pl.Float64}, ignore_errors=True)
    parsed = frame["a"].to_list()
    assert len(parsed) == len(tokens)
    accepted = [t for t, v in zip(tokens, parsed) if v is not None and not _NUMBER.fullmatch(t)]
    assert accepted == []


class _Terminal:
    """A text stream that says it is a terminal, to see the progress bar."""

    def __init__(self):
        import io

        self.buffer = io.StringIO()

    def write(self, text):
        return self.buffer.write(text)

    def flush(self):
        pass

    def isatty(self):
        return True


def test_progress_bar_only_on_a_terminal_after_a_second():
    from losscli.render import ReadProgress

    quiet = ReadProgress("reading big.csv", enabled=False, stream=_Terminal())
    quiet(10, 100)
    assert quiet.bar is None
    fast = ReadProgress("reading big.csv", enabled=True, stream=_Terminal())
    fast(10, 100)  # not a second yet: nothing shown
    assert fast.bar is None
    slow = ReadProgress("reading big.csv", enabled=True, stream=_Terminal())
    slow.started -= 2
    slow(50, 100)
    assert slow.bar is not None
    slow.close()
    piped = ReadProgress("reading big.csv", enabled=True, stream=__import__("io").StringIO())
    piped.started -= 2
    piped(50, 100)
    assert piped.bar is None  # not a terminal


BLOCKED = []  # whether the per-element output was written a block at a time, per run


@pytest.fixture
def small_npy_blocks(monkeypatch):
    monkeypatch.setattr(engine, "STREAM_BYTES", 1024)
    monkeypatch.setattr(stream, "BLOCK_BYTES", 4096)
    BLOCKED.clear()
    _record(monkeypatch, BLOCKED, lambda result: result is not None and result.blocks is not None)


@pytest.mark.parametrize("fmt", [["-f", "csv"], ["-f", "tsv"], ["-f", "jsonl"], ["-q"]])
def test_per_element_output_in_blocks_equals_the_whole(tmp_path, table, small_npy_blocks, monkeypatch, fmt):
    rng = np.random.default_rng(2)
    np.save(tmp_path / "p.npy", rng.normal(size=(3000, 2)))
    np.save(tmp_path / "t.npy", rng.normal(size=(3000, 2)))
    for args in (["mse", "--pred", tmp_path / "p.npy", "--target", tmp_path / "t.npy"],
                 ["cross-entropy", "--pred", f"{table}:l0,l1,l2", "--target", f"{table}:label"]):
        blocked = run(*args, "-r", "none", *fmt)
        assert BLOCKED[-1] is True
        monkeypatch.setattr(engine, "STREAM_BYTES", 1 << 40)
        whole = run(*args, "-r", "none", *fmt)
        assert BLOCKED[-1] is False
        monkeypatch.setattr(engine, "STREAM_BYTES", 1024)
        assert blocked.exit_code == whole.exit_code == 0
        assert blocked.stdout == whole.stdout and blocked.stdout.count("\n") >= 3000


def test_an_error_in_a_late_block_leaves_stdout_empty(tmp_path, small_npy_blocks):
    labels = np.zeros(3000)
    labels[2900] = 7  # out of range for 3 classes, in the last block
    np.save(tmp_path / "x.npy", np.zeros((3000, 3)))
    np.save(tmp_path / "y.npy", labels)
    result = run("cross-entropy", "--pred", tmp_path / "x.npy", "--target", tmp_path / "y.npy", "-r", "none",
                 "-f", "csv")
    assert BLOCKED == [False]  # the blocks refused: the whole input reports where
    assert result.exit_code == 2 and result.stdout == ""
    assert "class index 7 at position 2900" in result.stderr


# --------------------------------------------------------------------------------------------
# stream.row_blocks, the engine's reader: the same arrays and the same messages as Sources.load,
# for files, stdin and pipes, in blocks cut at every size


def _blocks_of(per_sample, stdin=None, delimiter=None, min_bytes=0):
    """row_blocks' rows put together, 'small' (None), or its error message."""
    from losscli.inputs import Sources

    sources = Sources(stdin=io.BytesIO(stdin) if stdin is not None else None, delimiter=delimiter)
    try:
        blocks = stream.row_blocks(per_sample, sources, min_bytes)
        if blocks is None:
            return None, sources
        blocks = list(blocks)
    except LossCliError as e:
        return f"{type(e).__name__}: {e}", sources
    return {option: np.concatenate([b[option] for b in blocks]) if blocks else None for option in per_sample}, sources


def _whole(per_sample, stdin=None, delimiter=None, sources=None):
    from losscli.inputs import Sources

    sources = sources or Sources(stdin=io.BytesIO(stdin) if stdin is not None else None, delimiter=delimiter)
    try:
        return {option: sources.load(option, source) for option, source in per_sample.items()}
    except LossCliError as e:
        return f"{type(e).__name__}: {e}"


def _agree(got, want):
    if isinstance(got, str) or isinstance(want, str):
        assert got == want
        return
    for option, array in want.items():
        if got[option] is None:  # no rows at all: only an empty .npy reads so
            assert array.shape[0] == 0
            continue
        assert got[option].shape == array.shape, option
        np.testing.assert_array_equal(got[option], array)


def _pipe(content: bytes) -> str:
    """A pipe holding CONTENT, as /dev/fd/N (like bash's process substitution); closed at exit."""
    import os
    import threading

    r, w = os.pipe()

    def feed():
        with os.fdopen(w, "wb") as f:
            f.write(content)

    threading.Thread(target=feed, daemon=True).start()
    PIPES.append(r)
    return f"/dev/fd/{r}"


PIPES = []


@pytest.fixture
def tiny_blocks(monkeypatch):
    monkeypatch.setattr(stream, "BLOCK_BYTES", 16)
    monkeypatch.setattr(stream, "HEAD_BYTES", 64)
    yield
    import os

    while PIPES:
        try:
            os.close(PIPES.pop())
        except OSError:
            pass


def _hostile_cases():
    import test_hostile_inputs as hostile

    cases = [(c[0], c[1], c[2], c[3], c[4]) for c in hostile.VALID]
    cases += [(c[0], c[1], c[2], c[3], c[4]) for c in hostile.INVALID if not (c[5] is UsageError and c[4])]
    return cases


HOSTILE = _hostile_cases()


@pytest.mark.parametrize("how", ["file", "pipe"])
@pytest.mark.parametrize("name, content, selector, delimiter", [c[1:] for c in HOSTILE], ids=[c[0] for c in HOSTILE])
def test_blocks_read_every_hostile_case_as_the_whole_reader(tmp_path, tiny_blocks, how, name, content, selector,
                                                            delimiter):
    data = content.encode() if isinstance(content, str) else content
    if name == "-":
        if how == "pipe":
            pytest.skip("stdin is the pipe case already")
        per = {"--pred": "-" + selector}
        got, _ = _blocks_of(per, stdin=data, delimiter=delimiter)
        want = _whole(per, stdin=data, delimiter=delimiter)
    elif how == "file":
        path = tmp_path / name
        path.write_bytes(data)
        per = {"--pred": f"{path}{selector}"}
        got, _ = _blocks_of(per, delimiter=delimiter)
        want = _whole(per, delimiter=delimiter)
    else:  # a pipe has no extension: it is sniffed, and read once, whether in blocks or whole
        per = {"--pred": _pipe(data) + selector}
        got, sources = _blocks_of(per, delimiter=delimiter)
        if got is None:  # read whole: from what row_blocks already took of the pipe, and the rest
            got = _whole(per, sources=sources)
        want = _whole({"--pred": _pipe(data) + selector}, delimiter=delimiter)
        if isinstance(want, str):
            want = re.sub(r"/dev/fd/\d+", "PIPE", want)
            got = re.sub(r"/dev/fd/\d+", "PIPE", got) if isinstance(got, str) else got
    if got is None:
        return  # read whole (a JSON document, .npz): the whole reader's own tests cover it
    _agree(got, want)


def test_blocks_of_any_document_or_its_mutation_agree_with_the_whole_reader(tmp_path):
    from hypothesis import HealthCheck, given, settings

    import test_hostile_inputs as hostile

    examples = {"max_examples": int(os.environ["BLOCK_EXAMPLES"])} if "BLOCK_EXAMPLES" in os.environ else {}

    @settings(**examples, deadline=None, suppress_health_check=list(HealthCheck))  # else the profile's count
    @given(hostile.documents(), hostile.edits, st.sampled_from([7, 16, 64, 4096]))
    def check(document, changes, size):
        ext, data, selector, _ = document
        data = hostile.mutate(data, changes) if changes else data
        stream.BLOCK_BYTES, stream.HEAD_BYTES = size, max(size, 64)
        try:
            suffix = "" if selector is None else ":" + selector
            if ext == "-":
                per = {"--pred": "-" + suffix}
                got, _ = _blocks_of(per, stdin=data)
                want = _whole(per, stdin=data)
            else:
                path = tmp_path / ("f." + ext if ext else "f")
                path.write_bytes(data)
                per = {"--pred": f"{path}{suffix}"}
                got, _ = _blocks_of(per)
                want = _whole(per)
        finally:
            stream.BLOCK_BYTES, stream.HEAD_BYTES = BLOCK, HEAD
        if isinstance(got, str) and isinstance(want, str) and SELECTION.search(got) and got != want:
            # By design: a selector that names no column is refused at once, from the header, not
            # after reading the file for a worse error (a short row) as the whole reader finds first.
            assert not SELECTION.search(want), (got, want)
            return
        if got is not None:
            _agree(got, want)

    check()


BLOCK, HEAD = stream.BLOCK_BYTES, stream.HEAD_BYTES


@pytest.mark.parametrize("size", [7, 16, 32])
@pytest.mark.parametrize("line", [b"0.0\r,0.0,0.0E+00", b"0.0,0.0\r,0.0E+00", b"0.0,0.0\r,0.0E+00\n"])
def test_a_lone_carriage_return_ends_a_line_in_blocks_as_in_the_whole_reader(tmp_path, monkeypatch, size, line):
    # polars reads "0.0\r" as a number; the csv module (the whole reader) ends the line there
    monkeypatch.setattr(stream, "BLOCK_BYTES", size)
    monkeypatch.setattr(stream, "HEAD_BYTES", max(size, 64))
    path = tmp_path / "f"
    path.write_bytes(b"0.0,0.0,0.0\n" * 8 + line)  # beyond the first 64 bytes: read in blocks
    per = {"--pred": str(path)}
    got, want = _blocks_of(per)[0], _whole(per)
    assert isinstance(want, str) and "line 9 has" in want, want
    _agree(got, want)
@pytest.mark.parametrize("size", [7, 16])
def test_a_bad_byte_after_a_lone_carriage_return_names_the_whole_readers_line(tmp_path, monkeypatch, size):
    # the whole file is decoded before the csv module ends a line at a lone '\r': '\n's count there
    monkeypatch.setattr(stream, "BLOCK_BYTES", size)
    monkeypatch.setattr(stream, "HEAD_BYTES", 64)
    path = tmp_path / "f.csv"
    path.write_bytes(b"0.0,0.0,0.0\n" * 6 + b"0.0,1.0\r,2.0\n" + b"0.0,0.0,0.0\n" * 2 + b"0.0,\x80,0.0\n")
    per = {"--pred": str(path)}
    got, want = _blocks_of(per)[0], _whole(per)
    assert isinstance(want, str) and "line 10 is not UTF-8 text" in want, want
    _agree(got, want)


@pytest.mark.parametrize("size", [16, 32])
def test_a_cell_not_a_number_outranks_an_earlier_one_beyond_float64(size, monkeypatch):
    # inputs._numbers looks for a cell that is not a number in every row before one out of range
    monkeypatch.setattr(stream, "BLOCK_BYTES", size)
    monkeypatch.setattr(stream, "HEAD_BYTES", 64)
    data = b"c0,c1\n" + b"0.0,1.0\n" * 6 + b"0.0,-1e999\n" + b"0.0,1.0\n" * 6 + b"0.0,0.0x\n"
    per = {"--pred": "-"}
    got, want = _blocks_of(per, stdin=data)[0], _whole(per, stdin=data)
    assert isinstance(want, str) and "line 15, column 2: '0.0x' is not a number" in want, want
    _agree(got, want)


SELECTION = re.compile(r"is out of range|no column|has no header row|appears \d+ times|index column|no key|selector")


def _table_text(n, seed=3, header="p,t"):
    rng = np.random.default_rng(seed)
    p, t = rng.normal(size=n), rng.normal(size=n)
    return (header + "\n" if header else "") + "".join(f"{a!r},{b!r}\n" for a, b in zip(p.tolist(), t.tolist())), p, t


def test_two_pipes_are_read_in_lockstep_once_each(tiny_blocks, monkeypatch):
    monkeypatch.setattr(stream, "BLOCK_BYTES", 1000)
    text, p, t = _table_text(3000)
    left = "".join(line.split(",")[0] + "\n" for line in text.splitlines())  # like <(cut -d, -f1 m.csv)
    right = "".join(line.split(",")[1] + "\n" for line in text.splitlines())
    got, sources = _blocks_of({"--pred": _pipe(left.encode()), "--target": _pipe(right.encode())})
    np.testing.assert_array_equal(got["--pred"], p)
    np.testing.assert_array_equal(got["--target"], t)
    assert sources.pending == {}  # nothing left for a second read


def test_sources_of_different_lengths_are_named_with_their_counts(tmp_path, tiny_blocks, monkeypatch):
    monkeypatch.setattr(stream, "BLOCK_BYTES", 1000)
    text, _, _ = _table_text(3000)
    (tmp_path / "short.csv").write_text(text[: text.index("\n", len(text) // 2) + 1])
    got, _ = _blocks_of({"--pred": _pipe(text.encode()) + ":p", "--target": f"{tmp_path / 'short.csv'}:t"})
    assert re.fullmatch(r"InputError: --target: \S+short.csv has 1,\d\d\d rows but /dev/fd/\d+ \(--pred\) has 3,000; "
                        r"each sample needs a row in both", got), got


def test_a_small_pipe_is_read_once_and_left_to_the_whole_reader(tiny_blocks):
    text, p, _ = _table_text(20)
    pipe = _pipe(text.encode())
    got, sources = _blocks_of({"--pred": pipe + ":p"}, min_bytes=len(text) + 1)
    assert got is None and sources.pending  # what row_blocks read waits for Sources.load
    np.testing.assert_array_equal(sources.load("--pred", pipe + ":p"), p)  # a pipe cannot be read twice
    assert sources.pending == {}


def test_a_large_pipe_read_whole_keeps_its_first_block(tiny_blocks):
    document = json.dumps({"p": list(range(100))}).encode()  # a JSON document is read whole
    pipe = _pipe(document)
    got, sources = _blocks_of({"--pred": pipe + ":p"})
    assert got is None
    np.testing.assert_array_equal(sources.load("--pred", pipe + ":p"), np.arange(100.0))


def test_stdin_in_blocks_shared_by_two_options(tiny_blocks, monkeypatch):
    monkeypatch.setattr(stream, "BLOCK_BYTES", 500)
    text, p, t = _table_text(2000)
    got, _ = _blocks_of({"--pred": "-:p", "--target": "-:t"}, stdin=text.encode())
    np.testing.assert_array_equal(got["--pred"], p)
    np.testing.assert_array_equal(got["--target"], t)
    got, _ = _blocks_of({"--pred": "-", "--target": "-:t"}, stdin=text.encode())
    assert got == "UsageError: --target: stdin is already read by --pred; at most one option can read '-' whole: give each its own columns, as --pred -:pred --target -:target"


def test_a_file_below_the_size_is_left_unopened(tmp_path, monkeypatch):
    import builtins

    text, p, t = _table_text(75_000)  # ~3 MB
    path = tmp_path / "m.csv"
    path.write_text(text)
    assert 2 << 20 < path.stat().st_size < 4 << 20
    opened = []
    real = builtins.open
    monkeypatch.setattr(builtins, "open", lambda file, *a, **k: opened.append(str(file)) or real(file, *a, **k))
    from losscli.inputs import Sources

    sources = Sources()
    per = {"--pred": f"{path}:p", "--target": f"{path}:t"}
    assert stream.row_blocks(per, sources, 4 << 20) is None  # decided from os.stat alone
    assert opened == []
    np.testing.assert_array_equal(sources.load("--pred", per["--pred"]), p)
    np.testing.assert_array_equal(sources.load("--target", per["--target"]), t)
    assert opened == [str(path)] and sources.reads == 1  # one read of the file for both options


@pytest.mark.parametrize("size", [60, 1000, 1 << 20])
def test_json_lines_records_in_blocks_equal_the_whole(tmp_path, tiny_blocks, monkeypatch, size):
    monkeypatch.setattr(stream, "BLOCK_BYTES", size)
    rng = np.random.default_rng(1)
    records = [{"pred": float(a), "target": float(b)} for a, b in rng.normal(size=(3000, 2))]
    records[1700]["pred"] = None  # null: NaN, in a later block
    path = tmp_path / "r.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    per = {"--pred": f"{path}:pred", "--target": f"{path}:target"}
    got, _ = _blocks_of(per)
    _agree(got, _whole(per))
    assert np.isnan(got["--pred"][1700])
    records[2900]["target"] = "0.5"  # a string: the whole reader's message, with its line
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    got, _ = _blocks_of(per)
    assert got == _whole(per) and "line 2901, key 'target': '0.5' is not a number" in got


def test_json_lines_on_stdin_are_sniffed_and_streamed(tiny_blocks, monkeypatch):
    monkeypatch.setattr(stream, "BLOCK_BYTES", 300)
    data = "".join(json.dumps({"p": i + 0.5, "t": i}) + "\n" for i in range(500)).encode()
    got, _ = _blocks_of({"--pred": "-:p", "--target": "-:t"}, stdin=data)
    np.testing.assert_array_equal(got["--pred"], np.arange(500) + 0.5)
    bad = data + b"{broken\n"
    got, _ = _blocks_of({"--pred": "-:p", "--target": "-:t"}, stdin=bad)
    assert got == _whole({"--pred": "-:p", "--target": "-:t"}, stdin=bad)  # the whole reader's message


def test_compressed_csv_in_blocks(tmp_path, tiny_blocks, monkeypatch):
    import gzip

    monkeypatch.setattr(stream, "BLOCK_BYTES", 700)
    text, p, t = _table_text(2000)
    path = tmp_path / "m.csv.gz"
    path.write_bytes(gzip.compress(text.encode()))
    got, _ = _blocks_of({"--pred": f"{path}:p", "--target": f"{path}:t"})
    np.testing.assert_array_equal(got["--pred"], p)
    np.testing.assert_array_equal(got["--target"], t)


def test_whitespace_text_and_missing_values_in_blocks(tmp_path, tiny_blocks, monkeypatch):
    monkeypatch.setattr(stream, "BLOCK_BYTES", 400)
    text, _, _ = _table_text(1500, header="")
    lines = text.splitlines()
    lines[1000] = "NA,1.5"
    csv_path = tmp_path / "m.csv"
    csv_path.write_text("\n".join(lines) + "\n")
    txt_path = tmp_path / "m.txt"
    txt_path.write_text("\n".join(line.replace(",", "  " if i % 2 else " ") for i, line in enumerate(lines)) + "\n")
    for path in (csv_path, txt_path):
        per = {"--pred": f"{path}:1", "--target": f"{path}:2"}
        got, _ = _blocks_of(per)
        _agree(got, _whole(per))
        assert np.isnan(got["--pred"][1000])


def test_npy_in_blocks_and_an_index_column_refused_in_blocks(tmp_path, tiny_blocks, monkeypatch):
    monkeypatch.setattr(stream, "BLOCK_BYTES", 800)
    array = np.random.default_rng(0).normal(size=(1000, 3))
    np.save(tmp_path / "x.npy", array)
    got, _ = _blocks_of({"--pred": f"{tmp_path / 'x.npy'}:1,3", "--target": f"{tmp_path / 'x.npy'}:2"})
    np.testing.assert_array_equal(got["--pred"], array[:, [0, 2]])
    np.testing.assert_array_equal(got["--target"], array[:, 1])
    index = tmp_path / "idx.csv"
    index.write_text(",a,b\n" + "".join(f"{i},{i}.5,{i}\n" for i in range(500)))
    got, _ = _blocks_of({"--pred": str(index)})
    assert got == _whole({"--pred": str(index)}) and "index column" in got


def test_windows_of_any_document_read_what_the_whole_reader_reads(tmp_path):
    """A file cut into windows (a distributed task's part of it: bytes of a text file, rows of an
    .npy one) at any points: where every window reads alone, their rows put together are the whole
    reader's, never rows the whole reader refuses; a window that cannot (WindowRefused, or an
    error) makes the caller read the file whole, so it may refuse more than the whole reader does."""
    from hypothesis import HealthCheck, given, settings

    import test_hostile_inputs as hostile

    examples = {"max_examples": int(os.environ["BLOCK_EXAMPLES"])} if "BLOCK_EXAMPLES" in os.environ else {}

    @settings(**examples, deadline=None, suppress_health_check=list(HealthCheck))
    @given(hostile.documents(), hostile.edits, st.lists(st.integers(0, 10**6), max_size=4),
           st.sampled_from([7, 16, 64, 4096]))
    def check(document, changes, cuts, size):
        ext, data, selector, _ = document
        if ext in ("-", "npz", "json"):
            return  # stdin and the formats read whole have no windows
        data = hostile.mutate(data, changes) if changes else data
        path = tmp_path / ("f." + ext if ext else "f")
        path.write_bytes(data)
        per = {"--pred": f"{path}" + ("" if selector is None else ":" + selector)}
        kind = "rows" if ext == "npy" else "bytes"
        extent = len(data) if kind == "bytes" else 40
        edges = sorted({0, extent, *(c % (extent + 1) for c in cuts)})
        stream.BLOCK_BYTES, stream.HEAD_BYTES = size, max(size, 64)
        parts = []
        try:
            for start, stop in zip(edges, edges[1:]):
                sources = inputs.Sources()
                try:
                    blocks = list(stream.row_blocks(per, sources, 0, window=(kind, start, stop)))
                except LossCliError as e:
                    if "holds no numbers" in str(e):
                        continue  # no line starts in it (the caller reads the file whole): the others still agree
                    return  # read whole by the caller
                except stream.WindowRefused:
                    return
                parts.extend(b["--pred"] for b in blocks)
        finally:
            stream.BLOCK_BYTES, stream.HEAD_BYTES = BLOCK, HEAD
        want = _whole(per)
        if not parts and isinstance(want, str) and "holds no numbers" in want:
            return  # no window held a line of numbers, nor does the file
        assert not isinstance(want, str), (want, data)  # every window read, but the whole is refused
        got = np.concatenate(parts) if parts else None
        if got is None:
            assert want["--pred"].shape[0] == 0
            return
        assert got.shape == want["--pred"].shape, data
        np.testing.assert_array_equal(got, want["--pred"])

    check()
