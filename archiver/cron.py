"""The cron schedule: ``schedule.cron`` as a trigger, its start times, the starts missed.

:func:`make_trigger` checks the ``[schedule]`` settings and makes the trigger
the worker (:mod:`archiver.schedule`) runs its cycles on: a bad value (a time
zone that cannot be loaded, a cron expression that never fires) is a
:class:`~archiver.exceptions.SettingsError` naming the setting, and the
settings file and line it was read from. :func:`next_run_times` lists the
starts to come; :func:`missed_cycle` finds the start that passed while no
worker ran.

The cron expression is a standard crontab (``minute hour day month weekday``,
weekday 0 or 7 = Sunday, as in crontab(5)); a sixth leading field, when
present, gives the seconds (``*/10 * * * * *``: every ten seconds). APScheduler
3 counts weekdays from Monday = 0: the weekday field is translated, so
``0 3 * * 0`` runs on Sundays as crontab would. As in crontab(5), when both the
day of month and the weekday are restricted (neither starts with ``*``), a day
matching *either* runs: ``0 3 1 * 1`` is the 1st of each month and every
Monday (an ``OrTrigger`` of two ``CronTrigger``; APScheduler alone would
require both). When one of them starts with ``*`` (``*/2``), both must match,
as in crontab.

Jitter: ``schedule.jitter`` only delays the *start* of a scheduled cycle (many
archives do not all start at the same second); within a cycle, each site's
requests are spread by the fetcher's ``fetch.per_host_delay``.

A start at a wall-clock time runs once, as in crontab(5), also on the night
the clocks go back (:class:`_WallClock`).

Example::

    trigger = make_trigger(settings.schedule)
    sundays = next_run_times(ScheduleSettings(cron="0 3 * * 0"), 3)
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger

from .settings import DAY, MAX_MISFIRE_GRACE, ScheduleSettings, shown
from .store import now_utc

_DAY_NAMES = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"]
_DOW_NAMES = [name[:3] for name in _DAY_NAMES]  # APScheduler's day names


def _crontab_weekday(token: str) -> int:
    """0-7 (0 and 7 = Sunday) or a day name (``sun``, ``sunday``) -> 0-6, Sunday = 0."""
    low = token.strip().lower()
    for number, name in enumerate(_DAY_NAMES):
        if low in (name, name[:3]):
            return number
    if not low.isdigit() or not 0 <= int(low) <= 7:
        raise ValueError(f"bad weekday {token!r} (0-7 or sun-sat)")
    return int(low) % 7


def translate_weekdays(field: str) -> str:
    """A crontab weekday field (0/7 = Sunday) in APScheduler 3 terms (names, Monday first).

    ``*`` stays ``*``; anything else becomes an explicit list of day names, so
    ranges that wrap past Sunday (``5-7``, ``fri-sun``) keep working.
    """
    if field in ("*", "?"):
        return "*"
    days: set[int] = set()
    for part in field.split(","):
        base, _, step_text = part.partition("/")
        step = 1
        if step_text:
            if not step_text.isdigit() or int(step_text) < 1:
                raise ValueError(f"bad step in weekday field {part!r}")
            step = int(step_text)
        if base == "*":
            lo, hi = 0, 6
        elif "-" in base:
            a, b = base.split("-", 1)
            lo, hi = _crontab_weekday(a), _crontab_weekday(b)
            if hi == 0 and lo > 0:  # 5-7, fri-sun: Sunday ends the range
                hi = 7
            if hi < lo:
                raise ValueError(f"weekday range {base!r} runs backwards")
        else:
            lo = _crontab_weekday(base)
            hi = 6 if step_text else lo
        days.update(d % 7 for d in range(lo, hi + 1, step))
    if not days:
        raise ValueError(f"empty weekday field {field!r}")
    return ",".join(_DOW_NAMES[d] for d in sorted(days))


def schedule_timezone(schedule: ScheduleSettings) -> dt.tzinfo:
    """The time zone of ``schedule.cron``; one that cannot be loaded is a SettingsError.

    Unknown, a folder of zones (``America``), a name too long for the file
    system, a file that is not a zone (``zone.tab``): all are refused alike.
    """
    try:
        return dt.UTC if schedule.timezone == "UTC" else ZoneInfo(schedule.timezone)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise schedule.error(f"schedule.timezone: unknown time zone {shown(schedule.timezone)} "
                             "(use a name such as UTC or Europe/Berlin)", "timezone") from None


def _restricted(field: str) -> bool:
    """Whether a day field restricts the days, in crontab(5)'s sense (not ``*``, ``*/n``)."""
    return not field.startswith(("*", "?"))


def make_trigger(schedule: ScheduleSettings) -> BaseTrigger:
    """The trigger of ``schedule.cron``; a bad value is a SettingsError naming the setting.

    A ``CronTrigger``, or an ``OrTrigger`` of two when both day fields are
    restricted (crontab(5) runs on a day matching either). The jitter is the
    returned trigger's own (``trigger.jitter``). An expression that never
    fires (``* * 31 2 *``) is refused: a crontab without a year field repeats
    itself, so no start time before APScheduler's last year (9999) means none
    ever.
    """
    tz = schedule_timezone(schedule)
    if not 0 <= schedule.jitter <= DAY:
        raise schedule.error(f"schedule.jitter must not be negative and at most 86400 (a day), "
                             f"not {schedule.jitter!r}", "jitter")
    if not 0 < schedule.misfire_grace <= MAX_MISFIRE_GRACE:
        raise schedule.error(f"schedule.misfire_grace must be positive and at most "
                             f"{MAX_MISFIRE_GRACE:.0f} (366 days), not "
                             f"{schedule.misfire_grace!r}", "misfire_grace")
    trigger = _WallClock(_cron_trigger(schedule, tz), tz, schedule.jitter or None)
    if trigger.get_next_fire_time(None, now_utc()) is None:
        raise schedule.error(f"schedule.cron: {shown(schedule.cron)} never fires (no such "
                             "date: the day does not exist in the months given)", "cron")
    return trigger


