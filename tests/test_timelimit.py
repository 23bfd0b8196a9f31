"""The time limit on pure-Python work (archiver.timelimit), and on reading a PDF."""

from __future__ import annotations

import signal
import threading
import time

import pytest

from archiver.timelimit import TimeLimitExceeded, time_limit

pytestmark = pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="SIGALRM timers (Unix)")


def _spin_catching_everything(until: float) -> int:
    """A loop that swallows every Exception, as parsers' recovery loops do."""
    turns = 0
    while time.monotonic() < until:  # bounded: the test's own deadline
        try:
            turns += 1
            if turns % 1000 == 0:
                raise ValueError("bad object")
        except Exception:  # noqa: BLE001 - what the limit must get through
            pass
    return turns


def test_a_loop_past_the_limit_is_stopped() -> None:
    started = time.monotonic()
    with pytest.raises(TimeLimitExceeded):
        with time_limit(0.2):
            _spin_catching_everything(started + 10)
    assert time.monotonic() - started < 2


def test_work_within_the_limit_is_untouched_and_the_timer_is_gone() -> None:
    previous = signal.getsignal(signal.SIGALRM)
    with time_limit(5):
        turns = _spin_catching_everything(time.monotonic() + 0.05)
    assert turns > 0
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert signal.getsignal(signal.SIGALRM) is previous


def test_someone_elses_timer_is_left_alone() -> None:
    fired = []
    previous = signal.signal(signal.SIGALRM, lambda *_: fired.append(True))
    try:
        signal.setitimer(signal.ITIMER_REAL, 1.5)
        with time_limit(0.05):  # not armed: the running timer is another's
            _spin_catching_everything(time.monotonic() + 0.1)
        assert not fired and signal.getitimer(signal.ITIMER_REAL)[0] > 0
        deadline = time.monotonic() + 5
        while not fired and time.monotonic() < deadline:
            time.sleep(0.01)
        assert fired  # theirs still fires, into their handler
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_a_shorter_limit_inside_applies_and_the_enclosing_one_goes_on() -> None:
    started = time.monotonic()
    with pytest.raises(TimeLimitExceeded) as outer:
        with time_limit(0.6):
            with pytest.raises(TimeLimitExceeded) as inner:
                with time_limit(0.1):
                    _spin_catching_everything(started + 10)
            stopped_inside = time.monotonic() - started
            _spin_catching_everything(started + 10)  # until the enclosing limit
    assert inner.value.args == (0.1,) and outer.value.args == (0.6,)
    assert stopped_inside < 0.5
    assert 0.5 < time.monotonic() - started < 3  # its own time, not 0.6 more
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_a_longer_limit_inside_leaves_the_enclosing_one_to_end_the_work() -> None:
    started = time.monotonic()
    with pytest.raises(TimeLimitExceeded) as raised:
        with time_limit(0.2):
            with time_limit(30):
                _spin_catching_everything(started + 10)
    assert raised.value.args == (0.2,)
    assert time.monotonic() - started < 2
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_an_enclosing_limit_is_set_again_after_work_within_the_inner_one() -> None:
    previous = signal.getsignal(signal.SIGALRM)
    with time_limit(5):
        with time_limit(1):
            _spin_catching_everything(time.monotonic() + 0.05)
        left = signal.getitimer(signal.ITIMER_REAL)[0]
        assert 4 < left < 5  # the enclosing one, less the time spent
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert signal.getsignal(signal.SIGALRM) is previous


class _OwnLimit(TimeLimitExceeded):
    """A caller's own limit, told apart from any enclosing one."""


def test_a_limit_raises_the_error_it_was_given_and_an_enclosing_one_its_own() -> None:
    started = time.monotonic()
    with pytest.raises(_OwnLimit) as own:
        with time_limit(0.1, _OwnLimit):
            _spin_catching_everything(started + 10)
    assert own.value.args == (0.1,)
    caught_as_own = []
    with pytest.raises(TimeLimitExceeded) as raised:
        with time_limit(0.2):
            try:
                with time_limit(30, _OwnLimit):
                    _spin_catching_everything(time.monotonic() + 10)
            except _OwnLimit:
                caught_as_own.append(True)
    assert type(raised.value) is TimeLimitExceeded and raised.value.args == (0.2,)
    assert not caught_as_own
    assert time.monotonic() - started < 3
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_outside_the_main_thread_there_is_no_limit() -> None:
    done: list[int] = []

    def work() -> None:
        with time_limit(0.01):
            done.append(_spin_catching_everything(time.monotonic() + 0.1))

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(timeout=10)
    assert done and done[0] > 0


def test_a_pdf_whose_reading_never_ends_is_left_unread(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """pypdf sent round a loop (a property that never returns stands for a
    cross-reference chain that points back at itself)."""
    import pypdf

    from archiver import pdfinfo
    from archiver.extract import extract
    from tests.pdfs import make_pdf

    body = make_pdf({"/Title": "Annual report on detention"}, "Detained without charge")
    before = extract(body, url="http://127.0.0.1/r.pdf", content_type="application/pdf")
    assert before.headline == "Annual report on detention"

    def endless(self: object) -> object:
        _spin_catching_everything(time.monotonic() + 60)
        raise AssertionError("the limit did not stop the loop")

    monkeypatch.setattr(pypdf.PdfReader, "metadata", property(endless))
    monkeypatch.setattr(pdfinfo, "PDF_SECONDS", 0.3)
    started = time.monotonic()
    info = extract(body, url="http://127.0.0.1/r.pdf", content_type="application/pdf")
    assert time.monotonic() - started < 5
    assert info.kind == "pdf" and info.headline is None
    assert "http://127.0.0.1/r.pdf: PDF left unread: reading it took over 0.3 s" in caplog.text
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_a_job_limit_that_ends_while_a_pdf_is_read_ends_the_job(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """The PDF reader's own limit (20 s) does not swallow the job's, shorter
    here, as a job's 60 s would end 5 s into a PDF begun 55 s in."""
    import pypdf

    from archiver.extract import extract
    from tests.pdfs import make_pdf

    body = make_pdf({"/Title": "Annual report on detention"}, "Detained without charge")

    def endless(self: object) -> object:
        _spin_catching_everything(time.monotonic() + 60)
        raise AssertionError("the limit did not stop the loop")

    monkeypatch.setattr(pypdf.PdfReader, "metadata", property(endless))
    started = time.monotonic()
    with pytest.raises(TimeLimitExceeded) as raised:
        with time_limit(0.3):  # the job's
            extract(body, url="http://127.0.0.1/r.pdf", content_type="application/pdf")
    assert type(raised.value) is TimeLimitExceeded and raised.value.args == (0.3,)
    assert time.monotonic() - started < 5
    assert "PDF left unread" not in caplog.text
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
