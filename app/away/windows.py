"""Windows: idle from ``GetLastInputInfo``, lock and sleep from a hidden window's messages.

All through ctypes (no pywin32 needed). The window is a plain hidden top-level one, because
``WM_POWERBROADCAST`` is not sent to message-only windows; ``WTSRegisterSessionNotification``
adds the session lock/unlock messages. Windows waits for our answer to ``PBT_APMSUSPEND``
(briefly), which is when the core pauses the timer.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from app.away.events import AwayEvent, AwayKind, BackendUnavailable, ThreadedWatcher
from app.away.idle import IdleSource, WallClock

log = logging.getLogger(__name__)

WM_WTSSESSION_CHANGE = 0x02B1
WTS_SESSION_LOCK = 0x7
WTS_SESSION_UNLOCK = 0x8
WM_POWERBROADCAST = 0x0218
PBT_APMSUSPEND = 0x4
PBT_APMRESUMESUSPEND = 0x7  # after a user-triggered resume (input seen)
PBT_APMRESUMEAUTOMATIC = 0x12  # every resume, first
WM_CLOSE = 0x0010
NOTIFY_FOR_THIS_SESSION = 0


def idle_from_ticks(now_ms: int, last_input_ms: int) -> float:
    """Seconds idle from two ``GetTickCount`` values, which wrap every 49.7 days."""
    return ((now_ms - last_input_ms) & 0xFFFFFFFF) / 1000.0


def translate(msg: int, wparam: int) -> AwayKind | None:
    """The away meaning of a window message, if any."""
    if msg == WM_WTSSESSION_CHANGE:
        return {WTS_SESSION_LOCK: AwayKind.LOCK, WTS_SESSION_UNLOCK: AwayKind.UNLOCK}.get(wparam)
    if msg == WM_POWERBROADCAST:
        if wparam == PBT_APMSUSPEND:
            return AwayKind.SLEEP
        if wparam in (PBT_APMRESUMEAUTOMATIC, PBT_APMRESUMESUSPEND):
            return AwayKind.WAKE
    return None


class LastInputIdle(IdleSource):
    name = "win32-lastinput"

    def __init__(self) -> None:
        if sys.platform != "win32":
            raise BackendUnavailable("GetLastInputInfo is Windows only")

    def idle_seconds(self) -> float:
        import ctypes
        from ctypes import wintypes

        win: Any = ctypes  # windll exists only on Windows; typeshed hides it elsewhere

        class LASTINPUTINFO(ctypes.Structure):
            _fields_ = [("cbSize", wintypes.UINT), ("dwTime", wintypes.DWORD)]

        info = LASTINPUTINFO()
        info.cbSize = ctypes.sizeof(info)
        if not win.windll.user32.GetLastInputInfo(ctypes.byref(info)):
            raise BackendUnavailable("GetLastInputInfo failed")
        return idle_from_ticks(win.windll.kernel32.GetTickCount(), info.dwTime)


class SessionMessages:
    """Turns window messages into events; a resume reported twice is one WAKE."""

    def __init__(self, wall: WallClock) -> None:
        self._wall = wall
        self._asleep_since: Any = None
        self.awake = True

    def on_message(self, msg: int, wparam: int) -> AwayEvent | None:
        kind = translate(msg, wparam)
        if kind is None:
            return None
        now = self._wall()
        if kind == AwayKind.SLEEP:
            self.awake, self._asleep_since = False, now
        elif kind == AwayKind.WAKE:
            if self.awake:
                return None  # the second resume message of the same wake
            self.awake = True
            return AwayEvent(kind, now, self._asleep_since, "win32")
        return AwayEvent(kind, now, source="win32")


class WindowsSessionWatcher(ThreadedWatcher):
    name = "win32-session"
    _messages: SessionMessages
    _hwnd: Any = None

    def __init__(self, *, wall: WallClock) -> None:
        super().__init__()
        if sys.platform != "win32":
            raise BackendUnavailable("window session messages are Windows only")
        self._messages = SessionMessages(wall)
        self._hwnd: Any = None

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        if self._hwnd:
            import ctypes

            win: Any = ctypes
            win.windll.user32.PostMessageW(self._hwnd, WM_CLOSE, 0, 0)
        super().stop(timeout)

    def _run(self) -> None:
        import ctypes
        from ctypes import wintypes

        win: Any = ctypes
        user32, wtsapi32 = win.windll.user32, win.windll.wtsapi32
        user32.DefWindowProcW.argtypes = [
            wintypes.HWND,
            wintypes.UINT,
            wintypes.WPARAM,
            wintypes.LPARAM,
        ]
        user32.DefWindowProcW.restype = ctypes.c_ssize_t
        wndproc_type = win.WINFUNCTYPE(
            ctypes.c_ssize_t, wintypes.HWND, wintypes.UINT, wintypes.WPARAM, wintypes.LPARAM
        )

        def wndproc(hwnd: Any, msg: int, wparam: int, lparam: int) -> int:
            event = self._messages.on_message(msg, wparam)
            if event is not None:
                self.emit(event)  # returns after the core acted: then Windows may sleep
            if msg == WM_CLOSE:
                user32.PostQuitMessage(0)
                return 0
            return int(user32.DefWindowProcW(hwnd, msg, wparam, lparam))

        proc = wndproc_type(wndproc)  # kept alive by this frame for the loop's duration

        class WNDCLASSW(ctypes.Structure):
            _fields_ = [
                ("style", wintypes.UINT), ("lpfnWndProc", wndproc_type),
                ("cbClsExtra", ctypes.c_int), ("cbWndExtra", ctypes.c_int),
                ("hInstance", wintypes.HINSTANCE), ("hIcon", wintypes.HICON),
                ("hCursor", wintypes.HANDLE), ("hbrBackground", wintypes.HBRUSH),
                ("lpszMenuName", wintypes.LPCWSTR), ("lpszClassName", wintypes.LPCWSTR),
            ]  # fmt: skip

        hinstance = win.windll.kernel32.GetModuleHandleW(None)
        wc = WNDCLASSW(lpfnWndProc=proc, hInstance=hinstance, lpszClassName="TimetrayAway")
        user32.RegisterClassW(ctypes.byref(wc))
        self._hwnd = user32.CreateWindowExW(
            0, "TimetrayAway", "Timetray away", 0, 0, 0, 0, 0, None, None, hinstance, None
        )
        if not self._hwnd:
            log.warning("no hidden window for session messages: lock and sleep not seen")
            return
        if not wtsapi32.WTSRegisterSessionNotification(self._hwnd, NOTIFY_FOR_THIS_SESSION):
            log.warning("WTSRegisterSessionNotification failed: lock not seen")
        msg = wintypes.MSG()
        while not self._stopping.is_set() and user32.GetMessageW(ctypes.byref(msg), None, 0, 0) > 0:
            user32.TranslateMessage(ctypes.byref(msg))
            user32.DispatchMessageW(ctypes.byref(msg))
        wtsapi32.WTSUnRegisterSessionNotification(self._hwnd)
        user32.DestroyWindow(self._hwnd)
