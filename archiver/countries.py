"""Countries named in a page's text: their names in many languages, and the search.

The table's countries are matched in English, Chinese (traditional and simplified),
Spanish, French, German and Indonesian, with their demonyms ("Kenyan",
"Filipino", "taïwanais") and capitals ("NAIROBI (Reuters) -"), and in Khmer
and Armenian for Cambodia and Armenia; when none is found, by the country's names in the
page's language (all 32 of :data:`NAME_LANGUAGES` when it gives none), from
the Unicode CLDR through Babel: "Österreich", "Norge", "日本", "미국", and
ISO 3166-1's official ones (:mod:`archiver.longernames`): "République
démocratique du Congo", 中华人民共和国; and every other country's by its people
and capitals in English (:mod:`archiver.demonyms`, hand-written: "Thai",
"Congolese", "Seoul", "MALE (Reuters) -"). Latin-script names
match whole words, ignoring case and accents, with common plural and
inflection endings ("Kenyans", "kambodschanischen"): "Spain" matches "Spain's"
but neither "Spaniel" nor "spanning". Names in scripts without spaces between
words (CJK, Thai, Khmer) or with attached particles (Korean, Armenian, Arabic,
Hebrew, Hindi) match as substrings. A name no table knows is matched as it is written.
A name is looked up, and found in a page, however its "&" ("and"), "St."
("Saint"), apostrophes (' ’ ʼ ‘) and hyphens (a space) are written: "Bosnia
and Herzegovina" is CLDR's "Bosnia & Herzegovina", "Saint Lucia" its "St. Lucia".
A name inside the longer name of another country does not name its country:
"Sudan" is not named by "South Sudan", nor "Guinea" by "Papua New Guinea" or
"Guinea-Bissau", nor "Dominica" by "Dominican Republic" (but a name no one
country owns, "Congo", is found in either Congo's).

Example::

    >>> mentions("Kenyan police detained 45 people", "Kenya")
    True
    >>> mentions("South Sudan's army", "Sudan")
    False
"""

from __future__ import annotations

import os.path
import re
import unicodedata
from collections.abc import Iterator
from functools import cache, lru_cache
from typing import NamedTuple

from . import demonyms
from .longernames import held_in_others, long_names, territory_codes
from .textnorm import LazyPattern, word_starts_at

__all__ = ["COUNTRY_NAMES", "cldr_names", "country_names", "mentions", "names_any"]

#: Names and demonyms of each country, by its English name.
COUNTRY_NAMES: dict[str, tuple[str, ...]] = {
    "Taiwan": (
        "Taiwan", "Taiwanese", "Taiwán", "taiwanés", "taiwanesa", "taiwaneses",
        "Taïwan", "taïwanais", "taïwanaise", "taiwanisch", "Taiwaner",
        "台灣", "臺灣", "台湾", "臺湾", "台胞", "國台辦", "国台办", "Taipei", "台北", "臺北",
    ),
    "China": (
        "China", "Chinese", "PRC", "People's Republic of China", "chino", "china", "chinos",
        "Chine", "chinois", "chinoise", "chinesisch", "Chinese", "Tiongkok", "Cina",
        "中國", "中国", "大陸", "大陆", "中共", "Beijing", "Pékin", "Peking", "北京",
    ),
    "Malaysia": (
        "Malaysia", "Malaysian", "Malasia", "malasio", "malasia", "Malaisie", "malaisien",
        "malaisienne", "malaysisch", "Malaysier",
        "馬來西亞", "马来西亚", "大馬", "大马", "馬國", "马国",
        "Kuala Lumpur", "吉隆坡",
    ),
    "Kenya": (
        "Kenya", "Kenyan", "Kenia", "keniano", "keniana", "kényan", "kenyan", "kényane",
        "kenianisch", "Kenianer",
        "肯亞", "肯尼亚", "肯尼亞", "肯雅",
        "Nairobi", "奈洛比", "內羅畢", "内罗毕",
    ),
    "Cambodia": (
        "Cambodia", "Cambodian", "Camboya", "camboyano", "camboyana", "Cambodge",
        "cambodgien", "cambodgienne", "Kambodscha", "kambodschanisch", "Kamboja",
        "柬埔寨", "柬國", "柬国", "កម្ពុជា",
        "Phnom Penh", "金邊", "金边",
    ),
    "Armenia": (
        "Armenia", "Armenian", "armenio", "armenia", "Arménie", "arménien", "arménienne",
        "Armenien", "armenisch", "Armenier",
        "亞美尼亞", "亚美尼亚", "Հայաստան",
        "Yerevan", "Erevan", "Eriwan", "葉里溫", "埃里温",
    ),
    "Indonesia": (
        "Indonesia", "Indonesian", "indonesio", "indonesia", "Indonésie", "indonésien",
        "indonésienne", "Indonesien", "indonesisch", "Indonesier",
        "印尼", "印度尼西亞", "印度尼西亚",
        "Jakarta", "雅加達", "雅加达",
    ),
    "Spain": (
        "Spain", "Spanish", "Spaniard", "España", "español", "española", "españoles", "Espagne",
        "espagnol", "espagnole", "Spanien", "spanisch", "Spanier", "Spanyol",
        "西班牙",
        "Madrid", "馬德里", "马德里",
    ),
    "Philippines": (
        "Philippines", "Philippine", "Filipino", "Filipina", "Filipinas", "filipino",
        "philippin", "philippine", "Philippinen", "philippinisch", "Filipina",
        "菲律賓", "菲律宾", "菲國", "菲国",
        "Manila", "Manille", "馬尼拉", "马尼拉",
    ),
    "Vietnam": (
        "Vietnam", "Viet Nam", "Vietnamese", "vietnamita", "Viêt Nam", "Việt Nam",
        "vietnamien", "vietnamienne", "vietnamesisch", "Vietnamese",
        "越南",
        "Hanoi", "Hanói", "河內", "河内",
    ),
}

