"""How a command ends: its exit status, the message it says, and stop signals.

Every command is wrapped by :func:`handle_errors`, which turns archiver's own
exceptions (``exceptions.py``) into a message on standard error and an exit
status, and nothing else does: nobody sees a traceback for bad input. The
statuses::

    1    DamagedCopy    an archived copy that cannot be read back
    2    Failure        bad input or usage, an archive that cannot be read
    3    WriteFailure   the archive cannot be written (disk full, ...)
    130  Interrupted    Ctrl-C, SIGTERM or SIGHUP

(``run`` and ``check`` also exit 1 when a citation is dead, and 130 when their
cycle was stopped: ``cli.py`` decides those from the cycle's summary.)

Standard output that cannot be written (closed, a full device, a reader gone)
is a :class:`StdoutError`, told as a message with exit status 2, not as the
archive's failure (:func:`guard_standard_streams`, which ``main`` calls).

A cycle is stopped by Ctrl-C, SIGTERM or SIGHUP through :func:`until_signalled`
(what was checked is kept); outside the cycle, :func:`stops_interrupt` and the
command group (:class:`Commands`) make the same signals an interruption.

Example::

    @cli.command()
    @handle_errors
    def verify(archive: Path) -> None: ...
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import errno
import functools
import io
import os
import re
import signal
import sqlite3
import sys
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

import click

from .exceptions import ArchiveLockedError, ArchiverError, InputError, StorageError

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")


class Failure(click.ClickException):
    """An error for the user: bad input or usage, an archive that cannot be read
    (exit status 2)."""

    exit_code = 2

    def format_message(self) -> str:
        """The message, what it quotes of the input escaped where it is not printable
        (an escape sequence in a value would reach the terminal as one)."""
        return "\n".join(_CONTROLS.sub(lambda m: repr(m.group())[1:-1], line)
                         for line in self.message.split("\n"))


#: Characters that a terminal takes for commands, not text (tab aside).
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


class WriteFailure(Failure):
    """The archive cannot be written (exit status 3)."""

    exit_code = 3


class Interrupted(Failure):
    """Ctrl-C where no cycle stops by itself, at the start say (exit status 130, as a
    stopped cycle)."""

    exit_code = 130


class DamagedCopy(Failure):
    """An archived copy that cannot be read back (exit status 1)."""

    exit_code = 1


#: What a write that fails for want of room says (exit status 3).
_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


class StdoutError(OSError):
    """Standard output cannot be written: closed, a full device, a reader gone
    (exit status 2; not the archive's failure, as a full disk's exit status 3 says)."""


class _StandardOutput(io.FileIO):
    """File descriptor 1, whose write errors are :class:`StdoutError`. After the
    first, what is written is dropped: it can reach no one, and Python's flush at
    exit stays silent."""

    def __init__(self, closed: bool) -> None:
        super().__init__(1, "w", closefd=False)
        self.gone = False
        self.was_closed = closed  # when the command started (`archiver report >&-`)

    def write(self, data: Any) -> int:
        if self.gone:
            return len(memoryview(data))
        self.gone = self.was_closed
        if self.was_closed:
            raise StdoutError(errno.EBADF, "standard output is closed: nothing can be "
                              "written to it (send it to /dev/null to discard it)")
        try:
            return super().write(data)
        except OSError as exc:
            self.gone = True
            raise StdoutError(exc.errno, "cannot write to standard output: "
                              f"{exc.strerror or exc}") from None


def stdout_closed() -> bool:
    """Whether standard output was closed when the command started (``>&-``)."""
    raw = getattr(getattr(sys.stdout, "buffer", None), "raw", None)
    return isinstance(raw, _StandardOutput) and raw.was_closed


def guard_standard_streams() -> None:
    """Make standard streams closed at the start (``>&-``) /dev/null, so that
    no file archiver opens (a WARC file) takes their number, for a child process
    to write into; and make a write to standard output that fails a
    :class:`StdoutError`, whatever writes it."""
    closed = []
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            os.set_inheritable(os.open(os.devnull, os.O_RDWR), True)  # the lowest free: fd
            closed.append(fd)
    old = sys.stdout
    encoding = getattr(old, "encoding", None) or "utf-8"
    if codecs.lookup(encoding).name == "ascii":  # a locale that says none (C): UTF-8, as
        encoding = "utf-8"                        # click writes what it echoes
    raw = _StandardOutput(closed=1 in closed)
    sys.stdout = io.TextIOWrapper(
        io.BufferedWriter(raw), encoding=encoding,
        errors=getattr(old, "errors", None) or "strict",
        line_buffering=getattr(old, "line_buffering", False),
        write_through=getattr(old, "write_through", False))


def _flush_stdout() -> None:
    """What the command left in the buffer of standard output, written while its
    failure can still be told (not by Python as it exits, with a traceback)."""
    if sys.stdout is not None:
        sys.stdout.flush()


def handle_errors(fn: F) -> F:
    """Turn archiver's own exceptions into messages and exit statuses."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            try:
                done = fn(*args, **kwargs)
            except SystemExit:
                _flush_stdout()
                raise
            _flush_stdout()
            return done
        except StdoutError as exc:
            raise Failure(str(exc.strerror)) from None
        except UnicodeEncodeError as exc:  # a report, in the encoding standard output has
            said = exc.object[exc.start:min(exc.end, exc.start + 20)]
            raise Failure(f"cannot write {said!r} to standard output, whose encoding is "
                          f"{exc.encoding}: set PYTHONIOENCODING=utf-8") from None
        except InputError as exc:
            raise Failure(str(exc)) from None
        except ArchiveLockedError as exc:
            raise Failure(str(exc)) from None
        except StorageError as exc:
            raise WriteFailure(f"the archive cannot be written: {exc}") from None
        except ArchiverError as exc:
            raise Failure(str(exc)) from None
        except KeyboardInterrupt:  # Ctrl-C before a cycle set its own handler
            raise Interrupted("interrupted") from None
        except sqlite3.DatabaseError as exc:  # a damaged or foreign archiver.db
            raise Failure(f"the archive database cannot be read: {exc} (is it an archiver "
                          "archive, and undamaged? `archiver verify` checks the WARC files)"
                          ) from None
        except OSError as exc:  # a path that cannot be (a name too long, a file for a folder)
            where = f"{exc.filename}: " if exc.filename else ""
            said = f"{where}{exc.strerror or exc}"
            if isinstance(exc, FileExistsError):  # made as a folder: a file is in its place
                said = f"{where}not a folder, where the archive has one ({exc.strerror})"
            if exc.errno in _FULL_ERRNOS:
                raise WriteFailure(f"the archive cannot be written: {said}") from None
            raise Failure(said) from None

    return wrapper  # type: ignore[return-value]


