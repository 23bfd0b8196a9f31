"""Event consistency flags: date and topic checks against the report's events
(archiver.consistency), and the country names they look for (archiver.countries)."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archiver import countries, demonyms
from archiver.consistency import event_flags
from archiver.countries import country_names, mentions
from archiver.models import Event, PageInfo

DIPLOMAT_2018 = PageInfo(
    kind="html",
    headline="Grave Concern as Cambodia Deports Taiwanese Alleged Scammers to China",
    title="Grave Concern as Cambodia Deports Taiwanese Alleged Scammers to China "
          "\u2013 The Diplomat",
    published=dt.date(2018, 12, 21),
    text=("Cambodia has deported 46 Taiwanese nationals accused of telecom fraud to China, "
          "ignoring protests from Taipei. Rights groups expressed grave concern."),
    og_type="article",
)


def event(date: dt.date | None = dt.date(2016, 5, 1), country: str | None = "Malaysia",
          subject: tuple[str, ...] = ("Taiwan",)) -> Event:
    return Event(id="e-1", date=date, country=country, subject=subject)


def page(text: str = "Malaysia deported 32 people to China.", *, headline: str | None = "Story",
         published: dt.date | None = dt.date(2016, 5, 3)) -> PageInfo:
    return PageInfo(kind="html", headline=headline, title=headline, published=published,
                    text=text)


def test_real_case_philippines_event_cites_a_cambodia_article() -> None:
    philippines = Event(id="2018-04-03-philippines", date=dt.date(2018, 4, 3),
                        country="Philippines", subject=("Taiwan",))
    assert event_flags(philippines, DIPLOMAT_2018, tolerance_days=60) == ["date-mismatch"]
    cambodia = Event(id="2018-12-15-cambodia", date=dt.date(2018, 12, 15), country="Cambodia",
                     subject=("Taiwan",))
    assert event_flags(cambodia, DIPLOMAT_2018, tolerance_days=60) == []
    # with no subject, only the event's country counts: the wrong country shows
    alone = Event(id="2018-04-03-philippines", date=dt.date(2018, 4, 3), country="Philippines")
    assert event_flags(alone, DIPLOMAT_2018, tolerance_days=60) == ["date-mismatch",
                                                                    "topic-mismatch"]


@pytest.mark.parametrize(("published", "flagged"), [
    (dt.date(2016, 6, 30), False),  # 60 days: within tolerance
    (dt.date(2016, 7, 1), True),  # 61 days
    (dt.date(2016, 3, 2), False),  # 60 days before
    (dt.date(2016, 3, 1), True),  # 61 days before
])
def test_date_mismatch_tolerance(published: dt.date, flagged: bool) -> None:
    flags = event_flags(event(), page(published=published), tolerance_days=60)
    assert ("date-mismatch" in flags) is flagged


def test_unknown_event_date_is_never_a_mismatch() -> None:
    assert event_flags(event(date=None), page(published=dt.date(2030, 1, 1)),
                       tolerance_days=60) == []


def test_topic_mismatch_when_neither_country_nor_taiwan_is_named() -> None:
    off = page("The city council approved a new budget for public parks.")
    assert event_flags(event(), off, tolerance_days=60) == ["topic-mismatch"]


def test_taiwan_alone_is_on_topic() -> None:
    assert event_flags(event(), page("Taipei protested after 32 Taiwanese were sent away."),
                       tolerance_days=60) == []


def test_the_subject_comes_from_the_report_not_from_the_code() -> None:
    taiwan_only = page("Taipei protested after 32 Taiwanese were sent away.")
    assert event_flags(event(subject=()), taiwan_only, tolerance_days=60) == ["topic-mismatch"]
    assert event_flags(event(subject=("Uyghurs",)), taiwan_only,
                       tolerance_days=60) == ["topic-mismatch"]
    uyghurs = page("Thailand sent 109 Uyghurs back to China.")
    assert event_flags(event(subject=("Uyghurs",)), uyghurs, tolerance_days=60) == []
    # several subjects: any one of them will do
    assert event_flags(event(subject=("Uyghurs", "Taiwan")), taiwan_only,
                       tolerance_days=60) == []


def test_no_country_and_no_subject_leaves_the_topic_unjudged() -> None:
    off = page("The city council approved a new budget for public parks.")
    assert event_flags(event(country=None, subject=()), off, tolerance_days=60) == []
    assert event_flags(event(country=None), off, tolerance_days=60) == ["topic-mismatch"]


def test_missing_date_and_headline() -> None:
    p = page(headline=None, published=None)
    assert event_flags(event(), p, tolerance_days=60) == ["no-date", "no-headline"]


def test_no_page_no_flags() -> None:
    assert event_flags(event(), None, tolerance_days=60) == []


def test_empty_page_is_not_judged_on_topic() -> None:
    blank = PageInfo(kind="pdf")
    assert event_flags(event(), blank, tolerance_days=60) == ["no-date", "no-headline"]


@pytest.mark.parametrize(("country", "text"), [
    ("Malaysia", "馬來西亞警方昨日表示"),
    ("Malaysia", "马来西亚警方昨日表示"),
    ("Malaysia", "Las autoridades de Malasia"),
    ("Malaysia", "les autorités malaisiennes"),
    ("Kenya", "肯亞警方"),
    ("Kenya", "肯尼亚警方"),
    ("Kenya", "Kenyan police"),
    ("Kenya", "die kenianischen Behörden"),
    ("Cambodia", "柬埔寨政府"),
    ("Cambodia", "Polisi Kamboja menangkap"),
    ("Cambodia", "die kambodschanische Polizei"),
    ("Armenia", "亞美尼亞"),
    ("Armenia", "亚美尼亚"),
    ("Armenia", "l'Arménie a expulsé"),
    ("Indonesia", "印尼警方"),
    ("Indonesia", "印度尼西亞"),
    ("Indonesia", "印度尼西亚"),
    ("Indonesia", "Indonesian police"),
    ("Spain", "西班牙"),
    ("Spain", "la policía de España"),
    ("Spain", "Spain's High Court"),
    ("Spain", "Spanish police"),
    ("Spain", "in Spanien festgenommen"),
    ("Philippines", "菲律賓"),
    ("Philippines", "菲律宾"),
    ("Philippines", "Filipino authorities"),
    ("Philippines", "Philippine immigration"),
    ("Philippines", "Kepolisian Filipina"),
    ("Vietnam", "越南"),
    ("Vietnam", "Vietnamese police"),
    ("Vietnam", "au Viêt Nam"),
    ("Taiwan", "台灣"),
    ("Taiwan", "臺灣"),
    ("Taiwan", "台湾"),
    ("Taiwan", "des ressortissants taïwanais"),
    ("China", "遣送中國"),
    ("China", "Tiongkok"),
])
def test_country_names_in_the_sources_languages(country: str, text: str) -> None:
    assert mentions(text, country)


@pytest.mark.parametrize(("country", "text"), [
    ("Spain", "A spaniel went missing"),
    ("Spain", "a bridge spanning the river"),
    ("Kenya", "Kenyatta Avenue"),
    ("Armenia", "Armenians"[:-1] + "x"),
    ("Indonesia", "Indonesiaxyz"),
    ("China", "fine china plates".replace("china", "chinaware")),
])
def test_latin_names_match_whole_words(country: str, text: str) -> None:
    assert not mentions(text, country)


def test_unknown_country_falls_back_to_its_name() -> None:
    assert country_names("Czech Republic") == ("Czech Republic",)
    assert mentions("The Czech  Republic court ruled", "Czech Republic")
    assert not mentions("Slovakia", "Czech Republic")
    # (a page naming its capital names it: archiver.demonyms; Slovakia's names it not)
    flags = event_flags(event(country="Czech Republic"), page("A Bratislava court ruled."),
                        tolerance_days=60)
    assert flags == ["topic-mismatch"]


@pytest.mark.parametrize(("country", "text", "named"), [
    ("Sudan", "South Sudan's army clashed with rebels", False),
    ("Sudan", "Soudan du Sud", False),
    ("Sudan", "南苏丹政府", False),
    ("Sudan", "Sudan and South Sudan signed", True),
    ("Sudan", "苏丹政府", True),
    ("Guinea", "Papua New Guinea police", False),
    ("Guinea", "a coup in Guinea-Bissau", False),
    ("Guinea", "Equatorial Guinea", False),
    ("Guinea", "Conakry, Guinea", True),
    ("Dominica", "the Dominican Republic", False),
    ("Dominica", "a hurricane hit Dominica", True),
    ("Congo - Brazzaville", "troops in DR Congo", False),
    ("Congo - Brazzaville", "Congo-Brazzaville", True),
    ("South Korea", "North Korea fired a missile", False),
    ("Niger", "Nigeria", False),
])
def test_a_country_inside_another_countrys_longer_name_is_not_named(
        country: str, text: str, named: bool) -> None:
    """"South Sudan" named Sudan, "Papua New Guinea" Guinea and "Dominican
    Republic" Dominica (its "n" read as an ending): a page about the wrong
    country was on topic."""
    assert mentions(text, country) is named


@pytest.mark.parametrize(("country", "lang", "text", "named"), [
    # CLDR gives the short names only ("Congo-Kinshasa", 中国); a page may write
    # the official one, in its own language (ISO 3166-1's, through pycountry)
    ("Democratic Republic of the Congo", "fr",
     "La République démocratique du Congo expulse des suspects", True),
    ("DR Congo", None, "La République démocratique du Congo expulse des suspects", True),
    ("Congo - Kinshasa", "es", "La República Democrática del Congo expulsa", True),
    ("DR Congo", "de", "Die Demokratische Republik Kongo schiebt ab", True),
    ("China", "zh-CN", "中华人民共和国外交部发言人表示", True),
    ("China", None, "中華人民共和國外交部發言人表示", True),
    ("China", "ja", "中華人民共和国外務省は声明を発表した", True),
    ("China", "ru", "Китайская Народная Республика выслала", True),
    ("South Korea", "fr", "La République de Corée expulse des suspects", True),
    ("Republic of the Congo", "fr", "La République du Congo expulse des suspects", True),
    # and its name inside another's still names it not ("Congo" in
    # Congo-Brazzaville's Spanish name; Korea's long name inside North Korea's)
    ("Republic of the Congo", None,
     "La République démocratique du Congo expulse des suspects", False),
    ("Congo - Brazzaville", "fr",
     "La République démocratique du Congo expulse des suspects", False),
    ("DR Congo", "fr", "La République du Congo expulse des suspects", False),
    ("DR Congo", None, "Die Republik Kongo schiebt ab", False),
    ("South Korea", None, "Ang Taumbayang Demokratikong Republika ng Korea", False),
    ("Taiwan", "zh-CN", "中华人民共和国外交部发言人表示", False),
    ("Sudan", "fr", "La République du Soudan du Sud expulse", False),
])
def test_a_country_named_only_by_its_long_official_name_is_on_topic(
        country: str, lang: str | None, text: str, named: bool) -> None:
    assert (flags_of_a_page(country, lang, text) == []) is named
    if lang is None:
        assert mentions(text, country) is named


def test_long_official_names_are_written_as_in_running_text() -> None:
    """ISO 3166-1 writes some names turned round at a comma ("Congo, The
    Democratic Republic of the", "Corée, République de"); a name with a part in
    brackets is its part outside them; a name CLDR gives already is not kept."""
    from archiver import longernames

    assert longernames.long_names("CD", "fr") == ("République démocratique du Congo",)
    assert longernames.long_names("KR", "fr") == ("République de Corée",)
    assert longernames.long_names("CD", "th") == ("สาธารณรัฐประชาธิปไตยคองโก",)
    assert longernames.long_names("KR", "ja") == ("大韓民国",)  # "大韓民国 (韓国)"
    assert longernames.long_names("CD", "pl") == ()  # CLDR's: Demokratyczna Republika Konga
    assert all("," not in name and "(" not in name
               for code in ("CD", "KR") for language in countries.NAME_LANGUAGES
               for name in longernames.long_names(code, language))


def test_a_name_no_country_owns_alone_is_found_in_any_longer_one() -> None:
    """"Congo" is either Congo's: a page naming one of them names it."""
    assert mentions("troops in DR Congo", "Congo")
    assert mentions("Congo-Brazzaville", "Congo")


def test_known_country_by_another_name() -> None:
    assert country_names("Viet Nam") == country_names("Vietnam")


# A plain, slow statement of what ``mentions`` answers: fold with NFKC, NFKD,
# a regular expression for the marks and casefold; search the whole folded
# text with both patterns from its start.
def _slow_fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    if text.isascii():
        return text.lower()
    return countries._COMBINING.sub("", unicodedata.normalize("NFKD", text)).casefold()


def _slow_mentions(text: str, country: str) -> bool:
    """The table's names, then the CLDR's in every language (a page with no lang),
    then the people and capitals found only as written or in a dateline."""
    return _slow_search(text, country_names(country)) or \
        _slow_search(text, countries.cldr_names(country, None)) or \
        _slow_as_written(text, country)


def _slow_as_written(text: str, country: str) -> bool:
    """A name of archiver.demonyms marked "=" as written or in capitals, one
    marked "^" in a dateline (in capitals, then an agency in brackets and a dash,
    a dash, or a comma and a date; or as written, then an agency in brackets and
    a dash), each as a whole word, searched for in the whole text, where one's
    folded form also begins a word of the folded text."""
    code = countries._code(country)
    if code is None:
        return False
    _, cased, dateline = demonyms.names(code)
    written = [form for name in dateline for spelled in {name, name.replace("'", "\u2019")}
               for form in {spelled, _slow_unaccented(spelled)}]
    cased_forms = [form for name in cased for form in (name, name.upper())]
    every = [*cased_forms, *written, *(form.upper() for form in written)]
    folded = "|".join(re.escape(_slow_unaccented(form).lower()) for form in every)
    if not every or not re.search(rf"(?<!\w)(?:{folded})", _slow_fold(text)):
        return False
    dash = r"\s*[.,:]?\s*[-\u2013\u2014]"
    agency = r"\s*\([^()\n]{1,40}\)"
    date = r",\s*(?:\d|(?i:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d)"
    kinds = [(cased_forms, r"(?!\w)"),
             ([f.upper() for f in written], rf"(?=(?:{agency})?{dash}|{date})"),
             (written, rf"(?={agency}{dash})")]
    pattern = "|".join("(?:" + "|".join(sorted(map(re.escape, forms), key=len, reverse=True)) + ")"
                       + after for forms, after in kinds if forms)
    return re.search(rf"(?<!\w)(?:{pattern})", text) is not None


def _slow_unaccented(name: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))


