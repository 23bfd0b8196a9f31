"""The cache of the replay's CDXJ indexes, kept between starts of ``serve``.

Real WARC files, the real cdxj-indexer and pywb. The indexer's entry point
(``cdxj_indexer.main.write_cdx_index``, which ``build_collection`` runs for
each file it indexes) is wrapped to count its calls: a start that takes every
index from the cache runs it for none. Each test has its own
``XDG_CACHE_HOME``.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import logging
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archiver.collection import build_collection
from archiver.web.replay import ReplayServer

from .test_replay import replay

URL = "http://example.test/{}/{}"
#: The URLs of the two WARC files of the archive fixture (a.warc.gz and b.warc.gz).
ALL_URLS = {URL.format(t, i) for t in "ab" for i in range(3)}


def body_of(url: str) -> bytes:
    return f"<html><body><p>The page at {url}.</p></body></html>".encode()


def write_warc(path: Path, tag: str, pages: range, mode: str = "wb") -> list[int]:
    """Response records of URL.format(tag, i) for i in *pages* (gzip members, WARC-Date
    2026-11-25T14:00:00Z), written or appended to *path*; returns their offsets."""
    offsets = []
    with open(path, mode) as fh:
        writer = WARCWriter(fh, gzip=True, warc_version="WARC/1.1")
        for i in pages:
            url = URL.format(tag, i)
            body = body_of(url)
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")],
                                       protocol="HTTP/1.1")
            record = writer.create_warc_record(url, "response", payload=io.BytesIO(body),
                                               length=len(body), http_headers=headers,
                                               warc_headers_dict={"WARC-Date":
                                                                  "2026-11-25T14:00:00Z"})
            offsets.append(fh.tell())
            writer.write_record(record)
    return offsets


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "cache-home"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    return home


@pytest.fixture
def indexer_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files cdxj-indexer's entry point is run on (a thin counting wrapper)."""
    import cdxj_indexer.main

    calls: list[str] = []
    real = cdxj_indexer.main.write_cdx_index

    def counted(output: Any, inputs: Any, params: Any) -> Any:
        calls.extend(Path(i).name for i in inputs)
        return real(output, inputs, params)

    monkeypatch.setattr(cdxj_indexer.main, "write_cdx_index", counted)
    return calls


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    """An archive folder with two closed WARC files of three pages each."""
    warc_dir = tmp_path / "archive" / "warc"
    warc_dir.mkdir(parents=True)
    write_warc(warc_dir / "a.warc.gz", "a", range(3))
    write_warc(warc_dir / "b.warc.gz", "b", range(3))
    return tmp_path / "archive"


def folder_of(cache_home: Path, warc_dir: Path) -> Path:
    """Where the cache of *warc_dir* is documented to live."""
    digest = hashlib.sha256(os.fsencode(warc_dir.resolve())).hexdigest()
    return cache_home / "archiver" / "replay-index" / digest


def entries(folder: Path) -> dict[str, tuple[int, int]]:
    """The cache's files: name -> (inode, mtime_ns)."""
    return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in folder.iterdir()}


def entry_of(folder: Path, name: str) -> Path:
    """The one cached index of the WARC file *name* (its path without ``.cdxj``)."""
    (cdxj,) = folder.glob(name + ".*.cdxj")
    return cdxj.with_suffix("")


def indexed(coll: Path) -> list[dict[str, Any]]:
    lines = [line for p in sorted((coll / "indexes").glob("*.cdxj"))
             for line in p.read_text(encoding="utf-8").splitlines()]
    return [json.loads(line.split(" ", 2)[2]) for line in lines]


def urls_in(coll: Path) -> set[str]:
    return {e["url"] for e in indexed(coll)}


