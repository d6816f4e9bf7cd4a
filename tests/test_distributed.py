"""--scheduler (losscli.distributed) on a real Dask LocalCluster of two worker processes: every
reduction of losses that run in blocks equals one machine's (rtol 1e-12 in float64), with --top,
--hist, --ci and gates; check and merge; a worker killed mid-job; a shard that fails to parse;
the refusals; and nothing of Dask imported without --scheduler."""

import json
import logging
import os
import subprocess
import sys

import numpy as np
import polars as pl
import pytest

from losscli import distributed, engine, stream
from losscli.checks import Gates
from losscli.engine import Invocation
from losscli.errors import InputError, UsageError
from tests.helpers import ROOT, assert_one_error_line, losscli, runner


def run(*args, input=None, env=None):
    """`losscli ARGS` in-process; a bug's exception is raised."""
    from losscli.cli import app

    result = runner.invoke(app, [str(a) for a in args], input=input, env=env)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result

dask_distributed = pytest.importorskip("distributed")

SIZES = [3001, 17, 5000, 1, 4099]  # shard rows: no shard boundary is a multiple of partials.BLOCK


@pytest.fixture(scope="module")
def cluster():
    """One LocalCluster for the module: two worker processes, one thread each."""
    with dask_distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=":0",
                                       silence_logs=logging.ERROR) as c, dask_distributed.Client(c) as client:
        yield c.scheduler_address, client


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """The same rows as a Parquet dataset (a Hive folder) and a CSV one, 5 shards of uneven sizes;
    and each CSV shard's rows as a file of its own (the one-machine reference reads the glob)."""
    root = tmp_path_factory.mktemp("dask")
    rng = np.random.default_rng(11)
    for i, n in enumerate(SIZES):
        logits = rng.normal(size=(n, 4)) * 2
        frame = pl.DataFrame({
            "score": rng.normal(size=n), "y": rng.normal(size=n), "label": rng.integers(0, 4, n),
            "p0": logits[:, 0], "p1": logits[:, 1], "p2": logits[:, 2], "p3": logits[:, 3],
            "prob": rng.uniform(size=n), "logit": rng.normal(size=n) * 3,
        })
        folder = root / "pq" / f"split={'a' if i < 3 else 'b'}"
        folder.mkdir(parents=True, exist_ok=True)
        frame.write_parquet(folder / f"part-{i}.parquet", row_group_size=700)
        (root / "csv").mkdir(exist_ok=True)
        frame.write_csv(root / "csv" / f"part-{i}.csv")
    _ROOT[:] = [root]
    return root


@pytest.fixture
def blocks(cluster, monkeypatch):
    """Shards read in blocks of a few hundred rows, on the workers too (not whole)."""
    _, client = cluster
    stream_bytes, block_bytes = 1024, 4096

    def setting(s=stream_bytes, b=block_bytes):
        from losscli import engine, stream

        engine.STREAM_BYTES, stream.BLOCK_BYTES = s, b

    default = (engine.STREAM_BYTES, stream.BLOCK_BYTES)
    monkeypatch.setattr(engine, "STREAM_BYTES", stream_bytes)
    monkeypatch.setattr(stream, "BLOCK_BYTES", block_bytes)
    client.run(setting)
    yield
    client.run(setting, *default)


_ROOT = []


def data_root():
    return _ROOT[0]


CASES = [
    # (loss, sources by key (in the CSV dataset), params, reductions)
    ("mse", {"pred": "score", "target": "y"}, {}, ["mean", "sum"]),
    ("huber", {"pred": "score", "target": "y"}, {"delta": 0.5}, ["mean", "sum"]),
    ("cross-entropy", {"pred": "p0,p1,p2,p3", "target": "label"}, {"label_smoothing": 0.2}, ["mean", "sum"]),
    ("cross-entropy", {"pred": "p0,p1,p2,p3", "target": "label", "weight": "[1, 2, 0.5, 3]"},
     {"ignore_index": 1}, ["mean"]),
    ("bce-with-logits", {"pred": "logit", "target": "prob"}, {}, ["mean", "sum"]),
    ("nll", {"pred": "p0,p1,p2,p3", "target": "label"}, {}, ["mean"]),
]