def _slow_search(text: str, names: tuple[str, ...]) -> bool:
    """A name found, and found again once the longer names of other countries
    that hold one (countries._blockers) are taken out of the text, unless one of
    its own names that holds such a longer name is found."""
    if not _slow_found(_slow_fold(text), names):
        return False
    blockers = countries._blockers(names)
    if blockers is None:
        return True
    pattern, substrings, holding = blockers
    folded = _slow_fold(text)
    if _slow_found(folded, holding):  # a name of its own that holds such a longer name
        return True
    for other in substrings:
        folded = folded.replace(other, " ")
    if pattern is not None:
        folded = pattern.sub(" ", folded)
    return _slow_found(folded, names)


def _slow_found(folded: str, names: tuple[str, ...]) -> bool:
    latin = sorted({_slow_fold(n) for n in names if not countries._CJK.search(n)},
                   key=len, reverse=True)
    cjk = sorted({_slow_fold(n) for n in names if countries._CJK.search(n)})
    if cjk and re.search("|".join(map(re.escape, cjk)), folded):
        return True
    if latin:
        split = (re.split(r"\s*[-\u2010\u2011\u2013]\s*|\s+", n.strip()) for n in latin)
        words = "|".join(_SLOW_SEPARATOR.join(map(_slow_word, n)) for n in split)
        for m in re.finditer(rf"(?:{words}){countries._SUFFIX}(?!\w)", folded):
            start = m.start()
            if start == 0 or not (folded[start - 1].isalnum() or folded[start - 1] == "_"):
                return True
    return False