# Endings a Latin-script name may take: plural, possessive, and German,
# Spanish and French inflections ("Kenyans", "kambodschanischen", "chinoises").
_SUFFIX = r"(?:s|es|e|en|er|em|n|ns|ne|nes|a|as|os)?"
#: Scripts whose names are found as substrings, not as words: Chinese, Japanese,
#: Thai, Lao, Burmese and Khmer have no spaces between words; Korean, Armenian,
#: Arabic, Hebrew and Hindi attach particles and endings ("미국의", "والنمسا",
#: "Հայաստանի").
_CJK = LazyPattern("[\u0530-\u06ff\u0900-\u097f\u0e00-\u0eff\u1000-\u109f\u1100-\u11ff"
                  "\u1780-\u17ff\u3040-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff"
                  "\uac00-\ud7af\uf900-\ufaff]")


_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+")


#: The UTF-8 beginnings of the characters ``_COMBINING`` removes.
_COMBINING_UTF8 = (b"\xcc", b"\xcd", b"\xe1\xaa", b"\xe1\xab", b"\xe1\xb7", b"\xe2\x83",
                   b"\xef\xb8")


def _fold(text: str) -> str:
    """*text* lowercased, without accents (so "Taïwan" matches "taiwan").

    The same as folding the NFKC form of *text*: NFKD of the NFKC form is the
    NFKD form of the text itself (and ASCII text is its own NFKC form).
    """
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    try:
        decomposed.encode("latin-1")  # a mere copy when every character is below U+0100
    except UnicodeEncodeError:
        # The UTF-8 form is searched for the marks' lead bytes (fast) before the
        # regular expression that would test each character.
        raw = decomposed.encode("utf-8", "surrogatepass")
        if any(lead in raw for lead in _COMBINING_UTF8):
            decomposed = _COMBINING.sub("", decomposed)
        return decomposed.casefold()
    # Below U+0100 there is no combining mark, and casefold is lower but for
    # "µ" and "ß" (lower is quicker).
    if "\xdf" in decomposed or "\xb5" in decomposed:
        return decomposed.casefold()
    return decomposed.lower()


#: Words before a country's name that are not part of it ("the Philippines",
#: "Republic of Kenya", "the Kingdom of Cambodia").
_NAME_PREFIX = re.compile(r"^(?:the\s+)?(?:(?:republic|kingdom|state|commonwealth)\s+of\s+"
                          r"(?:the\s+)?)?")