def tree(folder: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*"))}


def warnings_of(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records
            if r.name.startswith("archiver") and r.levelno >= logging.WARNING]


def test_a_second_start_takes_every_index_from_the_cache(
        archive: Path, cache_home: Path, indexer_calls: list[str], tmp_path: Path) -> None:
    warc_dir = archive / "warc"
    before = tree(archive)
    first = build_collection(warc_dir, tmp_path / "start-1")
    assert sorted(indexer_calls) == ["a.warc.gz", "b.warc.gz"]
    folder = folder_of(cache_home, warc_dir)
    made = entries(folder)
    assert sorted(made) == sorted(
        f"{entry_of(folder, n).name}{ext}" for n in ("a.warc.gz", "b.warc.gz")
        for ext in (".cdxj", ".json"))

    indexer_calls.clear()
    second = build_collection(warc_dir, tmp_path / "start-2")
    assert indexer_calls == []  # cdxj-indexer was not run
    assert entries(folder) == made  # the entries were neither rewritten nor replaced
    for name in ("a.warc.gz.cdxj", "b.warc.gz.cdxj"):
        assert (second / "indexes" / name).read_bytes() == \
            (first / "indexes" / name).read_bytes()
    assert urls_in(second) == ALL_URLS
    assert tree(archive) == before  # nothing written in the archive
    # and pywb replays from the collection made of cached indexes
    url = URL.format("b", 2)
    (got,) = replay(tmp_path / "start-2", [(f"/archive/20261125140000id_/{url}", {})])
    assert got.status == 200
    assert got.body == body_of(url)


def test_a_file_that_grew_is_indexed_again(
        archive: Path, cache_home: Path, indexer_calls: list[str], tmp_path: Path) -> None:
    warc_dir = archive / "warc"
    build_collection(warc_dir, tmp_path / "start-1")
    folder = folder_of(cache_home, warc_dir)
    kept_b = {n: v for n, v in entries(folder).items() if n.startswith("b.")}
    write_warc(warc_dir / "a.warc.gz", "a", range(3, 5), mode="ab")

    indexer_calls.clear()
    coll = build_collection(warc_dir, tmp_path / "start-2")
    assert indexer_calls == ["a.warc.gz"]
    assert urls_in(coll) >= {URL.format("a", 3), URL.format("a", 4)}
    # one entry for the file as it is now: the old one is dropped; b's is untouched
    size = (warc_dir / "a.warc.gz").stat().st_size
    assert entry_of(folder, "a.warc.gz").name.startswith(f"a.warc.gz.{size}.")
    assert len(entries(folder)) == 4
    assert {n: v for n, v in entries(folder).items() if n.startswith("b.")} == kept_b

    indexer_calls.clear()
    build_collection(warc_dir, tmp_path / "start-3")
    assert indexer_calls == []
    url = URL.format("a", 4)
    (got,) = replay(tmp_path / "start-3", [(f"/archive/20261125140000id_/{url}", {})])
    assert got.status == 200
    assert got.body == body_of(url)


PLANTED = "http://planted.example/"


def plant(entry: Path) -> None:
    """Add a line to the cached index *entry* and make its sidecar agree: a valid
    entry, for the key it names, that says what it was used for."""
    cdxj = entry.with_name(entry.name + ".cdxj")
    line = ("example,planted)/ 20261125140000 " + json.dumps(
        {"url": PLANTED, "mime": "text/html", "status": "200", "length": "10",
         "offset": "0", "filename": "a.warc.gz"}) + "\n")
    with open(cdxj, "a", encoding="utf-8") as fh:
        fh.write(line)
    sidecar = entry.with_name(entry.name + ".json")
    meta = json.loads(sidecar.read_text(encoding="utf-8"))
    meta["index_size"] = cdxj.stat().st_size
    sidecar.write_text(json.dumps(meta), encoding="utf-8")


def touch(path: Path) -> None:
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))


def replace(path: Path) -> None:
    """The same bytes, size and mtime_ns in a new file (a new inode) of the same name."""
    copy = path.with_name("copy.tmp")
    shutil.copy2(path, copy)
    old, new = path.stat(), copy.stat()
    assert (new.st_size, new.st_mtime_ns) == (old.st_size, old.st_mtime_ns)
    os.replace(copy, path)
    assert path.stat().st_ino != old.st_ino


def rewrite(path: Path) -> None:
    """The same bytes written again in place, its mtime given back: only its ctime
    tells (as for a record forged in place, tests/test_replay_verify.py)."""
    old = path.stat()
    path.write_bytes(path.read_bytes())
    os.utime(path, ns=(old.st_atime_ns, old.st_mtime_ns))
    new = path.stat()
    assert (new.st_size, new.st_mtime_ns, new.st_ino) == \
        (old.st_size, old.st_mtime_ns, old.st_ino)
    assert new.st_ctime_ns != old.st_ctime_ns


