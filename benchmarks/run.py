#!/usr/bin/env python
"""Run the benchmarks in benchmarks/bench_*.py and print (optionally save) the results.

Usage (from the repository root, with the extension built)::

    PYTHONPATH=python python benchmarks/run.py --quick            # CI smoke run, reduced sizes
    PYTHONPATH=python python benchmarks/run.py --json out.json    # full sizes, results kept
    PYTHONPATH=python python benchmarks/run.py --only sparse      # cases/modules matching

Case-module interface (see benchmarks/README.md): each ``bench_*.py`` defines
``cases(quick: bool) -> list[dict]``. A returned dict is either

* a *spec* ``{"name": str, "run": callable}``; ``run`` is called (with ``n_jobs=N`` when it
  accepts an argument) and returns a result dict; or
* an already computed *result* dict.

A result dict is ``{"name", "ours_s", "baselines": {name: s}, "ratios": {name: baseline_s /
ours_s}, "target": str, "passed": bool | None, "extra": dict}`` ("ratio": float is accepted in
place of "ratios"). Optional keys in "extra" the driver understands: "pairs" (pairs/s is printed),
"targets" ({baseline: minimum ratio}, shown per baseline row), "notes" (list of strings).

Targets are reported, never asserted: the exit status is 0 whatever is missed; it is 1 only when
a case raised an exception (a broken benchmark). Modules that fail to import are skipped with a
message (e.g. the extension is not built, or an optional dependency is missing).
"""

from __future__ import annotations

import argparse
import datetime
import glob
import importlib
import inspect
import json
import math
import os
import platform
import sys
import tempfile
import time
import traceback
from typing import Any, Callable, Dict, List, Optional, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))


def usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))  # type: ignore[attr-defined]
    except AttributeError:  # pragma: no cover - macOS / Windows
        return os.cpu_count() or 1


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _version(mod: str) -> Optional[str]:
    try:
        m = importlib.import_module(mod)
    except Exception:
        return None
    return str(getattr(m, "__version__", "?"))


