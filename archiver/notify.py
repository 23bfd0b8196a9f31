"""Notifications to editors: a webhook (JSON POST) and e-mail (SMTP, plain text).

Both channels are optional: an empty ``notify.webhook_url`` turns the webhook
off, an empty ``notify.smtp_host`` turns e-mail off. What is sent:

* a citation's status changed into ``dead``, ``soft-404`` or ``drifted``;
* a citation has stayed ``blocked`` longer than ``notify.blocked_after_hours``
  (once per blocked spell).

Which notifications a cycle produces, and when an undelivered one is sent
again, is decided in ``schedule.py``; this module only delivers them. Delivery
never blocks a cycle and never raises: a :class:`Notifier` hands each
notification to one background thread per channel (a slow webhook does not hold
up the e-mail), which tries it up to ``notify.retries`` times with a doubling
backoff and a ``notify.timeout`` per attempt: one deadline for the whole
attempt (looking the host's name up, connecting, sending, and every read of
the answer), not a limit on
each read, which a receiver that answers a byte at a time, or an SMTP server
whose reply runs to line after line, never reaches. The ``notifications`` table
records, through :meth:`~archiver.store.Store.record_notification`, a
notification handed over to a channel (``attempts`` = 0, ``error`` =
``queued``, written by the worker before the hand-over) and every attempt
(delivered or not, with the error). A dead receiver costs at most
``retries × (timeout + backoff)`` seconds of its channel's thread. What is still
undelivered when the process exits is logged and left to the next cycle of a
worker, which sends it again (see :func:`pending_notifications`).

The webhook body::

    {"event": "status-changed",          # or "still-blocked"
     "kind": "dead",                     # the status notified about
     "event_id": "2016-05-01-malaysia",  # the report's event citing the URL
     "url": "https://...", "old_status": "alive", "new_status": "dead",
     "reason": "404 Not Found", "time": "2026-11-25T14:00:00Z",
     "report_title": "Taiwanese extradited to the PRC"}

The webhook URL is the operator's own endpoint, not an archived source: it is
posted to with a plain ``httpx.Client`` (``trust_env=False``, no redirects), not
through the archive's fetcher and its network policy.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import email.utils
import functools
import logging
import queue
import smtplib
import socket
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpcore
import httpx

from . import SOFTWARE
from .deadline import Deadline, DeadlineSocket, LookedUp, lookup
from .settings import DAY, RESEND_ROUNDS, NotifySettings, http_url, shown
from .store import Store, iso, now_utc, parse_iso
from .storeopen import open_store

LOGGER = logging.getLogger(__name__)

#: Statuses whose arrival is notified.
NOTIFY_STATUSES = frozenset({"dead", "soft-404", "drifted"})
BLOCKED = "blocked"
#: The ``error`` of the row that records a hand-over to a channel (``attempts`` = 0).
QUEUED = "queued"


@dataclass(frozen=True)
class Notification:
    """One thing editors should hear about."""

    kind: str  # the status notified about: dead, soft-404, drifted or blocked
    event_id: str
    url: str
    old_status: str | None
    new_status: str
    reason: str
    at: dt.datetime  # when the status changed (for blocked: since when it is blocked)
    report_title: str | None = None
    #: the channels to deliver over ("webhook", "email"); empty: every configured one
    channels: tuple[str, ...] = ()

    @property
    def key(self) -> tuple[str, str, str, str]:
        """What it is about: event, URL, kind and the time of the change (or spell)."""
        return (self.event_id, self.url, self.kind, iso(self.at) or "")

    @property
    def event(self) -> str:
        return "still-blocked" if self.kind == BLOCKED else "status-changed"

    def payload(self) -> dict[str, Any]:
        """The webhook's JSON body."""
        return {
            "event": self.event, "kind": self.kind, "event_id": self.event_id,
            "url": self.url, "old_status": self.old_status, "new_status": self.new_status,
            "reason": self.reason, "time": iso(self.at), "report_title": self.report_title,
        }

    def subject(self) -> str:
        # on one line: a YAML folded title ends with a line break, which no
        # header may hold (every e-mail failed)
        title = f"[{' '.join(self.report_title.split())}] " if self.report_title else ""
        if self.kind == BLOCKED:
            return f"{title}citation still blocked: {self.url}"
        return f"{title}citation {self.new_status}: {self.url}"

    def text(self) -> str:
        """The e-mail's plain-text body."""
        lines = [
            f"Report: {self.report_title or '(untitled)'}",
            f"Event: {self.event_id}",
            f"URL: {self.url}",
        ]
        if self.kind == BLOCKED:
            lines.append(f"Status: blocked since {iso(self.at)}")
        else:
            lines.append(f"Status: {self.old_status or '(first check)'} -> {self.new_status}"
                         f" at {iso(self.at)}")
        lines += [f"Reason: {self.reason}", "",
                  "The archived copy stays available: archiver get URL", ""]
        return "\n".join(lines)