# Between the words of a name: spaces or a hyphen ("Sainte-Lucie", "Congo - Kinshasa").
_SLOW_SEPARATOR = "(?:\\s+|\\s*[-\u2010\u2011\u2013]\\s*)"


def _slow_word(word: str) -> str:
    """A word of a name: "&" or "and", "St.", "St" or "Saint", any apostrophe as any other."""
    if word in ("&", "and"):
        return "(?:and|&)"
    if word in ("st.", "st", "saint"):
        return r"(?:saint|st\.?)"
    return "".join("['\u2019\u02bc\u2018]" if c in "'\u2019\u02bc\u2018" else re.escape(c)
                   for c in word)


_PIECES = st.sampled_from([
    "a", "Z", " ", "\n", "'", "\u2019", "-", "x", "_", "\u00e9", "\u0301", "\u00df", "\u00b5",
    "\u03a3", "\u0130", "\u0131", "\u00a0", "\uff34", "taiwan", "Ta\u00efwan", "TAIWANESE",
    "Malaysian", "mala", "people's republic of china", "chinese", "Viet", "Nam", "indochina",
    "spaniel", "Kenyans", "\u53f0\u7063", "\u4e2d\u570b", "\u570b", "\u53f0", "\u81fa\u6e7e",
    "&", " and ", "St. ", "St", "Saint", "Sainte", "Lucia", "Lucie", "Bosnia", "Herzegovina",
    "C\u00f4te d", "Ivoire", "\u02bc", " - ", "\u2013", "Trinidad", "Tobago", "Kinshasa", "Congo",
    "Thai", "THAI", "Thais", "tha\u00ef", "Th\u00e1i", "MALE", "Male", "Mal\u00e9", "MAL\u00c9",
    "fe", " (AFP) ", "(Reuters)", ",", " Jan. 5 ", "5", "\u2014", "ST. JOHN'S", "St. John\u2019s",
    "Korean", "Seoul", "North ", "Congolese", "Sudanese", "South ",
])
_COUNTRIES = st.sampled_from(["Taiwan", "China", "Malaysia", "Vietnam", "Spain", "Kenya",
                              "Indochina", "Uganda", "C\u00f4te d'Ivoire", "taiwan", "", " ",
                              "Saint Lucia", "Bosnia & Herzegovina", "Trinidad and Tobago",
                              "Congo-Kinshasa", "St. Lucia", "Thailand", "Maldives",
                              "Antigua and Barbuda", "South Korea", "Sudan", "Congo - Brazzaville"])


