"""Login, token refresh with rotation and reuse detection, logout, login rate limiting, and the
bearer-token dependency every other router uses."""

from __future__ import annotations

import hmac
import logging
import math
import re
import sqlite3
import uuid
from dataclasses import dataclass
from typing import Annotated, Any

import jwt
from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, field_validator
from pydantic_core import PydanticCustomError

from tests.backend.clock import iso_micros, to_micros
from tests.backend.errors import RATE_LIMIT_MESSAGE, ApiError
from tests.backend.seed import hash_password
from tests.backend.state import REFRESH_TTL_SECONDS, BackendState

logger = logging.getLogger(__name__)

router = APIRouter()

MAX_LOGIN_FAILURES = 5
LOGIN_WINDOW_SECONDS = 900
_US = 1_000_000

_EMAIL_RE = re.compile(r"^[^@\s]+@([A-Za-z0-9-]+\.)+[A-Za-z][A-Za-z0-9-]*$")
# The special-use names email-validator refuses (its SPECIAL_USE_DOMAIN_NAMES).
_SPECIAL_USE = {"arpa", "invalid", "local", "localhost", "onion", "test"}

_BAD_CREDENTIALS = "Could not validate credentials"
_BAD_REFRESH = "Invalid or expired refresh token"

PERMISSIONS = {
    "employee": [
        "attendance.view_own",
        "eod.submit",
        "leave.apply",
        "projects.create",
        "reports.view_own",
        "tasks.create_own",
    ],
    "manager": [
        "attendance.view_own",
        "attendance.view_team",
        "eod.submit",
        "leave.apply",
        "leave.approve",
        "projects.create",
        "reports.view_own",
        "reports.view_team",
        "tasks.assign",
        "tasks.create_own",
        "timelogs.view_team",
    ],
    "admin": ["*"],
}


def state_of(request: Request) -> BackendState:
    state: BackendState = request.app.state.backend
    return state


State = Annotated[BackendState, Depends(state_of)]


@dataclass(frozen=True)
class CurrentUser:
    id: str
    email: str
    full_name: str
    role: str
    status: str
    manager_id: str | None
    shift_id: str | None


def _email(value: str) -> str:
    """A small stand-in for Pydantic's EmailStr (email-validator is not installed here)."""
    value = value.strip()
    if not _EMAIL_RE.match(value):
        raise PydanticCustomError(
            "value_error",
            "value is not a valid email address: {reason}",
            {"reason": "An email address must have an @-sign and a valid domain."},
        )
    local, _, domain = value.rpartition("@")
    if domain.lower().rsplit(".", 1)[-1] in _SPECIAL_USE:
        raise PydanticCustomError(
            "value_error",
            "value is not a valid email address: {reason}",
            {
                "reason": "The part after the @-sign is a special-use or reserved name that "
                "cannot be used with email."
            },
        )
    return f"{local}@{domain.lower()}"


class LoginRequest(BaseModel):
    email: str
    password: str

    @field_validator("email")
    @classmethod
    def _check_email(cls, value: str) -> str:
        return _email(value)


class RefreshRequest(BaseModel):
    refresh_token: str


class LogoutRequest(BaseModel):
    refresh_token: str | None = None


# --- tokens -----------------------------------------------------------------------------------


def issue_access_token(state: BackendState, user_id: str, role: str) -> str:
    def encode(exp: int) -> str:
        return jwt.encode(
            {"sub": user_id, "role": role, "type": "access", "exp": exp},
            state.jwt_secret,
            algorithm="HS256",
        )

    return state.tokens.mint(encode, state.clock.now().timestamp())


def issue_refresh_token(
    state: BackendState, conn: sqlite3.Connection, user_id: str, family_id: str | None = None
) -> str:
    now = state.clock.now()
    jti = str(uuid.uuid4())
    family = family_id or str(uuid.uuid4())
    exp = int(now.timestamp() + REFRESH_TTL_SECONDS)
    conn.execute(
        "INSERT INTO refresh_tokens (jti, family_id, user_id, expires_at, revoked, created_at)"
        " VALUES (?, ?, ?, ?, 0, ?)",
        (jti, family, user_id, exp * _US, to_micros(now)),
    )
    return jwt.encode(
        {"sub": user_id, "type": "refresh", "jti": jti, "family_id": family, "exp": exp},
        state.jwt_secret,
        algorithm="HS256",
    )


def _decode(state: BackendState, token: str) -> dict[str, Any] | None:
    """Signature checked by PyJWT; expiry checked against the server's adjustable clock."""
    try:
        claims: dict[str, Any] = jwt.decode(
            token, state.jwt_secret, algorithms=["HS256"], options={"verify_exp": False}
        )
    except jwt.PyJWTError:
        return None
    exp = claims.get("exp")
    if not isinstance(exp, int | float) or exp <= state.clock.now().timestamp():
        return None
    return claims


