"""Whether a page is still the cited page: its likeness to the first snapshot.

Pure: pages (``PageInfo``) and the check settings go in, an answer comes out.
:mod:`archiver.classify` asks these questions of a page it judges:

* :func:`same_page` -- is a redirect target the cited page (rule ``moved``)?
  Why, when it is: its headline or its text is like the first snapshot's.
* :func:`drift` -- how the page differs from the first snapshot
  (``headline-rewritten``, ``text-replaced``, ``content-missing``), and
  :func:`alike` -- what an alive page was found like it by;
* :func:`as_before` and :func:`like_probe` -- is the page still the first
  snapshot's, and is it the same page as the answer to a random sibling URL
  (the soft-404 probe)?

Texts are compared after ``similarity.strip_volatile``: a redirect target and
a probe by their similarity (:func:`text_score`), the page against its first
snapshot by the share of the snapshot's text it still has (:func:`kept_score`),
so that text added to a page (a live blog's new entries, a correction, a new
sidebar) is no rewrite, and text cut from it counts as much as was cut. The
thresholds are the settings ``check.drift_headline_similarity``,
``check.drift_text_similarity``, ``check.moved_text_similarity`` and
``check.probe_similarity``.

Why these thresholds: over the 214 pages of 80 words or more of the
extraction development corpus (``python bench/similarity.py --thresholds``),
the share kept stayed at 0.97 or more after a one-word typo or an added
"Updated: 5 minutes ago" line, at 1.0 with 100 words or a correction added,
and at 0.92 or more when other articles' text was added (a page three times
as long), where the similarity fell to 0.08; it was 0.53-0.78 (median 0.60)
with the last 40 % of the text cut, 0.35-0.75 (median 0.42) with 58 % cut,
and at most 0.01 for 400 pairs of different articles. It is harder than the
similarity on text taken away: a 100-word box gone from a page of 80 words
or more left 0.49-0.98 of it (median 0.89; the similarity, 0.66-0.99).
Headline similarity stayed at 1.0 after such edits, and 400 pairs of
different articles scored at most 0.40 on it; a headline rewritten on the
same story scores 0.3-0.5 in the tests. The 0.6 (headline) and 0.5 (text)
thresholds sit in the gaps, on the safe side for copy edits.
"""

from __future__ import annotations

import dataclasses
import functools

from .content import data_kind
from .datadocs import read_document
from .models import Baseline, PageInfo
from .pagesigns import answers_instead
from .settings import CheckSettings
from .similarity import headline_similarity, strip_volatile, text_scores, text_similarity

#: Links that make a page with neither headline nor text a listing (a home or
#: section page whose teasers are all boxes the main text leaves out).
LISTING_LINKS = 20


def like_probe(page: PageInfo, other: PageInfo, settings: CheckSettings) -> bool:
    """True when *page* is the same page as the answer to a random URL.

    A site that wraps every article in the same template still gives each
    article its own headline and text, so both must match: a page whose
    headline differs from the probe's is never taken for an error page.
    """
    if not has_text(page.text) and not has_text(other.text):
        return False
    if page.headline and other.headline and \
            headline_similarity(page.headline, other.headline) < settings.probe_similarity:
        return False
    return text_similarity(page.text, other.text) >= settings.probe_similarity


def as_before(page: PageInfo | None, baseline: Baseline | None, settings: CheckSettings) -> bool:
    """True when *page* is still the page of the first snapshot.

    Such a page is not taken for an error page on the strength of the probe
    alone: a site that answers every URL with the same page answered the cited
    URL that way when it was cited too. (Error wording, parking and redirect
    rules still apply.)
    """
    if page is None or baseline is None or not has_content(page):
        return False
    base = baseline.page
    if page.headline and base.headline and \
            headline_similarity(page.headline, base.headline) < settings.probe_similarity:
        return False
    return text_similarity(page.text, base.text) >= settings.probe_similarity


def alike(page: PageInfo | None, base: PageInfo) -> str:
    """What an alive page was found like its first snapshot by (see ``drift``),
    and the day it gives when that is not the first snapshot's (a page re-dated
    after it was cited: the date flags say whether the event's date is still near)."""
    if page is not None and page.headline and base.headline:
        like = "headline matches the first snapshot"
    elif page is not None and has_text(page.text) and has_text(base.text):
        like = "main text matches the first snapshot"
    else:
        return "nothing to compare it by: no headline or text, as in the first snapshot"
    if page is not None and page.published and base.published \
            and page.published != base.published:
        like += (f", but its date is now {page.published.isoformat()} (it was "
                 f"{base.published.isoformat()} in the first snapshot)")
    return like


