"""Confidence intervals over samples, NumPy and math only (scipy is a test oracle, never imported).

A sample is the first dim of the per-element losses; its loss is the mean of its element
losses (the sum for 'batchmean', whose mean divides by the samples). The interval is over the
N samples with N - 1 degrees of freedom:

- plain means: the t interval from the streamed sample variance (Chan et al.'s pairwise merge),
  equal to scipy.stats.t.interval(level, N - 1, mean, sd / sqrt(N));
- ratio means (sum of x_i / sum of w_i: class weights, ignore_index): the delta method, the
  t interval with se^2 = sum((x_i - R w_i)^2) / ((N - 1) N wbar^2).

`Moments` holds (n, mean, co-moments) of one or two per-sample variables. Values are folded
CHUNK samples at a time, chunks aligned to the global sample index, so any split of the same
samples into blocks gives the same bits.
"""

from __future__ import annotations

import math

import numpy as np

CHUNK = 4096  # samples per chunk of the streamed moments


class Moments:
    """n, the means and the centred co-moment matrix of k per-sample variables (k = 1 or 2),
    merged by Chan et al.'s formula, and with `third` the centred third co-moments (Pebay's
    merge: BCa's acceleration); add() buffers samples into CHUNK-aligned chunks."""

    def __init__(self, k: int, third: bool = False) -> None:
        self.k = k
        self.n = 0
        self.mean = np.zeros(k)
        self.m2 = np.zeros((k, k))
        self.m3 = np.zeros((k, k, k)) if third else None
        self._carry = np.empty((0, k))

    @classmethod
    def of(cls, values: np.ndarray, third: bool = False) -> "Moments":
        """The moments of (n, k) values, two-pass."""
        values = np.asarray(values, dtype=np.float64).reshape(len(values), -1)
        m = cls(values.shape[1], third)
        m.n = values.shape[0]
        if m.n:
            m.mean = values.mean(axis=0)
            d = values - m.mean
            m.m2 = d.T @ d
            if third:
                m.m3 = np.einsum("ni,nj,nk->ijk", d, d, d)
        return m

    def merge(self, other: "Moments") -> "Moments":
        """The moments of both sets (Chan, Golub and LeVeque 1979, pairwise; the third
        co-moments by Pebay 2008, eq. 3.8)."""
        if (self.m3 is None) != (other.m3 is None):
            raise ValueError("moments with and without third co-moments do not merge")
        if other.n == 0:
            return self
        if self.n == 0:
            self.n, self.mean, self.m2 = other.n, other.mean.copy(), other.m2.copy()
            self.m3 = None if other.m3 is None else other.m3.copy()
            return self
        na, nb = self.n, other.n
        n = na + nb
        delta = other.mean - self.mean
        if self.m3 is not None:
            # sym(M ⊗ d)_ijk = M_ij d_k + M_ik d_j + M_jk d_i, with M = na M2b - nb M2a
            c = na * other.m2 - nb * self.m2
            sym = (np.einsum("ij,k->ijk", c, delta) + np.einsum("ik,j->ijk", c, delta)
                   + np.einsum("jk,i->ijk", c, delta))
            cube = np.einsum("i,j,k->ijk", delta, delta, delta)
            self.m3 = self.m3 + other.m3 + cube * (na * nb * (na - nb) / n**2) + sym / n
        self.mean = self.mean + delta * (nb / n)
        self.m2 = self.m2 + other.m2 + np.outer(delta, delta) * (na * nb / n)
        self.n = n
        return self

    def add(self, values: np.ndarray) -> None:
        """Fold (n, k) per-sample values, the next ones in global order: every whole chunk's
        moments at once (two-pass, one NumPy call for all of them), then merged in order."""
        v = np.asarray(values, dtype=np.float64).reshape(-1, self.k)
        if self._carry.size:
            v = np.concatenate([self._carry, v])
        full = v.shape[0] - v.shape[0] % CHUNK
        if full:
            chunks = v[:full].reshape(-1, CHUNK, self.k)
            means = chunks.mean(axis=1)
            d = chunks - means[:, None, :]
            m2 = np.einsum("cni,cnj->cij", d, d)
            m3 = np.einsum("cni,cnj,cnk->cijk", d, d, d) if self.m3 is not None else None
            if self.k == 1:
                self._merge_scalars(means[:, 0].tolist(), m2[:, 0, 0].tolist(),
                                    None if m3 is None else m3[:, 0, 0, 0].tolist())
            else:
                for i in range(len(chunks)):
                    c = Moments(self.k, m3 is not None)
                    c.n, c.mean, c.m2 = CHUNK, means[i], m2[i]
                    if m3 is not None:
                        c.m3 = m3[i]
                    self.merge(c)
        self._carry = v[full:].copy()

    def _merge_scalars(self, means: list, m2s: list, m3s: list | None) -> None:
        """merge() of one variable's CHUNK-sample chunks, in Python floats (a NumPy call per
        chunk would cost more than the chunk's moments)."""
        n, mean, m2 = self.n, float(self.mean[0]), float(self.m2[0, 0])
        m3 = float(self.m3[0, 0, 0]) if self.m3 is not None else 0.0
        nb = CHUNK
        for i, (mb, m2b) in enumerate(zip(means, m2s)):
            if n == 0:
                n, mean, m2, m3 = nb, mb, m2b, (m3s[i] if m3s is not None else 0.0)
                continue
            total = n + nb
            delta = mb - mean
            if m3s is not None:
                m3 = (m3 + m3s[i] + delta**3 * (n * nb * (n - nb) / total**2)
                      + 3 * delta * (n * m2b - nb * m2) / total)
            mean = mean + delta * (nb / total)
            m2 = m2 + m2b + delta * delta * (n * nb / total)
            n = total
        self.n, self.mean, self.m2 = n, np.array([mean]), np.array([[m2]])
        if self.m3 is not None:
            self.m3 = np.array([[[m3]]])

    def flush(self) -> "Moments":
        if self._carry.shape[0]:
            self.merge(Moments.of(self._carry, self.m3 is not None))
            self._carry = np.empty((0, self.k))
        return self

    def first(self) -> "Moments":
        """The moments of the first variable alone (a ratio whose denominators are all 1)."""
        self.flush()
        m = Moments(1, self.m3 is not None)
        m.n, m.mean, m.m2 = self.n, self.mean[:1].copy(), self.m2[:1, :1].copy()
        if self.m3 is not None:
            m.m3 = self.m3[:1, :1, :1].copy()
        return m

    def to_json(self) -> dict:
        out = {"n": self.n, "mean": self.mean.tolist(), "m2": self.m2.tolist()}
        if self.m3 is not None:
            out["m3"] = self.m3.tolist()
        return out

    @classmethod
    def from_json(cls, obj: dict) -> "Moments":
        m = cls(len(obj["mean"]), "m3" in obj)
        m.n, m.mean, m.m2 = int(obj["n"]), np.array(obj["mean"], float), np.array(obj["m2"], float)
        if "m3" in obj:
            m.m3 = np.array(obj["m3"], float)
        return m


