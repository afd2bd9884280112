"""Ctrl-C stops a long computation in the core: SIGINT to a process busy in pairwise/nearest
(n_jobs=2, GIL released) must end it with KeyboardInterrupt within a few seconds, not hang
until the work is done."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import textwrap
import time

import pytest

import divergence

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.name != "posix", reason="POSIX signals"),
]

# Each call takes several seconds on a fast machine (about 10 s for the sparse nearest on the
# developers' 2-core box); the loop makes sure the signal lands inside the core even on a
# machine fast enough to finish a call in under a second.
CHILD = {
    "sparse-nearest": """
        rng = np.random.default_rng(0)
        n, V, per_row = 30000, 2000, 40
        rows = np.repeat(np.arange(n), per_row + 1)
        cols = np.concatenate(
            [rng.integers(0, V, (n, per_row)), rng.integers(0, 50, (n, 1))], axis=1
        ).ravel()
        X = sp.csr_matrix((rng.integers(1, 5, rows.size).astype(float), (rows, cols)), shape=(n, V))
        work = lambda: divergence.nearest(X, k=5, metric="jsd", n_jobs=2)
    """,
    "dense-pairwise": """
        rng = np.random.default_rng(0)
        X = rng.random((3000, 1500))
        work = lambda: divergence.pairwise(X, metric="jsd", n_jobs=2)
    """,
    "sparse-pairwise-memmap": """
        import tempfile
        rng = np.random.default_rng(0)
        n, V, per_row = 6000, 1000, 300
        rows = np.repeat(np.arange(n), per_row + 1)
        cols = np.concatenate(
            [rng.integers(0, V, (n, per_row)), rng.integers(0, 20, (n, 1))], axis=1
        ).ravel()
        X = sp.csr_matrix((rng.random(rows.size) + 0.1, (rows, cols)), shape=(n, V))
        out = np.memmap(tempfile.TemporaryFile(), dtype=np.float32, mode="w+", shape=(n, n))
        work = lambda: divergence.pairwise(
            X, metric="hellinger", dtype=np.float32, n_jobs=2, out=out
        )
    """,
}

PRELUDE = """
import sys, time
import numpy as np
import scipy.sparse as sp
import divergence
"""

LOOP = """
print("started", flush=True)
while True:
    t0 = time.monotonic()
    work()
    print("call took", time.monotonic() - t0, flush=True)
"""


@pytest.mark.parametrize("case", sorted(CHILD))
def test_sigint_interrupts_core(case):
    script = PRELUDE + textwrap.dedent(CHILD[case]) + LOOP
    env = dict(os.environ)
    pkg_root = os.path.dirname(os.path.dirname(os.path.abspath(divergence.__file__)))
    env["PYTHONPATH"] = pkg_root + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.Popen(
        [sys.executable, "-c", script],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    try:
        # Wait (at most 60 s: imports and building the input) until the child starts the work.
        ready, _, _ = select.select([proc.stdout], [], [], 60.0)
        line = proc.stdout.readline() if ready else ""
        if line.strip() != "started":
            proc.kill()
            _, err = proc.communicate(timeout=10)
            pytest.fail(f"{case}: child did not start the work: {line!r}\n{err[-2000:]}")
        time.sleep(1.0)
        assert proc.poll() is None, "child exited before the signal: " + proc.stderr.read()
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=3.0)
        except subprocess.TimeoutExpired:
            pytest.fail(f"{case}: still running 3 s after SIGINT (Ctrl-C does not stop the core)")
        elapsed = time.monotonic() - sent
        out, err = proc.communicate(timeout=5)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode != 0, (out, err)
    assert "KeyboardInterrupt" in err, err[-2000:]
    assert elapsed < 3.0