def _user_row(conn: sqlite3.Connection, user_id: str) -> sqlite3.Row | None:
    row: sqlite3.Row | None = conn.execute(
        "SELECT * FROM users WHERE id = ?", (user_id,)
    ).fetchone()
    return row


def _as_current(row: sqlite3.Row) -> CurrentUser:
    return CurrentUser(
        id=row["id"],
        email=row["email"],
        full_name=row["full_name"],
        role=row["role"],
        status=row["status"],
        manager_id=row["manager_id"],
        shift_id=row["shift_id"],
    )


def _account_status_error(status: str) -> ApiError | None:
    if status == "active":
        return None
    if status == "suspended":
        return ApiError(403, "Account is suspended. Please contact your administrator.")
    if status == "invited":
        return ApiError(403, "Account is not yet activated. Please accept your invitation first.")
    return ApiError(403, "Account is deactivated")


def current_user(request: Request) -> CurrentUser:
    """HTTPBearer as in FastAPI 0.115: a missing header is a 403, a bad token a 401."""
    state = state_of(request)
    header = request.headers.get("authorization", "")
    scheme, _, credentials = header.strip().partition(" ")
    credentials = credentials.strip()
    if not (scheme and credentials):
        raise ApiError(403, "Not authenticated")
    if scheme.lower() != "bearer":
        raise ApiError(403, "Invalid authentication credentials")
    unauthorized = ApiError(401, _BAD_CREDENTIALS, {"WWW-Authenticate": "Bearer"})
    claims = _decode(state, credentials)
    if claims is None or claims.get("type") != "access" or not isinstance(claims.get("sub"), str):
        raise unauthorized
    if state.tokens.revoked_by_cutoff(credentials):
        raise unauthorized
    with state.db.transaction() as conn:
        row = _user_row(conn, claims["sub"])
    if row is None:
        raise unauthorized
    refused = _account_status_error(row["status"])
    if refused is not None:
        raise refused
    return _as_current(row)


User = Annotated[CurrentUser, Depends(current_user)]


# --- login rate limiting ----------------------------------------------------------------------


def client_ip(request: Request) -> str:
    forwarded = request.headers.get("x-forwarded-for")
    if forwarded:
        return forwarded.split(",")[0].strip()
    return request.client.host if request.client else "unknown"


def _lock_remaining(conn: sqlite3.Connection, keys: list[str], now: int) -> int | None:
    """Seconds left on the longest active lock among ``keys``; expired locks are cleared."""
    remaining = None
    for key in keys:
        row = conn.execute("SELECT * FROM auth_rate_limits WHERE key = ?", (key,)).fetchone()
        if row is None or row["locked_until"] is None:
            continue
        if row["locked_until"] > now:
            left = math.ceil((row["locked_until"] - now) / _US)
            remaining = max(remaining or 0, left)
        else:
            conn.execute("DELETE FROM auth_rate_limits WHERE key = ?", (key,))
    return remaining


def _record_failure(conn: sqlite3.Connection, keys: list[str], now: int) -> bool:
    """Count a failed login against every key; True when one of them just got locked."""
    locked = False
    window = LOGIN_WINDOW_SECONDS * _US
    for key in keys:
        row = conn.execute("SELECT * FROM auth_rate_limits WHERE key = ?", (key,)).fetchone()
        if row is None or now - row["window_started_at"] > window:
            failures, started = 1, now
        else:
            failures, started = row["failures"] + 1, row["window_started_at"]
        locked_until = now + window if failures >= MAX_LOGIN_FAILURES else None
        locked = locked or locked_until is not None
        conn.execute(
            "INSERT OR REPLACE INTO auth_rate_limits (key, failures, window_started_at,"
            " locked_until) VALUES (?, ?, ?, ?)",
            (key, failures, started, locked_until),
        )
    return locked


# --- endpoints --------------------------------------------------------------------------------


def login_user_view(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "full_name": row["full_name"],
        "role": row["role"],
        "department": row["department"],
        "designation": row["designation"],
        "avatar_url": None,
        "profile_picture_url": None,
        "presence_status": "active",
        "presence_updated_at": None,
        "last_seen_at": None,
        "online_state": "offline",
        "is_online": False,
    }