# Poisson(1) by inversion of 32-bit uniforms: the thresholds 2^32 * P(X <= k), k = 0..13
# (P(X > 13) < 2^-32, so no draw exceeds 14)
_POISSON_CDF = np.cumsum([math.exp(-1) / math.factorial(k) for k in range(14)])
_POISSON_THRESHOLDS = np.minimum(np.floor(_POISSON_CDF * 2.0**32), 2.0**32 - 1).astype(np.uint32)
# A uniform's top byte (its cell) decides its draw unless a threshold falls inside the cell: 5 of
# the 256 cells (94, 188, 235, 251, 255), 2% of draws. bytes.translate maps every cell to its draw,
# or to SPLIT; a split draw takes 24 more bits (the next words of the same generator, in row-major
# order) and is resolved on all 32. The same law as inverting 32-bit uniforms, from ~8.5 random bits
# a draw instead of 32, and no per-element gather.
SPLIT = 255
_CELLS = np.arange(256, dtype=np.uint64) << np.uint64(24)
_CELL_LOW = np.searchsorted(_POISSON_THRESHOLDS, _CELLS.astype(np.uint32), side="right")
_CELL_HIGH = np.searchsorted(_POISSON_THRESHOLDS, (_CELLS + np.uint64(2**24 - 1)).astype(np.uint32), side="right")
_CELL_TABLE = bytes(np.where(_CELL_LOW == _CELL_HIGH, _CELL_LOW, SPLIT).astype(np.uint8).tolist())
TILE = 64  # rows of weights converted to float64 at a time: 64 x B doubles stay in the L2 cache


