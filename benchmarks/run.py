"""losscli side by side with what users would run instead (issue 6), as a table of ratios.

    python benchmarks/run.py                    # the full run: 10M rows, 5 repeats (~10 min)
    python benchmarks/run.py --quick            # small sizes, a smoke run (~1 min)
    python benchmarks/run.py --only startup,npy --repeat 3 --markdown
    python benchmarks/run.py --flat --slow      # + the 4x-rows RSS flatness run, + numpy.loadtxt

Targets (ratio = losscli time / anchor time, so lower is better; "Nx faster" is a ratio <= 1/N):
  csv      mse on a 2-column CSV of --rows rows vs the pandas one-liner (<= 0.6), polars
           streaming (<= 1.1), torch.nn.MSELoss through pandas (informative), numpy.loadtxt
           (--slow, informative); losscli's peak RSS <= 200 MiB, and with --flat within +25%
           at 4x the rows.
  startup  mse of 3 inline numbers vs `python -c "import numpy"` (<= 1.6) and the same loss
           through torch (>= 8x faster); `losscli --help` vs import numpy (informative), and
           `losscli --help` must import no numpy (checked with python -X importtime).
  npy      mse of two .npy files of --rows elements vs np.load both + ((a-b)**2).mean() (<= 1.3).
  none     mse -r none -f csv of the .npy pair to /dev/null vs np.savetxt of the losses (>= 5x).
  ce       cross-entropy, float32 logits of L x 100 (L = 1M, 100k with --quick):
           (a) in one process, losscli.functional.cross_entropy vs torch F.cross_entropy,
           only the call timed (<= 1.5); (b) the whole command vs a torch one-liner (< 1).
  linear   mse on CSVs of rows/100, rows/10 and rows rows: wall and ns per row.
  parsers  why polars parses the large CSVs: losscli's block reader (polars) vs pandas in
           chunks (one thread, and two threads on blocks), pyarrow's streaming reader, and
           with --slow losscli's own pure-Python reader; each computes the MSE (informative).
  blocks   stream.row_blocks itself (what the engine calls), summing the MSE over its blocks, until
           the engine reads every source through it: the CSV file vs polars streaming (<= 1.1);
           `cat csv |` into stdin (<= 1.2 of the file) and two process substitutions of one
           column each (<= 1.3), both <= 250 MiB; a JSON Lines file of --jsonl records vs
           pl.scan_ndjson streaming (<= 1.5); the floor of two designs on the same file:
           polars' own collect_batches() to NumPy, and pl.read_csv of 8 MiB blocks, no checks.
  engine   the command-line rows of the engine issue, each vs the plain reduction of the CSV:
           stdin pipe (<= 1.2), process substitution (<= 1.3), --top 10, --hist,
           -r none --fail-above X (peak RSS at rows and, with --flat, 4x rows: flat), -r none
           -f csv, -r none -f jsonl, --grad -f csv (informative); a 3 MB CSV read once (the
           opens of the file counted); the 10M plain reduction vs polars streaming (<= 1.1);
           JSON Lines vs pl.scan_ndjson (<= 1.5); a tiny inline call vs import numpy (<= 1.6).
  stats    issue 13 (a group of its own): --ci analytic on the CSV vs its plain reduction (<= 1.15);
           compare mse of the CSV's model with a baseline CSV of the same targets vs one plain
           reduction (<= 2.2); --ci-method bootstrap and bca, --resamples 1000, on 100,000 rows
           (<= 2 s; the N x B cost table is benchmarks/bootstrap_cost.py).
  datasets issue 11: mse on a Parquet file of --rows rows (2 float64 columns) vs
           pl.scan_parquet(...).collect(engine="streaming") (<= 1.1), peak RSS <= 200 MiB; the same
           over a glob of 8 Parquet shards of 4x --rows rows in all vs the polars query over the
           glob (<= 1.1), and its peak RSS vs the single file's (flat: within +25%).
  dask     issue 11: the same 8 shards (4x --rows rows) with --scheduler local:2 (a LocalCluster of
           two workers, threads of the command's process, started by it) vs the one-machine command
           (<= 1.5), the values equal to rtol 1e-12; the same on an already running cluster of two
           worker processes (--scheduler ADDRESS, informative); the per-task overhead (ms per task: 64 tiny shards
           vs 1 on the running cluster); and a projection, on paper, of a 100-worker cluster on 100x
           the rows from the measured per-worker throughput (a second table).
  slices   issue 13: mse --by on a CSV of --rows rows of pred,target,group (1,000 integer groups) vs the
           plain reduction of the same file (<= 1.5); the same with the groups as words (informative:
           text keys are read whole, by polars, then the loss in blocks), and with --ci (informative).

Every measured command is a separate process (sys.executable, or the losscli console script
beside it: a pyenv shim would add ~130 ms of bash to every call). Each group runs one warm-up
of every command, then K rounds of losscli and its anchors interleaved (A B C A B C ...),
sequentially; the table shows medians. Peak RSS is the child's ru_maxrss from os.wait4.
Files are read from a warm page cache. An anchor whose library is not importable is skipped.

Environment: every child, losscli and anchor alike, gets this process's environment
unchanged. OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE (set on some machines here) pick OpenBLAS's
kernel, but nothing measured calls BLAS (elementwise ufuncs and reductions use NumPy's own
SIMD loops), and `import numpy` costs the same with or without them, so they stay as they are.

Data is generated once into --data (default benchmarks/.data/, gitignored): CSV rows of
`pred,target` as float64 repr (10M rows ~ 393 MB), the same values as .npy pairs, and
float32 logits + int64 labels as .npy.
"""

import argparse
import importlib.util
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PY = sys.executable
TARGETS = ("csv", "startup", "npy", "none", "ce", "linear", "parsers", "blocks", "engine", "datasets", "dask",
           "slices", "stats")
CLASSES = 100


def losscli_command() -> list[str]:
    beside = Path(PY).parent / "losscli"  # the console script pip installed for this python
    if beside.exists():
        return [str(beside)]
    found = shutil.which("losscli")
    return [found] if found else [PY, "-m", "losscli"]


# ---- data -----------------------------------------------------------------------------------
# Generated in a child process: this one never imports NumPy, because on Linux a child's
# ru_maxrss starts from the RSS of the process that forked it, so a big harness would set a
# floor under every peak RSS it reports.

FILES = {"parquet": ["mse_{n}.parquet"], "shards": [f"shards_{{n}}/part-{i}.parquet" for i in range(8)],
         "csv": ["mse_{n}.csv"], "baseline": ["baseline_{n}.csv"], "jsonl": ["mse_{n}.jsonl"],
         "npy": ["pred_{n}.npy", "target_{n}.npy"],
         "logits": [f"logits_{{n}}x{CLASSES}.npy", "labels_{n}.npy"], "groups": ["groups_{n}.csv"]}
