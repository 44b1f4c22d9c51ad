"""One small error hierarchy, so callers can catch :class:`StoreError` and show ``str(exc)``.

Messages are written for the person using the app: they say what happened and whether anything
was lost. They never contain payloads (which may hold notes) or anything secret.
"""

from __future__ import annotations


class StoreError(Exception):
    """Base class of every error the store raises."""


class StoreFullError(StoreError):
    """No room left on disk (or in the file): this change is not saved, earlier ones are."""

    def __init__(self, path: str | None = None) -> None:
        where = f" ({path})" if path else ""
        super().__init__(
            "Disk full: the change could not be saved to the local queue file"
            f"{where}. Everything saved earlier is safe. Free some disk space and try again."
        )
        self.path = path


class StoreBusyError(StoreError):
    """Another process held the file's write lock for longer than we are willing to wait."""

    def __init__(self, waited_seconds: float) -> None:
        super().__init__(
            "The local queue file stayed locked by another Timetray process for "
            f"{waited_seconds:.0f} s; the change was not saved. Try again in a moment."
        )
        self.waited_seconds = waited_seconds


class StoreCorruptError(StoreError):
    """The file is damaged. Raised while running; on the next open it is moved aside."""


class StoreVersionError(StoreError):
    """The file was written by a newer version (or another program); we leave it untouched."""


class StoreClosedError(StoreError):
    """The store was used after :meth:`Store.close`."""

    def __init__(self) -> None:
        super().__init__("The local queue is closed.")


class ItemNotFoundError(StoreError):
    """No outbox item or segment with that id (it may have been discarded or purged)."""

    def __init__(self, item_id: str, what: str = "outbox item") -> None:
        super().__init__(f"No {what} with id {item_id}.")
        self.item_id = item_id


class InvalidStateError(StoreError):
    """The operation is not allowed in the item's current state (e.g. editing a pending item)."""

    def __init__(self, item_id: str, state: str, action: str) -> None:
        super().__init__(f"Cannot {action} item {item_id}: it is {state.replace('_', ' ')}.")
        self.item_id = item_id
        self.state = state
        self.action = action


class LeaseLostError(InvalidStateError):
    """The caller's claim expired and another owner took the item over."""

    def __init__(self, item_id: str, owner: str | None, action: str) -> None:
        StoreError.__init__(
            self, f"Cannot {action} item {item_id}: it is now claimed by {owner or 'nobody'}."
        )
        self.item_id = item_id
        self.state = "in_flight"
        self.action = action
        self.owner = owner


class DuplicateItemError(StoreError):
    """An item with this client id exists with a different kind or payload."""

    def __init__(self, item_id: str) -> None:
        super().__init__(f"An outbox item with id {item_id} already exists with other content.")
        self.item_id = item_id