#: The apostrophes a name is written with: "Côte d'Ivoire", CLDR's "Côte d’Ivoire".
_APOSTROPHES = "'\u2019\u02bc\u2018"
#: The hyphens and dashes between the words of a name, read as a space:
#: "Guinea-Bissau", "Timor Leste", CLDR's "Congo - Kinshasa".
_DASHES = "-\u2010\u2011\u2013"
#: Where a (folded) name is cut into words: spaces, or a hyphen with or without them.
_WORD_BREAK = re.compile(rf"\s*[{_DASHES}]\s*|\s+")
#: What separates two words of a name in a page: spaces, or a hyphen.
_SEPARATOR = rf"(?:\s+|\s*[{_DASHES}]\s*)"
#: Words written in several ways, each way found for any of them: "&" and "and"
#: (CLDR's "Bosnia & Herzegovina", "Trinidad & Tobago"), "St." and "Saint"
#: ("St. Lucia").
_WORD_FORMS = {"&": ("and", "&"), "and": ("and", "&"),
               **dict.fromkeys(("saint", "st.", "st"), ("saint", "st.", "st"))}
#: A name's apostrophes, as one, and its dots, for the key it is looked up by.
_KEY_CHARS = str.maketrans({**dict.fromkeys(_APOSTROPHES, "'"), ".": None})


def _words(folded: str) -> list[str]:
    """The words of the folded name *folded* (hyphens part words as spaces do)."""
    return [word for word in _WORD_BREAK.split(folded.strip()) if word]


def _key(folded: str) -> str:
    """The folded name *folded* as it is looked up: one apostrophe, no dots,
    "&" as "and", "St." as "saint", hyphens as spaces ("saint kitts and nevis")."""
    words = _words(folded.replace("&", " & ").translate(_KEY_CHARS))
    return " ".join(_WORD_FORMS.get(word, (word,))[0] for word in words)


def _keys(country: str) -> tuple[str, ...]:
    """The keys (see ``_key``) *country* is looked up by: as written, without
    what is in brackets ("Bolivia (Plurinational State of)"), turned round at
    its comma ("Korea, Republic of"); each also without :data:`_NAME_PREFIX`."""
    key = _key(_fold(country))
    forms = [key, _key(re.sub(r"\([^()]*\)", " ", key))]
    if ", " in key:
        before, _, after = key.partition(", ")
        forms += [f"{after} {before}", before]
    return tuple(dict.fromkeys(k for form in forms if form
                               for k in (form, _NAME_PREFIX.sub("", form) or form)))


@lru_cache(maxsize=256)
def country_names(country: str) -> tuple[str, ...]:
    """The names and demonyms of *country* in the table (its own name when unknown)."""
    for key in _keys(country):
        for name, names in COUNTRY_NAMES.items():
            if key == _key(_fold(name)) or key in (_key(_fold(n)) for n in names):
                return names
    return (country.strip(),)


#: Languages in which a country's name is looked for when the table's names are
#: not found (in the page's language when it says one, else in all of them).
NAME_LANGUAGES = ("en", "de", "fr", "es", "pt", "it", "nl", "sv", "nb", "da", "fi", "pl",
                  "cs", "ro", "hu", "el", "ru", "uk", "tr", "ar", "he", "fa", "hi", "id",
                  "ms", "vi", "th", "tl", "ja", "ko", "zh_Hans", "zh_Hant")
