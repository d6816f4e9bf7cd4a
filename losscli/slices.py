"""--by SOURCE: the loss of each group of samples (a class, a domain, a length bucket).

A group's loss is the loss restricted to its samples, with the same reduction: 'mean' divides
the group's summands by the group's share of the denominator (its elements, its samples, or
the weight of its kept targets for nll and cross-entropy), 'sum' is the group's sum and
'batchmean' the group's sum over its samples. Keys are the SOURCE's values as text, numbers
normalised (2, 2.0 and "2" are the group "2"); a missing key (an empty cell, NA, null, NaN)
is the group "NaN". The per-sample parts are folded by bincount over the groups' codes, in
chunks aligned to the global sample index (as stats.Moments and stats.Bootstrap fold), so a
run in blocks gives the bits of a whole one, and the groups' partial sums merge across shards.
"""

from __future__ import annotations

import math
import os

import numpy as np

from .errors import InputError, UsageError

MISSING = "NaN"  # the group of samples whose key is missing
SUM_CHUNK = 1 << 16  # samples per chunk of the groups' sums (without a bootstrap)
_MISSING_TEXT = {"", "na", "null", "nan", "none"}


def key_text(value) -> str:
    """One key as its group's name: numbers normalised (2, 2.0, "2.0", "2" -> "2"; 0.5 -> "0.5"),
    text stripped, a missing value "NaN"."""
    if value is None:
        return MISSING
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return _number_text(float(value))
    text = str(value).strip()
    if text.lower() in _MISSING_TEXT:
        return MISSING
    try:
        number = float(text)
    except ValueError:
        return text
    if text.lower().lstrip("+-") in ("inf", "infinity") or math.isfinite(number):
        return _number_text(number)
    return text  # e.g. "1e999": beyond float64, kept as written


def _number_text(v: float) -> str:
    if math.isnan(v):
        return MISSING
    if math.isfinite(v) and v == int(v) and abs(v) < 2**63:
        return str(int(v))
    return repr(v)


class KeyCoder:
    """Group names and their codes: 0, 1, 2, ... in order of first appearance."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.code: dict[str, int] = {}
        self._lo, self._table = 0, None  # whole-number keys: value - _lo -> code (-1: not seen yet)

    def _codes_of_names(self, names) -> np.ndarray:
        out = np.empty(len(names), dtype=np.int64)
        for i, name in enumerate(names):
            c = self.code.get(name)
            if c is None:
                c = self.code[name] = len(self.names)
                self.names.append(name)
            out[i] = c
        return out

    def codes(self, keys: np.ndarray) -> np.ndarray:
        """The codes of one block's keys (numbers or text)."""
        keys = np.asarray(keys)
        if keys.dtype.kind in "iub":
            return self._integers(keys.astype(np.int64, copy=False))
        if keys.dtype.kind == "f":
            finite = np.isfinite(keys)
            if finite.all():
                ints = keys.astype(np.int64)
                if np.array_equal(ints, keys):  # whole numbers: bincount, no sort
                    return self._integers(ints)
            unique, inverse = np.unique(keys, return_inverse=True, equal_nan=True)
            return self._codes_of_names([_number_text(float(v)) for v in unique])[inverse.ravel()]
        text = np.asarray([key_text(v) for v in keys.tolist()], dtype=object) if keys.dtype.kind == "O" \
            else keys.astype(str)
        unique, inverse = np.unique(text.astype(str), return_inverse=True)
        return self._codes_of_names([key_text(v) for v in unique.tolist()])[inverse.ravel()]

    def _integers(self, ints: np.ndarray) -> np.ndarray:
        if not ints.size:
            return ints
        lo, hi = int(ints.min()), int(ints.max())
        span = max(hi, self._lo + self._table.size - 1) - min(lo, self._lo) if self._table is not None else hi - lo
        if span > 4 * ints.size + (1 << 20):  # sparse keys: sort them
            unique, inverse = np.unique(ints, return_inverse=True)
            return self._codes_of_names([str(v) for v in unique.tolist()])[inverse.ravel()]
        # a table from value to code over [lo, hi], kept across blocks: only new values are named
        if self._table is None:
            self._lo, self._table = lo, np.full(hi - lo + 1, -1, dtype=np.int64)
        if lo < self._lo or hi >= self._lo + self._table.size:
            start = min(lo, self._lo)
            table = np.full(max(hi, self._lo + self._table.size - 1) - start + 1, -1, dtype=np.int64)
            table[self._lo - start : self._lo - start + self._table.size] = self._table
            self._lo, self._table = start, table
        shifted = ints - self._lo
        codes = self._table[shifted]
        if (codes < 0).any():
            new = np.flatnonzero(np.bincount(shifted[codes < 0]))
            self._table[new] = self._codes_of_names([str(v + self._lo) for v in new.tolist()])
            codes = self._table[shifted]
        return codes


