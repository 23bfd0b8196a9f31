"""Countries named by their people and capitals (archiver.demonyms, through
archiver.countries and the topic check of archiver.consistency).

The pages' texts below are modelled on how news agencies and national papers
write their first lines: Reuters ("LIMA (Reuters) - "), AP ("WASHINGTON (AP) — ",
"MALE, Maldives (AP) —"), AFP ("Male (AFP) - "), Xinhua ("VIENTIANE, Jan. 5
(Xinhua) -- "), Yonhap, EFE ("BOGOTÁ (EFE).- "), and papers that name a
country by its people ("Thai police", "Congolese soldiers")."""

from __future__ import annotations

from pathlib import Path

import pytest

from archiver import countries, demonyms
from archiver.countries import mentions

from .test_consistency import flags_of_a_page


@pytest.mark.parametrize(("country", "lang", "text"), [
    # the report's false alarms: the country named by its people, capital, short name
    ("South Korea", None, "SEOUL, Korea (Yonhap) -- Korean police said on Monday they had "
                          "detained 12 people"),
    ("DR Congo", None, "GOMA, Congo (Reuters) - Congolese soldiers clashed with rebels"),
    ("Democratic Republic of the Congo", "en",
     "GOMA, Congo (Reuters) - Congolese soldiers clashed with rebels"),
    ("Thailand", "en", "Thai police in Bangkok said on Tuesday that 14 people were held"),
    ("Pakistan", "en", "ISLAMABAD (Reuters) - Pakistani authorities deported 20 people"),
    ("Turkey", "en", "ANKARA (Reuters) - Turkish police detained 30 suspects"),
    ("Egypt", "en", "CAIRO (AP) — Egyptian authorities said on Sunday"),
    ("Saudi Arabia", "en", "RIYADH (Reuters) - Saudi authorities executed a man"),
    ("United Arab Emirates", "en", "DUBAI (Reuters) - Emirati officials said"),
    ("Myanmar", "en", "Burmese junta troops raided a village near Yangon"),
    ("Laos", "en", "VIENTIANE, Jan. 5 (Xinhua) -- Lao police arrested 7 foreigners"),
    ("Afghanistan", "en", "Afghan officials said the men were sent back"),
    # datelines alone, in each agency's style
    ("Nigeria", "en", "LAGOS (Reuters) - Police said on Friday"),
    ("Maldives", "en", "Male (AFP) - Police said on Friday"),
    ("Maldives", "en", "MALE, Jan. 5 (Xinhua) -- Police said on Friday"),
    ("United States", "en", "WASHINGTON (AP) — The State Department said on Friday"),
    ("United States", "en", "WASHINGTON —  The State Department said on Friday"),
    ("Peru", "en", "LIMA (Reuters) - Police said on Friday"),
    ("Chile", "en", "SANTIAGO, March 3 (Reuters) - Police said"),
    ("Jamaica", "en", "By Jane Doe\nKINGSTON (Reuters) - Police said"),
    ("Costa Rica", "en", "SAN JOSÉ (AP) — Police said"),
    ("Costa Rica", "en", "SAN JOSE (Reuters) - Police said"),
    ("Antigua and Barbuda", "en", "ST. JOHN’S (AP) — Police said"),
    ("Ecuador", "en", "QUITO (Reuters) - Police said"),
    ("Colombia", "es", "BOGOTÁ (EFE).- La policía detuvo a 12 personas"),
    ("Senegal", "fr", "DAKAR (AFP) - La police a arrêté douze personnes"),
    ("Côte d'Ivoire", "fr", "ABIDJAN (AFP) - La police a arrêté douze personnes"),
    ("Russia", "en", "MOSCOW (Reuters) - Police said"),
    ("Israel", "en", "JERUSALEM (AP) — Israeli police said"),
    ("Palestine", "en", "RAMALLAH, West Bank (AP) — Palestinian officials said"),
    ("Ethiopia", "en", "ADDIS ABABA (Reuters) - Police said"),
    # national papers, by their people
    ("France", "en", "French police said on Tuesday"),
    ("Germany", "en", "German federal police said on Tuesday"),
    ("Ireland", "en", "Irish police said on Tuesday"),
    ("Poland", "en", "Polish border guards said on Tuesday"),
    ("Japan", "en", "TOKYO (Kyodo) -- Japanese immigration authorities said"),
    ("Singapore", "en", "Singaporean police said on Tuesday"),
    ("India", "en", "NEW DELHI: The ministry said on Tuesday"),
    ("Netherlands", "en", "Dutch police said on Tuesday"),
    ("Thailand", "vi", "Thai police said on Tuesday"),
])
def test_a_country_named_by_its_people_or_capital_is_on_topic(
        country: str, lang: str | None, text: str) -> None:
    assert flags_of_a_page(country, lang, text) == []


