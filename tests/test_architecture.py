"""The package order of docs/architecture.md, checked against the import graph of the source.

Every import counts, at module level, inside functions and under ``TYPE_CHECKING`` alike: a lazy import
still makes the lower package know the higher one. The order is read from the document itself, so the
document and the code cannot drift apart.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "lfhtr"
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


MODULES = _modules()


def _layers() -> list[list[str]]:
    """Each ``## N · title: `lfhtr.x`, `lfhtr.y` …`` heading of the document, lowest first."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## (\d+) · (.*)$", text, flags=re.MULTILINE)
    assert [int(n) for n, _ in headings] == list(range(1, len(headings) + 1)), "number the layers 1, 2, …"
    return [re.findall(r"`(lfhtr[\w.]*)`", title) for _, title in headings]


def _layer_of(module: str, layers: list[list[str]]) -> int:
    """The layer whose most specific name is ``module`` or one of its packages (``lfhtr`` itself, the
    façade, names only ``lfhtr/__init__.py``)."""
    best = (-1, -1)
    for index, names in enumerate(layers):
        for name in names:
            if module == name or (name != "lfhtr" and module.startswith(name + ".")):
                best = max(best, (len(name), index))
    assert best[0] >= 0, f"{module} is in no layer of docs/architecture.md; add it there"
    return best[1]


def _imports(module: str, path: Path) -> Iterator[str]:
    """The lfhtr modules (or packages) ``module`` imports, resolved as Python resolves them."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names if a.name.split(".")[0] == "lfhtr")
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
                package = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{package}.{base}" if base else package
            if base.split(".")[0] != "lfhtr":
                continue
            for alias in node.names:
                yield f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base


def _graph() -> dict[str, set[str]]:
    return {module: set(_imports(module, path)) - {module} for module, path in MODULES.items()}


def test_every_import_points_down_the_package_order() -> None:
    layers = _layers()
    upward = [
        f"{module} (layer {low + 1}) imports {target} (layer {high + 1})"
        for module, targets in _graph().items()
        for target in sorted(targets)
        if (high := _layer_of(target, layers)) > (low := _layer_of(module, layers))
    ]
    assert not upward, "imports against the order of docs/architecture.md:\n" + "\n".join(upward)


def test_no_module_imports_the_package_facade() -> None:
    """``lfhtr/__init__.py`` re-exports the public API from the top; nothing below may import it."""
    offenders = [m for m, targets in _graph().items() if "lfhtr" in targets and m != "lfhtr"]
    assert not offenders


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle among modules, if any (depth-first search)."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return stack[stack.index(target) :] + [target]
            if target not in state and (found := visit(target)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_import_circle() -> None:
    graph = {m: {t for t in targets if t in MODULES and t != "lfhtr"} for m, targets in _graph().items()}
    circle = _cycle(graph)
    assert circle is None, "import circle: " + " -> ".join(circle or [])


@pytest.mark.parametrize("module", sorted(MODULES))
def test_modules_and_functions_stay_small(module: str) -> None:
    source = MODULES[module].read_text(encoding="utf-8")
    assert source.count("\n") <= MAX_MODULE_LINES, f"{module}: split it into modules of one concept each"
    long = [
        f"{node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno is not None
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert not long, f"{module}: functions over {MAX_FUNCTION_LINES} lines: {', '.join(long)}"


def test_the_cycle_finder_finds_a_circle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None
