"""Read ``sources.yaml`` into :class:`~archiver.models.Sources`.

The file lists the events of a report and the URLs each one cites (see
CONTRACT.md, section 2)::

    report:
      title: Taiwanese extradited to the PRC
    events:
      - id: 2016-05-01-malaysia
        date: 2016-05-01
        country: Malaysia
        sources:
          - url: https://example.org/a-repaired-url/
            printed: https://example.org/arepaired-url/
          - https://example.org/bare-string-is-the-same-as-url

The file is parsed with PyYAML's composer, not its constructor, so that every
value keeps the line it was written on: each refusal is a
:class:`~archiver.exceptions.SourcesError` naming the file, the line and the
problem, raised before any fetch starts. The loader raises nothing else.

The ``events`` list is composed one event at a time: each event's nodes are
turned into an :class:`~archiver.models.Event` and dropped before the next one
is composed, so memory holds the values of the file and one event's nodes,
never the node tree of the whole file (a node and its two marks weigh far more
than the text they stand for). Refusals are still decided in the order a
whole-tree reading would decide them: a YAML error anywhere in the file comes
first, then the top-level keys, ``report``, and the events in file order.

Decisions worth knowing:

* ``id`` is taken from the scalar's text as written (``2016`` or
  ``2016-05-01`` are fine ids), and must match ``[a-z0-9-]+``.
* ``date`` is an ISO date (``2016-05-01``, quoted or not) or null; a missing
  ``date`` is null. A timestamp with a time of day is refused: events are dated
  to the day.
* ``country``, ``mechanism``, ``reason``, ``url`` and ``printed`` must be YAML
  strings: ``country: no`` is a boolean to YAML, and is refused with a hint to
  quote it rather than silently read as ``False``.
* ``url`` must be absolute ``http``/``https`` with a host and without user
  credentials, and parse with httpx (:mod:`archiver.citedurls` says more); IDN
  hosts and IP literals are accepted (addresses are checked at fetch time).
* ``count`` is a whole number up to :data:`MAX_COUNT` (10**9): more is a typo.
* A kept text (``country``, ``url``, the ``report`` values...) with a lone
  surrogate (a YAML escape such as ``"\\ud800"``) is refused: no UTF-8 text holds it.
* The file must be a regular file (not a device, pipe or directory) of at
  most :data:`MAX_SOURCES_BYTES` (256 MB), checked before it is read.
* ``report.subject`` names what the whole report is about: every event gets
  it as its ``subject`` (see :func:`archiver.consistency.report_subject`).
* Unknown keys are accepted and ignored at every level; a key repeated in one
  mapping and merge keys (``<<``) are refused, since either would hide part of
  what is written.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer, ComposerError
from yaml.constructor import SafeConstructor
from yaml.events import (
    MappingEndEvent,
    MappingStartEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.reader import Reader, ReaderError
from yaml.resolver import Resolver

from .citedurls import lone_surrogate, url_problem
from .consistency import report_subject, subject_names
from .exceptions import SourcesError
from .exchange import request_key
from .files import NotAFile, TooLarge, read_file
from .models import Citation, Event, Sources
from .settings import shown

#: Characters of a value quoted in a refusal (a 3 MB URL is not said whole).
QUOTED_CHARS = 200

LOGGER = logging.getLogger(__name__)

__all__ = ["ID_PATTERN", "MAX_COUNT", "load_sources", "parse_sources", "url_problem"]

#: What an event id may contain.
ID_PATTERN = re.compile(r"[a-z0-9-]+")
#: The largest ``count`` of people an event may give (SQLite stores up to 2**63-1).
MAX_COUNT = 10**9
#: The largest sources file read: a file of 10,000 citations is about 1.5 MB.
MAX_SOURCES_BYTES = 256 << 20
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TAG = "tag:yaml.org,2002:"
_TAG_NAMES = {
    _TAG + "str": "a string",
    _TAG + "int": "an integer",
    _TAG + "float": "a number",
    _TAG + "bool": "a boolean",
    _TAG + "null": "null",
    _TAG + "timestamp": "a date",
    _TAG + "binary": "binary data",
}


def load_sources(path: Path) -> Sources:
    """Read and check the sources file at *path*.

    Raises :class:`SourcesError` (with ``.path`` and, where there is one,
    ``.line``) when the file cannot be read, is not UTF-8, is not YAML, or does
    not describe events as CONTRACT.md section 2 says.
    """
    path = Path(path)
    try:
        data = _read_file(path)
    except OSError as exc:
        reason = exc.strerror or exc.__class__.__name__
        raise SourcesError(f"cannot read the sources file: {reason}", path=path) from exc
    text = _decode(data, path)
    del data  # the text is all that is read from now on
    return parse_sources(text, path)


def _read_file(path: Path) -> bytes:
    """The bytes of *path*, if it is a regular file of at most :data:`MAX_SOURCES_BYTES`."""
    try:
        return read_file(path, MAX_SOURCES_BYTES)
    except NotAFile as exc:
        raise SourcesError(f"cannot read the sources file: it is {exc.kind}, not a file",
                           path=path) from None
    except TooLarge:
        raise SourcesError(f"the sources file is larger than {MAX_SOURCES_BYTES >> 20} MB "
                           "(a file of 10,000 citations is about 1.5 MB)", path=path) from None


def _decode(data: bytes, path: Path) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SourcesError(
            f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})",
            path=path, line=line,
        ) from exc


def parse_sources(text: str, path: Path) -> Sources:
    """Check the YAML *text* of a sources file; *path* is named in errors."""
    return _Reader(text, Path(path)).read()


def _line(node: Node) -> int:
    """The 1-based line a node starts on."""
    return int(node.start_mark.line) + 1


def _shared(text: str | None) -> str | None:
    """One copy of a value many events repeat (a country, a mechanism)."""
    return sys.intern(text) if text is not None else None


def _given(entry: tuple[Node, Node] | None) -> Node | None:
    """The value node of an optional field; None when the field is absent or null."""
    node = None if entry is None else entry[1]
    if node is None or (isinstance(node, ScalarNode) and node.tag == _TAG + "null"):
        return None
    return node


def _start_tag(loader: Any, start: Any, kind: type[Node]) -> str:
    """The tag of the collection *start* opens, resolved as PyYAML's composer does."""
    tag = start.tag
    if tag is None or tag == "!":
        tag = loader.resolve(kind, None, start.implicit)
    return str(tag)


