"""Keeps the plain-text rule true as the UI grows (see app/ui/plain.py).

Reads app/ui's source: a new ``QLabel(...)`` or ``QMessageBox(...)`` made outside the helper,
a rich-text format, or a tooltip, bubble or menu text that skips its escape fails here, naming
the file and line, before any hostile task title can reach it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

UI = Path(__file__).resolve().parents[2] / "app" / "ui"
HELPER = UI / "plain.py"
# The one label meant as rich text: the week's legend, whose project names are escaped.
RICH_TEXT_ALLOWED = {"dialogs/week_window.py": 1}
WIDGET_ACTIONS = {"holder"}  # addAction(a QWidgetAction), no text of its own


def calls() -> Iterator[tuple[str, ast.Call]]:
    for path in sorted(UI.rglob("*.py")):
        if path == HELPER:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                yield path.relative_to(UI).as_posix(), node


def name_of(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def where(rel: str, node: ast.AST) -> str:
    return f"app/ui/{rel}:{getattr(node, 'lineno', '?')}"


def is_escaped(arg: ast.expr, *escapes: str) -> bool:
    """A fixed string (a literal or a CONSTANT), or the result of one of ``escapes``."""
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return True
    if isinstance(arg, ast.Name) and arg.id.isupper():
        return True
    return isinstance(arg, ast.Call) and name_of(arg) in escapes


def test_labels_and_message_boxes_are_made_by_the_plain_text_helper() -> None:
    bad = [where(rel, call) for rel, call in calls() if name_of(call) in ("QLabel", "QMessageBox")]
    assert bad == [], f"use app.ui.plain.plain_label / plain_message_box: {bad}"


def test_no_label_is_switched_back_to_rich_text() -> None:
    found: dict[str, list[str]] = {}
    for rel, call in calls():
        if name_of(call) == "setTextFormat":
            fmt = ast.unparse(call.args[0]) if call.args else ""
            if fmt != "Qt.TextFormat.PlainText":
                found.setdefault(rel, []).append(where(rel, call))
    counts = {rel: len(places) for rel, places in found.items()}
    assert counts == RICH_TEXT_ALLOWED, f"rich text outside the allowed legend: {found}"


def test_tooltips_bubbles_and_menu_texts_pass_their_escape() -> None:
    bad: list[str] = []
    for rel, call in calls():
        name = name_of(call)
        if name == "setToolTip" and call.args:
            if not is_escaped(call.args[-1], "tip", "tray_text"):
                bad.append(f"{where(rel, call)} setToolTip without tip()/tray_text()")
        elif name == "showMessage":
            if not all(is_escaped(arg, "tray_text") for arg in call.args[:2]):
                bad.append(f"{where(rel, call)} showMessage without tray_text()")
        elif name == "addAction" and call.args:
            first = call.args[0]
            widget = isinstance(first, ast.Name) and first.id in WIDGET_ACTIONS
            if not widget and not is_escaped(first, "menu_text"):
                bad.append(f"{where(rel, call)} addAction text without menu_text()")
    assert bad == []


def test_the_rule_sees_what_it_guards() -> None:
    """The walk finds the calls it checks, so an empty result above means something."""
    names = {name_of(call) for _rel, call in calls()}
    assert {"plain_label", "setToolTip", "showMessage", "addAction", "setTextFormat"} <= names