@dataclass
class Attempt:
    """One delivery attempt over one channel."""

    channel: str  # "webhook" | "email"
    number: int  # 1, 2, ...
    delivered: bool
    error: str | None


def validate(settings: NotifySettings) -> None:
    """Refuse settings that cannot work (a webhook that is not http(s), mail without recipients).

    Each refusal names the settings file and the line of the setting (when read from one).
    """
    if settings.webhook_url:
        if not http_url(settings.webhook_url):
            raise settings.error(f"notify.webhook_url must be an absolute http(s) URL, not "
                                 f"{shown(settings.webhook_url)}", "webhook_url")
    if settings.smtp_host and not settings.smtp_to:
        raise settings.error("notify.smtp_to must list at least one recipient when "
                             "notify.smtp_host is set", "smtp_to", "smtp_host")
    if not 1 <= settings.smtp_port <= 65535:
        raise settings.error(f"notify.smtp_port must be between 1 and 65535, not "
                             f"{settings.smtp_port}", "smtp_port")
    if not 1 <= settings.retries <= 20:
        raise settings.error(f"notify.retries must be between 1 and 20, not {settings.retries}",
                             "retries")
    if not 0 < settings.timeout <= DAY:
        raise settings.error(f"notify.timeout must be positive and at most 86400 (a day), not "
                             f"{settings.timeout!r}", "timeout")
    if not 0 <= settings.blocked_after_hours <= 87600:
        raise settings.error(f"notify.blocked_after_hours must not be negative and at most "
                             f"87600 (ten years), not {settings.blocked_after_hours!r}",
                             "blocked_after_hours")


def enabled(settings: NotifySettings) -> bool:
    return bool(settings.webhook_url or settings.smtp_host)


def send_webhook(settings: NotifySettings, note: Notification) -> None:
    """POST *note* as JSON; raises on a transport error or a non-2xx answer, and
    when the attempt lasts longer than ``notify.timeout``.

    The attempt runs on an event loop of its own under one deadline: httpx
    applies its timeout to each read, so a receiver that sent its head a byte
    at a time held an attempt for as long as it liked. Only the status is read,
    not the answer's body (which a receiver may never end)."""
    deadline = Deadline(settings.timeout, "webhook")
    status, reason = asyncio.run(_post(settings, note, deadline))
    if not 200 <= status < 300:
        raise RuntimeError(f"webhook answered {status} {reason}".rstrip())


async def _post(settings: NotifySettings, note: Notification,
                deadline: Deadline) -> tuple[int, str]:
    transport = httpx.AsyncHTTPTransport(trust_env=False)
    # httpx has no parameter for the network backend: its pool, with one that
    # looks the host up under the deadline
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=transport._pool._ssl_context, network_backend=LookedUp(deadline))
    try:
        async with asyncio.timeout(deadline.left()), \
                httpx.AsyncClient(transport=transport, timeout=settings.timeout,
                                  follow_redirects=False,
                                  headers={"User-Agent": f"{SOFTWARE} notifications"}
                                  ) as client, \
                client.stream("POST", settings.webhook_url, json=note.payload()) as response:
            return response.status_code, response.reason_phrase
    except TimeoutError:  # (asyncio's: httpx's own are httpx.TimeoutException)
        raise deadline.expired() from None