@pytest.mark.parametrize("change", [touch, replace, rewrite], ids=["mtime", "inode", "ctime"])
def test_an_entry_made_for_another_key_is_not_used(
        archive: Path, cache_home: Path, indexer_calls: list[str], tmp_path: Path,
        change: Callable[[Path], None]) -> None:
    warc_dir = archive / "warc"
    build_collection(warc_dir, tmp_path / "start-1")
    folder = folder_of(cache_home, warc_dir)
    plant(entry_of(folder, "a.warc.gz"))
    # as long as the file is the one it was made from, the entry is used as it is
    assert PLANTED in urls_in(build_collection(warc_dir, tmp_path / "start-2"))

    change(warc_dir / "a.warc.gz")
    indexer_calls.clear()
    coll = build_collection(warc_dir, tmp_path / "start-3")
    assert indexer_calls == ["a.warc.gz"]
    assert PLANTED not in urls_in(coll)
    assert urls_in(coll) == ALL_URLS
    entry = entry_of(folder, "a.warc.gz")  # the one entry of a.warc.gz: the stale one is gone
    assert PLANTED not in entry.with_name(entry.name + ".cdxj").read_text(encoding="utf-8")


def truncate(entry: Path) -> None:
    cdxj = entry.with_name(entry.name + ".cdxj")
    data = cdxj.read_bytes()
    cdxj.write_bytes(data[:len(data) // 2])


def drop_sidecar(entry: Path) -> None:
    entry.with_name(entry.name + ".json").unlink()


def garble_sidecar(entry: Path) -> None:
    sidecar = entry.with_name(entry.name + ".json")
    sidecar.write_bytes(sidecar.read_bytes()[:-10])


@pytest.mark.parametrize("damage", [truncate, drop_sidecar, garble_sidecar],
                         ids=["truncated", "no-sidecar", "garbled-sidecar"])
def test_an_incomplete_entry_is_not_used(
        archive: Path, cache_home: Path, indexer_calls: list[str], tmp_path: Path,
        damage: Callable[[Path], None]) -> None:
    warc_dir = archive / "warc"
    build_collection(warc_dir, tmp_path / "start-1")
    folder = folder_of(cache_home, warc_dir)
    damage(entry_of(folder, "a.warc.gz"))
    indexer_calls.clear()
    coll = build_collection(warc_dir, tmp_path / "start-2")
    assert indexer_calls == ["a.warc.gz"]
    assert urls_in(coll) == ALL_URLS
    indexer_calls.clear()  # and the entry is whole again
    build_collection(warc_dir, tmp_path / "start-3")
    assert indexer_calls == []


def cache_is_a_file(cache_home: Path, warc_dir: Path) -> None:
    """No folder can be made there (whoever runs the test, root too)."""
    cache_home.mkdir()
    (cache_home / "archiver").write_text("not a folder\n")


def entries_cannot_be_written(cache_home: Path, warc_dir: Path) -> None:
    """The folder is there, but no entry can be renamed into place (root too)."""
    folder = folder_of(cache_home, warc_dir)
    folder.mkdir(parents=True)
    for path in warc_dir.iterdir():
        st = path.stat()
        stem = f"{path.name}.{st.st_size}.{st.st_mtime_ns}.{st.st_ino}.{st.st_ctime_ns}"
        (folder / (stem + ".json")).mkdir()  # in the way of the entry's last rename


@pytest.mark.parametrize("block", [cache_is_a_file, entries_cannot_be_written],
                         ids=["no-folder", "no-write"])
def test_a_cache_that_cannot_be_written_is_left_aside_with_one_warning(
        archive: Path, cache_home: Path, indexer_calls: list[str], tmp_path: Path,
        caplog: pytest.LogCaptureFixture, block: Callable[[Path, Path], None]) -> None:
    warc_dir = archive / "warc"
    block(cache_home, warc_dir)
    for start in ("start-1", "start-2"):
        caplog.clear()
        indexer_calls.clear()
        with caplog.at_level(logging.WARNING, logger="archiver"):
            coll = build_collection(warc_dir, tmp_path / start)
        assert sorted(indexer_calls) == ["a.warc.gz", "b.warc.gz"]  # as without a cache
        assert urls_in(coll) == ALL_URLS
        (warned,) = warnings_of(caplog)
        message = warned.getMessage()
        assert "cache" in message and "\n" not in message, message
        assert warned.exc_info is None


@pytest.mark.slow
def test_serve_starts_with_a_cache_that_cannot_be_made(
        archive: Path, cache_home: Path, tmp_path: Path) -> None:
    cache_is_a_file(cache_home, archive / "warc")
    with ReplayServer(archive, coll_root=tmp_path / "pywb") as server:
        assert len(server.warnings) == 1 and "cache" in server.warnings[0], server.warnings
        url = URL.format("a", 1)
        with httpx.Client(trust_env=False, timeout=20) as client:
            r = client.get(f"{server.url}/archive/20261125140000id_/{url}")
        assert r.status_code == 200
        assert r.content == body_of(url)


def damaged_archive(tmp_path: Path) -> tuple[Path, int]:
    """An archive whose a.warc.gz has its third member's gzip magic broken (b is
    whole); returns the archive and the damaged member's offset."""
    warc_dir = tmp_path / "archive" / "warc"
    warc_dir.mkdir(parents=True)
    offsets = write_warc(warc_dir / "a.warc.gz", "a", range(4))
    write_warc(warc_dir / "b.warc.gz", "b", range(2))
    data = bytearray((warc_dir / "a.warc.gz").read_bytes())
    assert data[offsets[2]:offsets[2] + 2] == gzip.compress(b"")[:2]
    data[offsets[2]] ^= 0xFF
    (warc_dir / "a.warc.gz").write_bytes(bytes(data))
    return tmp_path / "archive", offsets[2]


def test_a_damaged_files_warning_is_given_again_from_the_cache(
        cache_home: Path, indexer_calls: list[str], tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    archive, offset = damaged_archive(tmp_path)
    warc_dir = archive / "warc"
    said = []
    for start in ("start-1", "start-2"):
        caplog.clear()
        indexer_calls.clear()
        with caplog.at_level(logging.WARNING, logger="archiver"):
            coll = build_collection(warc_dir, tmp_path / start)
        said.append([r.getMessage() for r in warnings_of(caplog)])
        in_a = [e for e in indexed(coll) if e["filename"] == "a.warc.gz"]
        assert {e["url"] for e in in_a} == {URL.format("a", 0), URL.format("a", 1)}
        assert all(int(e["offset"]) < offset for e in in_a)
        if start == "start-2":
            assert indexer_calls == []
    assert len(said[0]) == 1
    assert "a.warc.gz" in said[0][0] and f"offset {offset}" in said[0][0]
    assert said[1] == said[0]


@pytest.mark.slow
def test_serve_reports_a_damaged_file_at_each_start(
        cache_home: Path, tmp_path: Path) -> None:
    archive, offset = damaged_archive(tmp_path)
    folder = folder_of(cache_home, archive / "warc")
    seen = []
    for start in ("start-1", "start-2"):
        with ReplayServer(archive, coll_root=tmp_path / start) as server:
            assert len(server.warnings) == 1, server.warnings
            assert "a.warc.gz" in server.warnings[0]
            assert f"offset {offset}" in server.warnings[0]
            url = URL.format("a", 1)
            with httpx.Client(trust_env=False, timeout=20) as client:
                r = client.get(f"{server.url}/archive/20261125140000id_/{url}")
            assert r.status_code == 200
            assert r.content == body_of(url)
        seen.append(entries(folder))
    assert len(seen[0]) == 4
    assert seen[1] == seen[0]  # the second start took both indexes from the cache


def test_a_damaged_member_that_cdxj_indexer_reads_through_is_not_indexed(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """warcio may read a member whose gzip magic is broken as an uncompressed
    record and go on without an error (in about 3 % of such files): the file is
    still indexed only up to the damage, and no entry is made of the damaged
    bytes. The files are made until one of that kind turns up (bounded)."""
    from archiver.collection import _index_file

    for attempt in range(600):
        archive, offset = damaged_archive(tmp_path / str(attempt))
        whole = tmp_path / f"whole-{attempt}.cdxj"
        try:
            _index_file(archive / "warc" / "a.warc.gz", whole)
        except Exception:  # noqa: BLE001 -- the usual kind: the indexer stops there
            continue
        break
    else:  # pragma: no cover - (1 - 0.027) ** 600: once in some 10^7 runs
        pytest.fail("no damaged file that cdxj-indexer reads through was made")
    assert len(whole.read_text(encoding="utf-8").splitlines()) > 2  # the damage indexed
    with caplog.at_level(logging.WARNING, logger="archiver"):
        coll = build_collection(archive / "warc", tmp_path / "pywb")
    in_a = [e for e in indexed(coll) if e["filename"] == "a.warc.gz"]
    assert {e["url"] for e in in_a} == {URL.format("a", 0), URL.format("a", 1)}
    assert all(int(e["offset"]) < offset for e in in_a)
    said = [r.getMessage() for r in warnings_of(caplog)]
    assert len(said) == 1 and f"a.warc.gz is damaged at offset {offset}" in said[0], said