def machine_info(n_jobs: int) -> Dict[str, Any]:
    """CPU, usable cores, library versions and BLAS (threadpoolctl) of this process."""
    info: Dict[str, Any] = {
        "timestamp": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "hostname": platform.node(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpu_model": _cpu_model(),
        "cpus_usable": usable_cpus(),
        "cpus_total": os.cpu_count(),
        "n_jobs": n_jobs,
    }
    try:
        info["loadavg_at_start"] = list(os.getloadavg())
    except OSError:  # pragma: no cover
        pass
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal"):
                    info["mem_total_gib"] = round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    for mod in ("numpy", "scipy", "sklearn", "threadpoolctl", "divergence"):
        info[f"{mod}_version"] = _version(mod)
    try:
        import divergence

        info["divergence_path"] = os.path.dirname(divergence.__file__)
    except Exception:
        pass
    # Reported as found; the driver never changes them.
    info["env"] = {
        k: os.environ[k]
        for k in ("OPENBLAS_CORETYPE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
        if k in os.environ
    }
    try:
        import numpy  # noqa: F401  - load BLAS so threadpoolctl sees it
        import scipy.linalg  # noqa: F401
        from threadpoolctl import threadpool_info

        info["blas"] = [
            {
                k: d.get(k)
                for k in (
                    "internal_api",
                    "version",
                    "num_threads",
                    "threading_layer",
                    "architecture",
                    "filepath",
                )
            }
            for d in threadpool_info()
        ]
    except Exception as e:
        info["blas"] = f"unavailable ({type(e).__name__}: {e})"
    return info


def _print_machine(info: Dict[str, Any]) -> None:
    print("machine")
    print(
        f"  cpu: {info['cpu_model']}; usable cores: {info['cpus_usable']} of {info['cpus_total']}; "
        f"memory: {info.get('mem_total_gib', '?')} GiB; n_jobs: {info['n_jobs']}"
    )
    if "loadavg_at_start" in info:
        print("  load average at start: " + ", ".join(f"{x:.2f}" for x in info["loadavg_at_start"]))
    print(
        f"  python {info['python']}; numpy {info['numpy_version']}; scipy {info['scipy_version']}; "
        f"sklearn {info['sklearn_version']}; divergence {info['divergence_version']}"
    )
    blas = info.get("blas")
    if isinstance(blas, list):
        for d in blas:
            desc = " ".join(str(d[k]) for k in ("internal_api", "version") if d.get(k))
            arch = f" ({d['architecture']})" if d.get("architecture") else ""
            layer = f", {d['threading_layer']}" if d.get("threading_layer") else ""
            lib = os.path.basename(str(d.get("filepath") or ""))
            print(f"  {desc}{arch}: {d.get('num_threads')} threads{layer} [{lib}]")
    else:
        print(f"  BLAS: {blas}")
    if info.get("env"):
        print("  env: " + " ".join(f"{k}={v}" for k, v in info["env"].items()))
    print()


# ---------------------------------------------------------------------------------------------
# Loading and running cases


def discover(only: Optional[str]) -> Tuple[List[Tuple[str, Any]], List[Dict[str, str]]]:
    """Import benchmarks/bench_*.py; returns (modules, skipped)."""
    if HERE not in sys.path:
        sys.path.insert(0, HERE)
    modules: List[Tuple[str, Any]] = []
    skipped: List[Dict[str, str]] = []
    for path in sorted(glob.glob(os.path.join(HERE, "bench_*.py"))):
        name = os.path.splitext(os.path.basename(path))[0]
        try:
            mod = importlib.import_module(name)
        except Exception as e:
            msg = f"{type(e).__name__}: {e}"
            print(f"skipping {name}: import failed ({msg})", file=sys.stderr)
            skipped.append({"module": name, "reason": msg})
            continue
        if not callable(getattr(mod, "cases", None)):
            print(f"skipping {name}: no cases(quick) function", file=sys.stderr)
            skipped.append({"module": name, "reason": "no cases(quick) function"})
            continue
        modules.append((name, mod))
    return modules, skipped


def _call_with_n_jobs(fn: Callable[..., Any], n_jobs: int, *args: Any) -> Any:
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):  # pragma: no cover - builtins
        return fn(*args)
    if "n_jobs" in params:
        return fn(*args, n_jobs=n_jobs)
    positional = [
        p for p in params.values() if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    if len(positional) > len(args) and positional[len(args)].default is inspect.Parameter.empty:
        return fn(*args, n_jobs)
    return fn(*args)


def _num(x: Any) -> Optional[float]:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def normalise_result(res: Dict[str, Any], module: str, n_jobs: int) -> Dict[str, Any]:
    """Fill the optional keys of a result dict; compute ratios if only times were given."""
    out = dict(res)
    out.setdefault("name", "?")
    out["module"] = module
    out["ours_s"] = _num(out.get("ours_s"))
    baselines = {str(k): _num(v) for k, v in (out.get("baselines") or {}).items()}
    out["baselines"] = baselines
    ratios = out.get("ratios")
    if ratios is None and "ratio" in out:
        only = next(iter(baselines), "baseline")
        ratios = {only: out["ratio"]}
    ratios = {str(k): _num(v) for k, v in (ratios or {}).items()}
    for k, b in baselines.items():
        if k not in ratios and b is not None and out["ours_s"]:
            ratios[k] = b / out["ours_s"]
    out["ratios"] = ratios
    out.setdefault("target", "")
    out.setdefault("passed", None)
    extra = dict(out.get("extra") or {})
    extra.setdefault("n_jobs", n_jobs)
    pairs = _num(extra.get("pairs"))
    if pairs and out["ours_s"] and "pairs_per_s" not in extra:
        extra["pairs_per_s"] = pairs / out["ours_s"]
    out["extra"] = extra
    return out


def run_all(
    quick: bool,
    only: Optional[str],
    n_jobs: int,
    keys: Optional[List[str]] = None,
) -> Tuple[List[Dict[str, Any]], List[Dict[str, str]]]:
    """Every matching case; with ``keys``, only the cases of those keys ("<module>/<case>")."""
    modules, skipped = discover(only)
    results: List[Dict[str, Any]] = []
    for name, mod in modules:
        short = name[len("bench_") :]
        module_matches = only is None or only in name
        try:
            specs = _call_with_n_jobs(mod.cases, n_jobs, quick)
        except Exception as e:
            traceback.print_exc()
            results.append(
                {"name": f"{short}: cases()", "module": name, "error": f"{type(e).__name__}: {e}"}
            )
            continue
        for spec in specs:
            case_name = str(spec.get("name", "?"))
            if not (module_matches or (only is not None and only in case_name)):
                continue
            key = f"{short}/{case_name}"
            if keys is not None and key not in keys:
                continue
            print(f"[{short}] {case_name} ...", file=sys.stderr, flush=True)
            t0 = time.perf_counter()
            try:
                if callable(spec.get("run")):
                    res = _call_with_n_jobs(spec["run"], n_jobs)
                    res.setdefault("name", case_name)
                else:
                    res = spec
                res = normalise_result(res, name, n_jobs)
            except Exception as e:
                traceback.print_exc()
                res = {"name": case_name, "module": name, "error": f"{type(e).__name__}: {e}"}
            res["key"] = key
            res["wall_s"] = time.perf_counter() - t0
            print(
                f"[{short}] {case_name}: done in {res['wall_s']:.1f} s", file=sys.stderr, flush=True
            )
            results.append(res)
    return results, skipped


# ---------------------------------------------------------------------------------------------
# Output


def _fmt_s(x: Optional[float]) -> str:
    if x is None:
        return "-"
    if x >= 100:
        return f"{x:.0f}"
    if x >= 1:
        return f"{x:.2f}"
    if x >= 1e-3:
        return f"{x:.4f}"
    return f"{x:.2e}"


def _fmt_ratio(x: Optional[float]) -> str:
    if x is None:
        return "-"
    return f"{x:.0f}x" if x >= 100 else f"{x:.2f}x"


def _verdict(p: Any) -> str:
    return "-" if p is None else ("pass" if p else "MISS")


def print_table(results: List[Dict[str, Any]]) -> None:
    """One row per (case, baseline); the case's overall verdict on its first row."""
    head = ("case", "ours (s)", "pairs/s", "baseline", "base (s)", "ratio", "target", "result")
    rows: List[Tuple[str, ...]] = []
    notes: List[str] = []
    for r in results:
        if "error" in r:
            rows.append((r["name"], "ERROR", "", r["error"][:60], "", "", "", "ERROR"))
            continue
        extra = r.get("extra", {})
        pps = extra.get("pairs_per_s")
        pps_s = f"{pps:.3g}" if isinstance(pps, (int, float)) else "-"
        per_target = extra.get("targets") or {}
        names = list(r["baselines"]) or [None]
        for i, b in enumerate(names):
            first = i == 0
            if b is None:
                tgt = r["target"]
                verdict = _verdict(r["passed"])
                rows.append((r["name"], _fmt_s(r["ours_s"]), pps_s, "-", "-", "-", tgt, verdict))
                continue
            ratio = r["ratios"].get(b)
            if b in per_target:
                need = per_target[b]
                tgt = f">= {need:g}x"
                verdict = "-" if ratio is None else ("pass" if ratio >= need else "MISS")
            else:
                tgt, verdict = ("", "")
            rows.append(
                (
                    r["name"] if first else "",
                    _fmt_s(r["ours_s"]) if first else "",
                    pps_s if first else "",
                    b,
                    _fmt_s(r["baselines"][b]),
                    _fmt_ratio(ratio),
                    tgt,
                    verdict,
                )
            )
        if r["baselines"] and not per_target and (r["target"] or r["passed"] is not None):
            # A target that is not a per-baseline ratio: its own row.
            rows.append(("", "", "", "", "", "", r["target"], _verdict(r["passed"])))
        for n in extra.get("notes", []):
            notes.append(f"{r['name']}: {n}")
    widths = [
        max(len(h), *(len(row[i]) for row in rows)) if rows else len(h) for i, h in enumerate(head)
    ]
    widths = [min(w, 48) for w in widths]

    def line(cells: Tuple[str, ...]) -> str:
        return "  ".join(
            c[:w].ljust(w) if i in (0, 3, 6) else c[:w].rjust(w) if i != 7 else c
            for i, (c, w) in enumerate(zip(cells, widths))
        ).rstrip()

    print(line(head))
    print("  ".join("-" * w for w in widths))
    prev = None
    for row in rows:
        if row[0] and prev is not None:
            print()
        print(line(row))
        prev = row
    print()
    overall = [r for r in results if "error" not in r and r.get("passed") is not None]
    passed = sum(1 for r in overall if r["passed"])
    print(
        f"targets met: {passed} of {len(overall)} cases with a target "
        f"(reported, not asserted); errors: {sum(1 for r in results if 'error' in r)}"
    )
    if notes:
        print("\nnotes")
        for n in notes:
            print(f"  - {n}")
    # Case-specific extra figures (memory, sizes, checks) in compact form.
    print("\ndetails")
    for r in results:
        if "error" in r:
            continue
        keep = {k: v for k, v in r.get("extra", {}).items() if k not in ("notes", "targets")}
        if keep:
            print(f"  {r['name']}: " + ", ".join(f"{k}={_fmt_extra(v)}" for k, v in keep.items()))


def _fmt_extra(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, (list, tuple)) and all(isinstance(x, float) for x in v):
        return "[" + ", ".join(f"{x:.4g}" for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {_fmt_extra(x)}" for k, x in v.items()) + "}"
    return str(v)


def _jsonable(x: Any) -> Any:
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, bool) or x is None or isinstance(x, (str, int)):
        return x
    if isinstance(x, float):
        return x if math.isfinite(x) else None
    try:  # numpy scalars
        item = x.item()
    except AttributeError:
        return str(x)
    return _jsonable(item)


def write_json(path: str, payload: Dict[str, Any]) -> None:
    """Atomic: a temporary file in the same directory, then os.replace."""
    path = os.path.abspath(path)
    d = os.path.dirname(path)
    os.makedirs(d, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".bench-", suffix=".json.tmp", dir=d)
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(_jsonable(payload), f, indent=2, allow_nan=False)
            f.write("\n")
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="smoke run at reduced sizes (CI)")
    ap.add_argument("--json", metavar="PATH", help="write results and machine info as JSON")
    ap.add_argument(
        "--only", metavar="SUBSTRING", help="run only modules or cases whose name contains it"
    )
    ap.add_argument(
        "--n-jobs",
        type=int,
        default=None,
        help="threads for our code and the threaded baselines (default: all usable CPUs)",
    )
    ap.add_argument(
        "--compare",
        metavar="BASELINE",
        help="compare instructions and ratios with a baseline file (benchmarks/baseline.json)",
    )
    ap.add_argument(
        "--check",
        action="store_true",
        help="with --compare: exit 2 when a case regresses beyond its threshold",
    )
    ap.add_argument(
        "--history", metavar="JSONL", help="append this run's measures as one JSON line"
    )
    ap.add_argument(
        "--write-baseline",
        metavar="PATH",
        help="write a baseline file from this run (median ratios over --repeat runs)",
    )
    ap.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="with --write-baseline: runs of the suite whose median ratios are kept (default 1)",
    )
    ap.add_argument(
        "--calibrate",
        metavar="JSONL",
        help="with --write-baseline: also count the ratios of this history file's runs on this "
        "machine (same CPU, host and mode) in the medians and floors",
    )
    ap.add_argument(
        "--retries",
        type=int,
        default=2,
        help="with --compare: re-runs of a case whose ratio fell below its floor; the best "
        "ratio counts (default 2)",
    )
    ap.add_argument(
        "--no-instructions",
        action="store_true",
        help="do not measure instruction counts (callgrind), even with --compare/--history",
    )
    args = ap.parse_args(argv)
    if args.check and not args.compare:
        ap.error("--check needs --compare BASELINE")
    if args.repeat < 1:
        ap.error("--repeat must be >= 1")
    baseline = None
    if args.compare:
        with open(args.compare) as f:
            baseline = json.load(f)
    try:  # keep stdout in order with the progress lines on stderr
        sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    except AttributeError:  # pragma: no cover
        pass
    cpus = usable_cpus()
    n_jobs = cpus if args.n_jobs is None else args.n_jobs
    if n_jobs < 1:
        ap.error(f"--n-jobs must be >= 1, got {n_jobs}")
    info = machine_info(n_jobs)
    _print_machine(info)
    t0 = time.perf_counter()
    results, skipped = run_all(args.quick, args.only, n_jobs)
    extra_runs = []
    for i in range(1, args.repeat if args.write_baseline else 1):
        print(f"repeat {i + 1} of {args.repeat}", file=sys.stderr, flush=True)
        extra_runs.append(run_all(args.quick, args.only, n_jobs)[0])
    total = time.perf_counter() - t0
    print()
    print_table(results)
    print(f"\nmode: {'quick' if args.quick else 'full'}; n_jobs: {n_jobs}; total {total:.1f} s")
    if skipped:
        for s in skipped:
            print(f"skipped module {s['module']}: {s['reason']}")
    if args.json:
        payload = {
            "machine": info,
            "mode": "quick" if args.quick else "full",
            "n_jobs": n_jobs,
            "only": args.only,
            "total_s": total,
            "skipped_modules": skipped,
            "results": results,
        }
        write_json(args.json, payload)
        print(f"wrote {args.json}")
    failed = 1 if any("error" in r for r in results) else 0
    if args.compare or args.history or args.write_baseline:
        failed = max(failed, track(args, results, extra_runs, baseline, info, n_jobs))
    return failed


