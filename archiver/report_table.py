"""The check report as a terminal table (rich), written a few rows at a time.

One rich ``Table`` of every result measures each cell, then holds the whole
rendering in memory: 5 s and 134 MB for 10,000 citations, growing with them.
Here the table is drawn in slices of :data:`ROWS_AT_ONCE` rows with the same
column widths, the borders between two slices left out, so that what is
written is what one table of every row would print, line for line, and
memory stays flat.

The widths are rich's own: a column's width depends only on its header, its
longest line and its longest word (``Text``'s measurement), so a small table
of those, laid out by rich, has the widths of the whole one. They are read
off its top border and given to every slice as fixed widths.

Below :data:`NARROW_TABLE` columns, a citation is three lines instead.
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TextIO

from .report import Tally, checked_at, iter_citation_results, unchecked_note
from .store import Store

#: Below this width the table is three lines a citation (status, event, reason).
NARROW_TABLE = 60
#: Rows drawn by one rich table.
ROWS_AT_ONCE = 256
COLUMNS = ("event", "status", "http", "url", "flags", "reason")


def cells(result: dict[str, Any]) -> tuple[str, ...]:
    """The table's cells of one result, in :data:`COLUMNS` order."""
    return (str(result["event"]), str(result["status"]), str(result["http_status"] or ""),
            str(result["url"]), " ".join(result["flags"]), str(result["reason"]))


class _Widest:
    """Per column, the cell with the longest line and the longest word seen
    (what rich's measurement of a ``Text`` reads)."""

    def __init__(self) -> None:
        from rich.cells import cell_len

        self.cell_len = cell_len
        self.line = [(0, "")] * len(COLUMNS)
        self.word = [(0, "")] * len(COLUMNS)
        self.rows = 0

    def add(self, result: dict[str, Any]) -> None:
        self.rows += 1
        for i, cell in enumerate(cells(result)):
            if cell.isascii() and "\n" not in cell and "\r" not in cell:
                longest = len(cell)  # (cell_len of printable ASCII is its length)
            else:
                longest = max((self.cell_len(line) for line in cell.splitlines()), default=0)
            if longest > self.line[i][0]:
                self.line[i] = (longest, cell)
            if longest > self.word[i][0]:  # a word is no longer than its line
                for word in cell.split():
                    n = self.cell_len(word)
                    if n > self.word[i][0]:
                        self.word[i] = (n, word)


def _console(out: TextIO, width: int) -> Any:
    from rich.console import Console

    return Console(file=out, width=width, force_terminal=False, color_system=None)


def _table(widths: list[int] | None, title: str | None, header: bool) -> Any:
    from rich.table import Table

    table = Table(title=title, show_lines=False, show_header=header)
    for i, col in enumerate(COLUMNS):
        table.add_column(col, overflow="fold", width=widths[i] if widths else None)
    return table


def _rendered(console_width: int, table: Any) -> list[str]:
    buf = io.StringIO()
    _console(buf, console_width).print(table)
    return buf.getvalue().splitlines(keepends=True)


def _widths(widest: _Widest, width: int) -> list[int] | None:
    """The column widths rich gives a table of every row measured by *widest*
    (None when it has none: the table is drawn as it comes)."""
    if not widest.rows:
        return None
    from rich.text import Text

    table = _table(None, None, True)
    table.add_row(*(Text(cell) for _, cell in widest.line))
    table.add_row(*(Text(word) for _, word in widest.word))
    top = next(line for line in _rendered(width, table) if line.strip())
    # "┏━━━━━━━┳━━━━┓": a column is its cells plus one space of padding each side
    return [len(part) - 2 for part in top.strip()[1:-1].split("┳")]


def _write(results: Callable[[], Iterable[dict[str, Any] | None]], checked: str | None,
           out: TextIO, width: int | None) -> dict[str, int]:
    """Write the table of *results* (None for a citation not checked yet).

    *results* is called twice for a table in columns: once to measure them,
    once to draw them (what the counts say is what was drawn, should a cycle
    write between the two readings)."""
    from rich.text import Text

    width = width or shutil.get_terminal_size((160, 24)).columns
    title = f"Citation check — {checked or 'never checked'}"
    console = _console(out, width)
    tally = Tally()
    if width < NARROW_TABLE:  # six columns would be too narrow to show a word
        console.print(Text(title))
        for result in tally.checked(results()):
            flags = f"; {' '.join(result['flags'])}" if result["flags"] else ""
            for line in (f"{result['status']} {result['http_status'] or ''} {result['url']}",
                         f"  {result['event']}{flags}", f"  {result['reason']}"):
                console.print(Text(line, overflow="fold"))
    else:
        widest = _Widest()
        for measured in results():
            if measured is not None:
                widest.add(measured)
        _draw(tally.checked(results()), _widths(widest, width), title, width, out)
    counts = tally.counts()
    summary = ", ".join(f"{n} {s}" for s, n in counts.items())
    console.print(f"{tally.results} citations: {summary or 'none'}")
    note = unchecked_note({"unchecked": tally.unchecked})
    if note:
        console.print(note)
    return counts


def _slices(results: Iterable[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    rows: list[dict[str, Any]] = []
    for result in results:
        rows.append(result)
        if len(rows) == ROWS_AT_ONCE:
            yield rows
            rows = []
    if rows:
        yield rows


def _draw(results: Iterable[dict[str, Any]], widths: list[int] | None, title: str,
          width: int, out: TextIO) -> None:
    """Draw the rows of *results* in slices: the first with the title and the
    header, each later one without its top border; the bottom border once."""
    from rich.text import Text

    bottom = ""
    first = True
    for rows in _slices(results):
        table = _table(widths, title if first else None, first)
        for result in rows:  # Text: what came from a page is not rich markup
            table.add_row(*(Text(cell) for cell in cells(result)))
        lines = _rendered(width, table)
        if not first:
            lines = lines[1:]
        out.writelines(lines[:-1])
        bottom = lines[-1]
        first = False
    if first:  # no row: the header alone
        out.writelines(_rendered(width, _table(None, title, True)))
    else:
        out.write(bottom)


def render_table(report: dict[str, Any], width: int | None = None) -> str:
    """A terminal table of *report*, as text: *width* columns wide, else the
    terminal's width (``COLUMNS`` when set), else 160; below
    :data:`NARROW_TABLE` columns, three lines a citation instead."""
    out = io.StringIO()
    unchecked: list[None] = [None] * int(report.get("unchecked") or 0)
    _write(lambda: [*report["results"], *unchecked], report["checked_at"], out, width)
    return out.getvalue()


def write_table(store: Store, out: TextIO, width: int | None = None) -> dict[str, int]:
    """Write the table of the store's report to *out* (as :func:`render_table`
    of its :func:`~archiver.report.build_report`); returns the counts by status."""
    return _write(lambda: iter_citation_results(store), checked_at(store), out, width)
