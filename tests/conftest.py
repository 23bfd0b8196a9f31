"""Shared fixtures: loopback sites, and an environment without proxies or a shared cache."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from .lab import Site


@pytest.fixture(autouse=True)
def _no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests talk to loopback servers only: no proxy may intercept them."""
    for name in list(os.environ):
        if name.lower() in {"http_proxy", "https_proxy", "all_proxy", "no_proxy"}:
            monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def _own_cache_home(monkeypatch: pytest.MonkeyPatch,
                    tmp_path_factory: pytest.TempPathFactory) -> None:
    """Caches (the replay's indexes) go to a folder of each test, never to ~/.cache;
    child processes (the replay) inherit it."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))


@pytest.fixture
def site() -> Iterator[Site]:
    with Site() as s:
        yield s
