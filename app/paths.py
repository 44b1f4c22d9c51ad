"""Where Timetray keeps its files, and who may read them.

Every location can be redirected with ``TIMETRAY_DATA_DIR`` (or ``--data-dir``) so that tests,
the CLI and a second profile never touch the user's real data.

The store holds notes, task titles and attendance, and the log names tasks and projects: none
of it is anybody else's business on a shared machine, so the app's folders are 0700 and its
files 0600. Earlier versions created them 0755/0644 (the umask default), so every folder
handed out here is tightened when it is first asked for in a process. Tightening happens
before logging is set up, so what was changed is kept in :func:`take_tightened` for
:mod:`app.logging_setup` to write once the log exists.
"""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import platformdirs

from app import APP_NAME

DATA_DIR_ENV = "TIMETRAY_DATA_DIR"
PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600

_tightened: list[str] = []
_checked: set[Path] = set()
_lock = threading.Lock()


def data_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """The folder that holds the SQLite store (and, when overridden, config and logs too)."""
    chosen = override or os.environ.get(DATA_DIR_ENV)
    path = Path(chosen) if chosen else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    return private_dir(path)


def config_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """The user's settings folder; inside the data dir when that is overridden (one profile)."""
    chosen = override or os.environ.get(DATA_DIR_ENV)
    path = Path(chosen) if chosen else Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))
    return private_dir(path)


def log_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """The folder of the rotating log file."""
    chosen = override or os.environ.get(DATA_DIR_ENV)
    path = (
        Path(chosen) / "logs"
        if chosen
        else Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))
    )
    return private_dir(path)


def private_dir(path: Path) -> Path:
    """Create ``path`` as 0700 (parents keep the system default), or tighten it and the files
    directly in it when it already exists. Checked once per folder and process: the files
    created later are created private by their writers."""
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR_MODE)
    key = path.absolute()
    with _lock:
        if key in _checked:
            return path
        _checked.add(key)
    tighten(path)
    return path


def tighten(folder: Path) -> list[str]:
    """Remove group and other access from ``folder`` and the regular files directly in it.

    Only what this user owns is touched (never through a symlink), and nothing on Windows,
    where POSIX modes do not decide who may read a file. Returns what was changed, as
    ``"<path> 0755 -> 0700"`` lines, and keeps them for :func:`take_tightened`.
    """
    if os.name != "posix":
        return []
    changed: list[str] = []
    _tighten_one(folder, PRIVATE_DIR_MODE, changed)
    try:
        entries = list(os.scandir(folder))
    except OSError:
        entries = []
    for entry in entries:
        if entry.is_file(follow_symlinks=False):
            _tighten_one(Path(entry.path), PRIVATE_FILE_MODE, changed)
    if changed:
        with _lock:
            _tightened.extend(changed)
    return changed


def _tighten_one(path: Path, private: int, changed: list[str]) -> None:
    try:
        info = path.lstat()
        if info.st_uid != os.getuid() or stat.S_ISLNK(info.st_mode):
            return
        mode = stat.S_IMODE(info.st_mode)
        if mode & 0o077 == 0:
            return
        new = mode & private
        os.chmod(path, new)  # not a symlink: checked just above
    except (OSError, NotImplementedError):
        return  # a read-only mount or a foreign file system: nothing we can do about it
    changed.append(f"{path} {mode:04o} -> {new:04o}")


def take_tightened() -> list[str]:
    """What :func:`tighten` changed since the last call (for the log, once it exists)."""
    with _lock:
        found = list(_tightened)
        _tightened.clear()
    return found
