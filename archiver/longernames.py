"""Countries' names inside other countries' longer names: "Sudan" in "South
Sudan", "Guinea" in "Papua New Guinea" and "Guinea-Bissau", "Dominica" in
"Dominican Republic" (its "n" read as an ending), 苏丹 in 南苏丹, 미국 in
미국령 버진아일랜드. A page that names a country only inside such a name does
not name it (:func:`archiver.countries.mentions`).

Which names hold which is worked out once, from every country's names in the
32 languages of :data:`archiver.countries.NAME_LANGUAGES` (the Unicode CLDR,
through Babel), the short names and the table's, and kept in
``archiver/data/longer_names.json``: reading the 32 locales takes some 40 MB
and 0.2 s, which a check would pay in every process. A Latin name holds
another when the other's pattern (whole words, with its endings) matches in
it at a word's start; a CJK one when it holds the other as a substring, as
the search reads them. When Babel's names or the tables in
:mod:`archiver.countries` change, the file is made again::

    python -m archiver.longernames   # writes archiver/data/longer_names.json

Example::

    held_in_others("SD")  # ('South Sudan', 'Soudan du Sud', '南苏丹', ...)
"""

from __future__ import annotations

import bisect
import json
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any

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


def made_with() -> str:
    """The version of Babel (its CLDR) the kept table was made with."""
    return str(_kept()["babel"])


def held_in_others(code: str) -> tuple[str, ...]:
    """The names (as written) of other countries that hold one of the names of
    the country *code* (two letters, upper case); () when none does."""
    return _table().get(code, ())


def make_table() -> dict[str, list[str]]:
    """The table, worked out from every country's names (see the module)."""
    from .countries import _CJK, _cjk_names, _fold, _latin_pattern, _word_starts_at, named_countries

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
    for code in sorted({code for code, _ in names}):
        own = tuple(name for c, name in names if c == code)
        own_folded = {_fold(name) for name in own}
        in_cjk = holding([place for name in _cjk_names(own)
                          for place in _places(joined, name)])
        latin = _latin_pattern(own)
        in_latin = set() if latin is None else holding(
            [m.start() for m in latin.finditer(joined) if _word_starts_at(joined, m.start())])
        held = {names[i][1] for i in in_cjk | in_latin
                if names[i][0] != code and folded[i] not in own_folded
                and (i in in_cjk or not _CJK.search(names[i][1]))}
        if held:
            table[code] = sorted(held)
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
    import babel

    table = make_table()
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(path.name + ".part")
    from .countries import make_territory_codes

    kept = {"babel": babel.__version__, "codes": make_territory_codes(), "held_in_others": table}
    part.write_text(json.dumps(kept, ensure_ascii=False, indent=0, sort_keys=True) + "\n",
                    encoding="utf-8")
    part.replace(path)
    return len(table)


if __name__ == "__main__":  # python -m archiver.longernames
    print(f"{write_table()} countries' names held in others' in {TABLE_FILE}", file=sys.stderr)
