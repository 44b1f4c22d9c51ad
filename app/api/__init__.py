"""Backend client: typed models, one error hierarchy, token refresh (no Qt, no queues)."""

from app.api import errors, models
from app.api.client import ApiClient
from app.api.tokens import TokenStore

__all__ = ["ApiClient", "TokenStore", "errors", "models"]
