"""Typed settings, their defaults and help, and the settings file.

The settings file is ``archiver.toml`` beside the sources file. Every setting
lives in one section; an unknown section or key, or a value of the wrong type,
is an error naming the file and line (never a silent default). Command-line
options override the file.

Example ``archiver.toml``::

    [fetch]
    timeout = 20
    per_host_delay = 2.0

    [schedule]
    cron = "0 3 * * *"
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import SOFTWARE
from .exceptions import SettingsError

SETTINGS_FILENAME = "archiver.toml"
DEFAULT_USER_AGENT = (
    f"{SOFTWARE} (+https://github.com/archiver-project/archiver; "
    "evidence preservation)"
)


def setting(default: Any, help: str) -> Any:
    """A dataclass field carrying its help text."""
    if isinstance(default, list | dict):
        return field(default_factory=lambda: type(default)(default), metadata={"help": help})
    return field(default=default, metadata={"help": help})


@dataclass
class FetchSettings:
    timeout: float = setting(30.0, "Seconds for one request attempt (connect, each read, and total).")
    connect_timeout: float = setting(10.0, "Seconds to establish a connection.")
    max_bytes: int = setting(50 * 1024 * 1024, "Body size cap; a longer body is captured up to the cap and marked truncated.")
    max_hops: int = setting(10, "Most redirects followed (each hop is its own WARC record).")
    concurrency: int = setting(64, "Requests in flight at once, over all hosts.")
    per_host_concurrency: int = setting(2, "Requests in flight at once to one origin (scheme, host, port).")
    per_host_delay: float = setting(1.0, "Seconds between the starts of two requests to one origin.")
    retries: int = setting(3, "Tries for a timeout, connection failure or 5xx before it is reported unreachable.")
    backoff: float = setting(1.0, "First retry wait in seconds; doubles on each retry (1, 2, 4 s).")
    max_retry_after: float = setting(10.0, "Longest Retry-After waited for; a longer one is reported as it stands.")
    user_agent: str = setting(DEFAULT_USER_AGENT, "The User-Agent header: names the tool and a contact URL.")
    allow_private: bool = setting(False, "Permit targets on loopback, private, link-local and reserved networks.")
    verify_tls: bool = setting(True, "Verify TLS certificates; an invalid one is reported, never accepted silently.")
    max_decoded_bytes: int = setting(20 * 1024 * 1024, "Most bytes a compressed body is inflated to for extraction (the WARC keeps the raw bytes).")


@dataclass
class CheckSettings:
    dead_after_failures: int = setting(3, "Failed checks in a row before an unreachable citation is dead.")
    dead_after_hours: float = setting(72.0, "Hours the failed checks must span before an unreachable citation is dead.")
    date_tolerance_days: int = setting(60, "Days between the page's date and the event's date before date-mismatch.")
    probe_similarity: float = setting(0.95, "Text similarity to the random-sibling probe above which a page is a soft-404.")
    drift_headline_similarity: float = setting(0.6, "Headline similarity to the first snapshot below which it counts as rewritten.")
    drift_text_similarity: float = setting(0.5, "Main-text similarity to the first snapshot below which it counts as replaced.")
    moved_text_similarity: float = setting(0.5, "Main-text similarity a permanent redirect target needs to count as the same page.")
    processes: int = setting(-1, "Worker processes that extract pages beside the fetching one (-1: one per core but one, at most 4; 0: none).")


@dataclass
class WarcSettings:
    prefix: str = setting("archiver", "WARC file name prefix: {prefix}-{timestamp}-{serial}.warc.gz.")
    max_file_bytes: int = setting(1024 * 1024 * 1024, "Roll over to a new WARC file past this size.")
    compression_level: int = setting(3, "gzip level of each record (1 fastest, 9 smallest). 1 to 4 are deflated by ISA-L (3: 3% more bytes than zlib's 3 on news pages sent uncompressed, in a fifth of the CPU), 5 to 9 by zlib.")


@dataclass
class ScheduleSettings:
    cron: str = setting("0 3 * * *", "When the worker runs a cycle (crontab: minute hour day month weekday; an optional leading sixth field gives seconds; with both day and weekday restricted, either matches, as in crontab(5)).")
    timezone: str = setting("UTC", "Time zone of the cron expression.")
    jitter: float = setting(300.0, "Seconds of random delay added to each scheduled start.")
    misfire_grace: float = setting(3600.0, "Seconds late a missed cycle may still start (missed cycles coalesce into one), also one missed while no worker ran: at start, such a scheduled time at most this old runs at once; older ones are logged as missed.")


#: How many times a worker hands one notification to one channel (in as many
#: cycles) before it gives up on it: a dead receiver is not retried for ever.
RESEND_ROUNDS = 3


@dataclass
class NotifySettings:
    webhook_url: str = setting("", "POST a JSON message here on each transition (empty: off).")
    smtp_host: str = setting("", "SMTP server for e-mail notifications (empty: off).")
    smtp_port: int = setting(25, "SMTP port.")
    smtp_from: str = setting("archiver@localhost", "Sender address.")
    smtp_to: list[str] = setting([], "Recipients.")
    blocked_after_hours: float = setting(168.0, "Notify when a citation stays blocked this long.")
    retries: int = setting(3, "Delivery tries per notification and channel in each cycle that sends it "
                         f"(an undelivered one is sent again by up to {RESEND_ROUNDS} cycles).")
    timeout: float = setting(10.0, "Seconds per delivery attempt.")


@dataclass
class WaybackSettings:
    enabled: bool = setting(False, "Look up the Wayback Machine copy closest to the first capture.")
    endpoint: str = setting("https://archive.org/wayback/available", "Availability API endpoint.")
    timeout: float = setting(10.0, "Seconds per lookup.")


@dataclass
class Settings:
    fetch: FetchSettings = field(default_factory=FetchSettings)
    check: CheckSettings = field(default_factory=CheckSettings)
    warc: WarcSettings = field(default_factory=WarcSettings)
    schedule: ScheduleSettings = field(default_factory=ScheduleSettings)
    notify: NotifySettings = field(default_factory=NotifySettings)
    wayback: WaybackSettings = field(default_factory=WaybackSettings)


def describe() -> list[tuple[str, Any, str]]:
    """(``section.key``, default, help) of every setting, for docs and ``--help``."""
    out: list[tuple[str, Any, str]] = []
    defaults = Settings()
    for section in dataclasses.fields(Settings):
        values = getattr(defaults, section.name)
        for f in dataclasses.fields(values):
            default = getattr(values, f.name)
            out.append((f"{section.name}.{f.name}", default, f.metadata.get("help", "")))
    return out


def _line_of(text: str, key: str, section: str | None = None) -> int | None:
    """Best-effort line number of *key* (inside *section*) in TOML *text*."""
    in_section = section is None
    for no, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        header = re.match(r"^\[\s*([^\]]+?)\s*\]", stripped)
        if header:
            if section is not None:
                in_section = header.group(1) == section
            if section is None and header.group(1) == key:
                return no
            continue
        if in_section and re.match(rf"^{re.escape(key)}\s*=", stripped):
            return no
    return None


def _coerce(value: Any, target: Any, where: str) -> Any:
    if target is bool:
        if isinstance(value, bool):
            return value
        raise ValueError(f"{where} must be true or false, not {value!r}")
    if target is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise ValueError(f"{where} must be a whole number, not {value!r}")
    if target is float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        raise ValueError(f"{where} must be a number, not {value!r}")
    if target is str:
        if isinstance(value, str):
            return value
        raise ValueError(f"{where} must be a string, not {value!r}")
    if target == list[str]:
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return value
        raise ValueError(f"{where} must be a list of strings, not {value!r}")
    raise ValueError(f"{where}: unsupported setting type")  # pragma: no cover


_TYPES = {"float": float, "int": int, "bool": bool, "str": str, "list[str]": list[str]}


def apply(settings: Settings, data: dict[str, Any], path: Path, text: str = "") -> Settings:
    """Apply a parsed settings mapping onto *settings*, strictly."""
    sections = {f.name for f in dataclasses.fields(Settings)}
    for section, values in data.items():
        if section not in sections:
            raise SettingsError(
                f"unknown section [{section}] (known: {', '.join(sorted(sections))})",
                path=path, line=_line_of(text, section),
            )
        if not isinstance(values, dict):
            raise SettingsError(f"[{section}] must be a table", path=path, line=_line_of(text, section))
        target = getattr(settings, section)
        known = {f.name: f for f in dataclasses.fields(target)}
        for key, value in values.items():
            if key not in known:
                raise SettingsError(
                    f"unknown setting {section}.{key} (known: {', '.join(sorted(known))})",
                    path=path, line=_line_of(text, key, section),
                )
            ftype = known[key].type
            typ = _TYPES.get(ftype if isinstance(ftype, str) else getattr(ftype, "__name__", ""))
            try:
                setattr(target, key, _coerce(value, typ, f"{section}.{key}"))
            except ValueError as exc:
                raise SettingsError(str(exc), path=path, line=_line_of(text, key, section)) from None
    _validate(settings, path)
    return settings


def _validate(s: Settings, path: Path | None) -> None:
    checks = [
        (s.fetch.timeout > 0, "fetch.timeout must be positive"),
        (s.fetch.connect_timeout > 0, "fetch.connect_timeout must be positive"),
        (s.fetch.max_bytes > 0, "fetch.max_bytes must be positive"),
        (0 <= s.fetch.max_hops <= 50, "fetch.max_hops must be between 0 and 50"),
        (s.fetch.concurrency >= 1, "fetch.concurrency must be at least 1"),
        (s.fetch.per_host_concurrency >= 1, "fetch.per_host_concurrency must be at least 1"),
        (s.fetch.per_host_delay >= 0, "fetch.per_host_delay must not be negative"),
        (s.fetch.retries >= 1, "fetch.retries must be at least 1"),
        (s.fetch.backoff >= 0, "fetch.backoff must not be negative"),
        (s.fetch.max_retry_after >= 0, "fetch.max_retry_after must not be negative"),
        (s.check.dead_after_failures >= 1, "check.dead_after_failures must be at least 1"),
        (s.check.dead_after_hours >= 0, "check.dead_after_hours must not be negative"),
        (-1 <= s.check.processes <= 64, "check.processes must be between -1 and 64"),
        (s.warc.max_file_bytes >= 1024, "warc.max_file_bytes must be at least 1024"),
        (1 <= s.warc.compression_level <= 9, "warc.compression_level must be between 1 and 9"),
        (bool(re.fullmatch(r"[A-Za-z0-9_.-]+", s.warc.prefix)), "warc.prefix may only hold letters, digits, '_', '.', '-'"),
    ]
    for ok, message in checks:
        if not ok:
            raise SettingsError(message, path=path)


def load(path: Path | None) -> Settings:
    """Settings from *path* (a TOML file) over the defaults; defaults when absent."""
    settings = Settings()
    if path is None or not path.exists():
        return settings
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingsError(f"cannot read settings: {exc}", path=path) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise SettingsError(f"not valid TOML: {exc}", path=path,
                            line=int(m.group(1)) if m else None) from None
    return apply(settings, data, path, text)


def settings_path_for(sources: Path) -> Path:
    """The settings file that belongs to a sources file (same folder)."""
    return sources.parent / SETTINGS_FILENAME
