"""One writer per archive.

The archive folder itself is held with an exclusive ``flock`` for as long as a
process writes (``run``, ``check``, ``worker``). The kernel drops the lock when
the holder dies, even by ``kill -9``, so a stale lock is simply taken over.
``archive/archiver.lock`` names the holder (pid, host, start time, command) for
the message a second writer gets; like every file in the archive it is never
rewritten in place: a new file is renamed over it.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import sys
from pathlib import Path
from types import TracebackType
from typing import Any

from .exceptions import ArchiveLockedError, InputError, StorageError
from .files import read_file
from .store import iso, now_utc
from .storeopen import DB_FILENAME

LOCK_FILENAME = "archiver.lock"


def read_holder(path: Path) -> dict[str, Any]:
    try:  # (a FIFO in its place would be waited on for ever: read_file refuses it)
        data = json.loads(read_file(path, 1 << 16).decode("utf-8") or "{}")
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


class ArchiveLock:
    """An exclusive, non-blocking lock on an archive folder."""

    def __init__(self, archive: Path, command: str = "") -> None:
        self.archive = archive
        self.path = archive / LOCK_FILENAME
        self.command = command or " ".join(os.path.basename(a) for a in sys.argv[:2])
        self._fd: int | None = None
        self.took_over: dict[str, Any] | None = None

    def acquire(self) -> ArchiveLock:
        for above in Path(os.path.realpath(self.archive)).parents:
            # its folders are the other archive's: a cycle there empties tmp/, and
            # indexes every file of warc/
            if (above / DB_FILENAME).is_file():
                raise InputError(f"--archive {self.archive}: that is inside the archive "
                                 f"{above}, which its own cycles write to")
        try:
            self.archive.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.archive, os.O_RDONLY | os.O_DIRECTORY)
        except (FileExistsError, NotADirectoryError) as exc:  # a file where a folder goes
            raise InputError(f"--archive {self.archive}: not a folder ({exc.strerror})"
                             ) from exc
        except OSError as exc:
            raise StorageError(f"cannot create the lock file {self.path}: {exc}",
                               path=self.path) from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            holder = read_holder(self.path)
            who = (f"pid {holder.get('pid', '?')} on {holder.get('host', '?')},"
                   f" started {holder.get('started', '?')}"
                   + (f" ({holder['command']})" if holder.get("command") else ""))
            raise ArchiveLockedError(
                f"the archive {self.archive} is in use by another archiver process ({who});"
                " only one process may write to an archive at a time", holder) from None
        previous = read_holder(self.path)
        if previous.get("pid") and previous.get("pid") != os.getpid():
            self.took_over = previous  # its holder died without releasing the file
        info = {"pid": os.getpid(), "host": socket.gethostname(), "started": iso(now_utc()),
                "command": self.command}
        tmp = self.path.with_name(f"{LOCK_FILENAME}.{os.getpid()}.tmp")
        try:
            tmp.write_text(json.dumps(info), encoding="utf-8")
            os.replace(tmp, self.path)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
            if self.path.is_dir():  # a folder in its place: the archive's layout, not the disk
                raise InputError(f"{self.path} is a folder, where the lock file goes") from exc
            raise StorageError(f"cannot write the lock file {self.path}: {exc}",
                               path=self.path) from exc
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is None:
            return
        try:
            self.path.unlink(missing_ok=True)
        except OSError:
            pass
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None

    def __enter__(self) -> ArchiveLock:
        return self.acquire()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.release()