def _sources(root, fmt, columns: dict) -> dict:
    glob = str(root / "csv" / "*.csv") if fmt == "csv" else str(root / "pq")
    return {key: value if value.startswith("[") else f"{glob}:{value}" for key, value in columns.items()}


def _same(one, cluster_result, rtol=1e-12):
    """The cluster's Result equals one machine's: values to rtol, counts and rows exactly."""
    np.testing.assert_allclose(cluster_result.value, one.value, rtol=rtol, atol=0)
    assert cluster_result.value.dtype == one.value.dtype
    assert cluster_result.shape == one.shape and cluster_result.samples == one.samples
    assert cluster_result.params == one.params and cluster_result.signature == one.signature
    np.testing.assert_allclose(cluster_result.parts["denominator"], one.parts["denominator"], rtol=1e-12)
    if one.top is not None:
        assert cluster_result.top.title == one.top.title and cluster_result.top.header == one.top.header
        np.testing.assert_array_equal(cluster_result.top.positions(), one.top.positions())
        for a, b in zip(cluster_result.top.columns, one.top.columns):
            np.testing.assert_array_equal(a, b)
    assert cluster_result.histogram == one.histogram
    if one.ci is not None:
        for key in ("low", "high", "se"):
            np.testing.assert_allclose(cluster_result.ci[key], one.ci[key], rtol=rtol)
        assert {k: v for k, v in cluster_result.ci.items() if k not in ("low", "high", "se")} == \
            {k: v for k, v in one.ci.items() if k not in ("low", "high", "se")}


def _equal_for_every_reduction(client, case, formats):
    loss, columns, params, reductions = case
    for fmt in formats:
        for reduction in reductions:
            inv = Invocation(loss, _sources(data_root(), fmt, columns), params, reduction=reduction, top=3, hist=True,
                             ci=0.9 if reduction == "mean" else None)
            _same(engine.run(inv), distributed.run_on(client, inv))


@pytest.mark.parametrize("case", CASES, ids=lambda c: c[0])
def test_every_reduction_equals_one_machine_with_top_hist_and_ci(case, cluster, data):
    _equal_for_every_reduction(cluster[1], case, ("csv", "parquet"))


@pytest.mark.parametrize("case", CASES[::3], ids=lambda c: c[0])
def test_shards_read_in_blocks_on_the_workers(case, cluster, data, blocks):
    _equal_for_every_reduction(cluster[1], case, ("parquet",))


def test_bootstrap_interval_keys_draws_by_global_sample_index(cluster, data):
    """The bootstrap's shards take their samples' global index: one machine's interval, with
    --nan-policy omit dropping rows (a shard's offset counts the kept samples)."""
    _, client = cluster
    for loss, columns, params, _ in CASES[2:4]:
        inv = Invocation(loss, _sources(data, "parquet", columns), params, ci=0.95, ci_method="bootstrap",
                         resamples=200, seed=3, sample_offset=7)
        _same(engine.run(inv), distributed.run_on(client, inv))


def test_nan_policy_omit_and_float32(cluster, data, tmp_path):
    _, client = cluster
    rng = np.random.default_rng(2)
    for i, n in enumerate([300, 41, 1000]):
        p = rng.normal(size=n)
        p[rng.uniform(size=n) < 0.1] = np.nan
        pl.DataFrame({"p": p, "t": rng.normal(size=n)}).write_parquet(tmp_path / f"s-{i}.parquet")
    sources = {"pred": f"{tmp_path}/*.parquet:p", "target": f"{tmp_path}/*.parquet:t"}
    inv = Invocation("l1", sources, nan_policy="omit", top=2, hist=True, ci=0.95)
    one, many = engine.run(inv), distributed.run_on(client, inv)
    _same(one, many)
    assert many.omitted == one.omitted > 0
    inv = Invocation("mse", sources, dtype="float32", nan_policy="omit")
    one, many = engine.run(inv), distributed.run_on(client, inv)
    np.testing.assert_allclose(many.value, one.value, rtol=1e-6)  # each shard's float32 total rounds once
    assert many.value.dtype == np.float32


