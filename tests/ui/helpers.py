"""Test helpers: open the tray menu as Qt does, then find and trigger actions by name."""

from __future__ import annotations

from app.ui.controller import TrayController
from app.ui.menu import find_action
from app.ui.qt import QAction


def action(controller: TrayController, name: str) -> QAction:
    controller.menu.aboutToShow.emit()  # the menu is rebuilt exactly as when it opens
    found = find_action(controller.menu, name)
    assert found is not None, f"no action {name!r} in {menu_names(controller)}"
    return found


def trigger(controller: TrayController, name: str) -> None:
    act = action(controller, name)
    assert act.isEnabled(), f"{name} is disabled: {act.text()}"
    act.trigger()


def menu_names(controller: TrayController) -> list[str]:
    controller.menu.aboutToShow.emit()
    out: list[str] = []

    def walk(menu: object) -> None:
        for act in menu.actions():  # type: ignore[attr-defined]
            if act.objectName():
                out.append(act.objectName())
            if act.menu() is not None:
                walk(act.menu())

    walk(controller.menu)
    return out


def close_tray(controller: TrayController) -> None:
    """End a test's tray: no more ticks, the icon hidden, its windows closed, the bridge shut."""
    controller.ticker.stop()
    controller.tray.hide()
    for widget in list(controller.dialogs.values()):
        widget.close()
    controller.bridge.close()
