"""A cycle missed while no worker ran is caught up at start (within the grace);
the day of month and the weekday combine as crontab(5) says (either one).

The catch-up decision is a pure function of the schedule, the last cycle's start
and *now*; one worker subprocess test shows it end to end with a seconds cron.
A running worker sees a start that the wall clock passed while the machine was
suspended (libfaketime steps a worker's wall clock, not its monotonic one).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from archiver.cron import make_trigger, missed_cycle, next_run_times
from archiver.exceptions import SettingsError
from archiver.settings import ScheduleSettings
from archiver.store import iso, now_utc

from .lab import Site, killed_at_end
from .sourcesfile import one_event_per_url, write_sources
from .test_schedule import (
    ROOT,
    archiver_cmd,
    common_args,
    news_site,
    query,
    running_worker,
    wait_for,
    worker_once,
    write_settings,
)

NOON = dt.datetime(2026, 11, 25, 12, 0, 0, tzinfo=dt.UTC)  # a Wednesday


def _at(seconds: float) -> dt.datetime:
    return NOON + dt.timedelta(seconds=seconds)


def test_a_missed_start_within_the_grace_is_caught_up_once() -> None:
    every10 = ScheduleSettings(cron="*/10 * * * * *", misfire_grace=3600)
    # the last cycle started 12:00:00.4; the worker comes back at 12:00:25
    missed = missed_cycle(every10, _at(0.4), _at(25))
    assert missed is not None and missed.catch_up
    assert missed.due == _at(10) and missed.late == 15  # 12:00:10 and :20 coalesce
    # a grace of 7 s still covers 12:00:20
    missed = missed_cycle(ScheduleSettings(cron="*/10 * * * * *", misfire_grace=7),
                          _at(0.4), _at(25))
    assert missed is not None and missed.catch_up and missed.due == _at(20)


def test_a_start_missed_beyond_the_grace_is_only_reported() -> None:
    missed = missed_cycle(ScheduleSettings(cron="*/10 * * * * *", misfire_grace=3),
                          _at(0.4), _at(25))
    assert missed is not None and not missed.catch_up
    assert missed.due == _at(10) and missed.late == 15


def test_nothing_is_missed_without_a_start_since_the_last_cycle() -> None:
    every10 = ScheduleSettings(cron="*/10 * * * * *")
    assert missed_cycle(every10, _at(0.4), _at(9.9)) is None
    assert missed_cycle(every10, _at(0), _at(9)) is None  # the start it fired for
    assert missed_cycle(every10, None, _at(25)) is None  # no cycle yet: nothing missed


def test_a_grace_of_366_days_is_the_longest() -> None:
    weekly = ScheduleSettings(cron="0 3 * * 0", misfire_grace=366 * 86400)
    missed = missed_cycle(weekly, NOON - dt.timedelta(days=300), NOON)
    assert missed is not None and missed.catch_up
    # longer: refused, not an OverflowError from "now - grace" before year 1
    with pytest.raises(SettingsError, match="schedule.misfire_grace must be positive and at most"):
        missed_cycle(ScheduleSettings(misfire_grace=1e12), NOON - dt.timedelta(days=2), NOON)


def test_a_cron_that_never_fires_is_refused_not_silently_never_run() -> None:
    with pytest.raises(SettingsError, match="never fires"):
        missed_cycle(ScheduleSettings(cron="0 3 30 2 *"), NOON - dt.timedelta(days=2), NOON)


def test_the_daily_default_restarted_after_its_hour() -> None:
    daily = ScheduleSettings()  # 03:00 UTC, grace 3600, jitter 300
    yesterday = dt.datetime(2026, 11, 24, 3, 4, 10, tzinfo=dt.UTC)  # jitter delayed it
    at_0305 = dt.datetime(2026, 11, 25, 3, 5, tzinfo=dt.UTC)
    missed = missed_cycle(daily, yesterday, at_0305)
    assert missed is not None and missed.catch_up
    assert missed.due == dt.datetime(2026, 11, 25, 3, 0, tzinfo=dt.UTC)
    missed = missed_cycle(daily, yesterday, at_0305 + dt.timedelta(hours=2))
    assert missed is not None and not missed.catch_up  # 2 h 5 min late: past the grace
    berlin = ScheduleSettings(timezone="Europe/Berlin")  # 03:00 CET = 02:00 UTC
    missed = missed_cycle(berlin, yesterday, dt.datetime(2026, 11, 25, 2, 30, tzinfo=dt.UTC))
    assert missed is not None and missed.due == dt.datetime(2026, 11, 25, 2, 0, tzinfo=dt.UTC)


def test_day_and_weekday_both_restricted_mean_either_as_in_crontab() -> None:
    after = dt.datetime(2026, 11, 25, tzinfo=dt.UTC)  # Wednesday 25 November
    times = next_run_times(ScheduleSettings(cron="0 3 1 * 1"), 4, after=after)
    assert [t.date() for t in times] == [
        dt.date(2026, 11, 30), dt.date(2026, 12, 1), dt.date(2026, 12, 7),
        dt.date(2026, 12, 14)]  # every Monday, and the 1st (a Tuesday)
    assert all((t.hour, t.minute) == (3, 0) for t in times)
    # names, Sunday as 7, a seconds field: the same rule
    fridays = next_run_times(ScheduleSettings(cron="30 0 3 13 * fri"), 3, after=after)
    assert [t.date() for t in fridays] == [
        dt.date(2026, 11, 27), dt.date(2026, 12, 4), dt.date(2026, 12, 11)]
    assert next_run_times(ScheduleSettings(cron="0 3 26 * 7"), 1, after=after)[0].date() \
        == dt.date(2026, 11, 26)
    # one field starting with * : both must match (crontab's rule too)
    odd_mondays = next_run_times(ScheduleSettings(cron="0 3 */2 * 1"), 3, after=after)
    assert all(t.weekday() == 0 and t.day % 2 == 1 for t in odd_mondays)
    # only one restricted: unchanged
    assert [t.date() for t in next_run_times(ScheduleSettings(cron="0 3 1 * *"), 2,
                                             after=after)] == [dt.date(2026, 12, 1),
                                                               dt.date(2027, 1, 1)]


def test_jitter_applies_to_the_either_schedule() -> None:
    trigger = make_trigger(ScheduleSettings(cron="0 3 1 * 1", jitter=120))
    assert trigger.jitter == 120
    now = dt.datetime(2026, 11, 25, tzinfo=dt.UTC)
    base = dt.datetime(2026, 11, 30, 3, 0, tzinfo=dt.UTC)
    delays = {(trigger.get_next_fire_time(None, now) - base).total_seconds()
              for _ in range(20)}
    assert all(0 <= d <= 120 for d in delays) and len(delays) > 1
    assert make_trigger(ScheduleSettings(cron="0 3 1 * 1", jitter=0)).jitter is None


def _set_last_start(archive: Path, when: dt.datetime) -> None:
    conn = sqlite3.connect(archive / "archiver.db")
    try:
        with conn:
            conn.execute("UPDATE cycles SET started = ? WHERE id = (SELECT max(id) FROM cycles)",
                         (iso(when),))
    finally:
        conn.close()


def test_worker_catches_up_a_cycle_missed_while_it_was_stopped(tmp_path: Path,
                                                               site: Site) -> None:
    sources = write_sources(tmp_path / "sources.yaml", one_event_per_url(news_site(site, 2)))
    archive = tmp_path / "archive"
    assert worker_once(sources, archive).returncode == 0
    now = now_utc().replace(microsecond=0)
    _set_last_start(archive, now - dt.timedelta(seconds=120))  # stopped since
    due = now - dt.timedelta(seconds=30)  # the start missed meanwhile
    tomorrow = (due.weekday() + 2) % 7  # crontab numbering: Sunday = 0
    # day of month and weekday both restricted: today by the day, then tomorrow by the weekday
    cron = f"{due.second} {due.minute} {due.hour} {due.day} * {tomorrow}"
    log = tmp_path / "worker.log"

    def serve(grace: int) -> str:
        write_settings(sources, f'[schedule]\ncron = "{cron}"\njitter = 2\n'
                       f"misfire_grace = {grace}\n")
        before = log.read_text() if log.exists() else ""
        with running_worker(sources, archive, log) as proc:
            assert wait_for(lambda: "next cycle at" in log.read_text()[len(before):], 30), \
                log.read_text()
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=30) == 0
        return log.read_text()[len(before):]

    text = serve(grace=10)  # missed 30 s ago: past a grace of 10 s
    assert "was missed" in text and "longer than schedule.misfire_grace" in text
    assert query(archive, "SELECT count(*) FROM cycles") == [(1,)]

    text = serve(grace=3600)
    assert "was missed" in text and "running it now" in text
    assert query(archive, "SELECT id, state FROM cycles ORDER BY id") == [
        (1, "finished"), (2, "finished")]  # one catch-up cycle, at once
    found = re.search(r"next cycle at (\S+)", text)
    assert found is not None, text
    when = dt.datetime.fromisoformat(found.group(1))
    expected = due + dt.timedelta(days=1)  # by the weekday: APScheduler alone says next month
    assert expected <= when <= expected + dt.timedelta(seconds=2)  # with its jitter


FAKETIME = next((path for path in (Path("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"),
                                   Path("/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1"),
                                   Path("/usr/lib/faketime/libfaketime.so.1"),
                                   Path("/usr/local/lib/faketime/libfaketime.so.1"))
                 if path.exists()), None)


@pytest.mark.skipif(FAKETIME is None, reason="libfaketime is not installed")
def test_a_start_passed_while_the_machine_slept_runs_on_waking(tmp_path: Path,
                                                               site: Site) -> None:
    """APScheduler sleeps until the next start on the event loop's monotonic
    clock, which stands still while the machine is suspended: a worker started
    at 10:58 for an hourly schedule and suspended until 11:00:00.5 waited its two
    minutes more, and the 11:00 start, then past its grace, was dropped as missed."""
    assert FAKETIME is not None
    sources = write_sources(tmp_path / "sources.yaml", one_event_per_url(news_site(site, 1)))
    write_settings(sources, '[schedule]\ncron = "0 * * * *"\njitter = 0\nmisfire_grace = 6\n')
    archive = tmp_path / "archive"
    log = tmp_path / "worker.log"
    clock = tmp_path / "faketime"

    def wall_clock_at(when: dt.datetime) -> None:  # read by the worker at every call
        clock.write_text(f"{when.timestamp() - time.time():+.3f}s\n", encoding="utf-8")

    due = now_utc().replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)
    wall_clock_at(due - dt.timedelta(minutes=2))
    env = {**os.environ, "LD_PRELOAD": str(FAKETIME), "FAKETIME_TIMESTAMP_FILE": str(clock),
           "FAKETIME_NO_CACHE": "1", "FAKETIME_DONT_FAKE_MONOTONIC": "1"}
    with log.open("w", encoding="utf-8") as out, killed_at_end(subprocess.Popen(
            archiver_cmd("worker", *common_args(sources, archive)), stdout=out,
            stderr=subprocess.STDOUT, env=env, cwd=ROOT)) as proc:
        assert wait_for(lambda: f"next cycle at {due.isoformat()}" in log.read_text(), 30), \
            log.read_text()
        wall_clock_at(due + dt.timedelta(seconds=0.5))  # the machine wakes up
        assert wait_for(lambda: query(archive, "SELECT state FROM cycles") == [("finished",)],
                        10), log.read_text()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0, log.read_text()
    assert "missed" not in log.read_text()
    started = query(archive, "SELECT started FROM cycles")[0][0]
    assert due <= dt.datetime.fromisoformat(started) <= due + dt.timedelta(seconds=6)
