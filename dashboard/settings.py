"""One settings object, read from the environment with explicit parsing.

Tests build their own :class:`Settings`; nothing else reads ``os.environ``.
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Mapping
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE = PROJECT_ROOT / "instance"
#: The longest a briefing print may be allowed (``DASHBOARD_PRINT_TIMEOUT``), in seconds.
MAX_PRINT_SECONDS = 600
#: Shortest ``SECRET_KEY`` accepted: a short key can be guessed, and then any cookie forged.
MIN_SECRET_KEY_LENGTH = 32
#: The most rows ``DASHBOARD_EXPORT_XLSX_MAX_ROWS`` may allow: a sheet's 1,048,576 less its header.
MAX_XLSX_ROWS = 1_048_575
#: ``DASHBOARD_LOG_LEVEL``'s values.
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
#: Most reverse proxies ``DASHBOARD_PROXY_HOPS`` may name (one nginx is the usual 1).
MAX_PROXY_HOPS = 5


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


#: The live intake's variables: field, parser.
INTAKE_VARIABLES = {
    "DASHBOARD_MEDIA_DIR": ("media_dir", str),
    "DASHBOARD_INTAKE_MAX_MB": ("intake_max_mb", int),
    "DASHBOARD_INTAKE_RATE": ("intake_rate_per_minute", int),
    "DASHBOARD_DUPLICATE_RADIUS_M": ("duplicate_radius_m", float),
    "DASHBOARD_DUPLICATE_HOURS": ("duplicate_hours", float),
    # the field force (issue 14; README "The field force")
    "DASHBOARD_PATROL_GAP_MINUTES": ("patrol_gap_minutes", int),
    "DASHBOARD_PATROL_BATCH_MAX": ("patrol_batch_max", int),
    "DASHBOARD_BLIND_SPOT_DAYS": ("blind_spot_days", int),
    "DASHBOARD_ASSESSMENT_WEIGHTS": ("assessment_weights", str),
}


def _intake_settings(env: Mapping[str, str]) -> dict[str, object]:
    """The live intake's fields set in ``env`` (:data:`INTAKE_VARIABLES`)."""
    found: dict[str, object] = {}
    for variable, (name, kind) in INTAKE_VARIABLES.items():
        raw = env.get(variable, "").strip()
        if not raw:
            continue
        if kind is int:
            found[name] = _parse_int(variable, raw, minimum=1)
        elif kind is float:
            try:
                found[name] = float(raw)
            except ValueError:
                raise SettingsError(f"{variable}={raw!r}: expected a number") from None
        else:
            found[name] = raw
    return found


def internal_url(text: str) -> str:
    """``text`` as the server's own base URL for its headless browser: ``http(s)://host[:port]``
    with nothing after it (no path, query, fragment or user), without a trailing slash.
    Raises :class:`SettingsError` saying what is wrong."""
    try:
        parts = urlsplit(text.strip())
        parts.port  # noqa: B018 - a port out of range raises here
    except ValueError as exc:
        raise SettingsError(f"DASHBOARD_INTERNAL_URL={text!r}: {exc}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SettingsError(f"DASHBOARD_INTERNAL_URL={text!r}: expected an address like "
                            "http://127.0.0.1:8050")
    if parts.path not in ("", "/") or parts.query or parts.fragment or "@" in parts.netloc:
        raise SettingsError(f"DASHBOARD_INTERNAL_URL={text!r}: only scheme, host and port "
                            "(the dashboard is served at the root of its address)")
    return f"{parts.scheme}://{parts.netloc}"


#: A host name or IPv4 address as Flask's TRUSTED_HOSTS matches it; a leading dot matches
#: every subdomain.
_TRUSTED_HOST = re.compile(r"\.?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")


def trusted_hosts(text: str) -> tuple[str, ...]:
    """The comma-separated host names of ``DASHBOARD_TRUSTED_HOSTS`` (IDNA-encoded, lower
    case); empty for none. Raises :class:`SettingsError` naming an entry that is not a
    plain host name (a scheme, a port, a path, an IPv6 address)."""
    hosts = []
    for raw in text.split(","):
        entry = raw.strip().lower()
        if not entry:
            continue
        try:
            host = entry.encode("idna").decode("ascii") if not entry.isascii() else entry
        except UnicodeError:
            host = ""
        if not _TRUSTED_HOST.fullmatch(host):
            raise SettingsError(f"DASHBOARD_TRUSTED_HOSTS: {raw.strip()!r} is not a host name "
                                "(write names like dash.example.org or .example.org, "
                                "without scheme, port or path, separated by commas)")
        hosts.append(host)
    return tuple(hosts)


