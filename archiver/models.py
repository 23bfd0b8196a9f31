"""Values that flow between the pipeline stages.

sources -> fetch -> warc -> extract -> classify -> store -> report

Every stage takes and returns these plain, typed values, so the pure stages
(extract, classify, consistency) can be tested without a server or a database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

# --------------------------------------------------------------------------
# sources.yaml

def _by_fields(**left_out: Any) -> Callable[[Any], tuple[Any, ...]]:
    """A ``__reduce__`` for a dataclass: its class and field values, the value
    given in *left_out* for the fields named there. Slotted dataclasses
    otherwise pickle through Python-level ``__getstate__`` and ``__setstate__``,
    two to three times slower, and every job sent to a worker process carries
    the URL's events and its hops."""
    def reduce(self: Any) -> tuple[Any, ...]:
        cls = type(self)
        return cls, tuple([left_out[name] if name in left_out else getattr(self, name)
                           for name in cls.__match_args__])
    return reduce


@dataclass(frozen=True, slots=True)
class Citation:
    """One cited URL of one event."""

    event_id: str
    url: str  # the URL that is checked
    printed: str | None = None  # the URL as printed in the report, when it differs
    line: int | None = None  # line in sources.yaml

    __reduce__ = _by_fields()


@dataclass(frozen=True, slots=True)
class Event:
    id: str
    date: dt.date | None
    country: str | None
    count: int | None = None
    mechanism: str | None = None
    reason: str | None = None
    citations: tuple[Citation, ...] = ()
    line: int | None = None
    #: what the whole report is about ("Taiwan"): a page that names it is on
    #: topic for every event, like one that names the event's country (see
    #: :func:`archiver.consistency.report_subject`)
    subject: tuple[str, ...] = ()

    #: pickled (for a worker's job) without its citations: a job judges one
    #: URL's citations against their events' date and country, never against
    #: the events' other URLs
    __reduce__ = _by_fields(citations=())


@dataclass(frozen=True)
class Sources:
    path: Path
    events: tuple[Event, ...]
    report: dict[str, str] = field(default_factory=dict)

    @property
    def citations(self) -> list[Citation]:
        return [c for e in self.events for c in e.citations]

    def urls(self) -> list[str]:
        """Distinct checked URLs, in file order."""
        seen: dict[str, None] = {}
        for c in self.citations:
            seen.setdefault(c.url, None)
        return list(seen)


# --------------------------------------------------------------------------
# fetch

#: Why a fetch produced no usable final response. Decided from the exception
#: *type* (never from message text) in fetcherrors.py.
FetchErrorKind = Literal[
    "dns",  # the host name does not resolve
    "refused",  # connection refused
    "connect",  # other connection failure (unreachable network, reset during connect)
    "timeout",  # connect, read or total timeout
    "tls",  # TLS handshake failure or invalid certificate
    "protocol",  # malformed response, invalid chunking, oversized header, reset mid-response
    "redirect-loop",  # a hop repeats an earlier URL
    "too-many-redirects",  # chain longer than the hop limit
    "policy",  # target address refused by the network policy (netpolicy.py)
    "invalid-url",  # unsupported scheme, credentials in URL, unparsable
]


def body_codings(headers: Iterable[tuple[str, str]],
                 transfer: str = "transfer-encoding") -> str | None:
    """The codings of a body stored de-chunked, in the order applied: every
    Content-Encoding line (one list, RFC 9110, 5.3), then the transfer codings
    other than chunked (header *transfer*): "gzip" for ``Transfer-Encoding:
    gzip, chunked``. None when there are none."""
    codings = []
    for name, value in headers:
        name = name.lower()
        if name == "content-encoding":
            codings.append(value)
        elif name == transfer:
            codings += [c.strip() for c in value.split(",")
                        if c.strip().lower() not in ("", "chunked", "identity")]
    return ", ".join(codings) if codings else None


@dataclass
class Hop:
    """One HTTP request/response exchange, exactly as on the wire.

    The response body is kept as received (still Content-Encoded: gzip
    stays gzip), de-chunked: in memory (``body_data``) while it is small, in a
    file (``body_path``) once it is not. The file is owned by the pipeline,
    which deletes it once the hop is written to the WARC. ``body_data`` is
    not pickled: a job for a worker process carries the body explicitly.
    """

    url: str
    method: str
    request_headers: list[tuple[str, str]]  # as sent, in order
    started: dt.datetime  # UTC, when the request was sent
    status: int | None = None  # None when no response head arrived
    reason_phrase: str = ""
    http_version: str = "HTTP/1.1"
    response_headers: list[tuple[str, str]] = field(default_factory=list)  # raw, in order
    body_path: Path | None = None
    body_data: bytes | None = None
    body_size: int = 0
    truncated: bool = False  # body cut at the size cap (or the total timeout)
    truncated_reason: str | None = None  # "length" | "time" | "error" (broken mid-body)
    ip: str | None = None  # address actually connected to
    port: int | None = None
    tls: dict[str, str] | None = None  # {"version", "cipher", "subject", "issuer"} for https
    elapsed: float = 0.0  # seconds, request sent -> body complete
    # the response head as received, status line to blank line (None: not known,
    # and the record's head is written from the fields above)
    raw_head: bytes | None = None
    # the WARC payload digest of the body (as received), once the pipeline has
    # taken it (None: not taken, or no response)
    payload_digest: str | None = None

    def header(self, name: str) -> str | None:
        """The first response header value called *name* (case-insensitive)."""
        lname = name.lower()
        for k, v in self.response_headers:
            if k.lower() == lname:
                return v
        return None

    def codings(self) -> str | None:
        """The codings of the body as stored (see :func:`body_codings`)."""
        return body_codings(self.response_headers)

    @property
    def body(self) -> bytes | Path | None:
        """The body as received: its bytes, or the file holding them; None when
        no body was read."""
        return self.body_data if self.body_data is not None else self.body_path

    __reduce__ = _by_fields(body_data=None)  # a job carries the body explicitly

    @property
    def location(self) -> str | None:
        return self.header("location")

    @property
    def is_redirect(self) -> bool:
        return self.status in (301, 302, 303, 307, 308) and bool(self.location)