@pytest.mark.parametrize("fmt", ["csv", "json", "text"])
def test_per_element_rows_come_back_in_order_with_gates_tallied_per_shard(cluster, data, blocks, fmt):
    """-r none: the shards' rows, fetched in order into a spool, written as one machine writes
    them; a gate over every element fails with the same count and the same worst element."""
    address, _ = cluster
    args = ["cross-entropy", "--pred", f"{data}/csv/*.csv:p0,p1,p2,p3", "--target", f"{data}/csv/*.csv:label",
            "-r", "none", "-f", fmt, "--hist", "--fail-above", "2.5", "--fail-below", "0.05"]
    if fmt == "json":  # (a row format shows --top's rows alone)
        args += ["--top", "3"]
    one, many = run(*args), run(*args, "--scheduler", address)
    assert one.exit_code == many.exit_code == 1
    assert many.stderr == one.stderr and "elements > 2.5 (--fail-above); worst" in many.stderr
    assert many.stdout == one.stdout
    assert len(many.stdout.splitlines()) >= (sum(SIZES) if fmt == "csv" else 1)


def test_cli_through_the_environment_variable_with_gates(cluster, data):
    """DASK_SCHEDULER_ADDRESS is --scheduler's default; a gate fails on the merged value, exit 1."""
    address, _ = cluster
    args = ["cross-entropy", "--pred", f"{data}/pq:p0,p1,p2,p3", "--target", f"{data}/pq:label", "-f", "json",
            "--top", "2", "--hist", "--ci", "0.95", "--fail-above", "0.5"]
    one = run(*args)
    many = run(*args, env={distributed.ENV: address})
    assert one.exit_code == many.exit_code == 1
    assert many.stderr == one.stderr and "check failed" in one.stderr
    a, b = json.loads(one.stdout), json.loads(many.stdout)
    assert b["value"] == pytest.approx(a["value"], rel=1e-12, abs=0)
    for key in ("top", "histogram", "shape", "samples", "signature"):
        assert b[key] == a[key]
    flag = run(*args[:-2], "--scheduler", address)
    assert flag.exit_code == 0 and json.loads(flag.stdout)["histogram"] == a["histogram"]


def test_relative_paths_and_a_shard_that_fails_to_parse(cluster, data, tmp_path, monkeypatch):
    """A shard that fails to parse fails the job: its path as given, line and column, exit 2,
    nothing on stdout (the first bad shard, as one machine reads them)."""
    address, _ = cluster
    monkeypatch.chdir(tmp_path)  # the workers' folder is another: paths travel absolute, come back as given
    (tmp_path / "bad").mkdir()
    for i in range(3):
        rows = "\n".join(f"{j * 0.5},{j * 0.25}" for j in range(40))
        if i:
            rows = rows.replace("3.5,", "3.5x,", 1)
        (tmp_path / "bad" / f"part-{i}.csv").write_text("p,t\n" + rows + "\n")
    args = ["mse", "--pred", "bad/*.csv:p", "--target", "bad/*.csv:t"]
    one, many = run(*args), run(*args, "--scheduler", address)
    assert one.exit_code == many.exit_code == 2
    assert many.stdout == ""
    assert many.stderr == one.stderr
    assert "bad/part-1.csv line 9, column 1" in many.stderr and str(tmp_path) not in many.stderr
    (tmp_path / "bad" / "part-1.csv").unlink()
    (tmp_path / "bad" / "part-2.csv").unlink()
    good_one, good_many = run(*args, "-q"), run(*args, "-q", "--scheduler", address)
    assert good_many.exit_code == 0 and float(good_many.stdout) == pytest.approx(float(good_one.stdout), rel=1e-12)


