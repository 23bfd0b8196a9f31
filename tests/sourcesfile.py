"""Write sources.yaml files for tests (the format of the contract, section 2)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from archiver.settings import Settings


def write_sources(path: Path, events: list[dict[str, Any]], **report: str) -> Path:
    """Write *events* (each with id, date, country, sources, ...) as a sources file."""
    data: dict[str, Any] = {}
    if report:
        data["report"] = report
    data["events"] = events
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def one_event_per_url(urls: list[str], *, date: str = "2016-05-01",
                      country: str = "Malaysia") -> list[dict[str, Any]]:
    return [{"id": f"event-{i}", "date": date, "country": country, "sources": [u]}
            for i, u in enumerate(urls)]


def lab_settings(timeout: float = 5.0) -> Settings:
    """Settings for a run over loopback sites: private addresses allowed, no delays,
    one try per request."""
    s = Settings()
    s.fetch.allow_private = True
    s.fetch.per_host_delay = 0.0
    s.fetch.timeout = timeout
    s.fetch.retries = 1
    s.fetch.backoff = 0.0
    return s
