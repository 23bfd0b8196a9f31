"""Progress of a cycle: a bar on a terminal, plain lines when piped.

Progress is only told: a stream that can no longer be written (a closed pipe,
a closed terminal) ends it, silently, and never the cycle, whose results and
report do not depend on it.
"""

from __future__ import annotations

from types import TracebackType
from typing import IO, TYPE_CHECKING, Any

from .models import CheckOutcome

if TYPE_CHECKING:
    from rich.progress import Progress as RichProgress


class Progress:
    """Receives pipeline events; draws a bar on a TTY or prints one line per citation."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self.total = 0
        self.done = 0
        self._bar: RichProgress | None = None
        self._task: Any = None
        self.gone = False  # the stream could not be written: nothing more is told

    def __enter__(self) -> Progress:
        if self.tty:  # rich only for a terminal: a piped run (cron, a service) starts sooner
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
            from rich.progress import Progress as RichProgress

            class _Console(Console):
                def on_broken_pipe(self) -> None:
                    # rich's own way, for a console on standard output, is to put
                    # /dev/null in place of standard output and exit 1: the report
                    # would be lost and the exit status a dead link's
                    self.quiet = True

            self._bar = RichProgress(
                TextColumn("[bold]checking"), BarColumn(), MofNCompleteColumn(),
                TimeElapsedColumn(), TextColumn("{task.fields[last]}", markup=False),
                console=_Console(file=self.stream), transient=True)
            self._bar.__enter__()
            self._task = self._bar.add_task("check", total=None, last="")
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._bar is not None:
            try:
                self._bar.__exit__(exc_type, exc, tb)
            except (OSError, ValueError):  # the terminal is gone
                self.gone = True

    def update(self, kind: str, outcome: CheckOutcome | None, total: int | None = None) -> None:
        if self.gone:
            return
        try:
            self._update(kind, outcome, total)
        except (OSError, ValueError):  # a closed pipe or terminal (ValueError: a closed file)
            self._give_up()

    def _give_up(self) -> None:
        """No more progress: its stream cannot be written."""
        self.gone = True
        bar, self._bar = self._bar, None
        if bar is not None:
            try:
                bar.stop()  # its refresh thread first, then a last drawing, which fails
            except (OSError, ValueError):
                pass

    def _update(self, kind: str, outcome: CheckOutcome | None, total: int | None) -> None:
        if kind == "start":
            if total is not None:
                self.total = total
            if self._bar is not None:
                self._bar.update(self._task, total=self.total or None)
            return
        if outcome is None:
            return
        self.done += 1
        if self._bar is not None:
            self._bar.update(self._task, advance=1, last=f"{outcome.status} {outcome.url[:36]}")
        else:
            of = f"/{self.total}" if self.total else ""
            code = outcome.http_status if outcome.http_status is not None else "-"
            self.stream.write(f"[{self.done}{of}] {outcome.status:11} {code} {outcome.url}\n")
            self.stream.flush()