#: Names CLDR does not list among a country's names: short forms, the names in
#: common use beside the ones CLDR gives ("Türkiye", "Czechia", "Myanmar
#: (Burma)", "Hong Kong SAR China" and its Chinese "中國香港特別行政區"), and
#: the official long forms ("Russian Federation", "Republic of Korea"), and the
#: everyday CJK and Korean names where CLDR gives a formal one (Japanese papers'
#: "米国" and "アメリカ" for CLDR's "アメリカ合衆国", Korean "한국" for "대한민국",
#: "澳洲" and "印尼" in Chinese, "英国" in Japanese). CLDR's
#: "&", "St." and "Congo - Kinshasa" need none: names are looked up by their
#: keys (``_key``), "Bosnia and Herzegovina", "Saint Lucia", "Congo-Kinshasa".
_SHORT_NAMES = {"US": ("USA", "U.S.", "U.S.A.", "United States of America",
                       "アメリカ", "米国"),
                "GB": ("UK", "U.K.", "Britain", "Great Britain", "英国", "英國"),
                "KR": ("Republic of Korea", "한국", "남한", "韓國", "南韩"),
                "AU": ("豪州", "호주", "澳洲"), "ID": ("印尼",),
                "AE": ("UAE",), "TR": ("Turkey",),
                "CD": ("DR Congo", "DRC", "Democratic Republic of the Congo",
                       "Democratic Republic of Congo"),
                "CG": ("Republic of the Congo", "Republic of Congo"),
                "CZ": ("Czech Republic", "Czech"), "MM": ("Myanmar", "Burma"),
                "HK": ("Hong Kong", "香港"), "MO": ("Macau", "Macao", "澳門", "澳门"),
                "PS": ("Palestine",), "CI": ("Ivory Coast",), "SZ": ("Swaziland",),
                "MK": ("Macedonia",), "TL": ("East Timor",),
                "VA": ("Vatican", "Holy See", "Vatican City State"),
                "KP": ("Democratic People's Republic of Korea", "DPRK"),
                "LA": ("Lao PDR", "Lao People's Democratic Republic"),
                "RU": ("Russian Federation",), "SY": ("Syrian Arab Republic",),
                "IR": ("Islamic Republic of Iran",), "TZ": ("United Republic of Tanzania",),
                "BN": ("Brunei Darussalam",), "CV": ("Cabo Verde",),
                "KG": ("Kyrgyz Republic",), "SK": ("Slovak Republic",),
                "FM": ("Federated States of Micronesia",),
                "VC": ("Saint Vincent and the Grenadines",), "SH": ("Saint Helena",)}


@lru_cache(maxsize=256)
def cldr_names(country: str, lang: str | None) -> tuple[str, ...]:
    """*country*'s names in the Unicode CLDR (through Babel), its people and capitals
    (:mod:`archiver.demonyms`, in English), and the long
    official ones of ISO 3166-1 no other finds (:mod:`archiver.longernames`): in the language
    *lang* (a page's ``lang``: "de-AT", "zh-TW") and in English, or in every
    one of :data:`NAME_LANGUAGES` when *lang* is None or not one of them."""
    code = _code(country)
    if code is None:
        return ()
    named = [("en", _territories("en")[code]), *(("en", n) for n in _SHORT_NAMES.get(code, ()))]
    named += [("en", n) for n in demonyms.searched(code, tuple(n for _, n in named), _finds)]
    for language in _languages(lang):
        name = _territories(language).get(code)
        if name:
            named.append((language, name))
    # the long official names no other finds ("République démocratique du Congo", 中华人民共和国)
    names = [name for _, name in named]
    names += [name for language in dict.fromkeys(("en", *_languages(lang)))
              for name in long_names(code, language)]
    # a name with another in brackets ("Myanmar (Birmanie)"): either one, but for
    # what names another country or says what kind of territory it is ("RAE de
    # Hong Kong (China)", "Гонконг (САР)", "刚果（金）": China, SAR, a character)
    for language, name in named:
        if "(" in name or "（" in name:
            outer, *inner = (part.strip() for part in _BRACKETED.findall(name))
            names.append(outer)
            names += [part for part in inner if _names_this(part, code, language)]
    return tuple(dict.fromkeys(names))


def _finds(name: str, names: tuple[str, ...]) -> bool:
    """True when the Latin-script *names* find *name* (a pattern made anew, not cached)."""
    folded, pattern = _fold(name), _latin_pattern.__wrapped__(names)
    return pattern is not None and any(word_starts_at(folded, m.start())
                                       for m in pattern.finditer(folded))


@lru_cache(maxsize=256)
def _code(country: str) -> str | None:
    """The code of *country* (written as the table, the CLDR or a short name has it)."""
    keys = dict.fromkeys([*_keys(country), *(k for n in country_names(country) for k in _keys(n))])
    return next((c for k in keys if (c := territory_codes().get(k))), None)


def _as_written(text: str, folded: str, country: str) -> bool:
    """True when *text* (*folded*: folded) names *country* by a name found only
    as written or in a dateline (:func:`archiver.demonyms.found_as_written`)."""
    code = _code(country)
    return code is not None and demonyms.found_as_written(text, folded, code)