@router.post("/auth/login")
def login(body: LoginRequest, request: Request, state: State) -> dict[str, Any]:
    keys = [f"email:{body.email.lower()}", f"ip:{client_ip(request)}"]
    now = to_micros(state.clock.now())
    outcome: ApiError | dict[str, Any]
    # Failures are committed before the error is raised: the transaction must not roll them back.
    with state.db.transaction() as conn:
        remaining = _lock_remaining(conn, keys, now)
        row = conn.execute(
            "SELECT * FROM users WHERE lower(email) = ?", (body.email.lower(),)
        ).fetchone()
        if remaining is not None:
            outcome = ApiError(429, RATE_LIMIT_MESSAGE, {"Retry-After": str(remaining)})
        elif row is None or not hmac.compare_digest(
            row["password_hash"], hash_password(body.password)
        ):
            if _record_failure(conn, keys, now):
                outcome = ApiError(
                    429, RATE_LIMIT_MESSAGE, {"Retry-After": str(LOGIN_WINDOW_SECONDS)}
                )
            else:
                outcome = ApiError(401, "Invalid email or password", {"WWW-Authenticate": "Bearer"})
        elif (refused := _account_status_error(row["status"])) is not None:
            outcome = refused
        else:
            conn.executemany("DELETE FROM auth_rate_limits WHERE key = ?", [(k,) for k in keys])
            outcome = {
                "access_token": issue_access_token(state, row["id"], row["role"]),
                "refresh_token": issue_refresh_token(state, conn, row["id"]),
                "token_type": "bearer",
                "user": login_user_view(row),
            }
    if isinstance(outcome, ApiError):
        logger.info("login refused for %s: %d", body.email, outcome.status)
        raise outcome
    return outcome


@router.post("/auth/refresh")
def refresh(body: RefreshRequest, state: State) -> dict[str, Any]:
    outcome: ApiError | dict[str, Any]
    with state.db.transaction() as conn:
        outcome = _rotate(state, conn, body.refresh_token)
    if isinstance(outcome, ApiError):
        raise outcome
    state.stats.count_refresh()
    return outcome


def _rotate(state: BackendState, conn: sqlite3.Connection, token: str) -> ApiError | dict[str, Any]:
    claims = _decode(state, token)
    if claims is None:
        return ApiError(401, _BAD_REFRESH)
    jti, family, sub = claims.get("jti"), claims.get("family_id"), claims.get("sub")
    if claims.get("type") != "refresh" or not (
        isinstance(jti, str) and isinstance(family, str) and isinstance(sub, str)
    ):
        return ApiError(401, "Invalid refresh token payload")
    row = conn.execute("SELECT * FROM refresh_tokens WHERE jti = ?", (jti,)).fetchone()
    if row is None:
        return ApiError(401, _BAD_REFRESH)
    if row["revoked"]:
        # Reuse of a rotated (or logged-out) token: treat the whole session as stolen.
        logger.info("refresh token reuse detected; revoking family %s", row["family_id"])
        conn.execute("UPDATE refresh_tokens SET revoked = 1 WHERE family_id = ?", (family,))
        return ApiError(401, _BAD_REFRESH)
    user = _user_row(conn, sub)
    if user is None or user["status"] != "active":
        return ApiError(401, "User not found or deactivated")
    conn.execute("UPDATE refresh_tokens SET revoked = 1 WHERE jti = ?", (jti,))
    return {
        "access_token": issue_access_token(state, user["id"], user["role"]),
        "refresh_token": issue_refresh_token(state, conn, user["id"], family_id=family),
        "token_type": "bearer",
    }


@router.post("/auth/logout")
def logout(user: User, state: State, body: LogoutRequest | None = None) -> dict[str, str]:
    if body is not None and body.refresh_token:
        claims = _decode(state, body.refresh_token)
        if claims is not None and claims.get("type") == "refresh" and claims.get("sub") == user.id:
            with state.db.transaction() as conn:
                conn.execute(
                    "UPDATE refresh_tokens SET revoked = 1 WHERE jti = ?", (claims.get("jti"),)
                )
    return {"message": "Logged out successfully"}


@router.get("/auth/me/permissions")
def permissions(user: User) -> dict[str, Any]:
    perms = PERMISSIONS.get(user.role, PERMISSIONS["employee"])
    return {"user_id": user.id, "role": user.role, "permissions": perms}


@router.get("/users/me")
def me(user: User, state: State) -> dict[str, Any]:
    with state.db.transaction() as conn:
        row = _user_row(conn, user.id)
        assert row is not None
        manager = _user_row(conn, row["manager_id"]) if row["manager_id"] else None
        shift = (
            conn.execute("SELECT * FROM shifts WHERE id = ?", (row["shift_id"],)).fetchone()
            if row["shift_id"]
            else None
        )
    timing = None
    if shift is not None:
        start, end = shift["start_minute"], shift["end_minute"]
        timing = f"{start // 60:02d}:{start % 60:02d} - {end // 60:02d}:{end % 60:02d}"
    return {
        "id": row["id"],
        "full_name": row["full_name"],
        "phone": row["phone"],
        "email": row["email"],
        "role": row["role"],
        "status": row["status"],
        "department": row["department"],
        "department_id": None,
        "department_name": row["department"],
        "designation": row["designation"],
        "manager_id": row["manager_id"],
        "manager_name": manager["full_name"] if manager is not None else None,
        "shift_id": row["shift_id"],
        "shift_name": shift["name"] if shift is not None else None,
        "shift_timing": timing,
        "avatar_url": None,
        "profile_picture_url": None,
        "presence_status": "active",
        "online_state": "offline",
        "is_online": False,
        "created_at": iso_micros(row["created_at"]),
        "updated_at": iso_micros(row["updated_at"]),
    }
