"""Text and headline similarity, for the link-status classifier.

Pure functions, no I/O. Scores are floats in ``[0, 1]``: 1 for the same text,
near 0 for unrelated text.

``text_similarity`` compares the *main text* of two captures of a page. It has
to stay high when an editor fixes a typo, adds an "Updated: ..." line, or when
a changed sidebar or a different ad leaks into the extracted text, and it has
to fall when the main text is replaced. It works on word shingles:

1. normalise (Unicode NFKC, lowercase) and cut the text into tokens: runs of
   letters and digits for alphabetic scripts, single characters for CJK
   (Chinese, Japanese, Korean), which are written without spaces;
2. build the set of shingles: word 3-grams, or character bigrams when most
   tokens are CJK characters; texts shorter than ``SHORT_TEXT_TOKENS`` tokens
   use single tokens, since one changed word would otherwise break a large
   share of the few shingles;
3. score with the Dice coefficient ``2|A∩B| / (|A| + |B|)``; ``text_kept``
   scores the share of the earlier text's shingles the later one still has,
   ``|A∩B| / |A|``, which text added to a page (a live blog's new entries)
   leaves whole and text cut from it lowers as much as was cut.

One changed word in an article of ``n`` words changes at most 3 of its ``n``
shingles; a 100-word sidebar added to an 800-word article still scores about
0.9; two different articles on the same subject score below 0.1. Only the first
``MAX_CHARS`` characters of each text are compared, which bounds the work for
huge pages (a 5 KB article takes a fraction of a millisecond).

``headline_similarity`` compares two headlines: case, punctuation, curly or
straight quotes, dashes and spacing are ignored; the score is the better of the
token-set Dice coefficient (robust to reordering) and a character-sequence
ratio (robust to a typo in one word).

``strip_volatile`` removes lines that change on every visit without changing
the article: "Updated 5 minutes ago", "Last updated: ...", "1,234 views",
"5 min read", share counters.
"""

from __future__ import annotations

import functools
import logging
import re
import unicodedata
from collections.abc import Iterable
from difflib import SequenceMatcher
from typing import Any

from .textnorm import LazyPattern

LOGGER = logging.getLogger(__name__)

__all__ = [
    "HEADLINE_CHARS",
    "MAX_CHARS",
    "SHORT_TEXT_TOKENS",
    "headline_similarity",
    "normalize_headline",
    "strip_volatile",
    "text_kept",
    "text_scores",
    "text_similarity",
    "token_counts",
    "tokens",
]

#: Characters of each text that are compared (the rest is ignored).
MAX_CHARS = 40_000
#: Characters of each normalised headline that are compared: a headline is far
#: shorter, and the character-sequence ratio takes time that grows with the
#: product of the two lengths (two of 500 take at most 30 ms).
HEADLINE_CHARS = 500

#: Below this many tokens (on the shorter side), single tokens are compared
#: instead of shingles.
SHORT_TEXT_TOKENS = 24

_CJK_RANGES = (
    "\u3040-\u30ff"  # hiragana, katakana
    "\u3400-\u4dbf"  # CJK extension A
    "\u4e00-\u9fff"  # CJK unified ideographs
    "\uac00-\ud7af"  # hangul syllables
    "\uf900-\ufaff"  # CJK compatibility ideographs
)
_CJK_CHAR = f"[{_CJK_RANGES}]"
_TOKEN_RE = LazyPattern(rf"{_CJK_CHAR}|[^\W_{_CJK_RANGES}]+")
_CJK_RE = LazyPattern(_CJK_CHAR)

# Quotes, apostrophes and dashes of every kind, removed or made spaces in
# headlines before comparison.
_APOSTROPHES = "'\u2018\u2019\u201b\u02bc\u2032`\u00b4"
_APOSTROPHE_RE = re.compile(f"(?<=\\w)[{_APOSTROPHES}](?=\\w)")


_ASCII_SEPARATORS = str.maketrans(
    {chr(c): " " for c in range(0x21, 0x7F) if not chr(c).isalnum()}
)


#: Common non-ASCII punctuation, replaced by a space before tokenising so that
#: most English text takes the ASCII fast path.
_UNICODE_PUNCTUATION = (
    "\u00a0\u00ab\u00bb\u00b7\u2010\u2011\u2012\u2013\u2014\u2015\u2018\u2019"
    "\u201a\u201c\u201d\u201e\u2022\u2026\u2032\u2033\u2039\u203a\u3000"
)
_WORD_RE = re.compile(r"[^\W_]+")


#: Every ASCII byte that ``str.split`` cuts at (whitespace, punctuation) made a
#: space, every other byte an ``a``: ``b" a"`` then starts each token but the first.
_ASCII_COUNT_BYTES = bytes(
    0x20 if chr(b).isspace() or (0x21 <= b <= 0x7E and not chr(b).isalnum()) else 0x61
    for b in range(256)
)


def _without_marks(text: str) -> str:
    """*text* (cut at ``MAX_CHARS``) with the common non-ASCII punctuation made spaces."""
    text = text[:MAX_CHARS]
    if not text.isascii():
        for mark in _UNICODE_PUNCTUATION:
            if mark in text:
                text = text.replace(mark, " ")
    return text


