"""The rooms stay apart: the dashboard (and everything it serves) reads releases and never imports the
pipeline; what both sides need lives in ``vocab/``."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DASHBOARD = ["app.py", "data_access.py", "config.py", "components", "pages", "web", "reuse", "vocab"]


def python_files(names: list[str]) -> list[Path]:
    found = []
    for name in names:
        path = ROOT / name
        found += sorted(path.rglob("*.py")) if path.is_dir() else [path] if path.is_file() else []
    return found


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_the_dashboard_side_never_imports_the_pipeline():
    files = python_files(DASHBOARD)
    reaching = {str(path.relative_to(ROOT)): sorted(m for m in imported_modules(path) if m.split(".")[0] == "etl")
                for path in files}
    reaching = {name: modules for name, modules in reaching.items() if modules}
    assert len(files) > 30, f"the check should see every dashboard module, found {len(files)}"
    assert not reaching, f"these import the pipeline: {reaching}; the dashboard only reads releases " \
                         "(move what both sides need to vocab/)"