@settings(max_examples=400, deadline=None)  # the first call loads the names (~0.3 s)
@given(st.one_of(st.text(max_size=60), st.lists(_PIECES, max_size=30).map("".join)), _COUNTRIES)
def test_mentions_agrees_with_the_plain_search(text: str, country: str) -> None:
    assert mentions(text, country) is _slow_mentions(text, country)



_PART = st.one_of(st.none(), st.lists(_PIECES, max_size=12).map("".join))


@settings(max_examples=400, deadline=None)
@given(_PART, _PART, _PART, st.lists(_PIECES, max_size=30).map("".join), _COUNTRIES)
def test_topic_flag_agrees_with_the_plain_search(
        headline: str | None, title: str | None, h1: str | None, text: str, country: str) -> None:
    page = PageInfo(kind="html", headline=headline, title=title, h1=h1, text=text)
    joined = "\n".join(part for part in (headline, title, h1, text) if part)
    on_topic = _slow_mentions(joined, "Taiwan") or \
        (bool(country.strip()) and _slow_mentions(joined, country))
    # event() has the subject Taiwan
    flags = event_flags(event(country=country), page, tolerance_days=60)
    assert ("topic-mismatch" in flags) is (bool(joined.strip()) and not on_topic)


@pytest.mark.parametrize(("country", "lang", "text"), [
    # pages of the extraction-dev corpus that name their country only in their language
    ("Austria", "de-AT", "Die Regierung in Wien: Österreich verschärft das Asylrecht."),
    ("Germany", "de", "Deutschland schiebt 28 Menschen nach Afghanistan ab."),
    ("Norway", "nb", "Regjeringen i Norge vil stramme inn."),
    ("Japan", "ja", "日本政府は声明を発表した。"),
    ("United States", "de", "Der Präsident der USA reist nach Asien."),
    ("United States", "ko", "미국의 대통령이 발표했다."),
    ("Greece", None, "El gobierno de Grecia anunció nuevas medidas."),  # no lang: all 32
    ("Austria", None, "قالت الحكومة في النمسا"),
])
def test_a_country_named_in_the_pages_own_language_is_on_topic(
        country: str, lang: str | None, text: str) -> None:
    """Countries beyond the table were matched by their English name alone: 23 of
    the corpus' pages were flagged topic-mismatch though they name the country."""
    on = PageInfo(kind="html", headline="Story", title="Story", published=dt.date(2016, 5, 3),
                  text=text, lang=lang)
    assert event_flags(event(country=country, subject=()), on, tolerance_days=60) == []
    off = PageInfo(kind="html", headline="Story", title="Story", published=dt.date(2016, 5, 3),
                   text="The city council approved a new budget for parks.", lang=lang)
    assert event_flags(event(country=country, subject=()), off, tolerance_days=60) == \
        ["topic-mismatch"]


