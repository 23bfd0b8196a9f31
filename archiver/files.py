"""A file a user names (the sources file, the settings file, a saved page), read
whole but bounded: a regular file of at most so many bytes, never a device or a
pipe, which could be read for ever; and one written (``get --output``) through
a temporary file renamed into place, or into a device or a pipe as it is.

Example::

    try:
        data = read_file(path, limit=256 << 20)
    except NotAFile as exc:    # exc.kind: "a directory", "a device", ...
        ...
    except TooLarge:
        ...
"""

from __future__ import annotations

import errno
import io
import os
import stat
import sys
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

__all__ = ["NotAFile", "TooLarge", "kind_of", "open_regular", "read_file"]

_KINDS = {stat.S_IFDIR: "a directory", stat.S_IFIFO: "a pipe (FIFO)",
          stat.S_IFCHR: "a device", stat.S_IFBLK: "a device", stat.S_IFSOCK: "a socket"}


class NotAFile(ValueError):
    """The path names something other than a regular file (*kind* says what)."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


class TooLarge(ValueError):
    """The file holds more than the limit."""


def read_file(path: Path, limit: int) -> bytes:
    """The bytes of *path*, a regular file of at most *limit* bytes.

    Raises :class:`NotAFile`, :class:`TooLarge`, or the ``OSError`` of the
    file system (a missing file included). The type is checked before the
    file is opened (opening a FIFO waits for a writer), and reading stops past
    the limit should the file grow or be swapped for a device meanwhile.
    """
    info = os.stat(path)
    if not stat.S_ISREG(info.st_mode):
        raise NotAFile(_KINDS.get(stat.S_IFMT(info.st_mode), "something else"))
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    chunks: list[bytes] = []
    size, want = 0, info.st_size + 1  # all of it in one read, as a rule
    if info.st_size <= limit:  # a larger file is refused unread
        with open(os.open(path, flags), "rb", buffering=0) as file:
            while size <= limit and (chunk := file.read(want)):
                chunks.append(chunk)
                size, want = size + len(chunk), 1 << 20
    if max(size, info.st_size) > limit:
        raise TooLarge(f"larger than {limit} bytes")
    return b"".join(chunks)  # one chunk is returned as it is, not copied


def kind_of(mode: int) -> str:
    """What a file of *mode* (``st_mode``) is: "a directory", "a pipe (FIFO)", ..."""
    return "a regular file" if stat.S_ISREG(mode) else \
        _KINDS.get(stat.S_IFMT(mode), "something else")


def open_regular(path: Path) -> io.BufferedReader:
    """*path* opened for reading, when it is a regular file: a pipe or a device
    in an archive file's place would be read for ever (a FIFO waited on as it is
    opened: it is opened without waiting). Anything else is an ``OSError``
    (EINVAL) naming what it is, as a missing file is one (ENOENT)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise OSError(errno.EINVAL, f"not a regular file but {kind_of(mode)}", str(path))
        os.set_blocking(fd, True)
        return open(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def size_or_missing(path: Path) -> int:
    """The size of the file at *path* in bytes; -1 when it is not there (or
    cannot be looked at)."""
    try:
        return os.stat(path).st_size
    except OSError:
        return -1


def write_into(output: Path | None, write: Callable[[BinaryIO], object]) -> None:
    """Run *write* on the file *output* names (``get --output``): through a
    temporary file renamed into place once it has returned, into a device or a
    pipe as it is, or on standard output (*output* None). What ``get`` writes
    is checked before anything is written (see :mod:`archiver.retrieval`).

    On any error *output* is left as it was and nothing reaches standard output.
    """
    if output is None:
        write(sys.stdout.buffer)
        sys.stdout.buffer.flush()
        return
    if output.exists() and not output.is_file():  # a device or a pipe: written as it is
        with open(output, "wb") as fh:
            write(fh)
        return
    tmp = output.with_name(f".{output.name}.{os.getpid()}.part")
    try:
        with open(tmp, "wb") as fh:
            write(fh)
        tmp.replace(output)
    finally:
        tmp.unlink(missing_ok=True)
