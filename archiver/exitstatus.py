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
import contextlib
import errno
import functools
import signal
import sqlite3
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


def handle_errors(fn: F) -> F:
    """Turn archiver's own exceptions into messages and exit statuses."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
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
            if exc.errno in _FULL_ERRNOS:
                raise WriteFailure(f"the archive cannot be written: {said}") from None
            raise Failure(said) from None

    return wrapper  # type: ignore[return-value]


class Commands(click.Group):
    """The command group, which takes a Ctrl-C while it reads the command line
    for an interruption (exit status 130), where click says "Aborted!" and
    exits with 1."""

    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        try:
            return super().make_context(*args, **kwargs)
        except KeyboardInterrupt:
            raise Interrupted("interrupted") from None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            raise Interrupted("interrupted") from None


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
