"""Shared fixtures: loopback sites, and an environment without proxies."""

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


@pytest.fixture
def site() -> Iterator[Site]:
    with Site() as s:
        yield s
