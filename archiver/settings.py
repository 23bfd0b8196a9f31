"""Typed settings, their defaults and help, and the settings file.

The settings file is ``archiver.toml`` beside the sources file. Every setting
lives in one section; an unknown section or key, a value of the wrong type, or
one out of its range (an infinite or NaN number included), is an error naming
the file and line (never a silent default). Each section remembers where its
values were read (:meth:`Section.error`), so that the checks made later, by
the worker (``schedule.cron``, ``notify.*``), name the file and line too.
Command-line options override the file.

Example ``archiver.toml``::

    [fetch]
    timeout = 20
    per_host_delay = 2.0

    [schedule]
    cron = "0 3 * * *"
"""

from __future__ import annotations

import dataclasses
import math
import re
import tomllib
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import SOFTWARE
from .exceptions import SettingsError
from .files import NotAFile, TooLarge, read_file

SETTINGS_FILENAME = "archiver.toml"
DEFAULT_USER_AGENT = (
    f"{SOFTWARE} (+https://github.com/archiver-project/archiver; "
    "evidence preservation)"
)
#: The most seconds any delay or timeout may be: a day.
DAY = 86400.0


def setting(default: Any, help: str) -> Any:
    """A dataclass field carrying its help text."""
    if isinstance(default, list | dict):
        return field(default_factory=lambda: type(default)(default), metadata={"help": help})
    return field(default=default, metadata={"help": help})


def shown(value: object, limit: int = 60) -> str:
    """``repr(value)`` for a message, cut short when longer than *limit* (a
    string's length then said)."""
    text = repr(value)
    if len(text) <= limit:
        return text
    return text[:limit] + "..." + (f" ({len(value):,} characters)" if isinstance(value, str)
                                   else "")


class Section:
    """Base of the sections: where their values were read, for error messages.

    :func:`apply` records the settings file and the line of each key it set;
    :meth:`error` makes a SettingsError naming them, so that a check made
    elsewhere (``cron.py``, ``notify.py``) names the file and line too.
    """

    _file: Path | None = None
    _lines: Mapping[str, int] = {}  # replaced, never changed (a dict: it is pickled)

    def error(self, message: str, *keys: str) -> SettingsError:
        """A SettingsError: *message* at the line of the first of *keys* set in the file."""
        line = next((self._lines[k] for k in keys if k in self._lines), None)
        return SettingsError(message, path=self._file, line=line)

    def _read_from(self, path: Path, lines: Mapping[str, int]) -> None:
        self._file = path
        self._lines = {**self._lines, **lines}


@dataclass
class FetchSettings(Section):
    timeout: float = setting(30.0, "Seconds for one request attempt (connect, each read, and total); at most 86400 (a day).")
    connect_timeout: float = setting(10.0, "Seconds to establish a connection; at most 86400 (a day).")
    max_bytes: int = setting(50 * 1024 * 1024, "Body size cap; a longer body is captured up to the cap and marked truncated.")
    max_hops: int = setting(10, "Most redirects followed (each hop is its own WARC record).")
    concurrency: int = setting(64, "Requests in flight at once, over all hosts.")
    per_host_concurrency: int = setting(2, "Requests in flight at once to one origin (scheme, host, port).")
    per_host_delay: float = setting(1.0, "Seconds between the starts of two requests to one origin; at most 86400 (a day).")
    retries: int = setting(3, "Tries for a timeout, connection failure or 5xx before it is reported unreachable (1 to 20).")
    backoff: float = setting(1.0, "First retry wait in seconds, at most 86400 (a day); doubles on each retry (1, 2, 4 s).")
    max_retry_after: float = setting(10.0, "Longest Retry-After waited for, at most 86400 (a day); a longer one is reported as it stands.")
    user_agent: str = setting(DEFAULT_USER_AGENT, "The User-Agent header: names the tool and a contact URL (printable ASCII, no control characters).")
    allow_private: bool = setting(False, "Permit targets on loopback, private, link-local and reserved networks.")
    verify_tls: bool = setting(True, "Verify TLS certificates; an invalid one is reported, never accepted silently.")
    max_decoded_bytes: int = setting(20 * 1024 * 1024, "Most bytes a compressed body is inflated to for extraction (the WARC keeps the raw bytes).")


