"""The stored form of a first snapshot's page (the baselines table)."""

from __future__ import annotations

import datetime as dt
import json
import zlib

import pytest

from archiver.models import PageInfo
from archiver.store import page_blob, page_from_blob

PAGES = [
    PageInfo(kind="html", headline="Kenya deports 45 Taiwanese", published=dt.date(2019, 4, 12),
             title="Kenya deports 45 Taiwanese | News", h1="Kenya deports 45 Taiwanese",
             text="First paragraph.\nSecond paragraph, with a \"quote\" and a tab\t.\n\n"
                  "Third: 台灣 — 45 人遭遣返。\u2028 after a line separator",
             lang="en", charset="utf-8", canonical="https://example.org/a",
             meta_refresh=None, og_type="article", link_count=87, has_password_field=False),
    PageInfo(kind="pdf", headline=None, published=None, text=""),
    PageInfo(kind="html", headline="Only a headline\nwith a newline", text="\n\nleading newlines"),
]


@pytest.mark.parametrize("page", PAGES)
def test_page_blob_round_trip(page):
    assert page_from_blob(page_blob(page)) == page


@pytest.mark.parametrize("page", PAGES)
def test_page_blob_is_plain_zlib(page):
    """Any zlib reads the stored page back (ISA-L writes the same format)."""
    raw = zlib.decompress(page_blob(page))
    head, _, text = raw.partition(b"\n")
    assert json.loads(head)["headline"] == page.headline
    assert text.decode("utf-8") == page.text


@pytest.mark.parametrize("page", PAGES)
def test_older_blobs_still_read(page):
    """Baselines stored before the text was kept apart: one JSON object."""
    data = {k: getattr(page, k) for k in PageInfo.__dataclass_fields__}
    if page.published is not None:
        data["published"] = page.published.isoformat()
    old = zlib.compress(json.dumps(data, ensure_ascii=False).encode("utf-8"), 1)
    assert b"\n" not in zlib.decompress(old)
    assert page_from_blob(old) == page