def test_two_datasets_whose_shard_rows_differ_say_so_as_one_machine(cluster):
    address, _ = cluster
    args = ["mse", "--pred", f"{ROOT}/samples/preds/split=test/*.parquet:score", "--target",
            f"{ROOT}/samples/labels/*.csv:y"]
    one, many = run(*args), run(*args, "--scheduler", address)
    assert one.exit_code == many.exit_code == 2 and many.stdout == ""
    assert many.stderr == one.stderr and "shard " in many.stderr and "has 3 rows but" in many.stderr


def test_what_a_cluster_cannot_compute_is_one_line(cluster, data):
    address, client = cluster
    refused = [
        (Invocation("ctc", {"log-probs": "x.npy", "targets": "[[1]]", "input-lengths": "[1]",
                           "target-lengths": "[1]"}),
         "ctc cannot be split into shards on a cluster (its inputs are time-major (T, N, C))"),
        (Invocation("mse", _sources(data, "parquet", {"pred": "score", "target": "y"}), grad=True),
         "--grad gives a per-element gradient, which --scheduler does not send back"),
        (Invocation("mse", _sources(data, "parquet", {"pred": "score", "target": "y"}), by="target"),
         "--by is not merged across the workers of --scheduler"),
        (Invocation("mse", {"pred": f"{data}/pq:score", "target": f"{data}/csv/part-0.csv:y"}),
         "--target is not a dataset but --pred is"),
        (Invocation("mse", {"pred": f"{data}/pq:score", "target": f"{data}/csv/part-[01].csv:y"}),
         "has 2 shards but"),
    ]
    for inv, words in refused:
        with pytest.raises((UsageError, InputError)) as e:
            distributed.run_on(client, inv)
        assert words in str(e.value)
    for scheduler, words in (("nonsense", "--scheduler nonsense: cannot reach a Dask scheduler there (missing port"),
                             ("local:0", "--scheduler local:N starts N workers, N >= 1; got local:0")):
        result = run("mse", "--pred", f"{data}/pq:score", "--target", f"{data}/pq:y", "--scheduler", scheduler)
        assert result.exit_code == 2 and result.stdout == "" and words in result.stderr
    result = run("mse", "--pred", "-", "--target", "[1, 2]", "--scheduler", address, input="1\n2\n")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == "losscli: error: --pred reads stdin, which the workers of --scheduler cannot: give a " \
                            "file or a dataset\n"


def test_check_and_merge_take_the_scheduler(cluster, data, tmp_path):
    address, _ = cluster
    toml = tmp_path / "checks.toml"
    toml.write_text(f"""
[[check]]
name = "mse"
loss = "mse"
pred = "{data}/pq:score"
target = "{data}/pq:y"
fail-above = 5.0

[[check]]
name = "ce"
loss = "cross-entropy"
pred = "{data}/csv/*.csv:p0,p1,p2,p3"
target = "{data}/csv/*.csv:label"
ci = 0.9
""")
    one, many = run("check", toml, "-f", "json"), run("check", toml, "-f", "json", "--scheduler", address)
    assert one.exit_code == many.exit_code == 0, many.stderr
    a, b = json.loads(one.stdout), json.loads(many.stdout)
    for x, y in zip(a["checks"], b["checks"]):
        assert y["value"] == pytest.approx(x["value"], rel=1e-12, abs=0)
        assert ("ci" in y) == ("ci" in x)
        for key, v in x.get("ci", {}).items():  # numbers to rtol 1e-12, the method and unit as they are
            assert y["ci"][key] == (pytest.approx(v, rel=1e-12, abs=0) if isinstance(v, float) else v), key
        assert (y["name"], y["passed"], y["signature"]) == (x["name"], x["passed"], x["signature"])
    for i in range(len(SIZES)):
        (tmp_path / f"r{i}.json").write_text(
            run("mse", "--pred", f"{data}/csv/part-{i}.csv:score", "--target", f"{data}/csv/part-{i}.csv:y",
                "-f", "json").stdout)
    one = run("merge", f"{tmp_path}/r*.json", "-f", "json")
    many = run("merge", f"{tmp_path}/r*.json", "-f", "json", "--scheduler", address)
    assert many.exit_code == 0 and many.stdout == one.stdout


