"""The cost of `--ci-method bootstrap` in N samples and B resamples (issue 13), as a table.

    python benchmarks/bootstrap_cost.py              # N in 1e4, 1e5, 1e6; B in 200, 1000, 2000
    python benchmarks/bootstrap_cost.py --repeat 5 --markdown

Each cell times losscli.stats.Bootstrap folding N per-sample losses with B resamples (the
Poisson weights drawn, the weighted sums taken: everything the bootstrap adds to a run), in this
process, the median of --repeat runs after a warm-up; CPU time beside wall time, because the
machine may be shared. "ns per draw" is the wall time over N x B. The command's own time
(reading, the loss) is benchmarks/run.py's `stats` row.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def cell(n: int, b: int, repeat: int) -> tuple[float, float]:
    import numpy as np

    from losscli.stats import Bootstrap

    x = np.random.default_rng(n).exponential(size=(n, 1))
    walls, cpus = [], []
    for i in range(repeat + 1):
        t0, c0 = time.perf_counter(), time.process_time()
        boot = Bootstrap(1, b, seed=0)
        boot.add(x)
        boot.flush()
        if i:  # the first run warms up
            walls.append(time.perf_counter() - t0)
            cpus.append(time.process_time() - c0)
    return statistics.median(walls), statistics.median(cpus)


def fmt(s: float) -> str:
    return f"{s * 1000:.0f} ms" if s < 1 else f"{s:.2f} s"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", default="1e4,1e5,1e6", help="N, comma-separated (1e4,1e5,1e6)")
    p.add_argument("--resamples", default="200,1000,2000", help="B, comma-separated (200,1000,2000)")
    p.add_argument("--repeat", type=int, default=3, help="timed runs of each cell after a warm-up (3)")
    p.add_argument("--markdown", action="store_true", help="print a Markdown table")
    a = p.parse_args(argv)
    sizes = [int(float(v)) for v in a.sizes.split(",")]
    resamples = [int(v) for v in a.resamples.split(",")]
    rows = []
    for n in sizes:
        for b in resamples:
            wall, cpu = cell(n, b, a.repeat)
            rows.append([f"{n:,}", f"{b:,}", fmt(wall), fmt(cpu), f"{wall / (n * b) * 1e9:.1f}"])
    header = ["N samples", "B resamples", "wall", "CPU", "ns per draw"]
    with open("/proc/loadavg") as f:
        load = f.read().split()[0]
    print(f"bootstrap cost: median of {a.repeat} after a warm-up; load average {load} at the end")
    if a.markdown:
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        for r in rows:
            print("| " + " | ".join(r) + " |")
    else:
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
        for r in [header, *rows]:
            print("  ".join(c.rjust(w) for c, w in zip(r, widths)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
