"""Page titles: the parts of a ``<title>`` and which of them names the site.

Pure functions on strings; "nothing found" is ``None``.

Example::

    >>> strip_site_name("Taiwan slams Malaysia | The Diplomat", ["The Diplomat"])
    'Taiwan slams Malaysia'
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from urllib.parse import urlsplit

from .textnorm import LazyPattern, clean_value, comparable, tokens

#: Ideographs, kana and hangul.
_CJK = "[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]"
#: Separators between a headline and a site name in <title> and og:title.
_SEPARATORS = LazyPattern(r"\s+(?:\||-|–|—|::|·|•|»|«|/|~)\s+|\s*[|｜]\s*|"
                         # a bare hyphen between words of CJK characters, which
                         # headlines in those scripts do not hold ("法務部-本部新聞稿-
                         # ..."), but for one character each side ("남-북-미", "中-美")
                         f"(?<={_CJK}{{2}})-(?={_CJK}{{2}})")
#: A character every separator holds.
_SEPARATOR_CHAR = re.compile(r"[|｜\-–—:·•»«/~]")
#: Separators after which a short unnamed part is taken for the site name.
_SITE_BARS = ("|", "｜", "::", "»", "·", "•")
#: Titles cut into more parts than this are kept whole: a real one has a
#: headline, a section and a site name, and every run of parts is compared.
MAX_TITLE_PARTS = 12


#: What is not a letter or digit (``str.isalnum``): ``\W`` and the underscore.
_NOT_ALNUM = re.compile(r"[\W_]+")


@functools.lru_cache(maxsize=2048)
def _key(text: str) -> str:
    """Letters and digits only, casefolded: "The Diplomat" -> "thediplomat"."""
    return _NOT_ALNUM.sub("", comparable(text))


#: An http(s) URL whose host ``urlsplit`` reads as written: the scheme in
#: lower case, a host of ASCII letters, digits, dots and hyphens, maybe a port,
#: then the path, query or fragment (or nothing).
_PLAIN_HOST = re.compile(r"https?://([a-zA-Z0-9.-]+)(?::[0-9]*)?(?=[/?#]|\Z)")


def domain_names(url: str | None) -> list[str]:
    """Site-name guesses from a URL's host: ``www.thediplomat.com`` -> ["thediplomat"]."""
    if not url:
        return []
    plain = _PLAIN_HOST.match(url)
    if plain:
        host = plain.group(1).lower()  # what urlsplit(url).hostname gives, at a fifth of its cost
    else:
        try:
            host = (urlsplit(url).hostname or "").lower()
        except ValueError:
            return []
    labels = [x for x in host.split(".") if x and x not in ("www", "m", "amp", "edition", "mobile")]
    if len(labels) >= 2:
        labels = labels[:-1]  # drop the top-level domain
        if len(labels) >= 2 and labels[-1] in ("co", "com", "org", "net", "gov", "ac", "or", "ne"):
            labels = labels[:-1]
    return [x for x in labels if len(x) >= 2]


def is_site_name(part: str, site_names: Iterable[str]) -> bool:
    """True when *part* of a title names the site (by its name or domain)."""
    key = _key(part)
    if not key:
        return True
    words: list[str] | None = None  # the tokens of part, when an abbreviation is tried
    for name in site_names:
        other = _key(name)
        if not other:
            continue
        # a name with a few more words ("The Diplomat Magazine"), not a headline
        # that begins with it ("Apple introduces new iPad Air", on apple.com)
        if key == other or (len(other) >= 4 and min(len(key), len(other)) >= 4 and (
                (key.startswith(other) and len(key) <= len(other) + 12)
                or other.startswith(key))):
            return True
        if len(other) >= 5 and other in key and len(key) <= len(other) + 12:
            return True
        if 4 <= len(other) <= 30:
            if words is None:
                words = tokens(part)
            if _abbreviates(other, words):
                return True
    return False


def _abbreviates(label: str, words: list[str]) -> bool:
    """True when *label* is made of a prefix of each of *words* in turn.

    ``hongkongfp`` abbreviates "Hong Kong Free Press"; ``nyt`` "New York Times".
    """
    if not words or len(words) > 8 or len(words) < 2 or label[:1] != words[0][:1]:
        return False  # (the label starts as its first word does)

    seen: dict[tuple[int, int], bool] = {}

    def fits(i: int, j: int) -> bool:
        if j == len(words):
            return i == len(label)
        if (i, j) not in seen:
            word = words[j]
            seen[(i, j)] = any(label[i:i + n] == word[:n] and fits(i + n, j + 1)
                               for n in range(min(len(word), len(label) - i), 0, -1))
        return seen[(i, j)]

    return fits(0, 0)


