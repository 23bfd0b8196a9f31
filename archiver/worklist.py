"""What a cycle checks, read from the archive's database a few URLs at a time.

A cycle's sources are in the database (:meth:`Store.sync_sources
<archiver.store.Store.sync_sources>`) before its first fetch. From then on,
the cycle reads what it is to check from there, and holds, of its
citations, only the numbers of their rows in the order they are checked
(8 bytes each) and the rows of the next few URLs: the sources themselves
(their URLs, their :class:`~archiver.models.Citation` and
:class:`~archiver.models.Event` values, some 400 bytes a citation) can be let
go (``archiver run`` does). The peak memory of a cycle of 10,000 citations is
then that of 1,000 but for what the database holds.

The order is that of the sources: one URL for each request
(:func:`~archiver.exchange.request_key`, the ``request_url`` of the
citations' rows: ``http://HOST/a#main`` and ``http://host/a`` are one,
``/%7Ea`` and ``/~a`` too), in the order of its first citation, with its
citations in file order; it is fetched as its first citation is written
(:func:`~archiver.exchange.request_form`). A resumed cycle leaves out the
citations it checked before it stopped.

Each citation comes with its event as the database has it: the same values
as the sources file's (``sync_sources`` writes them all) but the report's
subject, which the database does not keep and which :class:`Subjects` keeps.
"""

from __future__ import annotations

import datetime as dt
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from .exchange import request_form
from .models import Citation, Event, Sources
from .store import Store

#: Citations read from the database at a time (one query): a few URLs' worth.
BATCH = 256


@dataclass(frozen=True, slots=True)
class Cited:
    """The citations of one URL to check, each with its event."""

    citations: tuple[Citation, ...]
    events: tuple[Event, ...]


class Subjects:
    """The subject of each event of *sources*: the report's, which the loader
    gives every event (:mod:`archiver.sources`), kept once; an event given
    another (made by hand, not read from a file) keeps its own."""

    __slots__ = ("common", "others")

    def __init__(self, sources: Sources) -> None:
        self.common: tuple[str, ...] = sources.events[0].subject if sources.events else ()
        self.others = {e.id: e.subject for e in sources.events if e.subject != self.common}

    def of(self, event_id: str) -> tuple[str, ...]:
        return self.others.get(event_id, self.common)


class Worklist:
    """The URLs a cycle fetches and the citations each is checked for.

    ``len()`` is the number of URLs; :attr:`citations`, of citations.
    Iterated once, in the order of the sources, a batch of rows read at a
    time (the rows do not change while the cycle runs: ``sync_sources`` is
    done).
    """

    __slots__ = ("_store", "_subjects", "_ids", "_starts", "citations")

    def __init__(self, store: Store, subjects: Subjects, *,
                 checked_in: int | None = None) -> None:
        """The active citations of *store*, but those *checked_in* that cycle."""
        self._store = store
        self._subjects = subjects
        ids, starts = array("q"), array("q")  # row ids; where each URL's begin in ids
        last = None
        for row_id, first in _order(store, checked_in):
            if first != last:
                starts.append(len(ids))
                last = first
            ids.append(row_id)
        self._ids, self._starts = ids, starts
        self.citations = len(ids)

    def __len__(self) -> int:
        return len(self._starts)

    def __iter__(self) -> Iterator[tuple[str, Cited]]:
        """Each URL to fetch and its citations."""
        ids, starts = self._ids, self._starts
        url = 0  # the next URL (index into starts)
        while url < len(starts):
            # whole URLs, up to BATCH citations (at least one URL)
            last = url + 1
            while last < len(starts) and starts[last] - starts[url] < BATCH:
                last += 1
            end = starts[last] if last < len(starts) else len(ids)
            rows = {row[0]: row for row in _rows(self._store, ids[starts[url]:end])}
            events: dict[str, Event] = {}  # (an event's citations are near each other)
            for i in range(url, last):
                stop = starts[i + 1] if i + 1 < len(starts) else len(ids)
                group = [rows[row_id] for row_id in ids[starts[i]:stop]]
                _, key, cited_as = group[0][:3]
                # a URL that is its own request key is requested as it is written
                # (request_key only puts in one form the escapes request_form leaves)
                yield (cited_as if cited_as == key else request_form(cited_as),
                       Cited(tuple(_citation(r) for r in group),
                             tuple(self._event(r, events) for r in group)))
            url = last

    def _event(self, row: tuple[Any, ...], made: dict[str, Event]) -> Event:
        """The event of a row of :func:`_rows` (the one in *made*, if made)."""
        event_id, date, country, count, mechanism, reason, line = row[4:]
        event = made.get(event_id)
        if event is None:
            event = made[event_id] = Event(
                id=event_id, date=dt.date.fromisoformat(date) if date else None,
                country=country, count=count, mechanism=mechanism, reason=reason, line=line,
                subject=self._subjects.of(event_id))
        return event


def _citation(row: tuple[Any, ...]) -> Citation:
    """The citation of a row of :func:`_rows`."""
    return Citation(event_id=row[4], url=row[2], printed=row[3])


def _order(store: Store, checked_in: int | None) -> Iterator[tuple[int, int]]:
    """The active citations in the order a cycle checks them: (row id, position
    of the first citation of its request), grouped by request in the order of
    each one's first citation, in file order within; without those checked in
    cycle *checked_in*."""
    skip = (" AND (c.event_id, c.url) NOT IN"
            " (SELECT k.event_id, k.url FROM checks AS k WHERE k.cycle_id = ?)"
            if checked_in is not None else "")
    return iter(store.conn.execute(
        "SELECT id, first FROM (SELECT c.id, c.position,"
        " min(c.position) OVER (PARTITION BY c.request_url) AS first"
        f" FROM citations AS c WHERE c.active = 1{skip}) ORDER BY first, position",
        [] if checked_in is None else [checked_in]))


def _rows(store: Store, ids: Sequence[int]) -> list[tuple[Any, ...]]:
    """The citations of row ids *ids* with their events, in any order: id,
    request_url, url, printed, and the event's id, date, country, count,
    mechanism, reason and line."""
    rows: list[tuple[Any, ...]] = []
    for at in range(0, len(ids), 500):  # (a query takes up to 32,766 values)
        part = list(ids[at:at + 500])
        rows += store.conn.execute(
            "SELECT c.id, c.request_url, c.url, c.printed, e.id, e.date, e.country,"
            " e.count, e.mechanism, e.reason, e.line FROM citations AS c JOIN events AS e"
            f" ON e.id = c.event_id WHERE c.id IN ({','.join('?' * len(part))})",
            part).fetchall()
    return rows
