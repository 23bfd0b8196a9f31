"""sources.yaml read event by event: the same values and refusals, a small peak."""

from __future__ import annotations

import textwrap
import tracemalloc
from pathlib import Path

import pytest

from archiver.exceptions import SourcesError
from archiver.sources import parse_sources


def parse(text: str) -> object:
    return parse_sources(textwrap.dedent(text), Path("s.yaml"))


def refusal(text: str) -> tuple[str, int | None]:
    with pytest.raises(SourcesError) as info:
        parse(text)
    return str(info.value), info.value.line


def test_yaml_error_after_a_refused_event_is_the_one_reported() -> None:
    message, line = refusal("""\
        events:
          - id: BAD
            sources: [https://example.org/a]
          - id: fine
            sources: [https://example.org/b
        """)
    assert "YAML syntax error" in message
    assert line == 6


def test_repeated_top_key_after_events_beats_a_refused_event() -> None:
    message, line = refusal("""\
        events:
          - id: BAD
            sources: [https://example.org/a]
        report: {title: x}
        report: {title: y}
        """)
    assert "key 'report' repeated (first on line 4)" in message
    assert line == 5


def test_bad_report_after_events_beats_a_refused_event() -> None:
    message, line = refusal("""\
        events:
          - id: BAD
            sources: [https://example.org/a]
        report: [1, 2]
        """)
    assert "'report' must be a mapping, found a list" in message
    assert line == 4


def test_first_refused_event_is_reported_not_a_later_one() -> None:
    message, line = refusal("""\
        events:
          - id: one
            sources: [https://example.org/a]
          - id: one
            sources: [https://example.org/b]
          - id: BAD
            sources: [https://example.org/c]
        """)
    assert "duplicate id 'one' (first used on line 2)" in message
    assert line == 4


def test_second_document_is_refused_at_its_line() -> None:
    message, line = refusal("""\
        events:
          - id: one
            sources: [https://example.org/a]
        ---
        events: []
        """)
    assert "expected a single document in the stream, but found another document" in message
    assert line == 4


def test_anchors_and_aliases_across_events_still_work() -> None:
    sources = parse("""\
        defaults: &urls [https://example.org/shared]
        events:
          - &first {id: one, country: Kenya, sources: *urls}
          - id: two
            country: Kenya
            sources: [https://example.org/two]
        """)
    events = sources.events  # type: ignore[attr-defined]
    assert [e.id for e in events] == ["one", "two"]
    assert events[0].citations[0].url == "https://example.org/shared"
    assert events[0].country is events[1].country  # one copy of a repeated value


def test_alias_repeating_an_event_is_a_duplicate_id() -> None:
    message, line = refusal("""\
        events:
          - &e
            id: one
            sources: [https://example.org/a]
          - *e
        """)
    assert "duplicate id 'one' (first used on line 3)" in message
    assert line == 3


def test_anchored_events_list_is_read_whole_with_the_same_results() -> None:
    sources = parse("""\
        events: &all
          - id: one
            sources: [https://example.org/a]
        copy: *all
        """)
    assert [e.id for e in sources.events] == ["one"]  # type: ignore[attr-defined]
    message, line = refusal("""\
        events: &all []
        """)
    assert "'events' is empty" in message and line == 1


def test_empty_streamed_events_list_is_refused_at_its_line() -> None:
    message, line = refusal("""\
        report: {title: x}
        events: []
        """)
    assert "'events' is empty: expected at least one event" in message
    assert line == 2


def _events(n: int) -> str:
    lines = ["events:"]
    for i in range(n):
        lines += [f"  - id: event-{i:05d}", "    date: 2016-05-01", "    country: Malaysia",
                  "    sources:", f"      - https://example.org/news/2016/05/story-{i}.html",
                  f"      - https://example.net/world/asia/2016/05/story-{i}-follow-up.html"]
    return "\n".join(lines) + "\n"


def _peak_above_result(text: str) -> int:
    """Bytes held at the peak of parsing beyond what the parsed values keep."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        sources = parse_sources(text, Path("s.yaml"))
        kept, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(sources.citations) == 2 * text.count("  - id: ")
    return peak - kept


def test_parse_peak_does_not_grow_with_the_number_of_events() -> None:
    # A whole-file node tree costs about 25 bytes of peak per byte of text;
    # read event by event, the peak above the values stays near one event's nodes.
    small, large = _events(100), _events(2000)
    extra_small, extra_large = _peak_above_result(small), _peak_above_result(large)
    assert extra_large < extra_small + 2 * len(large), (extra_small, extra_large, len(large))


def test_unprintable_character_anywhere_comes_before_a_yaml_error() -> None:
    message, line = refusal("""\
        events: [
          - id: one
        report: {title: "a\x01b"}
        """)
    assert "unacceptable character #x0001" in message
    assert line == 3


def test_text_is_read_in_pieces_with_lines_counted_across_them() -> None:
    filler = "".join(f"# comment line {i} {'x' * 60}\n" for i in range(400))  # > 4096 chars
    text = filler + "events:\n  - id: one\n    sources: [https://example.org/a]\n  - id: BAD\n"
    with pytest.raises(SourcesError) as info:
        parse_sources(text, Path("s.yaml"))
    assert "invalid id 'BAD'" in str(info.value)
    assert info.value.line == 404