def _tokenize(text: str) -> tuple[list[str], str]:
    """Tokens of *text*, and the unbroken string of its characters when the
    text is mostly CJK (empty otherwise)."""
    return _tokenize_unmarked(_without_marks(text))


def _tokenize_unmarked(text: str) -> tuple[list[str], str]:
    """``_tokenize`` of a text that ``_without_marks`` already gave."""
    if text.isascii():
        return text.lower().translate(_ASCII_SEPARATORS).split(), ""
    text = text.lower()
    if not _CJK_RE.search(text):
        return _WORD_RE.findall(text), ""
    compact = "".join(_WORD_RE.findall(text))
    # A CJK character takes three bytes in UTF-8, a Latin letter one or two:
    # a cheap estimate of the share of CJK characters.
    wide = (len(compact.encode("utf-8")) - len(compact)) / 2
    if wide * 2 >= len(compact):
        return list(compact), compact
    return _TOKEN_RE.findall(text), ""


def tokens(text: str) -> list[str]:
    """Lowercase tokens of *text*: words, numbers, and single CJK characters.

    Text that is ASCII once the common quotes and dashes are removed takes a
    fast path (``str.translate`` of the punctuation, then ``split``); other
    text is cut by a regular expression that keeps every CJK character on its
    own. (Both captures of a page come from the same site, so no Unicode
    normalisation is needed here; headlines are NFKC-normalised.)

    >>> tokens("Taiwan  slams Malaysia's 'kowtow'")
    ['taiwan', 'slams', 'malaysia', 's', 'kowtow']
    >>> tokens("台灣譴責 Malaysia’s")
    ['台', '灣', '譴', '責', 'malaysia', 's']
    """
    return _tokenize(text)[0]


def token_counts(text: str) -> tuple[int, int]:
    """(tokens, single non-ASCII character tokens) of *text*: the lengths
    ``tokens`` gives, counted without building the tokens of ASCII text."""
    text = _without_marks(text)
    if text.isascii():
        marked = text.encode("ascii").translate(_ASCII_COUNT_BYTES)
        return marked.count(b" a") + marked.startswith(b"a"), 0
    toks = _tokenize_unmarked(text)[0]
    return len(toks), sum(1 for t in toks if len(t) == 1 and not t.isascii())


def _is_cjk(toks: list[str]) -> bool:
    """True when most tokens are single CJK characters."""
    if not toks:
        return False
    cjk = sum(1 for t in toks if len(t) == 1 and _CJK_RE.match(t))
    return cjk * 2 >= len(toks)


def _bigrams(compact: str) -> set[str]:
    return {compact[i : i + 2] for i in range(len(compact) - 1)} or {compact}


def _shingles(toks: list[str], size: int) -> set[tuple[str, ...]]:
    """The set of *size*-token runs of *toks* (the whole list when shorter)."""
    if len(toks) < size:
        return {tuple(toks)}
    return set(zip(*(toks[i:] for i in range(size)), strict=False))


def _dice(a: Iterable[object], b: Iterable[object]) -> float:
    sa = a if isinstance(a, set) else set(a)
    sb = b if isinstance(b, set) else set(b)
    if not sa and not sb:
        return 1.0
    if not sa or not sb:
        return 0.0
    return 2.0 * len(sa & sb) / (len(sa) + len(sb))


def text_similarity(a: str, b: str) -> float:
    """How much of the main text *a* and *b* share, in ``[0, 1]``.

    Two empty (or punctuation-only) texts are identical (1.0); an empty text
    and a non-empty one share nothing (0.0).

    >>> text_similarity("The court ruled on Monday.", "the court  ruled on monday")
    1.0
    >>> text_similarity("The court ruled on Monday.", "Rain expected up north.")
    0.0
    """
    return text_scores(a, b)[0]


def text_kept(before: str, now: str) -> float:
    """The share of the shingles of the text *before* that the text *now* still
    has, in ``[0, 1]``: 1.0 for a text that only grew (a live blog's new
    entries), 0.4 for one with 60 % of it cut, near 0 for another text.

    >>> text_kept("The court ruled on Monday.", "The court ruled on Monday. Appeal filed.")
    1.0
    """
    return text_scores(before, now)[1]


def text_scores(before: str, now: str) -> tuple[float, float]:
    """:func:`text_similarity` and :func:`text_kept` of *before* and *now*, from
    one cutting of the two texts into shingles."""
    compared = _compared_sets(before, now)
    if isinstance(compared, float):
        return compared, compared
    sa, sb = compared  # (never empty: a text of no token is settled above)
    common = len(sa & sb)
    return 2.0 * common / (len(sa) + len(sb)), common / len(sa)


