"""app/away sits beside the core and below the UI: the core will import it, never the reverse."""

from __future__ import annotations

import ast
from pathlib import Path

AWAY = Path(__file__).resolve().parents[2] / "app" / "away"
FORBIDDEN = ("PySide6", "shiboken6", "app.ui", "app.core", "app.api", "offline_queue", "httpx")


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_away_imports_no_qt_no_core_no_network() -> None:
    files = sorted(AWAY.glob("*.py"))
    assert len(files) > 5
    offenders = [
        f"{f.name} imports {name}"
        for f in files
        for name in sorted(imported(f))
        if name == "PySide6" or name.startswith(FORBIDDEN)
    ]
    assert offenders == []
