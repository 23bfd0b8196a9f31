"""The Wayback Machine's copy of a cited page, closest to our first capture.

When a citation breaks, editors want a replacement link. Our own archived copy
comes first (see :mod:`archiver.web`); the Internet Archive's copy is a second,
independent witness. This module asks the Wayback Machine *availability API*::

    GET https://archive.org/wayback/available?url=URL&timestamp=YYYYMMDDhhmmss

which answers with the snapshot closest to ``timestamp``::

    {"url": "example.com",
     "archived_snapshots": {"closest": {
         "status": "200", "available": true, "timestamp": "20130919044612",
         "url": "http://web.archive.org/web/20130919044612/http://example.com/"}}}

or ``{"archived_snapshots": {}}`` when there is none.

The lookup is off by default (``[wayback] enabled = false``): it sends the cited
URLs to a third party, which an organisation must decide to allow. It never
raises: any failure (network, status, JSON, shape) is logged and gives ``None``,
because a missing second witness must never break a report. Nor may it hold
one up: a lookup is given up once ``wayback.timeout`` has passed (an endpoint
that answers a byte at a time too), and after :data:`GIVE_UP_AFTER` lookups
in a row failed, the report's other URLs are not looked up.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import threading
import time
from typing import Any

import httpx

from .settings import WaybackSettings
from .store import iso, parse_iso

LOGGER = logging.getLogger(__name__)

_TIMESTAMP = re.compile(r"^\d{14}$")
_MAX_RESPONSE_BYTES = 256 * 1024
#: Lookups failed in a row (no answer, an error) after which a report's other
#: URLs are not looked up: the endpoint is down, and each would cost the timeout.
GIVE_UP_AFTER = 3


class _Failed(Exception):
    """A lookup that got no usable answer (as opposed to an answer of no snapshot)."""


def wayback_timestamp(when: dt.datetime) -> str:
    """``YYYYMMDDhhmmss`` in UTC (naive datetimes are taken as UTC)."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.astimezone(dt.UTC).strftime("%Y%m%d%H%M%S")


#: An archived copy's URL: http(s), with no space, control character, quote or
#: angle bracket (what a report could not write as one link).
_SNAPSHOT_URL = re.compile(r"https?://[^\s<>\"'`\\\x00-\x1f\x7f-\x9f]+", re.IGNORECASE)


def parse_availability(data: Any) -> dict[str, Any] | None:
    """The usable closest snapshot in an availability API answer, or ``None``.

    A snapshot is usable when it is marked available, its archived URL is
    http(s), its timestamp has 14 digits, and its recorded status is a success
    or a redirect (a captured 404 is no replacement).
    """
    if not isinstance(data, dict):
        return None
    snapshots = data.get("archived_snapshots")
    if not isinstance(snapshots, dict):
        return None
    snap = snapshots.get("closest")
    if not isinstance(snap, dict) or snap.get("available") is not True:
        return None
    url = snap.get("url")
    ts = snap.get("timestamp")
    status = str(snap.get("status") or "")
    if not isinstance(url, str) or not _SNAPSHOT_URL.fullmatch(url):
        return None
    if not isinstance(ts, str) or not _TIMESTAMP.match(ts):
        return None
    if not (status.startswith("2") or status.startswith("3")):
        return None
    try:
        captured = iso(dt.datetime.strptime(ts, "%Y%m%d%H%M%S").replace(tzinfo=dt.UTC))
    except ValueError:
        return None
    return {"url": url, "timestamp": ts, "status": status, "available": True,
            "captured_at": captured}


def _client(settings: WaybackSettings) -> httpx.Client:
    return httpx.Client(timeout=settings.timeout, follow_redirects=False, trust_env=False)


def closest(url: str, when: dt.datetime, settings: WaybackSettings,
            client: httpx.Client | None = None) -> dict[str, Any] | None:
    """The Wayback Machine snapshot of *url* closest to *when*, or ``None``.

    Returns ``{"url", "timestamp", "status", "available", "captured_at"}``.
    Sends nothing when ``settings.enabled`` is false. Never raises.
    """
    if not settings.enabled:
        return None
    try:
        return _lookup(url, when, settings, client)
    except _Failed:
        return None