def test_a_worker_killed_mid_job_changes_nothing(cluster, data, tmp_path):
    """A plugin kills the worker process that starts the job's first shard task; the nanny
    restarts it, Dask reschedules the lost task, and the answer is the same."""
    _, client = cluster
    flag = str(tmp_path / "killed")

    class KillOnce(dask_distributed.WorkerPlugin):
        def transition(self, key, start, finish, **kwargs):
            import os
            import signal

            if finish == "executing" and str(key).startswith("losscli-shard") and not os.path.exists(flag):
                open(flag, "w").close()
                os.kill(os.getpid(), signal.SIGKILL)

    inv = Invocation("cross-entropy", _sources(data, "parquet", {"pred": "p0,p1,p2,p3", "target": "label"}),
                     top=3, hist=True, ci=0.95)
    one = engine.run(inv)
    pids = set(client.run(os.getpid).values())
    client.register_plugin(KillOnce(), name="kill-once")
    try:
        many = distributed.run_on(client, inv)
    finally:
        client.unregister_worker_plugin("kill-once")
    assert os.path.exists(flag)  # a worker was killed while the job ran
    client.wait_for_workers(2, timeout=60)
    assert set(client.run(os.getpid).values()) != pids
    _same(one, many)


def test_local_one_liner(data):
    """--scheduler local:2 starts (and stops) a LocalCluster of two worker processes for the run."""
    args = ["mse", "--pred", f"{data}/pq:score", "--target", f"{data}/pq:y", "-q"]
    one, many = losscli(*args), losscli(*args, "--scheduler", "local:2")
    assert many.returncode == 0, many.stderr
    assert many.stderr == ""
    assert float(many.stdout) == pytest.approx(float(one.stdout), rel=1e-12, abs=0)


def test_local_cluster_says_a_failed_shard_in_one_line(tmp_path):
    """With local:N the workers are threads of the command's own process: a task that fails is
    reported once, by losscli, not also logged by Dask's worker with its traceback."""
    (tmp_path / "parts").mkdir()
    (tmp_path / "parts" / "part-0.csv").write_text("p,t\n1,2\n3,4\n")
    (tmp_path / "parts" / "part-1.csv").write_text("p,t\n1,2\n3,x\n")
    glob = f"{tmp_path}/parts/*.csv"
    out = losscli("mse", "--pred", f"{glob}:p", "--target", f"{glob}:t", "--scheduler", "local:2")
    line = assert_one_error_line(out)
    assert line == f"losscli: error: --target: {tmp_path}/parts/part-1.csv line 3, column 2: 'x' is not a number"


def _probe(code: str, *args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=ROOT,
                          env={k: v for k, v in os.environ.items() if k != distributed.ENV}, check=False)


def test_nothing_of_dask_is_imported_without_scheduler(data):
    code = """
import sys
from losscli.cli import main
sys.argv = ["losscli", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
print(sorted(m for m in sys.modules if m.split(".")[0] in ("dask", "distributed", "losscli.distributed")))
print("losscli.distributed" in sys.modules)
"""
    out = _probe(code, "mse", "--pred", f"{data}/pq:score", "--target", f"{data}/pq:y", "-q")
    assert out.returncode == 0, out.stderr
    value, modules, ours = out.stdout.splitlines()
    assert float(value) > 0 and modules == "[]" and ours == "False"


def test_without_dask_the_error_says_how_to_install_it(data):
    code = """
import sys
sys.modules["distributed"] = None
from losscli.cli import main
sys.argv = ["losscli", *sys.argv[1:]]
main()
"""
    out = _probe(code, "mse", "--pred", f"{data}/pq:score", "--target", f"{data}/pq:y", "--scheduler", "local:2")
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr == "losscli: error: --scheduler needs Dask's distributed package: " \
                         "pip install 'losscli[dask]'\n"


# --- one large file in windows: rows of a Parquet/Arrow/.npy file, bytes of a text file ---------

N = 12_345  # rows of the single files: no window edge is a multiple of a block of the file's reader