def _parses_to(parse, text: str, expected: object = None) -> bool:
    """Whether ``parse(text)`` gives ``expected`` (``text`` itself by default): a value set
    in code is as its environment variable would have read."""
    try:
        return parse(text) == (text if expected is None else expected)
    except SettingsError:
        return False


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
    # the HTTP server (dashboard/http_guard.py; README "Serving a deployment")
    server_threads: int = 8  # requests worked on at once
    connection_limit: int = 1000  # open connections before new ones wait in the backlog
    connections_per_client: int = 200  # open connections from one address (0: no cap)
    idle_timeout: int = 15  # seconds an idle connection is kept open
    max_request_mb: int = 4  # a larger request body is refused (413)
    secure_cookies: bool = False  # the session cookie only over HTTPS
    #: Where the server's headless Chromium opens the briefing to print /briefing.pdf
    #: (``http://host:port``); "" = the server's own loopback address (see
    #: :mod:`dashboard.own_address`). Never taken from a request.
    internal_url: str = ""
    #: The ``Host`` names the server answers to (Flask's TRUSTED_HOSTS; a leading dot
    #: matches subdomains); empty = any. The printer's own host is added to a non-empty list.
    trusted_hosts: tuple[str, ...] = ()
    #: The longest one briefing print may take (the CLI's and /briefing.pdf's), in seconds.
    print_timeout_seconds: int = 45
    #: where the signing key is kept when ``secret_key`` is empty; empty: the default place
    secret_key_file: str = ""
    # live intake (data/intake, dashboard/open311.py; README "Live intake")
    #: where photos sent with cases are kept; empty: ``media`` beside a SQLite store's file,
    #: else ``instance/media`` (:meth:`media_path`)
    media_dir: str = ""
    #: the largest intake request (fields and up to 3 photos of 5 MB), in MB
    intake_max_mb: int = 16
    #: requests one API key may make a minute (a key's own ``rate_per_minute`` overrides it)
    intake_rate_per_minute: int = 600
    #: a new case this near (metres) an open case of the same subcategory reported in the
    #: last ``duplicate_hours`` hours is marked 疑似重复
    duplicate_radius_m: float = 50.0
    duplicate_hours: float = 72.0
    # the field force (data/field, dashboard/patrol_api.py; README "The field force")
    #: a gap between two GPS fixes of an officer longer than this starts a new patrol
    patrol_gap_minutes: int = 30
    #: the most fixes one ``POST /api/patrols/ID/points`` may carry (more: 413)
    patrol_batch_max: int = 1000
    #: a grid no one patrolled in this many days is a blind spot (巡查盲区)
    blind_spot_days: int = 3
    #: a TOML file of the officers' assessment weights; empty: the documented defaults
    #: (:data:`data.field.assessment.DEFAULT_WEIGHTS`)
    assessment_weights: str = ""
    # production (issue 15; README "Production")
    #: Redis for what several workers must share (sign-in throttle, the print lock, the
    #: leader lock of background work); empty: kept in this process
    redis_url: str = ""
    #: the level of the server's log (DEBUG, INFO, WARNING, ERROR): one line per request at INFO
    log_level: str = "INFO"
    #: how many reverse proxies (nginx) stand in front of the server: the client's address
    #: and scheme are read from that many entries of ``X-Forwarded-For``/``-Proto``
    #: (:func:`dashboard.own_address.trust_proxies`); 0: those headers are never trusted
    proxy_hops: int = 0
    #: the most rows an XLSX export of the case list holds (longer lists: the CSV, streamed)
    export_xlsx_max_rows: int = 50_000
    #: a TOML file of the early-warning rules' parameters over data/alerts/rules.toml
    #: (issue 16, :mod:`data.alerts.params`); empty: the defaults
    alert_rules: str = ""

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
        if self.internal_url and not _parses_to(internal_url, self.internal_url):
            raise SettingsError(f"internal_url={self.internal_url!r}: expected "
                                "scheme://host[:port] without a trailing slash")
        if not _parses_to(trusted_hosts, ",".join(self.trusted_hosts),
                          tuple(self.trusted_hosts)):
            raise SettingsError(f"trusted_hosts={self.trusted_hosts!r}: expected lower-case "
                                "host names (IDNA), without scheme, port or path")
        if not 1 <= self.intake_max_mb <= 200 or self.intake_rate_per_minute < 1:
            raise SettingsError(f"intake_max_mb={self.intake_max_mb!r} (1 to 200) or "
                                f"intake_rate_per_minute={self.intake_rate_per_minute!r} "
                                "(at least 1) is out of range")
        if not (0 < self.duplicate_radius_m <= 10_000 and 0 < self.duplicate_hours <= 24 * 365):
            raise SettingsError(f"duplicate_radius_m={self.duplicate_radius_m!r} (0-10000] or "
                                f"duplicate_hours={self.duplicate_hours!r} (0-8760] is out of "
                                "range")
        if not (1 <= self.patrol_gap_minutes <= 24 * 60 and 1 <= self.patrol_batch_max <= 100_000
                and 1 <= self.blind_spot_days <= 365):
            raise SettingsError(f"patrol_gap_minutes={self.patrol_gap_minutes!r} (1-1440), "
                                f"patrol_batch_max={self.patrol_batch_max!r} (1-100000) or "
                                f"blind_spot_days={self.blind_spot_days!r} (1-365) is out of "
                                "range")
        if self.log_level not in LOG_LEVELS:
            raise SettingsError(f"log_level={self.log_level!r}: expected one of "
                                f"{', '.join(LOG_LEVELS)}")
        if self.redis_url and not self.redis_url.startswith(("redis://", "rediss://", "unix://")):
            raise SettingsError(f"redis_url={self.redis_url!r}: expected redis://host:port/db, "
                                "rediss://... or unix:///path")
        if not 0 <= self.proxy_hops <= MAX_PROXY_HOPS:
            raise SettingsError(f"proxy_hops={self.proxy_hops!r}: expected 0 (no proxy) to "
                                f"{MAX_PROXY_HOPS}")
        if not 1 <= self.export_xlsx_max_rows <= MAX_XLSX_ROWS:
            raise SettingsError(f"export_xlsx_max_rows={self.export_xlsx_max_rows!r}: "
                                f"expected 1 to {MAX_XLSX_ROWS:,} (a sheet's rows, less the "
                                "header)")
        if not 1 <= self.print_timeout_seconds <= MAX_PRINT_SECONDS:
            raise SettingsError(f"print_timeout_seconds={self.print_timeout_seconds!r}: "
                                f"expected 1 to {MAX_PRINT_SECONDS}")

    def media_path(self) -> Path:
        """Where photos sent with cases are kept: ``media_dir`` if set; else ``media``
        beside a SQLite store's file; else ``instance/media``."""
        if self.media_dir:
            return Path(self.media_dir)
        url = make_url(self.database_url)
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            return Path(url.database).parent / "media"
        return DEFAULT_INSTANCE / "media"

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
        (at least 32 characters), ``SECRET_KEY_FILE``, ``DASHBOARD_INTERNAL_URL``,
        ``DASHBOARD_TRUSTED_HOSTS``, ``DASHBOARD_PRINT_TIMEOUT``, ``REDIS_URL``,
        ``DASHBOARD_LOG_LEVEL``, ``DASHBOARD_PROXY_HOPS``, ``DASHBOARD_EXPORT_XLSX_MAX_ROWS``,
        ``ALERT_RULES`` and the server's
        (:data:`SERVER_VARIABLES`, ``DASHBOARD_SECURE_COOKIES``)."""
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
        if env.get("DASHBOARD_INTERNAL_URL", "").strip():
            kwargs["internal_url"] = internal_url(env["DASHBOARD_INTERNAL_URL"])
        if "DASHBOARD_TRUSTED_HOSTS" in env:
            kwargs["trusted_hosts"] = trusted_hosts(env["DASHBOARD_TRUSTED_HOSTS"])
        if "DASHBOARD_PRINT_TIMEOUT" in env:
            seconds = _parse_int("DASHBOARD_PRINT_TIMEOUT", env["DASHBOARD_PRINT_TIMEOUT"],
                                 minimum=1)
            if seconds > MAX_PRINT_SECONDS:
                raise SettingsError(f"DASHBOARD_PRINT_TIMEOUT={seconds}: at most "
                                    f"{MAX_PRINT_SECONDS} seconds")
            kwargs["print_timeout_seconds"] = seconds
        if env.get("REDIS_URL", "").strip():
            kwargs["redis_url"] = env["REDIS_URL"].strip()
        if env.get("DASHBOARD_LOG_LEVEL", "").strip():
            kwargs["log_level"] = env["DASHBOARD_LOG_LEVEL"].strip().upper()
        if env.get("DASHBOARD_PROXY_HOPS", "").strip():
            hops = _parse_int("DASHBOARD_PROXY_HOPS", env["DASHBOARD_PROXY_HOPS"].strip(),
                              minimum=0)
            if hops > MAX_PROXY_HOPS:
                raise SettingsError(f"DASHBOARD_PROXY_HOPS={hops}: at most {MAX_PROXY_HOPS} "
                                    "(the proxies in front of the server, usually 1)")
            kwargs["proxy_hops"] = hops
        if "DASHBOARD_EXPORT_XLSX_MAX_ROWS" in env:
            kwargs["export_xlsx_max_rows"] = _parse_int(
                "DASHBOARD_EXPORT_XLSX_MAX_ROWS", env["DASHBOARD_EXPORT_XLSX_MAX_ROWS"], minimum=1)
        if env.get("ALERT_RULES", "").strip():
            kwargs["alert_rules"] = env["ALERT_RULES"].strip()
        kwargs.update(_server_settings(env))
        kwargs.update(_intake_settings(env))
        return cls(**kwargs)  # type: ignore[arg-type]

    def with_(self, **changes: object) -> "Settings":
        """A copy with some fields changed (settings are immutable)."""
        return replace(self, **changes)  # type: ignore[arg-type]
