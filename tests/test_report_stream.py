"""json and csv reports written as the store is read: the same bytes, one result at a time."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archiver import report, report_table
from archiver.exceptions import InputError
from archiver.models import Citation, Event, PageInfo, Sources
from archiver.report import RENDERERS, build_report, seconds, write_report
from archiver.report_html import WorstFirst, group_by_event, render_html, render_junit
from archiver.store import Store
from archiver.storeopen import open_store
from archiver.timeline import timeline

URLS = {
    "e-1": ["https://a.example/alive", "https://a.example/dead"],
    "e-2": ["https://b.example/ünïcode?q=\"quoted\"", "https://b.example/never-checked"],
}


def _store(tmp_path: Path, *, checked: bool = True) -> Store:
    store = open_store(tmp_path / "archive")
    events = tuple(
        Event(id=eid, date=dt.date(2016, 5, 1), country="Kenya", count=3,
              mechanism="deportation",
              citations=tuple(Citation(eid, u, printed=u + "x" if i else None)
                              for i, u in enumerate(urls)))
        for eid, urls in URLS.items())
    store.sync_sources(Sources(path=tmp_path / "s.yaml", events=events))
    if not checked:
        return store
    when = dt.datetime(2026, 11, 25, 14, 0, tzinfo=dt.UTC)
    rows = [
        ("e-1", URLS["e-1"][0], "alive", 200, "Un titre «cité»\nsur deux lignes", "[]",
         "2026-11-25T14:00:01.250000Z"),
        ("e-1", URLS["e-1"][1], "dead", 404, None, '["no-date", "no-headline"]',
         "2026-11-25T14:00:03.000001Z"),
        ("e-2", URLS["e-2"][0], "blocked", 403, "台湾", '["topic-mismatch"]',
         "2026-11-25T14:00:02Z"),
    ]
    with store.transaction():
        store.set_baseline(URLS["e-1"][0], None, when, URLS["e-1"][0], None,
                           PageInfo(kind="html", headline="The first headline"))
        for eid, url, status, http, headline, flags, at in rows:
            store.record_check({
                "cycle_id": 1, "event_id": eid, "url": url, "checked_at": at,
                "status": status, "rule": "r", "reason": f"{status} | because <x>",
                "http_status": http, "final_url": url, "headline": headline,
                "published": "2016-05-02", "flags": flags, "consecutive_failures": 0})
    return store


@pytest.mark.parametrize("fmt", ["json", "csv", "md", "table", "html", "junit"])
@pytest.mark.parametrize("checked", [True, False])
def test_written_report_is_what_the_renderer_prints(tmp_path: Path, fmt: str,
                                                    checked: bool) -> None:
    store = _store(tmp_path, checked=checked)
    try:
        report = build_report(store)
        expected = render_html(report) if fmt == "html" else \
            render_junit(report) if fmt == "junit" else RENDERERS[fmt](report)
        out = io.StringIO()
        tally = write_report(store, fmt, out)
    finally:
        store.close()
    assert out.getvalue() == expected
    assert tally == ({"dead": 1, "blocked": 1, "alive": 1} if checked else {})
    assert list(tally) == sorted(tally, key=["dead", "blocked", "alive"].index)
    if fmt == "json":
        data = json.loads(out.getvalue())
        assert [r["status"] for r in data["results"]] == (
            ["alive", "dead", "blocked"] if checked else [])
        assert data["checked_at"] == ("2026-11-25T14:00:03Z" if checked else None)


@pytest.mark.parametrize("fmt", ["junit", "html", "md"])
def test_the_events_spilt_to_disk_are_written_back_whole(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str) -> None:
    """With every event's block past the size kept in memory (one character),
    the report is read back from files on disk: the same document."""
    store = _store(tmp_path)
    try:
        report = build_report(store)
        expected = render_junit(report) if fmt == "junit" else \
            render_html(report) if fmt == "html" else RENDERERS[fmt](report)
        monkeypatch.setattr("archiver.report_html.SPOOLED", 1)
        out = io.StringIO()
        write_report(store, fmt, out)
    finally:
        store.close()
    assert out.getvalue() == expected
    if fmt == "junit":  # one testsuite an event
        assert expected.count("<testsuite ") == 2


class _OneAtATime:
    """A store whose rows can be read only after the previous result was written."""

    def __init__(self, out: io.StringIO, n: int) -> None:
        self.out, self.n = out, n

    def iter_citations(self, active_only: bool = True) -> Iterator[dict[str, Any]]:
        writing = bool(self.out.getvalue())  # a pass that writes results, not a count
        for i in range(self.n):
            if writing and i:
                assert f"a.example/{i - 1}" in self.out.getvalue(), "result not yet written"
            yield {"event_id": "e", "url": f"https://a.example/{i}", "status": "alive",
                   "http_status": 200, "final_url": None, "headline": None,
                   "published": None, "flags": "[]", "reason": "ok",
                   "consecutive_failures": 0, "printed": None, "since": None, "rule": "r",
                   "event_date": None, "event_country": None, "event_count": None,
                   "event_mechanism": None, "baseline_at": None, "baseline_headline": None,
                   "first_captured": None, "last_checked": f"2026-11-25T14:00:{i:02d}Z"}

    def citations(self, active_only: bool = True) -> list[dict[str, Any]]:
        raise AssertionError("the whole list of citations was asked for")

    def last_checked(self) -> str | None:
        return f"2026-11-25T14:00:{self.n - 1:02d}Z"


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_results_are_written_as_they_are_read(fmt: str) -> None:
    out = io.StringIO()
    store = _OneAtATime(out, 5)
    tally = write_report(store, fmt, out)  # type: ignore[arg-type]
    assert tally == {"alive": 5}
    if fmt == "json":
        data = json.loads(out.getvalue())
        assert data["checked_at"] == "2026-11-25T14:00:04Z"
        assert [r["url"] for r in data["results"]] == [f"https://a.example/{i}" for i in range(5)]
    else:
        assert out.getvalue().count("\n") == 6


class _Watched(_OneAtATime):
    """A store that notes, for each reading of its rows, how much had been
    written when each row was read."""

    def __init__(self, out: io.StringIO, n: int) -> None:
        super().__init__(out, n)
        self.written: list[list[int]] = []

    def iter_citations(self, active_only: bool = True) -> Iterator[dict[str, Any]]:
        self.written.append([])
        for row in super().iter_citations(active_only):
            self.written[-1].append(len(self.out.getvalue()))
            yield row


def test_the_table_is_written_as_it_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """The rows that draw the table are read as they are written, a slice at a
    time (here a row), not all read before the first is written."""
    monkeypatch.setattr(report_table, "ROWS_AT_ONCE", 1)
    out = io.StringIO()
    store = _Watched(out, 7)
    tally = write_report(store, "table", out)  # type: ignore[arg-type]
    assert tally == {"alive": 7}
    drawn = store.written[-1]  # the last reading drew the rows
    assert all(a < b for a, b in zip(drawn[1:], drawn[2:], strict=False)), drawn
    text = out.getvalue()
    assert [f"https://a.example/{i}" in text for i in range(7)] == [True] * 7
    assert "7 citations: 7 alive" in text


class _Growing(_OneAtATime):
    """A store a cycle writes to between two readings: each reading has one more row."""

    def __init__(self, out: io.StringIO, n: int) -> None:
        super().__init__(out, n)
        self.readings = 0

    def iter_citations(self, active_only: bool = True) -> Iterator[dict[str, Any]]:
        self.readings += 1
        self.n += 1
        yield from super().iter_citations(active_only)


def test_the_table_counts_the_rows_it_draws() -> None:
    out = io.StringIO()
    store = _Growing(out, 3)
    tally = write_report(store, "table", out)  # type: ignore[arg-type]
    assert store.readings == 2  # measured, then drawn
    assert tally == {"alive": 5}
    assert "https://a.example/4" in out.getvalue()
    assert "5 citations: 5 alive" in out.getvalue()


def _one_rich_table(results: list[dict[str, Any]], width: int) -> str:
    """What one rich table of every result prints (the table as first written)."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(file=io.StringIO(), width=width, force_terminal=False,
                      color_system=None)
    table = Table(title="Citation check — 2026-11-25T14:00:00Z", show_lines=False)
    for col in ("event", "status", "http", "url", "flags", "reason"):
        table.add_column(col, overflow="fold")
    for r in results:
        table.add_row(*(Text(str(c)) for c in (r["event"], r["status"], r["http_status"] or "",
                                               r["url"], " ".join(r["flags"]), r["reason"])))
    console.print(table)
    out = console.file
    assert isinstance(out, io.StringIO)
    return out.getvalue()