@dataclass
class CheckSettings(Section):
    dead_after_failures: int = setting(3, "Failed checks in a row before an unreachable citation is dead.")
    dead_after_hours: float = setting(72.0, "Hours the failed checks must span before an unreachable citation is dead.")
    date_tolerance_days: int = setting(60, "Days between the page's date and the event's date before date-mismatch.")
    probe_similarity: float = setting(0.95, "Text similarity (0 to 1) to the random-sibling probe above which a page is a soft-404.")
    drift_headline_similarity: float = setting(0.6, "Headline similarity (0 to 1) to the first snapshot below which it counts as rewritten.")
    drift_text_similarity: float = setting(0.5, "Share (0 to 1) of the first snapshot's main text still on the page, below which the text counts as replaced (text added to the page does not lower it).")
    moved_text_similarity: float = setting(0.5, "Main-text similarity (0 to 1) a permanent redirect target needs to count as the same page.")
    processes: int = setting(-1, "Worker processes that extract pages beside the fetching one (-1: one per core but one, at most 4; 0: none).")


@dataclass
class WarcSettings(Section):
    prefix: str = setting("archiver", "WARC file name prefix: {prefix}-{timestamp}-{serial}.warc.gz "
                           "(letters, digits, `_`, `.`, `-`; at most 100).")
    max_file_bytes: int = setting(1024 * 1024 * 1024, "Roll over to a new WARC file past this size.")
    compression_level: int = setting(3, "gzip level of each record (1 fastest, 9 smallest). 1 to 4 are deflated by ISA-L (3: 3% more bytes than zlib's 3 on news pages sent uncompressed, in a fifth of the CPU), 5 to 9 by zlib.")


@dataclass
class ScheduleSettings(Section):
    cron: str = setting("0 3 * * *", "When the worker runs a cycle (crontab: minute hour day month weekday; an optional leading sixth field gives seconds; with both day and weekday restricted, either matches, as in crontab(5)).")
    timezone: str = setting("UTC", "Time zone of the cron expression.")
    jitter: float = setting(300.0, "Seconds of random delay added to each scheduled start; at most 86400 (a day).")
    misfire_grace: float = setting(3600.0, "Seconds late a missed cycle may still start (missed cycles coalesce into one), also one missed while no worker ran: at start, such a scheduled time at most this old runs at once; older ones are logged as missed. At most 31622400 (366 days).")


#: How many times a worker hands one notification to one channel (in as many
#: cycles) before it gives up on it: a dead receiver is not retried for ever.
RESEND_ROUNDS = 3


@dataclass
class NotifySettings(Section):
    webhook_url: str = setting("", "POST a JSON message here on each transition (empty: off).")
    smtp_host: str = setting("", "SMTP server for e-mail notifications (empty: off).")
    smtp_port: int = setting(25, "SMTP port.")
    smtp_from: str = setting("archiver@localhost", "Sender address.")
    smtp_to: list[str] = setting([], "Recipients.")
    blocked_after_hours: float = setting(168.0, "Notify when a citation stays blocked this many hours (at most 87600: ten years).")
    retries: int = setting(3, "Delivery tries (1 to 20) per notification and channel in each cycle that sends it "
                         f"(an undelivered one is handed over by at most {RESEND_ROUNDS} cycles in all).")
    timeout: float = setting(10.0, "Seconds per delivery attempt; at most 86400 (a day).")


@dataclass
class WaybackSettings(Section):
    enabled: bool = setting(False, "Look up the Wayback Machine copy closest to the first capture.")
    endpoint: str = setting("https://archive.org/wayback/available", "Availability API endpoint.")
    timeout: float = setting(10.0, "Seconds per lookup; at most 86400 (a day).")


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
    """Best-effort line number of *key* (inside *section*) in TOML *text*: under a
    ``[section]`` header, as a dotted key (``section.key = ...``, ``key.sub = ...``)
    or a table of its own (``[section.key]``); else the line of an inline table
    that holds it (``section = { key = ... }``)."""
    table: list[str] = []
    wanted = [key] if section is None else [section, key]
    inline: int | None = None
    for no, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        header = _TOML_HEADER.match(stripped)
        if header:
            table = _dotted(header.group(1))
            if table[:len(wanted)] == wanted:
                return no
            continue
        assigned = _TOML_KEY.match(stripped)
        if assigned and [*table, *_dotted(assigned.group(1))][:len(wanted)] == wanted:
            return no
        if assigned and section is not None and [*table, *_dotted(assigned.group(1))] \
                == [section]:  # an inline table, "fetch = { timeout = -1 }": its line
            inline = no
    return inline if section is not None else None


_TOML_HEADER = re.compile(r"^\[\[?\s*([^\]]+?)\s*\]")
_TOML_KEY = re.compile(r"^([A-Za-z0-9_\-\"'. ]+?)\s*=")