@pytest.mark.parametrize(("country", "lang", "text"), [
    ("United States", "ja", "米国政府は声明を発表した。"),
    ("United States", "ja", "アメリカの大統領が来日した。"),
    ("United Kingdom", "ja", "英国の外相が訪問した。"),
    ("South Korea", "ko", "한국 정부는 성명을 발표했다."),
    ("South Korea", "zh-TW", "韓國政府發表聲明。"),
    ("Australia", "zh-TW", "澳洲政府表示關切。"),
    ("Indonesia", "zh-CN", "印尼警方逮捕了嫌犯。"),
])
def test_everyday_names_where_cldr_gives_a_formal_one(country: str, lang: str, text: str) -> None:
    """Japanese papers write 米国 or アメリカ, not CLDR's アメリカ合衆国; Korean ones
    한국, not 대한민국: their pages were flagged topic-mismatch."""
    page = PageInfo(kind="html", headline="Story", title="Story", published=dt.date(2016, 5, 3),
                    text=text, lang=lang)
    assert event_flags(event(country=country, subject=()), page, tolerance_days=60) == []


def test_a_country_inside_a_territory_name_in_korean_is_not_named() -> None:
    assert not mentions("미국령 버진아일랜드에 태풍", "United States")
    assert mentions("미국 정부는 미국령 버진아일랜드에 지원을 보냈다", "United States")


