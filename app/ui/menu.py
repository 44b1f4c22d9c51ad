"""Fills the tray menu from one snapshot. Rebuilt on every ``aboutToShow`` so it is never stale.

Every action gets an ``objectName`` (``action:pause``, ``task:<id>``, ...) so tests, and the
fallback window, find them without depending on the wording.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from functools import partial
from typing import Protocol

from app.core.snapshot import Snapshot, TaskView
from app.ui.plain import menu_text, tip
from app.ui.qt import QAction, QLineEdit, QMenu, QWidgetAction
from app.ui.text import (
    SEARCH_THRESHOLD,
    WORK_MODES,
    attendance_text,
    entries,
    header_text,
    order_tasks,
    sync_text,
    task_label,
    task_matches,
)


class MenuHandlers(Protocol):
    def start_task(self, task_id: str) -> None: ...
    def switch_task(self, task_id: str) -> None: ...
    def pause(self) -> None: ...
    def resume(self) -> None: ...
    def stop(self) -> None: ...
    def log_manual(self) -> None: ...
    def check_in(self, work_mode: str) -> None: ...
    def start_break(self) -> None: ...
    def end_break(self) -> None: ...
    def check_out(self) -> None: ...
    def open_logs(self) -> None: ...
    def open_week(self) -> None: ...
    def sync_now(self) -> None: ...
    def open_sync(self) -> None: ...
    def open_away(self) -> None: ...
    def open_settings(self) -> None: ...
    def sign_in(self) -> None: ...
    def sign_out(self) -> None: ...
    def quit(self) -> None: ...


def _action(
    menu: QMenu,
    name: str,
    text: str,
    slot: Callable[[], None] | None = None,
    *,
    enabled: bool = True,
    tooltip: str | None = None,
) -> QAction:
    """An action showing ``text`` literally: task titles, project names and the server's
    words reach menus through here, so '&' is doubled (not a mnemonic) and the tooltip escaped."""
    action = menu.addAction(menu_text(text))
    action.setObjectName(name)
    action.setEnabled(enabled)
    if tooltip:
        action.setToolTip(tip(tooltip))
        action.setStatusTip(tooltip)
    if slot is not None:
        action.triggered.connect(lambda _checked=False: slot())
    return action


def find_action(menu: QMenu, name: str) -> QAction | None:
    """The action called ``name`` anywhere in ``menu`` or its submenus."""
    for action in menu.actions():
        if action.objectName() == name:
            return action
        sub = action.menu()
        if isinstance(sub, QMenu):
            found = find_action(sub, name)
            if found is not None:
                return found
    return None


def build_menu(
    menu: QMenu,
    snapshot: Snapshot,
    now: datetime,
    handlers: MenuHandlers,
    recent_ids: Sequence[str] = (),
) -> None:
    for old in menu.findChildren(QMenu):
        old.deleteLater()
    menu.clear()
    menu.setToolTipsVisible(True)
    header = _action(menu, "header", header_text(snapshot, now), enabled=False)
    font = header.font()
    font.setBold(True)
    header.setFont(font)
    if snapshot.away is not None:
        _action(menu, "action:away", "You were away: keep or discard…", handlers.open_away)
    if snapshot.signed_in:
        _timer_section(menu, snapshot, handlers, recent_ids)
        menu.addSeparator()
        _attendance_section(menu, snapshot, handlers)
        menu.addSeparator()
        _action(menu, "action:week", "My week…", handlers.open_week)
        _action(menu, "action:logs", "Today / This week…", handlers.open_logs)
        _sync_menu(menu, snapshot, handlers)
        menu.addSeparator()
        _action(menu, "action:settings", "Settings…", handlers.open_settings)
        who = snapshot.email or snapshot.user_name or ""
        _action(menu, "action:sign_out", f"Sign out{f' ({who})' if who else ''}", handlers.sign_out)
    else:
        menu.addSeparator()
        _action(menu, "action:sign_in", "Sign in…", handlers.sign_in)
        if snapshot.sync.pending or snapshot.sync.parked:
            _sync_menu(menu, snapshot, handlers)
        _action(menu, "action:settings", "Settings…", handlers.open_settings)
    menu.addSeparator()
    _action(menu, "action:quit", "Quit Timetray", handlers.quit)


def _timer_section(
    menu: QMenu, snapshot: Snapshot, handlers: MenuHandlers, recent_ids: Sequence[str]
) -> None:
    timer = snapshot.timer
    att = snapshot.attendance
    must_check_in = att.known and not att.checked_in
    if timer is not None:
        if timer.state == "running":
            _action(menu, "action:pause", "Pause", handlers.pause)
        else:
            refusal = snapshot.resume_refusal
            _action(
                menu,
                "action:resume",
                f"Resume ({refusal.hint})" if refusal else "Resume",
                handlers.resume,
                enabled=refusal is None,
                tooltip=refusal.reason if refusal else None,
            )
        _action(menu, "action:stop", "Stop…", handlers.stop)
    title = "Switch to" if timer is not None else "Start"
    sub = menu.addMenu(title)
    sub.setObjectName("menu:start")
    sub.menuAction().setObjectName("menu:start")
    sub.setToolTipsVisible(True)
    tasks = [t for t in snapshot.tasks if timer is None or t.id != timer.task_id]
    _fill_tasks(
        sub,
        order_tasks(tasks, recent_ids),
        handlers.switch_task if timer is not None else handlers.start_task,
        must_check_in=must_check_in,
    )
    _action(menu, "action:manual", "Log time manually…", handlers.log_manual)


def _fill_tasks(
    sub: QMenu,
    tasks: Sequence[TaskView],
    pick: Callable[[str], None],
    *,
    must_check_in: bool,
) -> None:
    if must_check_in:
        _action(sub, "hint:check_in", "Check in first to start a timer", enabled=False)
    if not tasks:
        _action(sub, "hint:no_tasks", "No tasks assigned to you", enabled=False)
        return
    actions: list[tuple[QAction, TaskView]] = []
    startable = [t for t in tasks if t.startable]
    if len(startable) > SEARCH_THRESHOLD:
        search = QLineEdit(sub)
        search.setObjectName("task_search")
        search.setPlaceholderText("Search tasks…")
        search.setClearButtonEnabled(True)
        holder = QWidgetAction(sub)
        holder.setObjectName("action:task_search")
        holder.setDefaultWidget(search)
        sub.addAction(holder)

        def apply_filter(query: str) -> None:
            for action, task in actions:
                action.setVisible(task_matches(task, query))

        search.textChanged.connect(apply_filter)
    for task in tasks:
        enabled = task.startable and not must_check_in
        action = _action(
            sub,
            f"task:{task.id}",
            task_label(task),
            partial(pick, task.id),
            enabled=enabled,
            tooltip=task.reason if not task.startable else None,
        )
        actions.append((action, task))


def _attendance_section(menu: QMenu, snapshot: Snapshot, handlers: MenuHandlers) -> None:
    att = snapshot.attendance
    _action(menu, "attendance", attendance_text(att), enabled=False)
    if not att.checked_in:
        for mode, label in WORK_MODES:
            _action(
                menu,
                f"action:check_in:{mode}",
                f"Check in ({label.lower()})",
                partial(handlers.check_in, mode),
            )
        return
    if att.on_break:
        _action(menu, "action:end_break", "End break", handlers.end_break)
    else:
        _action(menu, "action:start_break", "Start break…", handlers.start_break)
    _action(menu, "action:check_out", "Check out", handlers.check_out)


def _sync_menu(menu: QMenu, snapshot: Snapshot, handlers: MenuHandlers) -> None:
    sync = snapshot.sync
    title = "Sync"
    if sync.parked:
        title = f"Sync ({sync.parked} need attention)"
    elif sync.pending:
        title = f"Sync ({entries(sync.pending)} waiting)"
    sub = menu.addMenu(title)
    sub.setObjectName("menu:sync")
    sub.menuAction().setObjectName("menu:sync")
    _action(sub, "sync:status", sync_text(sync), enabled=False)
    _action(sub, "action:sync_now", "Sync now", handlers.sync_now, enabled=snapshot.signed_in)
    _action(
        sub,
        "action:open_sync",
        f"Parked items ({sync.parked})…" if sync.parked else "Sync details…",
        handlers.open_sync,
    )
