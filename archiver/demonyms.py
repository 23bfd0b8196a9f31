"""Countries' people and capitals: what a page calls a country by other than its name.

"Thai police in Bangkok", "SEOUL, Korea (Yonhap) - Korean police", "GOMA, Congo
(Reuters) - Congolese soldiers" name Thailand, South Korea and the DR Congo by
their people, their capital and a short name. Those names, for each country and
territory the CLDR lists but the ten of :data:`archiver.countries.COUNTRY_NAMES`
(whose table gives them), are written by hand in
``archiver/data/people_and_capitals.txt``, whose header says which were chosen
and why: a name several countries could mean ("Korean", "Congolese") names each;
the longer name of another country or of a place that is no country that holds
one ("South Sudanese", "North Korean", "New Mexico", "Latin American", "Rome
Statute") does not name its country (:mod:`archiver.longernames` works out which
hold which, as for the countries' own names).

Most are found as the countries' names are (:func:`names`, through
:func:`archiver.countries.cldr_names`): whole words, whatever the case and accents.
Two kinds are found here, in the text as written (:func:`found_as_written`):

- a name that is also a common word of a language the pages are written in
  ("Thai": Vietnamese "thai", "thái"; "Polish"; Spanish "quito"), only as
  written, capitals and accents too, or all in capitals;
- a capital that is a common word or the name of other places and people
  ("Male", "Victoria", "Kingston", "Washington"), only in a news dateline: in
  capitals, then the agency in brackets and a dash, or a dash alone, or a comma
  and a date ("MALE (Reuters) -", "WASHINGTON —", "MALE, Jan. 5 (Xinhua) --"), or
  as written, then the agency in brackets and a dash ("Male (AFP) -"). A comma
  and a place after it make it another city: "VICTORIA, British Columbia" names
  no Seychelles (and "MALE, Maldives" names the Maldives by their name).

Example::

    >>> found_as_written("MALE (Reuters) - Police said", "male (reuters) - police said", "MV")
    True
    >>> found_as_written("Male nurses went on strike", "male nurses went on strike", "MV")
    False
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from functools import cache, lru_cache
from pathlib import Path
from typing import NamedTuple

from .textnorm import word_starts_at

__all__ = ["DATA_FILE", "Names", "found_as_written", "names", "not_countries", "searched"]

#: The hand-written names (see its header).
DATA_FILE = Path(__file__).resolve().parent / "data" / "people_and_capitals.txt"


class Names(NamedTuple):
    """A country's people and capitals, by how they are found."""

    #: Found as the country's names are (whole words, any case and accents, endings).
    plain: tuple[str, ...] = ()
    #: Only as written, or all in capitals.
    cased: tuple[str, ...] = ()
    #: Only in a dateline.
    dateline: tuple[str, ...] = ()


#: The code of the lines that list places and phrases that are no country.
_NO_COUNTRY = "--"


@cache
def _read() -> tuple[dict[str, Names], tuple[str, ...]]:
    """The file's names by country code, and the phrases that name no country."""
    found: dict[str, tuple[list[str], list[str], list[str]]] = {}
    phrases: list[str] = []
    with DATA_FILE.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            fields = [field.strip() for field in line.split("#", 1)[0].split("|")]
            if fields == [""]:
                continue
            code = fields[0]
            if not (code == _NO_COUNTRY and len(fields) == 2 or
                    len(fields) == 3 and len(code) == 2 and code.isupper()):
                raise ValueError(f"{DATA_FILE}:{number}: not 'CODE | people | capitals'")
            listed = [name.strip() for field in fields[1:] for name in field.split(",")]
            if code == _NO_COUNTRY:
                phrases += filter(None, listed)
                continue
            plain, cased, dateline = found.setdefault(code, ([], [], []))
            for name in filter(None, listed):
                {"=": cased, "^": dateline}.get(name[0], plain).append(name.lstrip("=^"))
    return ({code: Names(*map(tuple, kinds)) for code, kinds in found.items()},
            tuple(phrases))


