"""Whitespace squashing and dates in text (archiver.textnorm, archiver.textdates)."""

from __future__ import annotations

import datetime as dt
import sys
import time
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from archiver import textdates, titles
from archiver import textnorm as tn


def _plain_squash(text: str) -> str:
    """The plain statement of squash: split at whitespace, join with spaces."""
    return " ".join(text.replace("\u200b", "").split())


_PIECES = st.sampled_from(list(" \n\t\r\x0b\x0c\x1c\x85\xa0\u200b\u2009\u3000\u2028ab") + [
    "  ", "\n\n", " \n ", "word", "\u00e9", "\u53f0", "\U0001f600"])
_TEXTS = st.one_of(st.text(max_size=300), st.lists(_PIECES, max_size=120).map("".join))


def test_other_spaces_are_every_whitespace_character_but_the_space() -> None:
    spaces = {chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()}
    assert set(tn._OTHER_SPACES) == spaces - {" "}
    assert len(tn._OTHER_SPACES) == len(spaces) - 1


def test_squash_examples() -> None:
    assert tn.squash(None) == ""
    assert tn.squash("") == ""
    assert tn.squash(" \n\t ") == ""
    assert tn.squash("  Taiwan\u00a0 slams\n\nMalaysia\u200b ") == "Taiwan slams Malaysia"
    assert tn.squash("a\u3000\u2028b", limit=2) == "a "
    assert tn.squash("one   two three", limit=100) == "one two three"


@given(_TEXTS)
def test_squash_is_split_and_join(text: str) -> None:
    assert tn.squash(text) == _plain_squash(text)


@given(_TEXTS, st.integers(min_value=0, max_value=400))
def test_squash_with_a_limit_is_the_beginning(text: str, limit: int) -> None:
    assert tn.squash(text, limit=limit) == _plain_squash(text)[:limit]


def test_squash_with_a_limit_reads_further_when_whitespace_shrinks() -> None:
    text = " " * 5000 + "x " * 3000
    assert tn.squash(text, limit=1000) == _plain_squash(text)[:1000]
    assert len(tn.squash(text, limit=1000)) == 1000


@given(st.one_of(st.text(max_size=80), st.text(alphabet=st.characters(max_codepoint=127),
                                               max_size=80)))
def test_comparable_of_ascii_text_skips_what_leaves_it_unchanged(text: str) -> None:
    """The ASCII shortcut of comparable() gives what the full normalisation gives."""
    full = tn.squash(unicodedata.normalize("NFKC", text).translate(tn._QUOTES)).casefold()
    assert tn._comparable.__wrapped__(text) == full


def test_site_name_stripping_keeps_a_title_of_many_parts_whole() -> None:
    """Every run of a title's parts is compared with the other candidates: a
    title of 50,000 parts once took minutes; past MAX_TITLE_PARTS it is kept."""
    title = "Headline" + " - x" * 50_000
    start = time.process_time()
    assert titles.strip_site_name(title, ["Example"], ["Other headline"]) == title
    assert time.process_time() - start < 2
    parts = ["Court frees activists"] + [f"part {i}" for i in range(titles.MAX_TITLE_PARTS - 2)]
    title = " - ".join([*parts, "Example News"])
    assert titles.strip_site_name(title, ["Example News"]) == " - ".join(parts)


@pytest.mark.parametrize(("title", "parts"), [
    # a bare hyphen between ideographs, as Taiwan's government sites write titles
    ("法務部-本部新聞稿-法務部對肯亞案之說明", ["法務部", "本部新聞稿", "法務部對肯亞案之說明"]),
    ("통일부-보도자료-북한 인권", ["통일부", "보도자료", "북한 인권"]),
    ("UN-보도자료", ["UN-보도자료"]),  # Latin on one side: not between ideographs
    # a hyphen in a word of Latin script stays, as one between spaces splits
    ("COVID-19 in Kenya - BBC", ["COVID-19 in Kenya", "BBC"]),
    ("Jean-Luc returns to Nairobi", ["Jean-Luc returns to Nairobi"]),
])
def test_title_parts(title: str, parts: list[str]) -> None:
    assert titles.title_parts(title) == parts


def test_a_section_is_named_between_parts_without_last() -> None:
    title = "Site - News releases - Court frees activists"
    assert titles.names_a_section("News releases", title, last=False)
    assert not titles.names_a_section("Court frees activists", title, last=False)
    assert titles.names_a_section("Court frees activists", title)  # "Headline | Section" order
    assert not titles.names_a_section("Site", title)
    assert titles.after_section(title, "news releases") == "Court frees activists"
    assert titles.after_section(title, "Court frees activists") is None
    assert titles.after_section("Site - Court frees activists", "Site") is None


@pytest.mark.parametrize(("text", "day"), [
    ("發布日期：105-06-24", dt.date(2016, 6, 24)),
    ("105/6/24", dt.date(2016, 6, 24)),
    ("民國105年6月24日", dt.date(2016, 6, 24)),
    ("中華民國99年12月31日", dt.date(2010, 12, 31)),
    ("105年6月24日", dt.date(2016, 6, 24)),
    # not a year of the Republic of China: the common era's, a version, an address
    ("2016年6月24日", dt.date(2016, 6, 24)),
    ("version 105.06.24.1", None),
    ("IP 140.112.8.116", None),
    ("16年6月24日", None),
])
def test_years_of_the_republic_of_china(text: str, day: dt.date | None) -> None:
    assert textdates.find_date_in_text(text) == day


