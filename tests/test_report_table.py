"""data/sources.yaml against the table printed in the report itself.

The report's last section, "Table of extraditions and deportations of
Taiwanese to the PRC", is read from the text extracted from its PDF: one row
per date line, then country, number, mechanism, reason and the media URLs.
The PDF text wraps long URLs onto a second line; such a continuation line
follows its URL with no blank line between and is joined to it, as printed.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from archiver.models import Sources
from archiver.sources import load_sources

REPO = Path(__file__).resolve().parent.parent
SEED = REPO.parent / "shared" / "seeds" / "000_4741615cd59bd5ac.txt"
SOURCES = REPO / "data" / "sources.yaml"

TABLE_TITLE = "Table of extraditions and deportations"
HEADERS = {"Date", "Country", "Number", "Mechanism", "Reason", "Media"}
DATE_LINE = re.compile(r"(\d{4})/(\d{2})/(\d{2})")


@dataclass
class Row:
    """One row of the printed table."""

    date: dt.date | None
    words: list[str] = field(default_factory=list)  # country, number, mechanism, reason...
    urls: list[str] = field(default_factory=list)  # as printed, line breaks removed

    @property
    def country(self) -> str:
        return self.words[0]

    @property
    def count(self) -> int:
        return int(self.words[1])

    @property
    def mechanism(self) -> str:
        return self.words[2].lower()

    @property
    def reason(self) -> str:
        return " ".join(self.words[3:]).lower()


def parse_table(text: str) -> list[Row]:
    """The rows of the report's closing table, in printed order."""
    lines = text[text.index(TABLE_TITLE):].splitlines()
    rows: list[Row] = []
    previous = ""  # the line before, "" when blank
    for raw in lines:
        line = raw.strip()
        date = DATE_LINE.fullmatch(line)
        if date or line == "(Unknown":
            day = dt.date(*map(int, date.groups())) if date else None
            rows.append(Row(day))
        elif not rows or not line or line in HEADERS or line == "date)":
            pass
        elif line.startswith("http"):
            rows[-1].urls.append(line)
        elif previous.startswith("http") and " " not in line:
            rows[-1].urls[-1] += line  # the second half of a wrapped URL
        else:
            rows[-1].words.append(line)
        previous = line
    return rows


@pytest.fixture(scope="module")
def table() -> list[Row]:
    if not SEED.is_file():
        pytest.skip(f"the report's extracted text is not in this checkout: {SEED}")
    return parse_table(SEED.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def sources() -> Sources:
    return load_sources(SOURCES)


def test_table_parser_reads_the_printed_table(table: list[Row]) -> None:
    """The parser itself: 18 rows, the totals the report states."""
    assert len(table) == 18
    assert sum(r.count for r in table) == 610
    assert table[2].date is None and table[2].country == "Kenya"
    assert table[1].urls[1] == ("https://www.scmp.com/comment/insight-opinion/article/2023276/"
                                "beijing-and-taipei-should-end-their-tug-war-over")
    assert sum(len(r.urls) for r in table) == 25
    assert all(r.mechanism in {"deportation", "extradition"} for r in table)


def test_events_match_rows(table: list[Row], sources: Sources) -> None:
    assert len(sources.events) == len(table) == 18
    for event, row in zip(sources.events, table, strict=True):
        assert (event.date, event.country, event.count) == (row.date, row.country, row.count)
        assert (event.mechanism, event.reason) == (row.mechanism, row.reason), event.id
    assert sum(e.count or 0 for e in sources.events) == 610


def test_event_ids_follow_date_and_country(sources: Sources) -> None:
    for event in sources.events:
        day = event.date.isoformat() if event.date else "unknown-date"
        assert event.id == f"{day}-{(event.country or '').lower()}"


def test_printed_urls_match_the_report(table: list[Row], sources: Sources) -> None:
    for event, row in zip(sources.events, table, strict=True):
        printed = [c.printed or c.url for c in event.citations]
        assert printed == row.urls, event.id


def test_repairs_only_restore_hyphens(sources: Sources) -> None:
    """Where `url` differs from `printed`, only hyphens lost at line wraps were put back."""
    repaired = [c for c in sources.citations if c.printed is not None]
    assert len(repaired) == 11
    for citation in repaired:
        printed = citation.printed or ""
        assert printed != citation.url
        assert printed.replace("-", "") == citation.url.replace("-", "")
        assert len(citation.url) > len(printed)


def test_pairs_and_distinct_urls(sources: Sources) -> None:
    assert len(sources.citations) == 25
    assert len(sources.urls()) == 23
