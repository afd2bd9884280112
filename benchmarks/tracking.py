"""Tracking the core's performance: the baseline file, the comparison with it, the history.

Two stable measures per case (see benchmarks/README.md, "Tracking"):

* ``instructions``: the instruction count of our call under callgrind (``instructions.py``),
  which does not depend on the load; compared only when the environment it depends on (the ISA
  the dispatch picks under valgrind, valgrind, Python, NumPy, SciPy, glibc) is the baseline's.
* ``ratio vs <baseline>``: baseline time / our time, both measured in the same run.

A regression: instructions above ``(1 + instructions_rise)`` x baseline (default +5%), or a
ratio below ``floor`` x baseline (default 0.7; per-measure floors kept in the baseline file
where the quick sizes are noisier, each with its reason).
"""

from __future__ import annotations

import datetime
import json
import os
import statistics
import subprocess
from typing import Any, Dict, List, Optional, Tuple

FORMAT = 1
INSTRUCTIONS_RISE = 0.05
RATIO_FLOOR = 0.7
HERE = os.path.dirname(os.path.abspath(__file__))


def git_commit() -> str:
    """HEAD of the repository (with "-dirty" if tracked files changed), or "unknown"."""
    root = os.path.dirname(HERE)
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=30
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=30,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return (sha + ("-dirty" if dirty else "")) if sha else "unknown"


def measures(results: List[Dict[str, Any]], instr: Dict[str, Any]) -> Dict[str, Dict[str, Any]]:
    """Per case key: name, wall time, ratios, instruction count and its size label."""
    counts = instr.get("counts", {}) if instr.get("available") else {}
    sizes = instr.get("sizes", {}) if instr.get("available") else {}
    out: Dict[str, Dict[str, Any]] = {}
    for r in results:
        if "error" in r or "key" not in r:
            continue
        m: Dict[str, Any] = {
            "name": r["name"],
            "ours_s": r.get("ours_s"),
            "ratios": {k: v for k, v in r.get("ratios", {}).items() if v is not None},
        }
        if r["key"] in counts:
            m["instructions"] = counts[r["key"]]
            m["instructions_size"] = sizes.get(r["key"])
        out[r["key"]] = m
    return out


def _floor_down(x: float, step: float = 0.05) -> float:
    return round(int(x / step + 1e-9) * step, 2)


def build_baseline(
    runs: List[Dict[str, Dict[str, Any]]], instr: Dict[str, Any], machine: Dict[str, Any]
) -> Dict[str, Any]:
    """The baseline file's content from one or more runs' measures (median ratio per measure).

    A ratio whose worst run, relative to the median, times 0.8 is below the default floor gets
    that lower floor, ``0.8 x worst / median`` rounded down to 0.05, with the figures that
    justify it (a margin of 20% below the worst run seen).
    """
    cases: Dict[str, Any] = {}
    for key in runs[-1]:
        last = runs[-1][key]
        case: Dict[str, Any] = {"name": last["name"]}
        if "instructions" in last:
            case["instructions"] = last["instructions"]
            case["instructions_size"] = last.get("instructions_size")
        ratios, floors = {}, {}
        for b in last["ratios"]:
            seen = [r[key]["ratios"][b] for r in runs if key in r and b in r[key]["ratios"]]
            med = statistics.median(seen)
            ratios[b] = med
            worst = min(seen) / med if med > 0 else 1.0
            if len(seen) > 1 and 0.8 * worst < RATIO_FLOOR:
                floor = _floor_down(0.8 * worst)
                floors[b] = {
                    "floor": floor,
                    "why": f"worst of {len(seen)} runs at {worst:.2f} x the median "
                    f"({', '.join(f'{x:.3g}' for x in seen)})",
                }
        case["ratios"] = ratios
        if len(runs) > 1:
            case["ratios_seen"] = {
                b: [r[key]["ratios"][b] for r in runs if key in r and b in r[key]["ratios"]]
                for b in ratios
            }
        if floors:
            case["ratio_floors"] = floors
        cases[key] = case
    return {
        "format": FORMAT,
        "created": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "commit": git_commit(),
        "runs": len(runs),
        "thresholds": {"instructions_rise": INSTRUCTIONS_RISE, "ratio_floor": RATIO_FLOOR},
        "machine": {
            k: machine.get(k)
            for k in (
                "cpu_model",
                "cpus_usable",
                "hostname",
                "platform",
                "python",
                "numpy_version",
                "scipy_version",
                "sklearn_version",
                "divergence_version",
            )
        },
        "instructions_tool": instr.get("tool") if instr.get("available") else None,
        "instructions_env": instr.get("env") if instr.get("available") else None,
        "cases": cases,
    }


def env_differences(base_env: Optional[Dict[str, Any]], now_env: Optional[Dict[str, Any]]) -> str:
    """'' when instruction counts are comparable, else what differs."""
    if not base_env:
        return "the baseline has no instruction counts"
    if not now_env:
        return "no instruction counts in this run"
    diff = [
        f"{k} {base_env.get(k)} -> {now_env.get(k)}"
        for k in sorted(set(base_env) | set(now_env))
        if base_env.get(k) != now_env.get(k)
    ]
    return "; ".join(diff)


