"""Exceptions of archiver.

The tree::

    ArchiverError
    ├── InputError             bad input from the user: exit status 2
    │   ├── SourcesError       sources.yaml (.path, .line)
    │   ├── SettingsError      archiver.toml (.path, .line)
    │   └── NotArchivedError   `get` for a URL never captured (.url)
    ├── ArchiveLockedError     another process holds the archive (.holder)
    └── StorageError           the archive cannot be written (disk full, ...) (.path)

A failed *fetch* is not an exception: it is a ``FetchResult`` with an
``error`` kind, decided from the httpx exception type in ``fetcherrors.py``.
"""

from __future__ import annotations

from pathlib import Path


class ArchiverError(Exception):
    """Base of every error archiver raises on purpose."""


class InputError(ArchiverError):
    """Bad input: a message for the user, exit status 2, nothing written."""

    def __init__(self, message: str, *, path: Path | str | None = None,
                 line: int | None = None) -> None:
        self.message = message
        self.path = Path(path) if path is not None else None
        self.line = line
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = str(self.path)
            if self.line is not None:
                where += f":{self.line}"
            where += ": "
        return where + self.message


class SourcesError(InputError):
    """sources.yaml is not valid."""


class SettingsError(InputError):
    """The settings file is not valid."""


class NotArchivedError(InputError):
    """No capture of this URL exists."""

    def __init__(self, url: str, message: str | None = None) -> None:
        self.url = url
        super().__init__(message or f"{url}: never captured in this archive")


class ArchiveLockedError(ArchiverError):
    """Another process is writing to this archive."""

    def __init__(self, message: str, holder: dict[str, object] | None = None) -> None:
        self.holder = holder or {}
        super().__init__(message)


class StorageError(ArchiverError):
    """The archive cannot be written (disk full, permissions)."""

    def __init__(self, message: str, path: Path | str | None = None) -> None:
        self.path = Path(path) if path is not None else None
        super().__init__(message)
