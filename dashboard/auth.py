"""Who is asking: a stand-in until sign-in lands (branch issue4-auth replaces this file).

It keeps exactly the public names the console calls, so the console's callbacks already
check the region of every read and write; here everyone is an unscoped administrator.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable


@dataclass(frozen=True)
class Principal:
    """The user (or wall display) a request acts for."""

    name: str
    role: str
    region_id: int | None
    region_code: str | None = None
    kind: str = "user"


class Forbidden(Exception):
    """The principal may not see or act on the region(s) asked for."""

    def __init__(self, key: str = "forbidden", **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


_ADMIN = Principal(name="admin", role="admin", region_id=None)


def current_user() -> Principal | None:
    """The signed-in user of this request (stand-in: always the unscoped admin)."""
    return _ADMIN


def require_viewer(region_id: int | None) -> Principal:
    """The principal, when it may see ``region_id`` (None: the whole deployment)."""
    return _ADMIN


def require_commander(region_ids: Iterable[int]) -> Principal:
    """The principal, when it may act on every region in ``region_ids``."""
    return _ADMIN


def require_admin() -> Principal:
    """The principal, when it is an administrator."""
    return _ADMIN