class _SMTP(smtplib.SMTP):
    """smtplib's client within one deadline: it reads a reply line by line, as
    many as the server sends, each read under the socket's timeout, so a
    greeting of endless ``220-`` lines held the channel for as long as it went
    on. Here the socket's every read waits only for the time left."""

    def __init__(self, host: str, port: int, deadline: Deadline) -> None:
        self.deadline = deadline
        super().__init__(host, port, timeout=deadline.left())

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        error: OSError | None = None
        for family, kind, proto, _, address in lookup(host, port, self.deadline):
            sock = DeadlineSocket(family, kind, proto)
            sock.deadline = self.deadline
            try:
                sock.settimeout(self.deadline.left())
                if self.source_address:
                    sock.bind(self.source_address)
                sock.connect(address)
            except OSError as exc:
                sock.close()
                if self.deadline.passed:
                    raise self.deadline.expired() from exc
                error = exc
            else:
                return sock
        raise error or OSError(f"{host}: no address to connect to")


def send_email(settings: NotifySettings, note: Notification) -> None:
    """Send *note* as a plain-text e-mail; raises on any SMTP or socket error,
    and when the attempt lasts longer than ``notify.timeout``."""
    msg = EmailMessage()
    msg["From"] = settings.smtp_from
    msg["To"] = ", ".join(settings.smtp_to)
    msg["Subject"] = note.subject()
    # required by RFC 5322 (Date), and what threads and deduplicates it (Message-ID)
    msg["Date"] = email.utils.formatdate(usegmt=True)
    msg["Message-ID"] = email.utils.make_msgid(
        domain=settings.smtp_from.rpartition("@")[2] or "localhost")
    msg.set_content(note.text())
    deadline = Deadline(settings.timeout, "e-mail")
    try:
        with _SMTP(settings.smtp_host, settings.smtp_port, deadline) as smtp:
            smtp.send_message(msg)
    except (OSError, smtplib.SMTPServerDisconnected) as exc:
        if deadline.passed:  # (smtplib says "Connection unexpectedly closed: ...")
            raise deadline.expired() from exc
        raise


Sender = Callable[[NotifySettings, Notification], None]


def channels(settings: NotifySettings) -> list[tuple[str, Sender]]:
    out: list[tuple[str, Sender]] = []
    if settings.webhook_url:
        out.append(("webhook", send_webhook))
    if settings.smtp_host:
        out.append(("email", send_email))
    return out


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def deliver(settings: NotifySettings, note: Notification, *, backoff: float = 1.0,
            record: Callable[[Attempt], None] | None = None,
            stopping: threading.Event | None = None,
            only: str | None = None) -> list[Attempt]:
    """Deliver *note* over every configured channel (or only the one named *only*:
    :class:`Notifier` picks *note*'s channels), with retries. Never raises.

    Each attempt is passed to *record* as it ends. Waits between tries are
    ``backoff``, ``2 × backoff``, ...; they are cut short when *stopping* is set
    (the remaining tries then run at once).
    """
    attempts: list[Attempt] = []
    for name, sender in channels(settings):
        if only is not None and name != only:
            continue
        for number in range(1, settings.retries + 1):
            try:
                sender(settings, note)
            except Exception as exc:  # any failure of the receiver is only an undelivered try
                attempt = Attempt(name, number, False, _describe(exc))
            else:
                attempt = Attempt(name, number, True, None)
            attempts.append(attempt)
            if record is not None:
                try:
                    record(attempt)
                except Exception:
                    LOGGER.exception("cannot record a notification attempt")
            if attempt.delivered:
                LOGGER.info("notified %s by %s: %s %s", note.kind, name, note.event_id, note.url)
                break
            if number < settings.retries:
                wait = backoff * 2 ** (number - 1)
                if stopping is not None:
                    stopping.wait(wait)
                else:
                    time.sleep(wait)
            else:
                LOGGER.warning("could not notify %s by %s after %d tries: %s", note.url, name,
                               number, attempt.error)
    return attempts


def attempt_row(note: Notification, attempt: Attempt) -> dict[str, Any]:
    """The ``notifications`` table row of one attempt."""
    return {"at": iso(now_utc()), "channel": attempt.channel, "event_id": note.event_id,
            "url": note.url, "kind": note.kind, "delivered": int(attempt.delivered),
            "attempts": attempt.number, "error": attempt.error}


def queued_row(note: Notification, channel: str) -> dict[str, Any]:
    """The ``notifications`` row of *note* handed over to *channel*, not attempted yet."""
    return attempt_row(note, Attempt(channel, 0, False, QUEUED))


def _record_attempt(store: Store | None, note: Notification, attempt: Attempt) -> None:
    if store is not None:
        store.record_notification(attempt_row(note, attempt))


