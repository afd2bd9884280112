#!/usr/bin/env python
"""Instruction counts of our calls, measured under valgrind (callgrind): a measure that does not
move with the load of the machine.

One child process runs every case under ``valgrind --tool=callgrind --instr-atstart=no``:
Python, the imports and the data of a case run uninstrumented (fast, and not counted); around
the one measured call of each case the child asks callgrind to start instrumentation, zero the
counters, and after the call to dump them under the case's key and stop again. The requests are
valgrind's client requests (the same bytes as the macros of ``valgrind/callgrind.h``), issued
from Python through a 30-byte function placed in an executable page with ctypes; outside
valgrind that function is a no-op. Every thread is counted (the core's worker threads too).

Each case makes one warm-up call first (lazy imports, first-call set-up), then the measured
call, single-threaded (``n_jobs=1``), with ``PYTHONHASHSEED=0`` and one BLAS/OpenMP thread. The
count covers our whole call: the Python wrapper of the package and the core.

Under valgrind the CPU seen by the program lacks AVX-512, so the core's ``target_clones``
dispatch picks the AVX2 (x86-64-v3) clones on an AVX-512 host; the ISA that valgrind exposes is
read in the child (NumPy's runtime CPU features, the same CPUID bits) and recorded, with the
versions that the count depends on (valgrind, Python, NumPy, SciPy, glibc).

Usage: ``python benchmarks/instructions.py [--quick] [KEY ...]`` prints the counts;
``benchmarks/run.py`` calls :func:`measure`.
"""

from __future__ import annotations

import gc
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from typing import Any, Callable, Dict, List, Optional, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))

# ---------------------------------------------------------------------------------------------
# Valgrind client requests from Python

# mov rax, rdi; xor edx, edx; rol rdi, 3; rol rdi, 13; rol rdi, 61; rol rdi, 51 (valgrind's
# "special instruction" preamble); xchg rbx, rbx (the client request); mov rax, rdx; ret.
_REQUEST_CODE = bytes.fromhex("4889f831d248c1c70348c1c70d48c1c73d48c1c7334887db4889d0c3")
_RUNNING_ON_VALGRIND = 0x1001
_CT = (ord("C") << 24) | (ord("T") << 16)  # VG_USERREQ_TOOL_BASE('C', 'T'), callgrind.h
ZERO_STATS, DUMP_STATS_AT, START_INSTRUMENTATION, STOP_INSTRUMENTATION = (
    _CT + 1,
    _CT + 3,
    _CT + 4,
    _CT + 5,
)


class ClientRequests:
    """valgrind client requests (x86-64 Linux only)."""

    def __init__(self) -> None:
        import ctypes
        import mmap

        if platform.machine() not in ("x86_64", "AMD64"):
            raise RuntimeError(
                f"client requests implemented for x86-64 only ({platform.machine()})"
            )
        self._ctypes = ctypes
        prot = mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC
        self._page = mmap.mmap(-1, mmap.PAGESIZE, prot=prot)
        self._page.write(_REQUEST_CODE)
        addr = ctypes.addressof(ctypes.c_char.from_buffer(self._page))
        self._fn = ctypes.CFUNCTYPE(ctypes.c_uint64, ctypes.c_void_p)(addr)
        self._keep: List[Any] = []

    def __call__(self, code: int, arg: int = 0) -> int:
        args = (self._ctypes.c_uint64 * 6)(code, arg, 0, 0, 0, 0)
        return int(self._fn(self._ctypes.addressof(args)))

    def running_on_valgrind(self) -> bool:
        return self(_RUNNING_ON_VALGRIND) != 0

    def dump(self, label: str) -> None:
        buf = self._ctypes.create_string_buffer(label.encode())
        self(DUMP_STATS_AT, self._ctypes.addressof(buf))


# ---------------------------------------------------------------------------------------------
# The cases: key -> set-up returning (size label, the counted call, a warm-up call). Keys are
# run.py's case keys ("<module>/<case>"). Sizes are the quick sizes where callgrind needs a few
# seconds at most, smaller ones otherwise (named in the label): the whole callgrind run must fit
# CI's budget. A warm-up is the same call on a slice of the data (first-call set-up, lazy
# imports) where the full call costs seconds under valgrind.


Case = Tuple[str, Callable[[], Any], Callable[[], Any]]  # size label, counted call, warm-up


def _pairwise(kind: str) -> Case:
    import numpy as np

    import divergence as dv
    from bench_pairwise import dense_topics, sparse_counts

    if kind.startswith("dense"):
        dt = np.float64 if kind.endswith("f64") else np.float32
        X = dense_topics(400).astype(dt)
        return (
            "N=400 K=50 (quick N=1000)",
            lambda: dv.pairwise(X, metric="jsd", dtype=dt, n_jobs=1),
            lambda: dv.pairwise(X[:50], metric="jsd", dtype=dt, n_jobs=1),
        )
    n = {"small": 1000, "large": 2000, "nearest": 1000}[kind]
    S = sparse_counts(n)
    if kind == "nearest":
        return (
            f"N={n} k=10 (quick N=20000)",
            lambda: dv.nearest(S, k=10, n_jobs=1),
            lambda: dv.nearest(S[:100], k=10, n_jobs=1),
        )
    return (
        f"N={n} V=20000",
        lambda: dv.pairwise(S, metric="jsd", n_jobs=1),
        lambda: dv.pairwise(S[:100], metric="jsd", n_jobs=1),
    )


