"""Undelivered notifications are sent again by the next cycle; channels run side by side.

Loopback receivers only (127.0.0.1, port 0): the webhook ``Receiver`` and the
aiosmtpd mailbox of ``test_notify``.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

from archiver.models import Citation, Event, Sources
from archiver.notify import (
    Attempt,
    Notification,
    Notifier,
    attempt_row,
    pending_notifications,
    queued_row,
)
from archiver.settings import RESEND_ROUNDS, NotifySettings
from archiver.store import Store
from archiver.storeopen import open_store

from .lab import Site, closed_port
from .test_notify import Receiver, _check, _lab_sources, _Loopback, _Mailbox, attempts, note
from .test_notify import smtp as smtp  # the fixture
from .test_schedule import wait_for, worker_once, write_settings

URLS = ["https://example.org/a", "https://example.org/b"]
T0 = dt.datetime(2026, 11, 20, 3, 0, tzinfo=dt.UTC)
BOTH = ["webhook", "email"]


def _store(tmp_path: Path) -> Store:
    store = open_store(tmp_path / "archive")
    store.sync_sources(Sources(tmp_path / "s.yaml", (Event(
        "e-1", None, None, citations=tuple(Citation("e-1", u) for u in URLS)),)))
    for u in URLS:
        _check(store, u, "alive", T0)
    return store


def _pending(store: Store, started: dt.datetime,
             channels: list[str] | None = None) -> list[Notification]:
    return pending_notifications(store, cycle_started=started, channels=channels or BOTH,
                                 blocked_after_hours=168, report_title="R", queued=set(),
                                 now=started + dt.timedelta(hours=1))


def _hand_over(store: Store, notes: list[Notification], *results: tuple[str, bool]) -> None:
    """What a worker records: the hand-over, then (maybe) an attempt per channel."""
    for n in notes:
        for channel in n.channels:
            store.record_notification(queued_row(n, channel))
        for channel, delivered in results:
            if channel in n.channels:
                store.record_notification(attempt_row(n, Attempt(
                    channel, 1, delivered, None if delivered else "down")))


def test_a_notification_never_attempted_is_sent_by_the_next_cycle(tmp_path: Path) -> None:
    store = _store(tmp_path)
    try:
        cycle1 = T0 + dt.timedelta(days=1)
        _check(store, URLS[0], "drifted", cycle1 + dt.timedelta(minutes=1))
        notes = _pending(store, cycle1)
        assert [(n.kind, n.channels) for n in notes] == [("drifted", ("webhook", "email"))]
        _hand_over(store, notes)  # queued, then the process ended: no attempt at all
        cycle2 = cycle1 + dt.timedelta(days=1)
        again = _pending(store, cycle2)
        assert [(n.kind, n.url, n.old_status, n.channels) for n in again] == [
            ("drifted", URLS[0], "alive", ("webhook", "email"))]
        assert again[0].at == cycle1 + dt.timedelta(minutes=1)  # the time of the change
        # e-mail delivered, webhook failed: only the webhook is due next time
        _hand_over(store, again, ("email", True), ("webhook", False))
        cycle3 = cycle2 + dt.timedelta(days=1)
        assert [n.channels for n in _pending(store, cycle3)] == [("webhook",)]
        _hand_over(store, _pending(store, cycle3), ("webhook", True))
        assert _pending(store, cycle3 + dt.timedelta(days=1)) == []  # delivered: never twice
    finally:
        store.close()


def test_resending_is_bounded_and_stops_when_the_status_changes(tmp_path: Path) -> None:
    store = _store(tmp_path)
    try:
        cycle = T0 + dt.timedelta(days=1)
        _check(store, URLS[0], "dead", cycle + dt.timedelta(minutes=1))
        _check(store, URLS[1], "soft-404", cycle + dt.timedelta(minutes=2))
        for _ in range(RESEND_ROUNDS):  # a receiver that is always down
            notes = _pending(store, cycle, ["webhook"])
            assert sorted(n.url for n in notes) == URLS
            _hand_over(store, notes, ("webhook", False))
            cycle += dt.timedelta(days=1)
        assert _pending(store, cycle, ["webhook"]) == []  # given up after the rounds
        # a citation alive again is not reported dead late
        store2 = _store(tmp_path / "second")
        try:
            c1 = T0 + dt.timedelta(days=1)
            _check(store2, URLS[0], "dead", c1 + dt.timedelta(minutes=1))
            _hand_over(store2, _pending(store2, c1, ["webhook"]), ("webhook", False))
            _check(store2, URLS[0], "alive", c1 + dt.timedelta(days=1, minutes=1))
            assert _pending(store2, c1 + dt.timedelta(days=1), ["webhook"]) == []
        finally:
            store2.close()
    finally:
        store.close()


def test_old_transitions_without_a_hand_over_do_not_flood(tmp_path: Path) -> None:
    """Transitions ``archiver run`` recorded (it never notifies) stay quiet when a
    worker starts, and so do delivered ones on a channel added later."""
    store = _store(tmp_path)
    try:
        run_cycle = T0 + dt.timedelta(days=1)
        _check(store, URLS[0], "dead", run_cycle + dt.timedelta(minutes=1))  # by `run`
        _check(store, URLS[1], "dead", run_cycle + dt.timedelta(minutes=2))
        worker_cycle = run_cycle + dt.timedelta(days=1)
        assert _pending(store, worker_cycle) == []
        # URLS[1] was delivered by webhook; e-mail, configured later, does not resend it
        store.record_notification(queued_row(note(), "webhook"))  # another citation
        n = Notification(kind="dead", event_id="e-1", url=URLS[1], old_status="alive",
                         new_status="dead", reason="", at=run_cycle + dt.timedelta(minutes=2),
                         channels=("webhook",))
        _hand_over(store, [n], ("webhook", True))
        assert _pending(store, worker_cycle) == []
    finally:
        store.close()


def test_a_failed_notification_is_delivered_by_the_next_worker_cycle(
        tmp_path: Path, site: Site, smtp: tuple[_Loopback, _Mailbox]) -> None:
    ctl, box = smtp
    sources = _lab_sources(tmp_path, site, ["/news/kept", "/news/removed"])
    archive = tmp_path / "archive"
    mail = f'smtp_host = "127.0.0.1"\nsmtp_port = {ctl.port}\nsmtp_to = ["editor@lab.test"]\n'
    first = worker_once(sources, archive)
    assert first.returncode == 0, first.stderr
    site.remove("/news/removed")
    # the webhook's receiver is down during the cycle that sees the change
    write_settings(sources, f'[notify]\nwebhook_url = "http://127.0.0.1:{closed_port()}/h"\n'
                   f'retries = 1\ntimeout = 2\n{mail}')
    second = worker_once(sources, archive)
    assert second.returncode == 0, second.stderr
    assert len(box.messages) == 1
    dead_url = site.url("/news/removed")
    with Receiver() as rx:
        write_settings(sources, f'[notify]\nwebhook_url = "{rx.url}"\nretries = 1\n{mail}')
        for _ in range(2):  # the next cycle sends it again; the one after, nothing
            proc = worker_once(sources, archive)
            assert proc.returncode == 0, proc.stderr
    assert [(b["url"], b["old_status"], b["new_status"]) for b in rx.bodies] == [
        (dead_url, "alive", "dead")]
    assert len(box.messages) == 1  # the e-mail was delivered: not sent twice
    rows: list[Any] = attempts(archive)
    assert [r[0] for r in rows if r[3]] == ["email", "webhook"]


def test_a_slow_webhook_does_not_hold_up_the_email(tmp_path: Path,
                                                   smtp: tuple[_Loopback, _Mailbox]) -> None:
    ctl, box = smtp
    with Receiver(hang=True) as rx:  # answers nothing for 3 s
        settings = NotifySettings(webhook_url=rx.url, smtp_host="127.0.0.1",
                                  smtp_port=ctl.port, smtp_to=["editor@lab.test"],
                                  retries=1, timeout=5)
        notifier = Notifier(settings, tmp_path / "archive")
        started = time.monotonic()
        notifier.send(note())
        assert wait_for(lambda: len(box.messages) == 1, 10)
        waited = time.monotonic() - started
        assert notifier.close(timeout=15)
    assert rx.requests == 1  # the webhook was tried meanwhile, in its own thread
    assert waited < 2  # not behind the webhook's 3 s