class Notifier:
    """Delivers notifications in one background thread per channel, recording every attempt.

    ``send`` returns at once. ``close`` lets the queues drain for at most
    *drain_timeout* seconds; what is still undelivered then is logged, and the
    (daemon) threads are left to end with the process.
    """

    def __init__(self, settings: NotifySettings, archive: Path, *, backoff: float = 1.0,
                 drain_timeout: float = 30.0) -> None:
        self.settings = settings
        self.archive = archive
        self.backoff = backoff
        self.drain_timeout = drain_timeout
        self.channels = [name for name, _ in channels(settings)]
        self._queues: dict[str, queue.Queue[Notification | None]] = {
            name: queue.Queue() for name in self.channels}
        self._threads: dict[str, threading.Thread] = {}
        self._stopping = threading.Event()
        self._hurry = threading.Event()  # a stop asked for again: the drain is cut short
        self._lock = threading.Lock()
        self._open_lock = threading.Lock()
        self._in_flight: set[tuple[str, str, str, str, str]] = set()
        self.sent = 0  # deliveries (a notification over one channel) handed over
        self.done = 0  # deliveries that ended (delivered or given up)

    @property
    def enabled(self) -> bool:
        return enabled(self.settings)

    def targets(self, note: Notification) -> list[str]:
        """The configured channels *note* is to be delivered over."""
        return [name for name in self.channels if not note.channels or name in note.channels]

    def in_flight(self) -> set[tuple[str, str, str, str, str]]:
        """``note.key + (channel,)`` of every delivery handed over and not ended yet."""
        with self._lock:
            return set(self._in_flight)

    def send(self, note: Notification) -> None:
        """Queue *note* for delivery (a no-op when no channel is configured)."""
        for name in self.targets(note):
            with self._lock:
                if name not in self._threads:
                    thread = threading.Thread(target=self._run, args=(name,),
                                              name=f"archiver-notify-{name}", daemon=True)
                    self._threads[name] = thread
                    thread.start()
                self.sent += 1
                self._in_flight.add((*note.key, name))
            self._queues[name].put(note)

    def _run(self, channel: str) -> None:
        store: Store | None = None
        try:
            with self._open_lock:  # one at a time: the first may create the database
                store = open_store(self.archive)
        except Exception:
            LOGGER.exception("notifications: cannot open the archive database; attempts "
                             "will not be recorded")
        try:
            while True:
                note = self._queues[channel].get()
                if note is None:
                    return
                try:
                    deliver(self.settings, note, backoff=self.backoff,
                            record=functools.partial(_record_attempt, store, note),
                            stopping=self._stopping, only=channel)
                finally:
                    with self._lock:
                        self.done += 1
                        self._in_flight.discard((*note.key, channel))
        finally:
            if store is not None:
                store.close()

    def close(self, timeout: float | None = None) -> bool:
        """Finish the queued deliveries (bounded); True when all of them ended."""
        with self._lock:
            threads = list(self._threads.items())
        if not threads:
            return True
        for name, _ in threads:
            self._queues[name].put(None)
        finished = _join_all(threads, self.drain_timeout if timeout is None else timeout,
                             until=self._hurry)
        if not finished:
            self._stopping.set()  # skip the remaining backoff waits
            finished = _join_all(threads, 1.0 if self._hurry.is_set()
                                 else min(5.0, self.settings.timeout))
        if not finished:
            with self._lock:
                left, sent = self.sent - self.done, self.sent
            LOGGER.warning("notifications: %d of %d deliveries still undelivered at exit; "
                           "the next cycle of a worker sends them again", left, sent)
        return finished


    def hurry(self) -> None:
        """Cut the drain of :meth:`close` short (a stop asked for again): the
        deliveries in progress get a second to end; the others are left to the
        next cycle. Safe to call from a signal handler."""
        self._hurry.set()


def _join_all(threads: list[tuple[str, threading.Thread]], seconds: float,
              until: threading.Event | None = None) -> bool:
    """Wait at most *seconds* in all for *threads* to end, or until *until* is
    set; True when all have ended."""
    deadline = time.monotonic() + seconds
    for _, thread in threads:
        while thread.is_alive() and (until is None or not until.is_set()):
            left = deadline - time.monotonic()
            if left <= 0:
                break
            thread.join(min(left, 0.2))
    return not any(thread.is_alive() for _, thread in threads)


