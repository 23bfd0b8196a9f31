"""The scheduled worker: cycles on a cron schedule, one writer, graceful stop.

``archiver worker`` calls :func:`run_worker`, which

1. validates the schedule (``schedule.cron``, ``schedule.timezone``) and the
   notification settings before anything else: a bad value (a time zone that
   cannot be loaded, a cron expression that never fires) is a
   :class:`~archiver.exceptions.SettingsError` naming the setting, and the
   settings file and line it was read from (exit 2);
2. takes the archive lock (:class:`~archiver.lock.ArchiveLock`): a second
   worker or ``run`` on the same archive is refused at once, naming the
   holder's pid and start time;
3. resumes at once a cycle that a crash or a stop left unfinished; then, when a
   scheduled start passed while no worker ran (a start time after the last
   cycle's start, as the store records it), runs one catch-up cycle at once if
   that start is at most ``schedule.misfire_grace`` seconds old (several missed
   starts coalesce into one), and only logs it as missed when it is older
   (:func:`~archiver.cron.missed_cycle`); then runs cycles on the cron schedule
   with APScheduler 3 (``AsyncIOScheduler``, the trigger of
   :func:`~archiver.cron.make_trigger`
   with ``coalesce=True``, ``max_instances=1``, ``misfire_grace_time`` =
   ``schedule.misfire_grace`` and ``jitter`` = ``schedule.jitter``): missed runs
   collapse into one, and a cycle never overlaps the next; ``--once`` runs
   exactly one cycle and exits. The scheduler is woken every
   :func:`wake_period` seconds to read the wall clock again: APScheduler sleeps
   until the next start on the event loop's monotonic clock, which stands
   still while the machine is suspended and does not follow a step of the
   wall clock, so a start due meanwhile began that much late (past the grace:
   not at all);
4. on SIGTERM, SIGINT or SIGHUP sets the pipeline's ``stop`` event: fetches in flight
   finish, no new one starts, the WARC file is closed (renamed from ``.open``),
   the rows are committed and the cycle is recorded as ``interrupted`` (the
   next run resumes it without fetching again what it already checked); then
   it exits 0. A stop signal that comes while the worker starts (the lock
   taken, the archive opened, before the event loop handles signals) is
   noted by :class:`StopSignals`: the worker stops as soon as its loop runs,
   before any cycle, and exits 0 with its lock removed;
5. after each cycle, notifies editors (``notify.py``) of every citation that
   turned ``dead``, ``soft-404`` or ``drifted`` and of every citation
   ``blocked`` longer than ``notify.blocked_after_hours``, once per blocked
   spell; a notification that was not delivered (never attempted before the
   process ended, or every attempt failed) is sent again by the next cycles
   (:func:`pending_notifications` says which and how long). Delivery runs in
   background threads and never holds up a cycle.

The cron expression (crontab(5)'s fields and days, the time zone, the jitter)
is read in :mod:`archiver.cron`.

The sources file is read again before each cycle when it changed; while it is
gone or invalid, each cycle logs so and checks the citations last read.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

from apscheduler.events import EVENT_JOB_MAX_INSTANCES, JobSubmissionEvent
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger

from . import eventloop, notify
from .cron import Missed, make_trigger, missed_cycle, schedule_timezone
from .exceptions import InputError, StorageError
from .lock import ArchiveLock
from .models import Sources
from .notify import (
    BLOCKED,
    Notifier,
    pending_notifications,
    queued_row,
)
from .settings import ScheduleSettings, Settings
from .store import Store, now_utc, parse_iso
from .storeopen import open_store

LOGGER = logging.getLogger(__name__)

JOB_ID = "cycle"


# --------------------------------------------------------------------------
# the worker


class Worker:
    """One archive's worker: runs cycles until stopped. Use :func:`run_worker`."""

    def __init__(self, sources_path: Path, sources: Sources, archive: Path,
                 settings: Settings, trigger: BaseTrigger, store: Store,
                 notifier: Notifier) -> None:
        self.sources_path = sources_path
        self.sources = sources
        self.archive = archive
        self.settings = settings
        self.trigger = trigger
        self.store = store
        self.notifier = notifier
        self.stop = asyncio.Event()  # the pipeline's stop event: set once, ends the worker
        self.cycles = 0
        self.fatal: BaseException | None = None
        self._current: asyncio.Task[None] | None = None
        self._scheduler: AsyncIOScheduler | None = None
        self._sources_seen = self._fingerprint()
        self._sources_problem: str | None = None  # why the file on disk is not in use

    # -- signals --------------------------------------------------------------
    def request_stop(self, signame: str = "stop") -> None:
        if self.stop.is_set():
            LOGGER.info("%s: already stopping, waiting for the fetches in flight", signame)
            return
        LOGGER.info("%s: stopping after the fetches in flight (no new fetch starts)", signame)
        self.stop.set()

    # -- sources --------------------------------------------------------------
    def _fingerprint(self) -> tuple[int, int, int] | None:
        """The sources file's time, size and inode: what tells that it changed."""
        try:
            info = self.sources_path.stat()
        except OSError:
            return None
        return info.st_mtime_ns, info.st_size, info.st_ino

    def _reload_sources(self) -> None:
        """Read the sources file again when it changed (or say why it is not used)."""
        seen = self._fingerprint()
        if seen is None:
            self._sources_problem = "it cannot be found"
            self._sources_seen = None  # back as it was, it is read again (and the problem ends)
        elif seen != self._sources_seen:
            from .sources import load_sources

            self._sources_seen = seen
            try:
                self.sources = load_sources(self.sources_path)
            except InputError as exc:
                self._sources_problem = str(exc)
            else:
                self._sources_problem = None
                LOGGER.info("sources reloaded: %d citations", len(self.sources.citations))
        if self._sources_problem is not None:
            LOGGER.error("the sources file %s is not used (%s): this cycle checks the %d "
                         "citations last read from it", self.sources_path,
                         self._sources_problem, len(self.sources.citations))

    # -- cycles ---------------------------------------------------------------
    async def cycle(self) -> None:
        """Run (or resume) one cycle, log it, and queue its notifications."""
        from .pipeline import run_cycle

        if self.stop.is_set():
            return
        self._reload_sources()
        # (run_cycle says so when it resumes a cycle)
        LOGGER.info("cycle start: %d citations", len(self.sources.citations))
        summary = await run_cycle(self.sources, archive=self.archive, settings=self.settings,
                                  stop=self.stop, store=self.store)
        self.cycles += 1
        LOGGER.info(
            "cycle %d %s: %d citations checked (%d already checked before), %d URLs fetched,"
            " %d status changes; %s", summary.cycle_id,
            "interrupted" if summary.interrupted else "end", summary.checked,
            summary.skipped, summary.fetched, summary.changed,
            " ".join(f"{k}={v}" for k, v in sorted(summary.counts.items()))
            or "nothing to check")
        self._notify(summary.cycle_id)

    def _notify(self, cycle_id: int) -> None:
        if not self.notifier.enabled:
            return
        try:
            row = self.store.cycle(cycle_id)
            started = (parse_iso(row["started"]) if row else None) or now_utc()
            notes = pending_notifications(
                self.store, cycle_started=started, channels=self.notifier.channels,
                blocked_after_hours=self.settings.notify.blocked_after_hours,
                report_title=self.sources.report.get("title"),
                queued=self.notifier.in_flight())
        except Exception:  # notifications must never end the worker
            LOGGER.exception("cannot work out this cycle's notifications")
            return
        for note in notes:
            try:  # recorded before the hand-over: if the process ends first, it is resent
                for channel in note.channels:
                    self.store.record_notification(queued_row(note, channel))
            except Exception:
                LOGGER.exception("cannot record a notification as queued")
            self.notifier.send(note)
        if notes:
            again = sum(1 for n in notes if n.kind != BLOCKED and n.at < started)
            LOGGER.info("%d notifications queued%s", len(notes),
                        f" ({again} not delivered before, sent again)" if again else "")

    async def _scheduled(self) -> None:
        """The APScheduler job: one cycle, shielded from the scheduler's shutdown."""
        if self.stop.is_set():
            return
        self._current = current = asyncio.ensure_future(self._guarded_cycle())
        try:
            await asyncio.shield(current)
        except asyncio.CancelledError:
            if not current.done():
                raise
            # the scheduler shut down as the cycle ended (a storage error stops the
            # worker): the job ends too, not as a failure with a traceback
        finally:
            self._log_next()

    async def _guarded_cycle(self) -> None:
        try:
            await self.cycle()
        except StorageError as exc:  # the archive cannot be written: stop, say why
            self.fatal = exc
            self.request_stop("storage error")
        except Exception:
            LOGGER.exception("the cycle failed; the worker waits for the next one")

    def _log_next(self) -> None:
        if self._scheduler is None or self.stop.is_set():
            return
        job = self._scheduler.get_job(JOB_ID)
        when = job.next_run_time if job is not None else None
        if when is not None:
            LOGGER.info("next cycle at %s", when.isoformat())

    def _missed(self) -> Missed | None:
        last = self.store.last_cycle()
        return missed_cycle(self.settings.schedule,
                            parse_iso(last["started"]) if last else None, now_utc())

    async def serve(self, once: bool) -> None:
        """Resume or run cycles until stopped (or one, with *once*)."""
        from .pipeline import resumable_cycle

        if once:
            await self.cycle()
            return
        missed = self._missed()  # before a resumed cycle starts
        if resumable_cycle(self.store, self.sources) is not None:
            LOGGER.info("the last cycle was left unfinished: resuming it now")
            await self._scheduled()
            if self.fatal is not None:
                return
        if missed is not None and missed.catch_up and not self.stop.is_set():
            LOGGER.info("the cycle due at %s was missed (%.0f s ago, within "
                        "schedule.misfire_grace): running it now", missed.due.isoformat(),
                        missed.late)
            await self._scheduled()
            if self.fatal is not None:
                return
        elif missed is not None and not missed.catch_up:
            LOGGER.warning("the cycle due at %s was missed %.0f s ago, longer than "
                           "schedule.misfire_grace (%g s): not run", missed.due.isoformat(),
                           missed.late, self.settings.schedule.misfire_grace)
        if self.stop.is_set():
            return
        scheduler = AsyncIOScheduler(timezone=schedule_timezone(self.settings.schedule))
        scheduler.add_job(self._scheduled, self.trigger, id=JOB_ID, name="check cycle",
                          coalesce=True, max_instances=1,
                          misfire_grace_time=max(1, int(self.settings.schedule.misfire_grace)))
        scheduler.add_listener(_start_skipped, EVENT_JOB_MAX_INSTANCES)
        self._scheduler = scheduler
        scheduler.start()
        self._log_next()
        period = wake_period(self.settings.schedule)
        try:
            while not self.stop.is_set():
                try:  # (a wait on the monotonic clock, which a suspend stops)
                    await asyncio.wait_for(self.stop.wait(), period)
                except TimeoutError:
                    scheduler.wakeup()  # a start the wall clock passed meanwhile runs now
        finally:
            scheduler.pause()
            if self._current is not None and not self._current.done():
                await self._current  # the cycle ends by itself: the stop event is set
            scheduler.shutdown(wait=False)
            await asyncio.sleep(0)  # let the scheduler's shutdown run on the loop


