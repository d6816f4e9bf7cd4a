"""Fuzz the input readers: push random inputs through `Sources.load`, count uncaught exceptions.

    python tools/fuzz_inputs.py                 # 100,000 inputs, seed 0 (about a minute)
    python tools/fuzz_inputs.py -n 5000 --seed 7 --show 5
    python tools/fuzz_inputs.py -n 20000 --blocks    # also stream.row_blocks, in blocks of 7 to 4096 bytes

Each input is one of: random bytes; a valid CSV/TSV/TXT/JSON/JSON Lines/.npy/.npz document with
random byte edits, truncations or splices; random inline text. It is read as a file with a
random extension (or none) or as stdin, with a random selector and a random --delimiter. Every
outcome must be an array of numbers or InputError/UsageError; anything else is counted as
uncaught, as is a warning, a result that is not a non-empty numeric array, or an input taking
over 2 s.
With --blocks, each file and stdin input is also read by stream.row_blocks (the engine's reader)
in small blocks, which must give the same array or the same message; a difference is counted too.
Exit status 1 if any. Not run in CI (tests/test_hostile_inputs.py runs the property tests).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import sys
import tempfile
import time
import traceback
import warnings
from collections import Counter

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import numpy as np  # noqa: E402

from losscli import stream  # noqa: E402
from losscli.errors import InputError, LossCliError, UsageError  # noqa: E402
from losscli.inputs import Sources  # noqa: E402

EXTENSIONS = [".csv", ".tsv", ".txt", ".json", ".jsonl", ".ndjson", ".npy", ".npz", "", ".dat", "-"]
DELIMITERS = [None] * 40 + [",", ";", "\t", "tab", "\\t", "|", " ", ":"] + ["ab", "", "e", "\n"]
SELECTORS = [None] * 30 + ["1", "2", "3", "0", "99", "a", "b", "p", "t", "x", "logits", "a,b", "1,2", '"a,b"', "",
                          ",", " a ", "{pred}", "a:b", "\x00", "\udcff", "1" * 400]
ALPHABET = '0123456789.,;:+-eE \t\r\n"[]{}nainfINFtrueflsxy_\x00\ufeff\xa0é|#'
WORDS = ["nan", "NaN", "inf", "-Infinity", "1e999", "1e-400", "1_000", "0x10", "1,5", "true", "null", '"1"',
         "[", "]", "{", "}", '{"a": 1}', "{}", "[{}]", "[[]]", '{"a": 1, "a": 2}', "\ufeff", "\r\n", "9" * 400,
         "-0", ".5", "5.", "+1"]


def numbers(rng: random.Random, n: int) -> list[float]:
    pool = [0.0, -0.0, 1.0, -1.5, 1e308, 5e-324, float("nan"), float("inf"), -float("inf"), 2.0**53 + 1]
    return [rng.choice(pool) if rng.random() < 0.2 else rng.uniform(-1e3, 1e3) for _ in range(n)]


def valid_document(rng: random.Random) -> tuple[str, bytes]:
    """(extension, bytes) of a valid document of a random format and shape."""
    rows, cols = rng.randint(1, 6), rng.randint(1, 5)
    matrix = [numbers(rng, cols) for _ in range(rows)]
    names = [rng.choice(["p", "t", "a", "b", "x y", "a,b", "é"]) + str(j) * rng.randint(0, 1) for j in range(cols)]
    kind = rng.choice(["csv", "tsv", "txt", "json", "records", "object", "jsonl", "jsonl-records", "npy", "npz"])
    if kind in ("csv", "tsv", "txt"):
        sep = {"csv": ",", "tsv": "\t", "txt": " "}[kind]
        lines = [sep.join(names)] if rng.random() < 0.5 and kind != "txt" else []
        lines += [sep.join(rng.choice([repr(x), f"{x:.3e}", f'"{x}"']) for x in row) for row in matrix]
        text = rng.choice(["\n", "\r\n"]).join(lines) + rng.choice(["", "\n"])
        return "." + kind, (("\ufeff" if rng.random() < 0.2 else "") + text).encode()
    if kind in ("json", "records", "object"):
        value = (matrix if kind == "json" else [dict(zip(names, row)) for row in matrix] if kind == "records"
                 else {name: [row[j] for row in matrix] for j, name in enumerate(names)})
        return ".json", json.dumps(value, indent=rng.choice([None, 1])).encode()
    if kind.startswith("jsonl"):
        items = matrix if kind == "jsonl" else [dict(zip(names, row)) for row in matrix]
        return ".jsonl", "\n".join(json.dumps(item) for item in items).encode()
    dtype = rng.choice(["<f8", ">f4", "<f2", "|i1", "<i8", "<u2", "|b1", "<c16", "|O"])
    array = np.array(matrix)
    if rng.random() < 0.3:
        array = array.reshape(-1) if rng.random() < 0.5 else array.reshape(1, rows, cols)
    with np.errstate(all="ignore"):
        array = array.astype(dtype) if dtype != "|O" else array.astype(object)
    buffer = io.BytesIO()
    if kind == "npy":
        np.save(buffer, array, allow_pickle=True)
    else:
        np.savez_compressed(buffer, **{name: array for name in rng.sample(["a", "logits", "x,y"], rng.randint(0, 2))})
    return "." + kind, buffer.getvalue()


def mutated(rng: random.Random, data: bytes, corpus: list[bytes]) -> bytes:
    data = bytearray(data)
    for _ in range(rng.choice([1, 1, 1, 2, 4])):
        at = rng.randint(0, len(data))
        action = rng.randrange(6)
        if action == 0:
            data[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 4)))
        elif action == 1:
            del data[at : at + rng.randint(1, 8)]
        elif action == 2 and data:
            data[min(at, len(data) - 1)] = rng.randrange(256)
        elif action == 3:
            del data[at:]  # truncate
        elif action == 4:
            data[at:at] = rng.choice(WORDS).encode("utf-8", "surrogatepass")
        else:
            other = rng.choice(corpus)
            start = rng.randint(0, len(other))
            data[at:at] = other[start : start + rng.randint(1, 64)]  # splice another document in
    return bytes(data)


def inline_text(rng: random.Random) -> str:
    if rng.random() < 0.3:
        return rng.choice(WORDS) * rng.randint(1, 3) + "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 20)))
    if rng.random() < 0.2:
        depth = rng.randint(1, 3000)
        return "[" * depth + rng.choice(["1", "", "[]", "1,2"]) + "]" * rng.randint(0, depth)
    return "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 40)))


def one_input(rng: random.Random, corpus: list[bytes]) -> tuple[str, bytes | str, str | None, str | None]:
    """(extension or '-' or 'inline', data, selector, delimiter)."""
    selector = rng.choice(SELECTORS)
    delimiter = rng.choice(DELIMITERS)
    roll = rng.random()
    if roll < 0.15:
        return "inline", inline_text(rng), None, delimiter
    if roll < 0.35:
        data = bytes(rng.randrange(256) for _ in range(rng.randint(0, 200)))
        if rng.random() < 0.5:
            data = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 120))).encode("utf-8", "surrogatepass")
    else:
        ext, data = valid_document(rng)
        corpus.append(data)
        if len(corpus) > 200:
            corpus.pop(0)
        if rng.random() < 0.6:
            data = mutated(rng, data, corpus)
        if rng.random() < 0.7:
            return ext, data, selector, delimiter
    return rng.choice(EXTENSIONS), data, selector, delimiter


def run(case, folder: str, serial: int) -> np.ndarray:
    ext, data, selector, delimiter = case
    suffix = "" if selector is None else ":" + selector
    if ext == "inline":
        return Sources(stdin=io.BytesIO(b""), delimiter=delimiter).load("--pred", data)
    if ext == "-":
        return Sources(stdin=io.BytesIO(data), delimiter=delimiter).load("--pred", "-" + suffix)
    path = os.path.join(folder, f"f{serial % 7}{ext}")
    with open(path, "wb") as f:
        f.write(data)
    return Sources(delimiter=delimiter).load("--pred", path + suffix)


def outcome(read) -> object:
    try:
        return read()
    except LossCliError as e:
        return f"{type(e).__name__}: {e}"


def blocks_differ(case, folder: str, serial: int, rng: random.Random) -> str | None:
    """How stream.row_blocks' reading of CASE differs from Sources.load's, or None."""
    ext, data, selector, delimiter = case
    if ext == "inline":
        return None
    suffix = "" if selector is None else ":" + selector
    source = "-" + suffix if ext == "-" else os.path.join(folder, f"f{serial % 7}{ext}") + suffix
    stdin = lambda: io.BytesIO(data if ext == "-" else b"")  # noqa: E731
    stream.BLOCK_BYTES = rng.choice([7, 16, 64, 4096])
    stream.HEAD_BYTES = max(64, stream.BLOCK_BYTES)

    def blocks():
        sources = Sources(stdin=stdin(), delimiter=delimiter)
        got = stream.row_blocks({"--pred": source}, sources, 0)
        return None if got is None else [b["--pred"] for b in got]

    got = outcome(blocks)
    if got is None:
        return None  # read whole
    want = outcome(lambda: Sources(stdin=stdin(), delimiter=delimiter).load("--pred", source))
    if isinstance(got, str) or isinstance(want, str):
        return None if got == want else f"blocks: {got!r}\nwhole:  {want!r}"
    joined = np.concatenate(got) if got else np.empty(0)
    if joined.shape != want.shape or not np.array_equal(joined, want, equal_nan=True):
        return f"blocks: {joined!r}\nwhole:  {want!r}"
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--count", type=int, default=100_000, help="inputs to try (default 100,000)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0): a run is reproducible")
    parser.add_argument("--show", type=int, default=3, help="uncaught exceptions to print in full (default 3)")
    parser.add_argument("--blocks", action="store_true", help="also compare stream.row_blocks with the whole reader")
    args = parser.parse_args()

    warnings.simplefilter("error")  # a warning would be a stray line on the command's stderr
    rng = random.Random(args.seed)
    corpus: list[bytes] = [b"1,2\n3,4\n", b"[1, 2]"]
    outcomes: Counter[str] = Counter()
    uncaught: list[tuple[tuple, str]] = []
    slowest = (0.0, None)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="losscli-fuzz-") as folder:
        cwd = os.getcwd()
        os.chdir(folder)  # inline text that happens to name a file names one of ours, not the user's
        try:
            for serial in range(args.count):
                case = one_input(rng, corpus)
                began = time.perf_counter()
                try:
                    array = run(case, folder, serial)
                    empty_npy = isinstance(array, np.ndarray) and array.ndim and not array.shape[0]  # read as is
                    if not (isinstance(array, np.ndarray) and array.dtype.kind in "fiu" and (array.size or empty_npy)):
                        raise AssertionError(f"not a non-empty numeric array: {array!r}")
                    outcomes["read"] += 1
                except (InputError, UsageError) as e:
                    if "\n" in str(e):
                        uncaught.append((case, f"a message of several lines: {e}"))
                    outcomes["refused"] += 1
                except Exception:  # noqa: BLE001  (counting these is the point)
                    outcomes["uncaught"] += 1
                    uncaught.append((case, traceback.format_exc()))
                if args.blocks:
                    try:
                        difference = blocks_differ(case, folder, serial, rng)
                    except Exception:  # noqa: BLE001
                        difference = traceback.format_exc()
                    if difference:
                        outcomes["blocks differ"] += 1
                        uncaught.append((case, difference))
                took = time.perf_counter() - began
                if took > slowest[0]:
                    slowest = (took, case)
                if took > 2.0:
                    uncaught.append((case, f"took {took:.1f} s"))
        finally:
            os.chdir(cwd)
    elapsed = time.perf_counter() - start
    for case, text in uncaught[: args.show]:
        ext, data, selector, delimiter = case
        print(f"--- ext={ext!r} selector={selector!r} delimiter={delimiter!r} data={data[:300]!r}\n{text}")
    print(f"{args.count:,} inputs (seed {args.seed}) in {elapsed:.1f} s: {outcomes['read']:,} read, "
          f"{outcomes['refused']:,} refused with InputError/UsageError, {len(uncaught)} uncaught "
          f"(slowest input {slowest[0] * 1000:.0f} ms)")
    return 1 if uncaught else 0


if __name__ == "__main__":
    sys.exit(main())
