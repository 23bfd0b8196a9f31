"""Countries' long official names, and their names inside other countries'
longer names.

The CLDR gives a country's short name only: "Congo-Kinshasa", 中国, where a
page may write its official one, "République démocratique du Congo",
中华人民共和国. Those of ISO 3166-1 (the official name, or the name where it is
the long form: "Congo, The Democratic Republic of the", turned round) in each
of the 32 languages (the iso-codes translations, through pycountry) that no
other name of the country finds are kept here (:func:`long_names`).

"Sudan" is in "South Sudan", "Guinea" in "Papua New Guinea" and
"Guinea-Bissau", "Dominica" in "Dominican Republic" (its "n" read as an
ending), "Congo" (Congo-Brazzaville's, in Spanish) in "République
démocratique du Congo", 苏丹 in 南苏丹, 미국 in 미국령 버진아일랜드. A page that
names a country only inside such a name does not name it
(:func:`archiver.countries.mentions`).

Which names hold which is worked out once, from every country's names in the
32 languages of :data:`archiver.countries.NAME_LANGUAGES` (the Unicode CLDR,
through Babel, and ISO 3166-1's long names), the short names and the table's,
and the people and capitals of :mod:`archiver.demonyms` with its places that
are no country ("New Mexico", "Rome Statute": they hold the names, none holds
theirs), and kept in ``archiver/data/longer_names.json``: reading the 32 locales takes
some 40 MB and 0.2 s, which a check would pay in every process. A Latin name holds
another when the other's pattern (whole words, with its endings) matches in
it at a word's start; a CJK one when it holds the other as a substring, as
the search reads them. When Babel's or pycountry's names, the tables in
:mod:`archiver.countries` or ``archiver/data/people_and_capitals.txt``
change, the file is made again (pycountry, a test requirement, is needed for
that only)::

    python -m archiver.longernames   # writes archiver/data/longer_names.json

Example::

    held_in_others("SD")  # ('South Sudan', 'Soudan du Sud', '南苏丹', ...)
    long_names("CN", "zh_Hans")  # ('中华人民共和国',)
"""

from __future__ import annotations

import bisect
import json
import re
import sys
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from .textnorm import LazyPattern

#: The table: a country's code -> the names of other countries that hold one of its names.
TABLE_FILE = Path(__file__).resolve().parent / "data" / "longer_names.json"


@lru_cache(maxsize=1)
def _kept() -> dict[str, Any]:
    with TABLE_FILE.open(encoding="utf-8") as fh:
        kept: dict[str, Any] = json.load(fh)
    return kept


@lru_cache(maxsize=1)
def _table() -> dict[str, tuple[str, ...]]:
    return {code: tuple(names) for code, names in _kept()["held_in_others"].items()}


def territory_codes() -> dict[str, str]:
    """Each country's English name and short names, by their key, -> its code
    (``archiver.countries.make_territory_codes``, kept in the same file)."""
    codes: dict[str, str] = _kept()["codes"]
    return codes


def made_with() -> dict[str, str]:
    """The versions of Babel (its CLDR) and pycountry (its iso-codes) the kept
    table was made with, by their names."""
    return {name: str(_kept()[name]) for name in ("babel", "pycountry")}


@lru_cache(maxsize=1)
def _long_table() -> dict[tuple[str, str], tuple[str, ...]]:
    return {(code, language): tuple(names)
            for code, by_language in _kept()["long_names"].items()
            for language, names in by_language.items()}


def long_names(code: str, language: str) -> tuple[str, ...]:
    """The long names of the country *code* in *language* (one of
    :data:`archiver.countries.NAME_LANGUAGES`) that its other names in that
    language and English do not find; () when there are none."""
    return _long_table().get((code, language), ())


def held_in_others(code: str) -> tuple[str, ...]:
    """The names (as written) of other countries that hold one of the names of
    the country *code* (two letters, upper case); () when none does."""
    return _table().get(code, ())


def make_table() -> dict[str, list[str]]:
    """The table, worked out from every country's names (see the module)."""
    from .countries import _CJK, _cjk_names, _fold, _latin_pattern, named_countries
    from .textnorm import word_starts_at

    names = sorted(set(named_countries()))
    folded = [_fold(name) for _, name in names]
    # the folded names joined by NUL, which no name holds: no match runs from
    # one name into the next; one search over them for each country
    starts, at = [], 0
    for one in folded:
        starts.append(at)
        at += len(one) + 1
    joined = "\0".join(folded)

    def holding(places: list[int]) -> set[int]:
        return {bisect.bisect_right(starts, place) - 1 for place in places}

    table: dict[str, list[str]] = {}
    for code in sorted({code for code, _ in names} - {""}):  # "": no country's
        own = tuple(name for c, name in names if c == code)
        own_folded = {_fold(name) for name in own}
        in_cjk = holding([place for name in _cjk_names(own)
                          for place in _places(joined, name)])
        latin = _latin_pattern(own)
        in_latin = set() if latin is None else holding(
            [m.start() for m in latin.finditer(joined) if word_starts_at(joined, m.start())])
        held = {names[i][1] for i in in_cjk | in_latin
                if names[i][0] != code and folded[i] not in own_folded
                and (i in in_cjk or not _CJK.search(names[i][1]))}
        if held:
            table[code] = sorted(held)
    return table


