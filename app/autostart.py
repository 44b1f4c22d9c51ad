"""Start at login, the native way on each OS, switched on and off from the settings.

* Linux: an XDG autostart entry. The .deb installs a system-wide one in /etc/xdg/autostart;
  a user opts out of it with a same-named entry in ~/.config/autostart that says
  ``Hidden=true`` (the XDG rule), and opts back in by removing that override.
* Windows: a value in ``HKCU\\...\\CurrentVersion\\Run``.
* macOS: a LaunchAgent plist in ~/Library/LaunchAgents (takes effect at the next login).

Every entry launches ``timetray --autostart``, which quietly exits when policy (or the user's
settings) turn autostart off (:func:`app.policy.autostart_allowed`), so a system-wide entry
never overrides a choice.
"""

from __future__ import annotations

import contextlib
import logging
import os
import plistlib
import shutil
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol
from xml.parsers.expat import ExpatError

from app.policy.windows import WinregModule, load_winreg

log = logging.getLogger(__name__)

ENTRY_NAME = "timetray.desktop"
AGENT_LABEL = "com.timetray.Timetray"
RUN_SUBKEY = r"Software\Microsoft\Windows\CurrentVersion\Run"
RUN_VALUE = "Timetray"
AUTOSTART_FLAG = "--autostart"


class AutostartBackend(Protocol):
    def is_enabled(self) -> bool: ...
    def enable(self, command: Sequence[str] | None = None) -> None: ...
    def disable(self) -> None: ...


def default_command() -> list[str]:
    """How to launch this very installation of Timetray at login (without the flag)."""
    if getattr(sys, "frozen", False):  # a PyInstaller bundle: the executable itself
        return [sys.executable]
    found = shutil.which("timetray")
    if found:
        return [found]
    return [sys.executable, "-m", "app"]


def _with_flag(command: Sequence[str] | None) -> list[str]:
    args = list(command) if command is not None else default_command()
    if AUTOSTART_FLAG not in args:
        args.append(AUTOSTART_FLAG)
    return args


# --- Linux / XDG --------------------------------------------------------------------------------


_DESKTOP_STRING_ESCAPES = {"\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r"}


def desktop_exec(args: Sequence[str]) -> str:
    """An ``Exec=`` value per the Desktop Entry spec, in two layers.

    First the Exec rules: an argument with a reserved character is double-quoted, and inside
    the quotes ``"``, the backquote, ``$`` and ``\\`` get a backslash. Then the value is a
    desktop-file string, whose own escapes are ``\\\\``, ``\\n``, ``\\t`` and ``\\r``: a
    raw newline in a path would end the line and let the rest of the path become a key of its
    own (``Hidden=``, another ``Exec=``). Other control characters have no escape in a string
    and are refused.
    ``%`` starts a field code, so it is doubled.
    """
    out = []
    for arg in args:
        bad = [c for c in arg if c not in "\n\t\r" and _is_control(c)]
        if bad:
            raise ValueError(f"cannot put a control character ({bad[0]!r}) in a desktop entry")
        if arg and not any(c in arg for c in " \t\n\r\"'\\><~|&;$*?#()`="):
            out.append(arg)
        else:
            escaped = "".join("\\" + c if c in '"`$\\' else c for c in arg)
            out.append(f'"{escaped}"')
    value = "".join(_DESKTOP_STRING_ESCAPES.get(c, c) for c in " ".join(out))
    return value.replace("%", "%%")


def _is_control(char: str) -> bool:
    """C0, DEL and C1 controls, and the Unicode line and paragraph separators (which some
    readers, Python's ``splitlines`` among them, take as line ends)."""
    code = ord(char)
    return code < 0x20 or 0x7F <= code <= 0x9F or char in "\u2028\u2029"


def _parse_desktop(path: Path) -> dict[str, str]:
    """The [Desktop Entry] group's keys (enough of the format for Hidden/enabled checks)."""
    entries: dict[str, str] = {}
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return entries
    in_group = False
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("["):
            in_group = stripped == "[Desktop Entry]"
        elif in_group and "=" in stripped and not stripped.startswith("#"):
            key, _, value = stripped.partition("=")
            entries[key.strip()] = value.strip()
    return entries


def _entry_active(entries: Mapping[str, str]) -> bool:
    if entries.get("Hidden", "false").lower() == "true":
        return False
    return entries.get("X-GNOME-Autostart-enabled", "true").lower() != "false"


