"""The contract test server: the HR Monitoring API's behaviour (see backend-contract.md) on
FastAPI + uvicorn + SQLite, with switches for faults. ``python -m tests.backend`` serves demo
data; tests use the ``backend``/``server`` fixtures of ``tests/backend_fixtures.py``."""

from tests.backend.app import create_app
from tests.backend.server import BackendHandle, start_in_thread
from tests.backend.state import BackendState

__all__ = ["BackendHandle", "BackendState", "create_app", "start_in_thread"]
