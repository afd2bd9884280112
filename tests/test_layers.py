"""The house rules of python/divergence (CONTRIBUTING.md, "Layers"), checked on the source.

Layers, lowest first; a module may import only from its own layer or below:

0. ``_util`` (validation, replicate summaries, time, operands, version) and the compiled
   ``_core``;
1. foundations: measures, text, corpus reading, output;
2. analyses: compare, terms, drift, change points, novelty, partisanship, stances, bias, topics,
   scaling, neighbours;
3. the public face ``divergence/__init__.py``;
4. ``plot``;
5. ``cli`` (and ``__main__``, which runs it).

Also: no import cycles between modules (function-local imports count: they were how the old
compare <-> partisan cycle hid), no private name (``_x``) imported from another module
(private *modules* may be imported; their private *contents* may not), and no private
attribute (``obj._x``) of another module's object used in ``plot`` or ``cli``: they use the
library's public face (``self``/``cls``, ``super()`` and the module's own top-level names are
theirs to use; the standard-library exceptions are listed in ``ALLOWED_PRIVATE_ATTRIBUTES``).
"""

from __future__ import annotations

import ast
import shutil
from pathlib import Path
from typing import Dict, List, Optional, Set, Tuple

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "python" / "divergence"

FOUNDATION = {"_measures", "_text", "_output", "_engine", "_tiled"}
FOUNDATION_PREFIXES = ("_corpus", "_readers", "_columns")
ANALYSES = {
    "_compare",
    "_terms",
    "_drift",
    "_novelty",
    "_changepoints",
    "_partisan",
    "_partisan_time",
    "_bias",
    "_stance",
    "_stance_ppi",
    "_topics",
    "_topic_select",
    "_topic_compare",
    "_scaling",
    "_neighbours",
    "_report",
    "_stream",
    "_dask",
}
LAYER_NAMES = ["util", "foundation", "analysis", "face", "plot", "cli"]
# The rooms above the public face: they reach the library through public names only.
PUBLIC_ONLY_ROOMS = ("plot", "cli")
# Private attributes they may use anyway, as (the object as written, attribute), e.g.
# ("sys", "_getframe"); none so far.
ALLOWED_PRIVATE_ATTRIBUTES: Set[Tuple[str, str]] = set()


def layer_of(module: str) -> Optional[int]:
    """Layer of a dotted module name below ``divergence`` (None: not assigned)."""
    parts = module.split(".")
    assert parts[0] == "divergence"
    rest = parts[1:]
    if rest == ["__main__"]:
        return 5  # ``python -m divergence`` runs the CLI
    if not rest or rest == ["__init__"]:
        return 3
    head = rest[0]
    if head in ("_util", "_core"):
        return 0
    if head in FOUNDATION or head.startswith(FOUNDATION_PREFIXES):
        return 1
    if head in ANALYSES:
        return 2
    if head == "plot":
        return 4
    if head == "cli":
        return 5
    return None