#: The longest time the scheduler goes without reading the wall clock again.
WAKE_EVERY = 30.0


def wake_period(schedule: ScheduleSettings) -> float:
    """Seconds between two looks of the scheduler at the wall clock: 30, or half
    of ``schedule.misfire_grace`` when that is shorter (at least 0.5). After a
    suspend or a step of the clock, a start that came meanwhile is at most this
    late, within its grace."""
    return max(0.5, min(WAKE_EVERY, schedule.misfire_grace / 2))


def _start_skipped(event: JobSubmissionEvent) -> None:
    """A scheduled start that came while the cycle still runs: one line of the
    worker's own (APScheduler's warning of it is filtered out, see
    :class:`_NoOverlapWarning`)."""
    when = ", ".join(t.isoformat() for t in event.scheduled_run_times[:1])
    LOGGER.info("the start due at %s came while the cycle still runs: skipped (a cycle "
                "never overlaps the next)", when)


class _NoOverlapWarning(logging.Filter):
    """Drops APScheduler's warning of a start skipped for an overlap, repeated at
    every start of a short schedule (``_start_skipped`` says it in one line)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "maximum number of running instances reached" not in record.getMessage()


logging.getLogger("apscheduler.scheduler").addFilter(_NoOverlapWarning())


class StopSignals:
    """SIGTERM, SIGINT and SIGHUP while the event loop does not handle them: as
    the worker starts (the sources read, the archive locked and opened) and as
    it ends (the deliveries drain, the archive is closed and its lock released).

    Their default actions ended the process at once (exit 143, 129 or 130,
    ``archiver.lock`` left behind). Here a stop signal is only noted
    (:attr:`asked`): a worker that is starting stops as soon as its loop runs,
    before any cycle (see :func:`_serve`); one that is ending cuts the drain of
    its deliveries short (:attr:`on_signal`: ``Notifier.hurry``). A context
    manager: the handlers in place before are set again on the way out. Outside
    the main thread it does nothing (no signal comes there)."""

    def __init__(self) -> None:
        self.asked: str | None = None  # the first stop signal that came, by name
        self.on_signal: Callable[[], None] | None = None
        self.signals = eventloop.stop_signals()
        self._previous: dict[signal.Signals, Any] = {}

    @property
    def active(self) -> bool:
        return bool(self._previous)

    def _handle(self, signum: int, _frame: object) -> None:
        if self.asked is None:
            self.asked = signal.Signals(signum).name
        if self.on_signal is not None:
            self.on_signal()

    def __enter__(self) -> StopSignals:
        for sig in self.signals:
            try:
                self._previous[sig] = signal.signal(sig, self._handle)
            except ValueError:  # not the main thread
                break
        return self

    def __exit__(self, *exc: object) -> None:
        previous, self._previous = self._previous, {}
        eventloop.restore_signals(previous)

    def take_back(self, loop: asyncio.AbstractEventLoop, installed: list[signal.Signals]) -> None:
        """Remove the loop's handlers of *installed* and set this one's again.

        Removing a handler from the loop sets the default action (and the loop
        sets it when it closes, for a handler still its own), which would end
        the process: the signals are blocked in this thread between the two (one
        the kernel hands another thread in those microseconds still meets it)."""
        if not self.active:
            for sig in installed:
                loop.remove_signal_handler(sig)
            return
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, self.signals)
        try:
            for sig in installed:
                loop.remove_signal_handler(sig)
                signal.signal(sig, self._handle)
            self.asked = None  # what comes from now on comes as the worker ends
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)


async def _serve(worker: Worker, once: bool, stops: StopSignals) -> int:
    loop = asyncio.get_running_loop()
    installed: list[signal.Signals] = []
    # SIGHUP too: a worker left in a terminal that closes stops as cleanly, but
    # not one started to outlive it (nohup: SIGHUP ignored)
    for sig in eventloop.stop_signals():
        try:
            loop.add_signal_handler(sig, worker.request_stop, sig.name)
            installed.append(sig)
        except (NotImplementedError, RuntimeError):  # not the main thread
            LOGGER.debug("cannot handle %s here", sig.name)
    try:
        if stops.asked is not None:  # it came while the worker started
            worker.request_stop(f"{stops.asked} as the worker started")
        await worker.serve(once)
    finally:
        stops.take_back(loop, installed)
    if worker.fatal is not None:
        raise worker.fatal
    return 0


def run_worker(sources_path: Path, sources: Sources, archive: Path, settings: Settings, *,
               stops: StopSignals, once: bool = False) -> int:
    """Run the worker on *archive* until SIGTERM/SIGINT/SIGHUP (or one cycle with *once*).

    Returns the exit status: 0 after a clean finish or a graceful stop (also a
    stop signal that came while it started: noted by *stops*, which the caller
    set up while it read the sources). Raises :class:`SettingsError` for a bad
    schedule or notification setting,
    :class:`~archiver.exceptions.ArchiveLockedError` when another process holds
    the archive, :class:`StorageError` when the archive cannot be written.
    """
    trigger = make_trigger(settings.schedule)
    notify.validate(settings.notify)
    if stops.asked is not None:
        LOGGER.info("%s: stopped before the archive was opened", stops.asked)
        return 0
    with ArchiveLock(archive, "worker --once" if once else "worker") as lock:
        if lock.took_over:
            LOGGER.warning("took the archive over from pid %s (started %s), which ended "
                           "without releasing it", lock.took_over.get("pid"),
                           lock.took_over.get("started"))
        store = open_store(archive)
        notifier = Notifier(settings.notify, archive)
        try:
            LOGGER.info("worker pid %d on %s: schedule %r (%s)%s", os.getpid(), archive,
                        settings.schedule.cron, settings.schedule.timezone,
                        ", one cycle" if once else "")
            worker = Worker(sources_path, sources, archive, settings, trigger, store,
                            notifier)
            status = eventloop.run(_serve(worker, once, stops))
            LOGGER.info("worker stopped after %d cycles", worker.cycles)
            return status
        finally:
            # a stop signal now (or since the loop ended) cuts the drain short
            stops.on_signal = notifier.hurry
            if stops.asked is not None:
                notifier.hurry()
            notifier.close()
            store.close()
