"""What a command imports before it starts working."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path


def test_httpx_command_line_client_is_not_imported() -> None:
    """httpx would import its CLI (and pygments with it); archiver never uses it."""
    code = ("import sys, archiver.cli, archiver.pipeline, httpx; "
            "print('pygments' in sys.modules, 'httpx._main' in sys.modules and "
            "sys.modules['httpx._main'] is not None, callable(httpx.main))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["False", "False", "True"]


def test_a_capture_cycle_does_not_import_the_warc_reader(tmp_path: Path) -> None:
    """warcio reads WARC files back (verify, replay, the dashboard); a cycle
    only writes them, and a closed file's SHA-256 is not a reason to load it."""
    from tests.lab import Site, news_page
    from tests.sourcesfile import one_event_per_url, write_sources

    with Site() as site:
        site.page("/article", news_page("Kenya deports 45 Chinese nationals", "Nairobi."))
        sources = write_sources(tmp_path / "sources.yaml",
                                one_event_per_url([site.url("/article")]))
        code = textwrap.dedent(f"""
            import sys
            from archiver.cli import cli
            try:
                cli.main(args=["run", "--allow-private", "--per-host-delay", "0",
                               "--sources", {str(sources)!r},
                               "--archive", {str(tmp_path / "archive")!r}],
                         prog_name="archiver", standalone_mode=False)
            except SystemExit:
                pass
            print("warcio" in sys.modules, "archiver.retrieval" in sys.modules,
                  file=sys.stderr)
        """)
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              timeout=120, cwd=Path(__file__).resolve().parent.parent)
    # the cycle ran to its end: the page fetched, the WARC file closed and hashed
    assert any(hit.path == "/article" for hit in site.hits), done.stderr
    from archiver.storeopen import open_store

    store = open_store(tmp_path / "archive", readonly=True)
    try:
        hashed = store.conn.execute("SELECT count(*) FROM warc_files WHERE sha256 IS NOT NULL"
                                    ).fetchone()[0]
    finally:
        store.close()
    assert hashed >= 1, done.stderr
    assert done.stderr.strip().splitlines()[-1] == "False False", done.stderr
