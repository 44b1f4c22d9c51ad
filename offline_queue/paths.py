"""Where the store file lives: a given file, a given directory, or the user data dir."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_dir

DEFAULT_APP_NAME = "timetray"
DEFAULT_FILENAME = "offline_queue.sqlite3"
_DB_SUFFIXES = {".sqlite3", ".sqlite", ".db", ".db3"}


def resolve_store_path(
    path_or_dir: str | os.PathLike[str] | None, app_name: str = DEFAULT_APP_NAME
) -> Path:
    """A directory (existing, or a new path without a database suffix) gets our file name.

    None means the platform's per-user data directory, so the tray and the CLI agree on one
    file without configuration. Missing parent directories are created (the last one 0700).
    """
    if path_or_dir is None:
        target = Path(user_data_dir(app_name, appauthor=False)) / DEFAULT_FILENAME
    else:
        given = Path(path_or_dir).expanduser()
        is_dir = given.is_dir() or (not given.exists() and given.suffix.lower() not in _DB_SUFFIXES)
        target = given / DEFAULT_FILENAME if is_dir else given
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)  # the store is private
    return target