# --------------------------------------------------------------------------
# which notifications a cycle produces


_History = dict[tuple[str, str, str, str], list[dict[str, object]]]


def _history(store: Store) -> _History:
    """The ``notifications`` rows by (event_id, url, kind, channel)."""
    out: _History = {}
    for row in store.notifications():
        out.setdefault((row["event_id"], row["url"], row["kind"], row["channel"]), []).append(row)
    return out


def _channels_due(history: _History, key: tuple[str, str, str, str], channels: Sequence[str],
                  *, fresh: bool, queued: set[tuple[str, str, str, str, str]]) -> tuple[str, ...]:
    """The channels over which the notification *key* (event_id, url, kind, time) is due."""
    event_id, url, kind, at_text = key
    at = parse_iso(at_text)
    out: list[str] = []
    for channel in channels:
        if (*key, channel) in queued:
            continue
        rows = [r for r in history.get((event_id, url, kind, channel), ())
                if at is not None and (when := parse_iso(str(r["at"]))) is not None
                and when >= at]
        if any(r["delivered"] for r in rows):
            continue
        rounds = max(sum(1 for r in rows if r["error"] == QUEUED and not r["attempts"]),
                     sum(1 for r in rows if r["attempts"] == 1))
        if rounds >= RESEND_ROUNDS:
            continue
        if fresh or rows:
            out.append(channel)
    return tuple(out)


def pending_notifications(store: Store, *, cycle_started: dt.datetime, channels: Sequence[str],
                          blocked_after_hours: float, report_title: str | None,
                          queued: set[tuple[str, str, str, str, str]],
                          now: dt.datetime | None = None) -> list[Notification]:
    """What to notify, and over which of *channels*, after a cycle that started at *cycle_started*.

    * every transition into dead / soft-404 / drifted recorded since the cycle
      started (a resumed cycle included: transitions committed before a crash
      are notified after it);
    * every active citation blocked for longer than *blocked_after_hours*,
      once per blocked spell (a spell starts at the citation's ``since``);
    * sent again: an older transition that a worker already handed over (the
      ``notifications`` table has a row for it on that channel) but that was
      never delivered there: never attempted (the process ended first) or
      every attempt failed.

    A notification is due on a channel only while its status is still the
    citation's current status (a citation alive again is not reported dead
    late), only until it is delivered on that channel (never twice), and for
    at most :data:`RESEND_ROUNDS` hand-overs to that channel (a dead receiver
    is given up). An older transition with no row at all is never sent: the
    transitions that ``archiver run`` (which does not notify) recorded before
    a worker's first cycle, or on a channel added since, do not flood editors.

    *queued* holds ``Notification.key + (channel,)`` of the deliveries in flight
    in this process (:meth:`~archiver.notify.Notifier.in_flight`); new ones are
    added to it. Each returned notification names its channels.
    """
    now = now or now_utc()
    out: list[Notification] = []
    history = _history(store)
    active = {(c["event_id"], c["url"]): c for c in store.citations()}

    def add(note: Notification, fresh: bool) -> None:
        due = _channels_due(history, note.key, channels, fresh=fresh, queued=queued)
        if due:
            queued.update((*note.key, channel) for channel in due)
            out.append(dataclasses.replace(note, channels=due))

    for row in store.transitions_to(NOTIFY_STATUSES):
        at = parse_iso(row["at"])
        c = active.get((row["event_id"], row["url"]))
        if at is None or c is None or c["status"] != row["to_status"] \
                or c["since"] != row["at"]:
            continue  # not (or no longer) the citation's status
        add(Notification(kind=row["to_status"], event_id=row["event_id"], url=row["url"],
                         old_status=row["from_status"], new_status=row["to_status"],
                         reason=row["reason"] or "", at=at, report_title=report_title),
            fresh=at >= cycle_started)
    limit = dt.timedelta(hours=blocked_after_hours)
    for (event_id, url), c in active.items():
        since = parse_iso(c["since"])
        if c["status"] != BLOCKED or since is None or now - since < limit:
            continue
        add(Notification(kind=BLOCKED, event_id=event_id, url=url, old_status=BLOCKED,
                         new_status=BLOCKED, reason=c["reason"] or "", at=since,
                         report_title=report_title), fresh=True)
    return out
