"""One settings object, read from the environment with explicit parsing.

Tests build their own :class:`Settings`; nothing else reads ``os.environ``.
"""

from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Mapping

from sqlalchemy.engine import make_url

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE = PROJECT_ROOT / "instance"
#: Shortest ``SECRET_KEY`` accepted: a short key can be guessed, and then any cookie forged.
MIN_SECRET_KEY_LENGTH = 32


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
    #: signs session cookies; empty: the key file (:meth:`secret_key_path`) holds it
    secret_key: str = ""
    #: where the signing key is kept when ``secret_key`` is empty; empty: the default place
    secret_key_file: str = ""

    def __post_init__(self) -> None:
        if self.language not in ("zh", "en"):
            raise SettingsError(f"language={self.language!r}: expected 'zh' or 'en'")
        if self.wall_reload_at and time_of_day(self.wall_reload_at) != self.wall_reload_at:
            raise SettingsError(f"wall_reload_at={self.wall_reload_at!r}: expected HH:MM:SS "
                                "or '' for never")

    def secret_key_path(self) -> Path:
        """Where the session-signing key is kept: ``secret_key_file`` if set; else
        ``secret_key`` beside a SQLite store's file; else ``instance/secret_key``."""
        if self.secret_key_file:
            return Path(self.secret_key_file)
        url = make_url(self.database_url)
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            return Path(url.database).parent / "secret_key"
        return DEFAULT_INSTANCE / "secret_key"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "Settings":
        """Read ``DATABASE_URL``, ``DASHBOARD_LANGUAGE``, ``DASHBOARD_CENTRE_NAME``,
        ``WALL_REFRESH_SECONDS``, ``WALL_RELOAD_AT``, ``DASHBOARD_DEBUG``, ``SECRET_KEY``
        (at least 32 characters) and ``SECRET_KEY_FILE``."""
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
            key = env["SECRET_KEY"].strip()
            if len(key) < MIN_SECRET_KEY_LENGTH:
                raise SettingsError(
                    f"SECRET_KEY has {len(key)} characters: it needs at least "
                    f"{MIN_SECRET_KEY_LENGTH} random ones (python -c 'import secrets; "
                    "print(secrets.token_hex(32))'), or leave it unset to use the key file")
            kwargs["secret_key"] = key
        if env.get("SECRET_KEY_FILE"):
            kwargs["secret_key_file"] = env["SECRET_KEY_FILE"]
        return cls(**kwargs)  # type: ignore[arg-type]

    def with_(self, **changes: object) -> "Settings":
        """A copy with some fields changed (settings are immutable)."""
        return replace(self, **changes)  # type: ignore[arg-type]
