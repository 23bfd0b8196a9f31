"""The status of one cited link, and the rule that decided it.

Pure: a fetch result, the extraction of its final body, the first snapshot
(baseline), the answer to a random sibling URL (probe) and the failure history
go in; a ``Verdict`` comes out. No I/O. Whether a page is still the cited page
(like its first snapshot, drifted from it, or like the probe's answer) is
asked of :mod:`archiver.likeness`; the signs read in a page are in
:mod:`archiver.pagesigns`, those read in a URL in :mod:`archiver.urlsigns`.

Rules, in the order they are tried (the first that applies decides):

1. ``network-policy`` -- the target address is refused by the network policy:
   ``unreachable``, not counted as a failure (the history is carried unchanged).
2. ``invalid-url`` -- ``dead``.
3. ``network-down`` -- the cycle found the network down and this fetch got no
   response at all: ``unreachable``, not counted. A fetch that did get an
   answer is classified normally.
4. ``dns``, ``refused``, ``redirect-loop``, ``too-many-redirects`` -- ``dead``.
5. ``timeout``, ``connect``, ``tls``, ``protocol`` (and a fetch with no
   response and no error) -- ``unreachable``, counted; ``dead`` by rule
   ``persistent-failure`` once it has failed ``dead_after_failures`` checks in
   a row spanning ``dead_after_hours`` hours (the Internet Archive link bot's
   rule: 3 checks over 72 hours by default).
6. Bot walls, whatever the status (a bot wall is never evidence of death):
   ``challenge`` (Cloudflare ``cf-mitigated: challenge``, or Cloudflare's
   403/503 with a "Just a moment..." title; AWS WAF's ``x-amzn-waf-action``,
   which also gives ``captcha``), ``captcha`` (hCaptcha, reCAPTCHA,
   DataDome, PerimeterX, Akamai "Access Denied", Imperva/Incapsula, "verify you
   are human"), ``geo-block`` (a page of at most 60 words, no article,
   saying it is not available in the reader's country or region, as US papers
   answer European readers), ``consent-wall`` (a redirect to ``consent.*`` or a "Before you
   continue" page), ``login-wall`` (a redirect to a login URL, or a page whose
   main content is a password form) -- ``blocked``.
7. ``http-404``, ``http-410`` -- ``dead``.
8. ``http-401``, ``http-403``, ``http-407``, ``http-429``, ``http-451``, ``http-999``
   (LinkedIn's refusal of bots) -- ``blocked``.
9. ``http-5xx`` -- ``unreachable``, counted (and ``persistent-failure`` as in 5);
   ``http-status``, a status of 600 or more (no HTTP class), the same.
10. ``http-4xx`` (another 4xx) and ``http-3xx`` (a redirect that was not
    followed) -- ``unreachable``, counted: the server answers but not with a
    page; if it keeps doing so for three checks over 72 hours it is ``dead``.
11. soft-404 rules, 2xx only, in this order: ``empty-body`` (nothing, or
    only whitespace, once decoded), ``parked-domain`` (registrar
    parking pages, or a redirect to a domain marketplace), ``error-title``
    (error wording in the title or h1 -- not found, can't find, not available,
    removed, expired, something went wrong -- in English, Spanish, French,
    German, Indonesian or Chinese, with at most one other word besides
    filler, on a page with fewer than two article markers), ``error-text``
    (such wording in a sentence of a page whose main text is at most 40 words
    and which is no article),
    ``meta-refresh-root`` and ``refresh-to-section`` (a ``<meta
    http-equiv=refresh>``, a ``Refresh`` header, or the script of a page with
    no text, that sends the browser to the site root, or a shallower listing
    URL, at once),
    ``probe-same-final-url`` and ``probe-same-text``
    (the cited page answers like a random sibling URL that cannot exist, and is
    not simply the page of the first snapshot, nor the page the random URL was
    sent on to), ``redirect-to-root`` and
    ``redirect-to-section`` (a deep URL redirected to the home page or to a
    listing page, unless that page still carries the cited headline or text;
    a listing URL, not an article's slug or number under a listing word, on a
    page with fewer than two article markers),
    ``not-an-article`` (the first snapshot was an HTML article, with two or
    more article markers, and the page, HTML or plain text but not a PDF,
    now shows none of them -- no
    ``og:type`` article, no publication date other than the one in its URL,
    a main text under 150 words -- and is not the cited page: its headline
    and text do not match the first snapshot's, as for ``moved``; with or
    without a redirect, e.g. a home or section page served at the cited URL.
    A page with neither headline nor text is left to ``content-missing``,
    unless ``site-title``: it has the links of a listing and is titled with the
    site's name alone, a part of the first snapshot's title other than its
    headline).
12. ``moved`` -- a permanent redirect (a 301 or 308 in the chain) to a URL that
    differs non-trivially (not merely http→https, ``www.``, a trailing slash, escapes or
    the default port) and serves the cited page: its headline matches the
    baseline's (``headline_similarity >= drift_headline_similarity``) or its
    text does (``text_similarity >= moved_text_similarity``); without a
    baseline, the target has a headline. ``refresh``: a page that is not the
    first snapshot's sends the browser on at once to another URL (a refresh,
    as above; that URL is not fetched), and is not judged by its own looks.
13. ``drifted`` -- compared with the baseline: ``headline-rewritten``
    (``headline_similarity < drift_headline_similarity``, 0.6 by default),
    ``text-replaced`` (``text_similarity < drift_text_similarity``, 0.5 by
    default, after ``strip_volatile``), ``content-missing`` (headline and text
    both gone on one side only), ``bytes-changed`` (a document with neither
    headline nor text, a scanned PDF or an image, as its first snapshot had
    neither, whose payload is no longer the first snapshot's: its bytes are
    all it can be compared by; not an HTML page then and now, which its
    scripts draw and whose bytes change with their code). A permanent
    redirect to a different page also ends here, unless that page is no
    article (``not-an-article`` in 11).
    But ``paywall`` -- ``blocked``: the headline matches and only the text
    differs, the text is cut short (under 80 % of the first snapshot's), and
    the page is now behind a paywall (``isAccessibleForFree: false`` in its
    JSON-LD, or "subscribe to continue reading" and the like at the end of its
    text) where the first snapshot was not.
14. ``alive``.

(Why these thresholds: see :mod:`archiver.likeness`.)

Any verdict other than ``unreachable`` (and ``dead`` by ``persistent-failure``)
resets the failure streak to 0.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from dataclasses import dataclass
from http import HTTPStatus

from . import titles
from .likeness import (
    LISTING_LINKS,
    alike,
    as_before,
    drift,
    has_content,
    like_probe,
    read_now,
    same_page,
)
from .models import Baseline, FailureHistory, FetchResult, Hop, PageInfo, Probe, Status, Verdict
from .pagemeta import refresh_target
from .pagesigns import (
    article_markers,
    bot_wall,
    error_text,
    error_title,
    is_parked,
    paywall,
    search_heading,
    shown_article_markers,
)
from .settings import CheckSettings
from .similarity import headline_similarity, text_similarity
from .urlsigns import is_login_url, is_section_url, same_url, url_depth, url_key

LOGGER = logging.getLogger(__name__)

__all__ = ["article_markers", "classify", "error_title", "http_status_of", "same_url", "url_key"]

_DEAD_ERRORS = {
    "dns": "the host name does not resolve",
    "refused": "the connection was refused",
    "redirect-loop": "the redirects loop back to an earlier URL",
    "too-many-redirects": "the redirect chain is longer than the hop limit",
}
_TRANSIENT_ERRORS = {
    "timeout": "the request timed out",
    "connect": "the connection failed",
    "tls": "the TLS handshake failed or the certificate is invalid",
    "protocol": "the server sent a malformed response",
}
#: 999: LinkedIn's and some other sites' "Request denied" to clients taken for bots.
_BLOCKING_STATUSES = (401, 403, 407, 429, 451, 999)
_PERMANENT_REDIRECTS = (301, 308)


def http_status_of(fetch: FetchResult) -> int | None:
    """The HTTP status of the final hop that got a response, or None."""
    final = fetch.final
    return final.status if final else None


@dataclass(frozen=True)
class _Context:
    fetch: FetchResult
    history: FailureHistory
    now: dt.datetime
    settings: CheckSettings


def _phrase(hop: Hop) -> str:
    status = hop.status or 0
    if hop.reason_phrase:
        return f"{status} {hop.reason_phrase}"
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)


def _sentence(evidence: str, rule: str) -> str:
    return f"{evidence} (rule: {rule})."


def _ok(status: Status, rule: str, evidence: str) -> Verdict:
    """A verdict that ends any failure streak."""
    return Verdict(status=status, rule=rule, reason=_sentence(evidence, rule))


def _not_counted(rule: str, evidence: str, history: FailureHistory) -> Verdict:
    return Verdict(
        status="unreachable", rule=rule, reason=_sentence(evidence, rule),
        consecutive_failures=history.consecutive_failures,
        first_failure_at=history.first_failure_at, counts_as_failure=False,
    )


def _failure(ctx: _Context, rule: str, evidence: str) -> Verdict:
    """An ``unreachable`` verdict counted in the streak, or ``dead`` once the
    streak is long enough in number and in time."""
    count = ctx.history.consecutive_failures + 1
    first = ctx.history.first_failure_at or ctx.now
    if first > ctx.now:  # dated by a clock set ahead, since put right: the streak's
        first = ctx.now  # hours count from now (they were negative until that date)
    hours = (ctx.now - first).total_seconds() / 3600
    s = ctx.settings
    if count >= s.dead_after_failures and hours >= s.dead_after_hours:
        rule = "persistent-failure"
        reason = _sentence(
            f"{evidence[0].upper()}{evidence[1:]}; failed {count} checks in a row over "
            f"{hours:.0f} hours (at least {s.dead_after_failures} over "
            f"{s.dead_after_hours:g} hours makes it dead)", rule,
        )
        return Verdict("dead", rule, reason, count, first, counts_as_failure=True)
    reason = _sentence(
        f"{evidence[0].upper()}{evidence[1:]}; failure {count} in a row over {hours:.0f} hours "
        f"(dead after {s.dead_after_failures} over {s.dead_after_hours:g} hours)", rule,
    )
    return Verdict("unreachable", rule, reason, count, first, counts_as_failure=True)


def classify(
    *,
    fetch: FetchResult,
    page: PageInfo | None,
    baseline: Baseline | None,
    probe: Probe | None,
    history: FailureHistory,
    network_down: bool,
    now: dt.datetime,
    settings: CheckSettings,
) -> Verdict:
    """The status of one fetch of a cited URL; see the module docstring."""
    if baseline is not None:  # (a document an earlier version kept as its markup)
        base = read_now(baseline.page)
        if base is not baseline.page:
            baseline = dataclasses.replace(baseline, page=base)
    ctx = _Context(fetch, history, now, settings)
    final = fetch.final
    detail = f" ({fetch.error_detail})" if fetch.error_detail else ""

    if fetch.error == "policy":
        return _not_counted(
            "network-policy",
            "The target address is on a private/loopback network, refused by the "
            "network policy (use --allow-private to permit)", history)
    if fetch.error == "invalid-url":
        return _ok("dead", "invalid-url", f"The URL cannot be fetched{detail}")
    if network_down and final is None:
        what = _DEAD_ERRORS.get(fetch.error or "") or _TRANSIENT_ERRORS.get(fetch.error or "") \
            or "no response"
        if fetch.error == "dns":
            what = "name resolution failed"
        return _not_counted(
            "network-down",
            f"{what.capitalize()}{detail}, but no host resolved or answered in this whole "
            "check: the network looks down, so the failure is not counted", history)
    if fetch.error in _DEAD_ERRORS:
        rule = fetch.error
        return _ok("dead", rule, f"{_DEAD_ERRORS[rule].capitalize()}{detail}")
    if fetch.error in _TRANSIENT_ERRORS:
        rule = fetch.error
        return _failure(ctx, rule, f"{_TRANSIENT_ERRORS[rule]}{detail}")
    if final is None or final.status is None:
        return _failure(ctx, "no-response", f"no response was received{detail}")

    status = final.status
    wall = bot_wall(fetch, final, page)
    if wall is not None:
        return _ok("blocked", wall[0], wall[1])
    if status in (404, 410):
        return _ok("dead", f"http-{status}", f"HTTP {_phrase(final)} on the final hop")
    if status in _BLOCKING_STATUSES:
        return _ok("blocked", f"http-{status}",
                   f"HTTP {_phrase(final)}{_retry_note(fetch)}: the server refuses this "
                   "client, which is not evidence that the page is gone")
    if 500 <= status < 600:
        return _failure(ctx, "http-5xx",
                        f"HTTP {_phrase(final)} on the final hop{_retry_note(fetch)}")
    if status >= 600:  # no such class: the server answers, with no page
        return _failure(ctx, "http-status", f"HTTP {_phrase(final)} on the final hop, a "
                        "status outside HTTP's classes")
    if 400 <= status < 500:
        return _failure(ctx, "http-4xx", f"HTTP {_phrase(final)} on the final hop")
    if not 200 <= status < 300:
        return _failure(ctx, "http-3xx",
                        f"HTTP {_phrase(final)} on the final hop, and no redirect was followed")

    if final.truncated and final.truncated_reason == "time":
        return _failure(ctx, "slow-body",
                        f"HTTP {_phrase(final)}, but the body was still arriving when the time "
                        f"limit ran out ({final.body_size} bytes captured, marked truncated)")
    refresh = _refresh(final, page)
    soft = _soft_404(fetch, final, page, baseline, probe, settings, refresh)
    if soft is not None:
        return _ok("soft-404", soft[0], soft[1])
    if refresh is not None and not same_url(refresh, final.url) \
            and not as_before(page, baseline, settings):
        return _ok("moved", "refresh",
                   f"{_phrase(final)}, but the page sends the browser on at once to {refresh} "
                   "(by a refresh, as an HTTP redirect would; that page was not fetched)")
    verdict = _compare(fetch, final, page, baseline, settings)
    if final.truncated:  # cut at the size cap: judged on what was captured, and said so
        note = f" The body was cut at {final.body_size} bytes (the size cap)."
        return Verdict(verdict.status, verdict.rule, verdict.reason + note,
                       verdict.consecutive_failures, verdict.first_failure_at,
                       verdict.counts_as_failure)
    return verdict


def _retry_note(fetch: FetchResult) -> str:
    """What a ``Retry-After`` too long to wait for asked (empty without one)."""
    if fetch.retry_after is None:
        return ""
    return (f", asking to be tried again in {_duration(fetch.retry_after)} (longer than "
            "fetch.max_retry_after: not waited for)")


def _duration(seconds: float) -> str:
    """*seconds* as a reader says it: "90 seconds", "5 minutes", "3 hours", "12 days"."""
    for unit, size, up_to in (("second", 1, 120), ("minute", 60, 7200),
                              ("hour", 3600, 172_800), ("day", 86_400, 730 * 86_400)):
        if seconds < up_to:
            n = round(seconds / size)
            return f"{n:,} {unit}{'' if n == 1 else 's'}"
    return f"{round(seconds / (365.25 * 86_400)):,} years"


def _refresh(final: Hop, page: PageInfo | None) -> str | None:
    """Where the page sends the browser at once: its ``<meta http-equiv=refresh>``
    (or the script of a page with nothing to read), else the ``Refresh`` header."""
    header = final.header("refresh")
    refresh = page.meta_refresh if page is not None and page.meta_refresh else \
        refresh_target(header, final.url) if header else None
    # a page that sends the browser to log in is judged as a login wall (bot_wall)
    return None if refresh is None or is_login_url(refresh) else refresh


def _soft_404(
    fetch: FetchResult, final: Hop, page: PageInfo | None, baseline: Baseline | None,
    probe: Probe | None, settings: CheckSettings, refresh: str | None = None,
) -> tuple[str, str] | None:
    """(rule, evidence) when a 2xx answer is an error, home or parked page.

    *refresh*: where the page sends the browser at once (see :func:`_refresh`);
    a page sent on elsewhere is not judged by its own looks."""
    # (a body broken off before its first byte is no answer: not judged here)
    # (nor is a body left empty by a page that sends the browser on at once)
    if not final.truncated and refresh is None \
            and (page.empty if page is not None else final.body_size == 0):
        return "empty-body", f"{_phrase(final)}, but the body is empty" + (
            f" once decoded ({final.body_size} bytes received)" if final.body_size else "")
    if page is not None:
        parked = is_parked(page, final.url)
        if parked:
            return "parked-domain", f"200 OK, but the page is a parked domain ({parked})"
        err = error_title(page, final.url)
        if err:
            return "error-title", f"200 OK, but the page is titled like an error page ({err!r})"
        err = error_text(page)
        if err:
            return "error-text", f"200 OK, but all the page says is an error message ({err!r})"
    if refresh is not None and url_depth(fetch.url) > 0:
        if url_depth(refresh) == 0:
            return ("meta-refresh-root",
                    f"200 OK, but the page sends the browser to the site root at once "
                    f"({refresh})")
        if is_section_url(refresh) and url_depth(refresh) < url_depth(fetch.url):
            return ("refresh-to-section",
                    f"200 OK, but the page sends the browser to a section or listing page "
                    f"at once ({refresh})")
    redirected = len(fetch.hops) > 1 and not same_url(fetch.url, final.url)
    if probe is not None and probe.status is not None and 200 <= probe.status < 300:
        if redirected and same_url(probe.final_url, final.url):
            return ("probe-same-final-url",
                    f"The cited URL and a random URL on the same site both land on "
                    f"{final.url}")
        # (a random URL sent on to the cited one is the site's way with
        # misspelt addresses, not a page it answers every URL with)
        if page is not None and probe.page is not None and like_probe(
                page, probe.page, settings) and not as_before(page, baseline, settings) \
                and not same_url(probe.final_url, fetch.url) \
                and not same_url(probe.final_url, final.url):
            score = text_similarity(page.text, probe.page.text)
            return ("probe-same-text",
                    f"200 OK, but the page's text is {score:.0%} the same as the answer to "
                    f"a random URL on the same site ({probe.url})")
    same = page is not None and baseline is not None and bool(
        same_page(page, baseline.page, settings))
    if redirected and url_depth(fetch.url) > 0 and not same:
        if url_depth(final.url) == 0:
            return ("redirect-to-root",
                    f"The cited URL redirects to the site root {final.url}")
        if is_section_url(final.url) and url_depth(final.url) < url_depth(fetch.url) \
                and (page is None or shown_article_markers(page, final.url) < 2):
            return ("redirect-to-section",
                    f"The cited URL redirects to a section or listing page {final.url}")
    if page is not None and baseline is not None and not same:
        searched = search_heading(page)
        if searched and not search_heading(baseline.page):
            where = f" at {final.url}" if redirected else ""
            return ("search-page",
                    f"{_phrase(final)}{where}, but the page is a search's or a listing's "
                    f"where the first snapshot was the cited page ({searched!r})")
    if refresh is not None and not same_url(refresh, final.url):
        return None  # judged as a redirect (classify)
    if page is not None and baseline is not None and not same \
            and _no_longer_an_article(page, baseline, final.url):
        where = f" at {final.url}" if redirected else ""
        return ("not-an-article",
                f"{_phrase(final)}{where}, but the first snapshot was an article and this page "
                f"shows no sign of one (no og:type article, no publication date but its "
                f"URL's, under 150 words of main text; headline {page.headline!r})")
    if page is not None and baseline is not None and _titled_as_the_site(page, baseline):
        return ("site-title",
                f"{_phrase(final)} with no headline and no text, titled with the site's name "
                f"alone ({page.title!r}): a home or section page, where the first snapshot "
                f"was an article")
    return None


def _titled_as_the_site(page: PageInfo, baseline: Baseline) -> bool:
    """True when *page*, with neither headline nor text but the links of a listing
    (:data:`LISTING_LINKS`; a shell its scripts draw has few), is titled with the
    site's name alone: a part of the first snapshot's title ("Headline | Site")
    other than its headline, when that snapshot was an HTML article."""
    base = baseline.page
    if has_content(page) or not page.title or page.kind != "html" or base.kind != "html" \
            or page.links < LISTING_LINKS or article_markers(base) < 2 or not base.title:
        return False
    parts = titles.title_parts(base.title)
    return len(parts) >= 2 and any(
        titles.is_site_name(page.title, [part]) and not (
            base.headline and headline_similarity(part, base.headline) >= 0.9)
        for part in parts)


def _no_longer_an_article(page: PageInfo, baseline: Baseline, url: str) -> bool:
    """True when the first snapshot was an HTML article (two or more article
    markers) or a PDF with a headline or text (a report, a release), and
    *page*, served at *url*, is an HTML page or a plain text (not a PDF) with
    a headline or text (one with neither is ``content-missing``) but no sign
    of an article."""
    base = baseline.page
    cited = (base.kind == "html" and article_markers(base) >= 2) or \
        (base.kind == "pdf" and has_content(base))
    return cited and page.kind != "pdf" and has_content(page) \
        and shown_article_markers(page, url) == 0


def _permanent_address(fetch: FetchResult) -> str | None:
    """Where the cited URL has moved for good: the URL reached by the unbroken
    run of permanent redirects (301, 308) it starts with; None when its first
    answer is no permanent redirect. A temporary hop ends the run: what it
    leads to may change again (RFC 9110, 15.4.3), and a temporary redirect of
    the cited URL itself says it has not moved."""
    hops = fetch.hops
    run = 0
    while run < len(hops) - 1 and hops[run].status in _PERMANENT_REDIRECTS:
        run += 1
    return hops[run].url if run else None


#: What a redirect that :func:`same_url` holds trivial changes.
_TRIVIAL_REDIRECT = "the redirect only changes the scheme, www, port, trailing slash or escapes"


def _compare(
    fetch: FetchResult, final: Hop, page: PageInfo | None, baseline: Baseline | None,
    settings: CheckSettings,
) -> Verdict:
    """moved, drifted or alive, for a 2xx answer that is not a soft-404 (or
    blocked, when the cited page is still there but its text behind a paywall)."""
    moved_to = _permanent_address(fetch)
    elsewhere = not same_url(fetch.url, final.url)
    # (a chain that comes back to the cited URL, a cookie's round trip, moved nothing)
    permanent = moved_to is not None and not same_url(fetch.url, moved_to) and elsewhere
    trivial = len(fetch.hops) > 1 and not elsewhere
    ok = _phrase(final)
    # the address the cited URL moved to for good, and the temporary hops after it
    rule, where = ("moved", final.url) if moved_to == final.url else \
        ("moved-then-temporary", f"{moved_to} (then a temporary redirect to {final.url})")

    if baseline is None:
        if permanent and page is not None and page.headline:
            return _ok("moved", rule,
                       f"Permanent redirect to {where}, which serves a page with a "
                       "headline (no earlier snapshot to compare)")
        note = f"; {_TRIVIAL_REDIRECT}" if trivial else ""
        return _ok("alive", "alive", f"{ok}; first snapshot, nothing to compare yet{note}")

    if permanent and page is not None:
        same = same_page(page, baseline.page, settings)
        if same:
            return _ok("moved", rule,
                       f"Permanent redirect to {where}, which serves the cited page "
                       f"({same})")
    drifted = drift(page, baseline.page, settings) or _bytes_changed(page, final, baseline)
    where = f" at {final.url}" if elsewhere else ""
    walled = _walled(page, baseline.page) \
        if page is not None and (drifted is None or drifted[0] == "text-replaced") else None
    if walled and page is not None:
        evidence = drifted[1] if drifted is not None else (
            f"it shows {len(page.text) / len(baseline.page.text):.0%} as much text as "
            "the first snapshot")
        return _ok("blocked", "paywall",
                   f"{ok}{where}; the headline matches the first snapshot, but the text "
                   f"is now behind a paywall ({walled!r}): {evidence}")
    if drifted is not None:
        rule, evidence = drifted
        return _ok("drifted", rule, f"{ok}{where}, but {evidence}")
    like = alike(page, baseline.page)
    if trivial:
        return _ok("alive", "alive", f"{ok}; {like}; {_TRIVIAL_REDIRECT}")
    if elsewhere:
        return _ok("alive", "alive", f"{ok} after a temporary redirect to {final.url}; {like}")
    return _ok("alive", "alive", f"{ok}; {like}")


def _bytes_changed(page: PageInfo | None, final: Hop, baseline: Baseline
                   ) -> tuple[str, str] | None:
    """(rule, evidence) when *page*, a document with no headline or text (a
    scanned PDF, an image), as the first snapshot had none, is not the first
    snapshot's bytes (the payload digests of *final* and *baseline*, when both
    are known, differ): its bytes are all there is to compare it by. (An HTML
    page drawn by its scripts, then and now, changes bytes at every release of
    its code: it is not judged so.)"""
    base = baseline.page
    changed = bool(final.payload_digest) and bool(baseline.payload_digest) \
        and final.payload_digest != baseline.payload_digest
    if not changed or page is None or page.kind == base.kind == "html" \
            or has_content(page) or has_content(base):
        return None
    what = "PDF" if base.kind == "pdf" else "document"
    return ("bytes-changed",
            f"the {what}'s bytes are no longer the first snapshot's, and it has no "
            "headline or text to compare them by (a scanned document or an image)")


#: A paywalled page shows at most this share of the first snapshot's text.
PAYWALL_TEXT_SHARE = 0.8


def _walled(page: PageInfo, base: PageInfo) -> str | None:
    """What says the page is now behind a paywall (see :func:`paywall`), when its
    text is cut short, to under :data:`PAYWALL_TEXT_SHARE` of the first
    snapshot's, and the first snapshot was not behind one, nor said those words
    (a live blog that grew and asks to sign in to comment is not walled)."""
    if len(page.text) >= PAYWALL_TEXT_SHARE * len(base.text):
        return None
    walled = paywall(page)
    if not walled or paywall(base):
        return None
    # wording the first snapshot had too, anywhere in its text (a subscription
    # line that ended the article before its comments), is no new wall
    return None if not page.paywalled and walled.lower() in base.text.lower() else walled
