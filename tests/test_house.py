"""The house rules of the code base, checked on its source: each idea in one place, small parts.

No import cycle between modules of pipeline/ and flows/ (function-level imports count too); no
function over 120 lines, no module over 650 (migrations aside); no statement after a return or
raise; accent folding only in pipeline/text.py; no Prefect in pipeline/.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("pipeline", "flows")
MAX_FUNCTION_LINES = 120
MAX_MODULE_LINES = 650


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


MODULES = _modules()


def _imports(path: Path, name: str) -> set[str]:
    """The project modules a module imports, anywhere in it."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:  # "from pkg import module" depends on the module only
                sub = f"{base}.{alias.name}"
                targets.add(sub if sub in MODULES else base)
    return {t for t in targets if t in MODULES and t != name}


def test_no_import_cycle():
    graph = {name: _imports(path, name) for name, path in MODULES.items()}
    state: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name)
    assert cycles == []


@pytest.mark.parametrize("name", sorted(MODULES))
def test_functions_and_modules_are_short(name):
    path = MODULES[name]
    source = path.read_text(encoding="utf-8")
    assert len(source.splitlines()) <= MAX_MODULE_LINES, path
    long = [f"{node.name}: {node.end_lineno - node.lineno + 1} lines"
            for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES]
    assert long == [], path


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_code_after_return(name):
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    dead = []
    for node in ast.walk(tree):
        for field in ("body", "orelse", "finalbody", "handlers"):
            statements = getattr(node, field, None)
            if not isinstance(statements, list):
                continue
            for i, statement in enumerate(statements[:-1]):
                if isinstance(statement, ast.Return | ast.Raise | ast.Continue | ast.Break):
                    dead.append(statements[i + 1].lineno)
    assert dead == [], f"{MODULES[name]}: unreachable code at lines {dead}"


def test_accent_folding_lives_in_one_module():
    """unidecode (and so any folding table built on it) is imported by pipeline/text.py only."""
    users = sorted(name for name, path in MODULES.items()
                   if "unidecode" in {a.name for node in ast.walk(ast.parse(path.read_text()))
                                      if isinstance(node, ast.Import | ast.ImportFrom)
                                      for a in ([ast.alias(node.module or "")]
                                                if isinstance(node, ast.ImportFrom)
                                                else node.names)})
    assert users == ["pipeline.text"]


def test_pipeline_never_imports_prefect():
    for name, path in MODULES.items():
        if not name.startswith("pipeline"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                assert not any(a.name.split(".")[0] == "prefect" for a in node.names), path
            elif isinstance(node, ast.ImportFrom):
                assert (node.module or "").split(".")[0] != "prefect", path