def poisson_counts(seed: int, chunk: int, resamples: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The Poisson(1) bootstrap weights of the samples chunk*CHUNK .. +CHUNK as (counts, where,
    draws): the (CHUNK, resamples) uint8 draws with SPLIT at the flat positions `where` (ascending),
    whose draws are `draws`. Philox, a counter-based generator, keyed by (seed, chunk): a sample's
    draws depend on the seed and its global index only, never on blocks, shards or workers."""
    n = CHUNK * resamples
    bits = np.random.Philox(key=[seed, chunk])
    cells = bits.random_raw(-(-n // 8)).tobytes()
    counts = np.frombuffer(cells.translate(_CELL_TABLE), np.uint8, count=n)
    where = np.flatnonzero(counts == SPLIT)
    low = bits.random_raw(where.size) & np.uint64(2**24 - 1)
    u = (np.frombuffer(cells, np.uint8, count=n)[where].astype(np.uint64) << np.uint64(24)) | low
    draws = np.searchsorted(_POISSON_THRESHOLDS, u.astype(np.uint32), side="right").astype(np.uint8)
    return counts.reshape(CHUNK, resamples), where, draws


def poisson_weights(seed: int, chunk: int, resamples: int) -> np.ndarray:
    """(CHUNK, resamples) float64 Poisson(1) weights of a chunk (poisson_counts, resolved)."""
    counts, where, draws = poisson_counts(seed, chunk, resamples)
    w = counts.astype(np.float64)
    w.flat[where] = draws
    return w


def weighted_sums(seed: int, chunk: int, resamples: int, x: np.ndarray, first: int) -> np.ndarray:
    """x.T @ poisson_weights(seed, chunk, resamples)[first : first + len(x)] for (n, k) values
    x of the chunk's samples first.., without the (CHUNK, resamples) float64 matrix: TILE rows
    at a time, so a fold costs a generator's bits, a translate, and a BLAS product per tile."""
    counts, where, draws = poisson_counts(seed, chunk, resamples)
    out = np.zeros((x.shape[1], resamples))
    stop = first + x.shape[0]
    tile = min(TILE, CHUNK)
    buf = np.empty((tile, resamples))
    xt = np.ascontiguousarray(x.T)
    for r0 in range(first - first % tile, stop, tile):
        a, r1 = max(r0, first), min(r0 + tile, stop)
        w = buf[: r1 - a]
        np.copyto(w, counts[a:r1])
        i, j = np.searchsorted(where, [a * resamples, r1 * resamples])
        w.flat[where[i:j] - a * resamples] = draws[i:j]
        out += xt[:, a - first : r1 - first] @ w
    return out


class Bootstrap:
    """The Poisson bootstrap, streamed: for every resample b, the weighted sums
    num[b] = sum_i w_ib x_i and den[b] = sum_i w_ib d_i (d_i = 1 for a plain mean, the sample's
    weight for a ratio mean); resample b's loss is num[b] / den[b]. Sums add across shards."""

    def __init__(self, k: int, resamples: int, seed: int, offset: int = 0) -> None:
        self.k, self.resamples, self.seed = k, resamples, seed
        self.num, self.den = np.zeros(resamples), np.zeros(resamples)
        self.start = offset  # the global index of the first buffered sample
        self._carry = np.empty((0, k))

    def add(self, values: np.ndarray) -> None:
        v = np.asarray(values, dtype=np.float64).reshape(-1, self.k)
        if self._carry.size:
            v = np.concatenate([self._carry, v])
        done = 0  # each chunk is folded once, whole (or at the ends of the set), so blocks do not matter
        while True:
            end = (self.start // CHUNK + 1) * CHUNK - self.start  # where this chunk ends in v
            if end > v.shape[0]:
                break
            self._fold(v[done:end])
            done, self.start = end, self.start + (end - done)
            v, done = v[end:], 0
        self._carry = v.copy()

    def _fold(self, v: np.ndarray) -> None:
        if not v.shape[0]:
            return
        chunk, first = divmod(self.start, CHUNK)
        x = v if self.k == 2 else np.column_stack([v[:, 0], np.ones(v.shape[0])])  # den: sum_i w_ib
        num, den = weighted_sums(self.seed, chunk, self.resamples, x, first)
        self.num += num
        self.den += den

    def flush(self) -> "Bootstrap":
        if self._carry.shape[0]:
            self._fold(self._carry)
            self.start += self._carry.shape[0]
            self._carry = np.empty((0, self.k))
        return self

    def merge(self, other: "Bootstrap") -> "Bootstrap":
        self.flush(), other.flush()
        self.num, self.den = self.num + other.num, self.den + other.den
        return self

    def estimates(self) -> np.ndarray:
        self.flush()
        with np.errstate(all="ignore"):
            return self.num / self.den

    def to_json(self) -> dict:
        self.flush()
        return {"resamples": self.resamples, "seed": self.seed, "num": self.num.tolist(), "den": self.den.tolist()}

    @classmethod
    def from_json(cls, obj: dict, k: int) -> "Bootstrap":
        b = cls(k, int(obj["resamples"]), int(obj["seed"]))
        b.num, b.den = np.array(obj["num"], float), np.array(obj["den"], float)
        return b


def bootstrap_interval(m: Moments, b: Bootstrap, level: float) -> dict:
    """The percentile interval of the resamples' losses (as scipy.stats.bootstrap's
    method="percentile"), their standard deviation as the se; resamples whose weights are all
    0 (den 0, possible only for tiny sets) are left out."""
    ci = interval(m, level)
    est = b.estimates()
    est = est[np.isfinite(est)]
    if est.size < 2:
        low = high = se = math.nan
    else:
        alpha = (1 - level) / 2
        low, high = (float(q) for q in np.percentile(est, [100 * alpha, 100 * (1 - alpha)]))
        se = float(np.std(est, ddof=1))
    return ci | {"low": low, "high": high, "se": se, "method": "bootstrap"}


def acceleration(m: Moments) -> float:
    """BCa's acceleration a = sum(U_i^3) / (6 (sum U_i^2)^1.5) over the jackknife's influence
    values U_i (Efron and Tibshirani 1993, 14.15). A mean's are x_i - mean exactly, so a is the
    moments' m3 / (6 m2^1.5); a ratio mean's, (X - x_i) / (W - w_i) left out, are
    u_i = (x_i - xbar) - R (w_i - wbar) to first order in w_i / W (the influence function: its
    relative error is at most max w_i / W, negligible beside a's own sampling error), so a is a
    polynomial in the streamed co-moments too. One pass either way."""
    m.flush()
    if m.k == 1:
        s2, s3 = m.m2[0, 0], m.m3[0, 0, 0]
    else:
        xbar, wbar = m.mean
        r = xbar / wbar if wbar else math.nan
        c, t = m.m2, m.m3
        s2 = c[0, 0] - 2 * r * c[0, 1] + r * r * c[1, 1]
        s3 = t[0, 0, 0] - 3 * r * t[0, 0, 1] + 3 * r * r * t[0, 1, 1] - r**3 * t[1, 1, 1]
    return float(s3 / (6 * s2**1.5)) if s2 > 0 else math.nan


def normal_cdf(x: float) -> float:
    return 0.5 * math.erfc(-x / math.sqrt(2))


def bca_interval(m: Moments, b: Bootstrap, level: float) -> dict:
    """The bias-corrected and accelerated interval (as scipy.stats.bootstrap's method="BCa"):
    the resamples' percentiles at Phi(z0 + (z0 + z) / (1 - a (z0 + z))) for z = -/+ the normal
    quantile of (1 - level) / 2, where z0 is the normal quantile of the share of resamples below
    the estimate (ties count half) and a the acceleration."""
    ci = bootstrap_interval(m, b, level)
    est = b.estimates()
    est = est[np.isfinite(est)]
    m.flush()
    theta = float(m.mean[0]) if m.k == 1 else float(m.mean[0] / m.mean[1]) if m.mean[1] else math.nan
    a = acceleration(m)
    if est.size < 2 or not math.isfinite(theta) or not math.isfinite(a):
        return ci | {"low": math.nan, "high": math.nan, "method": "bca"}
    z0 = normal_quantile((np.count_nonzero(est < theta) + np.count_nonzero(est <= theta)) / (2 * est.size))
    z = normal_quantile((1 - level) / 2)
    shares = []
    for zz in (z, -z):
        q = z0 + zz
        shares.append(normal_cdf(z0 + q / (1 - a * q)) if math.isfinite(z0) else math.nan)
    if not all(math.isfinite(s) for s in shares):
        return ci | {"low": math.nan, "high": math.nan, "method": "bca"}
    low, high = (float(q) for q in np.percentile(est, [100 * shares[0], 100 * shares[1]]))
    return ci | {"low": low, "high": high, "method": "bca"}


def interval(m: Moments, level: float) -> dict:
    """The JSON "ci" object of the moments: t (one variable) or delta (numerator, denominator)."""
    m.flush()
    n = m.n
    if m.k == 1:
        estimate = float(m.mean[0])
        se = math.sqrt(m.m2[0, 0] / (n - 1) / n) if n > 1 else math.nan
        method = "t"
    else:
        xbar, wbar = (float(v) for v in m.mean)
        estimate = xbar / wbar if wbar else math.nan
        r = estimate
        c = m.m2
        var = (c[0, 0] - 2 * r * c[0, 1] + r * r * c[1, 1]) / (n - 1) if n > 1 else math.nan
        se = math.sqrt(max(var, 0.0) / n) / abs(wbar) if n > 1 and wbar else math.nan
        method = "delta"
    low, high = t_interval(level, n - 1, estimate, se)
    return {"level": level, "low": low, "high": high, "se": se, "method": method, "unit": "sample", "n": n}


def t_interval(level: float, df: int, loc: float, scale: float) -> tuple[float, float]:
    """scipy.stats.t.interval(level, df, loc, scale): loc -/+ t_{(1+level)/2, df} * scale."""
    if df < 1 or not math.isfinite(scale) or not math.isfinite(loc):
        return math.nan, math.nan
    q = t_quantile((1.0 + level) / 2.0, df)
    return loc - q * scale, loc + q * scale


# --- the t quantile --------------------------------------------------------------------------


def normal_quantile(p: float) -> float:
    """The standard normal quantile: Acklam's rational approximation, then two Halley steps on
    math.erfc (which is accurate in the tails), good to a few ulps."""
    if not 0.0 < p < 1.0:
        return -math.inf if p <= 0 else math.inf
    if p > 0.5:
        return -normal_quantile(1.0 - p)
    a = (-3.969683028665376e01, 2.209460984245205e02, -2.759285104469687e02, 1.383577518672690e02,
         -3.066479806614716e01, 2.506628277459239e00)
    b = (-5.447609879822406e01, 1.615858368580409e02, -1.556989798598866e02, 6.680131188771972e01,
         -1.328068155288572e01)
    c = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e00, -2.549732539343734e00,
         4.374664141464968e00, 2.938163982698783e00)
    d = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e00, 3.754408661907416e00)
    if p < 0.02425 or p > 1 - 0.02425:
        q = math.sqrt(-2 * math.log(min(p, 1 - p)))
        x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / \
            ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        x = x if p < 0.5 else -x
    else:
        q = p - 0.5
        r = q * q
        x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q / \
            (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
    for _ in range(2):
        # Phi(x) - p: near the centre through erf and p - 0.5 (exact there), in the tail through erfc
        e = 0.5 * math.erf(x / math.sqrt(2)) - (p - 0.5) if p > 0.25 else 0.5 * math.erfc(-x / math.sqrt(2)) - p
        u = e * math.sqrt(2 * math.pi) * math.exp(x * x / 2)
        x = x - u / (1 + x * u / 2)
    return x


def t_cdf_upper(t: float, df: int) -> float:
    """P(T > t) for t >= 0 and an integer df, from the finite sums of Abramowitz and Stegun
    26.7.3-4 (exact series, no incomplete beta, no large lgamma): A = P(|T| < t)."""
    theta = math.atan(t / math.sqrt(df))
    s, c2 = math.sin(theta), math.cos(theta) ** 2
    if df % 2 == 0:
        term, total = 1.0, 1.0
        for j in range(1, df // 2):
            term *= c2 * (2 * j - 1) / (2 * j)
            total += term
        a = s * total
    else:
        total = 0.0
        if df > 1:
            term, total = 1.0, 1.0
            for j in range(1, (df - 1) // 2):
                term *= c2 * (2 * j) / (2 * j + 1)
                total += term
        a = 2 / math.pi * (theta + s * math.cos(theta) * total)
    return (1.0 - a) / 2.0


def _t_pdf(t: float, df: int) -> float:
    log = math.lgamma((df + 1) / 2) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi)
    return math.exp(log - (df + 1) / 2 * math.log1p(t * t / df))


def _cornish_fisher(z: float, df: int) -> float:
    """The t quantile from the normal one, Abramowitz and Stegun 26.7.5 (four terms: error
    O(df^-5), below an ulp for the df it is used at)."""
    z2 = z * z
    g1 = z * (z2 + 1) / 4
    g2 = z * ((5 * z2 + 16) * z2 + 3) / 96
    g3 = z * (((3 * z2 + 19) * z2 + 17) * z2 - 15) / 384
    g4 = z * ((((79 * z2 + 776) * z2 + 1482) * z2 - 1920) * z2 - 945) / 92160
    return z + g1 / df + g2 / df**2 + g3 / df**3 + g4 / df**4


LARGE_DF = 1000  # above this the Cornish-Fisher expansion is exact to double precision


def t_quantile(p: float, df: int) -> float:
    """scipy.stats.t.ppf(p, df) for an integer df >= 1 (rtol 1e-12: tests/test_stats.py)."""
    if p < 0.5:
        return -t_quantile(1.0 - p, df)
    if p == 0.5:
        return 0.0
    if df == 1:
        return math.tan(math.pi * (p - 0.5))
    if df == 2:
        return (2 * p - 1) / math.sqrt(2 * p * (1 - p))
    z = normal_quantile(p)
    x = _cornish_fisher(z, df)
    if df > LARGE_DF:
        return x
    tail = 1.0 - p
    lo, hi = 0.0, max(2 * x, 1.0)
    while t_cdf_upper(hi, df) > tail:
        lo, hi = hi, 2 * hi
    for _ in range(100):  # Newton on the upper tail, kept inside the bracket [lo, hi]
        f = t_cdf_upper(x, df) - tail
        if f > 0:
            lo = max(lo, x)
        else:
            hi = min(hi, x)
        step = f / _t_pdf(x, df)
        nxt = x + step
        if not lo <= nxt <= hi:
            nxt = (lo + hi) / 2
        if abs(nxt - x) <= 1e-15 * abs(x):
            return nxt
        x = nxt
    return x


# --- paired comparison -----------------------------------------------------------------------

EXACT_FLIPS = 20  # at most this many samples: every one of the 2^N sign flips is enumerated
MC_DRAWS = 1 << 27  # a Monte Carlo test draws at most N x B signs or weights (~0.5 s); beyond, the normal one
BERRY_ESSEEN = 0.56  # Shevtsova (2010): sup |P(S <= x s) - Phi(x)| <= 0.56 sum E|X_i|^3 / s^3, independent X_i
_POISSON_ABS3 = sum(abs(k - 1) ** 3 * math.exp(-1) / math.factorial(k) for k in range(40))  # E|w - 1|^3, w ~ Poisson(1)


def _p_two_sided(null: np.ndarray, observed: float, adjustment: int) -> float:
    """scipy.stats.permutation_test's two-sided p-value: 2 min(P(null <= obs), P(null >= obs)),
    with its relative tolerance 100 eps for ties, clipped to 1."""
    gamma = abs(100 * np.finfo(np.float64).eps * observed)
    total = null.size + adjustment
    less = (np.count_nonzero(null <= observed + gamma) + adjustment) / total
    greater = (np.count_nonzero(null >= observed - gamma) + adjustment) / total
    return float(min(1.0, 2 * min(less, greater)))


def _abs_cubed_sum(x: np.ndarray) -> float:
    """sum |x_i|^3, 2^20 values at a time (no temporaries the size of x)."""
    total = 0.0
    for i in range(0, len(x), 1 << 20):
        a = np.abs(x[i : i + (1 << 20)])
        total += float((a * a) @ a)
    return total


def _normal_p(total: float, s2: float, s3: float, abs3: float) -> tuple[float, float]:
    """(p, bound): the two-sided p-value of a sum of independent symmetric-or-centred terms with
    variance s2 and third absolute moments s3 * abs3 observed at `total`, from the normal law, and
    Berry-Esseen's bound on its error (twice the bound on the CDF: two tails)."""
    if not s2 > 0:
        return (1.0 if total == 0 else 0.0), 0.0
    p = math.erfc(abs(total) / math.sqrt(2 * s2))
    return p, min(1.0, 2 * BERRY_ESSEEN * abs3 * s3 / s2**1.5)


def sign_flip_test(pairs: np.ndarray, resamples: int, seed: int, alpha: float = 0.05) -> dict:
    """The paired permutation test of a mean difference: the signs of the per-sample differences
    d_i flipped at random (sum s_i d_i / sum w_i). Exact over all 2^N flips for N <= EXACT_FLIPS
    (equal to scipy.stats.permutation_test's exact p-value); else `resamples` random flips from
    Philox keyed by the seed, with the p-value's Monte Carlo standard error; or, where that would
    draw more than MC_DRAWS signs or where it is the more accurate (its error bound below the
    Monte Carlo error at p = alpha), the normal law of sum s_i d_i, whose variance given the
    |d_i| is sum d_i^2 exactly, with its Berry-Esseen error bound."""
    d = pairs[:, 0]
    total_w = pairs[:, 1].sum() if pairs.shape[1] == 2 else len(d)
    observed = d.sum() / total_w if pairs.shape[1] == 2 else d.mean()
    n = len(d)
    if n <= EXACT_FLIPS:
        patterns = np.arange(2**n, dtype=np.int64)
        signs = 1.0 - 2.0 * ((patterns[:, None] >> np.arange(n)) & 1)
        null = (signs * d).sum(axis=1) / total_w if pairs.shape[1] == 2 else (signs * d).mean(axis=1)
        return {"p": _p_two_sided(null, observed, 0), "method": "exact", "flips": int(2**n), "mc_error": 0.0}
    p, bound = _normal_p(float(d.sum()), float(d @ d), _abs_cubed_sum(d), 1.0)
    if n * resamples > MC_DRAWS or bound <= math.sqrt(alpha * (1 - alpha) / resamples):
        return {"p": p, "method": "normal", "flips": 0, "mc_error": 0.0, "error_bound": bound}
    g = np.random.Generator(np.random.Philox(key=[seed, 2**63]))
    null = np.empty(resamples)
    step = max(1, (1 << 22) // n)
    for start in range(0, resamples, step):
        m = min(step, resamples - start)
        signs = 1.0 - 2.0 * g.integers(0, 2, size=(m, n))
        null[start : start + m] = (signs @ d) / total_w if pairs.shape[1] == 2 else (signs @ d) / n
    p = _p_two_sided(null, observed, 1)
    return {"p": p, "method": "monte carlo", "flips": resamples, "mc_error": math.sqrt(p * (1 - p) / resamples)}


def paired_bootstrap_p(pairs: np.ndarray, resamples: int, seed: int) -> dict:
    """The paired bootstrap's p-value of "no difference" (bootstrap_p) from `resamples` Poisson
    resamples of the pairs; beyond MC_DRAWS weights, from the normal law of the ideal bootstrap's
    linearised statistic sum (w_i - 1) u_i / W, u_i = d_i - R w_i (variance sum u_i^2 / W^2, as
    Var w_i = 1), with its Berry-Esseen bound (to first order in 1 / N)."""
    n, k = pairs.shape
    if n * resamples <= MC_DRAWS:
        b = Bootstrap(k, resamples, seed)
        b.add(pairs)
        return {"p": bootstrap_p(b), "method": "poisson", "resamples": resamples}
    d = pairs[:, 0]
    u = d - (d.sum() / pairs[:, 1].sum()) * pairs[:, 1] if k == 2 else d - d.mean()
    p, bound = _normal_p(float(d.sum()), float(u @ u), _abs_cubed_sum(u), _POISSON_ABS3)
    return {"p": p, "method": "normal", "resamples": 0, "error_bound": bound}


def bootstrap_p(b: Bootstrap) -> float:
    """The paired bootstrap's two-sided p-value of "no difference": twice the share of
    resampled mean differences on the far side of 0 from the observed one, at most 1."""
    est = b.estimates()
    est = est[np.isfinite(est)]
    if not est.size:
        return math.nan
    return float(min(1.0, 2 * min(np.mean(est <= 0), np.mean(est >= 0))))
