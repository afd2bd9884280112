"""What the fuzz targets share: the bytes-to-values reader, the engine, the import path.

Each target defines ``one_input(data: bytes)``, which raises on a finding (a wrong answer, an
exception that is not allowed, a crash in the core) and returns otherwise. ``main`` runs it:

* with atheris (coverage-guided libFuzzer, the Python code of ``divergence`` instrumented) when
  it is installed; the arguments are libFuzzer's (``-max_total_time=60 corpus_dir ...``);
* without atheris, as a plain random loop: the seed files and random mutations of them (byte
  flips, inserts, cuts, splices, random bytes), for ``-max_total_time`` seconds, saving the
  input of a finding as ``<artifact_prefix>crash-<sha1>``. It says so on its first line.

``tests/fuzz/run.py`` runs every target for a bounded time (CI) or longer (README.md).
"""

from __future__ import annotations

import hashlib
import os
import random
import signal
import sys
import time
import traceback
from typing import Callable, List, Optional, Sequence, TypeVar

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
sys.path.insert(0, TESTS)  # tests/reference.py, tests/test_tokenize.py: the oracles

try:
    import atheris
except ImportError:  # the plain random loop below
    atheris = None

T = TypeVar("T")


class Data:
    """Values read from the fuzzer's bytes, front to back; zeros once they run out."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def left(self) -> int:
        return len(self.data) - self.pos

    def byte(self) -> int:
        if self.pos >= len(self.data):
            return 0
        self.pos += 1
        return self.data[self.pos - 1]

    def int(self, lo: int, hi: int) -> int:
        """An integer in [lo, hi] (hi - lo < 2**16)."""
        span = hi - lo + 1
        v = self.byte() if span <= 256 else self.byte() | (self.byte() << 8)
        return lo + v % span

    def bool(self) -> bool:
        return bool(self.byte() & 1)

    def pick(self, options: Sequence[T]) -> T:
        return options[self.int(0, len(options) - 1)]

    def float(self, lo: float, hi: float) -> float:
        """A float in [lo, hi], log-uniform when lo > 0."""
        u = (self.byte() | (self.byte() << 8) | (self.byte() << 16)) / float(1 << 24)
        if lo > 0:
            return float(lo * (hi / lo) ** u)
        return lo + (hi - lo) * u

    def bytes(self, n: int) -> bytes:
        out = self.data[self.pos : self.pos + n]
        self.pos += len(out)
        return out

    def rest(self) -> bytes:
        return self.bytes(self.left())

    def text(self, n: int, alphabet: Optional[Sequence[str]] = None) -> str:
        """Up to n code points: from ``alphabet``, or any code point (surrogates included)."""
        chars = []
        for _ in range(n):
            if not self.left():
                break
            if alphabet is not None:
                chars.append(self.pick(alphabet))
                continue
            kind = self.byte() % 4
            if kind == 0:  # ASCII: words, digits, punctuation, space
                chars.append(chr(self.byte() % 128))
            elif kind == 1:  # the Basic Multilingual Plane
                chars.append(chr(self.int(0, 0xFFFF)))
            elif kind == 2:  # combining marks, general punctuation, letter-like symbols
                chars.append(chr(self.pick([0x300, 0x2000, 0x2100, 0x1D400]) + self.byte()))
            else:  # anywhere
                chars.append(
                    chr((self.byte() | (self.byte() << 8) | (self.byte() << 16)) % 0x110000)
                )
        return "".join(chars)


def _seeds(dirs: List[str]) -> List[bytes]:
    out = []
    for d in dirs:
        for name in sorted(os.listdir(d)) if os.path.isdir(d) else []:
            with open(os.path.join(d, name), "rb") as f:
                out.append(f.read())
    return out or [b""]


def _mutate(rng: random.Random, seeds: List[bytes]) -> bytes:
    b = bytearray(rng.choice(seeds))
    for _ in range(rng.randint(1, 8)):
        op = rng.randrange(6)
        i = rng.randint(0, len(b))
        if op == 0 and b:
            b[min(i, len(b) - 1)] ^= 1 << rng.randrange(8)
        elif op == 1:
            b[i:i] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        elif op == 2:
            del b[i : i + rng.randint(1, 16)]
        elif op == 3:
            other = rng.choice(seeds)
            j = rng.randint(0, len(other))
            b[i:] = other[j:]
        elif op == 4 and b:
            b[min(i, len(b) - 1)] = rng.choice(b'\x00\xff\n\r",\t\\{}[]:0')
        else:
            b = bytearray(rng.randrange(256) for _ in range(rng.randint(0, 64)))
    return bytes(b)


def _plain_loop(one_input: Callable[[bytes], None], argv: List[str]) -> None:
    opts = {a[1:].split("=", 1)[0]: a.split("=", 1)[1] for a in argv[1:] if a.startswith("-")}
    dirs = [a for a in argv[1:] if not a.startswith("-")]
    files = [a for a in dirs if os.path.isfile(a)]
    if files:  # replay, as libFuzzer does with file arguments
        for path in files:
            with open(path, "rb") as f:
                one_input(f.read())
            print(f"{path}: no finding", flush=True)
        return
    budget = float(opts.get("max_total_time", 60))
    per_input = int(opts.get("timeout", 20))
    prefix = opts.get("artifact_prefix", "./")
    rng = random.Random(int(opts.get("seed", 0)) or None)
    seeds = _seeds(dirs)
    print(
        f"atheris is not installed: plain random fuzz loop (not coverage-guided) for "
        f"{budget:g} s over {len(seeds)} seed files",
        flush=True,
    )

    def hang(signum: int, frame: object) -> None:
        raise TimeoutError(f"one input ran longer than {per_input} s")

    signal.signal(signal.SIGALRM, hang)
    end = time.monotonic() + budget
    runs = 0
    inputs = iter(seeds)
    while time.monotonic() < end:
        data = next(inputs, None)
        if data is None:
            data = _mutate(rng, seeds)
        signal.alarm(per_input)
        try:
            one_input(data)
        except BaseException:
            signal.alarm(0)
            path = prefix + "crash-" + hashlib.sha1(data).hexdigest()
            with open(path, "wb") as f:
                f.write(data)
            traceback.print_exc()
            print(f"finding: input written to {path}", flush=True)
            sys.exit(1)
        signal.alarm(0)
        runs += 1
    print(f"done: {runs} inputs, no finding", flush=True)


def main(one_input: Callable[[bytes], None]) -> None:
    """Run ``one_input`` under atheris, or under the plain loop without it."""
    if atheris is not None:
        atheris.Setup(sys.argv, one_input)
        atheris.Fuzz()
    else:
        _plain_loop(one_input, sys.argv)


def instrumented() -> object:
    """Context manager for the imports whose Python code atheris should trace (a no-op
    without atheris)."""
    if atheris is not None:
        return atheris.instrument_imports(include=["divergence"])
    import contextlib

    return contextlib.nullcontext()