@pytest.fixture(scope="module")
def single(tmp_path_factory):
    """The same N rows as one Parquet, Arrow, CSV, TSV and JSON Lines file, and .npy files."""
    root = tmp_path_factory.mktemp("single")
    rng = np.random.default_rng(5)
    logits = rng.normal(size=(N, 4)) * 2
    frame = pl.DataFrame({
        "score": rng.normal(size=N), "y": rng.normal(size=N), "label": rng.integers(0, 4, N),
        "p0": logits[:, 0], "p1": logits[:, 1], "p2": logits[:, 2], "p3": logits[:, 3],
        "prob": rng.uniform(size=N), "logit": rng.normal(size=N) * 3,
    })
    frame.write_parquet(root / "one.parquet", row_group_size=1000)
    frame.write_ipc(root / "one.arrow")
    frame.write_csv(root / "one.csv")
    frame.write_csv(root / "one.tsv", separator="\t")
    frame.write_ndjson(root / "one.jsonl")
    np.save(root / "logits.npy", logits)
    np.save(root / "label.npy", frame["label"].to_numpy())
    return root


@pytest.fixture
def small_tasks(monkeypatch):
    """Windows of about 1,500 rows or 40,000 bytes (the defaults split files of millions)."""
    monkeypatch.setattr(distributed, "ROWS_PER_TASK", 1500)
    monkeypatch.setattr(distributed, "BYTES_PER_TASK", 40_000)
    monkeypatch.setattr(distributed, "_SPLIT_ROWS", 0)
    monkeypatch.setattr(distributed, "_SPLIT_BYTES", 0)


def _single(root, ext, columns: dict) -> dict:
    return {key: value if value.startswith("[") else f"{root}/one.{ext}:{value}" for key, value in columns.items()}


def _tasks(inv, workers=2):
    return distributed.plan(engine._checked(inv), inv, workers)


def test_a_large_file_is_planned_in_windows_that_cover_it(single, data, small_tasks, monkeypatch):
    """Windows of rows cover every row once, windows of bytes every byte; the tasks are a multiple
    of the workers; what cannot be cut is one task; as many shards as workers are not cut."""
    for ext in ("parquet", "arrow"):
        tasks = _tasks(Invocation("mse", _single(single, ext, {"pred": "score", "target": "y"})), workers=3)
        windows = [t.window for t in tasks]
        assert len(windows) % 3 == 0 and len(windows) > 3
        assert windows[0][1] == 0 and windows[-1][2] == N and all(w[0] == "rows" for w in windows)
        assert all(a[2] == b[1] for a, b in zip(windows, windows[1:]))
    npy = _tasks(Invocation("cross-entropy", {"pred": f"{single}/logits.npy", "target": f"{single}/label.npy"}))
    assert npy[0].window == ("rows", 0, npy[0].window[2]) and npy[-1].window[2] == N
    csv = _tasks(Invocation("mse", _single(single, "csv", {"pred": "score", "target": "y"})))
    size = os.path.getsize(single / "one.csv")
    assert csv[0].window[:2] == ("bytes", 0) and csv[-1].window[2] == size and len(csv) % 2 == 0
    assert all(a.window[2] == b.window[1] for a, b in zip(csv, csv[1:]))
    assert "one.csv:score (bytes 0-" in csv[0].label
    whole = [
        Invocation("mse", {"pred": f"{single}/one.csv:score", "target": f"{single}/one.tsv:y"}),  # two text files
        Invocation("mse", {"pred": f"{single}/one.parquet:score", "target": "[0.5]"}, broadcast=True),
        Invocation("mse", {"pred": f"{single}/one.parquet:score", "target": f"{single}/one.csv:y"}),
        Invocation("mse", {"pred": "[1, 2]", "target": "[1, 3]"}),
    ]
    for inv in whole:
        assert [t.window for t in _tasks(inv)] == [None]
    csv_inv = Invocation("mse", _single(single, "csv", {"pred": "score", "target": "y"}))
    assert [t.window for t in distributed.plan(engine._checked(csv_inv), csv_inv, 2, frozenset({0}))] == [None]
    monkeypatch.setattr(distributed, "_extent", lambda sources: pytest.fail("a shard's metadata was read"))
    shards = _tasks(Invocation("mse", _sources(data, "parquet", {"pred": "score", "target": "y"})), workers=5)
    assert [t.window for t in shards] == [None] * len(SIZES)