#: Words that say what kind of territory a bracketed part of a name is.
_TERRITORY_KIND = re.compile(r"\b(?:SAR|RAE|RAS|SVR|SRA|S\.A\.R\.|САР|ОАР|special|administrative)"
                             r"\b|إدارية|特別行政區|特别行政区|특별행정구", re.IGNORECASE)


def _names_this(part: str, code: str, language: str) -> bool:
    """True when *part*, in brackets in the name of the territory *code* in
    *language*, is another name of it: not another country's name (in that
    language or English), not a word for a kind of territory, not one character."""
    key = _fold(part)
    if len(key) < 2 or _TERRITORY_KIND.search(part):
        return False
    return all(_fold(other) != key for table in {language, "en"}
               for other_code, other in _territories(table).items() if other_code != code)


#: The parts of a name with another in brackets: "Myanmar (Burma)", "缅甸 (Burma)".
_BRACKETED = re.compile(r"[^()（）]*[^()（）\s]")


def _languages(lang: str | None) -> tuple[str, ...]:
    if lang:
        base = lang.strip().replace("_", "-").split("-")[0].lower()
        if base == "zh":
            return ("zh_Hant", "zh_Hans")
        if base in ("no", "nn"):
            base = "nb"
        if base in NAME_LANGUAGES:
            return (base,)
    return NAME_LANGUAGES


@cache
def _territories(language: str) -> dict[str, str]:
    """The countries' names (two-letter code -> name) in *language*: 4-6 ms to load."""
    from babel import Locale

    return {code: name for code, name in Locale.parse(language).territories.items()
            if len(code) == 2 and code.isalpha()}


def make_territory_codes() -> dict[str, str]:
    """Each country's English name and short names, by their key (``_key``), -> its
    code, from the English locale: kept beside the longer names, which
    :func:`archiver.longernames.territory_codes` reads (reading the locale took
    5 MB in every process)."""
    codes = {_key(_fold(name)): code for code, name in _territories("en").items()}
    for code, short in _SHORT_NAMES.items():
        codes.update((_key(_fold(name)), code) for name in short)
    return codes


@lru_cache(maxsize=64)
def _latin_pattern(names: tuple[str, ...]) -> re.Pattern[str] | None:
    """The Latin-script names, whose start is checked for a word boundary (None
    when there are none; the CJK names are found by ``_cjk_names``). Their words
    are found however they are separated (spaces, a hyphen: "Sainte-Lucie",
    "Timor Leste"), in each form of :data:`_WORD_FORMS`, with any apostrophe."""
    latin = sorted({_fold(n) for n in names if not _CJK.search(n)}, key=len, reverse=True)
    words = "|".join(_SEPARATOR.join(map(_word_pattern, _words(n))) for n in latin)
    return re.compile(rf"(?:{words}){_SUFFIX}(?!\w)") if latin else None


def _word_pattern(word: str) -> str:
    """A word of a name, in each of its forms, with any apostrophe."""
    forms = _WORD_FORMS.get(word, (word,))
    escaped = (re.sub(f"[{_APOSTROPHES}]", f"[{_APOSTROPHES}]", re.escape(form)) for form in forms)
    return "|".join(escaped).join(("(?:", ")")) if len(forms) > 1 else next(escaped)


def _word_starts(word: str) -> tuple[str, ...]:
    """What each form of *word* begins with before its first apostrophe, if any."""
    return tuple(dict.fromkeys(re.split(f"[{_APOSTROPHES}]", form)[0]
                               for form in _WORD_FORMS.get(word, (word,))))


class _Prefilter(NamedTuple):
    """Words looked for in a text before the Latin pattern is run on it."""

    #: Beginnings of the names' first words: every match begins with one of them.
    firsts: tuple[str, ...]
    #: Words of which every match holds one, when a name's first word has
    #: several forms ("St. Lucia": "lucia"; "st" is found in most texts); else ().
    needed: tuple[str, ...]


