"""The ``archiver`` command: a click group, one thin function per command.

Domain errors become click errors in the command layer only: bad input exits 2
with a message naming the file, line or URL; nobody sees a traceback for it.
How they do, with every exit status and the stop signals of a cycle, is in
``exitstatus.py`` (:func:`~archiver.exitstatus.handle_errors` wraps each
command); the shared options and the settings they override are here.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from . import __version__
from .exceptions import InputError
from .exitstatus import (
    Commands,
    DamagedCopy,
    Failure,
    StdoutError,
    handle_errors,
    stdout_closed,
    stops_interrupt,
    tell,
    until_signalled,
)
from .logs import setup_logging
from .models import BROKEN
from .settings import DAY, Settings, settings_path_for
from .settings import load as load_settings

F = TypeVar("F", bound=Callable[..., Any])

FORMATS = ["table", "json", "md", "csv", "html"]


def sources_option(fn: F) -> F:
    return click.option("--sources", "sources_path", type=click.Path(path_type=Path),
                        default=Path("data/sources.yaml"), show_default=True,
                        help="The sources file (events and their cited URLs).")(fn)


def archive_option(fn: F) -> F:
    return click.option("--archive", "archive", type=click.Path(path_type=Path),
                        default=Path("archive"), show_default=True,
                        help="The archive folder (SQLite + WARC files).")(fn)


def format_option(choices: list[str], default: str = "table") -> Callable[[F], F]:
    return click.option("--format", "fmt", type=click.Choice(choices), default=default,
                        show_default=True, help="Output format.")


def fetch_options(fn: F) -> F:
    options = [
        click.option("--config", "config", type=click.Path(path_type=Path), default=None,
                     help="Settings file (default: archiver.toml beside the sources file)."),
        click.option("--timeout", type=float, default=None,
                     help="Seconds for one request attempt."),
        click.option("--per-host-delay", "per_host_delay", type=float, default=None,
                     help="Seconds between requests to one origin (scheme, host, port)."),
        click.option("--allow-private", "allow_private", is_flag=True, default=False,
                     help="Permit targets on loopback and private networks (refused by default)."),
        click.option("--log-format", "log_format", type=click.Choice(["text", "json"]),
                     default="text", show_default=True, help="Format of log lines on stderr."),
        click.option("-v", "--verbose", count=True, help="More log lines (one per fetch)."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


#: The largest file ``archiver extract`` reads (the default ``fetch.max_bytes``).
_MAX_EXTRACTED = 50 * 1024 * 1024
#: The longest --timeout and --per-host-delay, in seconds (as in the settings file).
_A_DAY = int(DAY)


def make_settings(sources_path: Path, config: Path | None, timeout: float | None,
                  per_host_delay: float | None, allow_private: bool) -> Settings:
    path = config if config is not None else settings_path_for(sources_path)
    if config is not None and not config.exists():
        said = "a link that leads to no file (a loop, or a missing target)" \
            if config.is_symlink() else "settings file not found"
        raise InputError(said, path=config)
    settings = load_settings(path)
    if timeout is not None:
        if not 0 < timeout <= _A_DAY:  # also refuses nan
            raise InputError(f"--timeout must be a number of seconds above 0 and at most "
                             f"{_A_DAY} (a day), not {timeout}")
        settings.fetch.timeout = timeout
    if per_host_delay is not None:
        if not 0 <= per_host_delay <= _A_DAY:
            raise InputError(f"--per-host-delay must be a number of seconds from 0 to "
                             f"{_A_DAY} (a day), not {per_host_delay}")
        settings.fetch.per_host_delay = per_host_delay
    if allow_private:
        settings.fetch.allow_private = True
    return settings


@click.group(cls=Commands)
@click.version_option(__version__, prog_name="archiver")
def cli() -> None:
    """Keep the web sources of a report alive as evidence.

    Captures every cited URL into WARC files, checks each citation's health,
    and reports what editors must fix.
    """


def cycle_options(fn: F) -> F:
    """The options of a command that runs a cycle (``run``, ``check``), and its errors."""
    for decorate in (handle_errors, fetch_options, format_option(FORMATS), archive_option,
                     sources_option):
        fn = decorate(fn)
    return fn


def _cycle_command(command: str, *, sources_path: Path, archive: Path, fmt: str,
                   config: Path | None, timeout: float | None, per_host_delay: float | None,
                   allow_private: bool, log_format: str, verbose: int) -> None:
    from . import eventloop
    from .lock import ArchiveLock
    from .pipeline import run_cycle
    from .progress import Progress
    from .report import build_report, write_report
    from .sources import load_sources
    from .storeopen import open_store

    setup_logging(log_format, logging.WARNING - 10 * verbose)
    if stdout_closed():  # where the report goes: said before anything is fetched
        raise InputError("standard output is closed: the report cannot be written "
                         "(send it to /dev/null to discard it)")
    # handed over to the cycle, not kept here: once they are in the database,
    # the cycle reads them from there and lets these go (see archiver.worklist)
    handed = [load_sources(sources_path)]
    settings = make_settings(sources_path, config, timeout, per_host_delay, allow_private)
    # (SIGTERM and SIGHUP, as Ctrl-C, until the cycle and after it)
    with stops_interrupt():
        report: dict[str, Any] | None = None
        tally: dict[str, int] = {}
        with ArchiveLock(archive, command):
            store = open_store(archive)
            try:
                with Progress(sys.stderr) as progress:
                    summary = eventloop.run(until_signalled(lambda stop: run_cycle(
                        handed.pop(), archive=archive, settings=settings,
                        progress=progress.update, store=store, stop=stop)))
                if summary.interrupted:
                    tell(f"interrupted: {summary.checked} citations checked and kept; the "
                         f"next `archiver {command}` goes on from there")
                    sys.exit(130)
                if summary.stopped:  # when every request was in flight already
                    tell(f"interrupted after the last check: the cycle is complete "
                         f"({summary.checked} citations checked); `archiver report` lists them")
                    sys.exit(130)
                if streams(fmt, settings):
                    tally = write_report(store, fmt, sys.stdout)
                else:
                    report = build_report(store)
            finally:
                store.close()
        if report is not None:
            emit_report(report, fmt, settings)
            broken = any(r["status"] in BROKEN for r in report["results"])
        else:
            broken = any(status in BROKEN for status in tally)
        if summary.network_down:
            tell("warning: no host name resolved and no connection succeeded: the network "
                 "looks down, failures were not counted towards dead.")
        # the objects of the cycle are left out of the collection Python makes as it
        # exits: about 25 ms less between the last result and the exit, at 1,000 citations
        gc.freeze()
        sys.exit(1 if broken else 0)


def streams(fmt: str, settings: Settings | None) -> bool:
    """Whether the report in *fmt* is written straight from the store (no Wayback lookup)."""
    from .report import STREAMED

    wayback = settings is not None and settings.wayback.enabled and fmt in ("html", "json", "md")
    return fmt in STREAMED and not wayback


def emit_report(report: dict[str, Any], fmt: str, settings: Settings | None = None) -> None:
    """Print *report* in *fmt*; with the Wayback lookup enabled, offer its copies too."""
    from .report import RENDERERS

    if settings is not None and settings.wayback.enabled and fmt in ("html", "json", "md"):
        from .wayback import add_wayback
        add_wayback(report, settings.wayback)
    if fmt == "html":
        from .report_html import render_html
        click.echo(render_html(report), nl=False)
        return
    click.echo(RENDERERS[fmt](report), nl=False)


@cli.command()
@cycle_options
def run(**options: Any) -> None:
    """One full cycle: capture what has no snapshot yet, check every citation, print the report.

    Exit status: 0 when no citation is dead or soft-404, 1 when at least one is,
    2 for bad input or usage, 3 when the archive cannot be written (disk full),
    130 when stopped (Ctrl-C, SIGTERM, SIGHUP: the next run goes on from there).

    Example: archiver run --sources data/sources.yaml --format json
    """
    _cycle_command("run", **options)


@cli.command()
@cycle_options
def check(**options: Any) -> None:
    """Check every citation (capturing a baseline snapshot where none exists), print the report.

    Exit status: as for run.

    Example: archiver check --format md
    """
    _cycle_command("check", **options)


@cli.command()
@sources_option
@archive_option
@format_option([*FORMATS, "junit"])
@click.option("--timeline", "timeline", metavar="URL", default=None,
              help="Show the history of checks and status changes of one cited URL.")
@handle_errors
def report(sources_path: Path, archive: Path, fmt: str, timeline: str | None) -> None:
    """Print the latest state without fetching.

    Example: archiver report --format md
    """
    from .report import build_report
    from .storeopen import open_store

    if timeline is not None and not timeline.strip():
        raise InputError("--timeline: give the URL of a citation, not an empty value")
    if timeline is not None and not timeline.isprintable():  # said raw, it reaches the terminal
        raise InputError(f"--timeline {timeline!r}: not a URL as a citation records one "
                         "(not printable)")
    settings = load_settings(settings_path_for(sources_path))
    if not (archive / "archiver.db").exists():
        raise InputError(f"no archive at {archive}: run `archiver run` first")
    store = open_store(archive, readonly=True)
    try:
        if click.get_current_context().get_parameter_source("sources_path") \
                == click.core.ParameterSource.COMMANDLINE:
            _other_sources_said(store, sources_path)
        if timeline is not None:
            from .timeline import render_timeline
            click.echo(render_timeline(store, timeline, fmt), nl=False)
            return
        if streams(fmt, settings):
            from .report import write_report
            write_report(store, fmt, sys.stdout)
            return
        data = build_report(store)
    finally:
        store.close()
    emit_report(data, fmt, settings)


def _other_sources_said(store: Any, sources_path: Path) -> None:
    """Warn when the archive's latest cycle checked another sources file than
    *sources_path* (given with ``report --sources``): the report lists the
    citations that cycle checked, whatever file is named."""
    last = store.last_cycle()
    checked = str(last["sources"]) if last and last.get("sources") else None
    if checked is None:
        return
    try:
        same = os.path.samefile(checked, sources_path)
    except OSError:  # one of them is gone, or the cycle ran elsewhere
        same = os.path.abspath(checked) == os.path.abspath(sources_path)
    if not same:
        click.echo(f"warning: the archive's latest cycle checked {checked}, not "
                   f"{sources_path}: this report lists the citations it checked; "
                   f"`archiver check --sources {sources_path}` checks those of "
                   f"{sources_path}", err=True)


@cli.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--url", required=True, help="The URL the page was fetched from.")
@click.option("--content-type", default=None, help="The Content-Type header, if known.")
@format_option(["json", "table"], default="json")
@handle_errors
def extract(file: Path, url: str, content_type: str | None, fmt: str) -> None:
    """Headline and publication date of one saved HTML (or PDF, or .txt) page.

    Example: archiver extract page.html --url https://example.org/news/1 --format json
    """
    from .citedurls import url_problem
    from .codings import decode_content
    from .extract import extract as extract_page
    from .files import NotAFile, TooLarge, read_file

    problem = url_problem(url)  # what a sources file would refuse to cite
    if problem:
        raise InputError(f"--url {url!r}: {problem}: give the absolute http(s) URL the "
                         "page was fetched from")
    try:
        raw = read_file(file, _MAX_EXTRACTED)
    except NotAFile:  # a device (/dev/zero) would never end
        raise InputError("not a file: a device, a pipe or a folder", path=file) from None
    except TooLarge:
        raise InputError(f"larger than {_MAX_EXTRACTED >> 20} MB, the most a capture keeps "
                         "by default", path=file) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", path=file) from None
    body = raw
    if content_type is None and file.suffix.lower() == ".txt":
        content_type = "text/plain"  # a statement saved as text (HTML, PDF: told by their bytes)
    if raw[:2] == b"\x1f\x8b":  # a saved gzip file
        body, _ = decode_content(raw, "gzip", 64 * 1024 * 1024)
    page = extract_page(body, url=url, content_type=content_type, text=False)
    data = {
        "headline": page.headline,
        "published": page.published.isoformat() if page.published else None,
        "title": page.title, "kind": page.kind, "lang": page.lang, "charset": page.charset,
        "canonical": page.canonical,
    }
    if fmt == "json":
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        for k, v in data.items():
            click.echo(f"{k:10} {v if v is not None else ''}")


@cli.command()
@sources_option
@archive_option
@fetch_options
@click.option("--once", is_flag=True, help="Run one cycle and exit (for cron).")
@handle_errors
def worker(sources_path: Path, archive: Path, config: Path | None, timeout: float | None,
           per_host_delay: float | None, allow_private: bool, log_format: str, verbose: int,
           once: bool) -> None:
    """Run check cycles on the schedule of the settings file, until stopped.

    SIGTERM, SIGINT or SIGHUP stops it cleanly: in-flight fetches end, the WARC is
    closed, the database committed, exit 0.

    Example: archiver worker --once
    """
    from .schedule import StopSignals, run_worker
    from .sources import load_sources

    setup_logging(log_format, logging.INFO - 10 * verbose)
    with StopSignals() as stops:  # (a stop signal as it starts: exit 0, nothing left behind)
        sources = load_sources(sources_path)
        settings = make_settings(sources_path, config, timeout, per_host_delay, allow_private)
        status = run_worker(sources_path, sources, archive, settings, once=once, stops=stops)
    sys.exit(status)


def parse_when(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    if not value.strip():
        raise InputError("--at: give a date or time (2026-11-25 or 2026-11-25T14:00:00Z), "
                         "not an empty value")
    text = value.strip().replace("Z", "+00:00")
    try:
        if len(text) == 14 and text.isdigit():  # Wayback-style 20160503120000
            when = dt.datetime.strptime(text, "%Y%m%d%H%M%S")
        else:
            when = dt.datetime.fromisoformat(text)
    except ValueError:
        raise InputError(f"--at: not a date or time: {value!r} (use 2026-11-25 or "
                         "2026-11-25T14:00:00Z)") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when


def open_archive_readonly(archive: Path) -> Any:
    from .storeopen import open_store

    if not (archive / "archiver.db").exists():
        raise InputError(f"no archive at {archive}: run `archiver run` first")
    return open_store(archive, readonly=True)


@cli.command()
@click.argument("url")
@archive_option
@click.option("--at", "at", default=None, metavar="WHEN",
              help="The capture closest to this time (ISO date/time or YYYYMMDDhhmmss).")
@click.option("--output", "-o", "output", type=click.Path(path_type=Path), default=None,
              help="Write to this file instead of standard output ('-': standard output).")
@click.option("--headers", "show_headers", is_flag=True,
              help="The HTTP status line and headers as captured (their bytes), not the payload.")
@click.option("--warc", "as_warc", is_flag=True,
              help="Write the raw WARC records of the capture (request, response, metadata).")
@click.option("--decoded", is_flag=True, help="Undo the Content-Encoding (gzip, br, deflate).")
@handle_errors
def get(url: str, archive: Path, at: str | None, output: Path | None, show_headers: bool,
        as_warc: bool, decoded: bool) -> None:
    """The archived copy of URL, exactly as captured (payload bytes on standard output).

    Example: archiver get https://example.org/news/1 --at 2026-11-25 --output page.html
    """
    from .citedurls import lone_surrogate
    from .evidence import find_capture, http_head, write_payload, write_records
    from .files import write_into
    from .retrieval import RecordError, UndecodablePayload

    if not url.strip():  # a shell variable never set
        raise InputError("give the URL of a capture, not an empty value")
    if not url.isprintable() or lone_surrogate(url):  # bytes that were not UTF-8, say
        raise InputError(f"{url!r}: not a URL as a capture records one (not printable UTF-8)")
    asked = [name for name, on in (("--headers", show_headers), ("--warc", as_warc),
                                   ("--decoded", decoded)) if on]
    if len(asked) > 1:  # each is another thing to write: one was silently left aside
        raise InputError(f"{' and '.join(asked)} ask for different things: give one")
    when = parse_when(at)
    if output == Path("-"):  # as for most commands: standard output
        output = None
    given = output
    if output is not None:
        output = _outside_archive(output, archive, "--output")
    store = open_archive_readonly(archive)
    try:
        capture = find_capture(store, url, when)
    except RecordError as exc:
        raise DamagedCopy(f"{url}: the archived copy cannot be found ({exc}); nothing was "
                          "written; run `archiver verify` to check the whole archive") from None
    finally:
        store.close()
    try:
        if show_headers:
            head = http_head(archive, capture)  # the bytes, as captured
            write_into(output, lambda fh: fh.write(head))
        elif as_warc:
            write_into(output, lambda fh: write_records(archive, capture, fh))
        else:
            write_into(output, lambda fh: write_payload(archive, capture, fh, decoded))
    except UndecodablePayload as exc:
        raise DamagedCopy(f"{url}: the archived copy is intact, as the server sent it, but "
                          f"{exc}; nothing was written") from None
    except RecordError as exc:
        raise DamagedCopy(f"{url}: the archived copy cannot be read ({exc}); nothing was "
                          "written; run `archiver verify` to check the whole archive") from None
    except StdoutError:  # said as it is, by handle_errors
        raise
    except OSError as exc:  # (named as given, not as the temporary file it failed on)
        where = f"--output {given}: " if given is not None else ""
        raise Failure(f"{where}cannot write the copy: {exc.strerror or exc}") from None
    # said once the records read matched: what the row says of them, checked
    # against them (a revisit's body is its original's)
    body = capture.original or capture.row
    cut = {"length": "at the size cap", "time": "at the time limit",
           "error": "where the connection broke"}.get(str(body.get("truncated")))
    click.echo(f"capture of {capture.row['url']} at {capture.when}: HTTP "
               f"{capture.row['http_status']}, {capture.row['record_type']} record "
               f"{capture.row['warc_file']}@{capture.row['warc_offset']}"
               + (f"; the body was cut {cut}, after {body['body_size']} bytes"
                  if cut else ""), err=True)


def _outside_archive(path: Path, archive: Path, option: str) -> Path:
    """Where *option* writes *path*: the file a symbolic link points to (the link
    stays), and never a file of the archive."""
    real = Path(os.path.realpath(path))
    if real.is_relative_to(os.path.realpath(archive)):
        raise InputError(f"{option} {path}: that is in the archive folder {archive}, "
                         "which nothing but a cycle writes to")
    return real


@cli.command()
@archive_option
@format_option(["table", "json"])
@handle_errors
def verify(archive: Path, fmt: str) -> None:
    """Recompute every record's digests and every WARC file's sha256 against the store.

    Exit status 0 when everything matches, 1 when anything differs (each
    difference named with its file and offset), a record that no row of the
    database names included.

    Example: archiver verify
    """
    from .evidence import verify_archive

    store = open_archive_readonly(archive)
    try:
        result = verify_archive(store, archive)
    finally:
        store.close()
    if fmt == "json":
        click.echo(json.dumps({
            "records": result.records, "files": result.files,
            "files_matched_to_rows": result.matched, "ok": not result.problems,
            "problems": [{"file": p.filename, "offset": p.offset, "kind": p.kind,
                          "message": p.message} for p in result.problems]}, indent=2))
    else:
        for p in result.problems:
            where = p.filename + (f"@{p.offset}" if p.offset is not None else "")
            click.echo(f"{where}: {p.kind}: {p.message}")
        if result.matched < result.files:
            click.echo(f"note: {result.files - result.matched} of the WARC files were not "
                       "looked through for records no row names: closed before archiver "
                       "noted which files have a row for every record, or by a cycle that "
                       "has not ended, crashed or met an error")
        verdict = "all digests match" if not result.problems else \
            f"{len(result.problems)} problem(s) found"
        click.echo(f"{result.records} records in {result.files} WARC files checked: {verdict}")
    sys.exit(1 if result.problems else 0)


@cli.command()
@archive_option
@click.option("--wacz", "wacz", type=click.Path(path_type=Path), required=True,
              help="The WACZ file to write.")
@click.option("--event", "event", default=None, help="Only this event's citations.")
@handle_errors
def export(archive: Path, wacz: Path, event: str | None) -> None:
    """A WACZ package of the archive (pages.jsonl, CDXJ index, datapackage.json with sha256).

    Example: archiver export --wacz report.wacz
    """
    from .evidence import export_archive
    from .retrieval import RecordError

    if not str(wacz) or wacz.is_dir():
        raise InputError(f"--wacz {str(wacz)!r}: a file name is needed, not a folder")
    if wacz.parent.exists() and not wacz.parent.is_dir():
        raise InputError(f"--wacz {wacz}: {wacz.parent} is not a folder")
    _outside_archive(wacz, archive, "--wacz")
    store = open_archive_readonly(archive)
    try:
        exported = export_archive(store, archive, wacz, event)
    except RecordError as exc:  # what would go in differs from what was archived
        raise DamagedCopy(str(exc)) from None
    except OSError as exc:  # where it is written: unwritable, full
        raise Failure(f"--wacz {wacz}: cannot be written: {exc.strerror or exc}") from None
    finally:
        store.close()
    click.echo(f"wrote {wacz} ({exported.pages} pages)", err=True)
    if exported.left_open:
        click.echo(f"note: {exported.left_open} captures left out: the WARC files holding "
                   "them are still open (being written by a running cycle, or left by one "
                   "that stopped, until the next run closes them)", err=True)


@cli.command()
@archive_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (loopback by default).")
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True,
              help="Dashboard port; the replay listens on the next port.")
@click.option("--replay-port", "replay_port", type=click.IntRange(0, 65535), default=None,
              help="Port of the replay (default: --port + 1).")
@handle_errors
def serve(archive: Path, host: str, port: int, replay_port: int | None) -> None:
    """The web dashboard and the replay of the archive (read-only).

    Archived pages are replayed by pywb on their own port, never in the
    dashboard's origin.

    Example: archiver serve --archive archive/ --port 8080
    """
    from .web.app import serve as run_server

    setup_logging("text", logging.WARNING)
    if not host.strip():  # to a socket, "" is every interface: the archive shown to all
        raise InputError("--host: give an address to listen on (127.0.0.1 by default), "
                         "not an empty value")
    if not (archive / "archiver.db").exists():
        raise InputError(f"no archive at {archive}: run `archiver run` first")
    if port and replay_port == port:  # (it said the port was another program's)
        raise InputError(f"--port and --replay-port are both {port}: the dashboard and the "
                         "replay listen on two ports")
    try:
        run_server(archive, host, port, replay_port)
    except OSError as exc:
        raise Failure(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


if __name__ == "__main__":  # pragma: no cover
    cli()