def test_only_the_pages_language_is_searched_when_it_says_one() -> None:
    """A German page naming Norway only in Norwegian: not found (German and English
    names are looked for), as the module says."""
    on = PageInfo(kind="html", headline="Story", title="Story", published=dt.date(2016, 5, 3),
                  text="Das Land heißt auf Norwegisch Norge.", lang="de")
    assert event_flags(event(country="Norway", subject=()), on, tolerance_days=60) == \
        ["topic-mismatch"]
    assert "Norwegen" in countries.cldr_names("Norway", "de")


@pytest.mark.parametrize(("event_day", "flagged"), [
    (dt.date(2024, 4, 25), False), (dt.date(2024, 2, 29), False),  # within 60 days
    (dt.date(2024, 7, 1), True), (dt.date(2023, 12, 1), True), (dt.date(2024, 6, 29), False),
])
def test_a_months_url_is_set_against_the_event_date(event_day: dt.date, flagged: bool) -> None:
    """A page dated only by its URL's month (/2024/04/) is out of step with an event
    more than the tolerance before the month or after its end."""
    page = PageInfo(kind="html", headline="Story", title="Story", text="Malaysia deported 32.",
                    url_month=dt.date(2024, 4, 1))
    flags = event_flags(event(date=event_day), page, tolerance_days=60)
    assert ("date-mismatch" in flags) is flagged and "no-date" in flags


def flags_of_a_page(country: str, lang: str | None, text: str) -> list[str]:
    """The flags of a page in *lang* whose headline and text are *text*, dated a
    day after an event in *country*."""
    event = Event("e", dt.date(2016, 5, 1), country, subject=())
    page = PageInfo(kind="html", headline=text, published=dt.date(2016, 5, 2), text=text,
                    lang=lang)
    return list(event_flags(event, page, tolerance_days=60))


@pytest.mark.parametrize(("country", "text"), [
    # the names a sources file writes beside the ones CLDR gives
    ("Türkiye", "Turkey extradites 12 suspects to China"),
    ("Turkey", "Die Türkei liefert zwölf Verdächtige aus"),
    ("Turkey", "Türkiye extradites 12 suspects"),
    ("Myanmar", "La Birmanie expulse douze ressortissants"),  # CLDR: "Myanmar (Birmanie)"
    ("Myanmar", "Burma deports 12 Taiwanese"),
    ("Czech Republic", "Tschechien liefert aus"),
    ("Czech Republic", "Czechia's Supreme Court ruled"),
    ("Czech Republic", "The Czech Supreme Court ruled"),
    ("the Philippines", "MANILA, Philippines — Philippine immigration deported 12"),
    ("Republic of Kenya", "Kenyan police detained 45 people"),
    ("Hong Kong", "香港警方拘捕12人"),  # CLDR's Chinese: 中國香港特別行政區
])
def test_a_country_under_the_name_in_common_use_is_on_topic(country: str, text: str) -> None:
    assert mentions(text, country)
    assert flags_of_a_page(country, None, text) == []


