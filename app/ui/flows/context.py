"""What every flow may use, and nothing more: the controller builds one and hands it out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.core.facade import CoreFacade
from app.core.snapshot import Snapshot
from app.ui.bridge import Bridge
from app.ui.commands import CommandRunner
from app.ui.dialog_registry import DialogRegistry
from app.ui.settings_port import SettingsPort


@dataclass(frozen=True)
class FlowContext:
    core: CoreFacade
    bridge: Bridge
    commands: CommandRunner
    dialogs: DialogRegistry
    settings: SettingsPort
    tell: Callable[..., None]  # Messages.show(title, text, target=None)
    clock: Callable[[], datetime]
    snapshot: Callable[[], Snapshot]  # the latest one the controller received


def text_or_none(value: object) -> str | None:
    """Signals carry "" for "no text" (never None, which PySide6 mis-counts); the facade
    wants None."""
    return value if isinstance(value, str) and value else None


def list_or_empty(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else []