def track(
    args: argparse.Namespace,
    results: List[Dict[str, Any]],
    extra_runs: List[List[Dict[str, Any]]],
    baseline: Optional[Dict[str, Any]],
    info: Dict[str, Any],
    n_jobs: int,
) -> int:
    """Instruction counts, the comparison with the baseline, the history line, the baseline
    file. Returns 2 when --check finds a regression, else 0."""
    import instructions
    import tracking

    keys = [r["key"] for r in results if "key" in r and "error" not in r]
    if args.no_instructions:
        instr: Dict[str, Any] = {"available": False, "reason": "--no-instructions"}
    else:
        print("\ninstruction counts (callgrind) ...", file=sys.stderr, flush=True)
        instr = instructions.measure(keys)
        if instr["available"]:
            print(
                f"\ninstruction counts: {instr['tool']}; ISA under valgrind "
                f"{instr['env']['isa']}; {instr['seconds']:.1f} s"
            )
            for k, e in instr["errors"].items():
                print(f"  instruction count of {k} failed: {e}")
        else:
            print(f"\ninstruction counts unavailable: {instr['reason']}")
    now = tracking.measures(results, instr)
    status = 0
    if baseline is not None:
        rows, regressions, notes = tracking.compare(baseline, now, instr)
        # A ratio below its floor is re-measured (the load moves wall times; a real regression
        # stays); the best ratio of the runs counts. Instruction counts are not re-measured.
        retry = sorted({k for k, m in regressions if m.startswith("ratio")})
        for attempt in range(args.retries):
            if not retry:
                break
            print(
                f"\nre-running {len(retry)} case(s) with a ratio below its floor "
                f"(retry {attempt + 1} of {args.retries}): {', '.join(retry)}",
                flush=True,
            )
            again = tracking.measures(run_all(args.quick, args.only, n_jobs, keys=retry)[0], {})
            for k, m in again.items():
                for b, v in m["ratios"].items():
                    if v > now[k]["ratios"].get(b, 0.0):
                        now[k]["ratios"][b] = v
            rows, regressions, notes = tracking.compare(baseline, now, instr)
            retry = sorted({k for k, m in regressions if m.startswith("ratio")})
        print()
        tracking.print_comparison(rows, args.compare)
        for n in notes:
            print(f"note: {n}")
        if regressions:
            print(f"\n{len(regressions)} regression(s) beyond the thresholds:")
            for k, m in regressions:
                print(f"  {k}: {m}")
        else:
            print("\nno regression beyond the thresholds")
        if args.check and regressions:
            names = sorted({k for k, _ in regressions})
            print(f"check FAILED: {', '.join(names)}")
            status = 2
        elif args.check:
            print("check passed")
    if args.history:
        mode = "quick" if args.quick else "full"
        tracking.append_history(args.history, tracking.history_line(now, instr, info, mode))
        print(f"appended a line to {args.history}")
    if args.write_baseline:
        runs = [tracking.measures(r, {}) for r in extra_runs] + [now]
        if args.calibrate:
            mode = "quick" if args.quick else "full"
            past = tracking.history_runs(args.calibrate, info, mode)
            print(f"calibration: {len(past)} run(s) of {args.calibrate} on this machine")
            runs = past + runs
        write_json(args.write_baseline, tracking.build_baseline(runs, instr, info))
        print(f"wrote {args.write_baseline} ({len(runs)} run(s))")
    return status


if __name__ == "__main__":
    sys.exit(main())
