"""Progress of a cycle: a bar on a terminal, one plain line per citation when piped."""

from __future__ import annotations

import io

from archiver.models import CheckOutcome
from archiver.progress import Progress


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _outcome(i: int) -> CheckOutcome:
    return CheckOutcome("e1", f"http://127.0.0.1/news/{i}", "alive", "200 OK", 200, None)


def test_piped_progress_prints_one_line_per_citation() -> None:
    out = io.StringIO()
    with Progress(out) as progress:
        progress.update("start", None, 2)
        progress.update("result", _outcome(1))
        progress.update("result", _outcome(2))
    assert out.getvalue().splitlines() == [
        "[1/2] alive       200 http://127.0.0.1/news/1",
        "[2/2] alive       200 http://127.0.0.1/news/2",
    ]


def test_a_terminal_gets_a_bar_not_lines() -> None:
    out = _Terminal()
    with Progress(out) as progress:
        progress.update("start", None, 2)
        progress.update("result", _outcome(1))
        assert progress._bar is not None
        progress._bar.refresh()
        drawn = out.getvalue()
        progress.update("result", _outcome(2))
    assert "checking" in drawn and "1/2" in drawn, drawn
    assert "[1/2] alive" not in out.getvalue()  # no plain lines on a terminal