# --- reading the keys ------------------------------------------------------------------------


def is_target(by: str) -> bool:
    return by == "target"


def text_keys(sources, source: str, streamed: bool, refused: Exception | None = None):
    """(index, names): the keys of SOURCE as text, where the numeric readers refused them (each
    sample's index into the distinct names), from the reader's parsed table (its cells as
    written), or by polars for a large CSV/TSV/JSON Lines file."""
    return _indexed(_text_keys(sources, source, streamed, refused))


def _indexed(keys):
    if isinstance(keys, tuple):
        return keys
    code: dict[str, int] = {}
    index = np.fromiter((code.setdefault(k, len(code)) for k in keys.tolist()), dtype=np.int64, count=len(keys))
    return index, list(code)


def _text_keys(sources, source: str, streamed: bool, refused: Exception | None = None):
    from .inputs import _column_indices, _selector_names, _split_source, _Table, file_format

    path, selector = _split_source(source)
    if path is None:  # inline words, 'news,web,news', or a JSON array, '["a,b", "c"]'
        if source.lstrip().startswith("["):
            import json

            try:
                values = json.loads(source)
            except ValueError:
                values = None
            if isinstance(values, list) and all(not isinstance(v, (list, dict)) for v in values):
                return np.asarray([key_text(v) for v in values], dtype=object)
        elif any(c in source for c in ",; "):
            import re

            return np.asarray([key_text(t) for t in re.split(r"\s*[,;]\s*|\s+", source.strip())], dtype=object)
        if refused is not None:  # one word: a file that does not exist, more likely than one key
            raise refused
        raise InputError(f"--by: {source!r} is not an existing file, nor inline keys such as 'a,b,a'")
    tokens = None if selector is None else _selector_names(selector, source)
    if path == "-":
        if "-" not in sources._cache:
            raise UsageError("--by: text group keys on stdin are read only when the input is small (below "
                             "4 MiB); write the input to a file, or give numeric keys")
    elif (streamed and os.path.isfile(path) and file_format(path) in ((".csv", None), (".tsv", None), (".jsonl", None))
          or file_format(path)[0] in (".parquet", ".arrow", ".feather", ".ipc") and os.path.isfile(path)):
        return _polars_keys(path, tokens, sources)
    key = "-" if path == "-" else os.path.realpath(path)
    if key not in sources._cache:
        sources._cache[key] = sources._read(path)
    label, parsed = sources._cache[key]
    if isinstance(parsed, _Table):
        if tokens is None and parsed.ncols != 1:
            raise UsageError(f"--by: {label} has {parsed.ncols} columns; pick the one of the keys, as {label}:NAME")
        j = 0 if tokens is None else _one(_column_indices(tokens, parsed.names, parsed.ncols, label), label)
        if parsed.records:
            name = parsed.names[j]
            return np.asarray([key_text(row.get(name)) for row in parsed.rows], dtype=object)
        return np.asarray([key_text(row[j]) for row in parsed.rows], dtype=object)
    if isinstance(parsed, tuple):  # a JSON object of arrays
        obj = parsed[0]
        names = list(obj)
        if tokens is None and len(names) == 1:
            tokens = names
        if tokens is None or len(tokens) != 1 or tokens[0] not in obj:
            raise InputError(f"--by: pick one key of {label} ({', '.join(map(repr, names))}), as {label}:KEY")
        values = obj[tokens[0]]
        if not isinstance(values, list):
            raise InputError(f"--by: {label} key {tokens[0]!r} is not an array")
        return np.asarray([key_text(v) for v in values], dtype=object)
    raise InputError(f"--by: {label} holds no group keys")


