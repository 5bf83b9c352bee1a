"""One settings object, read from the environment with explicit parsing.

Tests build their own :class:`Settings`; nothing else reads ``os.environ``.
"""

from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Mapping

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE = PROJECT_ROOT / "instance"


class SettingsError(ValueError):
    """An environment variable holds a value that cannot be used."""


def _parse_bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise SettingsError(f"{name}={raw!r}: expected one of 1/0, true/false, yes/no, on/off")


def _parse_int(name: str, raw: str, minimum: int) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r}: expected a whole number") from None
    if value < minimum:
        raise SettingsError(f"{name}={raw!r}: must be at least {minimum}")
    return value


def time_of_day(text: str) -> str | None:
    """A daily time as "HH:MM:SS" from "H:MM" or "HH:MM:SS" (full-width digits and colon,
    as a Chinese input method types them, too); "" for ``off``; None for anything else."""
    text = unicodedata.normalize("NFKC", text).strip()
    if text.lower() in ("off", "0", "no", "none"):
        return ""
    parts = text.split(":")
    if len(parts) in (2, 3) and all(p.isdigit() and len(p) <= 2 for p in parts):
        hour, minute, second = (int(p) for p in [*parts, "0"][:3])
        if hour < 24 and minute < 60 and second < 60:
            return f"{hour:02d}:{minute:02d}:{second:02d}"
    return None


#: The HTTP server's variables: field, and the smallest value that still serves.
SERVER_VARIABLES = {
    "DASHBOARD_THREADS": "server_threads",
    "DASHBOARD_CONNECTION_LIMIT": "connection_limit",
    "DASHBOARD_CONNECTIONS_PER_CLIENT": "connections_per_client",
    "DASHBOARD_IDLE_TIMEOUT": "idle_timeout",
    "DASHBOARD_MAX_REQUEST_MB": "max_request_mb",
}
_SERVER_MINIMUMS = {"server_threads": 1, "connection_limit": 10, "connections_per_client": 0,
                    "idle_timeout": 1, "max_request_mb": 1}


def _server_settings(env: Mapping[str, str]) -> dict[str, object]:
    """The HTTP server's fields set in ``env`` (``DASHBOARD_THREADS``,
    ``DASHBOARD_CONNECTION_LIMIT``, ``DASHBOARD_CONNECTIONS_PER_CLIENT``,
    ``DASHBOARD_IDLE_TIMEOUT``, ``DASHBOARD_MAX_REQUEST_MB``, ``DASHBOARD_SECURE_COOKIES``)."""
    found: dict[str, object] = {}
    for variable, name in SERVER_VARIABLES.items():
        if variable in env:
            found[name] = _parse_int(variable, env[variable], minimum=_SERVER_MINIMUMS[name])
    if "DASHBOARD_SECURE_COOKIES" in env:
        found["secure_cookies"] = _parse_bool("DASHBOARD_SECURE_COOKIES",
                                              env["DASHBOARD_SECURE_COOKIES"])
    return found


def default_database_url(instance_dir: Path = DEFAULT_INSTANCE) -> str:
    """The embedded SQLite store under ``instance/``."""
    return f"sqlite:///{instance_dir / 'dashboard.sqlite3'}"


@dataclass(frozen=True)
class Settings:
    """Everything the app and the command line need to know about their deployment."""

    database_url: str = field(default_factory=default_database_url)
    language: str = "zh"
    centre_name: str = ""
    wall_refresh_seconds: int = 10
    wall_reload_at: str = "04:00:00"  # walls reload daily at this local time; "" never
    debug: bool = False
    secret_key: str = ""
    # the HTTP server (dashboard/http_guard.py; README "Serving a deployment")
    server_threads: int = 8  # requests worked on at once
    connection_limit: int = 1000  # open connections before new ones wait in the backlog
    connections_per_client: int = 200  # open connections from one address (0: no cap)
    idle_timeout: int = 15  # seconds an idle connection is kept open
    max_request_mb: int = 4  # a larger request body is refused (413)
    secure_cookies: bool = False  # the session cookie only over HTTPS

    def __post_init__(self) -> None:
        if self.language not in ("zh", "en"):
            raise SettingsError(f"language={self.language!r}: expected 'zh' or 'en'")
        for name in _SERVER_MINIMUMS:
            if getattr(self, name) < _SERVER_MINIMUMS[name]:
                raise SettingsError(f"{name}={getattr(self, name)!r}: must be at least "
                                    f"{_SERVER_MINIMUMS[name]}")
        if self.wall_reload_at and time_of_day(self.wall_reload_at) != self.wall_reload_at:
            raise SettingsError(f"wall_reload_at={self.wall_reload_at!r}: expected HH:MM:SS "
                                "or '' for never")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "Settings":
        """Read ``DATABASE_URL``, ``DASHBOARD_LANGUAGE``, ``DASHBOARD_CENTRE_NAME``,
        ``WALL_REFRESH_SECONDS``, ``WALL_RELOAD_AT``, ``DASHBOARD_DEBUG``, ``SECRET_KEY``
        and the server's (:data:`SERVER_VARIABLES`)."""
        env = os.environ if environ is None else environ
        kwargs: dict[str, object] = {}
        if env.get("DATABASE_URL"):
            kwargs["database_url"] = env["DATABASE_URL"]
        if env.get("DASHBOARD_LANGUAGE"):
            kwargs["language"] = env["DASHBOARD_LANGUAGE"].strip().lower()
        if env.get("DASHBOARD_CENTRE_NAME"):
            kwargs["centre_name"] = env["DASHBOARD_CENTRE_NAME"]
        if "WALL_REFRESH_SECONDS" in env:
            kwargs["wall_refresh_seconds"] = _parse_int(
                "WALL_REFRESH_SECONDS", env["WALL_REFRESH_SECONDS"], minimum=1
            )
        if "WALL_RELOAD_AT" in env:
            at = time_of_day(env["WALL_RELOAD_AT"])
            if at is None:
                raise SettingsError(f"WALL_RELOAD_AT={env['WALL_RELOAD_AT']!r}: expected a "
                                    "time of day such as 04:00, or off")
            kwargs["wall_reload_at"] = at
        if "DASHBOARD_DEBUG" in env:
            kwargs["debug"] = _parse_bool("DASHBOARD_DEBUG", env["DASHBOARD_DEBUG"])
        if env.get("SECRET_KEY"):
            kwargs["secret_key"] = env["SECRET_KEY"]
        kwargs.update(_server_settings(env))
        return cls(**kwargs)  # type: ignore[arg-type]

    def with_(self, **changes: object) -> "Settings":
        """A copy with some fields changed (settings are immutable)."""
        return replace(self, **changes)  # type: ignore[arg-type]