class XdgAutostart:
    """~/.config/autostart (honouring ``XDG_CONFIG_HOME``) over the system XDG dirs."""

    def __init__(
        self,
        config_home: Path | None = None,
        system_dirs: Sequence[Path] | None = None,
        *,
        env: Mapping[str, str] | None = None,
    ) -> None:
        environ = os.environ if env is None else env
        if config_home is None:
            xdg = environ.get("XDG_CONFIG_HOME", "")
            config_home = Path(xdg) if xdg else Path.home() / ".config"
        if system_dirs is None:
            dirs = environ.get("XDG_CONFIG_DIRS", "") or "/etc/xdg"
            system_dirs = [Path(d) for d in dirs.split(":") if d]
        self.user_entry = config_home / "autostart" / ENTRY_NAME
        self.system_entries = [d / "autostart" / ENTRY_NAME for d in system_dirs]

    def _system_entry(self) -> Path | None:
        return next((p for p in self.system_entries if p.is_file()), None)

    def is_enabled(self) -> bool:
        if self.user_entry.is_file():  # the user's entry shadows the system one
            return _entry_active(_parse_desktop(self.user_entry))
        system = self._system_entry()
        return system is not None and _entry_active(_parse_desktop(system))

    def enable(self, command: Sequence[str] | None = None) -> None:
        system = self._system_entry()
        if system is not None and _entry_active(_parse_desktop(system)):
            # Let the packaged entry apply (and follow package upgrades): drop the override.
            with contextlib.suppress(FileNotFoundError):
                self.user_entry.unlink()
            return
        self._write(
            [
                "[Desktop Entry]",
                "Type=Application",
                "Name=Timetray",
                "Comment=Time tracking from the system tray",
                f"Exec={desktop_exec(_with_flag(command))}",
                "Icon=timetray",
                "Terminal=false",
                "X-GNOME-Autostart-enabled=true",
                "X-GNOME-Autostart-Delay=5",
            ]
        )

    def disable(self) -> None:
        if self._system_entry() is not None:
            # Removing the system file is not ours to do; shadow it instead.
            self._write(
                [
                    "[Desktop Entry]",
                    "Type=Application",
                    "Name=Timetray",
                    "Exec=timetray --autostart",
                    "Hidden=true",
                ]
            )
            return
        with contextlib.suppress(FileNotFoundError):
            self.user_entry.unlink()

    def _write(self, lines: list[str]) -> None:
        self.user_entry.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.user_entry.with_name(f".{ENTRY_NAME}.tmp")
        tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
        os.replace(tmp, self.user_entry)
        log.info("autostart: wrote %s", self.user_entry)


# --- Windows ------------------------------------------------------------------------------------


def windows_command_line(args: Sequence[str]) -> str:
    """A Run-key command line that ``CommandLineToArgvW`` (and the C runtime) splits back into
    exactly ``args``.

    The program (first) token is read differently: up to the next ``"`` with no escapes, so it
    is only wrapped in quotes (a Windows path cannot contain ``"``). Every other argument
    follows the documented rules: inside quotes, backslashes are literal except before a
    ``"``, where 2n backslashes + ``"`` mean n backslashes and a closing quote, and 2n+1 mean
    n backslashes and a literal ``"``. So backslashes before an embedded quote, and those at
    the very end of a quoted argument (``"C:\\dir\\"`` would swallow the closing quote), are
    doubled.
    """
    if not args:
        raise ValueError("an empty command")
    program, *rest = args
    if '"' in program or "\0" in program:
        raise ValueError(f"not a Windows program path: {program!r}")
    if any("\0" in arg for arg in rest):
        raise ValueError("a registry string cannot hold a NUL character")
    first = program if program and not any(c in program for c in " \t") else f'"{program}"'
    return " ".join([first, *(_windows_arg(arg) for arg in rest)])


def _windows_arg(arg: str) -> str:
    if arg and not any(c in arg for c in ' \t\n\v"'):
        return arg  # no quotes, so backslashes are literal
    out = ['"']
    backslashes = 0
    for char in arg:
        if char == "\\":
            backslashes += 1
            continue
        if char == '"':
            out.append("\\" * (2 * backslashes + 1) + '"')
        else:
            out.append("\\" * backslashes + char)
        backslashes = 0
    out.append("\\" * (2 * backslashes) + '"')
    return "".join(out)