def words_ahead(source: str, min_bytes: int) -> bool:
    """Whether a large CSV/TSV file's key column holds words in its first MiB: then its keys are
    read as text at once, not after the numeric block reader has met them (and read the file
    to its end to rank its error among any others)."""
    import io
    import re

    from .inputs import _DELIMITERS, _NUMBER, _split_source, file_format, is_header

    path, selector = _split_source(source)
    if path in (None, "-") or selector is None or not os.path.isfile(path):
        return False
    extension, compression = file_format(path)
    if compression or extension not in (".csv", ".tsv") or os.path.getsize(path) < min_bytes:
        return False
    try:
        import polars as pl

        with open(path, "rb") as f:
            head = f.read(1 << 20)
        head = head[: head.rfind(b"\n") + 1]
        first = head.split(b"\n", 1)[0].decode("utf-8-sig").rstrip("\r").split(_DELIMITERS[extension])
        if not is_header(first) or selector not in [c.strip() for c in first]:
            return False
        frame = pl.read_csv(io.BytesIO(head), infer_schema=False, separator=_DELIMITERS[extension],
                            columns=[[c.strip() for c in first].index(selector)])
        cells = frame.to_series(0).drop_nulls().unique().to_list()
    except Exception:  # the readers say what is wrong with the file
        return False
    return any(not _NUMBER.fullmatch(c) and c.strip().lower() not in _MISSING_TEXT for c in cells)


def _one(indices: list[int], label: str) -> int:
    if len(indices) != 1:
        raise UsageError(f"--by takes one column of {label}, got {len(indices)}")
    return indices[0]


def _polars_keys(path: str, tokens, sources) -> np.ndarray:
    import polars as pl

    from .inputs import _DELIMITERS, file_format, is_header

    extension = file_format(path)[0]
    if extension in (".parquet", ".arrow", ".feather", ".ipc"):
        scan = pl.scan_parquet(path) if extension == ".parquet" else pl.scan_ipc(path)
        names = scan.collect_schema().names()
        if tokens is None and len(names) == 1:
            tokens = names
        if tokens is None or len(tokens) != 1 or tokens[0] not in names:
            raise InputError(f"--by: pick one column of {path} ({', '.join(map(repr, names))}), as {path}:NAME")
        column = scan.select(tokens[0]).collect().to_series(0)
    elif extension == ".jsonl":
        frame = pl.read_ndjson(path, infer_schema_length=None)
        if tokens is None or len(tokens) != 1 or tokens[0] not in frame.columns:
            raise InputError(f"--by: pick one key of {path} ({', '.join(map(repr, frame.columns))}), as {path}:KEY")
        column = frame[tokens[0]]
        if column.dtype == pl.Float64 or column.dtype == pl.Int64:
            column = column.cast(pl.Float64)
    else:
        delimiter = _DELIMITERS[extension] if sources.delimiter == "auto" else sources.delimiter
        with open(path, encoding="utf-8-sig") as f:
            first = f.readline().rstrip("\r\n").split(delimiter)
        header = is_header(first)
        names = [c.strip() for c in first] if header else [str(j + 1) for j in range(len(first))]
        if tokens is None:
            if len(names) != 1:
                raise UsageError(f"--by: {path} has {len(names)} columns; pick the one of the keys, as {path}:NAME")
            j = 0
        elif len(tokens) != 1:
            raise UsageError(f"--by takes one column of {path}, got {len(tokens)}")
        elif header and tokens[0] in names:
            j = names.index(tokens[0])
        elif tokens[0].isdigit() and 1 <= int(tokens[0]) <= len(names):
            j = int(tokens[0]) - 1
        else:
            raise InputError(f"--by: no column {tokens[0]!r} in {path} (columns: {', '.join(map(repr, names))})")
        frame = pl.read_csv(path, has_header=header, infer_schema=False, separator=delimiter or ",", columns=[j])
        column = frame.to_series(0)
    column = column.cast(pl.String)
    unique = column.unique(maintain_order=True)
    index = column.to_frame("k").join(unique.to_frame("k").with_row_index("i"), on="k", how="left",
                                      nulls_equal=True, maintain_order="left")["i"].to_numpy().astype(np.int64)
    return index, [key_text(v) for v in unique.to_list()]


# --- folding the groups ----------------------------------------------------------------------


