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


REFUSALS = [
    pytest.param("""\
        events:
          - id: BAD
            sources: [https://example.org/a]
          - id: fine
            sources: [https://example.org/b
        """,
        "YAML syntax error", 6,
        id="yaml_error_after_a_refused_event_is_the_one_reported"),
    pytest.param("""\
        events:
          - id: BAD
            sources: [https://example.org/a]
        report: {title: x}
        report: {title: y}
        """,
        "key 'report' repeated (first on line 4)", 5,
        id="repeated_top_key_after_events_beats_a_refused_event"),
    pytest.param("""\
        events:
          - id: BAD
            sources: [https://example.org/a]
        report: [1, 2]
        """,
        "'report' must be a mapping, found a list", 4,
        id="bad_report_after_events_beats_a_refused_event"),
    pytest.param("""\
        events:
          - id: one
            sources: [https://example.org/a]
          - id: one
            sources: [https://example.org/b]
          - id: BAD
            sources: [https://example.org/c]
        """,
        "duplicate id 'one' (first used on line 2)", 4,
        id="first_refused_event_is_reported_not_a_later_one"),
    pytest.param("""\
        events:
          - id: one
            sources: [https://example.org/a]
        ---
        events: []
        """,
        "expected a single document in the stream, but found another document", 4,
        id="second_document_is_refused_at_its_line"),
    pytest.param("""\
        events:
          - &e
            id: one
            sources: [https://example.org/a]
          - *e
        """,
        "duplicate id 'one' (first used on line 3)", 3,
        id="alias_repeating_an_event_is_a_duplicate_id"),
    pytest.param("""\
        report: {title: x}
        events: []
        """,
        "'events' is empty: expected at least one event", 2,
        id="empty_streamed_events_list_is_refused_at_its_line"),
    pytest.param("""\
        events: [
          - id: one
        report: {title: "a\x01b"}
        """,
        "unacceptable character #x0001", 3,
        id="unprintable_character_anywhere_comes_before_a_yaml_error"),
]


@pytest.mark.parametrize(("text", "expected", "expected_line"), REFUSALS)
def test_refusal_and_its_line(text: str, expected: str, expected_line: int) -> None:
    message, line = refusal(text)
    assert expected in message
    assert line == expected_line


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


def test_text_is_read_in_pieces_with_lines_counted_across_them() -> None:
    filler = "".join(f"# comment line {i} {'x' * 60}\n" for i in range(400))  # > 4096 chars
    text = filler + "events:\n  - id: one\n    sources: [https://example.org/a]\n  - id: BAD\n"
    with pytest.raises(SourcesError) as info:
        parse_sources(text, Path("s.yaml"))
    assert "invalid id 'BAD'" in str(info.value)
    assert info.value.line == 404
