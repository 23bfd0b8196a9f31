"""Signs read in a URL: whether two URLs are the same page, and the shape of a path.

:func:`url_key` is a URL without the differences that do not make it another
page (scheme, ``www.``, the default port, a trailing slash, escapes);
:func:`same_url` compares two URLs by it. :func:`url_depth`,
:func:`is_section_url` and :func:`is_login_url` read a URL's path: how deep
it is, whether it is a home, section or listing page's, or a login page's.
:func:`probe_url` makes the random sibling of a cited URL that the soft-404
probe fetches.

Pure functions on strings, used by :mod:`archiver.classify` and by
:mod:`archiver.pagesigns` (the signs read in a page).

Example::

    >>> url_key("http://www.Example.com:80/a/b/?x=1#top")
    'example.com/a/b?x=1'
    >>> is_section_url("https://example.com/news/")
    True
"""

from __future__ import annotations

import functools
import random
import re
import string
from urllib.parse import quote, urlsplit, urlunsplit


@functools.lru_cache(maxsize=1024)
def url_key(url: str) -> str:
    """*url* without the differences that do not make it another page.

    Scheme (http/https), a leading ``www.``, the default port, a trailing
    slash, the case of the host and of percent escapes, escaped unreserved
    characters (``%2D`` for ``-``) and the fragment are ignored; characters
    written as they are (``/ü``, an IRI) are the same as their UTF-8 escapes
    (``/%C3%BC``, as they are requested), a host name in Unicode the same as
    its ASCII (IDNA) form.

    >>> url_key("http://www.Example.com:80/a/b/?x=1#top")
    'example.com/a/b?x=1'
    """
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:  # not a name DNS could hold: compared as written
            pass
    if host.startswith("www."):
        host = host[4:]
    try:
        port = parts.port
    except ValueError:  # not a number, or out of range
        port = None
    if port is not None and port not in (80, 443):
        host = f"{host}:{port}"
    path = parts.path.rstrip("/") or ""
    query = f"?{parts.query}" if parts.query else ""
    if not (path.isascii() and query.isascii()):
        path, query = _NON_ASCII.sub(_escaped, path), _NON_ASCII.sub(_escaped, query)
    if "%" in path or "%" in query:
        path, query = _ESCAPE.sub(_normal_escape, path), _ESCAPE.sub(_normal_escape, query)
    return f"{host}{path}{query}"


#: A percent escape; RFC 3986 (6.2.2) holds ``%7e``, ``%7E`` and ``~`` the same.
_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


#: Characters outside ASCII, which a URL carries as the escapes of their UTF-8 bytes.
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def _escaped(match: re.Match[str]) -> str:
    return quote(match.group(0), safe="", errors="surrogatepass")


def _normal_escape(match: re.Match[str]) -> str:
    """An escape in upper case; the character itself when it is unreserved."""
    char = chr(int(match.group(0)[1:], 16))
    return char if char in _UNRESERVED else match.group(0).upper()


def same_url(a: str, b: str) -> bool:
    """True when *a* and *b* differ at most trivially (see ``url_key``)."""
    return url_key(a) == url_key(b)


# --------------------------------------------------------------------------
# URL shapes

_INDEX_FILES = re.compile(r"^(?:index|default|home)(?:\.\w{2,5})?$", re.IGNORECASE)
_LANGUAGE_SEGMENT = re.compile(r"^[a-z]{2}(?:[-_][a-z]{2,4})?$", re.IGNORECASE)
_LISTING_SEGMENTS = frozenset({
    "archive", "archives", "author", "authors", "categories", "category", "latest", "news",
    "page", "search", "section", "sections", "tag", "tags", "topic", "topics",
})
#: A run of five digits or more in a segment: an article's number (not a year).
_ARTICLE_ID = r"\d{5}"
#: A path segment that names an article, not a listing: four words or more, a
#: number of five digits or more (an article's id), a page file.
_ARTICLE_SEGMENT = re.compile(rf"(?:[^-_]+[-_]){{3}}[^-_]|{_ARTICLE_ID}|"
                              r"\.(?:s?html?|stm|php|aspx?)$", re.IGNORECASE)
#: A query that names an article at the site's root: WordPress's shortlinks
#: ("?p=18231", "?page_id=5"), and the article ids of other CMSs.
_ARTICLE_QUERY = re.compile(
    r"(?:^|&)(?:p|page_id|id|aid|article|articleid|article_id|story|storyid|story_id|"
    r"news|newsid|news_id|nid)=\d", re.IGNORECASE)
_LOGIN_PATH = re.compile(
    r"/(?:log-?in|sign-?in|sign_in|signon|sso|auth|authenticate|session/new|"
    r"users?/sign_in|accounts?/log-?in|oauth2?/authorize)(?:[/.?]|$)", re.IGNORECASE)


def _segments(url: str) -> list[str]:
    """Path segments of *url*, without a leading language code or an index file."""
    segs = [seg for seg in urlsplit(url).path.split("/") if seg]
    if segs and _LANGUAGE_SEGMENT.match(segs[0]):
        segs = segs[1:]
    if segs and _INDEX_FILES.match(segs[-1]):
        segs = segs[:-1]
    return segs


def is_login_url(url: str) -> bool:
    """True when *url*'s path is a login page's (``/login``, ``/users/sign_in``)."""
    return _LOGIN_PATH.search(urlsplit(url).path) is not None


def url_depth(url: str) -> int:
    """Path segments of *url* (a query string counts as one more); 0 for a root."""
    return len(_segments(url)) + (1 if urlsplit(url).query else 0)


def is_section_url(url: str) -> bool:
    """True for a home, section or listing URL (``/``, ``/news/``, ``/tag/x``, ``/search?q=``)."""
    segs = _segments(url)
    if not segs:  # but a root that finds an article by its number ("/?p=18231")
        return _ARTICLE_QUERY.search(urlsplit(url).query) is None
    if segs[0].lower() in _LISTING_SEGMENTS and len(segs) <= 2:
        # but an article's slug or number ("/news/world-asia-pacific-7654321",
        # BBC's articles; "/archive/kenya-deports-45-to-china")
        return len(segs) == 1 or _ARTICLE_SEGMENT.search(segs[1]) is None
    one = segs[0]
    return len(segs) == 1 and not urlsplit(url).query and len(one) <= 16 \
        and one.count("-") <= 1 and not any(ch.isdigit() for ch in one)


_NUMBERED = re.compile(_ARTICLE_ID)


def probe_url(url: str, rng: random.Random) -> str:
    """A random sibling of the cited URL, which cannot exist: its parent path plus
    a random 25-letter name (what the site answers there is its error page); a
    folder's ("/kenya-deports-45/", as WordPress writes a post's address) is a
    folder beside it, not below it (what a site answers below an article may
    be the article)."""
    p = urlsplit(url)
    path = p.path or "/"
    folder = path.endswith("/") and path != "/"
    parent = (path.rstrip("/") if folder else path).rsplit("/", 1)[0] + "/"
    # above an article's number ("/story/12345/kenya-deports"): sites that find
    # the article by its number answer any name below it with the article
    segs = parent.split("/")
    numbered = next((i for i, seg in enumerate(segs) if _NUMBERED.search(seg)), None)
    if numbered is not None:
        parent = "/".join(segs[:numbered]) + "/"
    name = "".join(rng.choice(string.ascii_lowercase) for _ in range(25))
    return urlunsplit((p.scheme, p.netloc, parent + name + ("/" if folder else ""), "", ""))