def module_name(root: Path, path: Path) -> str:
    rel = path.relative_to(root.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def is_module(root: Path, dotted: str) -> bool:
    rel = Path(*dotted.split(".")[1:]) if "." in dotted else Path()
    base = root / rel
    return (
        base.with_suffix(".py").exists()
        or (base / "__init__.py").exists()
        or base.with_suffix(".pyi").exists()
        or dotted.endswith("._core")
    )


def resolve(current: str, is_pkg: bool, level: int, target: Optional[str]) -> str:
    parts = current.split(".")
    if not is_pkg:
        parts = parts[:-1]
    if level > 1:
        parts = parts[: len(parts) - (level - 1)]
    base = ".".join(parts)
    return f"{base}.{target}" if target else base


Edge = Tuple[str, str, int, str]  # importer, imported module, line, imported name


def edges(root: Path) -> List[Edge]:
    out: List[Edge] = []
    for path in sorted(root.rglob("*.py")):
        mod = module_name(root, path)
        is_pkg = path.name == "__init__.py"
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                if node.level == 0:
                    if not (node.module or "").startswith("divergence"):
                        continue
                    base = node.module or ""
                else:
                    base = resolve(mod, is_pkg, node.level, node.module)
                for alias in node.names:
                    sub = f"{base}.{alias.name}"
                    if is_module(root, sub):
                        out.append((mod, sub, node.lineno, ""))
                    else:
                        out.append((mod, base, node.lineno, alias.name))
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith("divergence"):
                        out.append((mod, alias.name, node.lineno, ""))
    return out


def is_private(name: str) -> bool:
    """``_x`` but not ``__x__`` (dunders are the language's, not a module's)."""
    return name.startswith("_") and not name.startswith("__")


def own_names(tree: ast.Module) -> Set[str]:
    """Names a module defines at its top level (functions, classes, assignments), not the
    names it imports."""
    names: Set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                names.update(n.id for n in ast.walk(t) if isinstance(n, ast.Name))
    return names


def private_attributes(root: Path) -> List[str]:
    """``obj._x`` in plot and cli where obj is not theirs: not ``self``/``cls``, not
    ``super()``, not a top-level name of the same module, not in ALLOWED_PRIVATE_ATTRIBUTES."""
    found: List[str] = []
    for room in PUBLIC_ONLY_ROOMS:
        for path in sorted((root / room).rglob("*.py")):
            mod = module_name(root, path)
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            own = own_names(tree) | {"self", "cls"}
            for node in ast.walk(tree):
                if not (isinstance(node, ast.Attribute) and is_private(node.attr)):
                    continue
                obj = node.value
                if isinstance(obj, ast.Name) and obj.id in own:
                    continue
                if (
                    isinstance(obj, ast.Call)
                    and isinstance(obj.func, ast.Name)
                    and obj.func.id == "super"
                ):
                    continue
                written = ast.unparse(obj)
                if (written, node.attr) in ALLOWED_PRIVATE_ATTRIBUTES:
                    continue
                found.append(
                    f"{mod}:{node.lineno} uses the private attribute {node.attr} of {written}"
                )
    return found


def violations(root: Path) -> List[str]:
    found: List[str] = private_attributes(root)
    es = edges(root)
    for path in sorted(root.rglob("*.py")):
        mod = module_name(root, path)
        if layer_of(mod) is None:
            found.append(f"{mod}: not assigned to a layer (add it to tests/test_layers.py)")
    graph: Dict[str, Set[str]] = {}
    for src, dst, line, name in es:
        ls, ld = layer_of(src), layer_of(dst)
        if ls is not None and ld is not None and ld > ls:
            found.append(
                f"{src}:{line} imports {dst} upward ({LAYER_NAMES[ls]} -> {LAYER_NAMES[ld]})"
            )
        if is_private(name) and dst != src:
            found.append(f"{src}:{line} imports the private name {name} from {dst}")
        if dst != src and not src.startswith(dst + "."):
            graph.setdefault(src, set()).add(dst)
    # Cycles (Tarjan's strongly connected components) over modules.
    index: Dict[str, int] = {}
    low: Dict[str, int] = {}
    stack: List[str] = []
    on: Set[str] = set()
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append("import cycle: " + " -> ".join(sorted(comp)))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_package_keeps_the_layer_rules() -> None:
    problems = violations(PACKAGE)
    assert problems == [], "\n".join(problems)


def _copy(tmp_path: Path) -> Path:
    dst = tmp_path / "divergence"
    shutil.copytree(PACKAGE, dst, ignore=shutil.ignore_patterns("*.so", "__pycache__", "data"))
    return dst


@pytest.mark.parametrize(
    ("module", "line", "expected"),
    [
        ("_measures.py", "from .cli import main\n", "upward (foundation -> cli)"),
        ("_util/validation.py", "from .._compare import compare\n", "upward (util -> analysis)"),
        ("_compare.py", "from .plot import heatmap\n", "upward (analysis -> plot)"),
        ("_terms.py", "from ._measures import _Operand\n", "private name _Operand"),
        ("_measures.py", "def f():\n    from ._compare import compare\n", "import cycle"),
        (
            "cli/topics.py",
            "def f(model):\n    model._fit_counts(None, None, None)\n",
            "uses the private attribute _fit_counts of model",
        ),
        (
            "plot/_topics.py",
            "def f(result):\n    return result.model._term(0)\n",
            "uses the private attribute _term of result.model",
        ),
        (
            "cli/_common.py",
            "import sys\nf = sys._getframe\n",
            "private attribute _getframe of sys",
        ),
    ],
)
def test_checker_catches(tmp_path: Path, module: str, line: str, expected: str) -> None:
    root = _copy(tmp_path)
    assert violations(root) == []
    target = root / module
    target.write_text(target.read_text(encoding="utf-8") + "\n" + line, encoding="utf-8")
    problems = violations(root)
    assert any(expected in p for p in problems), problems


OWN_PRIVATE_ATTRIBUTES = """

class _Own:
    _slot = 1

    def f(self):
        return self._slot, super()._g, _Own._slot

    @classmethod
    def g(cls):
        return cls._slot, __name__.__len__
"""


def test_private_attributes_of_their_own_are_allowed(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    target = root / "cli" / "_common.py"
    target.write_text(target.read_text(encoding="utf-8") + OWN_PRIVATE_ATTRIBUTES, encoding="utf-8")
    assert private_attributes(root) == []


def test_unassigned_module_is_reported(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    (root / "_newroom.py").write_text("x = 1\n", encoding="utf-8")
    assert any("_newroom: not assigned" in p for p in violations(root))


def test_no_public_function_shadows_a_module() -> None:
    import divergence

    modules = {p.stem for p in PACKAGE.glob("*.py")} | {
        p.name for p in PACKAGE.iterdir() if p.is_dir()
    }
    for name in divergence.__all__:
        obj = getattr(divergence, name)
        assert name not in modules, f"divergence.{name} shares its name with a module"
        owner = getattr(obj, "__module__", None)
        if callable(obj) and owner is not None and owner.startswith("divergence"):
            last = owner.split(".")[-1]
            assert last.startswith("_"), f"divergence.{name} lives in public module {owner}"
