"""Assembles the contract test server: routers under ``/api/v1``, the error envelope, the
control endpoints, and the outer fault/header layer."""

from __future__ import annotations

from fastapi import FastAPI

from tests.backend import attendance, auth, control, errors, notifications, tasks, timer
from tests.backend.faults import API_PREFIX, FaultMiddleware
from tests.backend.state import BackendState


def create_fastapi(state: BackendState) -> FastAPI:
    app = FastAPI(
        title="Timetray contract test server",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.backend = state
    errors.install(app)
    for module in (auth, tasks, timer, attendance, notifications):
        app.include_router(module.router, prefix=API_PREFIX)
    app.include_router(control.router)

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/")
    def root() -> dict[str, str]:
        return {"name": "Timetray contract test server", "status": "ok"}

    return app


def create_app(state: BackendState | None = None) -> FaultMiddleware:
    """The ASGI app to serve; the fault layer must be outermost to drop connections for real."""
    state = state or BackendState()
    return FaultMiddleware(create_fastapi(state), state.faults, state.stats, state.clock)