def _lookup(url: str, when: dt.datetime, settings: WaybackSettings,
            client: httpx.Client | None) -> dict[str, Any] | None:
    """:func:`closest`, raising :class:`_Failed` when the lookup failed or took
    longer than ``settings.timeout`` in all (httpx bounds each wait only: a
    server that sends its head a byte at a time is waited for in a thread of
    its own, left to end by itself)."""
    answer: list[dict[str, Any] | None] = []
    failure: list[BaseException] = []

    def ask() -> None:
        try:
            answer.append(_ask(url, when, settings, client))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
            failure.append(exc)

    thread = threading.Thread(target=ask, name="wayback lookup", daemon=True)
    thread.start()
    thread.join(settings.timeout)
    if thread.is_alive():
        LOGGER.info("wayback lookup of %s: no whole answer within %s s", url, settings.timeout)
        raise _Failed()
    if failure:
        raise failure[0]
    return answer[0]


def _ask(url: str, when: dt.datetime, settings: WaybackSettings,
         client: httpx.Client | None) -> dict[str, Any] | None:
    """One lookup, in the thread of :func:`_lookup`."""
    params = {"url": url, "timestamp": wayback_timestamp(when)}
    deadline = time.monotonic() + settings.timeout
    own_client = client is None
    try:
        if client is None:
            client = _client(settings)
        try:
            with client.stream("GET", settings.endpoint, params=params,
                               timeout=settings.timeout,
                               headers={"Accept": "application/json"}) as response:
                if response.status_code != 200:
                    LOGGER.info("wayback lookup of %s: HTTP %s", url, response.status_code)
                    raise _Failed()
                body = b""
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > _MAX_RESPONSE_BYTES:
                        LOGGER.info("wayback lookup of %s: answer too long", url)
                        raise _Failed()
                    # each read waits the timeout at most; past the deadline the
                    # lookup has given up on this thread (and said so): it ends
                    if time.monotonic() > deadline:
                        raise _Failed()
        finally:
            if own_client:
                client.close()
        return parse_availability(json.loads(body.decode("utf-8")))
    except _Failed:
        raise
    except (httpx.HTTPError, ValueError, UnicodeDecodeError, OSError) as exc:
        LOGGER.info("wayback lookup of %s failed: %s", url, type(exc).__name__)
        raise _Failed() from None
    except Exception:  # noqa: BLE001 - a second witness must never break a report
        LOGGER.exception("wayback lookup of %s failed unexpectedly", url)
        raise _Failed() from None


def _when_of(result: dict[str, Any], checked_at: str | None) -> dt.datetime:
    for value in (result.get("first_captured"), checked_at):
        if isinstance(value, str):
            try:
                when = parse_iso(value)  # None when empty
            except ValueError:
                continue
            if when is not None:
                return when if when.tzinfo else when.replace(tzinfo=dt.UTC)
    return dt.datetime.now(dt.UTC)


def add_wayback(report: dict[str, Any], settings: WaybackSettings,
                client: httpx.Client | None = None) -> dict[str, Any]:
    """Fill ``report["results"][i]["wayback"]`` (a snapshot or ``None``); returns *report*.

    One lookup per distinct URL, near its first capture (or the check time).
    Nothing is looked up, and no key is added, when the lookup is disabled.
    """
    if not settings.enabled:
        return report
    own_client = client is None
    if client is None:
        client = _client(settings)
    try:
        found: dict[str, dict[str, Any] | None] = {}
        failed = 0  # lookups failed in a row
        for result in report.get("results", []):
            url = result.get("url")
            if not isinstance(url, str):
                continue
            if url not in found:
                if failed >= GIVE_UP_AFTER:
                    found[url] = None
                else:
                    try:
                        found[url] = _lookup(url, _when_of(result, report.get("checked_at")),
                                             settings, client)
                        failed = 0
                    except _Failed:
                        found[url] = None
                        failed += 1
                        if failed == GIVE_UP_AFTER:
                            LOGGER.warning("wayback: %d lookups failed in a row; the other "
                                           "URLs of this report are not looked up",
                                           GIVE_UP_AFTER)
            result["wayback"] = found[url]
    finally:
        if own_client:
            client.close()
    return report
