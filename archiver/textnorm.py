"""Text helpers of extraction: whitespace, comparable forms, word tokens
(dates as written are read by :mod:`archiver.textdates`, titles without site
names by :mod:`archiver.titles`).

Pure functions on strings.

Example::

    >>> squash("  Kenya\u00a0deports\n 45 ")
    'Kenya deports 45'
    >>> comparable("“Kenya Deports 45”") == comparable('"kenya deports 45"')
    True
"""

from __future__ import annotations

import functools
import html
import re
import sys
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from typing import Any

#: The characters ``str.split()`` and regex ``\s`` take for whitespace, but the space.
_OTHER_SPACES = (
    "\n\t\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_SPACES = re.compile("  +")


def squash(text: str | None, *, limit: int | None = None) -> str:
    """*text* with runs of whitespace (incl. NBSP) made one space, trimmed.

    With *limit*, the first *limit* characters of that (only as much of
    *text* is read as they need).
    """
    if not text:
        return ""
    if limit is None or len(text) <= limit:
        return _squash(text)[:limit]
    # The squashed form of a beginning of the text begins the squashed text.
    end = limit + limit // 8 + 64
    while True:
        head = _squash(text[:end])
        if len(head) >= limit or end >= len(text):
            return head[:limit]
        end *= 2


#: Up to this length, ``" ".join(text.split())`` is the quickest squash: the
#: few words cost less than scanning the text once per kind of whitespace.
_SHORT_TEXT = 256


def _squash(text: str) -> str:
    if "\u200b" in text:
        text = text.replace("\u200b", "")
    if len(text) <= _SHORT_TEXT:
        return " ".join(text.split())
    # " ".join(text.split()) without a string for each word: every other kind
    # of whitespace made a space (str.replace, only where found), then runs of
    # spaces made one
    for space in _OTHER_SPACES:
        if space in text:
            text = text.replace(space, " ")
    return _SPACES.sub(" ", text).strip(" ")


#: Characters that show nothing: the soft hyphen (a line may break there,
#: "Bundes\u00adregierung"), the zero-width space, the word joiner and the
#: byte-order mark (U+FEFF, once the zero-width no-break space). The zero-width
#: joiner and non-joiner are kept: they shape Persian, Indic scripts and emoji.
_INVISIBLE = re.compile("[\u00ad\u200b\u2060\ufeff]")


def without_invisible(text: str) -> str:
    """*text* without the characters that show nothing (:data:`_INVISIBLE`)."""
    if text.isascii():
        return text
    return _INVISIBLE.sub("", text)


def clean_value(text: str | None) -> str | None:
    """A metadata value: entities undone (once more, for double-escaped), the
    characters that show nothing dropped, squashed."""
    if text is None:
        return None
    if "&" in text:
        text = html.unescape(text)
    value = squash(without_invisible(text))
    return value or None


_QUOTES = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u00ab": '"', "\u00bb": '"', "\u2039": "'", "\u203a": "'",
    "\u2013": "-", "\u2014": "-", "\u2012": "-", "\u2212": "-",
})


@functools.lru_cache(maxsize=2048)
def _comparable(text: str) -> str:
    if text.isascii():  # NFKC and the quote table leave ASCII as it is; casefold is lower
        return squash(text).lower()
    return squash(unicodedata.normalize("NFKC", text).translate(_QUOTES)).casefold()


def comparable(text: str | None) -> str:
    """A form of *text* for comparing titles: NFKC, straight quotes, casefolded,
    without the characters that show nothing (a soft hyphen)."""
    return _comparable(without_invisible(text)) if text else ""


_WORD = re.compile(r"\w+", re.U)


def tokens(text: str | None) -> list[str]:
    """Word tokens of *text* in comparable form."""
    return _WORD.findall(comparable(text))


def token_f1(a: str | None, b: str | None) -> float:
    """Token F1 overlap of two strings (bag of words), 0.0 to 1.0."""
    return tokens_f1(tokens(a), tokens(b))


def tokens_f1(ta: list[str], tb: list[str]) -> float:
    """Token F1 overlap of two lists of :func:`tokens` (bags of words), 0.0 to 1.0."""
    if not ta or not tb:
        return 0.0
    a, b = set(ta), set(tb)
    if len(a) == len(ta) and len(b) == len(tb):  # no word twice, as in most titles: sets
        common = len(a & b)
    else:
        counts: dict[str, int] = {}
        for t in ta:
            counts[t] = counts.get(t, 0) + 1
        common = 0
        for t in tb:
            if counts.get(t, 0) > 0:
                counts[t] -= 1
                common += 1
    if not common:
        return 0.0
    precision, recall = common / len(tb), common / len(ta)
    return 2 * precision * recall / (precision + recall)


def trie(words: Iterable[str]) -> str:
    """A regular expression matching any of *words*, as a trie (fast to fail)."""
    root: dict[str, Any] = {}
    for word in words:
        node = root
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict[str, Any]) -> str:
        alts = [re.escape(ch) + build(sub) for ch, sub in sorted(node.items()) if ch]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else f"(?:{'|'.join(alts)})"
        return f"(?:{body})?" if "" in node else body

    return build(root)


class LazyPattern:
    """A regular expression compiled at its first use: ``re.compile``'s
    arguments, and the methods of :class:`re.Pattern` that are called here.

    The long patterns (the month names of every calendar read, the character
    ranges of whole scripts) take milliseconds each to compile: compiled as
    the modules are imported, they were a third of every command's start. A
    command that never reads a date in text (a re-check of pages that did not
    change, a report) now never compiles them.
    """

    __slots__ = ("pattern", "flags", "_compiled")

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.pattern = pattern
        self.flags = flags
        self._compiled: re.Pattern[str] | None = None

    @property
    def compiled(self) -> re.Pattern[str]:
        """The compiled pattern (compiled at the first call)."""
        if self._compiled is None:
            self._compiled = re.compile(self.pattern, self.flags)
        return self._compiled

    def search(self, string: str, pos: int = 0, endpos: int = sys.maxsize
               ) -> re.Match[str] | None:
        return self.compiled.search(string, pos, endpos)

    def match(self, string: str, pos: int = 0, endpos: int = sys.maxsize
              ) -> re.Match[str] | None:
        return self.compiled.match(string, pos, endpos)

    def finditer(self, string: str, pos: int = 0, endpos: int = sys.maxsize
                 ) -> Iterator[re.Match[str]]:
        return self.compiled.finditer(string, pos, endpos)

    def findall(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> list[Any]:
        return self.compiled.findall(string, pos, endpos)

    def sub(self, repl: str | Callable[[re.Match[str]], str], string: str,
            count: int = 0) -> str:
        return self.compiled.sub(repl, string, count)

    def __repr__(self) -> str:
        return f"LazyPattern({self.pattern!r}, {self.flags!r})"


def word_starts_at(text: str, at: int) -> bool:
    """True when a word of *text* starts at *at*: nothing alphanumeric, nor
    ``_``, just before it (the start of a name searched in a page)."""
    return at == 0 or not (text[at - 1].isalnum() or text[at - 1] == "_")