def strip_site_name(title: str | None, site_names: Sequence[str] = (),
                    others: Sequence[str] = (), guess: bool = True) -> str | None:
    """*title* without a leading or trailing site name.

    *site_names* are names the site goes by (og:site_name, domain labels);
    *others* are other headline candidates (og:title, h1) whose agreement
    tells which part of the title is the headline. With *guess*, a short
    last part after a bar (``|``, ``»``...) is dropped even when unnamed.
    """
    title = clean_value(title)
    if not title:
        return None
    spans = _split_title(title)
    if len(spans) < 2:
        return _without_colon_site(title, site_names)
    if len(spans) > MAX_TITLE_PARTS:
        return title
    # A part (or run of parts) that another source gives verbatim wins, unless
    # it is the site's name (a ministry's <h1> "Ministry of Health", its logo).
    wanted = {comparable(o) for o in others if o}
    for i in range(len(spans)):
        for j in range(len(spans), i, -1):
            candidate = title[spans[i][0]:spans[j - 1][1]]
            if (i, j) != (0, len(spans)) and comparable(candidate) in wanted \
                    and not is_site_name(candidate, site_names):
                return candidate
    first, last = 0, len(spans)
    while last - first > 1 and is_site_name(title[spans[last - 1][0]:spans[last - 1][1]],
                                            site_names):
        last -= 1
    while last - first > 1 and is_site_name(title[spans[first][0]:spans[first][1]], site_names):
        first += 1
    if guess and (first, last) == (0, len(spans)) and len(spans) >= 2:
        # No known name: a short trailing part after a clear bar is a site name.
        tail = title[spans[-1][0]:spans[-1][1]]
        sep = title[spans[-2][1]:spans[-1][0]]
        head = title[spans[0][0]:spans[-2][1]]
        if sep.strip() in _SITE_BARS and \
                len(tail.split()) <= 4 and len(head.split()) >= max(3, len(tail.split()) + 2):
            last -= 1
    return _without_colon_site(title[spans[first][0]:spans[last - 1][1]].strip(),
                               site_names) or title


def _without_colon_site(title: str, site_names: Sequence[str]) -> str:
    """*title* without a site name that follows a full-width colon, as Japanese
    titles end ("首相、訪米へ：東日新聞デジタル"); only a name the site goes by: the
    colon is a headline's own too ("首相：訪米へ")."""
    head, colon, tail = title.rpartition("：")
    if colon and head.strip() and site_names and is_site_name(tail.strip(), site_names):
        return head.strip()
    return title


def names_a_section(heading: str, title: str | None, last: bool = True) -> bool:
    """True when *heading* is one of the parts of *title* after the first (a
    section's or the site's name), and not its first part too. Without
    *last*, a part between others only: the last part of "Site - Headline"
    is the headline."""
    parts = [comparable(part) for part in title_parts(title or "")]
    key = comparable(heading)
    return len(parts) >= 2 and key in parts[1:len(parts) if last else -1] and key != parts[0] \
        and (last or key != parts[-1])


def names_a_section_h1(heading: str, title: str | None) -> bool:
    """True when *heading*, a page's ``<h1>``, is a part of *title* that names a
    section or the site rather than the headline: a part between others
    ("Headline | 本院新聞 | 行政院"), or the last one when the parts before it
    say more than it ("Dam project delayed again | World"). The last part of
    "Ministry of Labour - Minimum wage to rise" or "法務部-本部新聞稿-法務部對肯亞案之說明"
    is the headline, the site's name first."""
    parts = title_parts(title or "")
    keys = [comparable(part) for part in parts]
    key = comparable(heading)
    if len(keys) < 2 or key == keys[0] or key not in keys[1:]:
        return False
    return key != keys[-1] or says_more(" ".join(parts[:-1]), heading)


def says_more(rest: str, label: str) -> bool:
    """True when *rest* of a title says more than the part *label*: a few more
    words ("Dam project delayed again" over "World"), or in a script written
    without spaces, twice its characters."""
    return len(rest.split()) >= max(3, len(label.split()) + 1) \
        or len(rest) >= 2 * len(label)


def after_section(title: str | None, section: str) -> str | None:
    """What *title* says after the part *section* when that part is neither its
    first nor its last ("Ministry-News releases-Headline" after "News
    releases": "Headline"); None otherwise."""
    title = title or ""
    spans = _split_title(title)
    key = comparable(section)
    for i in range(1, len(spans) - 1):
        start, end = spans[i]
        if comparable(title[start:end]) == key:
            return title[spans[i + 1][0]:spans[-1][1]].strip() or None
    return None


def title_parts(title: str) -> list[str]:
    """The parts of *title* between site-name separators ("Headline | Site")."""
    return [title[start:end].strip() for start, end in _split_title(title)]


@functools.lru_cache(maxsize=16)
def _split_title(title: str) -> tuple[tuple[int, int], ...]:
    """(start, end) of the parts of *title* between site-name separators.

    Remembered for the last few titles: a page's <title> and og:title are
    split by each step that weighs its headline (half the calls)."""
    if _SEPARATOR_CHAR.search(title) is None:  # the quick answer for most titles
        return ((0, len(title)),) if title else ()
    spans: list[tuple[int, int]] = []
    pos = 0
    for m in _SEPARATORS.finditer(title):
        if m.start() > pos:
            spans.append((pos, m.start()))
        pos = m.end()
    if pos < len(title):
        spans.append((pos, len(title)))
    return tuple(spans)
