"""Does a cited page match the event it was cited for? Pure, no I/O.

``event_flags`` returns, in the contract's order, the flags that apply:

- ``date-mismatch``: the event's date and the page's date are both known and
  more than ``tolerance_days`` apart;
- ``topic-mismatch``: the page (headline, title, h1 and main text) names
  neither the event's country nor its subject (what the whole report is
  about, ``report.subject`` in the sources file: "Taiwan"), in any of the
  languages the sources use; a page with no text at all is not judged
  (it is flagged ``no-headline`` instead), nor one cited for an event with
  neither country nor subject;
- ``no-date``: the page has no publication date;
- ``no-headline``: the page has no headline.

With no page at all (a dead link, a non-2xx answer) there is nothing to
compare, so no flag is returned: the link status already says what is wrong.

Country names are found by :mod:`archiver.countries`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from .countries import names_any
from .models import Event, Flag, PageInfo

__all__ = ["DEFAULT_SUBJECT", "days_apart", "event_flags", "report_subject", "subject_names"]

#: Text searched for the event's country: the headline, title and h1, and the
#: beginning of the main text (an article names its subject early).
TOPIC_TEXT_CHARS = 20_000


def event_flags(event: Event, page: PageInfo | None, *, tolerance_days: int) -> list[Flag]:
    """The flags for the page cited for *event* (see the module docstring).

    *page* is None when there was no page to read: no flags then.
    """
    if page is None:
        return []
    flags: list[Flag] = []
    if event.date is not None and page.published is not None:
        if days_apart(page.published, event.date) > tolerance_days:
            flags.append("date-mismatch")
    elif event.date is not None and page.url_month is not None:
        if _days_outside_month(event.date, page.url_month) > tolerance_days:
            flags.append("date-mismatch")
    parts = [part for part in (page.headline, page.title, page.h1, page.text[:TOPIC_TEXT_CHARS])
             if part]
    text = "\n".join(parts)
    topics = _topics(event)  # none: nothing to judge the page against
    if topics and text and not text.isspace() \
            and not names_any(text, topics, parts[0], page.lang):
        flags.append("topic-mismatch")
    if page.published is None:
        flags.append("no-date")
    if not page.headline:
        flags.append("no-headline")
    return flags


def _topics(event: Event) -> list[str]:
    """What a page cited for *event* may name to be on topic: its subject and country."""
    country = event.country
    if country is None or not country.strip():
        return list(event.subject)
    return [*event.subject, country]


#: The subject of a report whose sources file names none: the report this tool
#: was made for (Taiwanese nationals extradited or deported to the PRC).
DEFAULT_SUBJECT = ("Taiwan",)


def report_subject(report: dict[str, str]) -> tuple[str, ...]:
    """What the whole report is about: a page naming it is on topic for every event.

    The names given as the report's ``subject`` (``subject: Taiwan``, a list,
    or names separated by commas; ``subject: ""`` gives none), else
    :data:`DEFAULT_SUBJECT`.
    """
    if "subject" not in report:
        return DEFAULT_SUBJECT
    return subject_names(report["subject"].split(","))


def subject_names(names: Iterable[str]) -> tuple[str, ...]:
    """*names* stripped, without blanks and repeats, in their order."""
    return tuple(dict.fromkeys(name for name in (n.strip() for n in names) if name))


def _days_outside_month(day: dt.date, month: dt.date) -> int:
    """Days from *day* to the month of *month* (0 within it)."""
    first = month.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    if day < first:
        return (first - day).days
    return max(0, (day - following).days + 1)


def days_apart(a: dt.date, b: dt.date) -> int:
    """Whole days between two dates, whichever comes first."""
    return abs((a - b).days)