@pytest.mark.parametrize(("country", "lang", "text"), [
    # a part in brackets of a CLDR name is kept when it is another name of that
    # country ("Myanmar (Birmanie)"), not when it names another ("RAE de Hong
    # Kong (China)", "SRA Hongkong (Chiny)"), the kind of territory ("Гонконг
    # (САР)") or is one character ("刚果（金）": 金, "gold", "funds" in 资金)
    ("Hong Kong", "es", "China exporta más soja a Brasil"),
    ("Hong Kong", None, "China exporta más soja a Brasil; Chiny; САР"),
    ("Macau", None, "China exporta más soja a Brasil"),
    ("Congo - Kinshasa", "zh-CN", "钢铁产量统计发布，资金流入增加"),
    ("Congo - Brazzaville", "zh-CN", "钢铁产量统计发布，资金流入增加"),
])
def test_a_bracketed_part_that_is_no_name_of_the_country_is_not_one(
        country: str, lang: str | None, text: str) -> None:
    assert "topic-mismatch" in flags_of_a_page(country, lang, text)


@pytest.mark.parametrize("text", [
    "叙利亚首都大马士革发生爆炸",  # Damascus
    "敘利亞首都大馬士革發生爆炸",
    "澳門大馬路今日封閉",  # an avenue
])
def test_words_that_begin_with_a_short_name_are_not_the_country(text: str) -> None:
    assert not mentions(text, "Malaysia")
    assert mentions(text + "，大馬警方亦表示關注", "Malaysia")


@pytest.mark.parametrize(("country", "text"), [
    ("Kenya", "NAIROBI, April 13 (Xinhua) -- Police in Nairobi detained 45 people"),
    ("Cambodia", "PHNOM PENH — Police arrested 25 suspects"),
    ("Cambodia", "ប៉ូលិសកម្ពុជាបានចាប់ខ្លួនជនសង្ស័យ២៥នាក់"),  # Khmer: no spaces between words
    ("Armenia", "Հայաստանի ոստիկանությունը ձերբակալել է 78 մարդու"),
    ("Spain", "Spaniards protested the extradition"),
    ("China", "BEIJING (Reuters) - Police said on Friday"),
    ("China", "北京警方周五表示"),
    ("Taiwan", "Taipei protested the deportations"),
    ("Taiwan", "台北地檢署表示"),
])
def test_capitals_and_the_countries_own_languages_name_them(country: str, text: str) -> None:
    assert mentions(text, country)


@pytest.mark.parametrize(("country", "lang", "text"), [
    # CLDR writes "Bosnia & Herzegovina", "St. Lucia", "Côte d’Ivoire" (U+2019),
    # "Congo - Kinshasa": a report's editor, and a page, write them otherwise
    ("Bosnia and Herzegovina", "de", "Bosnien und Herzegowina liefert Verdächtige aus"),
    ("Bosnia and Herzegovina", "en", "Bosnia & Herzegovina extradites suspects"),
    ("Bosnia & Herzegovina", "en", "Bosnia and Herzegovina extradites suspects"),
    ("Trinidad and Tobago", "es", "Trinidad y Tobago deporta a sospechosos"),
    ("Trinidad and Tobago", "en", "Trinidad & Tobago deports suspects"),
    ("Saint Lucia", "fr", "Sainte-Lucie expulse des suspects"),
    ("Saint Lucia", "en", "St. Lucia deports suspects"),
    ("St Lucia", "en", "Saint Lucia deports suspects"),
    ("St. Kitts & Nevis", "en", "Saint Kitts and Nevis deports suspects"),
    ("Sao Tome and Principe", "pt", "São Tomé e Príncipe expulsa suspeitos"),
    ("Ivory Coast", "fr", "La Côte d'Ivoire expulse des suspects"),
    ("Côte d'Ivoire", "en", "Côte d\u2019Ivoire deports suspects"),
    ("Côte d'Ivoire", "pt", "A Costa do Marfim expulsa suspeitos"),
    ("Guinea Bissau", "en", "Guinea-Bissau deports suspects"),
    # official and long forms
    ("Republic of Korea", "en", "South Korea deports suspects"),
    ("Republic of Korea", "de", "Südkorea schiebt Verdächtige ab"),
    ("Korea, Republic of", "en", "South Korea deports suspects"),
    ("Lao PDR", "fr", "Le Laos expulse des suspects"),
    ("Lao People's Democratic Republic", "en", "Laos deports suspects"),
    ("Russian Federation", "de", "Russland schiebt Verdächtige ab"),
    ("Democratic Republic of the Congo", "fr", "Le Congo-Kinshasa expulse des suspects"),
    ("DR Congo", "en", "The Democratic Republic of Congo deports suspects"),
    ("Congo-Kinshasa", "en", "DR Congo deports suspects"),
    ("Congo-Brazzaville", "de", "Kongo-Brazzaville schiebt Verdächtige ab"),
    ("Republic of the Congo", "en", "Congo-Brazzaville deports suspects"),
    ("Holy See", "en", "Vatican City police said"),
    ("Vatican City", "en", "The Holy See said"),
])
def test_a_country_written_otherwise_than_cldr_writes_it_is_on_topic(
        country: str, lang: str, text: str) -> None:
    assert flags_of_a_page(country, lang, text) == []