SAMPLE_CELLS = [
    ("e-1", "alive", 200, "https://a.example/" + "long-path-" * 12, [], "200 OK (rule: alive)."),
    ("2016-05-01-malaysia", "dead", 404, "https://b.example/gone", ["no-date", "no-headline"],
     "HTTP 404 Not Found on the final hop (rule: http-404)."),
    ("e-3", "drifted", None, "https://c.example/台灣/新聞?id=1", ["topic-mismatch"],
     "標題已改變：「台灣人遭遣返」 (rule: headline-changed)."),
    ("e-4", "soft-404", 200, "https://d.example/خبر", [], "الصفحة غير موجودة\nsecond line"),
    ("e-5", "moved", 301, "https://e.example/" + "x" * 150, [], "Moved to https://e.example/n"),
]


@pytest.mark.parametrize("rows_at_once", [1, 3, 256])
@pytest.mark.parametrize("width", [60, 80, 133, 160, 400])
def test_the_table_drawn_in_slices_is_one_rich_table(monkeypatch: pytest.MonkeyPatch,
                                                     rows_at_once: int, width: int) -> None:
    """Line for line what one rich table of every row prints: the same column
    widths in every slice, and no border between two slices."""
    monkeypatch.setattr(report_table, "ROWS_AT_ONCE", rows_at_once)
    results = [{"event": e, "status": s, "http_status": h, "url": u, "flags": f, "reason": r}
               for i in range(4) for e, s, h, u, f, r in SAMPLE_CELLS[i:] + SAMPLE_CELLS[:i]]
    data = {"checked_at": "2026-11-25T14:00:00Z", "results": results, "unchecked": 0}
    drawn = report_table.render_table(data, width)
    one = _one_rich_table(results, width)
    assert drawn.startswith(one)
    assert " ".join(drawn[len(one):].split()) == \
        "20 citations: 4 dead, 4 soft-404, 4 drifted, 4 moved, 4 alive"
    assert drawn.count("┏") == 1 and drawn.count("└") == 1