@pytest.mark.parametrize(("country", "on", "off"), [
    # the same country's page, and one that is about another (or no) country
    ("Thailand", "Thai police in Bangkok said", "Vietnamese police in Hanoi said"),
    ("Maldives", "MALE (Reuters) - Police said", "Male nurses went on strike over pay"),
    ("Maldives", "MALE (Reuters) - Police said", "The ratio of male to female staff"),
    ("Seychelles", "VICTORIA (Reuters) - Police said", "Police in Victoria, Australia said"),
    ("Seychelles", "VICTORIA (Reuters) - Police said",
     "VICTORIA, British Columbia (CP) — Police said"),
    ("Costa Rica", "SAN JOSÉ (Reuters) - Police said", "SAN JOSE, Calif. (AP) — Police said"),
    ("Mexico", "Mexican police said", "New Mexico state police said"),
    ("United States", "American officials said",
     "Latin American leaders met the Inter-American Commission"),
    ("United States", "WASHINGTON (Reuters) - Officials said", "The Washington Post reported"),
    ("Sudan", "Sudanese police said", "South Sudanese refugees said"),
    ("South Korea", "Korean police said", "North Korean soldiers said"),
    ("Samoa", "APIA (Reuters) - Police said", "American Samoan officials said"),
    ("Guinea", "CONAKRY (Reuters) - Police said", "Papua New Guinean police said"),
    ("Ireland", "Irish police said", "Northern Ireland police said"),
    ("Niger", "Nigerien soldiers said", "Nigerian soldiers said"),
    ("Dominica", "ROSEAU (Reuters) - Police said", "Dominican police said"),
    ("Poland", "Polish police said", "She bought nail polish"),
    ("Ecuador", "Quito police said", "El ladrón le quitó la cartera"),
    ("Peru", "LIMA (Reuters) - Police said", "Lima orang tewas dalam kecelakaan"),
    ("Italy", "Italian police said", "The Philippines left the Rome Statute"),
    ("Kazakhstan", "Kazakh police said", "ethnic Kazakhs held in Xinjiang"),
    ("Germany", "German police said", "That is not germane to the case"),
    ("India", "NEW DELHI (Reuters) - Police said", "Indian Ocean islands"),
    ("Ireland", "DUBLIN (Reuters) - Police said", "a Dublin transfer to Italy"),
    ("Republic of the Congo", "Congolese soldiers said",
     "Soldiers of the Democratic Republic of the Congo said"),
    ("Trinidad and Tobago", "PORT OF SPAIN (Reuters) - Police said", "Police in Madrid said"),
])
def test_a_page_about_another_country_is_still_off_topic(country: str, on: str, off: str) -> None:
    assert flags_of_a_page(country, "en", on) == []
    assert flags_of_a_page(country, "en", off) == ["topic-mismatch"]