def names(code: str) -> Names:
    """The people and capitals of the country *code* (two letters, upper case)."""
    return _read()[0].get(code, Names())


def not_countries() -> tuple[str, ...]:
    """Places, regions and phrases that hold a country's name but name no
    country ("New Mexico", "Latin American", "ethnic Kazakh", "Rome Statute")."""
    return _read()[1]


def searched(code: str, english: tuple[str, ...],
             finds: Callable[[str, tuple[str, ...]], bool]) -> list[str]:
    """The names of :func:`names` ``(code).plain`` that the country's *english*
    names, and those kept before them, shortest first, do not find (*finds*
    tells): "Korean" is "Korea" with an ending; the fewer names, the quicker the
    search, which finds the same."""
    kept: list[str] = []
    for name in sorted(names(code).plain, key=len):
        if not finds(name, (*english, *kept)):
            kept.append(name)
    return kept


#: After a name in capitals, what makes it a dateline: the agency in brackets
#: and a dash, a dash alone, or a comma and a date.
_UPPER_DATELINE = (r"(?=(?:\s*\([^()\n]{1,40}\))?\s*[.,:]?\s*[-\u2013\u2014]"
                   r"|,\s*(?:\d|(?i:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)"
                   r"[a-z]*\.?\s+\d))")
#: After a name as written: the agency in brackets and a dash ("Male (AFP) -").
_WRITTEN_DATELINE = r"(?=\s*\([^()\n]{1,40}\)\s*[.,:]?\s*[-\u2013\u2014])"


class _Written(NamedTuple):
    """What :func:`found_as_written` looks for, for a country."""

    #: The names lowercased, without accents, none beginning with another: one
    #: of them begins a word of the folded text where a name is (else no search).
    folded: tuple[str, ...]
    #: Every form of the names, as written: each place one is found is checked.
    needles: tuple[str, ...]
    #: Matched at such a place: the name, then what must follow it.
    check: re.Pattern[str]


def _unaccented(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _alternatives(forms: list[str]) -> str:
    unique = sorted(set(forms), key=len, reverse=True)
    return "|".join(map(re.escape, unique)).join(("(?:", ")"))


@lru_cache(maxsize=64)
def _written(code: str) -> _Written | None:
    """The names of *code* found as written, and how (None when it has none)."""
    listed = names(code)
    cased = [form for name in listed.cased for form in (name, name.upper())]
    written = [form for name in listed.dateline for spelled in _spellings(name)
               for form in (spelled, _unaccented(spelled))]
    upper = [form.upper() for form in written]
    kinds = [(cased, r"(?!\w)"), (upper, _UPPER_DATELINE), (written, _WRITTEN_DATELINE)]
    check = "|".join(_alternatives(forms) + after for forms, after in kinds if forms)
    if not check:
        return None
    needles = sorted(set(cased + written + upper))
    folded = sorted({_unaccented(needle).lower() for needle in needles})
    return _Written(tuple(f for f in folded if not any(f.startswith(o) for o in folded if o != f)),
                    tuple(needles), re.compile(check))


def _spellings(name: str) -> tuple[str, ...]:
    """*name* with a straight and a curly apostrophe ("St. John's", "St. John’s")."""
    return (name, name.replace("'", "\u2019")) if "'" in name else (name,)


def found_as_written(text: str, folded: str, code: str) -> bool:
    """True when *text* names the country *code* by a name found only as written
    or only in a dateline (see the module docstring); *folded* is *text*
    lowercased, without accents (``archiver.countries._fold``)."""
    written = _written(code)
    if written is None or all(next(_places(folded, name), -1) < 0 for name in written.folded):
        return False
    return any(written.check.match(text, at) for needle in written.needles
               for at in _places(text, needle))


def _places(text: str, word: str) -> Iterator[int]:
    """Where *word* begins a word of *text* (nothing alphanumeric before it), each place."""
    at = text.find(word)
    while at >= 0:
        if word_starts_at(text, at):
            yield at
        at = text.find(word, at + 1)