def _kind(node: Node) -> str:
    """How a node reads to a person, for error messages."""
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    return _TAG_NAMES.get(node.tag, f"a value tagged {node.tag}")


_CParser: Any = getattr(yaml, "cyaml", None) and getattr(yaml.cyaml, "CParser", None)
_FastLoader: Any = None
if _CParser is not None:

    class _Fast(_CParser, Composer, SafeConstructor, Resolver):  # type: ignore[misc]
        """libyaml's scanner and parser under PyYAML's own composer and resolver.

        The events, their marks and so the nodes are the same as PyYAML's; only
        the scanning is done in C (0.43 s instead of 2.47 s for a 10,000-citation file).
        libyaml's own composer is not used: it recurses in C, and a deeply
        nested file crashes it. A file libyaml refuses is read again by PyYAML,
        whose message is the one shown. libyaml reads a few things PyYAML's own
        scanner wrongly refuses, such as ``[https://example.org/a?id=1]``.
        """

        def __init__(self, stream: Any) -> None:
            _CParser.__init__(self, stream)
            Composer.__init__(self)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)

    _FastLoader = _Fast



class _Pieces:
    """The text handed to PyYAML's reader a piece at a time.

    Handed a whole string, the reader keeps a copy of it (plus one character)
    for the whole parse; read from a stream, it keeps only the piece it is
    scanning. Marks then carry no copy of the text, which no message here uses.
    """

    __slots__ = ("text", "at")

    def __init__(self, text: str) -> None:
        self.text = text
        self.at = 0

    def read(self, size: int = -1, /) -> str:
        end = len(self.text) if size < 0 else self.at + size
        piece = self.text[self.at:end]
        self.at += len(piece)
        return piece


