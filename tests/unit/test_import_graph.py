"""nb2pkg's own modules import each other without a cycle, counting imports inside functions.

A cycle hidden by a function-level import is still a missing layer: the test builds the
graph from every ``import`` statement at any depth and fails naming the circle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from nb2pkg.checks import _cycles

PACKAGE = Path(__file__).resolve().parents[2] / "nb2pkg"

#: Command modules (``nb2pkg/commands/`` and the test runner): a thin layer over the library.
#: None imports another.
COMMANDS = frozenset(
    {
        *(f"nb2pkg.commands.{path.stem}" for path in (PACKAGE / "commands").glob("[!_]*.py")),
        "nb2pkg.testing.runner",
    }
)


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def import_graph() -> dict[str, set[str]]:
    """Return {module: the nb2pkg modules it imports anywhere in its code}."""
    modules = _modules()

    def resolve(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                    base = ".".join(up + ([base] if base else []))
                targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
            for target in targets:
                found = resolve(target)
                if found and found not in (name, "nb2pkg"):
                    graph[name].add(found)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Return the import cycles of *graph* (NB601's cycle finder, applied to nb2pkg itself)."""
    return _cycles({node: sorted(targets) for node, targets in graph.items()})


def test_no_import_cycle() -> None:
    assert cycles(import_graph()) == []


def test_no_command_imports_another_command() -> None:
    graph = import_graph()
    crossing = sorted(
        f"{module} -> {other}"
        for module in COMMANDS & set(graph)
        for other in graph[module] & COMMANDS
    )
    assert crossing == []


@pytest.mark.parametrize(
    ("graph", "expected"),
    [
        ({"a": {"b"}, "b": set()}, []),
        ({"a": {"b"}, "b": {"a"}}, [["a", "b"]]),
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [["a", "b", "c"]]),
    ],
)
def test_cycle_finder(graph: dict[str, set[str]], expected: list[list[str]]) -> None:
    assert cycles(graph) == expected