def test_a_window_of_each_format_reads_its_rows_alone(tmp_path):
    """engine.run with a window: the windows' sums add up to the whole's, each row read once;
    what cannot be read alone raises stream.WindowRefused (never a wrong number)."""
    root = tmp_path
    rng = np.random.default_rng(8)
    p, t = rng.normal(size=5003), rng.normal(size=5003)
    frame = pl.DataFrame({"p": p, "t": t})
    frame.write_parquet(f"{root}/a.parquet", row_group_size=500)
    frame.write_ipc(f"{root}/a.arrow")
    frame.write_csv(f"{root}/a.csv")
    frame.write_ndjson(f"{root}/a.jsonl")
    np.save(f"{root}/p.npy", p)
    np.save(f"{root}/t.npy", t)
    whole = float(np.sum((p - t) ** 2))
    for pred, target, kind in [("a.parquet:p", "a.parquet:t", "rows"), ("a.arrow:p", "a.arrow:t", "rows"),
                               ("p.npy", "t.npy", "rows"), ("a.csv:p", "a.csv:t", "bytes"),
                               ("a.jsonl:p", "a.jsonl:t", "bytes")]:
        size = 5003 if kind == "rows" else os.path.getsize(f"{root}/{pred.split(':')[0]}")
        cuts = [0, 1, size // 3, size // 2 + 7, size]
        total, rows = [], 0
        for a, b in zip(cuts, cuts[1:]):
            inv = Invocation("mse", {"pred": f"{root}/{pred}", "target": f"{root}/{target}"}, reduction="sum",
                             window=(kind, a, b))
            if pred.startswith("a.csv") and b == 1:  # no line of data starts in the header's first byte
                with pytest.raises(InputError, match="holds no numbers"):  # a task gives way to the whole file
                    engine.run(inv)
                continue
            r = engine.run(inv)
            total.append(float(r.value))
            rows += r.shape[0]
        assert rows == 5003, pred
        assert sum(total) == pytest.approx(whole, rel=1e-13), pred
    with open(f"{root}/quoted.csv", "w") as f:
        f.write('p,t\n"1",2\n3,4\n')
    refused = [
        {"pred": f"{root}/quoted.csv:p", "target": f"{root}/quoted.csv:t"},  # a quoted cell may cross its edge
        {"pred": f"{root}/*.parquet:p", "target": f"{root}/*.parquet:t"},  # a dataset: windows are of one file
        {"pred": "[1, 2]", "target": "[1, 2]"},
    ]
    for sources in refused:
        with pytest.raises(stream.WindowRefused):
            engine.run(Invocation("mse", sources, window=("bytes", 0, 10)))
    with pytest.raises(stream.WindowRefused):  # rows of a text file are not known without reading it
        engine.run(Invocation("mse", {"pred": f"{root}/a.csv:p", "target": f"{root}/a.csv:t"}, window=("rows", 0, 9)))


def _windows_equal_one_machine(client, root, case, formats, reductions=None):
    loss, columns, params, all_reductions = case
    for ext in formats:
        for reduction in reductions or all_reductions:
            inv = Invocation(loss, _single(root, ext, columns), params, reduction=reduction, top=3, hist=True,
                             ci=0.9 if reduction == "mean" else None)
            assert len(_tasks(inv)) >= 4, ext
            _same(engine.run(inv), distributed.run_on(client, inv))


@pytest.mark.parametrize("case", CASES[::3], ids=lambda c: c[0])
def test_one_large_file_in_windows_equals_one_machine(case, cluster, single, small_tasks):
    """A single file split into windows gives one machine's value (rtol 1e-12), top-K rows,
    histogram and interval: windows of rows (Parquet) and of bytes (CSV), mse and weighted
    cross-entropy (the slow run: every loss, format and reduction)."""
    _windows_equal_one_machine(cluster[1], single, case, ("parquet", "csv"), case[3][:1])


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=lambda c: c[0])
def test_one_large_file_in_windows_of_every_format_equals_one_machine(case, cluster, single, small_tasks):
    _windows_equal_one_machine(cluster[1], single, case, ("parquet", "arrow", "csv", "tsv", "jsonl"))