_STATUSES = ["alive", "moved", "drifted", "soft-404", "dead", "blocked", "unreachable"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(st.sampled_from(_STATUSES), min_size=1, max_size=6), max_size=12),
       st.sampled_from([1, 64, 1 << 20]))
def test_events_filed_worst_first_come_out_in_the_order_of_group_by_event(
        events: list[list[str]], spooled: int) -> None:
    """Results read in sources order (an event's together), filed by event in
    temporary files (some spilt to disk), read back as group_by_event orders
    them, with the same counts."""
    results = [{"event": f"e-{i}", "url": f"https://a.example/{i}/{j}", "status": status}
               for i, statuses in enumerate(events) for j, status in enumerate(statuses)]

    def render(group: dict[str, Any]) -> str:
        return f"{group['event']} {group['worst']}: " \
            + " ".join(r["url"] for r in group["results"]) + "\n"

    expected = "".join(render(g) for g in group_by_event({"results": results}))
    import archiver.report_html as report_html

    old, report_html.SPOOLED = report_html.SPOOLED, spooled
    try:
        filed = WorstFirst(render)
        tally = filed.read([*results, None])
        assert "".join(filed.blocks()) == expected
    finally:
        report_html.SPOOLED = old
    assert tally.counts() == report.counts({"results": results}) and tally.unchecked == 1
    assert tally.results == len(results) and filed.files == {}


def test_timeline_finds_a_url_as_checked_or_as_printed(tmp_path: Path) -> None:
    store = _store(tmp_path)
    try:
        dead = URLS["e-1"][1]
        by_url = timeline(store, dead)
        by_printed = timeline(store, " " + dead + "x ")
        with pytest.raises(InputError):
            timeline(store, "https://a.example/never-cited")
    finally:
        store.close()
    assert by_url == by_printed
    assert by_url["url"] == dead
    assert [c["event_id"] for c in by_url["citations"]] == ["e-1"]
    assert [(e["kind"], e.get("status")) for e in by_url["entries"]] == [
        ("check", "dead"), ("transition", None)]


