"""The scheduled worker: one cycle, graceful stop and resume, cron validation, cycles on a cron.

The worker runs as a real subprocess (``python -m archiver worker``) against
loopback sites; its state is read back from the archive's database. The
helpers at the top are shared with the other worker tests (crash, lock,
notify, dedup).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from archiver.cron import make_trigger, next_run_times, translate_weekdays
from archiver.exceptions import SettingsError
from archiver.settings import ScheduleSettings
from archiver.settings import load as load_settings
from archiver.store import parse_iso

from .lab import Site, killed_at_end, news_page
from .sourcesfile import one_event_per_url, write_sources

ROOT = Path(__file__).resolve().parent.parent


# --------------------------------------------------------------------------
# helpers shared by the worker tests


def archiver_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "archiver", *args]


def run_archiver(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(archiver_cmd(*args), capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT)


def common_args(sources: Path, archive: Path) -> list[str]:
    return ["--sources", str(sources), "--archive", str(archive), "--allow-private",
            "--per-host-delay", "0"]


def start_worker(sources: Path, archive: Path, log: Path, *extra: str) -> subprocess.Popen[str]:
    """A worker subprocess; its log goes to a file (a full pipe would block it)."""
    fh = log.open("a", encoding="utf-8")
    try:
        return subprocess.Popen(archiver_cmd("worker", *common_args(sources, archive), *extra),
                                stdout=fh, stderr=subprocess.STDOUT, text=True, cwd=ROOT)
    finally:
        fh.close()


@contextlib.contextmanager
def running_worker(sources: Path, archive: Path, log: Path,
                   *extra: str) -> Iterator[subprocess.Popen[str]]:
    """:func:`start_worker`, killed at the end of the block if it is still running."""
    with killed_at_end(start_worker(sources, archive, log, *extra)) as proc:
        yield proc


def worker_once(sources: Path, archive: Path, *extra: str,
                timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return run_archiver("worker", "--once", *common_args(sources, archive), *extra,
                        timeout=timeout)


def query(archive: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Rows of *sql* on the archive's database, read-only ([] when there is none yet)."""
    path = archive / "archiver.db"
    if not path.exists():
        return []
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
    try:
        return list(conn.execute(sql, params).fetchall())
    except sqlite3.OperationalError:  # schema not created yet
        return []
    finally:
        conn.close()


