"""The headline of a page: chosen among the sources its markup offers.

JSON-LD ``headline``, Open Graph / Twitter / ``<meta>`` titles, the
article's ``<h1>`` (where there is none but the logo's, an element marked as
the headline that the ``<title>`` confirms: :func:`marked_headline`) and the
``<title>`` without its site name each propose a value; sources from
different families that agree win over a lone one (an SEO title for social
media, a logo in an ``<h1>``). Pure; "nothing found" is None.

Example::

    choose_headline(markup, h1="Court rules on extradition", url=url)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import islice
from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from . import dom, titles
from . import textnorm as tn
from .pagemeta import ARTICLE_TYPES, Markup, first_str, iter_jsonld, jsonld_types, text_of

#: <meta> names that hold a headline, besides og:title and twitter:title.
TITLE_META = ("title", "dc.title", "dcterms.title", "parsely-title", "sailthru.title",
              "headline", "citation_title", "og:title:alt")

_LOGO = dom.MarksPattern(r"logo|brand|site-?(?:title|name)|masthead|navbar")


_LOGO_TAGS = dom.tag_ids("a", "header")
_HEADER = dom.tag_id("header")
_BODY = dom.tag_ids("body")
_ARTICLE = dom.tag_ids("article", "main")
#: JSON-LD types whose ``name`` is the site's name.
_SITE_TYPES = frozenset({"website", "organization", "newsmediaorganization"})


def _placement(h1: LexborNode) -> bool | None:
    """Where *h1* sits, from one walk up: None in a link or box named like a
    logo, in the page header, or in an aside, a menu or a footer (the
    teasers of a theme that heads each <article> of a sidebar with an <h1>);
    else whether it is in an <article>/<main>."""
    in_article = False
    for a in dom.ancestors(h1):
        tid = a.tag_id
        if tid in dom.ASIDE_IDS:
            return None
        attrs = a.attributes
        if attrs.get("role") == "banner" and holds_a_logo(a):  # the site's header
            return None
        if tid in _LOGO_TAGS:
            if _LOGO.search(dom.marks(attrs)):
                return None
            if tid == _HEADER:
                parent = a.parent
                if parent is not None and parent.tag_id in _BODY:
                    return None
        elif tid in _ARTICLE:
            in_article = True
    return in_article


def holds_a_logo(box: LexborNode) -> bool:
    """True when *box* holds a logo (an element named so) or a link to the home
    page: a site's banner (phpBB's), not an article's hero that says role=banner."""
    for el in box.css("[class], [id], a[href]")[:40]:
        if _LOGO.search(dom.marks(el.attributes)) or (
                el.tag == "a" and _home_href(el.attributes.get("href") or "")):
            return True
    return False


def _home_href(href: str) -> bool:
    """True when *href* leads to the site's home page: "/", "./", an index page
    ("index.html", "/index.php"), or the root of a host."""
    return _HOME.fullmatch(href.strip()) is not None


_HOME = re.compile(r"\.?/|(?:\.?/)?index\.\w+|\w+://[^/?#]+/?")


#: Links read for the site's name (those of the page's header come first).
_HOME_LINKS = 40


def names_the_site(tree: LexborHTMLParser, text: str, url: str) -> bool:
    """True when *text* is what a link to the site's home page (*url*'s) says (its
    logo's text, or its image's alt text), among the page's first links."""
    key = tn.comparable(text)
    host = (urlsplit(url).hostname or "").removeprefix("www.")
    for link in tree.css("a[href]")[:_HOME_LINKS]:
        href = (link.attributes.get("href") or "").strip()
        if not _home_href(href) or ("://" in href and (
                urlsplit(href).hostname or "").removeprefix("www.") != host):
            continue  # (a link to another site's home page names that site)
        if tn.comparable(tn.squash(text_of(link))) == key:
            return True
        image = link.css_first("img[alt]")
        if image is not None and tn.comparable(image.attributes.get("alt") or "") == key:
            return True
    return False


def _links_home(h1: LexborNode, text: str) -> bool:
    """True when all *h1* says is a link to the site's home page: the site's name,
    as a blog's template heads every page ("<h1><a href="/">Notes from
    Laikipia</a></h1>"), the post's title below it."""
    link = h1.css_first("a[href]")
    if link is None:
        return False
    return _home_href(link.attributes.get("href") or "") \
        and tn.squash(text_of(link)) == tn.squash(text)


def names_the_site_h1(h1s: list[LexborNode]) -> bool:
    """True when the page's first ``<h1>`` is its logo (named so, or a link to
    the home page): the site's name, which heads no article."""
    return bool(h1s) and _is_logo(h1s[0], text_of(h1s[0]))


def _is_logo(h1: LexborNode, text: str) -> bool:
    """True when *h1* (saying *text*) is named a logo or is a link to the home page."""
    return bool(_LOGO.search(dom.marks(h1.attributes))) or _links_home(h1, text)