def _dotted(key: str) -> list[str]:
    """The parts of a TOML key (``a.b``, ``"a".b``), unquoted."""
    return [part.strip().strip("\"'") for part in key.split(".")]


def _fits_64_bits(value: int) -> bool:
    """TOML integers are 64-bit; ``tomllib`` reads longer ones all the same."""
    return -(2**63) <= value < 2**63


def _coerce(value: Any, target: Any, where: str) -> Any:
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if target is bool:
        if isinstance(value, bool):
            return value
        raise ValueError(f"{where} must be true or false, not {shown(value)}")
    if target is int:
        if number and isinstance(value, int):
            if not _fits_64_bits(value):
                raise ValueError(f"{where} must be a 64-bit whole number, not {shown(value)}")
            return value
        raise ValueError(f"{where} must be a whole number, not {shown(value)}")
    if target is float:
        if number:
            if (isinstance(value, int) and not _fits_64_bits(value)) or \
                    (isinstance(value, float) and not math.isfinite(value)):
                raise ValueError(f"{where} must be a finite number, not {shown(value)}")
            return float(value)
        raise ValueError(f"{where} must be a number, not {shown(value)}")
    if target is str:
        if isinstance(value, str):
            return value
        raise ValueError(f"{where} must be a string, not {shown(value)}")
    if target == list[str]:
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return value
        raise ValueError(f"{where} must be a list of strings, not {shown(value)}")
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
    for section in sections:
        target = getattr(settings, section)
        values = data.get(section, {})
        known = {f.name: f for f in dataclasses.fields(target)}
        lines: dict[str, int] = {}
        for key, value in values.items():
            line = _line_of(text, key, section)
            if key not in known:
                raise SettingsError(
                    f"unknown setting {section}.{key} (known: {', '.join(sorted(known))})",
                    path=path, line=line,
                )
            ftype = known[key].type
            typ = _TYPES.get(ftype if isinstance(ftype, str) else getattr(ftype, "__name__", ""))
            try:
                setattr(target, key, _coerce(value, typ, f"{section}.{key}"))
            except ValueError as exc:
                raise SettingsError(str(exc), path=path, line=line) from None
            if line is not None:
                lines[key] = line
        target._read_from(path, lines)
    _validate(settings)
    return settings


def _printable_ascii(text: str) -> bool:
    return bool(text) and all(" " <= ch <= "~" for ch in text)


def _checks(s: Settings) -> list[tuple[bool, str, str]]:
    """(valid, ``section.key``, what it must be) of every range check made at load."""
    f, c, w, n, sc = s.fetch, s.check, s.warc, s.notify, s.schedule
    day = "at most 86400 (a day)"
    return [
        # the worker's settings too: `run` and `check` read the same file, and
        # one they take is not refused later by the worker that cron starts
        (not n.webhook_url or http_url(n.webhook_url), "notify.webhook_url",
         "must be an absolute http(s) URL"),
        (1 <= n.smtp_port <= 65535, "notify.smtp_port", "must be between 1 and 65535"),
        (1 <= n.retries <= 20, "notify.retries", "must be between 1 and 20"),
        (0 < n.timeout <= DAY, "notify.timeout", f"must be positive and {day}"),
        (0 <= n.blocked_after_hours <= 87600, "notify.blocked_after_hours",
         "must not be negative and at most 87600 (ten years)"),
        (0 <= sc.jitter <= DAY, "schedule.jitter", f"must not be negative and {day}"),
        (0 < sc.misfire_grace <= MAX_MISFIRE_GRACE, "schedule.misfire_grace",
         "must be positive and at most 31622400 (366 days)"),
        (0 < f.timeout <= DAY, "fetch.timeout", f"must be positive and {day}"),
        (0 < f.connect_timeout <= DAY, "fetch.connect_timeout", f"must be positive and {day}"),
        (f.max_bytes > 0, "fetch.max_bytes", "must be positive"),
        (0 <= f.max_hops <= 50, "fetch.max_hops", "must be between 0 and 50"),
        (f.concurrency >= 1, "fetch.concurrency", "must be at least 1"),
        (f.per_host_concurrency >= 1, "fetch.per_host_concurrency", "must be at least 1"),
        (0 <= f.per_host_delay <= DAY, "fetch.per_host_delay", f"must not be negative and {day}"),
        (1 <= f.retries <= 20, "fetch.retries", "must be between 1 and 20"),
        (0 <= f.backoff <= DAY, "fetch.backoff", f"must not be negative and {day}"),
        (0 <= f.max_retry_after <= DAY, "fetch.max_retry_after", f"must not be negative and {day}"),
        (_printable_ascii(f.user_agent), "fetch.user_agent",
         "must be printable ASCII, without control characters (and not empty)"),
        (f.max_decoded_bytes > 0, "fetch.max_decoded_bytes", "must be positive"),
        (c.dead_after_failures >= 1, "check.dead_after_failures", "must be at least 1"),
        (c.dead_after_hours >= 0, "check.dead_after_hours", "must not be negative"),
        (c.date_tolerance_days >= 0, "check.date_tolerance_days", "must not be negative"),
        *((0 <= getattr(c, key) <= 1, f"check.{key}", "must be between 0 and 1")
          for key in ("probe_similarity", "drift_headline_similarity",
                      "drift_text_similarity", "moved_text_similarity")),
        (-1 <= c.processes <= 64, "check.processes", "must be between -1 and 64"),
        (w.max_file_bytes >= 1024, "warc.max_file_bytes", "must be at least 1024"),
        (1 <= w.compression_level <= 9, "warc.compression_level", "must be between 1 and 9"),
        (bool(re.fullmatch(r"[A-Za-z0-9_.-]+", w.prefix)), "warc.prefix",
         "may only hold letters, digits, '_', '.', '-'"),
        # a file name holds 255 bytes; the prefix's file's name adds 46 to it
        (len(w.prefix) <= MAX_PREFIX, "warc.prefix", f"may hold at most {MAX_PREFIX} characters"),
        (0 < s.wayback.timeout <= DAY, "wayback.timeout", f"must be positive and {day}"),
        # (checked when the lookup is off too: a file is not refused the day it is turned on)
        (http_url(s.wayback.endpoint), "wayback.endpoint", "must be an absolute http(s) URL"),
    ]


