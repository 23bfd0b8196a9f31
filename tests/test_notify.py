"""Notifications: webhook and e-mail to loopback receivers, retries, dead receivers, end to end.

The receivers are real servers on 127.0.0.1, port 0: an ``http.server`` that
records the POSTed JSON, and an aiosmtpd SMTP server that keeps the messages.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import email.utils
import ipaddress
import json
import socket
import threading
import time
from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from archiver.exceptions import SettingsError
from archiver.notify import Attempt, Notification, Notifier, attempt_row, deliver, validate
from archiver.settings import NotifySettings
from archiver.settings import load as load_settings
from archiver.store import iso

from .lab import Site, news_page
from .sourcesfile import write_sources
from .test_schedule import query, worker_once, write_settings


class Receiver:
    """A webhook receiver: answers each POST with the next status of *statuses* (then 200)."""

    def __init__(self, statuses: list[int] | None = None, hang: bool = False) -> None:
        self.statuses = list(statuses or [])
        self.bodies: list[dict[str, Any]] = []
        self.requests = 0
        self.hang = hang
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                receiver.requests += 1
                if receiver.hang:
                    time.sleep(3)
                    return
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                if status == 200:
                    receiver.bodies.append(json.loads(body))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


class _Mailbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], Message]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos),
                              message_from_bytes(envelope.content)))
        return "250 OK"


class _Loopback(Controller):
    """aiosmtpd on port 0: learn the real port before the start-up self-check."""

    def _trigger_server(self) -> None:
        server: Any = self.server
        self.port = server.sockets[0].getsockname()[1]
        super()._trigger_server()  # type: ignore[no-untyped-call]


@pytest.fixture
def smtp() -> Iterator[tuple[_Loopback, _Mailbox]]:
    box = _Mailbox()
    ctl = _Loopback(box, hostname="127.0.0.1", port=0)
    ctl.start()
    try:
        yield ctl, box
    finally:
        ctl.stop()


def closed_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = int(s.getsockname()[1])
    s.close()
    return port


def note(kind: str = "dead", url: str = "https://example.org/a") -> Notification:
    return Notification(kind=kind, event_id="2016-05-01-malaysia", url=url, old_status="alive",
                        new_status=kind, reason="404 Not Found",
                        at=dt.datetime(2026, 11, 25, 14, 0, tzinfo=dt.UTC),
                        report_title="Taiwanese extradited to the PRC")


def attempts(archive: Path) -> list[tuple[Any, ...]]:
    return query(archive, "SELECT channel, kind, url, delivered, attempts, error"
                          " FROM notifications ORDER BY id")


def test_webhook_posts_the_json_and_records_it(tmp_path: Path) -> None:
    with Receiver() as rx:
        notifier = Notifier(NotifySettings(webhook_url=rx.url), tmp_path / "archive")
        notifier.send(note())
        assert notifier.close(timeout=20)
    assert rx.bodies == [{
        "event": "status-changed", "kind": "dead", "event_id": "2016-05-01-malaysia",
        "url": "https://example.org/a", "old_status": "alive", "new_status": "dead",
        "reason": "404 Not Found", "time": "2026-11-25T14:00:00Z",
        "report_title": "Taiwanese extradited to the PRC",
    }]
    assert attempts(tmp_path / "archive") == [
        ("webhook", "dead", "https://example.org/a", 1, 1, None)]


def test_webhook_is_retried_until_it_is_accepted(tmp_path: Path) -> None:
    with Receiver(statuses=[500, 503]) as rx:
        settings = NotifySettings(webhook_url=rx.url, retries=3, timeout=5)
        result = deliver(settings, note(), backoff=0.01)
    assert [a.delivered for a in result] == [False, False, True]
    assert "500" in (result[0].error or "") and rx.requests == 3 and len(rx.bodies) == 1


def test_email_is_plain_text_to_every_recipient(tmp_path: Path,
                                                smtp: tuple[_Loopback, _Mailbox]) -> None:
    ctl, box = smtp
    settings = NotifySettings(smtp_host="127.0.0.1", smtp_port=ctl.port,
                              smtp_from="archiver@lab.test",
                              smtp_to=["editor@lab.test", "desk@lab.test"])
    notifier = Notifier(settings, tmp_path / "archive")
    notifier.send(note("soft-404", "https://example.org/b"))
    assert notifier.close(timeout=20)
    assert len(box.messages) == 1
    sender, rcpts, msg = box.messages[0]
    assert sender == "archiver@lab.test" and rcpts == ["editor@lab.test", "desk@lab.test"]
    assert msg.get_content_type() == "text/plain"
    assert "soft-404" in msg["Subject"] and "https://example.org/b" in msg["Subject"]
    # the headers RFC 5322 asks for, and one a mail client threads by
    assert email.utils.parsedate_to_datetime(msg["Date"]).tzinfo is not None
    assert msg["Message-ID"].startswith("<") and msg["Message-ID"].endswith("@lab.test>")
    body = msg.get_payload(decode=True)
    assert isinstance(body, bytes)
    assert b"alive -> soft-404" in body and b"2016-05-01-malaysia" in body
    assert attempts(tmp_path / "archive") == [
        ("email", "soft-404", "https://example.org/b", 1, 1, None)]


def test_dead_receivers_never_stall_or_raise(tmp_path: Path) -> None:
    settings = NotifySettings(webhook_url=f"http://127.0.0.1:{closed_port()}/hook",
                              smtp_host="127.0.0.1", smtp_port=closed_port(),
                              smtp_to=["editor@lab.test"], retries=3, timeout=2)
    notifier = Notifier(settings, tmp_path / "archive", backoff=0.01)
    started = time.monotonic()
    notifier.send(note())
    assert time.monotonic() - started < 0.5  # handed over, not delivered inline
    assert notifier.close(timeout=30)
    rows = attempts(tmp_path / "archive")
    assert sorted((r[0], r[3], r[4]) for r in rows) == [  # the channels run side by side
        ("email", 0, 1), ("email", 0, 2), ("email", 0, 3),
        ("webhook", 0, 1), ("webhook", 0, 2), ("webhook", 0, 3)]
    assert all(r[5] for r in rows)  # the error is kept


def test_a_hanging_receiver_times_out(tmp_path: Path) -> None:
    with Receiver(hang=True) as rx:
        settings = NotifySettings(webhook_url=rx.url, retries=2, timeout=0.5)
        started = time.monotonic()
        result = deliver(settings, note(), backoff=0.01)
        elapsed = time.monotonic() - started
    assert [a.delivered for a in result] == [False, False]
    assert "Timeout" in (result[0].error or "")
    assert elapsed < 2.5  # two tries of 0.5 s, not the receiver's 3 s each


@pytest.mark.parametrize("settings, named", [
    (NotifySettings(webhook_url="ftp://example.org/hook"), "notify.webhook_url"),
    (NotifySettings(smtp_host="127.0.0.1"), "notify.smtp_to"),
    (NotifySettings(retries=0), "notify.retries"),
])
def test_unusable_settings_are_refused(settings: NotifySettings, named: str) -> None:
    with pytest.raises(SettingsError, match=named):
        validate(settings)


@pytest.mark.parametrize("text, line, named", [
    ('[notify]\nretries = 2\nwebhook_url = "ftp://127.0.0.1/hook"\n', 3,
     "notify.webhook_url must be an absolute http(s) URL"),
    ('[notify]\nwebhook_url = "http:///hook"\n', 2, "notify.webhook_url"),
    # a bracket left open (urlsplit raises), a port out of range (seen at each delivery)
    ('[notify]\nwebhook_url = "http://[::1"\n', 2, "notify.webhook_url"),
    ('[notify]\nwebhook_url = "http://[zz]/hook"\n', 2, "notify.webhook_url"),
    ('[notify]\nwebhook_url = "http://127.0.0.1:99999/hook"\n', 2, "notify.webhook_url"),
    # smtp_to is not in the file: the line of smtp_host, which asks for it
    ('[notify]\n\nsmtp_host = "127.0.0.1"\n', 3, "notify.smtp_to must list"),
    ('[notify]\nsmtp_port = 70000\n', 2, "notify.smtp_port must be between 1 and 65535"),
    ('[notify]\nretries = 0\n', 2, "notify.retries must be between 1 and 20"),
    ('[notify]\nretries = 1000000\n', 2, "notify.retries must be between 1 and 20"),
    ('[notify]\ntimeout = 0\n', 2, "notify.timeout must be positive"),
    ('[notify]\ntimeout = 1e300\n', 2, "notify.timeout must be positive and at most 86400"),
    # a timedelta of 1e300 hours overflows: no notification would ever be worked out
    ('[notify]\nblocked_after_hours = 1e300\n', 2, "notify.blocked_after_hours"),
    ('[notify]\nblocked_after_hours = -1\n', 2, "notify.blocked_after_hours"),
])
def test_refusals_name_the_settings_file_and_line(tmp_path: Path, text: str, line: int,
                                                   named: str) -> None:
    path = tmp_path / "archiver.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SettingsError) as info:
        validate(load_settings(path).notify)
    assert str(info.value).startswith(f"{path}:{line}: {named}")


def test_settings_within_bounds_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "archiver.toml"
    path.write_text('[notify]\nwebhook_url = "http://127.0.0.1:9/hook"\nretries = 20\n'
                    'timeout = 86400\nblocked_after_hours = 87600\n', encoding="utf-8")
    validate(load_settings(path).notify)


def _lab_sources(tmp_path: Path, site: Site, paths: list[str]) -> Path:
    for path in paths:
        site.page(path, news_page(f"Malaysia deports Taiwanese suspects {path}",
                                  "Malaysia deported 32 Taiwanese to China.\n\n"
                                  "Taiwan protested the deportations."))
    return write_sources(tmp_path / "data" / "sources.yaml", [
        {"id": f"2016-05-0{i + 1}-malaysia", "date": "2016-05-03", "country": "Malaysia",
         "sources": [site.url(p)]} for i, p in enumerate(paths)],
        title="Taiwanese extradited to the PRC")


def test_alive_to_dead_is_notified_end_to_end(tmp_path: Path, site: Site,
                                               smtp: tuple[_Loopback, _Mailbox]) -> None:
    ctl, box = smtp
    sources = _lab_sources(tmp_path, site, ["/news/kept", "/news/removed"])
    archive = tmp_path / "archive"
    with Receiver() as rx:
        write_settings(sources, f'[notify]\nwebhook_url = "{rx.url}"\n'
                       f'smtp_host = "127.0.0.1"\nsmtp_port = {ctl.port}\n'
                       'smtp_to = ["editor@lab.test"]\n')
        first = worker_once(sources, archive)
        assert first.returncode == 0, first.stderr
        assert rx.bodies == [] and box.messages == []  # alive: nothing to say
        site.remove("/news/removed")
        second = worker_once(sources, archive)
        assert second.returncode == 0, second.stderr
    dead_url = site.url("/news/removed")
    assert [(b["url"], b["old_status"], b["new_status"], b["event"]) for b in rx.bodies] == [
        (dead_url, "alive", "dead", "status-changed")]
    assert rx.bodies[0]["report_title"] == "Taiwanese extradited to the PRC"
    assert "404" in rx.bodies[0]["reason"]
    assert len(box.messages) == 1 and dead_url in box.messages[0][2]["Subject"]
    assert sorted(r[:5] for r in attempts(archive)) == [  # handed over, then delivered
        ("email", "dead", dead_url, 0, 0), ("email", "dead", dead_url, 1, 1),
        ("webhook", "dead", dead_url, 0, 0), ("webhook", "dead", dead_url, 1, 1)]


def test_blocked_is_notified_once_per_spell(tmp_path: Path, site: Site) -> None:
    sources = _lab_sources(tmp_path, site, ["/news/walled"])
    site.page("/news/walled", "<html><body><h1>Access denied</h1></body></html>", status=403)
    archive = tmp_path / "archive"
    with Receiver() as rx:
        write_settings(sources, f'[notify]\nwebhook_url = "{rx.url}"\n'
                       'blocked_after_hours = 0\n')
        for _ in range(2):
            proc = worker_once(sources, archive)
            assert proc.returncode == 0, proc.stderr
    assert query(archive, "SELECT status FROM citations") == [("blocked",)]
    assert [(b["event"], b["kind"], b["new_status"]) for b in rx.bodies] == [
        ("still-blocked", "blocked", "blocked")]  # two cycles, one spell, one message


def _check(store: Any, url: str, status: str, at: dt.datetime) -> None:
    with store.transaction():
        store.record_check({
            "cycle_id": 1, "event_id": "e-1", "url": url, "checked_at": iso(at),
            "status": status, "rule": "test", "reason": f"{status} for the test",
            "http_status": None, "final_url": url, "headline": None, "published": None,
            "flags": "[]", "consecutive_failures": 0})


def test_pending_notifications_cover_a_resumed_cycle_once(tmp_path: Path) -> None:
    from archiver.models import Citation, Event, Sources
    from archiver.notify import pending_notifications
    from archiver.storeopen import open_store

    urls = ["https://example.org/a", "https://example.org/b", "https://example.org/c"]
    store = open_store(tmp_path / "archive")
    try:
        store.sync_sources(Sources(tmp_path / "s.yaml", (Event(
            "e-1", None, None, citations=tuple(Citation("e-1", u) for u in urls)),)))
        t0 = dt.datetime(2026, 11, 20, tzinfo=dt.UTC)
        for u in urls:
            _check(store, u, "alive", t0)
        started = t0 + dt.timedelta(days=1)  # the cycle a crash interrupted
        _check(store, urls[0], "dead", started + dt.timedelta(minutes=1))  # before the crash
        _check(store, urls[1], "moved", started + dt.timedelta(minutes=2))  # not notified
        _check(store, urls[2], "blocked", started + dt.timedelta(minutes=3))
        queued: set[tuple[str, str, str, str, str]] = set()
        now = started + dt.timedelta(days=8)
        notes = pending_notifications(store, cycle_started=started, channels=["webhook"],
                                      blocked_after_hours=168, report_title="R",
                                      queued=queued, now=now)
        assert sorted((n.kind, n.url, n.old_status, n.channels) for n in notes) == [
            ("blocked", urls[2], "blocked", ("webhook",)),
            ("dead", urls[0], "alive", ("webhook",))]
        assert pending_notifications(store, cycle_started=started, channels=["webhook"],
                                     blocked_after_hours=168, report_title="R",
                                     queued=queued, now=now) == []  # in flight
        # another process (after a restart) sees the recorded deliveries instead
        for n in notes:
            store.record_notification(attempt_row(n, Attempt("webhook", 1, True, None)))
        assert pending_notifications(store, cycle_started=started, channels=["webhook"],
                                     blocked_after_hours=168, report_title="R",
                                     queued=set(), now=now) == []
        # not blocked long enough yet: nothing
        assert pending_notifications(store, cycle_started=now, channels=["webhook"],
                                     blocked_after_hours=1000, report_title="R",
                                     queued=set(), now=now) == []
    finally:
        store.close()


def test_a_report_title_on_two_lines_makes_a_subject_on_one() -> None:
    """A YAML folded title ("title: >") ends with a line break: every e-mail
    failed ("Header values may not contain linefeed"), in every cycle."""
    folded = dataclasses.replace(note(), report_title="Taiwanese extradited\nto the PRC\n")
    assert folded.subject() == \
        "[Taiwanese extradited to the PRC] citation dead: https://example.org/a"
    msg = Message()
    msg["Subject"] = folded.subject()  # raises on a line break


def test_a_receiver_that_trickles_its_answer_does_not_hold_a_delivery() -> None:
    """A 200 whose body came a byte a second held one attempt with `timeout = 2`
    for as long as the body lasted (httpx's timeout is per read), and an endless
    one held the channel for good."""
    from archiver.notify import send_webhook

    class Trickle(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

        def do_POST(self) -> None:  # noqa: N802 (the stdlib's name)
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(200)
            self.send_header("Content-Length", "60")
            self.end_headers()
            try:
                for _ in range(60):  # a minute at most
                    self.wfile.write(b"x")
                    self.wfile.flush()
                    time.sleep(1)
            except OSError:  # the client went away: what it should do
                pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Trickle)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        settings = NotifySettings(webhook_url=f"http://127.0.0.1:{server.server_port}/hook",
                                  timeout=2.0)
        started = time.monotonic()
        send_webhook(settings, note())  # delivered: the receiver said 200
        took = time.monotonic() - started
    finally:
        server.shutdown()
        server.server_close()
    assert took < 4.0, took


class _Dribbler:
    """A loopback receiver that, to each connection, reads what comes, then writes
    *first* and *piece* after piece (one every *every* seconds, for *lasting*
    seconds at most): each read of the client is answered well within any timeout,
    the answer is never complete."""

    def __init__(self, first: bytes, piece: bytes, *, every: float = 0.1,
                 lasting: float = 8.0) -> None:
        self.first, self.piece, self.every, self.lasting = first, piece, every, lasting
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        self.done = threading.Event()
        self.connections = 0

    def _serve(self) -> None:
        while not self.done.is_set():
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._dribble, args=(conn,), daemon=True).start()

    def _dribble(self, conn: socket.socket) -> None:
        with conn:
            try:
                conn.settimeout(0.2)
                with contextlib.suppress(TimeoutError):
                    conn.recv(65536)  # (the request, when the client speaks first)
                conn.sendall(self.first)
                end = time.monotonic() + self.lasting
                while time.monotonic() < end and not self.done.wait(self.every):
                    conn.sendall(self.piece)
            except OSError:  # the client went away: what it should do
                pass

    def __enter__(self) -> _Dribbler:
        threading.Thread(target=self._serve, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.done.set()
        self.listener.close()


@pytest.mark.parametrize("channel", ["webhook", "email"])
def test_a_receiver_that_dribbles_its_answer_is_given_up_at_the_timeout(channel: str) -> None:
    """``notify.timeout`` is the whole attempt's: httpx applies it to each read (a
    status line followed by a header byte every 0.1 s held an attempt for as long
    as the receiver went on), and smtplib reads a reply's lines in a loop, each
    under the socket's timeout (a greeting of endless ``220-`` lines held the
    channel)."""
    if channel == "webhook":
        receiver = _Dribbler(b"HTTP/1.1 200 OK\r\n", b"X")
    else:
        receiver = _Dribbler(b"220-lab.test greeting\r\n", b"220-still greeting\r\n")
    with receiver:
        settings = NotifySettings(
            webhook_url=f"http://127.0.0.1:{receiver.port}/hook" if channel == "webhook"
            else "",
            smtp_host="127.0.0.1" if channel == "email" else "", smtp_port=receiver.port,
            smtp_to=["editor@lab.test"], retries=1, timeout=1.0)
        started = time.monotonic()
        result = deliver(settings, note(), backoff=0.01)
        took = time.monotonic() - started
    assert receiver.connections == 1
    assert [(a.channel, a.delivered) for a in result] == [(channel, False)]
    assert "notify.timeout (1 s)" in (result[0].error or ""), result[0].error
    assert took < 1.5, took


@pytest.mark.parametrize("channel", ["webhook", "email"])
def test_a_name_lookup_that_never_answers_is_given_up_at_the_timeout(
        channel: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The receiver's host name was looked up without a bound: the webhook's
    lookup, in asyncio's executor, was waited for at the end of the attempt's
    event loop, after its timeout; the SMTP server's, before any. Here the
    resolver does not answer: ``socket.getaddrinfo`` itself, through which
    Python looks up every name (asyncio and anyio, smtplib), is replaced by one
    that waits for up to 15 s for the name of this test and refuses any other
    (no resolver is asked, no query leaves the machine)."""
    real = socket.getaddrinfo
    release = threading.Event()
    asked: list[str] = []

    def unanswered(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode("ascii") if isinstance(host, bytes) else str(host)  # (anyio: IDNA)
        if name == "hooks.lab.test":
            asked.append(name)
            release.wait(15)
            raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
        try:  # an address is read as it is; no other name is looked up
            ipaddress.ip_address(name)
        except ValueError:
            raise socket.gaierror(socket.EAI_NONAME, f"{name}: not this test's") from None
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", unanswered)
    settings = NotifySettings(
        webhook_url="http://hooks.lab.test:9/hook" if channel == "webhook" else "",
        smtp_host="hooks.lab.test" if channel == "email" else "", smtp_port=9,
        smtp_to=["editor@lab.test"], retries=1, timeout=1.0)
    started = time.monotonic()
    try:
        result = deliver(settings, note(), backoff=0.01)
        took = time.monotonic() - started
    finally:
        release.set()
    assert asked == ["hooks.lab.test"]
    assert [(a.channel, a.delivered) for a in result] == [(channel, False)]
    assert "notify.timeout (1 s)" in (result[0].error or ""), result[0].error
    assert took < 1.5, took