GROUPS = 1000


def generate(kind: str, n: int, outs: list[str]) -> None:
    import numpy as np

    rng = np.random.default_rng(n)
    if kind == "baseline":  # a second model on the csv kind's targets (the same first draw): pred,target
        target = rng.standard_normal(n)
        pred = target + 0.1 * np.random.default_rng(n + 1).standard_normal(n)
        with open(outs[0], "w") as f:
            f.write("pred,target\n")
            for i in range(0, n, 1_000_000):
                f.writelines(f"{p!r},{t!r}\n" for p, t in zip(pred[i:i + 1_000_000].tolist(), target[i:i + 1_000_000].tolist()))
        return
    if kind == "logits":
        np.save(outs[0], rng.standard_normal((n, CLASSES), dtype=np.float32) * 3)
        np.save(outs[1], rng.integers(0, CLASSES, n))
        return
    target = rng.standard_normal(n)  # like a model's eval dump: pred = target + noise
    if kind == "groups":  # pred,target,group,domain: GROUPS groups, as integers and as words
        pred = target + 0.1 * rng.standard_normal(n)
        group = rng.integers(0, GROUPS, n)
        with open(outs[0], "w") as f:
            f.write("pred,target,group,domain\n")
            for i in range(0, n, 1_000_000):
                f.writelines(f"{p!r},{t!r},{g},d{g}\n" for p, t, g in zip(pred[i:i + 1_000_000].tolist(),
                                                                       target[i:i + 1_000_000].tolist(),
                                                                       group[i:i + 1_000_000].tolist()))
        return
    pred = target + 0.1 * rng.standard_normal(n)
    if kind == "npy":
        np.save(outs[0], pred)
        np.save(outs[1], target)
        return
    if kind in ("parquet", "shards"):  # polars' default row groups; shards: N rows in 8 files
        import polars as pl

        for path, p, t in zip(outs, np.array_split(pred, len(outs)), np.array_split(target, len(outs))):
            pl.DataFrame({"pred": p, "target": t}).write_parquet(path)
        return
    if kind == "jsonl":  # records {"pred": p, "target": t}, one a line (5M ~ 280 MB)
        with open(outs[0], "w") as f:
            for i in range(0, n, 1_000_000):
                f.writelines(f'{{"pred": {p!r}, "target": {t!r}}}\n' for p, t in zip(pred[i:i + 1_000_000].tolist(),
                                                                                 target[i:i + 1_000_000].tolist()))
        return
    with open(outs[0], "w") as f:
        f.write("pred,target\n")
        for i in range(0, n, 1_000_000):  # float64 written with repr: 10M rows ~ 393 MB
            f.writelines(f"{p!r},{t!r}\n" for p, t in zip(pred[i:i + 1_000_000].tolist(),
                                                           target[i:i + 1_000_000].tolist()))


def data_file(data: Path, kind: str, n: int) -> list[Path]:
    """The cached files of one kind and size, generated if missing."""
    paths = [data / f.format(n=n) for f in FILES[kind]]
    if not all(p.exists() for p in paths):
        print(f"  generating {paths[0].name} ...", file=sys.stderr, flush=True)
        for p in paths:
            p.parent.mkdir(parents=True, exist_ok=True)
        tmp = [p.with_name("tmp." + p.name) for p in paths]
        subprocess.run([PY, __file__, "--generate", kind, str(n), *map(str, tmp)], check=True)
        for t, p in zip(tmp, paths):
            t.replace(p)  # an interrupted generation leaves no half file in the cache
    return paths


# ---- measuring ------------------------------------------------------------------------------

class Cmd:
    """One command to run as a process; its timings and peak RSS accumulate over the rounds."""

    def __init__(self, name, argv, needs=(), stdout_devnull=False):
        self.name, self.argv, self.stdout_devnull = name, argv, stdout_devnull
        self.missing = [m for m in needs if importlib.util.find_spec(m) is None]
        self.walls, self.rss, self.output, self.error = [], [], "", None

    def run(self, capture=False):
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            sink = out if capture and not self.stdout_devnull else subprocess.DEVNULL
            t0 = time.perf_counter()
            proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=sink, stderr=err)
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - t0
            proc.returncode = code = os.waitstatus_to_exitcode(status)
            if code != 0:
                err.seek(0)
                tail = err.read().decode(errors="replace").strip().splitlines()[-1:] or [""]
                self.error = f"exit {code}: {tail[0][:200]}"
            if capture:
                out.seek(0)
                self.output = out.read().decode(errors="replace").strip()
        return wall, usage.ru_maxrss / 1024  # Linux: KiB -> MiB

    @property
    def wall(self):
        return statistics.median(self.walls) if self.walls else None

    @property
    def peak(self):
        return max(self.rss) if self.rss else None


def measure(cmds: list[Cmd], repeat: int) -> list[Cmd]:
    """One warm-up each (output kept to compare the values), then `repeat` interleaved rounds."""
    live = [c for c in cmds if not c.missing]
    for c in live:
        c.run(capture=True)
    live = [c for c in live if c.error is None]
    for _ in range(repeat):
        for c in live:
            wall, rss = c.run()
            if c.error is None:
                c.walls.append(wall)
                c.rss.append(rss)
    return cmds


# ---- the table ------------------------------------------------------------------------------

ROWS: list[list[str]] = []
NOTES: list[str] = []
HEADER = ["target", "vs", "losscli", "anchor", "ratio", "limit", "result", "peak RSS losscli / anchor"]


def fmt_time(s):
    return "-" if s is None else f"{s * 1000:.0f} ms" if s < 1 else f"{s:.2f} s"


def fmt_mib(m):
    return "-" if m is None else f"{m:.0f} MiB"


def verdict(ratio, limit):
    if ratio is None:
        return "-"
    return "info" if limit is None else "PASS" if ratio <= limit else "FAIL"


def limit_text(limit):
    if limit is None:
        return "-"
    return f"<= {limit:g}" if limit >= 0.5 else f"<= {limit:.3g} ({1 / limit:g}x faster)"


def compare(target: str, ours: Cmd, anchor: Cmd, limit, vs=None):
    for c in (ours, anchor):
        if c.missing:
            NOTES.append(f"{target}: {c.name} skipped, not importable: {', '.join(c.missing)}")
        elif c.error:
            NOTES.append(f"{target}: {c.name} failed ({c.error})")
    ratio = ours.wall / anchor.wall if ours.wall and anchor.wall else None
    result = ("skipped" if ours.missing or anchor.missing else "ERROR" if ours.error or anchor.error
              else verdict(ratio, limit))
    ROWS.append([target, vs or anchor.name, fmt_time(ours.wall), fmt_time(anchor.wall),
                 "-" if ratio is None else f"{ratio:.2f}", limit_text(limit), result,
                 f"{fmt_mib(ours.peak)} / {fmt_mib(anchor.peak)}"])
    try:  # the values must agree, or the timing compares different work
        a, b = float(ours.output.split()[-1]), float(anchor.output.split()[-1])
        if abs(a - b) > 1e-5 * max(abs(a), abs(b), 1e-12):
            NOTES.append(f"{target}: losscli printed {a!r} but {anchor.name} printed {b!r}")
    except (ValueError, IndexError):
        pass


