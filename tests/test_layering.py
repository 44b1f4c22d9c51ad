"""The house rules of docs/architecture.md, checked on the source: imports point down only."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def _sources(*parts: str) -> list[Path]:
    files: list[Path] = []
    for part in parts:
        target = ROOT / part
        files.extend(sorted(target.rglob("*.py")) if target.is_dir() else [target])
    return [f for f in files if f.exists()]


def _offenders(files: list[Path], forbidden: tuple[str, ...]) -> list[str]:
    return [
        f"{file.relative_to(ROOT)} imports {name}"
        for file in files
        for name in sorted(_imports(file))
        if name.split(".")[0] in forbidden or name.startswith(forbidden)
    ]


BELOW_UI = ("app/core", "app/api", "app/policy", "offline_queue", "app/config.py", "app/cli.py")


@pytest.mark.parametrize("part", BELOW_UI)
def test_no_qt_below_the_ui(part: str) -> None:
    assert _offenders(_sources(part), ("PySide6", "shiboken6", "app.ui")) == []


def test_offline_queue_knows_nothing_of_http_or_the_app() -> None:
    assert _offenders(_sources("offline_queue"), ("httpx", "app")) == []


def test_api_knows_nothing_of_the_queue_or_the_core() -> None:
    assert _offenders(_sources("app/api"), ("offline_queue", "app.core", "apscheduler")) == []


def test_ui_does_no_http_or_sql() -> None:
    forbidden = ("httpx", "sqlite3", "sqlite_utils", "offline_queue", "app.api.client")
    assert _offenders(_sources("app/ui"), forbidden) == []


def test_only_the_shim_imports_pyside() -> None:
    files = [f for f in _sources("app/ui") if f.name != "qt.py"]
    assert _offenders(files, ("PySide6",)) == []


def test_settings_schema_is_a_leaf() -> None:
    """The table every settings layer reads imports nothing of the app, so no layer cycles."""
    assert _offenders(_sources("app/settings_schema.py"), ("app", "httpx", "PySide6")) == []


def test_policy_does_not_import_the_settings_layers() -> None:
    """``app.config`` merges policy with the other layers; policy must not need it back."""
    assert _offenders(_sources("app/policy"), ("app.config", "app.ui", "app.core")) == []


def test_config_and_policy_import_without_a_cycle() -> None:
    """Each imports on its own in a fresh interpreter, whichever comes first."""
    import subprocess
    import sys

    for first in ("app.policy", "app.config", "app.policy.schema"):
        done = subprocess.run(
            [sys.executable, "-c", f"import {first}"], cwd=ROOT, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("part", ["app", "offline_queue"])
def test_production_code_never_imports_the_tests(part: str) -> None:
    # The demo reaches the contract test server across a process boundary (app/demo.py).
    assert _offenders(_sources(part), ("tests",)) == []
