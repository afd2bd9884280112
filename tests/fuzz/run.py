"""Run the fuzz targets of tests/fuzz/ for a bounded time each; exit 1 on any finding.

    python tests/fuzz/run.py                      # every target, 50 s each (CI)
    python tests/fuzz/run.py --seconds 3600 kernels

Each target runs in its own process (atheris/libFuzzer, or the plain random loop without
atheris) over its seed corpus tests/fuzz/corpus/<target>/; new inputs go to a temporary
directory (the seeds in the repository are never rewritten). A finding's input is kept in
``--artifacts`` (default: a temporary directory, printed) and its output is shown.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TARGETS = ("tokenize", "readers", "kernels")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("targets", nargs="*", help=f"any of {', '.join(TARGETS)} (default: all)")
    ap.add_argument("--seconds", type=float, default=50.0, help="per target (default 50)")
    ap.add_argument("--timeout", type=int, default=20, help="seconds one input may take")
    ap.add_argument("--artifacts", help="where a finding's input is written")
    ap.add_argument(
        "--seed",
        type=int,
        default=0,
        help="libFuzzer's random seed (0: a new one each run; CI fixes it so runs repeat)",
    )
    ap.add_argument(
        "--runs",
        type=int,
        default=-1,
        help="stop a target after this many inputs (-1: only --seconds limits it)",
    )
    args = ap.parse_args()
    unknown = sorted(set(args.targets) - set(TARGETS))
    if unknown:
        ap.error(f"unknown targets {unknown}; choose from {', '.join(TARGETS)}")
    artifacts = args.artifacts or tempfile.mkdtemp(prefix="fuzz-findings-")
    os.makedirs(artifacts, exist_ok=True)
    failed = []
    for target in args.targets or TARGETS:
        with tempfile.TemporaryDirectory(prefix=f"fuzz-{target}-") as work:
            cmd = [
                sys.executable,
                os.path.join(HERE, f"fuzz_{target}.py"),
                f"-max_total_time={int(args.seconds)}",
                f"-seed={args.seed}",
                f"-runs={args.runs}",
                f"-timeout={args.timeout}",
                "-rss_limit_mb=4096",
                f"-artifact_prefix={artifacts}/{target}-",
                "-print_final_stats=1",
                work,
                os.path.join(HERE, "corpus", target),
            ]
            t0 = time.monotonic()
            try:  # libFuzzer stops itself; this only catches a process that never exits
                proc = subprocess.run(
                    cmd,
                    cwd=HERE,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    timeout=args.seconds + 4 * args.timeout + 60,
                )
                out, code = proc.stdout.decode("utf-8", "replace"), proc.returncode
            except subprocess.TimeoutExpired as e:
                out = (e.stdout or b"").decode("utf-8", "replace") + "\nthe target did not exit"
                code = -1
            lines = [x for x in out.splitlines() if not x.startswith("INFO: Instrumenting")]
            runs = next(
                (x.split()[-1] for x in lines if x.startswith("stat::number_of_executed")), "?"
            )
            took = time.monotonic() - t0
            if code != 0:
                failed.append(target)
                print("\n".join(lines[-80:]))
                print(
                    f"fuzz {target}: FINDING (exit {code}) after {took:.0f} s; "
                    f"input kept in {artifacts}",
                    flush=True,
                )
            else:
                note = next((x for x in lines if "skipped" in x or "not installed" in x), "")
                print(
                    f"fuzz {target}: no finding, {runs} inputs in {took:.0f} s {note}", flush=True
                )
    if failed:
        print(f"fuzz: findings in {', '.join(failed)}; inputs in {artifacts}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