def wait_for(predicate: Callable[[], bool], timeout: float, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def open_warcs(archive: Path) -> list[Path]:
    return sorted((archive / "warc").glob("*.open"))


def write_settings(sources: Path, text: str) -> None:
    (sources.parent / "archiver.toml").write_text(text, encoding="utf-8")


def news_site(site: Site, count: int, *, prefix: str = "/news/", delay: float = 0.0) -> list[str]:
    """*count* article pages on *site*; returns their URLs."""
    urls = []
    for i in range(count):
        path = f"{prefix}{i}"
        site.page(path, news_page(f"Malaysia deports group {i} of Taiwanese to China",
                                  f"Malaysia deported group {i} to China.\n\n"
                                  "Taiwan protested the deportation to China.",
                                  published="2016-05-03"), delay=delay)
        urls.append(site.url(path))
    return urls


def page_hits(site: Site, urls: list[str]) -> Counter[str]:
    paths = {u[len(site.origin):] for u in urls}
    return Counter(h.path for h in list(site.hits) if h.path in paths)


# --------------------------------------------------------------------------
# the schedule (pure)


def test_crontab_weekday_numbers_mean_what_crontab_says() -> None:
    after = dt.datetime(2026, 11, 25, tzinfo=dt.UTC)  # a Wednesday
    sundays = next_run_times(ScheduleSettings(cron="0 3 * * 0"), 3, after=after)
    assert [t.weekday() for t in sundays] == [6, 6, 6]  # APScheduler alone would say Monday
    assert all((t.hour, t.minute) == (3, 0) for t in sundays)
    assert translate_weekdays("7") == "sun"
    assert translate_weekdays("1-5") == "mon,tue,wed,thu,fri"
    assert translate_weekdays("fri-sun") == "sun,fri,sat"
    assert translate_weekdays("*/2") == "sun,tue,thu,sat"
    workdays = next_run_times(ScheduleSettings(cron="30 6 * * 1-5"), 10, after=after)
    assert {t.weekday() for t in workdays} == {0, 1, 2, 3, 4}


def test_six_fields_give_seconds_and_the_timezone_is_honoured() -> None:
    after = dt.datetime(2026, 11, 25, 12, 0, 1, tzinfo=dt.UTC)
    times = next_run_times(ScheduleSettings(cron="*/10 * * * * *"), 3, after=after)
    assert [t.second for t in times] == [10, 20, 30]
    berlin = next_run_times(ScheduleSettings(cron="0 3 * * *", timezone="Europe/Berlin"), 1,
                            after=after)[0]
    assert berlin.hour == 3 and berlin.astimezone(dt.UTC).hour == 2  # CET is UTC+1


@pytest.mark.parametrize("cron, named", [
    ("0 25 * * *", "schedule.cron"),
    ("every night", "schedule.cron"),
    ("0 3 * * 8", "schedule.cron"),
    ("0 3 * *", "schedule.cron"),
])
def test_invalid_cron_is_a_settings_error_naming_it(cron: str, named: str) -> None:
    with pytest.raises(SettingsError, match=named):
        make_trigger(ScheduleSettings(cron=cron))


def test_invalid_timezone_is_named() -> None:
    with pytest.raises(SettingsError, match="schedule.timezone"):
        make_trigger(ScheduleSettings(timezone="Mars/Olympus"))


def test_jitter_and_misfire_reach_the_trigger() -> None:
    trigger = make_trigger(ScheduleSettings(cron="0 3 * * *", jitter=120))
    assert trigger.jitter == 120
    assert make_trigger(ScheduleSettings(jitter=0)).jitter is None


def _loaded(tmp_path: Path, text: str) -> tuple[Path, ScheduleSettings]:
    """The schedule section of an ``archiver.toml`` holding *text*, and the file."""
    path = tmp_path / "archiver.toml"
    path.write_text(text, encoding="utf-8")
    return path, load_settings(path).schedule


@pytest.mark.parametrize("zone", [
    "America",  # a folder of zones: IsADirectoryError
    "Europe/" + "x" * 5000,  # longer than a file name may be: OSError (errno 36)
    "zone.tab",  # a file of tzdata that is not a zone
    "Mars/Olympus",
])
def test_a_timezone_that_cannot_be_loaded_is_refused_with_file_and_line(
        tmp_path: Path, zone: str) -> None:
    path, schedule = _loaded(tmp_path, f'[schedule]\ncron = "0 3 * * *"\ntimezone = "{zone}"\n')
    with pytest.raises(SettingsError) as info:
        make_trigger(schedule)
    assert str(info.value).startswith(f"{path}:3: schedule.timezone: unknown time zone")
    assert len(str(info.value)) < 300  # a 5000-character name is not repeated in full


def test_cron_errors_name_file_and_line(tmp_path: Path) -> None:
    path, schedule = _loaded(tmp_path, '[schedule]\njitter = 0\n\ncron = "0 3 * * 9"\n')
    with pytest.raises(SettingsError) as info:
        make_trigger(schedule)
    assert str(info.value).startswith(f"{path}:4: schedule.cron: not a valid cron expression")


@pytest.mark.parametrize("cron", [
    "* * 31 2 *",  # 31 February
    "0 0 31 4,6,9,11 *",  # the 31st of a month of 30 days
    "0 0 30 2 */2",  # a weekday starting with * does not widen the days (crontab(5))
    "*/10 * * 30 2 *",  # six fields: seconds first
])
def test_a_cron_that_never_fires_is_refused(tmp_path: Path, cron: str) -> None:
    path, schedule = _loaded(tmp_path, f'[schedule]\ncron = "{cron}"\n')
    with pytest.raises(SettingsError) as info:
        make_trigger(schedule)
    assert str(info.value).startswith(f"{path}:2: schedule.cron: ")
    assert "never fires" in str(info.value)


def test_a_rare_cron_is_not_a_cron_that_never_fires() -> None:
    after = dt.datetime(2026, 11, 25, tzinfo=dt.UTC)
    leap = next_run_times(ScheduleSettings(cron="0 0 29 2 *"), 2, after=after)
    assert [t.year for t in leap] == [2028, 2032]
    mondays = next_run_times(ScheduleSettings(cron="0 0 30 2 1"), 1, after=after)  # either
    assert mondays[0].month == 2 and mondays[0].weekday() == 0


@pytest.mark.parametrize("values, named", [
    ({"jitter": 86401.0}, "schedule.jitter"),
    ({"jitter": float("nan")}, "schedule.jitter"),
    ({"misfire_grace": 1e12}, "schedule.misfire_grace"),  # now - grace: before year 1
    ({"misfire_grace": float("inf")}, "schedule.misfire_grace"),
])
def test_jitter_and_misfire_grace_are_bounded(values: dict[str, float], named: str) -> None:
    with pytest.raises(SettingsError, match=named):
        make_trigger(ScheduleSettings(**values))  # type: ignore[arg-type]


# --------------------------------------------------------------------------
# the worker (subprocess)


def test_worker_once_runs_exactly_one_cycle(tmp_path: Path, site: Site) -> None:
    urls = news_site(site, 4)
    sources = write_sources(tmp_path / "sources.yaml", one_event_per_url(urls))
    archive = tmp_path / "archive"
    proc = worker_once(sources, archive)
    assert proc.returncode == 0, proc.stderr
    assert query(archive, "SELECT id, state FROM cycles") == [(1, "finished")]
    assert query(archive, "SELECT count(*), count(DISTINCT url) FROM checks WHERE cycle_id = 1") \
        == [(4, 4)]
    assert not open_warcs(archive)
    assert "cycle start: 4 citations" in proc.stderr
    assert "cycle 1 end: 4 citations checked" in proc.stderr
    assert all(n == 1 for n in page_hits(site, urls).values())


def test_invalid_cron_exits_2_naming_the_setting(tmp_path: Path, site: Site) -> None:
    sources = write_sources(tmp_path / "sources.yaml", one_event_per_url(news_site(site, 1)))
    write_settings(sources, '[schedule]\ncron = "0 3 * * 9"\n')
    proc = worker_once(sources, tmp_path / "archive")
    assert proc.returncode == 2
    assert "schedule.cron" in proc.stderr and "Traceback" not in proc.stderr
    assert not site.hits  # refused before any fetch
    assert not (tmp_path / "archive" / "archiver.db").exists()


def _stopped_mid_cycle(tmp_path: Path, site: Site, sig: signal.Signals
                       ) -> tuple[list[str], Path, Path, Path]:
    """A ``worker --once`` over 40 slow pages, sent *sig* once 6 were fetched:
    the URLs, the sources file, the archive and the log."""
    urls = news_site(site, 40, delay=0.1)
    sources = write_sources(tmp_path / "sources.yaml", one_event_per_url(urls))
    write_settings(sources, '[schedule]\ncron = "0 3 1 1 *"\njitter = 0\n')  # not due soon
    archive = tmp_path / "archive"
    log = tmp_path / "worker.log"
    with running_worker(sources, archive, log, "--once") as proc:
        assert wait_for(lambda: sum(page_hits(site, urls).values()) >= 6, 60)
        proc.send_signal(sig)
        assert proc.wait(timeout=30) == 0, log.read_text()
    return urls, sources, archive, log


def test_sigterm_stops_cleanly_and_the_next_worker_resumes(tmp_path: Path, site: Site) -> None:
    urls, sources, archive, log = _stopped_mid_cycle(tmp_path, site, signal.SIGTERM)
    assert not open_warcs(archive)
    assert query(archive, "SELECT id, state FROM cycles") == [(1, "interrupted")]
    first = {r[0][len(site.origin):]
             for r in query(archive, "SELECT url FROM checks WHERE cycle_id = 1")}
    captured = {r[0][len(site.origin):] for r in query(archive, "SELECT url FROM captures")}
    hits_first = page_hits(site, urls)
    # in flight: finished and archived; judged when the site's soft-404 probe was
    # sent before the stop (a page whose probe the stop kept back is checked next time)
    assert 6 <= len(captured) < 40 and set(hits_first) == captured
    assert first <= captured
    assert "SIGTERM: stopping" in log.read_text()

    # the next worker (scheduled, nothing due) resumes the unfinished cycle at once
    with running_worker(sources, archive, log) as proc:
        assert wait_for(lambda: query(archive, "SELECT state FROM cycles WHERE id = 1")
                        == [("finished",)], 60), log.read_text()
        assert wait_for(lambda: "next cycle at" in log.read_text(), 10)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    text = log.read_text()
    assert "resuming it now" in text and "next cycle at 20" in text
    assert query(archive, "SELECT count(*) FROM cycles") == [(1,)]
    rows = query(archive, "SELECT url, count(*) FROM checks WHERE cycle_id = 1 GROUP BY url")
    assert len(rows) == 40 and all(n == 1 for _, n in rows)
    hits = page_hits(site, urls)
    # nothing checked fetched twice; only what was archived unjudged is fetched again
    assert {p: n for p, n in hits.items() if n > 1} == dict.fromkeys(captured - first, 2)
    assert len(hits) == 40
    assert not open_warcs(archive)


def test_a_worker_started_after_a_cycle_killed_past_its_last_check_runs_none(
        tmp_path: Path, site: Site) -> None:
    """A cycle killed between its last check and its end: the next worker closed
    it, but ran a whole new cycle at once, off its schedule (logging "resuming")."""
    urls = news_site(site, 3)
    sources = write_sources(tmp_path / "sources.yaml", one_event_per_url(urls))
    write_settings(sources, '[schedule]\ncron = "0 3 1 1 *"\njitter = 0\n')  # not due soon
    archive = tmp_path / "archive"
    done = run_archiver("run", *common_args(sources, archive))
    assert done.returncode == 0, done.stderr
    conn = sqlite3.connect(archive / "archiver.db")
    with conn:  # as a kill -9 before the cycle's end leaves it
        conn.execute("UPDATE cycles SET state = 'running', finished = NULL")
    conn.close()
    hits = sum(page_hits(site, urls).values())
    log = tmp_path / "worker.log"
    with running_worker(sources, archive, log) as proc:
        assert wait_for(lambda: "next cycle at" in log.read_text(), 30), log.read_text()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    assert sum(page_hits(site, urls).values()) == hits, log.read_text()
    assert query(archive, "SELECT state FROM cycles") == [("finished",)]
    assert "resuming" not in log.read_text()


def test_sighup_stops_a_cycle_as_cleanly_as_sigterm(tmp_path: Path, site: Site) -> None:
    """A worker left in a terminal that closes gets SIGHUP: it stops as on
    SIGTERM (its workers ignore it; the parent decides), leaving no open WARC."""
    _, _, archive, log = _stopped_mid_cycle(tmp_path, site, signal.SIGHUP)
    assert "SIGHUP: stopping" in log.read_text()
    assert query(archive, "SELECT id, state FROM cycles") == [(1, "interrupted")]
    assert not open_warcs(archive)


def test_cron_every_second_runs_cycles_until_sigterm(tmp_path: Path, site: Site) -> None:
    urls = news_site(site, 3)
    sources = write_sources(tmp_path / "sources.yaml", one_event_per_url(urls))
    write_settings(sources, '[schedule]\ncron = "* * * * * *"\njitter = 0\n'
                   'misfire_grace = 5\n')
    archive = tmp_path / "archive"
    log = tmp_path / "worker.log"
    with running_worker(sources, archive, log) as proc:
        assert wait_for(lambda: len(query(archive, "SELECT id FROM cycles WHERE state ="
                                          " 'finished'")) >= 3, 60), log.read_text()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    cycles = query(archive, "SELECT id, started, finished, state FROM cycles ORDER BY id")
    assert len(cycles) >= 3
    assert all(state in ("finished", "interrupted") for *_, state in cycles)
    for (_, _, prev_end, _), (_, start, _, _) in zip(cycles, cycles[1:], strict=False):
        begin, end = parse_iso(start), parse_iso(prev_end)
        assert begin is not None and end is not None
        assert begin >= end  # max_instances=1: cycles never overlap
    per_cycle = query(archive, "SELECT cycle_id, count(*) FROM checks GROUP BY cycle_id")
    assert all(n == 3 for cid, n in per_cycle if cid != cycles[-1][0])
    assert not open_warcs(archive)
    text = log.read_text()
    assert text.count("next cycle at") >= 3
    assert "worker stopped after" in text



def test_the_sources_file_is_read_again_when_it_changes(tmp_path: Path, site: Site) -> None:
    """A change is seen even when the file keeps its time (a save on a file system
    with coarse times); while the file is broken or gone, every cycle says so and
    checks the citations last read."""
    urls = news_site(site, 4)
    sources = write_sources(tmp_path / "sources.yaml", one_event_per_url(urls[:2]))
    write_settings(sources, '[schedule]\ncron = "* * * * * *"\njitter = 0\n'
                   'misfire_grace = 5\n')
    archive = tmp_path / "archive"
    log = tmp_path / "worker.log"

    def finished() -> int:
        return len(query(archive, "SELECT id FROM cycles WHERE state = 'finished'"))

    def checked(url: str) -> bool:
        return bool(query(archive, "SELECT id FROM checks WHERE url = ?", (url,)))

    with running_worker(sources, archive, log) as proc:
        assert wait_for(lambda: finished() >= 1, 60), log.read_text()
        stamp = sources.stat().st_mtime_ns
        write_sources(sources, one_event_per_url(urls[:3]))  # a third citation...
        os.utime(sources, ns=(stamp, stamp))  # ...in a file that kept its time
        assert wait_for(lambda: checked(urls[2]), 60), log.read_text()
        sources.write_text("events: [\n", encoding="utf-8")  # broken
        # (waited for in the log: a cycle that started before the file broke ends too)
        assert wait_for(lambda: log.read_text().count("YAML syntax error") >= 2, 60), \
            log.read_text()
        sources.unlink()  # gone
        assert wait_for(lambda: "is not used (it cannot be found)" in log.read_text(), 60), \
            log.read_text()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    text = log.read_text()
    assert text.count("is not used (") >= 3 and "YAML syntax error" in text
    assert "is not used (it cannot be found)" in text
    assert "checks the 3 citations last read" in text and not checked(urls[3])


def _archive_state(archive: Path) -> dict[str, tuple[int, bytes]]:
    """Every file of *archive*: its modification time and bytes."""
    return {str(p.relative_to(archive)): (p.stat().st_mtime_ns, p.read_bytes())
            for p in sorted(archive.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("settings_text, line", [
    ('[schedule]\ncron = "0 3 * * *"\ntimezone = "America"\n', 3),
    ('[schedule]\ntimezone = "Europe/' + "x" * 5000 + '"\n', 2),
    ('[schedule]\njitter = 0\ncron = "* * 31 2 *"\n', 3),
    ('[fetch]\nuser_agent = "archivér ☃"\n', 2),
    ('[fetch]\nuser_agent = "a\\r\\nX-Evil: 1"\n', 2),
    ('[fetch]\ntimeout = 5\nbackoff = inf\n', 3),
    ('[fetch]\nper_host_delay = 1e300\n', 2),
    ('[notify]\nwebhook_url = "ftp://127.0.0.1/hook"\n', 2),
    (None, None),  # archiver.toml: a symbolic link to a file moved away
])
def test_bad_settings_exit_2_before_touching_the_archive(
        tmp_path: Path, site: Site, settings_text: str | None, line: int | None) -> None:
    urls = news_site(site, 2)
    sources = write_sources(tmp_path / "sources.yaml", one_event_per_url(urls))
    archive = tmp_path / "archive"
    assert worker_once(sources, archive).returncode == 0
    before, hits = _archive_state(archive), len(site.hits)
    settings = sources.parent / "archiver.toml"
    if settings_text is None:
        settings.symlink_to(tmp_path / "moved-away.toml")
    else:
        write_settings(sources, settings_text)
    proc = worker_once(sources, archive)
    assert proc.returncode == 2, proc.stderr
    assert (f"{settings}:{line}: " if line else f"{settings}: ") in proc.stderr
    assert "Traceback" not in proc.stderr
    assert len(site.hits) == hits  # nothing fetched
    assert _archive_state(archive) == before  # nothing archived touched


class _HangingHook:
    """A webhook on loopback that takes a request and answers only after
    *hold* seconds (bounded): deliveries are in progress when the worker ends."""

    def __init__(self, hold: float = 30.0) -> None:
        import http.server
        import threading

        self.requests = 0
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (the stdlib's name)
                outer.requests += 1
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                time.sleep(hold)
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.parametrize("signals", [(signal.SIGTERM,), (signal.SIGTERM, signal.SIGTERM),
                                     (signal.SIGINT, signal.SIGINT), (signal.SIGHUP,)])
def test_a_stop_while_deliveries_drain_ends_cleanly(tmp_path: Path, site: Site,
                                                    signals: tuple[signal.Signals, ...]) -> None:
    """Once the cycle's event loop had ended (deliveries draining, up to 35 s), a
    stop signal met the default action: exit 143 (129, or 130 with "Error:
    interrupted"), archiver.lock left behind for the next start to take over."""
    site.page("/gone", "<h1>Not here</h1>", status=404)
    sources = write_sources(tmp_path / "sources.yaml", one_event_per_url([site.url("/gone")]))
    archive = tmp_path / "archive"
    hook = _HangingHook()
    try:
        write_settings(sources, f'[schedule]\ncron = "0 0 1 1 *"\n[notify]\nwebhook_url = '
                                f'"{hook.url}"\ntimeout = 20\n')
        log = tmp_path / "worker.log"
        with running_worker(sources, archive, log, "--once") as proc:
            assert wait_for(lambda: hook.requests >= 1, 60), log.read_text()
            time.sleep(0.3)  # the cycle's loop has ended: the drain waits on the hook
            for sig in signals:
                proc.send_signal(sig)
                time.sleep(0.02)
            started = time.monotonic()
            assert proc.wait(timeout=30) == 0, log.read_text()
        assert time.monotonic() - started < 10
    finally:
        hook.close()
    text = log.read_text()
    assert "Traceback" not in text and "interrupted" not in text.lower().replace(
        "cycle interrupted", ""), text
    assert not (archive / "archiver.lock").exists()


def test_a_sources_file_moved_away_and_back_is_read_again(tmp_path: Path, site: Site) -> None:
    """Moved back unchanged (same time, size and inode), the file kept being "not
    used (it cannot be found)" at every cycle: its fingerprint matched the one
    read before it went."""
    urls = news_site(site, 2)
    sources = write_sources(tmp_path / "sources.yaml", one_event_per_url(urls))
    write_settings(sources, '[schedule]\ncron = "* * * * * *"\njitter = 0\n'
                   'misfire_grace = 5\n')
    archive = tmp_path / "archive"
    log = tmp_path / "worker.log"
    away = tmp_path / "away.yaml"
    with running_worker(sources, archive, log) as proc:
        assert wait_for(lambda: "cycle finished" in log.read_text() or len(query(
            archive, "SELECT id FROM cycles WHERE state = 'finished'")) >= 1, 60), \
            log.read_text()
        sources.rename(away)
        assert wait_for(lambda: "is not used (it cannot be found)" in log.read_text(), 60), \
            log.read_text()
        away.rename(sources)
        assert wait_for(lambda: "sources reloaded" in log.read_text(), 60), log.read_text()
        mark = len(log.read_text())
        assert wait_for(lambda: log.read_text()[mark:].count("cycle start") >= 2, 60)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    assert "is not used" not in log.read_text()[mark:]


def test_the_night_clocks_go_back_starts_a_wall_clock_time_once() -> None:
    """`30 2 * * *` in Europe/Berlin ran twice on 2026-10-25 (00:30 and 01:30
    UTC); and next_run_times, stepping on from that second start by a
    microsecond (which loses its fold), got it back again and again."""
    from archiver.cron import make_trigger

    night = ScheduleSettings(cron="30 2 * * *", timezone="Europe/Berlin", jitter=0)
    times = next_run_times(night, 3, after=dt.datetime(2026, 10, 24, 12, tzinfo=dt.UTC))
    assert [t.astimezone(dt.UTC) for t in times] == [
        dt.datetime(2026, 10, 25, 0, 30, tzinfo=dt.UTC),
        dt.datetime(2026, 10, 26, 1, 30, tzinfo=dt.UTC),
        dt.datetime(2026, 10, 27, 1, 30, tzinfo=dt.UTC)]
    assert [t.hour for t in times] == [2, 2, 2]  # shown in the schedule's own zone
    # the scheduler's loop over the runs due by a time: it ends, each start once
    trigger = make_trigger(night)
    now = dt.datetime(2026, 10, 25, 6, 0, tzinfo=dt.UTC)
    due, nxt = [], trigger.get_next_fire_time(None, dt.datetime(2026, 10, 24, 12, tzinfo=dt.UTC))
    while nxt is not None and nxt <= now and len(due) < 10:
        due.append(nxt)
        nxt = trigger.get_next_fire_time(nxt, now)
    # (in UTC: an aware time in the hour that comes twice equals no time of another zone)
    assert [t.astimezone(dt.UTC) for t in due] == [dt.datetime(2026, 10, 25, 0, 30,
                                                               tzinfo=dt.UTC)]
    # every 20 minutes: each wall-clock time once, the second 02:00-03:00 left out
    often = ScheduleSettings(cron="*/20 * * * *", timezone="Europe/Berlin", jitter=0)
    starts = [t.astimezone(dt.UTC) for t in next_run_times(
        often, 6, after=dt.datetime(2026, 10, 24, 23, 50, tzinfo=dt.UTC))]
    assert [t.strftime("%H:%M") for t in starts] == \
        ["00:00", "00:20", "00:40", "02:00", "02:20", "02:40"]
    # with a jitter, the skip still holds (the jitter is added after it)
    jittered = make_trigger(dataclasses.replace(night, jitter=120))
    first = jittered.get_next_fire_time(None, dt.datetime(2026, 10, 24, 12, tzinfo=dt.UTC))
    second = jittered.get_next_fire_time(first, first)
    assert second.astimezone(dt.UTC) >= dt.datetime(2026, 10, 26, 1, 30, tzinfo=dt.UTC)


def test_a_worker_under_nohup_outlives_its_terminal(tmp_path: Path, site: Site) -> None:
    """``nohup archiver worker &``: SIGHUP is ignored by whoever started it, and the
    worker no longer replaces that with a stop (months of checks ended with an
    SSH session); SIGTERM still stops it."""
    urls = news_site(site, 5)
    sources = write_sources(tmp_path / "sources.yaml", one_event_per_url(urls))
    write_settings(sources, '[schedule]\ncron = "0 3 1 1 *"\njitter = 0\n')
    archive = tmp_path / "archive"
    log = tmp_path / "worker.log"

    def nohup() -> None:
        signal.signal(signal.SIGHUP, signal.SIG_IGN)

    with log.open("a", encoding="utf-8") as fh:
        proc = subprocess.Popen(archiver_cmd("worker", *common_args(sources, archive)),
                                stdout=fh, stderr=subprocess.STDOUT, text=True, cwd=ROOT,
                                preexec_fn=nohup)
    try:
        assert wait_for(lambda: "next cycle at" in log.read_text(), 60), log.read_text()
        proc.send_signal(signal.SIGHUP)
        time.sleep(1.0)
        assert proc.poll() is None, log.read_text()
        assert "SIGHUP: stopping" not in log.read_text()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_a_start_during_the_cycle_is_one_line_of_the_workers() -> None:
    """A short schedule's start that comes while the cycle runs is skipped (a cycle
    never overlaps the next): said in one line of the worker's, not APScheduler's
    warning at every start."""
    import logging

    from apscheduler.events import EVENT_JOB_MAX_INSTANCES, JobSubmissionEvent

    from archiver import schedule

    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    keep = Keep()
    aps = logging.getLogger("apscheduler.scheduler")
    ours = logging.getLogger("archiver.schedule")
    aps.addHandler(keep)
    ours.addHandler(keep)
    level = ours.level
    ours.setLevel(logging.INFO)
    try:
        aps.warning('Execution of job "%s" skipped: maximum number of running instances '
                    'reached (%d)', "check cycle", 1)
        when = dt.datetime(2026, 11, 27, 6, 53, 37, tzinfo=dt.UTC)
        schedule._start_skipped(JobSubmissionEvent(EVENT_JOB_MAX_INSTANCES, "check", None,
                                                   [when]))
    finally:
        aps.removeHandler(keep)
        ours.removeHandler(keep)
        ours.setLevel(level)
    assert [r.name for r in records] == ["archiver.schedule"]
    assert "2026-11-27T06:53:37+00:00" in records[0].getMessage()
    assert "skipped" in records[0].getMessage()


_PAUSED_START = """
import sys
import archiver.schedule, archiver.sources
from archiver.cli import cli

def paused(module, name):  # says when it is reached, then waits for standard input to close
    real = getattr(module, name)
    def wrapper(*args, **kwargs):
        result = real(*args, **kwargs)
        print(name, flush=True)
        sys.stdin.read()
        return result
    setattr(module, name, wrapper)

paused(archiver.schedule if sys.argv[1] == "open_store" else archiver.sources, sys.argv[1])
cli.main(args=sys.argv[2:], prog_name="archiver")
"""


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
@pytest.mark.parametrize("moment", ["load_sources", "open_store"])
def test_a_stop_signal_as_the_worker_starts_stops_it_cleanly(tmp_path: Path, site: Site,
                                                             sig: signal.Signals,
                                                             moment: str) -> None:
    """Between reading the sources (the archive locked, then opened) and the
    event loop's handlers, no handler was set: SIGTERM or SIGHUP ended the
    worker with 143 or 129 and left ``archiver.lock`` behind, SIGINT was an
    interruption (130). The worker is paused there (the real start-up, told to
    wait for its standard input to close) while it gets the signal."""
    urls = news_site(site, 2)
    sources = write_sources(tmp_path / "sources.yaml", one_event_per_url(urls))
    write_settings(sources, '[schedule]\ncron = "0 3 1 1 *"\njitter = 0\n')  # not due soon
    archive = tmp_path / "archive"
    with killed_at_end(subprocess.Popen(
            [sys.executable, "-c", _PAUSED_START, moment, "worker",
             *common_args(sources, archive)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, cwd=ROOT)) as proc:
        assert proc.stdout is not None
        assert proc.stdout.readline() == f"{moment}\n"
        assert (archive / "archiver.lock").exists() == (moment == "open_store")
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=30)  # (closes its standard input: it goes on)
    assert proc.returncode == 0, err
    assert not (archive / "archiver.lock").exists(), err
    assert "Traceback" not in err
    assert f"{sig.name}" in err and ("stopped before the archive was opened" in err
                                     if moment == "load_sources" else
                                     "as the worker started: stopping" in err), err
    assert query(archive, "SELECT count(*) FROM cycles") in ([], [(0,)])  # no cycle started
    assert not site.hits