@pytest.mark.parametrize(("country", "lang", "on", "off"), [
    # a name that is a common word in a language the pages are written in is
    # found only as written: Vietnamese "thái", "lao", Turkish "kabul"
    ("Thailand", "vi", "Thai police said", "Thái độ của cảnh sát Việt Nam"),
    ("Laos", "en", "Lao police said", "người lao động nước ngoài"),
    ("Afghanistan", "tr", "Kabul'da polis açıkladı", "Teklifi kabul etti"),
    # the headlines' "US" (AP style), not the pronoun
    ("United States", "en", "US deports 12 Taiwanese to China", "Tell us what happened"),
])
def test_a_name_that_is_a_common_word_is_found_as_written(
        country: str, lang: str, on: str, off: str) -> None:
    assert flags_of_a_page(country, lang, on) == []
    assert flags_of_a_page(country, lang, off) == ["topic-mismatch"]


@pytest.mark.parametrize("cases", [
    {"GOMA, Congo (Reuters) - Congolese soldiers": {"CD", "CG"},  # either Congo
     "troops of the Democratic Republic of the Congo": {"CD"},
     "Congo-Brazzaville troops": {"CG"}},
    {"SEOUL, Korea (Yonhap) -- Korean police": {"KR", "KP"},  # either Korea
     "North Korean soldiers": {"KP"}, "South Korean soldiers": {"KR"}},
    {"JERUSALEM (AP) — Police said": {"IL", "PS"},
     "Israeli police said": {"IL"}, "Palestinian officials said": {"PS"}},
])
def test_a_name_several_countries_could_mean_names_each(cases: dict[str, set[str]]) -> None:
    """"Korean" and "Congolese" name either; the longer name of one of them
    names it alone."""
    english = countries._territories("en")
    candidates = ("KR", "KP", "CD", "CG", "IL", "PS")
    for text, named in cases.items():
        assert {code for code in candidates if mentions(text, english[code])} == named, text


def test_port_of_spain_names_trinidad_not_spain() -> None:
    """Another country's capital that holds a country's name does not name it,
    as another country's longer name does not ("South Sudan")."""
    assert not mentions("PORT OF SPAIN, Trinidad (AP) — Police said", "Spain")
    assert mentions("PORT OF SPAIN, Trinidad (AP) — Police said", "Trinidad and Tobago")
    assert mentions("Spanish police in Port of Spain", "Spain")


@pytest.mark.parametrize(("dateline", "not_one"), [
    ("MALE (Reuters) - Police said", "MALE NURSES STRIKE"),
    ("MALÉ (AFP) – Police said", "Male (18) arrested"),
    ("Malé (AFP) – Police said", "Male nurses (AFP)"),
    ("MALE, May 5 (Xinhua) -- Police said", "FEMALE (Reuters) - Police said"),
    ("MALE — Police said", "MALE, Mass. (AP) — Police said"),
])
def test_a_dateline_only_capital(dateline: str, not_one: str) -> None:
    assert mentions(dateline, "Maldives")
    assert demonyms.found_as_written(dateline, countries._fold(dateline), "MV")
    assert not mentions(not_one, "Maldives")


def test_the_file_names_every_cldr_country_but_the_tables() -> None:
    """Each line's code is one the CLDR lists; each country the CLDR lists has a
    line, but the table's ten and those the file says have none."""
    english = countries._territories("en")
    listed = set(demonyms._read()[0])
    assert listed <= set(english)
    table = set(countries.table_names())
    assert not listed & table
    none = {"AQ", "BV", "HM", "GS", "UM", "CP", "DG", "IO", "AC", "TA", "CQ",
            "EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"}
    assert set(english) - table - listed == none
    for code in listed:
        plain, cased, dateline = demonyms.names(code)
        assert plain or cased or dateline, code
        assert not {*plain} & {*cased, *dateline}, code


def test_a_malformed_line_is_reported_with_its_place(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    bad = tmp_path / "people.txt"
    bad.write_text("TH | Thai | Bangkok\nThailand, Thai\n", encoding="utf-8")
    monkeypatch.setattr(demonyms, "DATA_FILE", bad)
    demonyms._read.cache_clear()
    try:
        with pytest.raises(ValueError, match=r"people\.txt:2: "):
            demonyms.names("TH")
    finally:
        demonyms._read.cache_clear()