#: pycountry's names of the languages of :data:`archiver.countries.NAME_LANGUAGES`
#: it names otherwise.
_ISO_LOCALES = {"zh_Hans": "zh_CN", "zh_Hant": "zh_TW", "nb": "nb_NO"}
#: ISO 3166-1's names that name another country in the name of this one
#: (Taiwan's "Taiwan, Province of China", 中国台湾省): the table's names stand.
_NOT_ITS_NAMES = frozenset({"TW"})
#: A name written turned round at its comma, in ISO 3166-1: "Korea, Republic of".
_TURNED = re.compile(r", .* of(?: the)?$")


def iso_long_names() -> Iterator[tuple[str, str, str]]:
    """Each country's long name in ISO 3166-1 (its official name, or its name
    when that is turned round at a comma), in each language of
    :data:`archiver.countries.NAME_LANGUAGES` that translates it: (code,
    language, name), written as in running text ("République démocratique du
    Congo", "Republic of Korea"), without a part in brackets."""
    import gettext

    import pycountry

    from .countries import NAME_LANGUAGES

    long = {}
    for country in pycountry.countries:
        official = getattr(country, "official_name", None)
        english = official or country.name
        # the name of a part of an island, "Sint Maarten (Dutch part)", is the
        # whole island's without its brackets ("Saint-Martin (partie néerlandaise)")
        if country.alpha_2 not in _NOT_ITS_NAMES and "(" not in english and \
                (official or _TURNED.search(english)):
            long[country.alpha_2] = english
    for language in NAME_LANGUAGES:
        translated = gettext.translation(
            "iso3166-1", pycountry.LOCALES_DIR, fallback=True,
            languages=[_ISO_LOCALES.get(language, language)]).gettext
        for code, english in long.items():
            name = english if language == "en" else translated(english)
            if language == "en" or name != english:
                yield code, language, _as_written(name, turned=bool(_TURNED.search(english)))


#: A comma, in the scripts that ISO 3166-1's translations are written in.
_COMMA = re.compile(r"\s*[,،，]\s*")
#: Scripts written without spaces between words (Thai, Lao, Burmese, Khmer, CJK).
_NO_SPACES = LazyPattern("[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff"
                        "\u3400-\u4dbf\u4e00-\u9fff]")


def _as_written(name: str, turned: bool) -> str:
    """*name* without its part in brackets (ja "大韓民国 (韓国)"), and turned
    round at its comma when its English is ("Congo, République démocratique
    du"): the part after the comma alone when it holds the part before, or a
    word of the same beginning (Arabic "كوريا، جمهوريّة كوريا", Polish "Kongo,
    Demokratyczna Republika Konga")."""
    name = " ".join(re.sub(r"\s*[(（][^()（）]*[)）]", " ", name).split())
    parts = _COMMA.split(name, maxsplit=1)
    if not turned or len(parts) < 2:
        return name
    before, after = parts
    if before in after or any(word[:4] == before[:4] for word in after.split()):
        return after
    space = "" if _NO_SPACES.match(before) and _NO_SPACES.search(after[-1]) else " "
    return re.sub(r"^(?:the|The) ", "", f"{after}{space}{before}")


def make_long_names() -> dict[str, dict[str, list[str]]]:
    """ISO 3166-1's long names (:func:`iso_long_names`) that a country's other
    names in their language and English do not find, by code and language."""
    from .countries import (
        _BRACKETED,
        _SHORT_NAMES,
        _fold,
        _found,
        _territories,
        table_names,
    )

    table: dict[str, dict[str, list[str]]] = {}
    tables = table_names()
    for code, language, name in iso_long_names():
        own = [_territories("en").get(code), _territories(language).get(code),
               *_SHORT_NAMES.get(code, ()), *tables.get(code, ())]
        # a name in brackets is found by its part outside them ("Myanmar (Burma)")
        outer = tuple(parts[0].strip() for one in own if one
                      for parts in [_BRACKETED.findall(one)] if parts)
        if not _found(_fold(name), outer):
            names = table.setdefault(code, {}).setdefault(language, [])
            if name not in names:
                names.append(name)
    return table


def _places(text: str, part: str) -> list[int]:
    """Where *part* begins in *text*, each place."""
    found = []
    at = text.find(part)
    while at >= 0:
        found.append(at)
        at = text.find(part, at + 1)
    return found


def write_table(path: Path = TABLE_FILE) -> int:
    """Write :func:`make_table` to *path* (a new file renamed into place); the
    number of countries whose names others hold."""
    from importlib.metadata import version

    import babel

    table = make_table()
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(path.name + ".part")
    from .countries import make_territory_codes

    kept = {"babel": babel.__version__, "pycountry": version("pycountry"),
            "codes": make_territory_codes(), "held_in_others": table,
            "long_names": make_long_names()}
    part.write_text(json.dumps(kept, ensure_ascii=False, indent=0, sort_keys=True) + "\n",
                    encoding="utf-8")
    part.replace(path)
    return len(table)


if __name__ == "__main__":  # python -m archiver.longernames
    print(f"{write_table()} countries' names held in others' in {TABLE_FILE}", file=sys.stderr)
