"""Unchanged pages cost a revisit record, not a second copy; a changed page is captured in full.

Measured over a loopback site of 50 articles: the WARC bytes and the database
bytes a second, unchanged run adds, per citation. Also the citation timeline
(``archiver report --timeline``), which shows those captures.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from warcio.archiveiterator import ArchiveIterator

from .lab import Site, news_page
from .sourcesfile import one_event_per_url, write_sources
from .test_schedule import common_args, news_site, query, run_archiver

PAGES = 50
WARC_BYTES_PER_UNCHANGED = 2048


def warc_bytes(archive: Path) -> int:
    return sum(p.stat().st_size for p in (archive / "warc").glob("*.warc.gz"))


def folder_bytes(archive: Path) -> int:
    """Everything under archive/: WARC files, the database, the lock file."""
    return sum(p.stat().st_size for p in archive.rglob("*") if p.is_file())


def db_bytes(archive: Path) -> int:
    return sum(p.stat().st_size for p in archive.glob("archiver.db*"))


def captures_of_cycle(archive: Path, cycle: int) -> dict[str, tuple[Any, ...]]:
    rows = query(archive, "SELECT c.url, c.record_type, c.warc_file, c.warc_offset,"
                          " c.payload_digest, c.refers_to FROM captures c"
                          " JOIN fetches f ON f.id = c.fetch_id WHERE f.cycle_id = ?", (cycle,))
    return {r[0]: r for r in rows}


def read_record(archive: Path, name: str, offset: int) -> tuple[str, dict[str, str], bytes]:
    with (archive / "warc" / name).open("rb") as fh:
        fh.seek(offset)
        record = next(iter(ArchiveIterator(fh)))
        headers = dict(record.rec_headers.headers)
        return record.rec_type, headers, record.content_stream().read()


def test_unchanged_pages_become_small_revisits(tmp_path: Path, site: Site) -> None:
    urls = news_site(site, PAGES)
    sources = write_sources(tmp_path / "sources.yaml", one_event_per_url(urls))
    archive = tmp_path / "archive"
    args = common_args(sources, archive)

    first = run_archiver("run", *args)
    assert first.returncode == 0, first.stderr
    w1, d1, a1 = warc_bytes(archive), db_bytes(archive), folder_bytes(archive)
    full = captures_of_cycle(archive, 1)
    assert {r[1] for r in full.values()} == {"response"} and len(full) == PAGES

    second = run_archiver("run", *args)
    assert second.returncode == 0, second.stderr
    w2, d2, a2 = warc_bytes(archive), db_bytes(archive), folder_bytes(archive)
    again = captures_of_cycle(archive, 2)
    assert {r[1] for r in again.values()} == {"revisit"} and len(again) == PAGES
    per_warc = (w2 - w1) / PAGES
    per_db = (d2 - d1) / PAGES
    print(f"\nfirst run: {w1} WARC bytes ({w1 / PAGES:.0f} per page), {d1} database bytes; "
          f"unchanged re-check: {per_warc:.0f} WARC bytes and {per_db:.0f} database bytes "
          "per citation")
    assert per_warc <= WARC_BYTES_PER_UNCHANGED
    # the whole archive folder, database included, grows by at most 2 KB per citation
    assert (a2 - a1) / PAGES <= 2048, (a2 - a1) / PAGES
    assert per_warc < w1 / PAGES  # smaller than a full capture

    # a revisit names what it repeats: same payload digest, profile, the response's id
    url = urls[7]
    rtype, head, _ = read_record(archive, again[url][2], again[url][3])
    assert rtype == "revisit"
    assert head["WARC-Profile"].endswith("/revisit/identical-payload-digest")
    assert head["WARC-Payload-Digest"] == full[url][4]
    assert head["WARC-Refers-To-Target-URI"] == url

    # a changed page is captured in full, with the new bytes
    changed = news_page("Malaysia deports group 0 of Taiwanese to China",
                        "Malaysia deported group 0 to China.\n\n"
                        "Taiwan protested the deportation to China. Updated: 32 people.",
                        published="2016-05-03")
    site.page("/news/0", changed)
    third = run_archiver("run", *args)
    assert third.returncode == 0, third.stderr
    latest = captures_of_cycle(archive, 3)
    assert latest[urls[0]][1] == "response" and latest[urls[0]][4] != full[urls[0]][4]
    assert all(latest[u][1] == "revisit" for u in urls[1:])
    rtype, _, body = read_record(archive, latest[urls[0]][2], latest[urls[0]][3])
    assert rtype == "response" and body == changed.encode("utf-8")

    # the timeline shows the three captures and the three checks, in order
    proc = run_archiver("report", "--archive", str(archive), "--timeline", urls[0],
                        "--format", "json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["url"] == urls[0]
    kinds = [(e["kind"], e.get("record_type") or e.get("status") or e.get("to_status"))
             for e in data["entries"]]
    assert [k for k in kinds if k[0] == "capture"] == [
        ("capture", "response"), ("capture", "revisit"), ("capture", "response")]
    assert len([k for k in kinds if k[0] == "check"]) == 3
    transitions = [e for e in data["entries"] if e["kind"] == "transition"]
    assert transitions[0]["from_status"] is None and transitions[0]["to_status"] == "alive"
    times = [e["time"] for e in data["entries"]]
    assert times == sorted(times)
    files = {e["warc_file"] for e in data["entries"] if e["kind"] == "capture"}
    assert all((archive / "warc" / f).exists() for f in files)

    text = run_archiver("report", "--archive", str(archive), "--timeline", urls[0])
    assert text.returncode == 0 and "revisit" in text.stdout and urls[0] in text.stdout
    md = run_archiver("report", "--archive", str(archive), "--timeline", urls[0],
                      "--format", "md")
    assert md.returncode == 0 and "| time | kind | what |" in md.stdout

    unknown = run_archiver("report", "--archive", str(archive), "--timeline",
                           site.url("/never/cited"))
    assert unknown.returncode == 2
    assert site.url("/never/cited") in unknown.stderr and "Traceback" not in unknown.stderr


def test_a_document_cut_at_the_size_cap_is_not_stored_whole_again(tmp_path: Path,
                                                                  site: Site) -> None:
    """A scanned annex over fetch.max_bytes is cut there, the same bytes at every
    check: the second check writes a revisit of the first (it wrote the 50 MB
    again at every cycle), and get hands over the bytes kept."""
    import os

    annex = b"%PDF-1.4\n" + os.urandom(400_000)
    site.page("/annex.pdf", annex, content_type="application/pdf")
    sources = write_sources(tmp_path / "sources.yaml",
                            one_event_per_url([site.url("/annex.pdf")]))
    (tmp_path / "archiver.toml").write_text("[fetch]\nmax_bytes = 100000\n", encoding="utf-8")
    archive = tmp_path / "archive"
    args = common_args(sources, archive)
    for _ in range(2):
        proc = run_archiver("run", *args)
        assert proc.returncode == 0, proc.stderr
    first, second = captures_of_cycle(archive, 1), captures_of_cycle(archive, 2)
    url = site.url("/annex.pdf")
    assert first[url][1] == "response" and second[url][1] == "revisit"
    assert second[url][4] == first[url][4]
    rtype, head, body = read_record(archive, first[url][2], first[url][3])
    assert head["WARC-Truncated"] == "length" and 0 < len(body) < len(annex)
    assert annex.startswith(body)
    out = tmp_path / "annex.pdf"
    got = run_archiver("get", url, "--archive", str(archive), "--output", str(out))
    assert got.returncode == 0, got.stderr
    assert out.read_bytes() == body  # the revisit's payload: the first capture's cut bytes