def read_now(base: PageInfo) -> PageInfo:
    """A first snapshot of an XML or JSON document as such documents are read
    now (their words, :mod:`archiver.datadocs`): one kept by an earlier version
    holds its markup as its text, which would count as words kept, or lost,
    against the words read now. ``classify`` reads its baseline so, once."""
    if base.kind != "other" or not base.text or base.text[0] not in "<{[":
        return base
    raw = base.text.encode("utf-8")
    kind = data_kind(raw, "text/plain; charset=utf-8")
    document = read_document(raw, "text/plain; charset=utf-8", kind) if kind else None
    return dataclasses.replace(base, text=document.text) if document is not None else base


def same_page(page: PageInfo, base: PageInfo, settings: CheckSettings) -> str:
    """Why a redirect target is the cited page (empty when it is not).

    Not by its headline when that is a search's or an error page's and the first
    snapshot's was not: "Search Results for: malaysia deports taiwanese" repeats
    the slug, and with it most of the headline."""
    if page.headline and base.headline and not (
            answers_instead(page.headline) and not answers_instead(base.headline)):
        score = headline_similarity(page.headline, base.headline)
        if score >= settings.drift_headline_similarity:
            return f"headline {score:.0%} like the first snapshot's"
    if has_text(page.text) and has_text(base.text):
        score = text_score(page.text, base.text)
        if score >= settings.moved_text_similarity:
            return f"text {score:.0%} like the first snapshot's"
    return ""


def text_score(now: str, before: str) -> float:
    """Similarity of two main texts, volatile lines (timestamps, "Updated") removed."""
    return _scores(before, now)[0]


def kept_score(before: str, now: str) -> float:
    """The share of the main text *before* (the first snapshot's) that the text
    *now* still has, volatile lines removed: text added does not lower it."""
    return _scores(before, now)[1]


@functools.lru_cache(maxsize=8)
def _scores(before: str, now: str) -> tuple[float, float]:
    # both from one cutting into shingles, kept: a moved page and its drift
    # ask for the same pair, and so does each citation of the page
    if before == now:
        return 1.0, 1.0
    return text_scores(strip_volatile(before), strip_volatile(now))


def has_text(text: str) -> bool:
    """``bool(text.strip())`` without copying a long text."""
    return bool(text) and not text.isspace()


def has_content(page: PageInfo | None) -> bool:
    return page is not None and bool(page.headline or has_text(page.text))


def _drawn_by_scripts(empty: PageInfo | None) -> str:
    """A hint for an editor when the side with neither headline nor text is an
    HTML page with few links: a shell that scripts fill in a browser, which a
    capture does not run (a listing has many links; see :data:`LISTING_LINKS`)."""
    if empty is None or empty.kind != "html" or empty.empty or empty.links >= LISTING_LINKS:
        return ""
    return (f" (an HTML page with {empty.links} link{'s' if empty.links != 1 else ''} "
            "and nothing to read: perhaps drawn by its scripts, which archiving does not "
            "run; open it in a browser to tell)")


def drift(
    page: PageInfo | None, base: PageInfo, settings: CheckSettings,
) -> tuple[str, str] | None:
    """(rule, evidence) when *page* differs materially from the baseline *base*."""
    now = has_content(page)
    if now != has_content(base):
        side = "the page now has" if now else "the first snapshot had"
        return "content-missing", f"{side} a headline or text and the other has neither" \
            + _drawn_by_scripts(base if now else page)
    if page is None:
        return None
    if page.headline and base.headline:
        score = headline_similarity(page.headline, base.headline)
        if score < settings.drift_headline_similarity:
            return ("headline-rewritten",
                    f"the headline changed from {base.headline!r} to {page.headline!r} "
                    f"({score:.0%} alike)")
    if has_text(page.text) and has_text(base.text):
        score = kept_score(base.text, page.text)
        if score < settings.drift_text_similarity:
            return ("text-replaced",
                    f"only {score:.0%} of the first snapshot's main text is still there")
    return None