@dataclass
class FetchResult:
    """All hops of one fetch of one URL, and how it ended."""

    url: str
    hops: list[Hop] = field(default_factory=list)
    error: FetchErrorKind | None = None
    error_detail: str = ""  # human-readable, for the reason sentence only
    attempts: int = 1  # tries made (retries on timeouts / 5xx / 429)
    retry_after: float | None = None  # seconds asked by the server and not waited for

    @property
    def final(self) -> Hop | None:
        """The last hop that got a response, if any."""
        for hop in reversed(self.hops):
            if hop.status is not None:
                return hop
        return None

    @property
    def final_url(self) -> str:
        final = self.final
        return final.url if final else self.url


# --------------------------------------------------------------------------
# extract

@dataclass(frozen=True)
class PageInfo:
    """What extraction learned from one response body. Pure data."""

    kind: Literal["html", "pdf", "other"] = "other"
    headline: str | None = None
    published: dt.date | None = None
    title: str | None = None  # the raw <title>, whitespace-normalised
    h1: str | None = None  # the first <h1>
    text: str = ""  # main text, boilerplate (nav, footer, scripts, widgets) removed; 40k chars max
    lang: str | None = None
    charset: str | None = None  # the charset used to decode
    canonical: str | None = None  # <link rel=canonical>, absolute
    # where the page sends the browser at once, absolute: <meta http-equiv=refresh>,
    # or the script of a page with nothing to read (location = "/")
    meta_refresh: str | None = None
    og_type: str | None = None  # og:type ("article", "website", ...)
    has_password_field: bool = False  # a login form
    empty: bool = False  # the body, decoded, was empty or only whitespace
    paywalled: bool = False  # its JSON-LD says the content is not free (isAccessibleForFree)
    # the words of boxes named as a paywall ("paywall", "subscription-prompt"),
    # which the main text leaves out: where the text stops for readers who do not pay
    walled: str = ""
    links: int = 0  # <a href> of an HTML page with no headline (counted for those alone)
    # what an HTML page with no headline shows a client that runs no script (the
    # text of its <noscript>, which the main text leaves out; 300 characters at most)
    noscript: str = ""
    # the <article> teasers of a listing (a home or section page) that hold most of
    # its main text; 0 for other pages (maintext.teasers)
    teasers: int = 0
    # the month of a /2016/05/ URL, when no publication day is known: not a
    # publication date (its first day stands for the month), but a date-mismatch check
    url_month: dt.date | None = None


# --------------------------------------------------------------------------
# classify

Status = Literal["alive", "moved", "drifted", "soft-404", "dead", "blocked", "unreachable"]
STATUSES: tuple[Status, ...] = (
    "alive", "moved", "drifted", "soft-404", "dead", "blocked", "unreachable",
)
Flag = Literal["date-mismatch", "topic-mismatch", "no-date", "no-headline"]
BROKEN: frozenset[str] = frozenset({"dead", "soft-404"})


@dataclass(frozen=True)
class Baseline:
    """The first snapshot of a URL: what the citation pointed at."""

    url: str
    final_url: str
    captured_at: dt.datetime
    payload_digest: str | None
    page: PageInfo


@dataclass(frozen=True)
class Probe:
    """The answer to a random sibling URL on the same origin (soft-404 test)."""

    url: str
    final_url: str
    status: int | None
    page: PageInfo | None


@dataclass(frozen=True)
class FailureHistory:
    """Unreachable checks before this one (reset by any success)."""

    consecutive_failures: int = 0
    first_failure_at: dt.datetime | None = None


@dataclass(frozen=True)
class Verdict:
    status: Status
    rule: str  # the named rule that decided, e.g. "http-404", "probe-same-final-url"
    reason: str  # one sentence for editors, naming the rule
    consecutive_failures: int = 0
    first_failure_at: dt.datetime | None = None
    counts_as_failure: bool = False  # counted towards dead (False when network is down)


@dataclass(slots=True)
class CheckOutcome:
    """One citation's verdict in this cycle (what the report and progress show)."""

    event_id: str
    url: str
    status: str
    reason: str
    http_status: int | None
    previous_status: str | None


@dataclass
class CycleSummary:
    cycle_id: int
    started: dt.datetime
    finished: dt.datetime | None = None
    urls: int = 0
    fetched: int = 0
    skipped: int = 0
    #: citations judged in this run, by status (their verdicts are rows of the
    #: store, ``Store.checks_of_cycle``: memory does not grow with the citations)
    counts: dict[str, int] = field(default_factory=dict)
    #: of those, the citations whose status changed (committed ones)
    changed: int = 0
    #: a stop signal came during the cycle (which may have finished all the same:
    #: every request was in flight when it came)
    stopped: bool = False
    network_down: bool = False

    @property
    def interrupted(self) -> bool:
        """The cycle was stopped before it fetched every URL (the next one resumes it)."""
        return self.stopped and self.fetched < self.urls

    @property
    def checked(self) -> int:
        """Citations judged in this run."""
        return sum(self.counts.values())
