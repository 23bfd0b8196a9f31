"""The headline of a page: chosen among the sources its markup offers.

JSON-LD ``headline``, Open Graph / Twitter / ``<meta>`` titles, the
article's ``<h1>`` and the ``<title>`` without its site name each propose a
value; sources from different families that agree win over a lone one (an
SEO title for social media, a logo in an ``<h1>``). Pure; "nothing found" is
None.

Example::

    choose_headline(markup, h1="Court rules on extradition", url=url)
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborNode

from . import dom
from . import textnorm as tn
from .pagemeta import Markup, first_str, is_article, iter_jsonld, jsonld_types, text_of

#: <meta> names that hold a headline, besides og:title and twitter:title.
TITLE_META = ("title", "dc.title", "dcterms.title", "parsely-title", "sailthru.title",
              "headline", "citation_title", "og:title:alt")

_LOGO = re.compile(r"logo|brand|site-?(?:title|name)|masthead|navbar", re.I)


_LOGO_TAGS = dom.tag_ids("a", "header")
_BODY = dom.tag_ids("body")
_ARTICLE = dom.tag_ids("article", "main")


def _logo_ancestor(h1: LexborNode) -> bool:
    """True when *h1* sits in a link or box named like a logo, or the page header."""
    for a in dom.ancestors(h1):
        if a.tag_id in _LOGO_TAGS:
            if _LOGO.search(dom.marks(a.attributes)):
                return True
            if a.tag == "header":
                parent = a.parent
                if parent is not None and parent.tag_id in _BODY:
                    return True
    return False


def article_h1(h1s: list[LexborNode]) -> str | None:
    """The text of the h1 that heads the article: in <article>/<main> first, not a logo.

    The first ``<h1>`` of the page when none qualifies; None when there is none.
    """
    usable: list[tuple[LexborNode, str]] = []
    texts: list[str] = []
    for h1 in h1s[:20]:
        text = text_of(h1)
        texts.append(text)
        if _LOGO.search(dom.marks(h1.attributes)) or not tn.squash(text):
            continue
        if _logo_ancestor(h1):
            continue
        usable.append((h1, text))
    chosen = next((text for h1, text in usable if dom.has_ancestor(h1, _ARTICLE)),
                  usable[0][1] if usable else None)
    value = tn.clean_value(chosen)
    if value is None and texts:
        value = tn.clean_value(texts[0])
    return value


def choose_headline(found: Markup, h1: str | None, url: str) -> str | None:
    """The article's headline, without site name; None when nothing credible."""
    meta = found.meta
    site_names = [n for n in (meta.get("og:site_name"), meta.get("application-name"),
                              meta.get("twitter:site", "").lstrip("@"), meta.get("publisher"))
                  if n]
    jsonld_headline = None
    for data in found.jsonld:
        for obj in iter_jsonld(data):
            if is_article(obj):
                jsonld_headline = first_str(obj.get("headline")) or first_str(obj.get("name"))
                if jsonld_headline:
                    break
            elif "publisher" in obj and isinstance(obj["publisher"], dict):
                name = first_str(obj["publisher"].get("name"))
                if name:
                    site_names.append(name)
            if "website" in jsonld_types(obj) or "organization" in jsonld_types(obj) or \
                    "newsmediaorganization" in jsonld_types(obj):
                name = first_str(obj.get("name"))
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
