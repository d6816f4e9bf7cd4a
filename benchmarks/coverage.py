"""Coverage of losscli's --ci intervals (issue 13): over --sets simulated evaluation sets of
--n samples each, drawn from a known distribution, how often the interval at --level holds the
true mean. The criterion for 0.95: 93.5% to 96.5% of 1,000 sets (the binomial standard error
of a true 95% over 1,000 sets is 0.69 points).

    python benchmarks/coverage.py                      # 1,000 sets of 500 samples (~1 min)
    python benchmarks/coverage.py --sets 200 --markdown

Each set goes through the engine (losscli.engine.run on .npy files), as the command would.
Scenarios:
  plain mean     mse with N(0, 1) errors: each sample's loss is chi-square(1), skewed; true mean 1
  weighted CE    cross-entropy, 3 classes, --weight 1,2,0.5, a tenth of the targets ignored
                 (-100): a ratio mean, the delta method; the true value is the ratio of the
                 expectations, from 4 million samples of the same generator
  log-normal     l1 of log-normal(0, 1) predictions against 0: heavy-tailed; true mean e^0.5
"""

import argparse
import math
import os
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from losscli.engine import Invocation, run  # noqa: E402

WEIGHT = np.array([1.0, 2.0, 0.5])


def _ce_set(rng, n):
    labels = rng.integers(0, 3, size=n)
    logits = rng.normal(size=(n, 3)) * 1.5
    logits[np.arange(n), labels] += 1.0  # the right class a little likelier
    labels = np.where(rng.random(n) < 0.1, -100, labels)
    return logits, labels


def _ce_truth(seed=12345, n=4_000_000):
    """E[w_y * nll] / E[w_y] (0 for ignored targets), from n samples in chunks."""
    rng = np.random.default_rng(seed)
    num = den = 0.0
    for _ in range(n // 500_000):
        logits, labels = _ce_set(rng, 500_000)
        keep = labels != -100
        y = np.where(keep, labels, 0)
        m = logits.max(axis=1)
        lse = m + np.log(np.exp(logits - m[:, None]).sum(axis=1))
        w = np.where(keep, WEIGHT[y], 0.0)
        num += float((w * (lse - logits[np.arange(len(y)), y])).sum())
        den += float(w.sum())
    return num / den


def scenarios():
    return {
        "plain mean (mse, chi-square(1) losses)": (1.0, lambda rng, n: ("mse", {
            "pred": rng.normal(size=n), "target": np.zeros(n)}, {})),
        "weighted cross-entropy (delta method)": (None, lambda rng, n: ("cross-entropy", dict(zip(
            ("pred", "target"), _ce_set(rng, n))), {"weight": "1,2,0.5"})),
        "log-normal (l1, heavy tail)": (math.exp(0.5), lambda rng, n: ("l1", {
            "pred": rng.lognormal(0.0, 1.0, size=n), "target": np.zeros(n)}, {})),
    }


def coverage(name, truth, make, sets, n, level, seed, folder):
    rng = np.random.default_rng(seed)
    covered, methods = 0, set()
    for i in range(sets):
        loss, arrays, extra = make(rng, n)
        sources = {}
        for key, a in arrays.items():
            path = os.path.join(folder, f"{key}.npy")
            np.save(path, a)
            sources[key] = path
        r = run(Invocation(loss, sources | extra, ci=level))
        covered += r.ci["low"] <= truth <= r.ci["high"]
        methods.add(r.ci["method"])
    return covered / sets, "/".join(sorted(methods))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sets", type=int, default=1000)
    ap.add_argument("--n", type=int, default=500, help="samples per evaluation set")
    ap.add_argument("--level", type=float, default=0.95)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--markdown", action="store_true")
    args = ap.parse_args(argv)
    lo, hi = args.level - 0.015, args.level + 0.015
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for i, (name, (truth, make)) in enumerate(scenarios().items()):
            truth = _ce_truth() if truth is None else truth
            rate, method = coverage(name, truth, make, args.sets, args.n, args.level, args.seed + i, folder)
            se = math.sqrt(rate * (1 - rate) / args.sets)
            rows.append([name, method, f"{args.sets}", f"{args.n}", f"{100 * rate:.1f}% ± {100 * se:.1f}",
                         "PASS" if lo <= rate <= hi else "FAIL"])
    header = ["scenario", "method", "sets", "samples", f"coverage of {100 * args.level:g}%",
              f"{100 * lo:g}-{100 * hi:g}%"]
    if args.markdown:
        print("| " + " | ".join(header) + " |\n|" + "---|" * len(header))
        for r in rows:
            print("| " + " | ".join(r) + " |")
    else:
        widths = [max(len(str(r[j])) for r in [header, *rows]) for j in range(len(header))]
        for r in [header, *rows]:
            print("  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip())
    return 0 if all(r[-1] == "PASS" for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
