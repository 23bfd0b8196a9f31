"""A cycle reads what it checks from the database, a few URLs at a time: it holds
neither the sources nor a value per citation while it runs."""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import textwrap
import weakref
from pathlib import Path
from typing import Any

import pytest

from archiver import pipeline
from archiver import sources as sources_module
from archiver.cli import cli
from archiver.models import Citation, Sources
from archiver.pipeline import run_cycle
from archiver.settings import Settings
from archiver.sources import load_sources, parse_sources
from archiver.storeopen import open_store
from archiver.worklist import Subjects, Worklist

from .lab import Site
from .sourcesfile import lab_settings, one_event_per_url, write_sources

#: URLs of the cycles below (every one answered by the lab site's small 404
#: page: no probe, a short cycle), and the URL at which a cycle is looked into.
URLS = 600
LOOK_AT = URLS // 2
#: Requests in flight to the one lab site (its threads answer them at once).
PER_HOST = 16


def _look_into_cycles(monkeypatch: pytest.MonkeyPatch,
                      sources: list[weakref.ref[Sources]]) -> dict[str, Any]:
    """At the LOOK_AT-th URL a cycle takes in hand: whether the sources the
    cycle was given (*sources*, filled as they are read) are still alive, and
    how many citations live in the process."""
    seen: dict[str, Any] = {}
    process = pipeline.Cycle.process
    calls = [0]

    async def looked_into(self: pipeline.Cycle, url: str, *args: Any) -> None:
        calls[0] += 1
        if calls[0] == LOOK_AT:
            gc.collect()
            seen["sources alive"] = [ref() is not None for ref in sources]
            seen["citations"] = sum(1 for o in gc.get_objects() if type(o) is Citation)
        await process(self, url, *args)

    monkeypatch.setattr(pipeline.Cycle, "process", looked_into)
    return seen


def _settings() -> Settings:
    settings = lab_settings()
    settings.fetch.per_host_concurrency = PER_HOST
    return settings


def _sources_file(site: Site, tmp_path: Path) -> Path:
    urls = [site.url(f"/news/{i}") for i in range(URLS)]
    (tmp_path / "archiver.toml").write_text(f"[fetch]\nper_host_concurrency = {PER_HOST}\n")
    return write_sources(tmp_path / "sources.yaml", one_event_per_url(urls),
                         title="Deportations", subject="Taiwan")


