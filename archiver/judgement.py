"""Judging the citations of one fetched URL (pure: runs in a worker process).

:func:`assess` gives the verdict and event flags of each citation of one
URL, and the stored form of the page when it becomes the first snapshot.
:func:`analyse` extracts the page first (or takes the first snapshot's),
then assesses, then builds the records of an
:class:`~archiver.capture.Archiving`, in one trip to a worker.
:class:`Judgement` is what the citations of one URL were judged on, and
their verdicts.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

from .capture import Archiving
from .classify import classify
from .consistency import event_flags
from .cpupool import extract_body
from .models import (
    Baseline,
    Citation,
    Event,
    FailureHistory,
    FetchResult,
    PageInfo,
    Probe,
    Verdict,
)
from .settings import CheckSettings
from .store import StoredBaseline, page_blob
from .warc import Record

#: Statuses whose page is the cited page (or its new version): its headline,
#: date and event flags are reported; for the others (an error page, a
#: challenge, a home page answering in its place) they are left empty.
CITED_PAGE_STATUSES = frozenset({"alive", "moved", "drifted"})


@dataclass
class Judgement:
    """The verdicts of the citations of one fetched URL, and what they were judged on."""

    citations: list[Citation]
    events: list[Event]
    verdicts: list[tuple[Verdict, list[str]]]
    final_digest: str | None
    blob: bytes | None = None  # the page as stored, when it becomes the first snapshot


def assess(result: FetchResult, page: PageInfo | None, baseline: Baseline | None,
           probe: Probe | None, events: list[Event], histories: list[FailureHistory],
           network_down: bool, now: dt.datetime,
           settings: CheckSettings) -> tuple[list[tuple[Verdict, list[str]]], bytes | None]:
    """Verdict and event flags of each citation of one URL (pure: runs in a worker),
    and the stored form of the page when it becomes the first snapshot.

    The first citation that finds a live page with no first snapshot makes this
    page the snapshot the next ones are compared with.
    """
    out: list[tuple[Verdict, list[str]]] = []
    first: Baseline | None = baseline
    blob: bytes | None = None
    for event, history in zip(events, histories, strict=True):
        verdict = classify(fetch=result, page=page, baseline=first, probe=probe,
                           history=history, network_down=network_down, now=now,
                           settings=settings)
        if first is None and page is not None and verdict.status in ("alive", "moved"):
            final = result.final
            first = Baseline(url=result.url, final_url=result.final_url,
                             captured_at=final.started if final else now,
                             payload_digest=None, page=page)
            blob = page_blob(page)
        flags: list[str] = []
        if verdict.status in CITED_PAGE_STATUSES:
            flags.extend(event_flags(event, page, tolerance_days=settings.date_tolerance_days))
        out.append((verdict, flags))
    return out, blob


def analyse(body: tuple[Any, ...] | None, stored: StoredBaseline | None, same: bool,
            result: FetchResult, probe: Probe | None, events: list[Event],
            histories: list[FailureHistory], now: dt.datetime, settings: CheckSettings,
            archiving: Archiving | None = None,
            ) -> tuple[PageInfo | None, list[tuple[Verdict, list[str]]], bytes | None,
                       list[tuple[Record | None, Record]] | None]:
    """The page (*body* extracted, the arguments of :func:`extract_body`; or the
    first snapshot's when *same*), then :func:`assess` (pure: runs in a worker),
    then the records of *archiving*, if given.

    Returns the page without its main text (the caller needs only its
    headline and date; the text stays here, and in the stored form of a first
    snapshot), the verdicts, that stored form, and the records built.
    """
    baseline = stored.load() if stored is not None else None
    page: PageInfo | None = None
    if same and baseline is not None:
        page = baseline.page
    elif body is not None:
        page = extract_body(*body)
    verdicts, blob = assess(result, page, baseline, probe, events, histories, False, now,
                            settings)
    records = archiving.build(result, page) if archiving is not None else None
    return (dataclasses.replace(page, text="") if page is not None else None), verdicts, blob, \
        records
