"""The demo data every test starts from (fixed ids, see docs/architecture.md)."""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta

from tests.backend.clock import to_micros

ADMIN_ID = "11111111-1111-4111-8111-111111111111"
MANAGER_ID = "22222222-2222-4222-8222-222222222222"
EMP1_ID = "33333333-3333-4333-8333-333333333333"
EMP2_ID = "44444444-4444-4444-8444-444444444444"

PROJECT_ACTIVE_ID = "50000000-0000-4000-8000-000000000001"
PROJECT_ON_HOLD_ID = "50000000-0000-4000-8000-000000000002"

SHIFT_ID = "70000000-0000-4000-8000-000000000001"
SHIFT_START_MINUTE = 9 * 60
SHIFT_END_MINUTE = 17 * 60


def task_id(number: int) -> str:
    return f"60000000-0000-4000-8000-{number:012d}"


@dataclass(frozen=True)
class DemoUser:
    id: str
    email: str
    password: str
    full_name: str
    role: str
    department: str
    designation: str
    manager_id: str | None = None
    shift_id: str | None = None


@dataclass(frozen=True)
class DemoTask:
    number: int
    title: str
    status: str
    assigned_to: str = EMP1_ID
    project_id: str = PROJECT_ACTIVE_ID

    @property
    def id(self) -> str:
        return task_id(self.number)


USERS = (
    DemoUser(ADMIN_ID, "admin@example.com", "Admin1234!", "Ada Admin", "admin",
             "Administration", "Administrator"),
    DemoUser(MANAGER_ID, "manager@example.com", "Manager1234!", "Mona Manager", "manager",
             "Engineering", "Engineering Manager"),
    DemoUser(EMP1_ID, "emp1@example.com", "Employee1234!", "Erin Employee", "employee",
             "Engineering", "Software Engineer", manager_id=MANAGER_ID),
    DemoUser(EMP2_ID, "emp2@example.com", "Employee1234!", "Sam Shift", "employee",
             "Engineering", "Support Engineer", manager_id=MANAGER_ID, shift_id=SHIFT_ID),
)  # fmt: skip

PROJECTS = (
    (PROJECT_ACTIVE_ID, "Desktop Tray Client", "active"),
    (PROJECT_ON_HOLD_ID, "Paused Initiative", "on_hold"),
)

TASKS = (
    DemoTask(1, "Write onboarding guide", "created"),
    DemoTask(2, "Review API spec", "approved"),
    DemoTask(3, "Implement tray sync", "in_progress"),
    DemoTask(4, "Fix login bug", "blocked"),
    DemoTask(5, "Ship v1.0", "completed"),
    DemoTask(6, "Refactor queue", "reviewed"),
    DemoTask(7, "Old migration", "archived"),
    DemoTask(8, "Reopened crash", "reopened"),
    DemoTask(9, "Task in on-hold project", "in_progress", project_id=PROJECT_ON_HOLD_ID),
    DemoTask(10, "Sam's task", "in_progress", assigned_to=EMP2_ID),
)


def hash_password(password: str) -> str:
    """Cheap salted hash: this is a test server, but plain-text passwords still have no place."""
    return hashlib.sha256(b"timetray-test-server:" + password.encode()).hexdigest()


def seed(conn: sqlite3.Connection, now: datetime) -> None:
    """Insert the demo data; ``created_at`` values grow with the task number (list order)."""
    created = to_micros(now - timedelta(days=1))
    conn.execute(
        "INSERT INTO shifts (id, name, start_minute, end_minute) VALUES (?, ?, ?, ?)",
        (SHIFT_ID, "Day shift", SHIFT_START_MINUTE, SHIFT_END_MINUTE),
    )
    conn.executemany(
        "INSERT INTO users (id, email, password_hash, full_name, role, status, department,"
        " designation, phone, manager_id, shift_id, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, 'active', ?, ?, NULL, ?, ?, ?, ?)",
        [
            (u.id, u.email, hash_password(u.password), u.full_name, u.role, u.department,
             u.designation, u.manager_id, u.shift_id, created, created)
            for u in USERS
        ],
    )  # fmt: skip
    conn.executemany("INSERT INTO projects (id, title, status) VALUES (?, ?, ?)", PROJECTS)
    conn.executemany(
        "INSERT INTO tasks (id, project_id, title, description, assigned_to, created_by, status,"
        " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (t.id, t.project_id, t.title, f"Seeded task ({t.status})", t.assigned_to,
             MANAGER_ID, t.status, created + t.number * 1_000_000,
             created + t.number * 1_000_000)
            for t in TASKS
        ],
    )  # fmt: skip


def describe() -> str:
    """The demo accounts and tasks, as ``python -m tests.backend`` prints them."""
    lines = ["Demo accounts:"]
    for u in USERS:
        shift = " (shift 09:00-17:00 UTC)" if u.shift_id else ""
        lines.append(f"  {u.email:<22} {u.password:<14} {u.role:<9} {u.full_name}{shift}  {u.id}")
    lines.append("Demo tasks:")
    titles = {p[0]: p[1] for p in PROJECTS}
    owners = {u.id: u.email for u in USERS}
    for t in TASKS:
        lines.append(
            f"  {t.id}  {t.status:<11} {t.title:<26} [{titles[t.project_id]}] "
            f"-> {owners[t.assigned_to]}"
        )
    return "\n".join(lines)