def test_a_cycle_lets_its_sources_go_and_holds_the_citations_in_hand_only(
        site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _sources_file(site, tmp_path)
    sources = load_sources(path)
    refs = [weakref.ref(sources)]
    seen = _look_into_cycles(monkeypatch, refs)
    cycle = run_cycle(sources, archive=tmp_path / "archive", settings=_settings())
    del sources  # handed over: only the cycle has them
    summary = asyncio.run(cycle)
    assert summary.checked == URLS and summary.counts == {"dead": URLS}
    assert seen["sources alive"] == [False]
    # those of the URLs in flight (2 x fetch.concurrency) and of the rows not
    # yet committed (at most 64 URLs'), not one per citation
    assert seen["citations"] < URLS // 2, seen


def test_archiver_run_hands_its_sources_over_to_the_cycle(
        site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    path = _sources_file(site, tmp_path)
    refs: list[weakref.ref[Sources]] = []
    load = sources_module.load_sources

    def loaded(where: Path) -> Sources:
        found = load(where)
        refs.append(weakref.ref(found))
        return found

    monkeypatch.setattr(sources_module, "load_sources", loaded)
    seen = _look_into_cycles(monkeypatch, refs)
    monkeypatch.setattr(gc, "freeze", lambda: None)  # (what the command does as it exits)
    with pytest.raises(SystemExit) as ended:
        cli.main(args=["run", "--sources", str(path), "--archive", str(tmp_path / "archive"),
                       "--allow-private", "--per-host-delay", "0", "--format", "json"],
                 prog_name="archiver", standalone_mode=False)
    assert ended.value.code == 1  # every citation dead
    assert capsys.readouterr().out.count('"status": "dead"') == URLS
    assert seen["sources alive"] == [False]
    assert seen["citations"] < URLS // 2, seen


SOURCES = """\
    report:
      title: Deportations
      subject: Taiwan
    events:
      - id: first
        date: 2016-05-01
        country: Malaysia
        count: 32
        mechanism: deportation
        reason: fraud
        sources:
          - http://127.0.0.1:9/a#top
          - url: http://127.0.0.1:9/%7Eb
            printed: http://127.0.0.1:9/~b?utm=x
      - id: second
        date: null
        country: Kenya
        sources:
          - http://127.0.0.1:9/c
          - HTTP://127.0.0.1:9/a
          - http://127.0.0.1:9/~b
      - id: third
        country: Kenya
        sources: [http://127.0.0.1:9/c#again]
"""


def _listed(work: Worklist) -> list[tuple[str, list[tuple[Any, ...]]]]:
    return [(url, [(c.event_id, c.url, c.printed, e.id, e.date, e.country, e.count,
                    e.mechanism, e.reason, e.line, e.subject)
                   for c, e in zip(cited.citations, cited.events, strict=True)])
            for url, cited in work]


def test_the_worklist_is_the_sources_by_request_in_file_order(tmp_path: Path) -> None:
    sources = parse_sources(textwrap.dedent(SOURCES), tmp_path / "s.yaml")
    store = open_store(tmp_path / "archive")
    try:
        store.sync_sources(sources)
        work = Worklist(store, Subjects(sources))
        events = {e.id: (e.id, e.date, e.country, e.count, e.mechanism, e.reason, e.line,
                         e.subject) for e in sources.events}
        first, second, third = events["first"], events["second"], events["third"]
        assert first[1:4] == (dt.date(2016, 5, 1), "Malaysia", 32) and first[-1] == ("Taiwan",)
        # one URL a request, asked for as its first citation writes it, in the
        # order of the first citations; each citation with its own URL, and its
        # event as the sources give it
        assert len(work) == 3 and work.citations == 6
        assert _listed(work) == [
            ("http://127.0.0.1:9/a", [("first", "http://127.0.0.1:9/a#top", None, *first),
                                      ("second", "HTTP://127.0.0.1:9/a", None, *second)]),
            ("http://127.0.0.1:9/%7Eb", [
                ("first", "http://127.0.0.1:9/%7Eb", "http://127.0.0.1:9/~b?utm=x", *first),
                ("second", "http://127.0.0.1:9/~b", None, *second)]),
            ("http://127.0.0.1:9/c", [("second", "http://127.0.0.1:9/c", None, *second),
                                      ("third", "http://127.0.0.1:9/c#again", None, *third)]),
        ]

        # a resumed cycle leaves out what it checked: a URL is asked for as the
        # first of its citations left writes it
        cycle_id = store.start_cycle(tmp_path / "s.yaml", 1)
        with store.transaction():
            for event_id, url in (("first", "http://127.0.0.1:9/a#top"),
                                  ("second", "http://127.0.0.1:9/~b"),
                                  ("first", "http://127.0.0.1:9/%7Eb")):
                store.record_check({
                    "cycle_id": cycle_id, "event_id": event_id, "url": url,
                    "checked_at": "2026-11-27T10:00:00Z", "status": "alive", "rule": "ok",
                    "reason": "", "http_status": 200, "final_url": None, "headline": None,
                    "published": None, "flags": "[]", "fetch_id": None, "capture_id": None,
                    "consecutive_failures": 0, "first_failure_at": None})
        left = Worklist(store, Subjects(sources), checked_in=cycle_id)
        assert len(left) == 2 and left.citations == 3
        assert [(url, [c[:2] for c in cited]) for url, cited in _listed(left)] == [
            ("http://127.0.0.1:9/c", [("second", "http://127.0.0.1:9/c"),
                                      ("third", "http://127.0.0.1:9/c#again")]),
            ("http://127.0.0.1:9/a", [("second", "HTTP://127.0.0.1:9/a")]),
        ]
    finally:
        store.close()
