"""The Qt shim's two name lists (typing imports and lazy homes) agree, and every name loads."""

from __future__ import annotations

import ast
from pathlib import Path

from app.ui import qt

SHIM = Path(qt.__file__)


def typing_imports() -> dict[str, str]:
    """Name -> PySide6 module, from the ``if TYPE_CHECKING:`` block that mypy reads."""
    tree = ast.parse(SHIM.read_text(encoding="utf-8"))
    found: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("PySide6."):
            for alias in node.names:
                assert alias.asname == alias.name, f"{alias.name} is not re-exported as itself"
                found[alias.name] = (node.module or "").removeprefix("PySide6.")
    return found


def test_typing_imports_and_lazy_homes_name_the_same_classes_in_the_same_modules() -> None:
    assert typing_imports() == qt.HOME


def test_every_name_resolves_to_the_class_of_its_home_module() -> None:
    import importlib

    for name, module in qt.HOME.items():
        assert getattr(qt, name) is getattr(importlib.import_module(f"PySide6.{module}"), name)
