"""Where Timetray keeps its files.

Every location can be redirected with ``TIMETRAY_DATA_DIR`` (or ``--data-dir``) so that tests,
the CLI and a second profile never touch the user's real data.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

from app import APP_NAME

DATA_DIR_ENV = "TIMETRAY_DATA_DIR"


def data_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """The folder that holds the SQLite store (and, when overridden, config and logs too)."""
    chosen = override or os.environ.get(DATA_DIR_ENV)
    path = Path(chosen) if chosen else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def config_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """The user's settings folder; inside the data dir when that is overridden (one profile)."""
    chosen = override or os.environ.get(DATA_DIR_ENV)
    path = Path(chosen) if chosen else Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def log_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """The folder of the rotating log file."""
    chosen = override or os.environ.get(DATA_DIR_ENV)
    path = (
        Path(chosen) / "logs"
        if chosen
        else Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))
    )
    path.mkdir(parents=True, exist_ok=True)
    return path