@pytest.mark.parametrize(("text", "day"), [
    # the Ethiopian calendar, as Amharic pages date their news ("ዓ.ም"): 7-8
    # years behind, and its year begins on 11 or 12 September
    ("24/06/2015 ዓ.ም", dt.date(2023, 3, 3)),
    ("ቀን 24.06.2015 ዓ.ም", dt.date(2023, 3, 3)),
    ("05/01/2016 ዓ.ም", dt.date(2023, 9, 16)),
    ("01/01/2016 ዓ.ም", dt.date(2023, 9, 12)),
    ("05/13/2015 ዓ.ም", dt.date(2023, 9, 10)),  # Pagume, the thirteenth month
    ("31/01/2016 ዓ.ም", None),
    # the Solar Hijri calendar (Iran's, Afghanistan's) with its month names, in
    # Persian digits or not; 30 Esfand only in its leap years
    ("۱۲ اسفند ۱۴۰۱", dt.date(2023, 3, 3)),
    ("پنجشنبه ۱۲ اسفند ۱۴۰۱ - ۱۰:۳۰", dt.date(2023, 3, 3)),
    ("1 فروردین 1402", dt.date(2023, 3, 21)),
    ("6 آذر 1405", dt.date(2026, 11, 27)),
    ("30 اسفند 1403", dt.date(2025, 3, 20)),
    ("30 اسفند 1401", None),
    # Thai dates whose Buddhist-era year is in digits only; Hebrew, Bengali and
    # Burmese month names of the Gregorian calendar
    ("วันที่ 03/03/2566", dt.date(2023, 3, 3)),
    ("פורסם ב־3 במרץ 2023", dt.date(2023, 3, 3)),
    ("প্রকাশ: ০৩ মার্চ ২০২৩, ১০: ১৫", dt.date(2023, 3, 3)),
    ("၃ မတ် ၂၀၂၃", dt.date(2023, 3, 3)),
    ("မတ် ၃၊ ၂၀၂၃", dt.date(2023, 3, 3)),
    ("၂၀၂၃ ခုနှစ်၊ မတ်လ ၃ ရက်", dt.date(2023, 3, 3)),
    # the common era's, as before
    ("24/06/2015", dt.date(2015, 6, 24)),
])
def test_dates_of_other_calendars(text: str, day: dt.date | None) -> None:
    assert textdates.find_date_in_text(text) == day


@given(st.lists(st.sampled_from(["3", "12", "2016", "105", "2566", "/", ".", "-", " ", ",",
                                 "May", "mei", "March", "de", "ngay", "thang", "06", "24"]),
                max_size=12).map("".join))
def test_the_patterns_left_out_on_ascii_text_never_match_it(text: str) -> None:
    """The date patterns tried only on text outside ASCII (_SCRIPT_ONLY_AT) match
    no text in ASCII: leaving them out there changes no result."""
    script_only = [p for i, p in enumerate(textdates._TEXT_DATES)
                   if i in textdates._SCRIPT_ONLY_AT]
    assert len(script_only) == len(textdates._SCRIPT_ONLY_AT)
    assert [m.group(0) for p in script_only for m in p.finditer(text)] == []


@pytest.mark.parametrize(("text", "day"), [
    # an American byline: month first, told by its clock in a US time zone
    ("11/02/2020 11:59 PM EST", dt.date(2020, 11, 2)),
    ("by Alexander Bolton - 06/05/2022 11:30 PM ET", dt.date(2022, 6, 5)),
    ("Published 01/07/2021 10:13 p.m. ET", dt.date(2021, 1, 7)),
    ("by Alexander Bolton - 06/15/22 11:30 PM ET", dt.date(2022, 6, 15)),  # two digits
    # day first, as everywhere else: no clock, a European zone, a 24-hour clock
    ("03/04/2024", dt.date(2024, 4, 3)),
    ("03/04/2024 11:52 CET", dt.date(2024, 4, 3)),
    ("03/04/2024 et 12:00", dt.date(2024, 4, 3)),
    ("25/12/2020 11:00 PM ET", dt.date(2020, 12, 25)),  # (no month 25)
    ("06/15/22", None),
    # a second number past 19 can only be the day: month first (it went unread)
    ("11/27/2020 11:59 PM EST", dt.date(2020, 11, 27)),
    ("12/25/2020", dt.date(2020, 12, 25)),
    ("Tue, 11/24/2020", dt.date(2020, 11, 24)),
    ("by Alexander Bolton - 06/25/22 11:30 PM ET", dt.date(2022, 6, 25)),
    ("11/32/2020", None),
    ("Version 1.25.2016", None),  # with dots, day first only
    ("25.12.2020", dt.date(2020, 12, 25)),
])
def test_american_dates_with_a_us_clock(text: str, day: dt.date | None) -> None:
    assert textdates.find_date_in_text(text) == day
