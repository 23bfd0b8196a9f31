"""Headline, publication date and main text of a captured page: pure, no I/O.

``extract(body, url=..., content_type=...)`` takes a response body (its
Content-Encoding already undone, see :mod:`archiver.content`) and returns a
:class:`~archiver.models.PageInfo`. It never raises: a page it cannot read
gives a ``PageInfo`` with what could be learned (at worst, nothing).

The HTML is parsed once with lxml. The headline is chosen among JSON-LD,
Open Graph / Twitter / ``<meta>`` titles, the article's ``<h1>`` and the
``<title>`` without its site name, favouring sources that agree. The date is
the original publication day from, in order of trust: JSON-LD, ``<meta>``
tags, ``itemprop``, ``<time>`` elements, the URL and finally a visible
byline. PDFs are read with pypdf (metadata and the first pages' text).

Example::

    info = extract(body, url="https://thediplomat.com/2016/05/...", content_type="text/html")
    info.headline, info.published
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

from lxml import etree

from . import textnorm as tn
from .content import decode_text, is_html, is_pdf, media_type, sniff_charset
from .models import PageInfo

LOGGER = logging.getLogger(__name__)

#: Bytes of HTML given to the parser (the rest of a huge page is ignored).
MAX_HTML_BYTES = 3 * 1024 * 1024
#: Characters of main text kept.
MAX_TEXT_CHARS = 100_000
#: Bytes of one JSON-LD block parsed.
MAX_JSONLD_CHARS = 500_000
#: PDF pages whose text is read.
PDF_TEXT_PAGES = 2

_PARSER = etree.HTMLParser(remove_comments=True, remove_pis=True, no_network=True,
                               recover=True, default_doctype=False, encoding="utf-8")

ARTICLE_TYPES = frozenset({
    "article", "newsarticle", "reportagenews", "blogposting", "analysisnewsarticle",
    "opinionnewsarticle", "reviewnewsarticle", "backgroundnewsarticle", "scholarlyarticle",
    "techarticle", "report", "liveblogposting", "socialmediaposting", "posting",
    "askpublicnewsarticle", "satiricalarticle", "advertisercontentarticle",
    "medicalscholarlyarticle",
    "discussionforumposting", "govermentdocument", "creativework", "pressrelease",
})

#: <meta> names/properties that carry the original publication date, best first.
DATE_META = (
    "article:published_time", "og:article:published_time", "og:published_time",
    "article:published", "published_time", "datepublished", "article.published",
    "parsely-pub-date", "sailthru.date", "pubdate", "publishdate", "publish-date",
    "publish_date", "publication_date", "publication-date", "date_published",
    "dc.date.issued", "dcterms.issued", "dc.date.created", "dcterms.created", "dc.date",
    "dcterms.date", "dc.created", "citation_publication_date", "citation_date",
    "citation_online_date", "originalpublicationdate", "original-publish-date",
    "article_date_original", "cxenseparse:recs:publishtime", "og:pubdate", "pdate",
    "rnews:datepublished", "vr:published_time", "bt:pubdate", "release_date",
    "created", "date_created", "displaydate", "article:post_date", "date",
    "dc.date.available", "article_date", "news_date", "content_date", "eomportal-lastupdate",
)
_DATE_META_RANK = {name: i for i, name in enumerate(DATE_META)}
#: <meta> names that hold a headline, besides og:title and twitter:title.
TITLE_META = ("title", "dc.title", "dcterms.title", "parsely-title", "sailthru.title",
              "headline", "citation_title", "og:title:alt")


@dataclass
class _Found:
    """What one pass over the document collected."""

    title: str | None = None
    meta: dict[str, str] = field(default_factory=dict)
    jsonld: list[Any] = field(default_factory=list)
    h1s: list[Any] = field(default_factory=list)
    times: list[Any] = field(default_factory=list)
    itemprop_dates: list[str] = field(default_factory=list)
    canonical: str | None = None
    refresh: str | None = None
    link_count: int = 0
    password: bool = False


def extract(body: bytes, *, url: str, content_type: str | None = None) -> PageInfo:
    """What a response body says: kind, headline, date, title, main text, links.

    *body* is the decoded payload (Content-Encoding undone), *url* the URL it
    was served from (resolves relative links, and may carry a date). Never
    raises and never does I/O.
    """
    try:
        if not isinstance(body, bytes | bytearray | memoryview):
            return PageInfo()
        body = bytes(body)
        if is_pdf(body, content_type):
            return extract_pdf(body, url=url)
        if is_html(body, content_type):
            return _extract_html(body, url, content_type)
        return _extract_other(body, content_type)
    except Exception:  # defensive: a page must never stop a capture
        LOGGER.exception("extraction failed for %s", url)
        return PageInfo()


def _extract_other(body: bytes, content_type: str | None) -> PageInfo:
    """Plain text keeps its text (for drift); other media give nothing."""
    if not media_type(content_type).startswith("text/"):
        return PageInfo(kind="other")
    charset = sniff_charset(body[:MAX_HTML_BYTES], content_type)
    text = tn.squash(decode_text(body[:MAX_HTML_BYTES], charset))[:MAX_TEXT_CHARS]
    return PageInfo(kind="other", text=text, charset=charset)


def parse_html(body: bytes, content_type: str | None = None) -> tuple[Any, str]:
    """The lxml root of *body* (None when there is no document) and its charset."""
    head = body[:MAX_HTML_BYTES]
    charset = sniff_charset(head, content_type)
    if charset == "utf-8":
        data = head  # libxml2 reads UTF-8 itself, replacing bad bytes
    else:
        data = decode_text(head, charset).encode("utf-8", "replace")
    if not data.strip():
        return None, charset
    try:
        root = etree.fromstring(data, parser=_PARSER)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        return None, charset
    if root is None or not isinstance(root.tag, str):
        return None, charset
    return root, charset


def _extract_html(body: bytes, url: str, content_type: str | None) -> PageInfo:
    root, charset = parse_html(body, content_type)
    if root is None:
        return PageInfo(kind="html", charset=charset)
    found = _collect(root, url)
    meta = found.meta
    og_type = meta.get("og:type")
    article_h1 = _article_h1(found.h1s)
    h1_text = tn.clean_value(_text(article_h1)) if article_h1 is not None else None
    if h1_text is None and found.h1s:
        h1_text = tn.clean_value(_text(found.h1s[0]))
    headline = choose_headline(found, h1_text, url)
    published = choose_date(found, root, url)
    text = main_text(root)
    lang = root.get("lang") or root.get("{http://www.w3.org/XML/1998/namespace}lang") \
        or meta.get("content-language") or meta.get("og:locale") or meta.get("language")
    return PageInfo(
        kind="html",
        headline=headline,
        published=published,
        title=tn.clean_value(found.title),
        h1=h1_text,
        text=text,
        lang=tn.clean_value(lang),
        charset=charset,
        canonical=found.canonical,
        meta_refresh=found.refresh,
        og_type=tn.clean_value(og_type),
        link_count=found.link_count,
        has_password_field=found.password,
    )


# --------------------------------------------------------------------------
# one pass over the document

_STRING = etree.XPath("string(.)")


def _text(el: Any) -> str:
    """All text inside *el* (lxml.etree has no ``text_content``)."""
    return str(_STRING(el))


def _absolute(base: str, href: str | None) -> str | None:
    href = tn.squash(href)
    if not href or href.startswith(("javascript:", "data:", "mailto:")):
        return None
    try:
        return urljoin(base, href)
    except ValueError:
        return None


_REFRESH_URL = re.compile(r"""^\s*\d*(?:\.\d*)?\s*[;,]?\s*(?:url\s*=\s*)?["']?([^"']*)""", re.I)


def _collect(root: Any, url: str) -> _Found:
    found = _Found()
    base = url
    links = 0
    for el in root.iter("a", "base", "title", "meta", "link", "script", "h1", "time", "input"):
        tag = el.tag
        if tag == "a":
            if el.get("href") is not None:
                links += 1
        elif tag == "meta":
            _collect_meta(el, found, base)
        elif tag == "script":
            if "ld+json" in (el.get("type") or "").lower() and el.text:
                _collect_jsonld(el.text, found)
        elif tag == "h1":
            found.h1s.append(el)
        elif tag == "time":
            found.times.append(el)
        elif tag == "link":
            rel = (el.get("rel") or "").lower().split()
            if "canonical" in rel and found.canonical is None:
                found.canonical = _absolute(base, el.get("href"))
        elif tag == "title":
            if found.title is None and not _in_svg(el):
                found.title = _text(el)
        elif tag == "input":
            if not found.password and (el.get("type") or "").lower() == "password":
                found.password = True
        elif tag == "base" and el.get("href"):
            base = _absolute(url, el.get("href")) or url
    found.link_count = links
    for el in _ITEMPROP_DATES(root):
        found.itemprop_dates.append(el.get("datetime") or el.get("content") or _text(el))
    return found


_ITEMPROP_DATES = etree.XPath('//*[@itemprop="datePublished" and not(self::meta)][position()<=10]')


def _in_svg(el: Any) -> bool:
    return any(a.tag == "svg" for a in el.iterancestors())


def _collect_meta(el: Any, found: _Found, base: str) -> None:
    content = el.get("content")
    equiv = (el.get("http-equiv") or "").lower()
    if equiv == "refresh" and content and found.refresh is None:
        m = _REFRESH_URL.match(content)
        if m and m.group(1).strip():
            found.refresh = _absolute(base, m.group(1))
        return
    if equiv == "content-language" and content:
        found.meta.setdefault("content-language", content)
        return
    if content is None:
        return
    for attr in ("property", "name", "itemprop"):
        key = el.get(attr)
        if key:
            for name in key.lower().split():
                found.meta.setdefault(name, content)


def _collect_jsonld(raw: str, found: _Found) -> None:
    raw = raw.strip()
    if not raw or len(raw) > MAX_JSONLD_CHARS:
        return
    if raw.startswith("<!--"):
        raw = raw[4:].rsplit("-->", 1)[0].strip()
    if raw.startswith("<![CDATA["):
        raw = raw[9:].rsplit("]]>", 1)[0]
    try:
        data = json.loads(raw, strict=False)
    except ValueError:
        try:  # a trailing semicolon or comma, or two objects back to back
            data = json.loads(re.sub(r"[;,\s]+$", "", raw), strict=False)
        except ValueError:
            return
    found.jsonld.append(data)


def iter_jsonld(data: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
    """Every JSON-LD object in *data*: lists, ``@graph`` and nested values."""
    if depth > 6:
        return
    if isinstance(data, list):
        for item in data[:200]:
            yield from iter_jsonld(item, depth + 1)
    elif isinstance(data, dict):
        yield data
        graph = data.get("@graph")
        if graph is not None:
            yield from iter_jsonld(graph, depth + 1)
        main = data.get("mainEntity") or data.get("mainEntityOfPage")
        if isinstance(main, dict | list):
            yield from iter_jsonld(main, depth + 1)


def _types(obj: dict[str, Any]) -> set[str]:
    value = obj.get("@type")
    values = value if isinstance(value, list) else [value]
    return {v.rsplit("/", 1)[-1].lower() for v in values if isinstance(v, str)}


def _is_article(obj: dict[str, Any]) -> bool:
    return bool(_types(obj) & ARTICLE_TYPES)


def _first_str(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        for item in value:
            if isinstance(item, str):
                return item
            if isinstance(item, dict) and isinstance(item.get("@value"), str):
                return str(item["@value"])
    if isinstance(value, dict) and isinstance(value.get("@value"), str):
        return str(value["@value"])
    return None


# --------------------------------------------------------------------------
# headline

_LOGO = re.compile(r"logo|brand|site-?(?:title|name)|masthead|navbar", re.I)


def _article_h1(h1s: list[Any]) -> Any:
    """The h1 that heads the article: inside <article>/<main> first, not a logo."""
    usable = []
    for h1 in h1s[:20]:
        attrs = f"{h1.get('class', '')} {h1.get('id', '')}"
        if _LOGO.search(attrs) or not tn.squash(_text(h1)):
            continue
        if any(_LOGO.search(f"{a.get('class', '')} {a.get('id', '')}") or a.tag == "header"
               and a.getparent() is not None and a.getparent().tag == "body"
               for a in h1.iterancestors("a", "header")):
            continue
        usable.append(h1)
    for h1 in usable:
        if any(a.tag in ("article", "main") for a in h1.iterancestors("article", "main")):
            return h1
    return usable[0] if usable else None


def choose_headline(found: _Found, h1: str | None, url: str) -> str | None:
    """The article's headline, without site name; None when nothing credible."""
    meta = found.meta
    site_names = [n for n in (meta.get("og:site_name"), meta.get("application-name"),
                              meta.get("twitter:site", "").lstrip("@"), meta.get("publisher"))
                  if n]
    jsonld_headline = None
    for data in found.jsonld:
        for obj in iter_jsonld(data):
            if _is_article(obj):
                jsonld_headline = _first_str(obj.get("headline")) or _first_str(obj.get("name"))
                if jsonld_headline:
                    break
            elif "publisher" in obj and isinstance(obj["publisher"], dict):
                name = _first_str(obj["publisher"].get("name"))
                if name:
                    site_names.append(name)
            if "website" in _types(obj) or "organization" in _types(obj) or \
                    "newsmediaorganization" in _types(obj):
                name = _first_str(obj.get("name"))
                if name:
                    site_names.append(name)
        if jsonld_headline:
            break
    site_names += tn.domain_names(url)
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
    cands: list[tuple[str, str, float]] = []
    for family, value, trust in raw:
        if value and family != "h1":
            value = tn.strip_site_name(value, site_names, [o for o in others if o != value],
                                       guess=False)
        if value:
            cands.append((family, value, trust))
    title = tn.strip_site_name(found.title, site_names, others)
    if title:
        cands.append(("title", title, 2.0))
    cands = [c for c in cands if _credible(c[1], site_names)]
    if not cands:
        return None
    keys = [tn.comparable(value) for _, value, _ in cands]
    best, best_score = None, -1.0
    for i, (family, value, trust) in enumerate(cands):
        agree: dict[str, float] = {}
        for j, (other_family, other, _) in enumerate(cands):
            if other_family == family:
                continue
            if keys[j] == keys[i]:
                agree[other_family] = 3.0
            elif tn.token_f1(value, other) >= 0.8:
                agree[other_family] = max(agree.get(other_family, 0.0), 1.0)
        score = trust + sum(agree.values())
        if score > best_score:
            best, best_score = value, score
    return best


def _credible(value: str, site_names: list[str]) -> bool:
    if len(value) < 3 or len(value) > 500:
        return False
    return not tn.is_site_name(value, site_names)


# --------------------------------------------------------------------------
# date

_PUB_CLASS = re.compile(r"publish|pubdate|posted|date-?created|entry-date|article-?date|"
                        r"dateline|byline|timestamp|post-?date|story-?date|datum|fecha|"
                        r"tanggal|date", re.I)
_UPDATED = re.compile(r"modif|updat|edited|aktualis|actualiz|revis", re.I)


Dated = tuple[dt.date, str]  # a day and the value it was read from


def choose_date(found: _Found, root: Any, url: str) -> dt.date | None:
    """The original publication day, or None."""
    for getter in (_date_jsonld, _date_meta, _date_itemprop, _date_time_elements):
        dated = getter(found)
        if dated is not None:
            return _local_day(dated, found)
    url_day, has_day = tn.date_from_url(url)
    if url_day is not None and has_day:
        return url_day
    day = _date_byline(root)
    if day is not None:
        return day
    return url_day


def _local_day(dated: Dated, found: _Found) -> dt.date:
    """The day in the page's own time zone when *dated* was written in UTC.

    A page that gives the same instant elsewhere with a non-zero offset
    (JSON-LD in UTC, ``article:published_time`` at -08:00) is dated by the
    day its own readers saw.
    """
    day, raw = dated
    instant = tn.parse_datetime(raw)
    if instant is None or instant.utcoffset() != dt.timedelta(0):
        return day
    values = [v for k, v in found.meta.items() if k in _DATE_META_RANK]
    values += [el.get("datetime") or "" for el in found.times[:20]]
    for data in found.jsonld:
        for obj in iter_jsonld(data):
            values += [v for k in ("datePublished", "dateCreated")
                       if isinstance(v := obj.get(k), str)]
    for value in values:
        other = tn.parse_datetime(value)
        if other is not None and other.utcoffset() not in (None, dt.timedelta(0)) \
                and abs((other - instant).total_seconds()) <= 60:
            return other.date()
    return day


def _date_jsonld(found: _Found) -> Dated | None:
    fallback: Dated | None = None
    for data in found.jsonld:
        for obj in iter_jsonld(data):
            for key in ("datePublished", "dateCreated", "uploadDate"):
                raw = _first_str(obj.get(key))
                day = tn.parse_date(raw)
                if day is None or raw is None:
                    continue
                if _is_article(obj):
                    return day, raw
                if fallback is None:
                    fallback = day, raw
    return fallback


def _date_meta(found: _Found) -> Dated | None:
    ranked = sorted((_DATE_META_RANK[k], v) for k, v in found.meta.items()
                    if k in _DATE_META_RANK)
    for _, value in ranked:
        day = tn.parse_date(value)
        if day is not None:
            return day, value
    page = found.meta.get("parsely-page")
    if page:
        try:
            info = json.loads(page)
        except ValueError:
            info = None
        if isinstance(info, dict):
            raw = _first_str(info.get("pub_date"))
            day = tn.parse_date(raw)
            if day is not None and raw is not None:
                return day, raw
    return None


def _date_itemprop(found: _Found) -> Dated | None:
    for value in found.itemprop_dates[:10]:
        day = tn.parse_date(tn.squash(value))
        if day is not None:
            return day, value
    return None


def _date_time_elements(found: _Found) -> Dated | None:
    scored: list[tuple[int, int, dt.date, str]] = []
    for index, el in enumerate(found.times[:50]):
        value = el.get("datetime") or el.get("content") or _text(el)
        day = tn.parse_date(tn.squash(value))
        if day is None:
            continue
        attrs = f"{el.get('class', '')} {el.get('id', '')} {el.get('itemprop', '')}"
        parent = el.getparent()
        if parent is not None:
            attrs += f" {parent.get('class', '')} {parent.get('id', '')}"
        if _UPDATED.search(attrs):
            continue
        score = 0
        if el.get("pubdate") is not None or _PUB_CLASS.search(attrs):
            score += 2
        if any(True for _ in el.iterancestors("article", "main")):
            score += 1
        if any(True for _ in el.iterancestors("aside", "footer", "nav")):
            score -= 3
        scored.append((-score, index, day, value))
    if not scored:
        return None
    scored.sort()
    if scored[0][0] > 0:  # only times in asides, footers and navigation
        return None
    return scored[0][2], scored[0][3]


_BYLINE_TAGS = ("div", "span", "p", "small", "li", "header", "abbr", "em", "strong", "b",
                "font", "td", "time", "dd", "h4", "h5", "h6")
_BYLINE_MARKS = re.compile(r"date|publish|byline|posted|time|meta|datum|fecha|tanggal|"
                           r"dateline|info|author|credit|tarih|data|fecha|datetime", re.I)


@functools.lru_cache(maxsize=4096)
def _byline_marks(marks: str) -> bool:
    return bool(_BYLINE_MARKS.search(marks)) and not _UPDATED.search(marks)


def _date_byline(root: Any) -> dt.date | None:
    """A date written in a byline-like element (class or id says date/byline)."""
    checked = 0
    for el in root.iter(*_BYLINE_TAGS):
        cls, ident = el.get("class"), el.get("id")
        if not (cls or ident) or not _byline_marks(f"{cls or ''} {ident or ''}"):
            continue
        text = _text(el)
        if not text or len(text) > 400:
            continue
        day = tn.find_date_in_text(tn.squash(text))
        if day is not None:
            return day
        checked += 1
        if checked >= 60:
            break
    return None


# --------------------------------------------------------------------------
# main text

_DROP_TAGS = ("script", "style", "noscript", "nav", "header", "footer", "aside", "form",
              "iframe", "svg", "template", "button", "select", "textarea", "object", "embed",
              "figure", "menu", "dialog", "canvas", "video", "audio", "map", "link", "meta")
#: Class/id fragments of boilerplate boxes (matched as substrings, lower case).
_BOILER_PARTS = ("comment", "related", "sidebar", "newsletter", "share", "social", "promo",
                 "advert", "cookie", "mostread", "most-read", "popular", "widget",
                 "breadcrumb", "subscri", "recommend", "teaser", "banner", "sponsor",
                 "outbrain", "taboola", "paywall", "trending", "readmore", "read-more",
                 "more-stories", "navigation", "menu", "footer", "masthead", "consent",
                 "signup", "toolbar")
#: Class/id words of boilerplate boxes (matched as whole words).
_BOILER_WORDS = frozenset({"ad", "ads", "adslot", "ad-slot", "adunit", "dfp", "gpt-ad", "tag",
                           "tags", "nav", "modal", "popup", "hidden", "print-only"})
_MARK_SPLIT = re.compile(r"[\s_]+")
_BOILER_ROLES = frozenset({"navigation", "banner", "contentinfo", "complementary", "dialog",
                           "search", "menu", "menubar", "alert"})
_KEEP_TAGS = frozenset({"article", "main", "body", "html"})


@functools.lru_cache(maxsize=4096)
def _boiler_marks(marks: str) -> bool:
    """True when class and id words (lower case) name a boilerplate box."""
    return any(part in marks for part in _BOILER_PARTS) or \
        not _BOILER_WORDS.isdisjoint(_MARK_SPLIT.split(marks))


def _is_boilerplate(el: Any) -> bool:
    get = el.get
    cls, ident = get("class"), get("id")
    if (cls or ident) and _boiler_marks(f"{cls or ''} {ident or ''}".lower()):
        if el.tag in _KEEP_TAGS or get("itemprop") == "articleBody":
            return False
        # a wrapper of the article itself (class "post has-share-buttons") stays
        return el.find(".//h1") is None and el.find(".//article") is None
    if get("hidden") is not None or get("aria-hidden") == "true":
        return el.tag not in _KEEP_TAGS
    role = get("role")
    if role and role.lower() in _BOILER_ROLES:
        return el.tag not in _KEEP_TAGS
    style = get("style")
    if style and "none" in style and "display:none" in style.replace(" ", "").lower():
        return el.tag not in _KEEP_TAGS
    return False


def _drop(el: Any) -> None:
    """Remove *el* but keep the text that follows it."""
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail
    if tail and tail.strip():
        previous = el.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + " " + tail
        else:
            parent.text = (parent.text or "") + " " + tail
    parent.remove(el)


def _main_container(body: Any) -> Any:
    """The element that holds the article: the <article>/<main> with most paragraphs.

    ``<body>`` when there is none, or when it has almost no paragraphs (a
    listing page with many small <article> teasers).
    """
    best, best_count = body, 0
    for candidate in body.iter("article", "main"):
        count = sum(1 for _ in candidate.iter("p"))
        if count > best_count:
            best, best_count = candidate, count
    if best is body or best_count < 2:
        return body
    return best


#: Elements that hold boxes (widgets, related links, comments).
_BOX_TAGS = ("div", "section", "ul", "ol", "aside", "table", "td", "span", "p", "li", "dl")


def main_text(root: Any) -> str:
    """The page's main text: boilerplate removed, whitespace squashed, capped.

    Changes the tree (boilerplate elements are removed), so it runs last.
    """
    body = root.find("body")
    if body is None:
        body = root
    container = _main_container(body)
    etree.strip_elements(container, *_DROP_TAGS, with_tail=False)
    for el in [el for el in container.iter(*_BOX_TAGS) if _is_boilerplate(el)]:
        _drop(el)
    text = etree.tostring(container, method="text", encoding=str, with_tail=False)
    return tn.squash(text[: MAX_TEXT_CHARS * 2])[:MAX_TEXT_CHARS]


# --------------------------------------------------------------------------
# PDF

_OFFICE_PREFIX = re.compile(r"^microsoft (?:word|powerpoint|excel)\s*-\s*", re.I)
_FILE_NAME = re.compile(r"^\S+\.(?:docx?|pdf|indd|xlsx?|pptx?|rtf|odt|tex|dvi)$", re.I)
_JUNK_TITLE = re.compile(r"^(?:untitled|document\d*|title|no title|slide \d+)$", re.I)


def _pdf_title(value: Any) -> str | None:
    """A PDF's /Title unless it is a file name or a placeholder."""
    title = tn.clean_value(str(value)) if value else None
    if not title:
        return None
    title = _OFFICE_PREFIX.sub("", title)
    if _FILE_NAME.match(title) or _JUNK_TITLE.match(title) or len(title) < 3:
        return None
    return title


def extract_pdf(body: bytes, *, url: str = "") -> PageInfo:
    """Title and date from a PDF's metadata (Info, then XMP), text of its first pages."""
    try:
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(body), strict=False)
    except Exception:
        LOGGER.debug("unreadable PDF from %s", url, exc_info=True)
        return PageInfo(kind="pdf")
    title: str | None = None
    published: dt.date | None = None
    info: Any = None
    try:
        info = reader.metadata
    except Exception:
        LOGGER.debug("no PDF info dictionary", exc_info=True)
    if info is not None:
        try:
            title = _pdf_title(info.get("/Title"))
            published = tn.parse_date(_pdf_date(info.get("/CreationDate")))
        except Exception:
            LOGGER.debug("bad PDF info dictionary", exc_info=True)
    if title is None or published is None:
        try:
            xmp = reader.xmp_metadata
            if xmp is not None:
                if title is None and xmp.dc_title:
                    title = _pdf_title(next(iter(xmp.dc_title.values()), None))
                if published is None and xmp.xmp_create_date:
                    published = xmp.xmp_create_date.date()
        except Exception:
            LOGGER.debug("bad PDF XMP metadata", exc_info=True)
    texts: list[str] = []
    try:
        for page in reader.pages[:PDF_TEXT_PAGES]:
            texts.append(page.extract_text() or "")
    except Exception:
        LOGGER.debug("PDF text unreadable", exc_info=True)
    text = tn.squash(" ".join(texts))[:MAX_TEXT_CHARS]
    if title is None and texts:
        first_lines = [tn.squash(x) for x in texts[0].splitlines() if len(tn.squash(x)) >= 8]
        title = first_lines[0][:300] if first_lines else None
    if published is None:
        published = tn.date_from_url(url)[0] or (tn.find_date_in_text(text[:3000]) if text
                                                  else None)
    if published is not None and not tn.plausible(published):
        published = None
    return PageInfo(kind="pdf", headline=title, published=published, title=title, text=text)


def _pdf_date(value: Any) -> str | None:
    """``D:20160503120000+08'00'`` -> ``20160503``."""
    if not value:
        return None
    m = re.match(r"^\s*(?:D:)?((?:19|20)\d{6})", str(value))
    return m.group(1) if m else None