def article_h1(h1s: list[LexborNode], written: Sequence[str | None] = ()
               ) -> tuple[str | None, bool]:
    """The text of the h1 that heads the article: in <article>/<main> first, not
    a logo; and whether one qualified.

    The first ``<h1>`` of the page when none qualifies; None when there is none.
    An ``<h1>`` made of blocks is read with a space between them
    (:func:`~archiver.pagemeta.text_of`) unless what the page *written* (its
    <title>, og:title) gives them without ("<div>Wor</div><div>d</div>").
    """
    usable: list[tuple[bool, str]] = []
    texts: list[str] = []
    keys = [tn.comparable(w) for w in written if w]
    for h1 in h1s[:20]:
        text = _confirmed_text(h1, keys)
        texts.append(text)
        if not tn.squash(text) or _is_logo(h1, text):
            continue
        in_article = _placement(h1)
        if in_article is None:
            continue
        usable.append((in_article, text))
    chosen = next((text for in_article, text in usable if in_article),
                  usable[0][1] if usable else None)
    if len(usable) > 1 and chosen is not None and written:
        # a section's label in <h1> over the story's (<h1>Local</h1>...<h1>Bridge
        # collapse...</h1>): the one the <title> or og:title gives wins
        given = _headline_keys(written)
        if tn.comparable(chosen) not in given:
            chosen = next((text for _, text in usable if tn.comparable(text) in given), chosen)
    # (without the "¶" of a documentation generator's link to the heading)
    value = tn.clean_value(chosen.rstrip().rstrip("¶") if chosen else chosen)
    if value is None and texts:
        value = tn.clean_value(texts[0])
    return value, bool(usable)


def _headline_keys(written: Sequence[str | None]) -> set[str]:
    """Comparable forms of what *written* (a <title>, an og:title) gives for a
    headline: each whole, and its longest part ("Headline | Section | Site")."""
    keys: set[str] = set()
    for value in written:
        if not value:
            continue
        keys.add(tn.comparable(value))
        parts = titles.title_parts(value)
        if len(parts) > 1:
            keys.add(tn.comparable(max(parts, key=len)))
    return keys


def _confirmed_text(el: LexborNode, keys: list[str]) -> str:
    """The text of *el* spaced as shown (:func:`~archiver.pagemeta.text_of`),
    or as written without the spaces added when one of *keys* (the
    ``comparable`` forms of the page's <title> and og:title) holds it so and
    not spaced."""
    glued = el.text()
    text = text_of(el, glued)
    if not keys:
        return text
    if text == glued:
        return text
    glued_key, spaced_key = tn.comparable(glued), tn.comparable(text)
    if any(glued_key in k for k in keys) and not any(spaced_key in k for k in keys):
        return glued
    return text


#: Elements marked as a page's headline where its ``<h1>`` is missing or only
#: the site's logo: schema.org microdata, and the title classes of blog and CMS
#: themes (WordPress's ``h2.entry-title``, ``h2.headline``...).
_MARKED = ("[itemprop~=headline], .entry-title, .post-title, .article-title, .story-title, "
           ".headline, .article-headline")


def marked_headline(tree: LexborHTMLParser, found: Markup) -> str | None:
    """The text of the first element marked as the headline (:data:`_MARKED`),
    not in an aside, a menu or a footer, that the page's ``<title>`` or
    ``og:title`` confirms (holds it, or nearly the same words): a listing's
    first teaser, marked alike, is not taken for the page's headline."""
    root = tree.root
    written = [tn.clean_value(t) for t in (found.title, found.meta.get("og:title")) if t]
    written = [t for t in written if t]
    if root is None or not written:
        return None
    keys = [tn.comparable(t) for t in written]
    words: list[list[str]] | None = None  # of each of *written*, read when first compared
    for el in root.css(_MARKED)[:20]:
        text = tn.clean_value(text_of(el))
        if not text or not 10 <= len(text) <= 300 or dom.has_ancestor(el, dom.ASIDE_IDS):
            continue
        key = tn.comparable(text)
        if any(key in k for k in keys):
            return text
        if words is None:
            words = [tn.tokens(t) for t in written]
        own = tn.tokens(text)
        if any(tn.tokens_f1(own, w) >= 0.8 for w in words):
            return text
    return None


#: Words, and characters, of an <h1> that may be a section's label over the
#: headline ("Prensa"): a headline in a script without spaces is one word.
_LABEL_WORDS, _LABEL_CHARS = 3, 24


def title_heading(tree: LexborHTMLParser, title: str | None, h1: str) -> str | None:
    """The text of one of the first ``<h2>``/``<h3>`` that the <title> gives (whole,
    or as one of its parts) where the short *h1* is not in it: a ministry's
    "<h1>Prensa</h1><h2>Detenidos 269 ...</h2>" under "Detenidos 269 ... -
    Ministerio del Interior". None otherwise."""
    if not title or len(h1.split()) > _LABEL_WORDS or len(h1) > _LABEL_CHARS:
        return None
    whole, key = tn.comparable(title), tn.comparable(h1)
    parts = titles.title_parts(title)
    # the <title> itself, or its first part when the label is nowhere in it (a
    # section's or a series' name is a later part, or a box's heading)
    given = {whole} if key in whole else {whole, tn.comparable(parts[0]) if parts else whole}
    for head in islice(tree.css("h2, h3"), 3):
        text = tn.squash(text_of(head))
        if text and len(text) > len(h1) and tn.comparable(text) in given \
                and not dom.has_ancestor(head, dom.ASIDE_IDS):  # (a series' box)
            return text
    return None


