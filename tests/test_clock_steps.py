"""A wall clock set wrong, then put right (a small server's clock corrected by
NTP): the captures made while it was ahead are dated ahead of those made
after, and "the latest capture" is still the last one made.

libfaketime sets the clock of one ``archiver run`` a year ahead.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from .lab import Site, news_page
from .sourcesfile import one_event_per_url, write_sources
from .test_schedule import ROOT, archiver_cmd, common_args, query
from .test_schedule_catchup import FAKETIME


def _run(*args: str, ahead: bool = False) -> subprocess.CompletedProcess[bytes]:
    env = dict(os.environ)
    if ahead:
        assert FAKETIME is not None
        env.update(LD_PRELOAD=str(FAKETIME), FAKETIME="+365d", FAKETIME_DONT_FAKE_MONOTONIC="1")
    return subprocess.run(archiver_cmd(*args), capture_output=True, timeout=120, cwd=ROOT,
                          env=env)


@pytest.mark.skipif(FAKETIME is None, reason="libfaketime is not installed (.ci/run installs it)")
def test_the_latest_capture_is_the_last_made_after_the_clock_went_back(
        tmp_path: Path, site: Site) -> None:
    """The page captured with the clock a year ahead stayed "the latest" until that
    date came: the changed page was stored in full at every cycle instead of as
    a revisit, and `get` served the old copy."""
    site.page("/news/a", news_page("Kenya deports 45 Taiwanese to China",
                                   "The first version of the story.", published="2016-04-12"))
    sources = write_sources(tmp_path / "sources.yaml",
                            one_event_per_url([site.url("/news/a")]))
    archive = tmp_path / "archive"
    first = _run("run", *common_args(sources, archive), ahead=True)
    assert first.returncode == 0, first.stderr
    site.page("/news/a", news_page("Kenya deports 45 Taiwanese to China",
                                   "The second version of the story, corrected.",
                                   published="2016-04-12"))
    for _ in range(2):  # on the right clock: the new page, then the same page again
        again = _run("run", *common_args(sources, archive))
        assert again.returncode == 0, again.stderr
    kinds = query(archive, "SELECT record_type, fetched_at FROM captures WHERE url = ? "
                  "ORDER BY id", (site.url("/news/a"),))
    assert [kind for kind, _ in kinds] == ["response", "response", "revisit"], kinds
    assert kinds[0][1] > kinds[2][1]  # the first dated a year ahead of the last
    got = _run("get", site.url("/news/a"), "--archive", str(archive))
    assert got.returncode == 0, got.stderr
    assert b"The second version of the story" in got.stdout
    # the dashboard compares the first snapshot with the last capture made
    from archiver.storeopen import open_store
    from archiver.web.model import citation_model

    store = open_store(archive, readonly=True)
    try:
        (cid,) = [row[0] for row in store.conn.execute("SELECT id FROM citations")]
        model = citation_model(store, archive / "warc", cid, "http://127.0.0.1:1/replay")
        last = max(row[0] for row in store.conn.execute("SELECT id FROM captures"))
    finally:
        store.close()
    assert model is not None and model["diff"]["latest_capture_id"] == last
    assert not model["diff"]["identical"]