class _WallClock(BaseTrigger):  # type: ignore[misc]  # (APScheduler has no types)
    """A cron trigger that starts once a wall-clock time, as crontab(5) does, also
    on the night clocks go back: APScheduler's gives ``30 2 * * *`` in
    Europe/Berlin twice that night (at 00:30 and 01:30 UTC). A start in the
    second of the two hours is skipped. Times are read and given in UTC (a step
    of a microsecond from the second 02:30, written in the zone, loses its fold
    and lands on it again). The jitter is this trigger's, added after the skip."""

    def __init__(self, inner: BaseTrigger, tz: dt.tzinfo, jitter: float | None) -> None:
        self.inner = inner
        self.tz = tz
        self.jitter = jitter

    def get_next_fire_time(self, previous_fire_time: dt.datetime | None,
                           now: dt.datetime) -> dt.datetime | None:
        previous = previous_fire_time.astimezone(dt.UTC) if previous_fire_time else None
        found: dt.datetime | None = self.inner.get_next_fire_time(previous, now)
        # (bounded: a start every second has 3,600 in the hour that comes twice)
        for _ in range(_REPEATED_HOUR_STARTS):
            if found is None or not _second_of_two(found, self.tz):
                break
            after = found.astimezone(dt.UTC)
            found = self.inner.get_next_fire_time(after, after + dt.timedelta(microseconds=1))
        if found is None:
            return None
        nxt = found.astimezone(dt.UTC)
        if self.jitter:
            jittered: dt.datetime = self._apply_jitter(nxt, self.jitter, now)
            return jittered
        return nxt

    def __str__(self) -> str:
        return str(self.inner)


#: Starts skipped at most in the hour that comes twice (one a second, and more).
_REPEATED_HOUR_STARTS = 4000


def _second_of_two(when: dt.datetime, tz: dt.tzinfo) -> bool:
    """True when *when* is, in *tz*, a wall-clock time that came an hour before too."""
    local = when.astimezone(dt.UTC).astimezone(tz)
    return local.fold == 1 and local.replace(fold=0).astimezone(dt.UTC) != local.astimezone(dt.UTC)


def _cron_trigger(schedule: ScheduleSettings, tz: dt.tzinfo) -> BaseTrigger:
    fields = schedule.cron.split()
    try:
        if len(fields) == 5:
            second = "0"
        elif len(fields) == 6:
            second, fields = fields[0], fields[1:]
        else:
            raise ValueError(f"{len(fields)} fields, expected 5 (minute hour day month "
                             "weekday) or 6 (second first)")
        minute, hour, day, month, weekday = fields
        dow = translate_weekdays(weekday)
        if _restricted(day) and _restricted(weekday):
            return OrTrigger([
                CronTrigger(second=second, minute=minute, hour=hour, day=day, month=month,
                            timezone=tz),
                CronTrigger(second=second, minute=minute, hour=hour, month=month,
                            day_of_week=dow, timezone=tz),
            ])
        return CronTrigger(second=second, minute=minute, hour=hour, day=day, month=month,
                           day_of_week=dow, timezone=tz)
    except ValueError as exc:
        raise schedule.error(f"schedule.cron: not a valid cron expression "
                             f"{shown(schedule.cron)}: {exc}", "cron") from None


def next_run_times(schedule: ScheduleSettings, count: int, *,
                   after: dt.datetime | None = None) -> list[dt.datetime]:
    """The next *count* start times (without jitter), in the schedule's zone, for
    logs, docs and tests."""
    trigger = make_trigger(schedule)
    trigger.jitter = None
    tz = schedule_timezone(schedule)
    now = after or now_utc()
    out: list[dt.datetime] = []
    previous: dt.datetime | None = None
    for _ in range(count):
        nxt = trigger.get_next_fire_time(previous, now)  # (in UTC)
        if nxt is None:
            break
        out.append(nxt.astimezone(tz))
        previous, now = nxt, nxt + dt.timedelta(microseconds=1)
    return out


@dataclasses.dataclass(frozen=True)
class Missed:
    """A scheduled start that passed while no worker ran (see :func:`missed_cycle`)."""

    due: dt.datetime  # the start time missed (with catch_up: the first within the grace)
    late: float  # seconds from it to now
    catch_up: bool  # within schedule.misfire_grace: one cycle runs at once


def missed_cycle(schedule: ScheduleSettings, last_started: dt.datetime | None,
                 now: dt.datetime) -> Missed | None:
    """The scheduled start missed since the last cycle started at *last_started*, if any.

    A start time (without jitter) after *last_started* and not after *now* was
    missed. When one of them is at most ``schedule.misfire_grace`` seconds before
    *now*, one catch-up cycle is due (``catch_up``; any number of missed starts
    coalesce into it); when all of them are older, ``due`` is the first one and
    nothing is run. None without a missed start, or without any cycle yet.
    """
    if last_started is None:
        return None
    trigger = make_trigger(schedule)
    trigger.jitter = None
    after = last_started + dt.timedelta(microseconds=1)
    grace = dt.timedelta(seconds=schedule.misfire_grace)
    recent = trigger.get_next_fire_time(None, max(after, now - grace))
    if recent is not None and recent <= now:
        return Missed(recent, (now - recent).total_seconds(), True)
    first = trigger.get_next_fire_time(None, after)
    if first is not None and first <= now:
        return Missed(first, (now - first).total_seconds(), False)
    return None