def test_windows_of_npy_files_and_the_bootstrap(cluster, single, small_tasks):
    _, client = cluster
    inv = Invocation("cross-entropy", {"pred": f"{single}/logits.npy", "target": f"{single}/label.npy"},
                     top=4, hist=True, ci=0.95)
    assert len(_tasks(inv)) >= 4
    _same(engine.run(inv), distributed.run_on(client, inv))
    inv = Invocation("mse", _single(single, "parquet", {"pred": "score", "target": "y"}), ci=0.9,
                     ci_method="bootstrap", resamples=200, seed=4, sample_offset=3)
    _same(engine.run(inv), distributed.run_on(client, inv))


def test_per_element_rows_of_windows_come_back_in_order(cluster, single, small_tasks):
    address, _ = cluster
    for ext in ("csv", "parquet"):
        args = ["cross-entropy", "--pred", f"{single}/one.{ext}:p0,p1,p2,p3", "--target", f"{single}/one.{ext}:label",
                "-r", "none", "-f", "csv", "--fail-above", "4"]
        one, many = run(*args), run(*args, "--scheduler", address)
        assert one.exit_code == many.exit_code == 1
        assert many.stderr == one.stderr and many.stdout == one.stdout
        assert len(many.stdout.splitlines()) == N + 1


def test_a_refused_window_reads_its_file_whole(cluster, tmp_path, small_tasks, monkeypatch):
    """Quoted cells (a line break may hide in one): the file is one task, and the value is one
    machine's. A window that meets an error gives way to the whole file, whose message is one
    machine's: the file, line and column, or the position in the whole input."""
    _, client = cluster
    seen = []
    plan = distributed.plan
    monkeypatch.setattr(distributed, "plan", lambda *a: seen.append(a[3] if len(a) > 3 else None) or plan(*a))
    rng = np.random.default_rng(3)
    rows = [f'"{x!r}",{y!r}' for x, y in rng.normal(size=(4000, 2)).tolist()]
    quoted = tmp_path / "quoted.csv"
    quoted.write_text("p,t\n" + "\n".join(rows) + "\n")
    inv = Invocation("mse", {"pred": f"{quoted}:p", "target": f"{quoted}:t"}, top=2)
    assert len(_tasks(inv)) > 2
    _same(engine.run(inv), distributed.run_on(client, inv))
    assert seen[1:] == [frozenset(), frozenset({0})]  # (the first: _tasks above)
    bad = tmp_path / "bad.csv"
    lines = [f"{x!r},{y!r}" for x, y in rng.normal(size=(4000, 2)).tolist()]
    lines[3001] = "0.5,x7"
    bad.write_text("p,t\n" + "\n".join(lines) + "\n")
    inv = Invocation("mse", {"pred": f"{bad}:p", "target": f"{bad}:t"})
    with pytest.raises(InputError) as one:
        engine.run(inv)
    with pytest.raises(InputError) as many:
        distributed.run_on(client, inv)
    assert str(many.value) == str(one.value) and "line 3003, column 2" in str(one.value)
    labels = np.arange(N) % 4
    labels[N - 10] = 9  # a class that is not there, in the last window
    np.save(tmp_path / "label.npy", labels)
    logits = tmp_path / "logits.npy"
    np.save(logits, np.zeros((N, 4)))
    inv = Invocation("cross-entropy", {"pred": str(logits), "target": f"{tmp_path}/label.npy"})
    with pytest.raises(InputError) as one:
        engine.run(inv)
    with pytest.raises(InputError) as many:
        distributed.run_on(client, inv)
    assert str(many.value) == str(one.value) and "9" in str(one.value)