@lru_cache(maxsize=64)
def _prefilter(names: tuple[str, ...]) -> _Prefilter | None:
    """What the Latin-script names' matches begin with and hold (None when a
    name has no word)."""
    words = [_words(_fold(n)) for n in names if not _CJK.search(n)]
    if any(not w or not all(_word_starts(w[0])) for w in words):
        return None
    # one search for the words that share their first four letters: their
    # common beginning ("mala" for "malaysia", "malaisie", "malasia"...)
    groups: dict[str, list[str]] = {}
    for start in (start for w in words for start in _word_starts(w[0])):
        groups.setdefault(start[:4], []).append(start)
    starts = sorted({os.path.commonprefix(words) for words in groups.values()})
    # a beginning that begins with another is found where that one is ("st." and "st")
    firsts = tuple(s for s in starts if not any(s.startswith(o) for o in starts if o != s))
    if all(w[0] not in _WORD_FORMS for w in words):
        return _Prefilter(firsts, ())
    # each name's longest word of one form (up to an apostrophe), else its first word's forms
    needed = [(max(single, key=len),) if (single := [_word_starts(word)[0] for word in w
                                                     if word not in _WORD_FORMS])
              else _word_starts(w[0]) for w in words]
    if not all(all(starts) for starts in needed):
        return _Prefilter(firsts, ())
    return _Prefilter(firsts, tuple(dict.fromkeys(start for starts in needed for start in starts)))


@lru_cache(maxsize=64)
def _cjk_names(names: tuple[str, ...]) -> tuple[str, ...]:
    """The CJK names, NFKC-normalised (each found as a substring)."""
    return tuple(sorted({_fold(n) for n in names if _CJK.search(n)}))  # folded as the text


#: Words that begin with a CJK short name and name something else: Malaysia's
#: 大馬 begins Damascus (大馬士革) and "avenue" (大馬路).
_NOT_THE_NAME = {"大馬": ("大馬士革", "大馬路"), "大马": ("大马士革", "大马路")}


def _cjk_found(folded: str, name: str) -> bool:
    """True when *folded* holds the CJK *name* other than as the start of a word
    of :data:`_NOT_THE_NAME`."""
    at = folded.find(name)
    others = _NOT_THE_NAME.get(name)
    while at >= 0 and others is not None and folded.startswith(others, at):
        at = folded.find(name, at + 1)
    return at >= 0


def _search(folded: str, names: tuple[str, ...]) -> bool:
    """True when *folded* names one of *names*, other than inside the longer name
    of another country (:func:`_blockers`): "Sudan" is not named by "South Sudan",
    nor "Guinea" by "Papua New Guinea", nor "Dominica" by "Dominican Republic";
    but a name of its own that holds such a longer name is (Congo-Kinshasa's
    "Demokratische Republik Kongo" holds Congo-Brazzaville's "Republik Kongo")."""
    if not _found(folded, names):
        return False
    blockers = _blockers(names)
    if blockers is None:
        return True
    if blockers.holding and _found(folded, blockers.holding):
        return True
    for name in blockers.substrings:
        folded = folded.replace(name, " ")
    if blockers.latin is not None:
        folded = blockers.latin.sub(" ", folded)
    return _found(folded, names)


def named_countries() -> Iterator[tuple[str, str]]:
    """Every country's names known here, with its code: CLDR's in each of
    :data:`NAME_LANGUAGES`, the short names, the table's, its people and capitals,
    ISO 3166-1's long ones; places that are no country's, with "" (all 32 locales
    are loaded: :mod:`archiver.longernames` reads them once, to make its table)."""
    for language in NAME_LANGUAGES:
        yield from _territories(language).items()
    for code, short in _SHORT_NAMES.items():
        for name in short:
            yield code, name
    for code, names in table_names().items():
        for name in names:
            yield code, name
    for code in _territories("en"):
        for name in demonyms.names(code).plain:
            yield code, name
    for phrase in demonyms.not_countries():
        yield "", phrase  # no country's: it holds their names, none holds its
    from .longernames import iso_long_names

    for code, _, name in iso_long_names():
        yield code, name


def table_names() -> dict[str, tuple[str, ...]]:
    """The names of :data:`COUNTRY_NAMES` by their country's code."""
    codes = make_territory_codes()
    return {codes[key]: names for country, names in COUNTRY_NAMES.items()
            if (key := _key(_fold(country))) in codes}