def compare(
    baseline: Dict[str, Any], now: Dict[str, Dict[str, Any]], instr: Dict[str, Any]
) -> Tuple[List[Tuple[str, str, str, str, str, str]], List[Tuple[str, str]], List[str]]:
    """(rows of case, measure, baseline, now, change, verdict; regressions (case, measure);
    notes). Verdicts: ok, REGRESSION, improved (instructions down by more than the rise),
    new (not in the baseline), skipped (not comparable, with the reason in the notes)."""
    th = baseline.get("thresholds", {})
    rise = float(th.get("instructions_rise", INSTRUCTIONS_RISE))
    default_floor = float(th.get("ratio_floor", RATIO_FLOOR))
    notes: List[str] = []
    if not instr.get("available"):
        why = instr.get("reason", "not measured")
        notes.append(f"instruction counts not measured ({why}): ratios compared only")
        instr_ok = False
    else:
        diff = env_differences(baseline.get("instructions_env"), instr.get("env"))
        instr_ok = not diff
        if diff:
            notes.append(
                f"instruction counts not compared, their environment differs from the "
                f"baseline's ({diff}): ratios compared only; update the baseline on this "
                f"machine to track instructions here"
            )
    bm = baseline.get("machine", {})
    rows: List[Tuple[str, str, str, str, str, str]] = []
    regressions: List[Tuple[str, str]] = []
    for key, m in now.items():
        b = baseline.get("cases", {}).get(key)
        if b is None:
            rows.append((key, "-", "-", "-", "-", "new"))
            continue
        if "instructions" in m or "instructions" in b:
            bi, ni = b.get("instructions"), m.get("instructions")
            if bi is None or ni is None:
                rows.append((key, "instructions", _i(bi), _i(ni), "-", "skipped"))
            elif b.get("instructions_size") != m.get("instructions_size"):
                rows.append((key, "instructions", _i(bi), _i(ni), "-", "skipped (size)"))
            else:
                change = ni / bi - 1.0
                if not instr_ok:
                    verdict = "skipped (env)"
                elif change > rise:
                    verdict = "REGRESSION"
                    regressions.append((key, "instructions"))
                elif change < -rise:
                    verdict = "improved"
                else:
                    verdict = "ok"
                rows.append((key, "instructions", _i(bi), _i(ni), f"{change:+.2%}", verdict))
        floors = b.get("ratio_floors", {})
        for name, nr in m["ratios"].items():
            br = b.get("ratios", {}).get(name)
            measure = f"ratio vs {name}"
            if br is None:
                rows.append((key, measure, "-", _x(nr), "-", "new"))
                continue
            floor = float(floors.get(name, {}).get("floor", default_floor))
            rel = nr / br
            if rel < floor:
                verdict = f"REGRESSION (< {floor:g}x)"
                regressions.append((key, measure))
            else:
                verdict = "ok"
            rows.append((key, measure, _x(br), _x(nr), f"{rel:.2f}x", verdict))
    if bm.get("cpu_model") and now and bm.get("cpu_model") != _current_cpu():
        notes.append(
            f"the baseline was measured on another CPU ({bm.get('cpu_model')}): ratios are "
            f"compared, read them with care"
        )
    return rows, regressions, notes


def _current_cpu() -> Optional[str]:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def _x(r: float) -> str:
    return f"{r:.0f}x" if r >= 100 else f"{r:.3g}x"


def _i(x: Optional[int]) -> str:
    return "-" if x is None else f"{x:,d}"


def print_comparison(rows: List[Tuple[str, ...]], baseline_path: str) -> None:
    head = ("case", "measure", "baseline", "now", "change", "verdict")
    widths = [
        max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(head)
    ]
    widths = [min(w, 44) for w in widths]

    def line(cells: Tuple[str, ...]) -> str:
        return "  ".join(
            c[:w].ljust(w) if i in (0, 1, 5) else c[:w].rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths))
        ).rstrip()

    print(f"comparison with {baseline_path}")
    print(line(head))
    print("  ".join("-" * w for w in widths))
    prev = None
    for r in rows:
        print(line(r if r[0] != prev else ("",) + tuple(r[1:])))
        prev = r[0]


def history_line(
    now: Dict[str, Dict[str, Any]], instr: Dict[str, Any], machine: Dict[str, Any], mode: str
) -> Dict[str, Any]:
    return {
        "commit": git_commit(),
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "mode": mode,
        "machine": {k: machine.get(k) for k in ("cpu_model", "cpus_usable", "hostname")},
        "loadavg_at_start": machine.get("loadavg_at_start"),
        "instructions_env": instr.get("env") if instr.get("available") else None,
        "cases": now,
    }


def history_runs(path: str, machine: Dict[str, Any], mode: str) -> List[Dict[str, Dict[str, Any]]]:
    """The measures of a history file's runs made on this machine (CPU, host) in this mode."""
    out = []
    with open(path) as f:
        for line in f:
            if not line.strip():
                continue
            e = json.loads(line)
            m = e.get("machine", {})
            same = all(m.get(k) == machine.get(k) for k in ("cpu_model", "hostname"))
            if same and e.get("mode") == mode:
                out.append(e["cases"])
    return out


def append_history(path: str, entry: Dict[str, Any]) -> None:
    """One JSON line appended (a single write of a complete line)."""
    d = os.path.dirname(os.path.abspath(path))
    os.makedirs(d, exist_ok=True)
    with open(path, "a") as f:
        f.write(json.dumps(entry, sort_keys=True) + "\n")