def test_results_carry_the_first_snapshot_of_their_url(tmp_path: Path) -> None:
    store = _store(tmp_path)
    try:
        results = {r["url"]: r for r in build_report(store)["results"]}
    finally:
        store.close()
    snap, none = results[URLS["e-1"][0]], results[URLS["e-1"][1]]
    assert (snap["first_captured"], snap["snapshot_at"], snap["baseline_headline"]) == \
        ("2026-11-25T14:00:00Z", "2026-11-25T14:00:00Z", "The first headline")
    assert (none["first_captured"], none["snapshot_at"], none["baseline_headline"]) == \
        (None, None, None)


_JSON_LIKE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(_JSON_LIKE, st.integers(min_value=0, max_value=3))
def test_indented_json_is_json_dumps_indent_2(value, level):
    """The report's JSON writer indents as json.dumps(indent=2) does, byte for byte."""
    expected = json.dumps(value, indent=2, ensure_ascii=False)
    assert report._indented(value, level) == expected.replace("\n", "\n" + "  " * level)


def test_checked_at_is_the_latest_check_of_a_reported_citation(tmp_path: Path) -> None:
    store = _store(tmp_path)
    try:
        rows = [c for c in store.iter_citations() if c["status"]]
        latest = store.last_checked()
        report = build_report(store)
    finally:
        store.close()
    assert rows and latest == max(c["last_checked"] for c in rows)
    assert report["checked_at"] == seconds(latest)


def test_checked_at_leaves_out_citations_no_longer_in_the_sources(tmp_path: Path) -> None:
    store = _store(tmp_path)
    try:
        dropped = URLS["e-1"][1]
        with store.transaction():
            store.record_check({
                "cycle_id": 1, "event_id": "e-1", "url": dropped,
                "checked_at": "2026-11-25T15:00:00Z", "status": "dead", "rule": "r",
                "reason": "dead", "http_status": 404, "final_url": dropped, "headline": None,
                "published": None, "flags": "[]", "consecutive_failures": 1})
        assert store.last_checked() == "2026-11-25T15:00:00Z"
        events = tuple(
            Event(id=eid, date=dt.date(2016, 5, 1), country="Kenya", count=3,
                  mechanism="deportation",
                  citations=tuple(Citation(eid, u) for u in urls if u != dropped))
            for eid, urls in URLS.items())
        store.sync_sources(Sources(path=tmp_path / "s.yaml", events=events))
        latest = store.last_checked()
        report = build_report(store)
    finally:
        store.close()
    assert latest == "2026-11-25T14:00:02Z"  # the latest of the citations still cited
    assert report["checked_at"] == seconds(latest)


def test_the_table_fits_the_terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The table is as wide as the terminal says (COLUMNS) at most, 160 when nothing does."""
    store = _store(tmp_path)
    try:
        report = build_report(store)
    finally:
        store.close()
    widths = {}
    for columns in (60, 200):
        monkeypatch.setenv("COLUMNS", str(columns))
        lines = RENDERERS["table"](report).splitlines()
        assert max(len(line) for line in lines) <= columns
        widths[columns] = len(lines)
    assert widths[60] > widths[200]  # folded to fit, not cut
    monkeypatch.delenv("COLUMNS")
    lines = RENDERERS["table"](report).splitlines()  # stdout is no terminal here
    assert max(len(line) for line in lines) <= 160


def test_the_human_formats_say_how_many_citations_are_not_checked_yet(tmp_path: Path) -> None:
    """A first cycle stopped part way: the report lists what was checked, and the
    table, Markdown and HTML reports say the rest waits (the JSON report keeps
    the contract's two keys)."""
    from archiver.report_html import render_html

    store = _store(tmp_path)
    try:
        data = build_report(store)
        out = io.StringIO()
        write_report(store, "json", out)
    finally:
        store.close()
    note = ("1 citation not checked yet (a cycle stopped before it, or is still running): "
            "the next `archiver run` or `archiver check` checks it.")
    assert data["unchecked"] == 1 and len(data["results"]) == 3
    assert note in RENDERERS["md"](data)
    assert " ".join(note.split()) in " ".join(RENDERERS["table"](data).split())
    assert note in render_html(data)
    assert set(json.loads(RENDERERS["json"](data))) == {"checked_at", "results"}
    assert RENDERERS["json"](data) == out.getvalue()
    # with every citation checked, no such line
    data["unchecked"] = 0
    assert "not checked yet" not in RENDERERS["md"](data) + RENDERERS["table"](data) \
        + render_html(data)