class WindowsRunKey:
    """The per-user Run key, used only when the MSI installed no per-machine Run entry
    (``AUTOSTART=0``); the per-machine one is switched per user by ``--autostart`` instead."""

    def __init__(self, registry: WinregModule | None = None) -> None:
        self._registry = registry

    def _reg(self) -> WinregModule:
        return self._registry if self._registry is not None else load_winreg()

    def is_enabled(self) -> bool:
        if self.machine_entry():
            return True
        reg = self._reg()
        return self._has_run_value(reg.HKEY_CURRENT_USER, reg.KEY_READ)

    def machine_entry(self) -> bool:
        """Whether the MSI put a Run entry for every user (``AUTOSTART=1``) in HKLM."""
        reg = self._reg()
        return self._has_run_value(reg.HKEY_LOCAL_MACHINE, reg.KEY_READ | reg.KEY_WOW64_64KEY)

    def _has_run_value(self, hive: Any, access: int) -> bool:
        reg = self._reg()
        try:
            key = reg.OpenKey(hive, RUN_SUBKEY, 0, access)
        except OSError:
            return False
        try:
            value, _kind = reg.QueryValueEx(key, RUN_VALUE)
        except OSError:
            return False
        finally:
            reg.CloseKey(key)
        return bool(value)

    def enable(self, command: Sequence[str] | None = None) -> None:
        if self.machine_entry():
            # The per-machine entry already starts Timetray (its --autostart check follows the
            # user's setting); a second, per-user entry would launch it twice at every login.
            self.disable()
            return
        reg = self._reg()
        key = reg.CreateKeyEx(reg.HKEY_CURRENT_USER, RUN_SUBKEY, 0, reg.KEY_SET_VALUE)
        try:
            reg.SetValueEx(key, RUN_VALUE, 0, reg.REG_SZ, windows_command_line(_with_flag(command)))
        finally:
            reg.CloseKey(key)

    def disable(self) -> None:
        reg = self._reg()
        try:
            key = reg.OpenKey(reg.HKEY_CURRENT_USER, RUN_SUBKEY, 0, reg.KEY_SET_VALUE)
        except OSError:
            return
        try:
            reg.DeleteValue(key, RUN_VALUE)
        except FileNotFoundError:
            pass
        finally:
            reg.CloseKey(key)


# --- macOS --------------------------------------------------------------------------------------


class LaunchAgent:
    """~/Library/LaunchAgents/com.timetray.Timetray.plist with RunAtLoad."""

    def __init__(self, agents_dir: Path | None = None) -> None:
        directory = agents_dir if agents_dir is not None else Path.home() / "Library/LaunchAgents"
        self.path = directory / f"{AGENT_LABEL}.plist"

    def is_enabled(self) -> bool:
        try:
            with self.path.open("rb") as handle:
                data = plistlib.load(handle)
        except (OSError, plistlib.InvalidFileException, ExpatError, ValueError):
            return False
        return (
            isinstance(data, dict)
            and data.get("RunAtLoad") is True
            and data.get("Disabled") is not True
        )

    def enable(self, command: Sequence[str] | None = None) -> None:
        agent = {
            "Label": AGENT_LABEL,
            "ProgramArguments": _with_flag(command),
            "RunAtLoad": True,
            "ProcessType": "Interactive",
            "LimitLoadToSessionType": "Aqua",  # GUI logins only, not ssh sessions
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.tmp")
        with tmp.open("wb") as handle:
            plistlib.dump(agent, handle)
        os.replace(tmp, self.path)

    def disable(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    def command(self) -> list[str] | None:
        """The launch command in the agent now on disk (``None`` when there is none)."""
        try:
            with self.path.open("rb") as handle:
                data = plistlib.load(handle)
        except (OSError, plistlib.InvalidFileException, ExpatError, ValueError):
            return None
        args = data.get("ProgramArguments") if isinstance(data, dict) else None
        return [str(a) for a in args] if isinstance(args, list) else None


# --- the current platform -----------------------------------------------------------------------


def for_platform(platform: str | None = None) -> AutostartBackend:
    plat = sys.platform if platform is None else platform
    if plat.startswith("win"):
        return WindowsRunKey()
    if plat == "darwin":
        return LaunchAgent()
    return XdgAutostart()


def is_enabled() -> bool:
    return for_platform().is_enabled()


def enable(command: Sequence[str] | None = None) -> None:
    for_platform().enable(command)


def disable() -> None:
    for_platform().disable()


def reconcile_at_start(
    enabled: bool,
    command: Sequence[str] | None = None,
    *,
    platform: str | None = None,
    backend: AutostartBackend | None = None,
) -> bool:
    """At every start: register a login launch that no installer registered. Returns whether
    it wrote anything.

    Only macOS needs it: the .deb ships /etc/xdg/autostart and the MSI an HKLM Run entry, but a
    .dmg installs nothing, so with ``autostart`` on (the default, or set by the MDM profile) the
    LaunchAgent must come from the app itself. Also rewrites an agent that launches another
    copy (the app was moved or reinstalled elsewhere). Never removes anything: when autostart is
    off, the ``--autostart`` check keeps an old entry harmless until the user's next change.
    """
    plat = sys.platform if platform is None else platform
    if not enabled or plat != "darwin":
        return False
    agent = backend if backend is not None else LaunchAgent()
    wanted = _with_flag(command)
    current = agent.command() if isinstance(agent, LaunchAgent) else None
    if agent.is_enabled() and (current is None or current == wanted):
        return False
    agent.enable(wanted)
    log.info("autostart: registered the login launch (%s)", " ".join(wanted))
    return True


def apply(enabled: bool, command: Sequence[str] | None = None) -> None:
    """Make the OS match the ``autostart`` setting (call after the user changes it)."""
    backend = for_platform()
    if enabled:
        backend.enable(command)
    else:
        backend.disable()