def _compared_sets(a: str, b: str) -> float | tuple[set[Any], set[Any]]:
    """The sets of shingles *a* and *b* are compared by (see the module
    docstring); the score itself when it is known without them."""
    if a == b:
        return 1.0
    (ta, cjk_a), (tb, cjk_b) = _compared_tokens(a), _compared_tokens(b)
    if not ta or not tb:
        return 1.0 if not ta and not tb else 0.0
    if ta == tb:
        return 1.0
    if min(len(ta), len(tb)) < SHORT_TEXT_TOKENS:
        return set(ta), set(tb)
    if cjk_a and cjk_b:
        return _bigrams(cjk_a), _bigrams(cjk_b)
    if cjk_a or cjk_b:  # one CJK text, one not: compare characters
        return _shingles(ta, 2), _shingles(tb, 2)
    return _shingles(ta, 3), _shingles(tb, 3)


@functools.lru_cache(maxsize=4)
def _compared_tokens(text: str) -> tuple[list[str], str]:
    """``_tokenize`` of *text*, kept for the next comparisons: one page is
    compared with its probe and its first snapshot, for each citation. (Not to
    be changed by the caller.)"""
    return _tokenize(text)


def normalize_headline(headline: str) -> str:
    """*headline* lowercased, without quotes, dashes or punctuation, single-spaced.

    An apostrophe inside a word is dropped ("Malaysia's" → "malaysias") so
    straight and curly apostrophes compare equal.

    >>> normalize_headline("Taiwan Slams Malaysia\u2019s \u2018Kowtow\u2019 \u2014 to China")
    'taiwan slams malaysias kowtow to china'
    """
    text = unicodedata.normalize("NFKC", headline).lower()
    text = _APOSTROPHE_RE.sub("", text)
    return " ".join(_TOKEN_RE.findall(text))


def headline_similarity(a: str, b: str) -> float:
    """How alike two headlines are, in ``[0, 1]``.

    The better of the token-set Dice coefficient and the character-sequence
    ratio of the normalised headlines (their first :data:`HEADLINE_CHARS`
    characters); two empty headlines score 1.0.

    >>> headline_similarity("Taiwan slams Malaysia", "TAIWAN SLAMS MALAYSIA!")
    1.0
    """
    if a == b:  # the unchanged headline of a re-check
        return 1.0
    na = normalize_headline(a)[:HEADLINE_CHARS]  # normalising is linear; the ratio is not
    nb = normalize_headline(b)[:HEADLINE_CHARS]
    if na == nb:
        return 1.0
    if not na or not nb:
        return 0.0
    ta, tb = na.split(), nb.split()
    if _is_cjk(ta) or _is_cjk(tb):
        # Compare characters, without the spaces the tokeniser put between them.
        na, nb = na.replace(" ", ""), nb.replace(" ", "")
    by_tokens = _dice(ta, tb)
    by_chars = SequenceMatcher(None, na, nb, autojunk=False).ratio()
    return max(by_tokens, by_chars)


_RELATIVE_TIME = (
    r"(?:\d+|an?|one)\s+(?:sec(?:ond)?s?|min(?:ute)?s?|hours?|hrs?|days?|weeks?|months?|years?)"
    r"\s+ago"
)
_VOLATILE_LINE_RE = LazyPattern(
    r"^\W*(?:"
    r"(?:last\s+)?(?:updated|modified|edited)\b.*"
    r"|published\b.*\b(?:updated|ago)\b.*"
    r"|" + _RELATIVE_TIME + r"\W*"
    r"|[\d.,]+\s*[km]?\s+(?:views?|reads?|shares?|comments?|likes?)\W*"
    r"|(?:views?|shares?|comments?)\s*:?\s*[\d.,]+\s*[km]?\W*"
    r"|\d+\s*min(?:ute)?s?\s+read\W*"
    r"|(?:actualizado|mis\s+à\s+jour|aktualisiert|diperbarui)\b.*"
    r"|(?:更新(?:時間|时间|於|于)?|最後更新|最后更新)\s*[:：]?.*"
    r")$",
    re.IGNORECASE,
)
_RELATIVE_TIME_RE = re.compile(r"\b" + _RELATIVE_TIME + r"\b", re.IGNORECASE)
_CLOCK_RE = re.compile(
    r"\b\d{1,2}:\d{2}(?::\d{2})?\s*(?:[ap]\.?m\.?)?\s*(?:utc|gmt|[a-z]{2,4}t)?\b",
    re.IGNORECASE,
)

#: Lines longer than this are article prose, never a volatile widget.
_VOLATILE_LINE_MAX = 120


def strip_volatile(text: str) -> str:
    """*text* without lines and phrases that change on every visit.

    Removes short lines such as "Updated: 3 March 2024 10:02 GMT",
    "5 minutes ago", "1,234 views", "4 min read", "最後更新：…", and, inside
    longer lines, relative times ("2 hours ago") and clock times ("10:02 GMT").

    >>> strip_volatile("Headline\\nUpdated 5 minutes ago\\nBody text.")
    'Headline\\nBody text.'
    """
    kept: list[str] = []
    for line in text[:MAX_CHARS].splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if len(stripped) <= _VOLATILE_LINE_MAX and _VOLATILE_LINE_RE.match(stripped):
            continue
        stripped = _RELATIVE_TIME_RE.sub(" ", stripped)
        stripped = _CLOCK_RE.sub(" ", stripped)
        stripped = " ".join(stripped.split())
        if stripped:
            kept.append(stripped)
    return "\n".join(kept)
