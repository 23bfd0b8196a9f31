"""Plain-text documents: a statement served as ``text/plain`` has its first
line as headline and the date it gives near its top.

Modelled on the plain-text releases some ministries and courts publish (a
title line in capitals, a date line, then the text; or a dateline opening the
first paragraph), and on ``.txt`` transcripts of press briefings.
"""

from __future__ import annotations

import datetime as dt

from archiver.extract import extract

STATEMENT = b"""\

STATEMENT OF THE MINISTRY OF FOREIGN AFFAIRS ON THE DEPORTATION OF TAIWANESE NATIONALS

3 May 2016

The Ministry has learnt with grave concern that 32 Taiwanese nationals held in
Malaysia were deported on 30 April 2016 to mainland China, despite the repeated
requests of the Government.
"""

BRIEFING = b"""\
Regular Press Briefing - Transcript
Posted: April 13, 2016

Q: On the deportation from Kenya of 45 people on 12 April ...
A: We have seen the reports.
"""


def test_a_plain_text_statement_has_its_first_line_as_headline_and_the_date_it_gives() -> None:
    info = extract(STATEMENT, url="https://mofa.example/statements/deportation.txt",
                   content_type="text/plain; charset=utf-8")
    assert info.kind == "other"
    assert info.headline == ("STATEMENT OF THE MINISTRY OF FOREIGN AFFAIRS ON THE "
                             "DEPORTATION OF TAIWANESE NATIONALS")
    assert info.published == dt.date(2016, 5, 3)  # the date line, not the deportation's
    assert "32 Taiwanese nationals" in info.text


def test_a_transcript_gives_its_posted_date() -> None:
    info = extract(BRIEFING, url="https://gov.example/briefings/0413.txt",
                   content_type="text/plain")
    assert info.headline == "Regular Press Briefing - Transcript"
    assert info.published == dt.date(2016, 4, 13)


def test_a_dated_url_gives_the_day_when_the_text_has_none() -> None:
    body = b"Joint statement on consular access\n\nThe two governments agree ...\n"
    info = extract(body, url="https://gov.example/2016/05/03/joint.txt", content_type="text/plain")
    assert info.headline == "Joint statement on consular access"
    assert info.published == dt.date(2016, 5, 3)


def test_a_first_line_that_is_no_title_is_not_taken() -> None:
    # a line of dashes, a date alone, a line of over 300 characters, a short word
    for first in ("-----------------------------", "3 May 2016", "x" * 400, "OK"):
        body = f"{first}\n\nSome text of the statement follows here.\n".encode()
        info = extract(body, url="https://gov.example/a.txt", content_type="text/plain")
        assert info.headline is None, (first, info.headline)


def test_other_text_types_get_no_headline() -> None:
    # a CSV's first line is its header row, a script's first line code
    body = b"event,date,country\n2016-05-01-malaysia,2016-05-01,Malaysia\n"
    info = extract(body, url="https://gov.example/data.csv", content_type="text/csv")
    assert info.headline is None and info.published is None
    assert "malaysia" in info.text.lower()


def test_a_document_of_one_line_is_a_message_not_a_title() -> None:
    # Go's net/http answers an unknown path with this text alone
    info = extract(b"404 page not found\n", url="https://gov.example/2016/05/03/a.txt",
                   content_type="text/plain; charset=utf-8")
    assert info.headline is None and info.title is None
    assert info.text == "404 page not found"