class _Blockers(NamedTuple):
    """The longer names of other countries that hold a country's name."""

    #: The Latin-script ones, as whole words (None when there are none).
    latin: re.Pattern[str] | None
    #: The others, folded, longest first: found as substrings.
    substrings: tuple[str, ...]
    #: The country's own names that hold one of them (found, they name it).
    holding: tuple[str, ...]


@lru_cache(maxsize=64)
def _blockers(names: tuple[str, ...]) -> _Blockers | None:
    """The names of other countries that hold one of the names of the countries
    *names* are (a Latin one as whole words, a CJK one as a substring:
    :mod:`archiver.longernames`); None when there are none, or when *names* are no
    known country's (an ambiguous "Korea" or "Congo" is found in either)."""
    codes = territory_codes()
    own = {codes[key] for key in (_key(_fold(n)) for n in names) if key in codes}
    folded_names = {_fold(n) for n in names}
    latin: set[str] = set()
    substrings: set[str] = set()
    for code in own:
        for name in held_in_others(code):
            other = _fold(name)
            if other not in folded_names:
                (substrings.add(other) if _CJK.search(name) else latin.add(name))
    if not latin and not substrings:
        return None
    pattern = _latin_pattern(tuple(sorted(latin))) if latin else None
    holding = tuple(n for n in names if any(s in _fold(n) for s in substrings) or (
        pattern is not None and _found(_fold(n), tuple(sorted(latin)))))
    return _Blockers(pattern, tuple(sorted(substrings, key=len, reverse=True)), holding)


def _found(folded: str, names: tuple[str, ...]) -> bool:
    """True when *folded* holds one of *names* (see the module docstring)."""
    latin = _latin_pattern(names)
    # CJK names by substring search: a regular expression would test each
    # character of a long text, str.find skips ahead (and answers at once
    # when the text holds no character as wide as the name)
    if any(_cjk_found(folded, name) for name in _cjk_names(names)):
        return True
    if latin is not None:
        start = 0
        words = _prefilter(names)
        if words is not None:
            if words.needed and not any(word in folded for word in words.needed):
                return False
            # no match can begin before the first place a name's first word is
            # found: start there (nowhere when none is found)
            found = [i for i in map(folded.find, words.firsts) if i >= 0]
            if not found:
                return False
            start = min(found)
        for m in latin.finditer(folded, start):
            # a word boundary before the name, checked here: a leading look-behind
            # would stop the regex engine from scanning for the name's first letter
            if word_starts_at(folded, m.start()):
                return True
    return False


def mentions(text: str, country: str) -> bool:
    """True when *text* names *country* (see the module docstring).

    >>> mentions("Kenyan police detained 45 people", "Kenya")
    True
    >>> mentions("A spaniel went missing", "Spain")
    False
    >>> mentions("台灣人遭遣送中國", "Taiwan")
    True
    """
    folded = _fold(text)
    return _search(folded, country_names(country)) or \
        _search(folded, cldr_names(country, None)) or _as_written(text, folded, country)


def names_any(text: str, countries: list[str], first: str | None = None,
              lang: str | None = None) -> bool:
    """True when *text* names one of *countries*; *first* is the part of
    *text* before its first newline, when it is known; *lang* the page's
    language (where the CLDR's names are looked for, when the table's are
    not found)."""
    if first is not None and len(first) < len(text) and text[len(first)] == "\n":
        # A name in the first part (the headline, most often) is found in the
        # whole text as well, so the long text need not be folded: folding
        # goes character by character and stops at the newline, and the
        # search there reads the same characters, unless a name of several
        # words could run on across the newline (those are searched in the
        # whole text only).
        head = _fold(first)
        if any(_one_word_names(names := country_names(c)) and _search(head, names)
               for c in countries):
            return True
    folded = _folded(text)  # once for both searches (and for each citation of a page)
    return any(_search(folded, country_names(c)) for c in countries) or \
        any(_search(folded, cldr_names(c, lang)) for c in countries) or \
        any(_as_written(text, folded, c) for c in countries)


@lru_cache(maxsize=64)
def _one_word_names(names: tuple[str, ...]) -> bool:
    """True when no Latin-script name has a space or hyphen (the pattern then has no ``\\s``)."""
    return all(len(_words(_fold(n))) <= 1 for n in names if not _CJK.search(n))


@lru_cache(maxsize=4)
def _folded(text: str) -> str:
    return _fold(text)