@pytest.mark.parametrize(("country", "lang", "text"), [
    # the same events, cited with a page about another country
    ("Bosnia and Herzegovina", "de", "Serbien liefert Verdächtige aus"),
    ("Trinidad and Tobago", "es", "Jamaica deporta a sospechosos"),
    ("Saint Lucia", "en", "St. Kitts & Nevis deports suspects"),
    ("Saint Lucia", "fr", "Saint-Martin expulse des suspects"),
    ("Ivory Coast", "fr", "Le Ghana expulse des suspects"),
    ("Republic of Korea", "en", "North Korea deports suspects"),
    ("Democratic Republic of the Congo", "en", "Congo-Brazzaville deports suspects"),
    ("Republic of the Congo", "en", "DR Congo deports suspects"),
    ("Czech Republic", "de", "Die Slowakei liefert Verdächtige aus"),
])
def test_a_page_naming_another_country_is_still_off_topic(
        country: str, lang: str, text: str) -> None:
    assert flags_of_a_page(country, lang, text) == ["topic-mismatch"]


def test_every_cldr_english_name_is_known_written_out() -> None:
    """"&" as "and", "St." as "Saint", a straight apostrophe, a hyphen for " - "."""
    for name in countries._territories("en").values():
        written = name.replace("&", "and").replace("St. ", "Saint ").replace("\u2019", "'") \
            .replace(" - ", "-")
        assert countries.cldr_names(written, "en")[:1] == (name,), written


def test_the_kept_table_of_longer_names_is_the_one_babel_makes() -> None:
    """The table of names held in other countries' names is kept in a file (made
    from all 32 locales, 40 MB, once); made again, it is the same, with the
    Babel and pycountry it was made with."""
    from importlib.metadata import version

    from archiver import longernames

    pytest.importorskip("pycountry")
    here = {name: version(name) for name in ("babel", "pycountry")}
    if here != longernames.made_with():
        pytest.skip(f"the table was made with {longernames.made_with()}, these are "
                    f"{here}: run `python -m archiver.longernames` to make it again")
    kept = {code: list(longernames.held_in_others(code))
            for code in longernames._table()}
    assert kept == longernames.make_table()
    assert longernames._kept()["long_names"] == longernames.make_long_names()
    assert longernames.territory_codes() == countries.make_territory_codes()
    assert "South Sudan" in longernames.held_in_others("SD")
    assert "Papua New Guinea" in longernames.held_in_others("GN")


def test_a_topic_check_reads_no_more_than_the_pages_language() -> None:
    """The first check that found a country's name loaded the names of all 32
    locales to tell the longer names holding it: 40 MB more in every process."""
    script = ("import datetime as dt, tracemalloc\n"
              "tracemalloc.start()  # (before the imports: none may load the locales)\n"
              "from archiver.consistency import event_flags\n"
              "from archiver.models import Event, PageInfo\n"
              "ev = Event(id='e', date=dt.date(2016, 5, 3), country='Sudan')\n"
              "for text in ('Sudanese police in Khartoum', 'South Sudan army', 'Sudan army'):\n"
              "    event_flags(ev, PageInfo(kind='html', headline='x', text=text, lang='en'),\n"
              "                tolerance_days=60)\n"
              "print(tracemalloc.get_traced_memory()[1])\n")
    peak = int(subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                              check=True, timeout=60).stdout)
    assert peak < 10 << 20, f"{peak >> 20} MB"  # all 32 locales take some 40 MB
