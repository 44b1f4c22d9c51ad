"""Window positions that survive a monitor being unplugged.

A position saved on a second screen must not reopen a window off-screen; the rule is pure
(rectangles as tuples) so it is tested without any screen at all.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path

log = logging.getLogger(__name__)

Rect = tuple[int, int, int, int]  # x, y, width, height

MIN_VISIBLE = 48  # pixels of the title bar that must stay on some screen


def _overlap(a: Rect, b: Rect) -> tuple[int, int]:
    w = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    h = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    return max(0, w), max(0, h)


def safe_rect(saved: Rect, screens: Sequence[Rect]) -> Rect | None:
    """``saved`` if enough of its top strip is on a screen; else moved onto the screen it
    overlapped most (or the first), shrunk to fit. None when there is no screen at all."""
    if not screens:
        return None
    x, y, w, h = saved
    title_strip = (x, y, w, min(h, 32))
    for screen in screens:
        ow, oh = _overlap(title_strip, screen)
        if ow >= min(MIN_VISIBLE, w) and oh > 0:
            return saved
    best = max(screens, key=lambda s: _overlap(saved, s)[0] * _overlap(saved, s)[1])
    sx, sy, sw, sh = best
    w, h = min(w, sw), min(h, sh)
    x = min(max(x, sx), sx + sw - w)
    y = min(max(y, sy), sy + sh - h)
    return (x, y, w, h)


class WindowPlaces:
    """Saved window rectangles, one small JSON file in the data dir (no secrets in it)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._places: dict[str, Rect] = {}
        if path is not None and path.exists():
            try:
                raw = json.loads(path.read_text(encoding="utf-8"))
                self._places = {
                    str(k): (int(v[0]), int(v[1]), int(v[2]), int(v[3])) for k, v in raw.items()
                }
            except (OSError, ValueError, TypeError, IndexError, AttributeError):
                log.warning("ignoring unreadable window positions in %s", path)

    def get(self, name: str) -> Rect | None:
        return self._places.get(name)

    def put(self, name: str, rect: Rect) -> None:
        self._places[name] = rect
        if self.path is None:
            return
        try:
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(self._places), encoding="utf-8")
            tmp.replace(self.path)
        except OSError:
            log.warning("could not save window positions to %s", self.path)
