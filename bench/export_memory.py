"""Peak memory and time of `archiver export --wacz` on synthetic archives.

Each archive is what daily cycles over CITATIONS citations leave: a first
cycle that captures every citation (request, response and metadata records),
then cycles of one revisit per citation, one WARC file a cycle, with the
database rows `export` reads (events, citations, captures, the files'
SHA-256). Records are built by archiver's own WARC code (``archiver.warc``),
for http://127.0.0.1:8000/ URLs (no server is needed: nothing is fetched).

`export` runs as a command of its own, under /usr/bin/time, whose %M is the
peak RSS of the process and of the processes it waited for (a `wacz create`
it started): /usr/bin/time's child does not inherit this script's RSS in
ru_maxrss as a child forked from here would. With --old-code, the code there
is measured too, side by side on the same archive, and the two packages'
indexes compared.

    python bench/export_memory.py                                  # ~1.5 minutes
    git archive 864ddc3 archiver | tar -x -C /tmp/wacz-old          # the code before
    python bench/export_memory.py --old-code /tmp/wacz-old         # ~3 minutes
    python bench/export_memory.py --sizes 20000,200000,400000 --citations 2000
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


# --------------------------------------------------------------------------
# the synthetic archive (run in a process of its own: this one stays small)


def make_archive(archive: Path, records: int, citations: int) -> None:
    """An archive of *records* WARC records (warcinfo aside) over *citations*."""
    import datetime as dt
    import hashlib

    from archiver.storeopen import open_store
    from archiver.warc import REVISIT_PROFILE, RecordSpec, build, metadata_spec, warcinfo_spec
    from archiver.warcparts import new_record_id, warc_date

    if records < 3 * citations:
        raise SystemExit(f"--sizes: at least {3 * citations} records for {citations} citations")
    cycles = 1 + (records - 3 * citations) // citations
    warc_dir = archive / "warc"
    warc_dir.mkdir(parents=True)
    store = open_store(archive)
    conn = store.conn
    urls = [f"http://127.0.0.1:8000/news/{i // 2:05d}/deportations-of-taiwanese-{i}"
            for i in range(citations)]
    with conn:
        conn.executemany("INSERT INTO events (id, date, country, position) VALUES (?,?,?,?)",
                         [(f"2016-05-01-event-{e:05d}", "2016-05-01", "Malaysia", e)
                          for e in range((citations + 1) // 2)])
        conn.executemany("INSERT INTO citations (event_id, url, position, active)"
                         " VALUES (?,?,?,1)",
                         [(f"2016-05-01-event-{i // 2:05d}", u, i // 2 * 1000 + i % 2)
                          for i, u in enumerate(urls)])
        conn.executemany("INSERT INTO urls (id, url) VALUES (?,?)",
                         [(i + 1, u) for i, u in enumerate(urls)])
    originals: list[tuple[int, str, str, str]] = []  # capture id, record id, date, digest
    capture_id = 0
    written = 0
    start = dt.datetime(2026, 1, 1, 6, tzinfo=dt.UTC)
    for cycle in range(cycles):
        day = start + dt.timedelta(days=cycle)
        name = f"archiver-{day:%Y%m%d%H%M%S}-00001.warc.gz"
        rows = []
        with open(warc_dir / name, "wb") as fh:
            fh.write(build(warcinfo_spec(name, "archiver/bench", {}), 6).member)
            for i, url in enumerate(urls):
                if cycle > 0 and written >= records:
                    break
                capture_id += 1
                when = day + dt.timedelta(seconds=i // 10)
                date = warc_date(when)
                common = [("WARC-Target-URI", url), ("WARC-Date", date),
                          ("WARC-IP-Address", "127.0.0.1")]
                body = (f"<html><head><title>Taiwanese deported, {i}</title></head><body>"
                        + "<p>Thirty-two Taiwanese were deported to China.</p>" * 40
                        + "</body></html>").encode()
                head = (f"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
                        f"Content-Length: {len(body)}\r\n\r\n").encode()
                row = {"id": capture_id, "fetch_id": capture_id, "hop": 0, "url_id": i + 1,
                       "fetched_at": when.strftime("%Y-%m-%dT%H:%M:%SZ"), "http_status": 200,
                       "content_type": "text/html; charset=utf-8", "ip": "127.0.0.1",
                       "warc_file": name,
                       "headline": f"Taiwanese deported, {i}"}
                if cycle == 0:
                    rid = new_record_id()
                    response = build(RecordSpec(
                        [("WARC-Type", "response"), ("WARC-Record-ID", rid), *common,
                         ("Content-Type", "application/http; msgtype=response")],
                        head, body, payload=True), 6)
                    path = url.split("8000", 1)[1]
                    request = build(RecordSpec(
                        [("WARC-Type", "request"), ("WARC-Record-ID", new_record_id()),
                         *common, ("WARC-Concurrent-To", rid),
                         ("Content-Type", "application/http; msgtype=request")],
                        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:8000\r\n"
                        "User-Agent: archiver/bench\r\n\r\n".encode()), 6)
                    meta = build(metadata_spec(f"urn:archiver:capture:{rid.strip('<>')}",
                                               {"url": url, "software": "archiver/bench"},
                                               refers_to=rid), 6)
                    for record, kind in ((request, "request"), (response, "response"),
                                         (meta, "meta")):
                        offset = fh.tell()
                        fh.write(record.member)
                        place = {"record_type": "response", "record_id": record.record_id,
                                 "payload_digest": record.payload_digest,
                                 "block_digest": record.block_digest,
                                 "warc_offset": offset, "warc_length": len(record.member)
                                 } if kind == "response" else {
                                 f"{kind}_offset": offset,
                                 f"{kind}_length": len(record.member),
                                 f"{kind}_record_id": record.record_id,
                                 f"{kind}_block_digest": record.block_digest}
                        row.update(place)
                    written += 3
                    originals.append((capture_id, rid, date, str(response.payload_digest)))
                else:
                    first_id, first_rid, first_date, digest = originals[i]
                    revisit = build(RecordSpec(
                        [("WARC-Type", "revisit"), ("WARC-Record-ID", new_record_id()),
                         *common, ("WARC-Profile", REVISIT_PROFILE),
                         ("WARC-Refers-To-Target-URI", url),
                         ("WARC-Refers-To-Date", first_date), ("WARC-Refers-To", first_rid),
                         ("Content-Type", "application/http; msgtype=response")],
                        head, payload_digest=digest), 6)
                    row.update({"record_type": "revisit", "record_id": revisit.record_id,
                                "payload_digest": digest, "block_digest": revisit.block_digest,
                                "refers_to": first_id, "warc_offset": fh.tell(),
                                "warc_length": len(revisit.member)})
                    fh.write(revisit.member)
                    written += 1
                rows.append(row)
        with conn:
            for row in rows:
                conn.execute(f"INSERT INTO capture_rows ({', '.join(row)}) VALUES "
                             f"({', '.join('?' for _ in row)})", list(row.values()))
            data = (warc_dir / name).read_bytes()
            conn.execute("INSERT INTO warc_files (name, sha256, size, closed_at) "
                         "VALUES (?,?,?,?)", (name, hashlib.sha256(data).hexdigest(),
                                              len(data), warc_date(day)))
    store.close()
    print(written)


# --------------------------------------------------------------------------
# the measure


def measure(cmd: list[str], code: Path, cwd: Path) -> tuple[float, float, int]:
    """Run *cmd* importing archiver from *code*: wall seconds, peak RSS (MB) of
    it and the processes it waited for, exit status."""
    env = dict(os.environ, PYTHONPATH=str(code))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    fd, rss_file = tempfile.mkstemp(prefix="rss-")
    os.close(fd)
    try:
        t0 = time.perf_counter()
        proc = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", rss_file, *cmd], cwd=cwd,
                              env=env, capture_output=True, timeout=1800)
        wall = time.perf_counter() - t0
        if proc.returncode != 0:
            sys.stderr.write(proc.stderr.decode("utf-8", "replace")[-2000:])
        peak_kb = int(Path(rss_file).read_text().split()[-1])
    finally:
        os.unlink(rss_file)
    return wall, peak_kb / 1024, proc.returncode


def index_of(wacz: Path) -> bytes:
    with zipfile.ZipFile(wacz) as z:
        return z.read("indexes/index.cdx.gz")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="20000,200000",
                    help="records of each archive, comma-separated (default 20000,200000)")
    ap.add_argument("--citations", type=int, default=2000, help="citations (default 2000)")
    ap.add_argument("--old-code", type=Path, default=None,
                    help="a folder holding another archiver package, measured side by side")
    ap.add_argument("--dir", type=Path, default=None, help="where the archives go (a temp "
                    "folder, removed at the end, by default)")
    ap.add_argument("--make", nargs=2, metavar=("ARCHIVE", "RECORDS"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.make:
        make_archive(Path(args.make[0]), int(args.make[1]), args.citations)
        return
    codes = [("this", REPO)] + ([("old", args.old_code.resolve())] if args.old_code else [])
    for label, code in codes:
        where = subprocess.run(
            [sys.executable, "-c", "import archiver; print(archiver.__file__)"],
            cwd=tempfile.gettempdir(), env=dict(os.environ, PYTHONPATH=str(code)),
            capture_output=True, text=True, check=True).stdout.strip()
        print(f"{label} code: {where}")
    base = args.dir or Path(tempfile.mkdtemp(prefix="export-bench-"))
    base.mkdir(parents=True, exist_ok=True)
    try:
        print(f"\n{'records':>8} {'code':>5} {'peak RSS MB':>12} {'export s':>9} "
              f"{'WACZ MB':>8}  index")
        for label, code in codes:  # what a start of the command costs alone
            wall, peak, _ = measure([sys.executable, "-m", "archiver", "export", "--help"],
                                    code, base)
            print(f"{'(--help)':>8} {label:>5} {peak:12.1f} {wall:9.2f}")
        for size in (int(s) for s in args.sizes.split(",")):
            archive = base / f"archive-{size}"
            if not (archive / "archiver.db").exists():
                shutil.rmtree(archive, ignore_errors=True)
                t0 = time.perf_counter()
                subprocess.run([sys.executable, __file__, "--make", str(archive), str(size),
                                "--citations", str(args.citations)], check=True,
                               env=dict(os.environ, PYTHONPATH=str(REPO)), cwd=base,
                               stdout=subprocess.DEVNULL)
                print(f"  (archive of {size:,} records made in "
                      f"{time.perf_counter() - t0:.1f} s: "
                      f"{sum(p.stat().st_size for p in (archive / 'warc').iterdir()) / 1e6:.0f}"
                      " MB of WARC files)")
            first = None
            for label, code in codes:
                out = base / f"{label}-{size}.wacz"
                out.unlink(missing_ok=True)
                wall, peak, rc = measure([sys.executable, "-m", "archiver", "export",
                                          "--archive", str(archive), "--wacz", str(out)],
                                         code, base)
                if rc != 0:
                    print(f"{size:>8} {label:>5}  failed (exit {rc})")
                    continue
                index = index_of(out)
                same = "" if first is None else (
                    "identical to this code's" if index == first else "DIFFERS")
                first = first if first is not None else index
                print(f"{size:>8} {label:>5} {peak:12.1f} {wall:9.2f} "
                      f"{out.stat().st_size / 1e6:8.1f}  {same}")
                out.unlink()
    finally:
        if args.dir is None:
            with contextlib.suppress(OSError):
                shutil.rmtree(base)


if __name__ == "__main__":
    main()
