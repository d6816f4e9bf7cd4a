"""`--scheduler ADDRESS`: one engine run split into Dask tasks, merged on the client.

    from losscli.distributed import run
    run(Invocation("mse", {"pred": "preds/*.parquet:score", "target": "preds/*.parquet:y"}), "local:2")

Each task is `engine.run` on one part of the input: a shard of a dataset (the i-th shard of
every per-sample input), or a window of a large file (or shard), so that one big file keeps
every worker busy too: a range of rows of a Parquet/Arrow/.npy file (polars reads only the
row groups under it), or a range of bytes of an uncompressed CSV/TSV/JSON Lines file that
every per-sample input reads (the lines that start in it). A window that cannot be read on its
own (a quoted cell may cross its edge; it met an error, whose message needs the whole file's
lines and rows) gives way: its file is read as one task, and the job begins again. Each task
returns its part's Result: the reduction's sum and
denominator, its top-K candidates, the --ci moments (and bootstrap sums, keyed by the global
sample index through --sample-offset). The client adds them as `losscli merge` does: sums and
denominators exactly (partials.exact_sum), moments by Chan's merge in shard order, top-K
candidates by their global index. --hist takes a second round: the shards' finite losses stay
in their workers' memory, and are counted into the bins between the global minimum and maximum.
A bootstrap takes a first round that counts each shard's samples (their global index keys the
draws). -r none fetches the shards' rows in order, one shard at a time, into a spool on the
client's disk, and each shard tallies the gates over its elements. Dask is imported only here,
only when --scheduler is given.

Exactness: every reduced value equals the one-machine value to rtol 1e-12 in float64 (not bit
for bit: the one-machine BlockedSum cuts blocks at global multiples of partials.BLOCK, a shard
at its own start, and each shard's float64 total is rounded once before the exact sum); the
histogram counts, the top-K rows and the indices are exactly equal.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
from dataclasses import dataclass, replace

import numpy as np

from . import remote
from .engine import HIST_BINS, Invocation, TopK
from .errors import InputError, LossCliError, UsageError, escape

ENV = "DASK_SCHEDULER_ADDRESS"
_LOCAL = re.compile(r"local(?::(\d+))?\Z")


def run(inv: Invocation, scheduler: str):
    """`inv` computed on the Dask cluster at SCHEDULER (an address, or local[:N])."""
    from .engine import _checked

    _refused(_checked(inv), inv)  # before a cluster is started or reached
    with connect(scheduler) as client:
        return run_on(client, inv)


@contextlib.contextmanager
def connect(scheduler: str):
    """A distributed.Client of the scheduler at ADDRESS, or of a LocalCluster of N workers for
    `local[:N]` (N: the CPU count), closed on exit. A local cluster's workers are threads of this
    process, one thread each: on one machine, worker processes would add ~3 s of start-up and
    shut-down (spawned interpreters importing distributed) and copy every result between
    processes, while polars' reading and NumPy's arithmetic release the GIL anyway. A cluster of
    worker processes (`dask scheduler` and `dask worker --nworkers N`) is reached by its address."""
    try:
        import distributed
    except ImportError:
        raise UsageError("--scheduler needs Dask's distributed package: pip install 'losscli[dask]'") from None
    import logging

    local = _LOCAL.match(scheduler.strip())
    with contextlib.ExitStack() as stack:
        if local:
            workers = int(local[1] or os.cpu_count() or 1)
            if workers < 1:
                raise UsageError(f"--scheduler local:N starts N workers, N >= 1; got {scheduler}")
            # The scheduler and workers are threads of this process: their logs (a task that failed,
            # a connection closed while the cluster shuts down, even after silence_logs has restored
            # its handlers) would go to losscli's stderr beside its one line. What fails is losscli's
            # to report: quiet for the rest of this process.
            logging.getLogger("distributed").setLevel(logging.CRITICAL)
            cluster = stack.enter_context(distributed.LocalCluster(
                n_workers=workers, processes=False, threads_per_worker=1, dashboard_address=":0",
                silence_logs=logging.CRITICAL))
            client = stack.enter_context(distributed.Client(cluster))
        else:
            try:
                _checked_address(scheduler)  # before a Client exists: see below
                client = stack.enter_context(distributed.Client(scheduler, timeout="10s"))
            except (OSError, TimeoutError, ValueError) as e:
                # A Client that failed to start closes itself in __del__, which can deadlock when the
                # garbage collector runs it while a later Client starts its event loop (seen in one
                # process running both): collect it now, while nothing else is starting.
                import gc

                gc.collect()
                raise UsageError(f"--scheduler {scheduler}: cannot reach a Dask scheduler there ({e}); "
                                 "give its address (tcp://HOST:8786) or local:N") from None
        yield client


def _checked_address(scheduler: str) -> None:
    """ValueError for a TCP or TLS address without a host and port."""
    from distributed.comm.addressing import parse_address, parse_host_port

    scheme, location = parse_address(scheduler)
    if scheme in ("tcp", "tls"):
        parse_host_port(location)


def _refused(spec, inv: Invocation) -> None:
    """One line for what a cluster cannot compute."""
    if not spec.row_wise:
        why = "its inputs are time-major (T, N, C)" if spec.name == "ctc" else \
            f"its loss is not a sum over the rows of {spec.arrays[0].flag}"
        raise UsageError(f"{spec.name} cannot be split into shards on a cluster ({why}): run it without --scheduler")
    if inv.grad:
        raise UsageError("--grad gives a per-element gradient, which --scheduler does not send back from the "
                         "workers: run it without --scheduler")
    if inv.by is not None:
        raise UsageError("--by is not merged across the workers of --scheduler: run it without --scheduler, or "
                         "run each shard with -f json and add them with losscli merge, which merges the groups")


@dataclass(frozen=True)
class Task:
    """One task: SOURCES (absolute paths; URLs as given) for engine.run, RENAMES {absolute path: path as given},
    the keys of its DATASETS, the WINDOW of its files it reads (None: all), and the UNIT (a
    shard, or the files of a run without datasets) it is a part of."""

    label: str
    sources: dict
    renames: dict
    datasets: tuple = ()
    window: tuple | None = None
    unit: int = 0


ROWS_PER_TASK = 1 << 23  # ~0.4 s of a worker's reading and arithmetic (22M rows/s, docs/datasets.md)
BYTES_PER_TASK = 1 << 28  # ~6.5M rows of a CSV of two numbers a row
_SPLIT_ROWS = 1 << 20  # a smaller file is not split for idle workers: a task's set-up would outweigh it
_SPLIT_BYTES = 1 << 25
_TEXT = (".csv", ".tsv", ".txt", ".jsonl", ".ndjson")


def plan(spec, inv: Invocation, workers: int = 1, whole: frozenset = frozenset()) -> list[Task]:
    """The tasks of INV: the i-th shard of every per-sample dataset, or the files as they are.
    While they are fewer than the WORKERS, a large Parquet/Arrow/.npy file (or shard) is split
    into windows of rows, a large CSV/TSV/JSON Lines file into windows of bytes, so that every
    worker has work. The units in WHOLE are not split (a window of theirs was refused:
    stream.WindowRefused). Paths are made absolute for the workers."""
    from .datasets import is_dataset, mismatch, shards
    from .inputs import _split_source

    sample = {a.key for a in spec.arrays if a.role == "sample"}
    fixed, renames, split = {}, {}, {}
    for key, source in inv.sources.items():
        if source is None:
            continue
        path, selector = _split_source(source)
        if path == "-":
            raise UsageError(f"--{key} reads stdin, which the workers of --scheduler cannot: give a file or a dataset")
        if key in sample and path is not None and is_dataset(path):
            split[key] = (path, shards(path), selector)
            continue
        fixed[key] = _absolute(source, path, selector, renames)
    if not split:
        units = [Task(_label(inv, spec), fixed, renames)]
    else:
        whole_files = [key for key in fixed if key in sample]
        if whole_files:
            first = next(iter(split))
            raise UsageError(f"--{whole_files[0]} is not a dataset but --{first} is: with --scheduler, the per-sample "
                             "inputs are datasets of the same shards (or all one file)")
        (first, (first_path, first_shards, _)), *rest = split.items()
        for key, (path, found, _) in rest:
            if len(found) != len(first_shards):
                mismatch(f"--{key}", path, [(s, 0) for s in found], f"--{first}", first_path,
                         [(s, 0) for s in first_shards])
        units = []
        for i, shard in enumerate(first_shards):
            names = dict(renames)
            sources = dict(fixed)
            for key, (_, found, selector) in split.items():
                sources[key] = _absolute(found[i] if selector is None else f"{found[i]}:{selector}", found[i],
                                         selector, names)
            units.append(Task(shard, sources, names, tuple(split), unit=i))
    if inv.broadcast or len(units) >= workers:
        # a row broadcast against all rows of another input: a window would change it; as many
        # shards as workers: each keeps one busy, and the plan reads no shard's metadata
        return units
    tasks = []
    for unit in units:
        size = None if unit.unit in whole else _extent({k: v for k, v in unit.sources.items() if k in sample})
        windows = _windows(size, len(units), workers) if size is not None else [None]
        for window in windows:
            label = unit.label if window is None else f"{unit.label} ({window[0]} {window[1]:,}-{window[2]:,})"
            tasks.append(replace(unit, label=label, window=window))
    return tasks


def _extent(sources: dict) -> tuple[str, int] | None:
    """("rows", N) of per-sample Parquet/Arrow/.npy files of N rows each, ("bytes", size) of one
    uncompressed local text file that every per-sample input reads; None: not to be split."""
    from .columnar import is_columnar
    from .inputs import _split_source, file_format

    paths = set()
    for source in sources.values():
        path = _split_source(source)[0]
        if path is None or remote.is_url(path) and not is_columnar(path):
            return None  # inline numbers; a remote text or .npy file is a stream
        paths.add(path)
    formats = {file_format(path) for path in paths}
    try:
        if all(is_columnar(path) for path in paths):
            rows = {_columnar_rows(path) for path in paths}
        elif formats == {(".npy", None)}:
            rows = {np.load(path, mmap_mode="r").shape[:1] or (0,) for path in paths}
            rows = {r[0] for r in rows}
        elif len(paths) == 1 and formats <= {(ext, None) for ext in _TEXT} and os.path.isfile(next(iter(paths))):
            return "bytes", os.path.getsize(next(iter(paths)))
        else:
            return None
    except Exception:  # unreadable here: the task reads it whole and says what is wrong
        return None
    return ("rows", rows.pop()) if len(rows) == 1 else None  # rows that differ: the task says where


def _columnar_rows(path: str) -> int:
    """The rows of a Parquet/Arrow file, from its metadata."""
    import polars as pl

    from .columnar import _kind, _scan

    return int(_scan(path, "Parquet" if _kind(path, path) == "Parquet" else "Arrow").select(pl.len()).collect().item())


def _windows(extent: tuple[str, int], units: int, workers: int) -> list:
    """The windows of one of UNITS (fewer than the workers) of EXTENT (its rows or bytes): a
    multiple of WORKERS / UNITS of them (so the tasks of all units keep every worker busy), of
    at most about ROWS_PER_TASK rows (BYTES_PER_TASK bytes); a unit smaller than _SPLIT_ROWS
    (_SPLIT_BYTES) is not split."""
    kind, amount = extent
    per_task, least = (ROWS_PER_TASK, _SPLIT_ROWS) if kind == "rows" else (BYTES_PER_TASK, _SPLIT_BYTES)
    if amount < least:
        return [None]
    share = -(-workers // units)
    pieces = -(-amount // per_task // share) * share if amount > per_task * share else share
    if pieces <= 1:
        return [None]
    step = -(-amount // pieces)
    return [(kind, start, min(start + step, amount)) for start in range(0, amount, step)]


def _absolute(source: str, path: str | None, selector: str | None, renames: dict) -> str:
    if path is None or path == "-" or remote.is_url(path):
        return source  # inline numbers travel in the task; a URL is the same on every worker
    full = os.path.abspath(path)
    if full != path:
        renames[full] = path
    return full if selector is None else f"{full}:{selector}"


def _label(inv: Invocation, spec) -> str:
    key = spec.arrays[0].key
    return str(inv.sources.get(key))


# --- the tasks (run on the workers) ------------------------------------------------------------


class _Finite:
    """A task's on_block hook for --hist: the shard's finite per-element losses and how many were not."""

    def __init__(self) -> None:
        self.chunks: list[np.ndarray] = []
        self.nonfinite = 0

    def __call__(self, offset: int, elements, columns: dict) -> None:
        if offset == 0:  # the engine began again (a whole read after a block's error)
            self.chunks, self.nonfinite = [], 0
        v = np.asarray(elements, dtype=np.float64).ravel()
        finite = v[np.isfinite(v)]
        self.nonfinite += v.size - finite.size
        self.chunks.append(finite)


def _shard(inv: Invocation, renames: dict, hist: bool, gates=None, datasets: tuple = ()):
    """One shard through the engine: (Result, (finite losses, min, max, non-finite) or None,
    the gates' tally over its per-element losses (-r none) or None)."""
    from .engine import run as engine_run

    hook = _Finite() if hist else None
    try:
        result = engine_run(replace(inv, on_block=hook))
    except LossCliError as e:
        if inv.window is not None:  # its message needs the whole file's lines and rows: the file is read whole
            from .stream import WindowRefused

            raise WindowRefused(str(e)) from None
        _rows_agree(inv, datasets, renames)  # as one machine, a shard whose rows differ says so first
        raise _renamed(e, renames) from None
    tally = None
    if inv.reduction == "none":
        result = _materialized(result)
        if gates:
            from .checks import GateTally

            counted = GateTally(result.loss, gates)
            counted.add(result.value, 0)
            tally = (counted.state, counted.size, counted.shape)
    if hook is None:
        return result, None, tally
    finite = np.concatenate(hook.chunks) if hook.chunks else np.empty(0)
    bounds = (float(finite.min()), float(finite.max())) if finite.size else (math.inf, -math.inf)
    return result, (finite, *bounds, hook.nonfinite), tally


def _materialized(result):
    """A per-element Result whose rows are in it (not in a spool on the worker's disk)."""
    if result.blocks is None:
        return result
    parts = list(result.blocks())
    if not parts:
        return replace(result, blocks=None)
    value = np.concatenate([p.value for p in parts])
    columns = {name: np.concatenate([p.columns[name] for p in parts]) for name in parts[0].columns}
    return replace(result, value=value, columns=columns, blocks=None)


def _head(out):
    """What the client needs of a shard first (its per-element rows and finite losses stay on the worker)."""
    result, extra, tally = out
    if result.reduction == "none":
        result = replace(result, value=result.value[:0], columns={})
    return result, None if extra is None else extra[1:], tally


def _rows(out):
    result = out[0]
    return result.value, result.columns


def _counts(out, lo: float, hi: float) -> np.ndarray:
    finite = out[1][0]
    return np.histogram(finite, bins=HIST_BINS, range=(lo, hi))[0]


def _rows_agree(inv: Invocation, datasets: tuple, renames: dict) -> None:
    """Where a task's shards of two datasets hold different rows: the one-machine message."""
    from .datasets import mismatch
    from .inputs import Sources, _split_source

    files = {key: _split_source(inv.sources[key])[0] for key in datasets}
    if len(set(files.values())) < 2:
        return
    try:
        sources = Sources(delimiter=inv.delimiter)
        rows = {key: sources.load(f"--{key}", inv.sources[key]).shape[:1] or (1,) for key in datasets}
    except LossCliError:
        return  # the error the task met says what is wrong
    first, *rest = datasets
    for key in rest:
        if rows[key] != rows[first]:
            try:
                mismatch(f"--{key}", files[key], [(files[key], rows[key][0])], f"--{first}", files[first],
                         [(files[first], rows[first][0])])
            except LossCliError as e:
                raise _renamed(e, renames) from None


def _renamed(e: LossCliError, renames: dict) -> LossCliError:
    """E naming files as the user gave them, not by the absolute paths sent to the workers."""
    template = e.template
    for full, given in sorted(renames.items(), key=lambda kv: -len(kv[0])):
        template = template.replace(escape(full), escape(given)).replace(full, given)
    return type(e)(template)


# --- the client --------------------------------------------------------------------------------


def run_on(client, inv: Invocation):
    """`inv` on the cluster of CLIENT: the tasks, their failures in shard order, the merge."""
    try:
        return _run_on(client, inv)
    except RuntimeError as e:
        if "deserializ" not in str(e):
            raise
        raise UsageError("--scheduler: the cluster cannot load losscli's tasks; install losscli (this version, "
                         "with the dask extra) where the scheduler and the workers run") from None


def _run_on(client, inv: Invocation):
    from .engine import _checked

    spec = _checked(inv)
    _refused(spec, inv)
    workers = max(1, len(client.scheduler_info(n_workers=-1)["workers"]))
    whole: frozenset = frozenset()
    while True:
        try:
            return _computed(client, spec, inv, plan(spec, inv, workers, whole))
        except _Refused as e:  # a window that cannot be read alone: its file is one task, and all begins again
            whole |= e.units


class _Refused(Exception):
    """Windows refused (stream.WindowRefused) in these UNITS."""

    def __init__(self, units: frozenset) -> None:
        super().__init__(sorted(units))
        self.units = units


def _computed(client, spec, inv: Invocation, tasks: list[Task]):
    base = replace(inv, hist=False, gates=None, progress=None, on_block=None, keep_samples=False)
    gates = inv.gates if inv.reduction == "none" else None
    offsets = [inv.sample_offset] * len(tasks)
    if inv.ci is not None and inv.ci_method == "bootstrap":  # the draws are keyed by global sample index
        counted = _gather(client, tasks, [client.submit(_head, f, pure=False) for f in
                                          _submit(client, tasks, replace(base, ci_method="analytic", top=None),
                                                  [0] * len(tasks), False)])
        offsets = list(inv.sample_offset + np.cumsum([0] + [r.moments.n for r, _, _ in counted[:-1]]))
    futures = _submit(client, tasks, base, offsets, inv.hist, gates)
    heads = _gather(client, tasks, [client.submit(_head, f, pure=False) for f in futures])
    histogram = _histogram(client, tasks, futures, [extra for _, extra, _ in heads]) if inv.hist else None
    result = _merged(spec, inv, [r for r, _, _ in heads], histogram)
    if inv.reduction != "none":
        return result
    failures = _tally(spec.name, gates, [t for _, _, t in heads]) if gates else None
    return _spooled(client, inv, result, futures, failures)


def _spooled(client, inv: Invocation, result, futures, failures):
    """-r none: the shards' rows fetched in order, one shard at a time, into a spool on the
    client's disk (as one machine's engine spools its blocks), from which they are written."""
    from .engine import Spool

    spool = Spool()
    offset = 0
    for future in futures:
        value, columns = client.submit(_rows, future, pure=False).result()
        spool.append(offset, value, columns, {})
        offset += value.shape[0] if value.ndim else 1
    blocks = spool.replayer(result.loss, inv, result.shape, result.params, lambda inputs: {})
    failures = tuple(failures) if failures is not None else None
    return replace(result, parts=None, blocks=blocks, element_failures=failures,
                   value=np.empty((0, *result.elements_shape[1:]), dtype=inv.dtype))


def _tally(loss: str, gates, tallies) -> list[str]:
    """The gates' failures over every element from the shards' tallies: counts added, the worst
    the first NaN in shard order, else the largest miss, the earlier on ties (as checks.GateTally)."""
    from .checks import GateTally

    whole = GateTally(loss, gates)
    for state, size, shape in tallies:
        for merged, (count, score, worst, index, nan) in zip(whole.state, state):
            if not count:
                continue
            merged[0] += count
            if merged[4]:
                continue
            if nan:
                merged[1:5] = [math.inf, math.nan, whole.size + index, True]
            elif score > merged[1]:
                merged[1:4] = [score, worst, whole.size + index]
        whole.size += size
        whole.shape = shape if shape is not None else whole.shape
    return whole.lines()


def _submit(client, tasks: list[Task], base: Invocation, offsets, hist: bool, gates=None) -> list:
    return [client.submit(_shard, replace(base, sources=t.sources, sample_offset=int(offset), window=t.window),
                          t.renames, hist, gates, t.datasets, pure=False,
                          key=f"losscli-shard-{i}-{os.urandom(4).hex()}")
            for i, (t, offset) in enumerate(zip(tasks, offsets))]


def map_ordered(client, function, *iterables, labels: list[str]) -> list:
    """[function(*args) ...] computed on the cluster, in order; the first failed one's error."""
    futures = client.map(function, *iterables, pure=False)
    return _gather(client, [Task(label, {}, {}) for label in labels], futures)


def _gather(client, tasks: list[Task], futures) -> list:
    """The futures' results; a failed task raises its error, the first shard's first (as one
    machine reads them in order), after every task has ended. A refused window raises _Refused
    first, with every unit whose window was refused."""
    import distributed

    from .stream import WindowRefused

    distributed.wait(futures)
    refused = frozenset(t.unit for t, f in zip(tasks, futures)
                        if f.status == "error" and isinstance(f.exception(), WindowRefused))
    if refused:
        raise _Refused(refused)
    for task, future in zip(tasks, futures):
        label = task.label
        if future.status == "error":
            error = future.exception()
            if isinstance(error, LossCliError):
                raise error
            if type(error).__name__ == "KilledWorker":
                raise InputError(escape(f"the workers computing {label} died repeatedly ({error}); "
                                        "see the workers' logs")) from None
            raise error
    return client.gather(futures)


def _histogram(client, tasks, futures, extras) -> dict:
    """The bins between the global min and max of the finite losses, counted where they are."""
    lo = min(e[0] for e in extras)
    hi = max(e[1] for e in extras)
    nonfinite = int(sum(e[2] for e in extras))
    if not math.isfinite(lo):
        return {"edges": [0.0], "counts": [], "nonfinite": nonfinite}
    counts = _gather(client, tasks, [client.submit(_counts, f, lo, hi, pure=False) for f in futures])
    edges = np.histogram_bin_edges(np.empty(0), bins=HIST_BINS, range=(lo, hi))
    return {"edges": edges.tolist(), "counts": np.sum(counts, axis=0).tolist(), "nonfinite": nonfinite}


def _merged(spec, inv: Invocation, results: list, histogram: dict | None):
    """The Result of the whole from the shards' Results, in shard order."""
    from .partials import combine, exact_sum
    from .render import Result

    first = results[0]
    parts = [r.parts or {"sum": 0.0, "denominator": 0.0} for r in results]  # -r none: no partial sums
    total = exact_sum(p["sum"] for p in parts)
    denominator = exact_sum(p["denominator"] for p in parts)
    with np.errstate(over="ignore"):  # a float32 total beyond 3.4e38 is inf, as torch's float32 sum
        value = np.asarray(combine(inv.reduction, total, denominator)).astype(inv.dtype)
    rows = [r.shape[0] if r.shape else 1 for r in results]
    shape = (sum(rows), *first.shape[1:]) if first.shape else first.shape
    element_rows = [r.elements_shape[0] if r.elements_shape else 1 for r in results]
    tail = tuple(first.elements_shape[1:]) if first.elements_shape else ()
    elements_shape = (sum(element_rows), *tail)
    top = None
    if inv.top:
        top = _top(spec, inv.top, results, element_rows, tail, elements_shape, shape)
    moments, ci, boot = _ci(inv, results)
    warnings = tuple(dict.fromkeys(w for r in results for w in r.warnings))
    omitted = sum(r.omitted for r in results) if inv.nan_policy == "omit" else None
    return Result(spec.name, inv.reduction, value=value, dtype=inv.dtype, shape=tuple(shape), params=first.params,
                  omitted=omitted, parts={"sum": total, "denominator": denominator}, streamed=True, top=top,
                  histogram=histogram, warnings=warnings, elements_shape=elements_shape, ci=ci, moments=moments,
                  bootstrap=boot)


def _top(spec, k: int, results, element_rows, tail, elements_shape, shape):
    """The K largest of the shards' K largest, by their index in the whole (ties: the earlier)."""
    from .render import index_names

    keys, index, values, columns = [], [], [], {}
    per_row = math.prod(tail)
    start = 0
    for r, n in zip(results, element_rows):
        rows = r.top
        names = rows.header[len(index_names(len(rows.shape))):-1]
        v = np.asarray(rows.columns[-1])
        keys.append(np.where(np.isnan(v.astype(np.float64)), np.inf, v))
        values.append(v)
        index.append(np.asarray(rows.order, dtype=np.int64) + start * per_row)
        for name, column in zip(names, rows.columns[:-1]):
            columns.setdefault(name, []).append(np.asarray(column))
        start += n
    key, flat, vals = np.concatenate(keys), np.concatenate(index), np.concatenate(values)
    order = np.lexsort((flat, -key))[:k]
    top = TopK(k)
    top.key, top.index, top.values = key[order], flat[order], vals[order]
    top.columns = {name: np.concatenate(parts)[order] for name, parts in columns.items()}
    unit = "sample" if len(elements_shape) == 1 and math.prod(elements_shape) != math.prod(shape) else "element"
    return top.rows(spec.name, elements_shape, unit)


def _ci(inv: Invocation, results):
    """(moments, ci, bootstrap) of the whole: the shards' moments merged in order (Chan), their
    bootstrap sums added; a ratio mean whose every weight is 1 shows the plain t interval, as
    one machine does."""
    from . import stats

    if inv.ci is None:
        return None, None, None
    total = stats.Moments(results[0].moments.k)
    for r in results:
        total.merge(r.moments)
    shown = total
    if total.k == 2 and total.n and total.mean[1] == 1.0 and total.m2[1, 1] == 0.0:  # every weight 1
        shown = stats.Moments(1)
        shown.n, shown.mean, shown.m2 = total.n, total.mean[:1].copy(), total.m2[:1, :1].copy()
    if inv.ci_method == "bootstrap":
        boot = stats.Bootstrap(total.k, inv.resamples, inv.seed)
        for r in results:
            boot.merge(r.bootstrap)
        return total, stats.bootstrap_interval(shown, boot, inv.ci), boot
    return total, stats.interval(shown, inv.ci), None


__all__ = ["ENV", "connect", "map_ordered", "plan", "run", "run_on"]
