"""The icon's model: which state, which text, which badge.

Its own module so that the painter can draw the first icon without importing the tooltip and
menu wording in ``text.py`` and the core types they pull in. A NamedTuple rather than a
dataclass: equal and hashable all the same (the render cache key), without importing
``dataclasses`` before the icon is up.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

IconState = Literal["running", "paused", "paused_auto", "idle", "signed_out"]
IconBadge = Literal["offline", "parked", "waiting", "away"] | None


class IconView(NamedTuple):
    """Everything the icon depends on; equal views draw identical pixels (cache key)."""

    state: IconState
    text: str
    badge: IconBadge = None