class Commands(click.Group):
    """The command group, which takes a Ctrl-C while it reads the command line
    for an interruption (exit status 130), where click says "Aborted!" and
    exits with 1; and standard output that cannot take ``--help`` or
    ``--version`` for exit status 2 and a message, as for every command, where
    click exits with 1 and says nothing when its reader is gone."""

    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        with _said_as_ours():
            return super().make_context(*args, **kwargs)

    def invoke(self, ctx: click.Context) -> Any:
        with _said_as_ours():  # (a command's own errors are said by handle_errors)
            return super().invoke(ctx)


@contextlib.contextmanager
def _said_as_ours() -> Iterator[None]:
    """A Ctrl-C and a standard output that cannot be written, in click's own
    reading of the command line (``--help``, ``--version``), told as every
    command tells them."""
    try:
        yield
    except KeyboardInterrupt:
        raise Interrupted("interrupted") from None
    except StdoutError as exc:
        raise Failure(str(exc.strerror)) from None


def tell(message: str) -> None:
    """*message* on standard error, when it can still be written (a closed
    terminal or pipe does not turn a cycle's exit status into a failure's)."""
    try:
        click.echo(message, err=True)
    except (OSError, ValueError):
        pass


async def until_signalled(cycle: Callable[..., Awaitable[T]]) -> T:
    """*cycle* (``run_cycle`` but for its ``stop``), stopped by Ctrl-C, SIGTERM or
    SIGHUP (its terminal closed) as the worker is: no new request, the ones in
    flight finished, what was checked committed (an interrupted cycle is resumed
    by the next one)."""
    from .eventloop import restore_signals, stop_signals

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    previous: dict[signal.Signals, Any] = {sig: signal.getsignal(sig) for sig in stop_signals()}
    for sig in previous:
        loop.add_signal_handler(sig, stop.set)
    try:
        return await cycle(stop=stop)
    finally:
        for sig in previous:
            loop.remove_signal_handler(sig)  # (which sets the default handler)
        restore_signals(previous)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


@contextlib.contextmanager
def stops_interrupt() -> Iterator[None]:
    """SIGTERM and SIGHUP stop a command as Ctrl-C does (exit 130, a message, no
    traceback) outside the cycle, which sets its own handlers: while the archive
    is opened, and while the report is written."""
    from .eventloop import restore_signals, stop_signals

    previous: dict[signal.Signals, Any] = {
        sig: signal.getsignal(sig) for sig in stop_signals() if sig != signal.SIGINT}
    for sig in previous:
        signal.signal(sig, _interrupt)
    try:
        yield
    finally:
        restore_signals(previous)