def choose_headline(found: Markup, h1: str | None, url: str) -> str | None:
    """The article's headline, without site name; None when nothing credible."""
    meta = found.meta
    site_names = [n for n in (meta.get("og:site_name"), meta.get("application-name"),
                              meta.get("twitter:site", "").lstrip("@"), meta.get("publisher"))
                  if n]
    jsonld_headline = None
    for data in found.jsonld:
        for obj in iter_jsonld(data):
            types = jsonld_types(obj)
            if not types.isdisjoint(ARTICLE_TYPES):
                jsonld_headline = first_str(obj.get("headline")) or first_str(obj.get("name"))
                if jsonld_headline:
                    break
            elif "publisher" in obj and isinstance(obj["publisher"], dict):
                name = first_str(obj["publisher"].get("name"))
                if name:
                    site_names.append(name)
            if not types.isdisjoint(_SITE_TYPES):
                name = first_str(obj.get("name"))
                if name:
                    site_names.append(name)
        if jsonld_headline:
            break
    if h1 and found.title:  # "Headline | Evening Echo" with <h1>Evening Echo</h1>: a masthead
        parts = titles.title_parts(found.title)
        # (the rest of the title, the headline, says more than the name: in "Bộ
        # Công an - Tiếp nhận ... từ Campuchia" under that <h2>, the last part is no name)
        if len(parts) >= 2 and tn.comparable(parts[-1]) == tn.comparable(h1) \
                and len(" ".join(parts[:-1]).split()) >= max(3, len(h1.split()) + 1):
            site_names.append(h1)
    site_names = _distinct_names([*site_names, *titles.domain_names(url)])
    # (family, value, trust): og, twitter and <meta> titles are usually copies
    # of each other, so agreement only counts between families.
    raw: list[tuple[str, str | None, float]] = [
        ("jsonld", tn.clean_value(jsonld_headline), 5.0),
        ("social", tn.clean_value(meta.get("og:title")), 4.0),
        ("h1", h1, 3.5),
        ("social", tn.clean_value(meta.get("twitter:title")), 3.0),
    ]
    for name in TITLE_META:
        if meta.get(name):
            raw.append(("social", tn.clean_value(meta[name]), 2.5))
            break
    others = [v for _, v, _ in raw if v]
    title_value = tn.clean_value(found.title)
    cands: list[tuple[str, str, float]] = []
    stripped: dict[str, str | None] = {}  # og:title and twitter:title are often the same
    for family, value, trust in raw:
        if value and family != "h1":
            if value not in stripped:
                # a copy of the <title> ("Headline | Site") is stripped as it is,
                # guessing a short last part after a bar to be the site's name
                stripped[value] = titles.strip_site_name(
                    value, site_names, [o for o in others if o != value],
                    guess=value == title_value)
            value = stripped[value]
        if value:
            cands.append((family, value, trust))
    title = titles.strip_site_name(found.title, site_names, others)
    if title:
        cands.append(("title", title, 2.0))
    credible: dict[str, bool] = {}
    for _, value, _ in cands:
        if value not in credible:
            credible[value] = _credible(value, site_names)
    cands = [c for c in cands if credible[c[1]]]
    if not cands:
        return None
    keys = [tn.comparable(value) for _, value, _ in cands]
    # words of a candidate, read when first compared (most pages' candidates
    # are equal once comparable, or of one family: none is)
    words: dict[int, list[str]] = {}
    close: dict[tuple[int, int], bool] = {}  # token F1 is symmetric: once per pair
    best, best_score = None, -1.0
    for i, (family, value, trust) in enumerate(cands):
        agree: dict[str, float] = {}
        for j, (other_family, _, _) in enumerate(cands):
            if other_family == family:
                continue
            if keys[j] == keys[i]:
                agree[other_family] = 3.0
                continue
            pair = (i, j) if i < j else (j, i)
            near = close.get(pair)
            if near is None:
                for k in pair:
                    if k not in words:
                        words[k] = tn.tokens(cands[k][1])
                near = close[pair] = tn.tokens_f1(words[i], words[j]) >= 0.8
            if near:
                agree[other_family] = max(agree.get(other_family, 0.0), 1.0)
        score = trust + sum(agree.values())
        if score > best_score:
            best, best_score = value, score
    return best


def _distinct_names(names: list[str]) -> list[str]:
    """*names* without repeats and without names that have no letter or digit.

    Site names are only compared by their letters and digits
    (:func:`archiver.titles.is_site_name`), so one name per such key says
    all: a JSON-LD graph repeats its publisher for every object.
    """
    seen: set[str] = set()
    distinct: list[str] = []
    for name in names:
        key = titles._key(name)
        if key and key not in seen:
            seen.add(key)
            distinct.append(name)
    return distinct


def _credible(value: str, site_names: list[str]) -> bool:
    if len(value) < 3 or len(value) > 500:
        return False
    return not titles.is_site_name(value, site_names)