def _drift_windows() -> Case:
    import divergence as dv
    from bench_drift import statements

    X = statements(20000)

    def call() -> Any:
        return dv.drift(X, window=500, step=100, mode="adjacent", n_jobs=1)

    return "N=20000 window 500 step 100", call, call


def _token_drift() -> Case:
    import divergence as dv
    from bench_drift import tokens

    tok = tokens(200_000)
    return (
        "200000 tokens window 1000 (quick 1e6)",
        lambda: dv.token_drift(tok, 1000, step=1),
        lambda: dv.token_drift(tok[:20000], 1000, step=1),
    )


def _partisan(reps: int) -> Case:
    import numpy as np

    from bench_partisan import QUICK, _csr, speaker_sums, statements
    from divergence import _core

    s = QUICK
    X, _labels, speaker = statements(s["statements"], s["speakers"], s["v"])
    S = speaker_sums(X, speaker, s["speakers"])
    S.sort_indices()
    codes = (np.arange(s["speakers"]) < s["speakers"] // 2).astype(np.int32)
    csr = _csr(S)
    label = f"{s['speakers']} speakers V={s['v']}"
    if reps:
        label += f", {reps} + {reps} replicates (quick 20 + 20)"

    def call() -> Any:
        return _core.partisanship(csr, codes, 2, reps, reps, 1 if reps else 0, 1)

    return label, call, call


def _wordfish() -> Case:
    from bench_scaling import _core_fit, zipf_counts
    from divergence import residual_start

    X = zipf_counts(300, 1000, seed=1)
    u = residual_start(X)
    return "300x1000, one iteration (quick 600x2000)", lambda: _core_fit(X, u, 1), lambda: None


def _changepoints() -> Case:
    import numpy as np

    import divergence as dv

    rng = np.random.default_rng(1)
    y = np.r_[rng.normal(0, 1, 100), rng.normal(1.5, 1, 100)]

    def call() -> Any:
        return dv.changepoints(y, permutations=200, n_jobs=1)

    return "200 values, 200 permutations", call, call


def _tokenize() -> Case:
    from bench_tokenize import _synthetic_texts
    from divergence import Vectorizer

    texts = _synthetic_texts(50, 2_000)
    return (
        "synthetic 50 x 2000 words",
        lambda: Vectorizer(n_jobs=1).fit_transform(texts),
        lambda: Vectorizer(n_jobs=1).fit_transform(texts[:2]),
    )


CASES: Dict[str, Callable[[], Case]] = {
    "pairwise/dense jsd f64": lambda: _pairwise("dense f64"),
    "pairwise/dense jsd f32": lambda: _pairwise("dense f32"),
    "pairwise/sparse jsd small": lambda: _pairwise("small"),
    "pairwise/sparse jsd large": lambda: _pairwise("large"),
    "pairwise/nearest sparse": lambda: _pairwise("nearest"),
    "drift/drift adjacent jsd": _drift_windows,
    "drift/token drift": _token_drift,
    "partisan/leave-out core": lambda: _partisan(0),
    "partisan/partisanship inference": lambda: _partisan(5),
    "scaling/wordfish iteration": _wordfish,
    "stance/changepoints": _changepoints,
    # bench_tokenize returns a computed result, whose name is the case's name
    "tokenize/tokenize: Vectorizer().fit_transform vs CountVectorizer().fit_transform": _tokenize,
}


def isa_seen() -> str:
    """The x86-64 level whose clone the core's dispatch picks on the CPU this process sees."""
    try:
        from numpy._core._multiarray_umath import __cpu_features__ as f
    except ImportError:  # NumPy < 2
        from numpy.core._multiarray_umath import __cpu_features__ as f  # type: ignore
    if platform.machine() not in ("x86_64", "AMD64"):
        return platform.machine()
    if all(f.get(k) for k in ("AVX512F", "AVX512BW", "AVX512CD", "AVX512DQ", "AVX512VL")):
        return "x86-64-v4"
    if all(f.get(k) for k in ("AVX2", "FMA3", "F16C")):
        return "x86-64-v3"
    return "default"


def environment() -> Dict[str, Any]:
    """What an instruction count depends on besides our code (compared before comparing)."""
    import numpy
    import scipy

    return {
        "isa": isa_seen(),
        "arch": platform.machine(),
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
        "libc": "-".join(platform.libc_ver()),
    }


def child(keys: List[str]) -> int:
    """Runs inside valgrind: each case's set-up, a warm-up call, then the counted call."""
    req = ClientRequests()
    on_vg = req.running_on_valgrind()
    out: Dict[str, Any] = {"env": environment(), "on_valgrind": on_vg}
    out.update(sizes={}, errors={}, seconds={})
    for key in keys:
        try:
            t0 = time.perf_counter()
            size, call, warm = CASES[key]()
            warm()  # first-call set-up, not counted
            # No garbage collection inside the counted call: when the collector runs depends
            # on what the cases before this one allocated, not on this call's code.
            gc.collect()
            gc.disable()
            t1 = time.perf_counter()
            req(START_INSTRUMENTATION)
            req(ZERO_STATS)
            try:
                call()
            finally:
                req.dump(key)
                req(STOP_INSTRUMENTATION)
                gc.enable()
            out["sizes"][key] = size
            out["seconds"][key] = [t1 - t0, time.perf_counter() - t1]
        except Exception as e:  # a broken case does not stop the others
            out["errors"][key] = f"{type(e).__name__}: {e}"
    print("INSTRUCTIONS-JSON " + json.dumps(out), flush=True)
    return 0


# ---------------------------------------------------------------------------------------------
# Parent side


def valgrind_version() -> Optional[str]:
    exe = shutil.which("valgrind")
    if exe is None:
        return None
    try:
        out = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


_TRIGGER = "desc: Trigger: Client Request: "


def _parse_dumps(folder: str) -> Dict[str, int]:
    counts: Dict[str, int] = {}
    for name in sorted(os.listdir(folder)):
        label, total = None, None
        with open(os.path.join(folder, name), errors="replace") as f:
            for line in f:
                if line.startswith(_TRIGGER):
                    label = line[len(_TRIGGER) :].strip()
                elif line.startswith("totals:"):
                    total = int(line.split()[1])
        if label is not None and total is not None:
            counts[label] = total
    return counts


def measure(keys: Optional[List[str]] = None, timeout: float = 300.0) -> Dict[str, Any]:
    """Instruction counts of the cases; ``{"available": False, "reason": ...}`` without valgrind.

    Returns ``{"available", "tool", "env", "counts": {key: int}, "sizes": {key: label},
    "errors": {key: message}, "seconds"}``.
    """
    keys = list(CASES) if keys is None else [k for k in keys if k in CASES]
    version = valgrind_version()
    if version is None:
        return {
            "available": False,
            "reason": "valgrind not found on PATH (Debian/Ubuntu: apt-get install valgrind)",
        }
    import divergence

    pkg_parent = os.path.dirname(os.path.dirname(os.path.abspath(divergence.__file__)))
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [pkg_parent, HERE] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])
    )
    env.update(
        PYTHONHASHSEED="0",
        OPENBLAS_NUM_THREADS="1",
        OMP_NUM_THREADS="1",
        MKL_NUM_THREADS="1",
        PYTHONWARNINGS="ignore",
    )
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-callgrind-") as tmp:
        cmd = [
            "valgrind",
            "--tool=callgrind",
            "--instr-atstart=no",
            f"--callgrind-out-file={tmp}/callgrind.out",
            sys.executable,
            os.path.abspath(__file__),
            "--child",
            *keys,
        ]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)
        except subprocess.TimeoutExpired:
            return {"available": False, "reason": f"callgrind run exceeded {timeout:.0f} s"}
        payload = None
        for line in proc.stdout.splitlines():
            if line.startswith("INSTRUCTIONS-JSON "):
                payload = json.loads(line.split(" ", 1)[1])
        if proc.returncode != 0 or payload is None:
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
            return {
                "available": False,
                "reason": f"callgrind child failed (exit {proc.returncode}): " + " | ".join(tail),
            }
        if not payload.get("on_valgrind"):
            return {"available": False, "reason": "the child did not see valgrind"}
        counts = _parse_dumps(tmp)
    env_info = dict(payload["env"])
    env_info["valgrind"] = version
    return {
        "available": True,
        "tool": f"{version} callgrind, instrumentation around our call only",
        "env": env_info,
        "counts": {k: counts[k] for k in keys if k in counts},
        "sizes": payload["sizes"],
        "errors": payload["errors"],
        "case_seconds": payload["seconds"],
        "seconds": time.perf_counter() - t0,
    }


def main(argv: Optional[List[str]] = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--child":
        if HERE not in sys.path:
            sys.path.insert(0, HERE)
        return child(argv[1:])
    keys = [a for a in argv if not a.startswith("--")] or None
    res = measure(keys)
    if not res["available"]:
        print(f"instruction counts unavailable: {res['reason']}")
        return 1
    print(f"{res['tool']}; {json.dumps(res['env'])}; {res['seconds']:.1f} s")
    for k, v in res["counts"].items():
        setup, counted = res["case_seconds"].get(k, [0.0, 0.0])
        print(
            f"  {k:36s} {v:>14,d}  [{res['sizes'].get(k, '')}] "
            f"set-up {setup:.1f} s, counted call {counted:.1f} s"
        )
    for k, e in res["errors"].items():
        print(f"  {k:36s} ERROR {e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())


__all__ = ["CASES", "measure", "environment", "isa_seen"]