class _Streamed:
    """What the items of the streamed ``events`` list became."""

    __slots__ = ("node", "count", "events", "refusal")

    def __init__(self, node: SequenceNode) -> None:
        self.node = node
        self.count = 0  # items composed
        self.events: list[Event] = []  # the items checked, until the first refusal
        self.refusal: SourcesError | None = None  # the first item refused


class _Reader:
    """One pass over the composed node tree of one file."""

    def __init__(self, text: str, path: Path) -> None:
        self.text = text
        self.path = path
        self.streamed: _Streamed | None = None
        self.listed_subject: tuple[str, ...] = ()  # ``report.subject`` given as a list

    # -- errors -----------------------------------------------------------

    def error(self, message: str, node: Node | None = None,
              line: int | None = None) -> SourcesError:
        if node is not None:
            line = _line(node)
        return SourcesError(message, path=self.path, line=line)

    # -- the document -----------------------------------------------------

    def parse(self, work: Callable[[Any], Node | None]) -> Node | None:
        """Run *work* over a loader of the text; YAML errors become refusals."""
        try:
            unprintable = Reader.NON_PRINTABLE.search(self.text)
            if unprintable:  # what PyYAML checks first when handed the whole text
                raise ReaderError(self.path.name, unprintable.start(),
                                  ord(unprintable.group()), "unicode",
                                  "special characters are not allowed")
            if _FastLoader is not None:
                fast: Any = _FastLoader(_Pieces(self.text))
                try:
                    return work(fast)
                except (yaml.YAMLError, RecursionError):
                    # the messages (and what is refused) are PyYAML's own:
                    # read the file again with it
                    self.streamed = None
                finally:
                    fast.dispose()
            loader: Any = yaml.SafeLoader(_Pieces(self.text))  # PyYAML has no type hints
            try:
                return work(loader)
            except RecursionError as exc:  # the line the reader had come to
                raise self.error("YAML nested too deeply", line=int(loader.line) + 1) from exc
            finally:
                loader.dispose()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = int(mark.line) + 1 if mark is not None else None
            problem = ", ".join(p for p in (exc.context, exc.problem) if p) or "invalid YAML"
            raise self.error(f"YAML syntax error: {problem}", line=line) from exc
        except ReaderError as exc:
            line = self.text[: exc.position].count("\n") + 1
            raise self.error(
                f"YAML syntax error: unacceptable character #x{exc.character:04x}",
                line=line,
            ) from exc
        except yaml.YAMLError as exc:
            raise self.error(f"YAML syntax error: {exc}") from exc

    def compose(self, loader: Any) -> Node | None:
        """The root node of the single document (None for an empty stream).

        What PyYAML's ``get_single_node`` does, except that the list under the
        first top-level ``events`` key is read by :meth:`stream_events` instead
        of being kept as nodes. A root or an ``events`` list that carries an
        anchor is composed whole, since an alias may refer to it.
        """
        loader.get_event()  # STREAM-START
        if loader.check_event(StreamEndEvent):
            loader.get_event()
            return None
        loader.get_event()  # DOCUMENT-START
        if loader.check_event(MappingStartEvent) and loader.peek_event().anchor is None:
            root: Node = self.compose_top(loader)
        else:
            root = loader.compose_node(None, None)
        loader.get_event()  # DOCUMENT-END
        loader.anchors = {}
        if not loader.check_event(StreamEndEvent):
            event = loader.get_event()
            raise ComposerError("expected a single document in the stream", root.start_mark,
                                "but found another document", event.start_mark)
        loader.get_event()  # STREAM-END
        return root

    def compose_top(self, loader: Any) -> MappingNode:
        """The top-level mapping, its ``events`` list read event by event."""
        start = loader.get_event()
        root = MappingNode(_start_tag(loader, start, MappingNode), [], start.start_mark, None,
                           flow_style=start.flow_style)
        while not loader.check_event(MappingEndEvent):
            key = loader.compose_node(root, None)
            if (self.streamed is None and isinstance(key, ScalarNode)
                    and key.tag != _TAG + "merge" and str(key.value) == "events"
                    and loader.check_event(SequenceStartEvent)
                    and loader.peek_event().anchor is None):
                value: Node = self.stream_events(loader)
            else:
                value = loader.compose_node(root, key)
            root.value.append((key, value))
        root.end_mark = loader.get_event().end_mark
        return root

    def stream_events(self, loader: Any) -> SequenceNode:
        """Read the ``events`` list: each item becomes an Event as soon as it is composed.

        Returns the list's node without its items; what they became is kept in
        :attr:`streamed`. After the first refused event the rest are composed
        (a YAML error further on still comes first) but not checked, as a
        whole-tree reading would stop at that event.
        """
        start = loader.get_event()
        node = SequenceNode(_start_tag(loader, start, SequenceNode), [], start.start_mark, None,
                            flow_style=start.flow_style)
        streamed = _Streamed(node)
        self.streamed = streamed
        first_line: dict[str, int] = {}  # event id -> line of its `id`
        while not loader.check_event(SequenceEndEvent):
            item = loader.compose_node(node, streamed.count)
            streamed.count += 1
            if streamed.refusal is None:
                try:
                    streamed.events.append(self.event(item, first_line))
                except SourcesError as exc:
                    streamed.refusal = exc
                    streamed.events = []
        node.end_mark = loader.get_event().end_mark
        return node

    def read(self) -> Sources:
        self.streamed = None
        root = self.parse(self.compose)
        if root is None or (isinstance(root, ScalarNode) and root.tag == _TAG + "null"):
            raise self.error("the file is empty: expected a mapping with 'events'", line=1)
        if not isinstance(root, MappingNode):
            raise self.error(
                f"expected a mapping with 'events' at the top, found {_kind(root)}", root)
        top = self.mapping(root)
        report = self.report(top["report"]) if "report" in top else {}
        if "events" not in top:
            raise self.error("no 'events' in the file", root)
        events_node = top["events"][1]
        if not isinstance(events_node, SequenceNode):
            raise self.error(f"'events' must be a list, found {_kind(events_node)}", events_node)
        streamed = self.streamed
        if streamed is not None and streamed.node is events_node:
            if not streamed.count:
                raise self.error("'events' is empty: expected at least one event", events_node)
            if streamed.refusal is not None:
                raise streamed.refusal
            events = streamed.events
        else:
            if not events_node.value:
                raise self.error("'events' is empty: expected at least one event", events_node)
            first_line: dict[str, int] = {}  # event id -> line of its `id`
            events = [self.event(item, first_line) for item in events_node.value]
        LOGGER.debug("%s: %d events", self.path, len(events))
        subject = self.listed_subject or report_subject(report)  # ([] gives "": none)
        if subject:
            events = [replace(e, subject=subject) for e in events]
        return Sources(path=self.path, events=tuple(events), report=report)

    # -- mappings ---------------------------------------------------------

    def mapping(self, node: MappingNode) -> dict[str, tuple[Node, Node]]:
        """The scalar keys of *node* to their (key, value) nodes.

        Keys that are not scalars cannot be known keys: they are ignored.
        """
        entries: dict[str, tuple[Node, Node]] = {}
        for key, value in node.value:
            if not isinstance(key, ScalarNode):
                continue
            if key.tag == _TAG + "merge":
                raise self.error("merge keys ('<<') are not supported: write the keys out", key)
            name = str(key.value)
            if name in entries:
                first = _line(entries[name][0])
                raise self.error(f"key {name!r} repeated (first on line {first})", key)
            entries[name] = (key, value)
        return entries

    def report(self, entry: tuple[Node, Node]) -> dict[str, str]:
        """The ``report`` block: its scalar values as written, the rest ignored."""
        key, node = entry
        if isinstance(node, ScalarNode) and node.tag == _TAG + "null":
            return {}
        if not isinstance(node, MappingNode):
            raise self.error(f"'report' must be a mapping, found {_kind(node)}", node)
        report: dict[str, str] = {}
        for name, (key, value) in self.mapping(node).items():
            if isinstance(value, ScalarNode) and value.tag != _TAG + "null":
                self.scalar_text(key, "report")
                report[name] = self.scalar_text(value, name)
            elif name == "subject" and not isinstance(value, ScalarNode):  # null: none given
                items = value.value if isinstance(value, SequenceNode) else [value]
                for item in items:
                    if not isinstance(item, ScalarNode) or item.tag != _TAG + "str":
                        raise self.error(f"'subject' must be a name or a list of names, found "
                                         f"{_kind(item)}", item)
                self.listed_subject = subject_names(self.scalar_text(item, name) for item in items)
                report[name] = ", ".join(self.listed_subject)  # shown; not split again
        return report

    # -- one event --------------------------------------------------------

    def event(self, node: Node, first_line: dict[str, int]) -> Event:
        """One event; *first_line* records the ids seen so far, to refuse repeats."""
        if not isinstance(node, MappingNode):
            raise self.error(f"an event must be a mapping, found {_kind(node)}", node)
        fields = self.mapping(node)
        event_id = self.event_id(node, fields)
        id_node = fields["id"][1]
        if event_id in first_line:
            raise self.error(
                f"duplicate id {event_id!r} (first used on line {first_line[event_id]})",
                id_node)
        first_line[event_id] = _line(id_node)
        return Event(
            id=event_id,
            date=self.date(fields.get("date")),
            country=_shared(self.string(fields.get("country"), "country")),
            count=self.count(fields.get("count")),
            mechanism=_shared(self.string(fields.get("mechanism"), "mechanism")),
            reason=_shared(self.string(fields.get("reason"), "reason")),
            citations=tuple(self.citations(node, event_id, fields.get("sources"))),
            line=_line(node),
        )

    def event_id(self, node: MappingNode, fields: dict[str, tuple[Node, Node]]) -> str:
        if "id" not in fields:
            raise self.error("event without an 'id'", node)
        value = fields["id"][1]
        if not isinstance(value, ScalarNode) or value.tag == _TAG + "null":
            raise self.error(f"'id' must be a text like 2016-05-01-malaysia, found {_kind(value)}",
                             value)
        text = str(value.value)
        if not ID_PATTERN.fullmatch(text):
            raise self.error(f"invalid id {shown(text, QUOTED_CHARS)}: use only a-z, 0-9 "
                             "and '-'", value)
        return text

    def date(self, entry: tuple[Node, Node] | None) -> dt.date | None:
        node = _given(entry)
        if node is None:
            return None
        if not isinstance(node, ScalarNode):
            raise self.error(f"'date' must be an ISO date or null, found {_kind(node)}", node)
        text = str(node.value)
        if node.tag in (_TAG + "str", _TAG + "timestamp") and _ISO_DATE.fullmatch(text):
            try:
                return dt.date.fromisoformat(text)
            except ValueError as exc:
                raise self.error(f"'date' {shown(text, QUOTED_CHARS)} is not a valid date: {exc}",
                                 node) from exc
        if node.tag == _TAG + "timestamp" and _ISO_DATE.match(text):
            raise self.error(
                f"'date' {shown(text, QUOTED_CHARS)} has a time of day: write the day only, as "
                "YYYY-MM-DD", node)
        raise self.error("'date' must be an ISO date (YYYY-MM-DD) or null, not "
                         f"{shown(text, QUOTED_CHARS)}", node)

    def string(self, entry: tuple[Node, Node] | None, name: str) -> str | None:
        """An optional text field: a YAML string, or null/absent."""
        node = _given(entry)
        if node is None:
            return None
        if isinstance(node, ScalarNode) and node.tag == _TAG + "str":
            return self.scalar_text(node, name)
        hint = " (quote it)" if isinstance(node, ScalarNode) else ""
        raise self.error(f"{name!r} must be a string, found {_kind(node)}{hint}", node)

    def scalar_text(self, node: Node, name: str) -> str:
        """The text of scalar *node*; a lone surrogate (from ``"\\ud800"``) is refused."""
        text = str(node.value)
        surrogate = lone_surrogate(text)
        if surrogate:
            raise self.error(f"{name!r} contains a lone surrogate ({surrogate}), which is not a "
                             "character: write the character itself, or \\U and 8 hex digits",
                             node)
        return text

    def count(self, entry: tuple[Node, Node] | None) -> int | None:
        """A whole number of people, written in decimal (``017`` is 17, not octal)."""
        node = _given(entry)
        if node is None:
            return None
        if isinstance(node, ScalarNode):
            text = str(node.value)
            if node.tag == _TAG + "int" and re.fullmatch(r"\+?[0-9][0-9_]*", text):
                digits = text.lstrip("+").replace("_", "").lstrip("0") or "0"
                if len(digits) > len(str(MAX_COUNT)) or int(digits) > MAX_COUNT:
                    raise self.error(f"'count' is too large: {text[:20]}{'...' * (len(text) > 20)}"
                                     f" is more than {MAX_COUNT:,} people", node)
                return int(digits)
            if node.tag == _TAG + "int" and text.startswith("-"):
                raise self.error(f"'count' must not be negative, found {text}", node)
            if node.tag == _TAG + "int":
                raise self.error("'count' must be a plain decimal number, not "
                                 f"{shown(text, QUOTED_CHARS)}", node)
        raise self.error(f"'count' must be a whole number of people, found {_kind(node)}", node)

    # -- citations --------------------------------------------------------

    def citations(self, event: MappingNode, event_id: str,
                  entry: tuple[Node, Node] | None) -> Iterator[Citation]:
        if entry is None:
            raise self.error(f"event {event_id!r} has no 'sources'", event)
        node = entry[1]
        if not isinstance(node, SequenceNode):
            raise self.error(f"'sources' must be a list of URLs, found {_kind(node)}", node)
        if not node.value:
            raise self.error(f"'sources' of event {event_id!r} is empty", node)
        seen: dict[str, int] = {}
        for item in node.value:
            citation = self.citation(item, event_id)
            # the same request ("HTTP://" for "http://", a "#fragment" never sent)
            key = request_key(citation.url)
            if key in seen:
                raise self.error(
                    f"URL listed twice for event {event_id!r} (first on line "
                    f"{seen[key]}): {citation.url}", item)
            seen[key] = _line(item)
            yield citation

    def citation(self, node: Node, event_id: str) -> Citation:
        if isinstance(node, ScalarNode) and node.tag == _TAG + "str":
            return Citation(event_id=event_id, url=self.url(node), line=_line(node))
        if not isinstance(node, MappingNode):
            raise self.error(
                f"a source must be a URL or a mapping with 'url', found {_kind(node)}", node)
        fields = self.mapping(node)
        if "url" not in fields:
            raise self.error("source without a 'url'", node)
        url_node = fields["url"][1]
        if not (isinstance(url_node, ScalarNode) and url_node.tag == _TAG + "str"):
            raise self.error(f"'url' must be a string, found {_kind(url_node)}", url_node)
        printed = self.string(fields.get("printed"), "printed")
        return Citation(event_id=event_id, url=self.url(url_node), printed=printed,
                        line=_line(node))

    def url(self, node: ScalarNode) -> str:
        """The URL text of *node*, refused unless absolute http(s) with a host."""
        url = str(node.value)
        problem = url_problem(url)
        if problem:
            raise self.error(f"{problem}: {shown(url, QUOTED_CHARS)}", node)
        return url