#: The most seconds ``schedule.misfire_grace`` may be: 366 days.
MAX_MISFIRE_GRACE = 366 * DAY


def http_url(value: str) -> bool:
    """True when *value* is an absolute http(s) URL with a host (and a valid port)."""
    try:  # (a bracketed host left open, a port out of range: ValueError)
        parts = urllib.parse.urlsplit(value)
        return parts.scheme in ("http", "https") and bool(parts.hostname) \
            and (parts.port is None or 0 < parts.port)
    except ValueError:
        return False


#: Characters of ``warc.prefix``, at most.
MAX_PREFIX = 100


def _validate(s: Settings) -> None:
    """Refuse a value out of its range, naming the file and line it was read from."""
    for ok, name, rule in _checks(s):
        if not ok:
            section_name, key = name.split(".")
            section: Section = getattr(s, section_name)
            raise section.error(f"{name} {rule}, not {shown(getattr(section, key))}", key)


#: A settings file longer than this is refused unread: one is a few kB, and tomllib
#: takes minutes over some long inputs (a key of 100,000 dotted parts).
MAX_SETTINGS_BYTES = 64 * 1024


def _read(path: Path) -> str | None:
    """The text of the settings file, None when there is none; unreadable: SettingsError.

    A symbolic link that leads nowhere (or round in a loop) is not absent: it
    is refused, as a folder, a device or an unreadable file is.
    """
    try:
        return read_file(path, MAX_SETTINGS_BYTES).decode("utf-8")
    except NotAFile:
        raise SettingsError("cannot read settings: not a regular file", path=path) from None
    except TooLarge:
        raise SettingsError(f"cannot read settings: longer than {MAX_SETTINGS_BYTES} bytes",
                            path=path) from None
    except FileNotFoundError:
        if not path.is_symlink():
            return None
        raise SettingsError("cannot read settings: a symbolic link to a missing file",
                            path=path) from None
    except OSError as exc:
        raise SettingsError(f"cannot read settings: {exc.strerror or exc}", path=path) from None
    except UnicodeDecodeError as exc:
        raise SettingsError(f"cannot read settings: not UTF-8 ({exc.reason} at byte "
                            f"{exc.start})", path=path) from None


def load(path: Path | None) -> Settings:
    """Settings from *path* (a TOML file) over the defaults; defaults when there is none."""
    settings = Settings()
    text = _read(path) if path is not None else None
    if path is None or text is None:
        return settings
    try:
        data = tomllib.loads(text)
    except (ValueError, RecursionError) as exc:  # TOMLDecodeError, an over-long or too deep value
        m = re.search(r"line (\d+)", str(exc))
        raise SettingsError(f"not valid TOML: {exc}", path=path,
                            line=int(m.group(1)) if m else None) from None
    return apply(settings, data, path, text)


def settings_path_for(sources: Path) -> Path:
    """The settings file that belongs to a sources file (same folder)."""
    return sources.parent / SETTINGS_FILENAME
