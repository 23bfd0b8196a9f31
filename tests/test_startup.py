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


def test_importing_the_commands_compiles_none_of_the_long_patterns() -> None:
    """The month names of every calendar and the character ranges of whole
    scripts made a third of every command's start when compiled on import;
    they are compiled when first searched."""
    code = textwrap.dedent("""
        import gc
        import archiver.cli, archiver.pipeline, archiver.report
        from archiver import textdates
        from archiver.textnorm import LazyPattern
        lazy = [o for o in gc.get_objects() if isinstance(o, LazyPattern)]
        print(len(lazy), sum(o._compiled is not None for o in lazy))
        print(textdates.find_dates_in_text("Posted 3 mai 2016, updated 2016年5月4日"))
        print(sum(o._compiled is not None for o in lazy))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.splitlines()
    made, compiled = map(int, out[0].split())
    assert made >= 20 and compiled == 0, out
    assert out[1] == "[datetime.date(2016, 5, 3), datetime.date(2016, 5, 4)]"
    assert int(out[2]) > 0


def test_a_recheck_of_an_unchanged_page_compiles_no_date_pattern(tmp_path: Path) -> None:
    """A page that did not change keeps its first extraction: the cycle that
    checks it again reads no date in text, and so compiles none of those patterns."""
    from tests.lab import Site, news_page
    from tests.sourcesfile import one_event_per_url, write_sources

    with Site() as site:
        site.page("/article", news_page("Kenya deports 45 Chinese nationals", "Nairobi."))
        sources = write_sources(tmp_path / "sources.yaml",
                                one_event_per_url([site.url("/article")]))
        run = ["run", "--allow-private", "--per-host-delay", "0", "--sources", str(sources),
               "--format", "json", "--archive", str(tmp_path / "archive")]
        first = subprocess.run([sys.executable, "-m", "archiver", *run], capture_output=True,
                               text=True, timeout=120)
        code = textwrap.dedent(f"""
            import sys
            from archiver.cli import cli
            from archiver import textdates
            try:
                cli.main(args={run!r}, prog_name="archiver", standalone_mode=False)
            except SystemExit:
                pass
            print(sum(p._compiled is not None for p in textdates._TEXT_DATES), file=sys.stderr)
        """)
        again = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                               timeout=120, cwd=Path(__file__).resolve().parent.parent)
    # (the capture also asked for a made-up page beside it: the soft-404 probe)
    assert [hit.path for hit in site.hits].count("/article") == 2, first.stderr
    assert '"status": "alive"' in first.stdout, first.stderr
    assert again.stderr.splitlines()[-1] == "0", again.stderr