def bound(target: str, what: str, value, limit, unit="MiB"):
    ratio = value / limit if value is not None else None
    ROWS.append([target, what, f"{value:.0f} {unit}" if value is not None else "-", f"{limit:g} {unit}",
                 "-" if ratio is None else f"{ratio:.2f}", "<= 1", verdict(ratio, 1.0), ""])


def print_table(rows, header, markdown):
    if markdown:
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        for r in rows:
            print("| " + " | ".join(c.replace("|", "\\|") for c in r) + " |")
        return
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for r in [header, *rows]:
        print("  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip())


def machine() -> str:
    from importlib.metadata import PackageNotFoundError, version

    def field(path, key):
        return next((line.split(":", 1)[1].strip() for line in Path(path).read_text().splitlines()
                     if line.startswith(key)), "?")

    cpu, ram = field("/proc/cpuinfo", "model name"), int(field("/proc/meminfo", "MemTotal").split()[0]) / 2**20
    versions = []
    for mod in ("numpy", "pandas", "polars", "torch"):
        try:
            versions.append(f"{mod} {version(mod)}")
        except PackageNotFoundError:
            versions.append(f"{mod} missing")
    blas = os.environ.get("OPENBLAS_CORETYPE")
    return (f"{cpu}, {os.cpu_count()} cores, {ram:.0f} GiB RAM, Python {platform.python_version()}, "
            + ", ".join(versions) + (f" (OPENBLAS_CORETYPE={blas} as set here)" if blas else ""))


# ---- the targets ----------------------------------------------------------------------------

def py(code: str, name: str, needs=(), **kw) -> Cmd:
    return Cmd(name, [PY, "-c", code], needs=needs, **kw)


def bench_csv(a, L, data):
    csv, = data_file(data, "csv", a.rows)
    mse = [*L, "mse", "--pred", f"{csv}:pred", "--target", f"{csv}:target", "-q"]
    ours = Cmd("losscli", mse)
    anchors = [
        py(f"import pandas as pd; df = pd.read_csv({str(csv)!r}); print(((df.pred - df.target)**2).mean())",
           "pandas read_csv", ["pandas"]),
        py(f"import polars as pl; print(pl.scan_csv({str(csv)!r}).select(((pl.col('pred') - pl.col('target'))**2)"
           f".mean()).collect(engine='streaming').item())", "polars streaming", ["polars"]),
        py(f"import pandas as pd, torch; df = pd.read_csv({str(csv)!r}); t = lambda s: torch.from_numpy(s.to_numpy()); "
           "print(torch.nn.MSELoss()(t(df.pred), t(df.target)).item())",
           "torch MSELoss (pandas)", ["pandas", "torch"]),
        # The floor of any reader that hands polars-parsed batches to NumPy (as losscli does):
        # polars' own batch API, with the compute a dot product, and no validation.
        py(f"import polars as pl\ns = n = 0\nfor b in pl.scan_csv({str(csv)!r}).collect_batches():\n"
           "    d = b['pred'].to_numpy() - b['target'].to_numpy(); s += float(d @ d); n += len(d)\nprint(s / n)",
           "polars batches to NumPy (floor)", ["polars"]),
    ]
    if a.slow:
        anchors.append(py(f"import numpy as np; x = np.loadtxt({str(csv)!r}, delimiter=',', skiprows=1); "
                          "print(((x[:, 0] - x[:, 1])**2).mean())", "numpy.loadtxt"))
    measure([ours, *anchors], a.repeat)
    for anchor, limit in zip(anchors, (0.6, 1.1, None, None, None)):
        compare("1 csv", ours, anchor, limit)
    bound("1 csv", "peak RSS bound", ours.peak, 200)
    if a.flat:
        big, = data_file(data, "csv", 4 * a.rows)
        four = Cmd("losscli 4x rows", [*L, "mse", "--pred", f"{big}:pred", "--target", f"{big}:target", "-q"])
        measure([four], a.repeat)
        if four.peak and ours.peak:
            ROWS.append(["1 csv flat", f"RSS at {4 * a.rows:,} rows", fmt_mib(four.peak), fmt_mib(ours.peak),
                         f"{four.peak / ours.peak:.2f}", "<= 1.25", verdict(four.peak / ours.peak, 1.25),
                         f"wall {fmt_time(four.wall)}"])


def bench_startup(a, L, data):
    ours = Cmd("losscli", [*L, "mse", "--pred", "2,3,4", "--target", "2.5,3.5,4.5", "-q"])
    numpy = py("import numpy", "import numpy")
    torch = py("import torch; print(torch.nn.functional.mse_loss(torch.tensor([2., 3., 4.], dtype=torch.float64), "
               "torch.tensor([2.5, 3.5, 4.5], dtype=torch.float64)).item())", "torch one-liner", ["torch"])
    helps = Cmd("losscli --help", [*L, "--help"])
    measure([ours, numpy, torch, helps], a.repeat)
    compare("2 startup", ours, numpy, 1.6)
    compare("2 startup", ours, torch, 1 / 8)
    compare("2 --help", helps, numpy, None, vs="import numpy (losscli --help)")
    # -X importtime lists every module imported, on stderr: `losscli --help` must not list numpy.
    wrapper = "import sys; sys.argv = ['losscli', '--help']; from losscli.cli import main; main()"
    probe = subprocess.run([PY, "-X", "importtime", "-c", wrapper], capture_output=True, text=True, check=False)
    numpy_in = any(re.search(r"\|\s+numpy$", line) for line in probe.stderr.splitlines())
    ROWS.append(["2 --help", "imports numpy?", "yes" if numpy_in else "no", "-", "-", "no",
                 "FAIL" if numpy_in or probe.returncode else "PASS", ""])


def bench_npy(a, L, data):
    x, y = data_file(data, "npy", a.rows)
    ours = Cmd("losscli", [*L, "mse", "--pred", str(x), "--target", str(y), "-q"])
    anchor = py(f"import numpy as np; a = np.load({str(x)!r}); b = np.load({str(y)!r}); print(((a - b)**2).mean())",
                "numpy one-liner")
    measure([ours, anchor], a.repeat)
    compare("3 npy", ours, anchor, 1.3)


def bench_none(a, L, data):
    x, y = data_file(data, "npy", a.rows)
    ours = Cmd("losscli", [*L, "mse", "--pred", str(x), "--target", str(y), "-r", "none", "-f", "csv"],
               stdout_devnull=True)
    anchor = py(f"import numpy as np; a = np.load({str(x)!r}); b = np.load({str(y)!r}); "
                "np.savetxt('/dev/null', (a - b)**2)", "np.savetxt", stdout_devnull=True)
    measure([ours, anchor], a.repeat)
    compare("4 -r none csv", ours, anchor, 1 / 5)


CE_IN_PROCESS = """
import json, statistics, sys, time
import numpy as np, torch, torch.nn.functional as F
from losscli.functional import cross_entropy
x, y = np.load(sys.argv[1]), np.load(sys.argv[2])
tx, ty, threads = torch.from_numpy(x), torch.from_numpy(y), torch.get_num_threads()
def one_thread():  # informative: NumPy's ufuncs use one core, torch's default uses them all
    torch.set_num_threads(1)
    try:
        return F.cross_entropy(tx, ty).item()
    finally:
        torch.set_num_threads(threads)
calls = {"losscli": lambda: float(cross_entropy(x, y)), "torch": lambda: F.cross_entropy(tx, ty).item(),
         "torch1": one_thread}
times = {k: [] for k in calls}
values = {k: f() for k, f in calls.items()}  # warm-up
for _ in range(int(sys.argv[3])):
    for k, f in calls.items():
        t0 = time.perf_counter(); f(); times[k].append(time.perf_counter() - t0)
print(json.dumps({"times": {k: statistics.median(v) for k, v in times.items()}, "values": values,
                  "threads": threads}))
"""


def bench_ce(a, L, data):
    x, y = data_file(data, "logits", a.logits)
    if importlib.util.find_spec("torch") is None:
        NOTES.append("5 ce: torch not importable, cross-entropy anchors skipped")
    else:
        r = subprocess.run([PY, "-c", CE_IN_PROCESS, str(x), str(y), str(a.repeat)], capture_output=True, text=True,
                           check=False)
        if r.returncode:
            NOTES.append(f"5a ce core: failed: {(r.stderr.strip().splitlines() or [''])[-1]}")
        else:
            res = json.loads(r.stdout)
            t, v = res["times"], res["values"]
            for key, vs, limit in (("torch", f"F.cross_entropy, {res['threads']} threads", 1.5),
                                   ("torch1", "F.cross_entropy, 1 thread", None)):
                ratio = t["losscli"] / t[key]
                ROWS.append(["5a ce core", vs, fmt_time(t["losscli"]), fmt_time(t[key]), f"{ratio:.2f}",
                             limit_text(limit), verdict(ratio, limit), "in-process"])
            if abs(v["losscli"] - v["torch"]) > 1e-5 * abs(v["torch"]):
                NOTES.append(f"5a ce core: losscli {v['losscli']!r} vs torch {v['torch']!r}")
    ours = Cmd("losscli", [*L, "cross-entropy", "--pred", str(x), "--target", str(y), "--dtype", "float32", "-q"])
    anchor = py(f"import numpy as np, torch; x = torch.from_numpy(np.load({str(x)!r})); "
                f"y = torch.from_numpy(np.load({str(y)!r})); "
                "print(torch.nn.functional.cross_entropy(x, y).item())", "torch one-liner", ["torch"])
    measure([ours, anchor], a.repeat)
    compare("5b ce command", ours, anchor, 1.0)


def bench_linear(a, L, data):
    sizes = [max(a.rows // 100, 10), max(a.rows // 10, 10), a.rows]
    cmds = [Cmd(f"{n:,} rows", [*L, "mse", "--pred", f"{f}:pred", "--target", f"{f}:target", "-q"])
            for n, f in ((n, data_file(data, "csv", n)[0]) for n in sizes)]
    measure(cmds, a.repeat)
    return [[f"{n:,}", fmt_time(c.wall), f"{c.wall / n * 1e9:.0f}" if c.wall else "-", fmt_mib(c.peak)]
            for n, c in zip(sizes, cmds)]


PANDAS_TWO_THREADS = """
import io, sys
from collections import deque
from concurrent.futures import ThreadPoolExecutor
import pandas as pd
def blocks(path, size=8 << 20):
    with open(path, "rb") as f:
        f.readline()
        rest = b""
        while data := f.read(size):
            data = rest + data
            cut = data.rfind(b"\\n") + 1
            rest = data[cut:]
            yield data[:cut]
        if rest:
            yield rest
def parse(b):
    a = pd.read_csv(io.BytesIO(b), header=None, dtype="float64", na_filter=False, engine="c").to_numpy()
    d = a[:, 0] - a[:, 1]
    return float(d @ d), len(d)
s = n = 0
with ThreadPoolExecutor(2) as pool:
    pending = deque()
    for b in blocks(sys.argv[1]):
        pending.append(pool.submit(parse, b))
        while len(pending) > 2:
            ps, pn = pending.popleft().result(); s += ps; n += pn
    for f in pending:
        ps, pn = f.result(); s += ps; n += pn
print(s / n)
"""


def bench_parsers(a, L, data):
    csv, = data_file(data, "csv", a.rows)
    sel = {"--pred": f"{csv}:pred", "--target": f"{csv}:target"}
    ours = py("from losscli import stream\ns = n = 0\n"
              f"for b in stream.plan({sel!r}, None, 0):\n"
              "    d = b['--pred'] - b['--target']; s += float(d @ d); n += len(d)\nprint(s / n)",
              "losscli blocks (polars)", ["polars"])
    anchors = [
        py(f"import pandas as pd\ns = n = 0\nfor df in pd.read_csv({str(csv)!r}, chunksize=1 << 20):\n"
           "    d = (df.pred - df.target).to_numpy(); s += float(d @ d); n += len(d)\nprint(s / n)",
           "pandas chunks, 1 thread", ["pandas"]),
        Cmd("pandas blocks, 2 threads", [PY, "-c", PANDAS_TWO_THREADS, str(csv)], needs=["pandas"]),
        py("import pyarrow.csv as pc\ns = n = 0\n"
           f"for b in pc.open_csv({str(csv)!r}):\n"
           "    d = b.column(0).to_numpy() - b.column(1).to_numpy(); s += float(d @ d); n += len(d)\nprint(s / n)",
           "pyarrow streaming", ["pyarrow"]),
    ]
    if a.slow:
        anchors.append(py("from losscli.inputs import Sources\nsrc = Sources()\n"
                          f"d = src.load('--pred', {sel['--pred']!r}) - src.load('--target', {sel['--target']!r})\n"
                          "print(float(d @ d) / len(d))", "losscli pure-Python reader"))
    measure([ours, *anchors], a.repeat)
    for anchor in anchors:
        compare("parsers", ours, anchor, None)


# ---- row_blocks and the engine's targets ----------------------------------------------------

BLOCK_SUM = """
import sys
import losscli.stream as stream
from losscli.inputs import Sources
per = dict(a.split("=", 1) for a in sys.argv[1:])
sources = Sources()
blocks = stream.row_blocks(per, sources, 4 << 20)
if blocks is None:  # small: read whole, as the engine then does
    blocks = [{option: sources.load(option, source) for option, source in per.items()}]
s = n = 0.0
for b in blocks:
    d = b["--pred"] - b["--target"]
    s += float(d @ d)
    n += len(d)
print(s / n)
"""


def shell(name: str, script: str, **kw) -> Cmd:
    """A pipeline or a process substitution: bash runs it; peak RSS is its largest process."""
    return Cmd(name, ["bash", "-c", script], **kw)


def quoted(argv: list[str]) -> str:
    import shlex

    return " ".join(map(shlex.quote, argv))


def bench_blocks(a, L, data):
    csv, = data_file(data, "csv", a.rows)
    jsonl, = data_file(data, "jsonl", a.jsonl)
    blocks = [PY, "-c", BLOCK_SUM]
    c = quoted([str(csv)])
    file = Cmd("row_blocks file", [*blocks, f"--pred={csv}:pred", f"--target={csv}:target"], needs=["polars"])
    stdin = shell("row_blocks stdin", f"cat {c} | {quoted(blocks)} --pred=-:pred --target=-:target", needs=["polars"])
    subst = shell("row_blocks <(cut)", f"{quoted(blocks)} --pred=<(cut -d, -f1 {c}) --target=<(cut -d, -f2 {c})",
                  needs=["polars"])
    polars = py(f"import polars as pl; print(pl.scan_csv({str(csv)!r}).select(((pl.col('pred') - pl.col('target'))**2)"
                f".mean()).collect(engine='streaming').item())", "polars streaming", ["polars"])
    batches = py(f"import polars as pl\ns = n = 0\nfor b in pl.scan_csv({str(csv)!r}).collect_batches():\n"
                 "    d = b['pred'].to_numpy() - b['target'].to_numpy(); s += float(d @ d); n += len(d)\nprint(s / n)",
                 "floor: collect_batches", ["polars"])
    read_blocks = py("import polars as pl\n"
                     f"f = open({str(csv)!r}, 'rb'); f.readline(); rest = b''; s = n = 0\n"
                     "schema = {'a': pl.Float64, 'b': pl.Float64}\n"
                     "while data := f.read(8 << 20):\n"
                     "    data = rest + data; cut = data.rfind(b'\\n') + 1; rest = data[cut:]\n"
                     "    x = pl.read_csv(data[:cut], has_header=False, schema=schema).to_numpy()\n"
                     "    d = x[:, 0] - x[:, 1]; s += float(d @ d); n += len(d)\nprint(s / n)",
                     "floor: read_csv blocks", ["polars"])
    ndjson_ours = Cmd("row_blocks jsonl", [*blocks, f"--pred={jsonl}:pred", f"--target={jsonl}:target"],
                      needs=["polars"])
    ndjson = py(f"import polars as pl; print(pl.scan_ndjson({str(jsonl)!r}).select(((pl.col('pred') - "
                "pl.col('target'))**2).mean()).collect(engine='streaming').item())", "pl.scan_ndjson", ["polars"])
    measure([file, stdin, subst, polars, batches, read_blocks, ndjson_ours, ndjson], a.repeat)
    compare("7 blocks file", file, polars, 1.1)
    compare("7 blocks file", file, batches, None)
    compare("7 blocks file", file, read_blocks, None)
    compare("7 blocks stdin", stdin, file, 1.2, vs="row_blocks file")
    bound("7 blocks stdin", "peak RSS bound", stdin.peak, 250)
    compare("7 blocks <(cut)", subst, file, 1.3, vs="row_blocks file")
    bound("7 blocks <(cut)", "peak RSS bound", subst.peak, 250)
    compare("7 blocks jsonl", ndjson_ours, ndjson, 1.5)


OPENS = """
import builtins, os, sys
path, argv = os.path.realpath(sys.argv[1]), sys.argv[2:]
opened = []
real_open, real_os_open = builtins.open, os.open
def counted(file, *a, **k):
    if isinstance(file, (str, bytes, os.PathLike)) and os.path.realpath(file) == path:
        opened.append(file)
    return real_open(file, *a, **k)
def os_counted(file, *a, **k):
    if os.path.realpath(file) == path:
        opened.append(file)
    return real_os_open(file, *a, **k)
builtins.open, os.open = counted, os_counted
sys.argv = ["losscli", *argv]
from losscli.cli import main
try:
    main()
except SystemExit:
    pass
print(len(opened), file=sys.stderr)
"""


def bench_engine(a, L, data):
    csv, = data_file(data, "csv", a.rows)
    jsonl, = data_file(data, "jsonl", a.jsonl)
    c = quoted([str(csv)])
    mse = [*L, "mse", "--pred", f"{csv}:pred", "--target", f"{csv}:target"]
    plain = Cmd("plain reduction", [*mse, "-q"])
    rows = [
        (shell("stdin pipe", f"cat {c} | {quoted(L)} mse --pred -:pred --target -:target -q"), 1.2, 250),
        (shell("process substitution", f"{quoted(L)} mse --pred <(cut -d, -f1 {c}) --target <(cut -d, -f2 {c}) -q"),
         1.3, 250),
        (Cmd("--top 10", [*mse, "--top", "10", "-q"], stdout_devnull=True), None, None),
        (Cmd("--hist", [*mse, "--hist"], stdout_devnull=True), None, None),
        (Cmd("-r none --fail-above 1e9", [*mse, "-r", "none", "--fail-above", "1e9", "-q"], stdout_devnull=True),
         None, None),
        (Cmd("-r none -f csv", [*mse, "-r", "none", "-f", "csv"], stdout_devnull=True), None, None),
        (Cmd("-r none -f jsonl", [*mse, "-r", "none", "-f", "jsonl"], stdout_devnull=True), None, None),
        (Cmd("--grad -f csv", [*mse, "--grad", "-f", "csv"], stdout_devnull=True), None, None),
    ]
    polars = py(f"import polars as pl; print(pl.scan_csv({str(csv)!r}).select(((pl.col('pred') - pl.col('target'))**2)"
                f".mean()).collect(engine='streaming').item())", "polars streaming", ["polars"])
    ours_jsonl = Cmd("losscli jsonl", [*L, "mse", "--pred", f"{jsonl}:pred", "--target", f"{jsonl}:target", "-q"])
    ndjson = py(f"import polars as pl; print(pl.scan_ndjson({str(jsonl)!r}).select(((pl.col('pred') - "
                "pl.col('target'))**2).mean()).collect(engine='streaming').item())", "pl.scan_ndjson", ["polars"])
    tiny = Cmd("tiny inline", [*L, "mse", "--pred", "2,3,4", "--target", "2.5,3.5,4.5", "-q"])
    numpy = py("import numpy", "import numpy")
    measure([plain, *(cmd for cmd, _, _ in rows), polars, ours_jsonl, ndjson, tiny, numpy], a.repeat)
    for cmd, limit, rss in rows:
        compare(f"8 {cmd.name}", cmd, plain, limit, vs="plain reduction")
        if rss:
            bound(f"8 {cmd.name}", "peak RSS bound", cmd.peak, rss)
    compare("8 plain", plain, polars, 1.1)
    compare("8 jsonl", ours_jsonl, ndjson, 1.5)
    compare("8 startup", tiny, numpy, 1.6)
    if a.flat:
        big, = data_file(data, "csv", 4 * a.rows)
        gate = rows[4][0]
        four = Cmd("-r none --fail-above, 4x rows", [*L, "mse", "--pred", f"{big}:pred", "--target", f"{big}:target",
                                                    "-r", "none", "--fail-above", "1e9", "-q"], stdout_devnull=True)
        measure([four], a.repeat)
        if four.peak and gate.peak:
            ROWS.append(["8 gate flat", f"RSS at {4 * a.rows:,} rows", fmt_mib(four.peak), fmt_mib(gate.peak),
                         f"{four.peak / gate.peak:.2f}", "<= 1.25", verdict(four.peak / gate.peak, 1.25),
                         f"wall {fmt_time(four.wall)}"])
    # a 3 MB CSV, below the size that streams: how many times the command opens it
    small = data / "mse_3mb.csv"
    if not small.exists():
        with open(csv) as f, open(small, "w") as out:
            header = f.readline()
            out.write(header)
            while out.tell() < 3 << 20:
                out.write(f.readline() or (f.seek(0), f.readline(), f.readline())[2])  # from the top again
    probe = subprocess.run([PY, "-c", OPENS, str(small), "mse", "--pred", f"{small}:pred", "--target",
                            f"{small}:target", "-q"], capture_output=True, text=True, check=False)
    opens = (probe.stderr.strip().splitlines() or ["?"])[-1]
    ROWS.append(["8 3 MB one read", "opens of the file", opens, "1", "-", "<= 1",
                 "PASS" if opens == "1" else "FAIL", ""])


def bench_datasets(a, L, data):
    parquet, = data_file(data, "parquet", a.rows)
    query = ("import polars as pl; print(pl.scan_parquet({!r}).select(((pl.col('pred') - pl.col('target'))**2)"
             ".mean()).collect(engine='streaming').item())")
    ours = Cmd("losscli", [*L, "mse", "--pred", f"{parquet}:pred", "--target", f"{parquet}:target", "-q"])
    anchor = py(query.format(str(parquet)), "polars scan_parquet streaming", ["polars"])
    measure([ours, anchor], a.repeat)
    compare("10 parquet", ours, anchor, 1.1)
    bound("10 parquet", "peak RSS bound", ours.peak, 200)
    shards = data_file(data, "shards", 4 * a.rows)
    single, = data_file(data, "parquet", a.rows)
    glob = str(shards[0].parent / "part-*.parquet")
    many = Cmd("losscli glob", [*L, "mse", "--pred", f"{glob}:pred", "--target", f"{glob}:target", "-q"])
    anchor = py(query.format(glob), "polars scan_parquet(glob) streaming", ["polars"])
    measure([many, anchor], a.repeat)
    compare(f"10 8 shards", many, anchor, 1.1, vs=f"polars over the glob ({4 * a.rows:,} rows)")
    if many.peak and ours.peak:
        ROWS.append(["10 shards flat", f"RSS at {4 * a.rows:,} rows vs {a.rows:,}", fmt_mib(many.peak),
                     fmt_mib(ours.peak), f"{many.peak / ours.peak:.2f}", "<= 1.25",
                     verdict(many.peak / ours.peak, 1.25), ""])


# A child connected to the running cluster at argv[1]: timed(SOURCE) is the wall time of `mse` on
# SOURCE's pred and target columns, run in-process on the cluster (median of 5 after a warm-up).
_PROBE = """
import json, statistics, sys, time
import distributed
from losscli import distributed as d, engine
from losscli.engine import Invocation
client = distributed.Client(sys.argv[1])
def timed(source):
    inv = Invocation("mse", {"pred": f"{source}:pred", "target": f"{source}:target"})
    d.run_on(client, inv)
    walls = []
    for _ in range(5):
        t = time.perf_counter()
        d.run_on(client, inv)
        walls.append(time.perf_counter() - t)
    return statistics.median(walls)
"""

# The per-task overhead: a job of 64 shards of 10 rows and one of 1 shard; (t64 - t1) / 63 is the
# wall time each further task adds on the cluster's workers (Dask's scheduling, the transfers, and
# engine.run's fixed cost on a 10-row file).
_OVERHEAD = _PROBE + """
folder, big = sys.argv[2:4]
print(json.dumps({"one": timed(f"{folder}/part-00.parquet"), "many": timed(f"{folder}/part-*.parquet"),
                  "big": timed(f"{big}/part-*.parquet")}))
client.close()
"""

# One large file on a cluster whose workers have a core each (POLARS_MAX_THREADS=1: on one machine
# of 2 cores, a worker's polars would otherwise take both, and one task would already use them all):
# the file in a window of rows per worker, against the same file as one task (the plan before windows).
_WINDOWS = _PROBE + """
path = sys.argv[2]
inv = Invocation("mse", {"pred": f"{path}:pred", "target": f"{path}:target"})
tasks = len(d.plan(engine._checked(inv), inv, 2))
windows = timed(path)
d.ROWS_PER_TASK = d._SPLIT_ROWS = 1 << 62
print(json.dumps({"windows": [windows, tasks], "whole": [timed(path), 1]}))
client.close()
"""


_CLUSTER = """
import logging, sys, time
import distributed
if __name__ == "__main__":
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=":0",
                                  silence_logs=logging.ERROR) as cluster:
        print(cluster.scheduler_address, flush=True)
        sys.stdin.read()  # until the harness closes the pipe
"""


def bench_dask(a, L, data):
    if importlib.util.find_spec("distributed") is None:
        NOTES.append("11 dask: skipped, distributed is not importable (pip install 'losscli[dask]')")
        return
    shards = data_file(data, "shards", 4 * a.rows)
    single, = data_file(data, "parquet", a.rows)
    glob = str(shards[0].parent / "part-*.parquet")
    args = ["mse", "--pred", f"{glob}:pred", "--target", f"{glob}:target", "-q"]
    tiny = data / "tiny_shards"
    if not (tiny / "part-63.parquet").exists():
        tiny.mkdir(parents=True, exist_ok=True)
        subprocess.run([PY, "-c", "import numpy as np, polars as pl, sys\nfor i in range(64):\n"
                        "    pl.DataFrame({'pred': np.arange(10.0), 'target': np.ones(10)})"
                        ".write_parquet(f'{sys.argv[1]}/part-{i:02d}.parquet')", str(tiny)], check=True)
    cluster = subprocess.Popen([PY, "-c", _CLUSTER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        address = cluster.stdout.readline().strip()
        one = Cmd("losscli", [*L, *args])
        local = Cmd("losscli --scheduler local:2", [*L, *args, "--scheduler", "local:2"])
        running = Cmd("losscli --scheduler ADDRESS", [*L, *args, "--scheduler", address])
        measure([one, local, running], a.repeat)  # interleaved: one, local, running, one, ...
        compare("11 dask local:2", local, one, 1.5, vs=f"one machine ({4 * a.rows:,} rows, 8 shards)")
        compare("11 dask running", running, one, None, vs="one machine (cluster already up)")
        for cmd in (local, running):
            try:
                x, y = float(cmd.output), float(one.output)
                rel = abs(x - y) / abs(y)
                ROWS.append([f"11 dask equal", f"{cmd.name} vs one machine", repr(x), repr(y), f"{rel:.1e}",
                             "<= 1e-12", "PASS" if rel <= 1e-12 else "FAIL", ""])
            except ValueError:
                NOTES.append(f"11 dask: no value to compare from {cmd.name} ({cmd.error})")
        file_args = ["mse", "--pred", f"{single}:pred", "--target", f"{single}:target", "-q"]
        file_one = Cmd("losscli, one file", [*L, *file_args])
        file_running = Cmd("losscli --scheduler ADDRESS, one file", [*L, *file_args, "--scheduler", address])
        measure([file_one, file_running], a.repeat)
        compare("11 dask one file", file_running, file_one, None,
                vs=f"one machine ({a.rows:,}-row Parquet file, cluster already up)")
        probe = subprocess.run([PY, "-c", _OVERHEAD, address, str(tiny), str(shards[0].parent)],
                               capture_output=True, text=True, check=False)
        if probe.returncode != 0:
            NOTES.append(f"11 dask: the overhead probe failed: {probe.stderr.strip().splitlines()[-1:]}")
            return
        t = json.loads(probe.stdout)
        per_task = (t["many"] - t["one"]) / 63
        ROWS.append(["11 dask per task", "64 tiny shards vs 1, running cluster", f"{per_task * 1000:.1f} ms",
                     f"{t['one'] * 1000:.0f} ms (1 task)", "-", "-", "info", ""])
        _bench_windows(single)
    finally:
        cluster.stdin.close()
        cluster.wait(timeout=60)
    rows = 4 * a.rows
    # per worker: the 8 shards' job in-process on the running cluster, less its fixed cost and overhead
    throughput = rows / max(t["big"] - t["one"] - 4 * per_task, 1e-9) / 2
    ROWS.append(["11 dask per worker", "8 shards in-process, running cluster", f"{throughput / 1e6:.2f}M rows/s",
                 fmt_time(t["big"]) + " (job)", "-", "-", "info", ""])
    startup = max(running.wall - t["big"], 0.0) if running.wall else 0.0
    SCALING.extend(_projection(rows, throughput, t["one"], per_task, startup, running.wall))


def _bench_windows(single: Path) -> None:
    cluster = subprocess.Popen([PY, "-c", _CLUSTER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                               env={**os.environ, "POLARS_MAX_THREADS": "1"})
    try:
        address = cluster.stdout.readline().strip()
        probe = subprocess.run([PY, "-c", _WINDOWS, address, str(single)], capture_output=True, text=True,
                               check=False)
    finally:
        cluster.stdin.close()
        cluster.wait(timeout=60)
    if probe.returncode != 0:
        NOTES.append(f"11 dask: the windows probe failed: {probe.stderr.strip().splitlines()[-1:]}")
        return
    (wall, tasks), (wall1, _) = json.loads(probe.stdout).values()
    ROWS.append(["11 dask windows", f"{single.name}: {tasks} windows vs 1 task (2 workers, a core each)",
                 fmt_time(wall), fmt_time(wall1), f"{wall / wall1:.2f}", "-", "info", ""])


SCALING: list[list[str]] = []
SCALING_HEADER = ["workers", "rows", "shards", "tasks per worker", "wall", "how"]


def _projection(rows, throughput, fixed, per_task, startup, measured) -> list[list[str]]:
    """On paper: T(W workers, R rows, S shards) = start-up + fixed + R / (W * throughput) + (S / W) * per_task,
    from the measured per-worker throughput, per-task overhead, a job's fixed cost (connect, plan, gather:
    the 1-task job) and the client's start-up (the command's wall less the in-process job: Python, losscli
    and distributed imported). Assumes shards spread evenly, storage that keeps up, and one core a worker."""
    out = []
    for workers, scale, shards in ((2, 1, 8), (100, 100, 800), (100, 100, 8000)):
        r, tasks = rows * scale, shards / workers
        wall = startup + fixed + r / (workers * throughput) + tasks * per_task
        how = f"model; measured {fmt_time(measured)}" if (workers, scale) == (2, 1) else "projected"
        out.append([str(workers), f"{r:,}", str(shards), f"{tasks:g}", fmt_time(wall), how])
    NOTES.append(f"11 dask model: {throughput / 1e6:.2f}M rows/s per worker, {per_task * 1000:.1f} ms per task, "
                 f"{fixed * 1000:.0f} ms per job, {startup:.2f} s client start-up")
    return out


def bench_slices(a, L, data):
    csv, = data_file(data, "groups", a.rows)
    mse = [*L, "mse", "--pred", f"{csv}:pred", "--target", f"{csv}:target", "-q"]
    plain = Cmd("plain reduction", mse)
    by = Cmd(f"--by, {GROUPS:,} groups", [*mse, "--by", f"{csv}:group"])
    words = Cmd(f"--by words, {GROUPS:,} groups", [*mse, "--by", f"{csv}:domain"])
    ci = Cmd(f"--by --ci, {GROUPS:,} groups", [*mse, "--by", f"{csv}:group", "--ci", "0.95"])
    measure([plain, by, words, ci], a.repeat)
    compare("11 --by", by, plain, 1.5, vs=f"plain reduction ({a.rows:,} rows)")
    compare("11 --by words", words, plain, None, vs="plain reduction")
    compare("11 --by --ci", ci, plain, None, vs="plain reduction")


def measure_cpu(cmds: list[Cmd], repeat: int) -> dict:
    """measure(), and each command's median CPU time (user + sys of the reaped child, from
    RUSAGE_CHILDREN): on a shared machine the CPU time says what the wall time cannot."""
    live = [c for c in cmds if not c.missing]
    for c in live:
        c.run(capture=True)
    live = [c for c in live if c.error is None]
    cpu: dict = {c.name: [] for c in live}
    for _ in range(repeat):
        for c in live:
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            wall, rss = c.run()
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            if c.error is None:
                c.walls.append(wall)
                c.rss.append(rss)
                cpu[c.name].append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return {name: statistics.median(t) for name, t in cpu.items() if t}


def bench_stats(a, L, data):
    """Issue 13's rows (confidence intervals, the bootstrap, compare), each against the plain
    reduction it adds to, interleaved with it: --ci analytic on the CSV (<= 1.15), compare of the
    CSV's model with a baseline model's CSV of the same targets (<= 2.2 of one model's plain
    reduction), and --ci-method bootstrap --resamples 1000 on 100,000 samples (<= 2 s)."""
    csv, = data_file(data, "csv", a.rows)
    base, = data_file(data, "baseline", a.rows)
    mse = [*L, "mse", "--pred", f"{csv}:pred", "--target", f"{csv}:target"]
    plain = Cmd("plain reduction", [*mse, "-q"])
    ci = Cmd("--ci analytic", [*mse, "--ci"], stdout_devnull=True)
    pair = Cmd("compare", [*L, "compare", "mse", "--pred", f"{csv}:pred", "--baseline", f"{base}:pred", "--target",
                           f"{csv}:target"], stdout_devnull=True)
    measure([plain, ci, pair], a.repeat)
    compare("13 --ci analytic", ci, plain, 1.15, vs="plain reduction")
    compare("13 compare", pair, plain, 2.2, vs="plain reduction of one model")
    small, = data_file(data, "csv", 100_000)
    mse = [*L, "mse", "--pred", f"{small}:pred", "--target", f"{small}:target"]
    plain = Cmd("plain, 100,000 rows", [*mse, "-q"])
    boot = Cmd("bootstrap", [*mse, "--ci", "--ci-method", "bootstrap", "--resamples", "1000"], stdout_devnull=True)
    bca = Cmd("bca", [*mse, "--ci", "--ci-method", "bca", "--resamples", "1000"], stdout_devnull=True)
    cpu = measure_cpu([plain, boot, bca], a.repeat)
    for cmd in (boot, bca):
        wall = cmd.wall
        ROWS.append([f"13 {cmd.name} 1e5 x 1000", "2 s (absolute)", fmt_time(wall), "2 s",
                     "-" if wall is None else f"{wall / 2:.2f}", "<= 1", "ERROR" if cmd.error else verdict(
                         None if wall is None else wall / 2, 1.0), f"CPU {fmt_time(cpu[cmd.name])}"])
        compare(f"13 {cmd.name} 1e5 x 1000", cmd, plain, None, vs="plain reduction, 100,000 rows")
    NOTES.append(f"13: CPU (user + sys) medians: " + ", ".join(f"{name} {fmt_time(t)}" for name, t in cpu.items()))
    with open("/proc/loadavg") as f:
        NOTES.append(f"13: load average {f.read().split()[0]} after the stats rows (the machine may be shared)")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", type=float, default=1e7, help="rows of the CSV and elements of the .npy pair (1e7)")
    p.add_argument("--logits", type=float, default=1e6, help="rows of the cross-entropy logits (1e6)")
    p.add_argument("--jsonl", type=float, default=5e6, help="records of the JSON Lines file (5e6)")
    p.add_argument("--quick", action="store_true",
                   help="small sizes for a smoke run: 2e5 rows, 1e5 x 100 logits, 1e5 JSON Lines records")
    p.add_argument("--repeat", type=int, default=5, help="timed runs of each command, after one warm-up (5)")
    p.add_argument("--only", default=",".join(TARGETS), help=f"comma-separated subset of {','.join(TARGETS)}")
    p.add_argument("--slow", action="store_true", help="also numpy.loadtxt on the CSV (~8 s a run at 10M rows)")
    p.add_argument("--flat", action="store_true", help="also the CSV at 4x the rows, for RSS flatness (1.6 GB)")
    p.add_argument("--markdown", action="store_true", help="print the tables as Markdown")
    p.add_argument("--data", type=Path, default=Path(__file__).resolve().parent / ".data", help="the data cache")
    p.add_argument("--generate", nargs="+", help=argparse.SUPPRESS)  # KIND N PATH...: in a child process
    a = p.parse_args(argv)
    if a.generate:
        return generate(a.generate[0], int(a.generate[1]), a.generate[2:]) or 0
    if a.quick:
        a.rows, a.logits, a.jsonl = 2e5, 1e5, 1e5
    a.rows, a.logits, a.jsonl = int(a.rows), int(a.logits), int(a.jsonl)
    only = [t.strip() for t in a.only.split(",") if t.strip()]
    unknown = sorted(set(only) - set(TARGETS))
    if unknown:
        p.error(f"unknown target(s) {', '.join(unknown)}; choose from {', '.join(TARGETS)}")
    a.data.mkdir(parents=True, exist_ok=True)
    L = losscli_command()

    linear = None
    for name, bench in (("csv", bench_csv), ("startup", bench_startup), ("npy", bench_npy),
                        ("none", bench_none), ("ce", bench_ce), ("linear", bench_linear),
                        ("parsers", bench_parsers), ("blocks", bench_blocks), ("engine", bench_engine),
                        ("datasets", bench_datasets), ("dask", bench_dask), ("slices", bench_slices),
                        ("stats", bench_stats)):
        if name in only:
            print(f"running {name} ...", file=sys.stderr, flush=True)
            out = bench(a, L, a.data)
            linear = out if name == "linear" else linear

    print(f"machine: {machine()}")
    print(f"run: {'--quick, ' if a.quick else ''}{a.rows:,} rows, {a.logits:,} x {CLASSES} logits, "
          f"median of {a.repeat} after a warm-up, interleaved; losscli = {' '.join(L)}; "
          f"peak RSS from os.wait4 (ru_maxrss; this harness's own "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB is a floor under it)")
    print()
    print_table(ROWS, HEADER, a.markdown)
    if linear:
        print()
        print_table(linear, ["6 linear: rows", "losscli mse (CSV)", "ns per row", "peak RSS"], a.markdown)
    if SCALING:
        print()
        print_table(SCALING, SCALING_HEADER, a.markdown)
    for note in NOTES:
        print(f"note: {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