class Groups:
    """Per-group partial sums (numerator, denominator, samples), and under --ci the per-group
    moments (and bootstrap sums), folded in CHUNK-aligned chunks of the global sample index."""

    def __init__(self, spec, inv, k: int) -> None:
        from . import stats

        self.spec, self.inv = spec, inv
        # the bootstrap draws a chunk of stats.CHUNK samples' weights at a time; sums and moments
        # alone take larger chunks (fewer bincounts); either way aligned to the global sample index
        self.chunk = stats.CHUNK if inv.ci is not None and inv.ci_method == "bootstrap" else SUM_CHUNK
        self.k = k  # per-sample variables of the interval: 1, or 2 for a ratio mean
        self.ci = inv.ci is not None
        self.boot = self.ci and inv.ci_method == "bootstrap"
        self.size = 0
        self.sum = np.zeros(0)
        self.den = np.zeros(0)
        self.n = np.zeros(0, dtype=np.int64)
        self.nonunit = np.zeros(0, dtype=np.int64)  # samples whose weight is not 1 (ratio means)
        self.mean = np.zeros((0, k))
        self.m2 = np.zeros((0, k, k))
        self.bnum = np.zeros((0, inv.resamples if self.boot else 0))
        self.bden = np.zeros_like(self.bnum)
        self.start = inv.sample_offset  # the global index of the first sample not yet folded
        self._pieces: list[tuple] = []  # samples of a chunk not yet complete
        self._buffered = 0

    def _grow(self, size: int) -> None:
        if size <= self.size:
            return
        extra = size - self.size
        self.sum = np.concatenate([self.sum, np.zeros(extra)])
        self.den = np.concatenate([self.den, np.zeros(extra)])
        self.n = np.concatenate([self.n, np.zeros(extra, dtype=np.int64)])
        self.nonunit = np.concatenate([self.nonunit, np.zeros(extra, dtype=np.int64)])
        self.mean = np.concatenate([self.mean, np.zeros((extra, self.k))])
        self.m2 = np.concatenate([self.m2, np.zeros((extra, self.k, self.k))])
        self.bnum = np.concatenate([self.bnum, np.zeros((extra, self.bnum.shape[1]))])
        self.bden = np.concatenate([self.bden, np.zeros((extra, self.bden.shape[1]))])
        self.size = size

    def add(self, codes: np.ndarray, parts: "SampleParts", groups: int) -> None:
        """Fold the next samples: their CODES and per-sample parts, in chunks aligned to the
        global sample index (a partial chunk waits for the next block)."""
        self._grow(groups)
        pos, n = 0, codes.size
        while pos < n:
            room = (self.start // self.chunk + 1) * self.chunk - self.start - self._buffered
            take = min(room, n - pos)
            piece = (codes[pos : pos + take], parts.rows(pos, pos + take))
            if not self._buffered and take == room:
                self._fold(*piece)
            else:
                self._pieces.append(piece)
                self._buffered += take
                if take == room:
                    self.flush()
            pos += take

    def flush(self) -> "Groups":
        if self._pieces:
            codes = np.concatenate([c for c, _ in self._pieces])
            parts = SampleParts.joined([p for _, p in self._pieces])
            self._pieces, self._buffered = [], 0
            self._fold(codes, parts)
        return self

    def _fold(self, codes: np.ndarray, parts: "SampleParts") -> None:
        if not codes.size:
            return
        g = self.size
        count = np.bincount(codes, minlength=g)
        self.sum += np.bincount(codes, weights=parts.numerator, minlength=g)
        if parts.denominator is None:  # every sample's share is the same
            self.den += parts.share * count
        else:
            self.den += np.bincount(codes, weights=parts.denominator, minlength=g)
        if parts.nonunit is not None:
            self.nonunit += np.bincount(codes, weights=parts.nonunit, minlength=g).astype(np.int64)
        if self.ci:
            x = parts.x
            present = count > 0
            mean = np.zeros((g, self.k))
            for j in range(self.k):
                mean[present, j] = np.bincount(codes, weights=x[:, j], minlength=g)[present] / count[present]
            d = x - mean[codes]
            m2 = np.zeros((g, self.k, self.k))
            for a in range(self.k):
                for b in range(a, self.k):
                    m2[:, a, b] = m2[:, b, a] = np.bincount(codes, weights=d[:, a] * d[:, b], minlength=g)
            # Chan, Golub and LeVeque's pairwise merge, every group at once
            n0, n1 = self.n.astype(np.float64), count.astype(np.float64)
            total = np.maximum(n0 + n1, 1)
            delta = mean - self.mean
            self.mean = np.where(present[:, None], self.mean + delta * (n1 / total)[:, None], self.mean)
            self.m2 = self.m2 + m2 + np.einsum("ga,gb->gab", delta, delta) * (n0 * n1 / total)[:, None, None]
            if self.boot:
                self._fold_bootstrap(codes, x)
        self.n += count
        self.start += codes.size

    def _fold_bootstrap(self, codes: np.ndarray, x: np.ndarray) -> None:
        from .stats import poisson_weights

        chunk, first = divmod(self.start, self.chunk)
        w = poisson_weights(self.inv.seed, chunk, self.inv.resamples)[first : first + codes.size]
        order = np.argsort(codes, kind="stable")
        sorted_codes = codes[order]
        starts = np.flatnonzero(np.r_[True, sorted_codes[1:] != sorted_codes[:-1]])
        which = sorted_codes[starts]
        num = x[order, 0]
        den = x[order, 1] if self.k == 2 else np.ones(codes.size)
        self.bnum[which] += np.add.reduceat(num[:, None] * w[order], starts, axis=0)
        self.bden[which] += np.add.reduceat(den[:, None] * w[order], starts, axis=0)

    def result(self, names: list[str], reduction: str, dtype: str) -> tuple[dict, ...]:
        """Every group as {"group", "value", "n", "sum", "denominator", "ci", "moments", "bootstrap"},
        sorted by value, largest first (NaN first: it fails every gate), then by name."""
        from .partials import combine

        self.flush()
        out = []
        for g, name in enumerate(names):
            with np.errstate(over="ignore"):
                value = np.asarray(combine(reduction, self.sum[g], self.den[g])).astype(dtype)
            moments = boot = ci = None
            if self.ci:
                moments, boot, ci = self._interval(g)
            out.append({"group": name, "value": value, "n": int(self.n[g]), "sum": float(self.sum[g]),
                        "denominator": float(self.den[g]), "ci": ci, "moments": moments, "bootstrap": boot,
                        "unit_weights": bool(self.nonunit[g] == 0)})
        return tuple(sort_groups(out))

    def _interval(self, g: int):
        from .stats import Bootstrap, Moments

        m = Moments(self.k)
        m.n, m.mean, m.m2 = int(self.n[g]), self.mean[g].copy(), self.m2[g].copy()
        boot = None
        if self.boot:
            boot = Bootstrap(self.k, self.inv.resamples, self.inv.seed)
            boot.num, boot.den = self.bnum[g].copy(), self.bden[g].copy()
        return m, boot, interval_of(m, boot, self.inv.ci, self.nonunit[g] == 0)


def interval_of(m, boot, level: float, unit_weights: bool) -> dict:
    """A group's interval as the whole set's is made (stats): a ratio mean whose samples all
    weigh 1 is the plain t interval of its numerators."""
    from . import stats

    shown = m
    if m.k == 2 and unit_weights:
        shown = stats.Moments(1)
        shown.n, shown.mean, shown.m2 = m.n, m.mean[:1].copy(), m.m2[:1, :1].copy()
    if boot is not None:
        return stats.bootstrap_interval(shown, boot, level)
    return stats.interval(shown, level)


def sort_groups(groups: list[dict]) -> list[dict]:
    def key(g):
        v = float(g["value"])
        return (0 if math.isnan(v) else 1, -v if not math.isnan(v) else 0.0, g["group"])

    return sorted(groups, key=key)


class SampleParts:
    """Each sample's share of its group's sum (numerator) and denominator (None: the same share
    for every sample), whether its weight is not 1 (ratio means), and under --ci the k
    per-sample variables of the interval."""

    def __init__(self, numerator, denominator, share, nonunit, x) -> None:
        self.numerator, self.denominator, self.share, self.nonunit, self.x = numerator, denominator, share, nonunit, x

    def rows(self, start: int, stop: int) -> "SampleParts":
        cut = lambda a: None if a is None else a[start:stop]  # noqa: E731
        return SampleParts(cut(self.numerator), cut(self.denominator), self.share, cut(self.nonunit), cut(self.x))

    @staticmethod
    def joined(pieces: list["SampleParts"]) -> "SampleParts":
        join = lambda name: None if getattr(pieces[0], name) is None else \
            np.concatenate([getattr(p, name) for p in pieces])  # noqa: E731
        return SampleParts(join("numerator"), join("denominator"), pieces[0].share, join("nonunit"), join("x"))


def sample_parts(spec, reduction: str, parts, weights, ci: bool) -> SampleParts:
    """The per-sample parts of one block: a sample's share of its group's sum and denominator."""
    s = np.asarray(parts.elements if reduction == "sum" else parts.summands, dtype=np.float64)
    s = s.reshape(s.shape[0] if s.ndim else 1, -1)
    n = s.shape[0]
    numerator = s[:, 0] if s.shape[1] == 1 else s.sum(axis=1)
    k = 2 if spec.core in ("nll_loss", "cross_entropy") else 1
    nonunit = x = None
    if reduction == "sum":
        denominator, share, per_sample = None, 1.0, numerator
    elif weights is not None:
        denominator = np.asarray(weights, dtype=np.float64).reshape(n)
        share = per_sample = None
        if not math.isclose(float(denominator.sum()), float(parts.denominator), rel_tol=1e-9, abs_tol=1e-12):
            raise UsageError(f"--by: {spec.name}'s mean here is not a per-sample ratio; no groups")
        nonunit = (denominator != 1.0).astype(np.float64)
        if ci:
            x = np.stack([numerator, denominator], axis=1)
    else:
        total = float(parts.denominator)
        if total == s.size:  # a mean over elements: a sample's share is its element count
            denominator, share = None, float(s.shape[1])
            per_sample = numerator / s.shape[1] if ci and s.shape[1] != 1 else numerator
        elif total == n:  # over samples: batchmean, ctc, probability targets
            denominator, share, per_sample = None, 1.0, numerator
        else:
            raise UsageError(f"--by: {spec.name}'s mean divides by {total:g}, neither its elements ({s.size}) "
                             f"nor its samples ({n}): no per-group loss for it")
    if ci and x is None:
        x = per_sample[:, None] if k == 1 else np.stack([per_sample, np.ones(n)], axis=1)
    return SampleParts(numerator, denominator, share, nonunit, x)


class Slicer:
    """The group codes of each block's samples: from --by's own column (read with the other
    per-sample inputs, in the same blocks), from --target (`--by target`), or from text keys
    read whole beforehand (`preload`)."""

    def __init__(self, spec, inv) -> None:
        self.spec, self.inv = spec, inv
        self.coder = KeyCoder()
        self.target = is_target(inv.by)
        self.preloaded: np.ndarray | None = None
        self.rows = 0  # input rows seen
        if self.target and not any(a.key == "target" for a in spec.arrays):
            raise UsageError(f"--by target: {spec.name} has no --target; give --by a SOURCE of one key per sample")

    def source(self) -> str | None:
        """The SOURCE to read with the per-sample inputs, or None."""
        return None if self.target or self.preloaded is not None else self.inv.by

    def preload(self, keys: tuple) -> None:
        """Text keys read whole: (each sample's index into NAMES, NAMES)."""
        index, names = keys
        self.preloaded = self.coder._codes_of_names(names)[index] if len(names) else index

    def attach(self, block: dict, offset: int, streamed: bool) -> dict:
        """The block with "--by": the int64 codes of its rows (integers: --nan-policy passes them by,
        and drops them with their samples)."""
        block = dict(block)
        keys = block.pop("--by", None)
        first = next(iter(block), None)
        rows = 0 if first is None or block[first].ndim == 0 else block[first].shape[0]
        if self.target:
            keys = block.get("--target")
            if keys is not None and keys.ndim > 1:
                raise UsageError(f"--by target needs one class per sample, but --target has shape "
                                 f"{tuple(keys.shape)}: give --by a SOURCE")
            codes = self.coder.codes(np.atleast_1d(keys))
        elif self.preloaded is not None:
            codes = self.preloaded[offset : offset + rows] if streamed else self.preloaded
            if streamed and codes.size < rows:
                codes = np.concatenate([codes, np.zeros(rows - codes.size, dtype=np.int64)])
        else:
            codes = self.coder.codes(_one_key_each(keys))
        self.rows += rows
        if self.spec.row_wise and not streamed and codes.size != rows:
            raise UsageError(f"--by has {codes.size:,} keys but {first} has {rows:,} rows; give one key per sample")
        block["--by"] = codes
        return block

    def finish(self) -> None:
        """Text keys read whole: as many as the rows read in blocks."""
        if self.preloaded is not None and self.preloaded.size != self.rows and self.spec.row_wise:
            first = self.spec.arrays[0].flag
            raise UsageError(f"--by has {self.preloaded.size:,} keys but {first} has {self.rows:,} rows; "
                             "give one key per sample")


def _one_key_each(keys) -> np.ndarray:
    keys = np.asarray(keys)
    if keys.ndim == 0:
        return keys.reshape(1)
    if keys.ndim > 1:
        raise UsageError(f"--by needs one key per sample, a single column, but its SOURCE has shape "
                         f"{tuple(keys.shape)}: pick one column, as FILE:NAME")
    return keys
