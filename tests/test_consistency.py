"""Event consistency flags: date and topic checks against the report's events."""

from __future__ import annotations

import datetime as dt

import pytest

from archiver.consistency import country_names, event_flags, mentions
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


def event(date: dt.date | None = dt.date(2016, 5, 1), country: str | None = "Malaysia") -> Event:
    return Event(id="e-1", date=date, country=country)


def page(text: str = "Malaysia deported 32 people to China.", *, headline: str | None = "Story",
         published: dt.date | None = dt.date(2016, 5, 3)) -> PageInfo:
    return PageInfo(kind="html", headline=headline, title=headline, published=published,
                    text=text)


def test_real_case_philippines_event_cites_a_cambodia_article() -> None:
    philippines = Event(id="2018-04-03-philippines", date=dt.date(2018, 4, 3),
                        country="Philippines")
    assert event_flags(philippines, DIPLOMAT_2018, tolerance_days=60) == ["date-mismatch"]
    cambodia = Event(id="2018-12-15-cambodia", date=dt.date(2018, 12, 15), country="Cambodia")
    assert event_flags(cambodia, DIPLOMAT_2018, tolerance_days=60) == []


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
    flags = event_flags(event(country="Czech Republic"), page("A Prague court ruled."),
                        tolerance_days=60)
    assert flags == ["topic-mismatch"]


def test_known_country_by_another_name() -> None:
    assert country_names("Viet Nam") == country_names("Vietnam")
