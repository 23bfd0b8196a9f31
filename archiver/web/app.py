"""``archiver serve``: a read-only dashboard of the archive, and its replay.

Pages (each HTML page has a ``.json`` twin serving the same model):

==============================  ===================================================
``/``, ``/index.json``           events and their citations with status, worst first
``/citation/<id>``, ``.json``    one citation: checks, status changes, captures, and
                                 a text diff between the first snapshot and the
                                 latest capture
``/static/style.css``            the stylesheet (no inline style: the CSP forbids it)
``/{coll}/{timestamp}/{url}``    a redirect to that capture in the replay origin
                                 (the "our archived copy" links of the HTML
                                 report and of ``/``);
                                 409 when that capture no longer matches its
                                 recorded digests
==============================  ===================================================

Archived pages are never served from the dashboard's own origin: pywb replays
them on another port (:mod:`archiver.web.replay`), in its frame
(``/{coll}/{timestamp}/{url}``), so a hostile archived page cannot script the
dashboard.

Security: binds 127.0.0.1 by default; only GET and HEAD are allowed (405
otherwise) and no endpoint changes anything; the store is opened read-only for
each request; everything from a page is escaped (Jinja autoescape); every
response carries a strict Content-Security-Policy (no script at all),
``X-Content-Type-Options: nosniff``, ``Referrer-Policy: no-referrer`` and
``X-Frame-Options: DENY``. A connection idle for :data:`IDLE_SECONDS` is
closed, and so is one whose request head has not come whole within
:data:`HEAD_SECONDS` of its first byte (sent a byte at a time); at most
:data:`CONNECTIONS` connections are served at once (one past them is answered
503 with ``Retry-After``, without a body to a HEAD, and closed, so a crowd of
open connections cannot take a thread each without end:
:mod:`archiver.web.connections`); at most
:data:`BUSY_PAGES` pages that read WARC files are made at once (503 with
``Retry-After`` for one that finds no turn in :data:`WAIT_SECONDS`).

Example::

    archiver serve --archive archive/ --port 8080
"""

from __future__ import annotations

import errno
import io
import logging
import signal
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from ..evidence import FileVerdicts
from ..exceptions import StorageError
from ..models import STATUSES
from ..report_html import COLLECTION, STATIC_DIR, environment, event_renderer
from ..retrieval import is_warc_name
from ..storeopen import open_store
from .connections import HeadReader, Refuser
from .model import citation_model, dumps, index_model, json_event, replay_problem
from .replay import ReplayServer, unreadable_url

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment
    from werkzeug.serving import BaseWSGIServer

LOGGER = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080
#: The largest integer SQLite holds (a citation's id is one).
SQLITE_MAX_INT = 2**63 - 1
#: Seconds a connection may send nothing before it is closed (a request sent
#: in part, or a connection kept open and left idle, held a thread for ever).
IDLE_SECONDS = 30.0
#: Connections served at once, each by a thread of its own (a browser opens six
#: to a host; a connection past them is answered 503 and closed, by one thread).
CONNECTIONS = 64
#: Seconds from the first byte of a request's head within which it must have
#: come whole (a client sending it a byte at a time, each within IDLE_SECONDS,
#: held a thread and one of the CONNECTIONS for as long as it went on).
HEAD_SECONDS = 10.0
#: Most pages made at once that read WARC files (a citation page, the check of
#: a report's link); past them a request waits up to WAIT_SECONDS, then is
#: answered 503 with Retry-After.
BUSY_PAGES = 4
WAIT_SECONDS = 2.0

CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none';"
       " form-action 'none'; frame-ancestors 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Cache-Control": "no-store",
}
ALLOWED_METHODS = ("GET", "HEAD")
STATIC_FILES = {"style.css": "text/css; charset=utf-8", "favicon.svg": "image/svg+xml"}


class Dashboard:
    """The dashboard as a WSGI application. Make one with :func:`make_app`."""

    def __init__(self, archive: Path, replay_base: str, collection: str = COLLECTION) -> None:
        self.archive = Path(archive)
        self.warc_dir = self.archive / "warc"
        self.replay_base = replay_base.rstrip("/")
        self.collection = collection
        self.env = environment()
        # the verdict of each WARC file that vouches for captures an earlier
        # version wrote, kept while the file stays as it is
        self.files = FileVerdicts()
        self.busy = threading.BoundedSemaphore(BUSY_PAGES)
        self.wait_seconds = WAIT_SECONDS
        self.url_map = Map([
            Rule("/", endpoint="index"),
            Rule("/index.json", endpoint="index_json"),
            # (a number SQLite holds: a larger one is no citation's, not a crash)
            Rule(f"/citation/<int(max={SQLITE_MAX_INT}):cid>", endpoint="citation"),
            Rule(f"/citation/<int(max={SQLITE_MAX_INT}):cid>.json", endpoint="citation_json"),
            Rule("/static/<name>", endpoint="static"),
            Rule("/favicon.ico", endpoint="favicon"),
            Rule(f"/{collection}/<timestamp>/<path:target>", endpoint="replay"),
        ], merge_slashes=False, strict_slashes=False)

    # -- WSGI ---------------------------------------------------------------
    def __call__(self, environ: WSGIEnvironment,
                 start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        response = self.dispatch(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        if request.method not in ALLOWED_METHODS:
            return self.error(request, 405, "Method Not Allowed",
                              "This view of the archive is read-only: only GET and HEAD.",
                              headers={"Allow": ", ".join(ALLOWED_METHODS)})
        adapter = self.url_map.bind_to_environ(request.environ)
        try:
            endpoint, args = adapter.match()
        except NotFound:
            return self.error(request, 404, "Not Found", "There is no such page.")
        except HTTPException as exc:  # a redirect the router itself asks for
            return self.error(request, exc.code or 400, exc.name, exc.description or "")
        try:
            handler = getattr(self, f"on_{endpoint}")
            result: Response = handler(request, **args)
            return result
        except _Busy:
            return self.error(request, 503, "Busy",
                              "Too many pages are being made right now; try again shortly.",
                              headers={"Retry-After": "2"})
        except StorageError as exc:
            LOGGER.warning("cannot read the archive: %s", exc)
            return self.error(request, 503, "Archive unavailable",
                              "The archive database cannot be read right now.")
        except Exception:  # a defect: logged, and answered as a page like any other
            LOGGER.exception("%s %s failed", request.method, request.path)
            return self.error(request, 500, "Internal Server Error",
                              "This page could not be made; the server log says why.")

    # -- helpers --------------------------------------------------------------
    def _read_warcs(self, fn: Any, *args: Any) -> Any:
        """:meth:`_read` for a page that reads WARC files: at most BUSY_PAGES at
        once; :class:`_Busy` when no turn came in time."""
        if not self.busy.acquire(timeout=self.wait_seconds):
            raise _Busy()
        try:
            return self._read(fn, *args)
        finally:
            self.busy.release()

    def _read(self, fn: Any, *args: Any) -> Any:
        store = open_store(self.archive, readonly=True)
        try:
            return fn(store, *args)
        finally:
            store.close()

    def page(self, template: str, model: dict[str, Any], json_href: str,
             status: int = 200) -> Response:
        html = self.env.get_template(template).render(
            m=model, json_href=json_href, replay_base=self.replay_base)
        return Response(html, status=status, content_type="text/html; charset=utf-8")

    @staticmethod
    def json(model: Any, status: int = 200) -> Response:
        body = dumps(model) + "\n"
        return Response(body, status=status, content_type="application/json; charset=utf-8")

    def error(self, request: Request, status: int, title: str, message: str,
              headers: dict[str, str] | None = None) -> Response:
        if request.path.endswith(".json"):
            response = self.json({"error": title, "message": message}, status=status)
        else:
            html = self.env.get_template("error.html").render(
                status=status, title=title, message=message, json_href="/index.json",
                replay_base=self.replay_base)
            response = Response(html, status=status, content_type="text/html; charset=utf-8")
        for name, value in (headers or {}).items():
            response.headers[name] = value
        return response

    # -- endpoints ------------------------------------------------------------
    def on_index(self, request: Request) -> Response:
        return self._index(request, json_twin=False)

    def on_index_json(self, request: Request) -> Response:
        return self._index(request, json_twin=True)

    def _index(self, request: Request, json_twin: bool) -> Response:
        """``/`` and ``/index.json``, filtered by ``status`` (repeated, or
        separated by commas) and ``event``."""
        statuses = frozenset(s.strip() for value in request.args.getlist("status")
                             for s in value.split(",") if s.strip())
        unknown = sorted(statuses - set(STATUSES))
        if unknown:
            return self.error(request, 400, "Bad Request",
                              f"Unknown status {', '.join(map(repr, unknown))}: "
                              f"the statuses are {', '.join(STATUSES)}.")
        event = request.args.get("event") or None
        index = self._read(index_model, self.replay_base, self.collection, statuses, event,
                           json_event if json_twin
                           else event_renderer("", self.collection, linked=True))
        if index is None:
            return self.error(request, 404, "Not Found", f"There is no event {event!r}.")
        # written out as the events' files are read back (a 10,000-citation index
        # is 11 MB of HTML): the files are closed with the response
        if json_twin:
            response = Response(index.json_text(),
                                content_type="application/json; charset=utf-8")
        else:
            query = request.query_string.decode("latin-1")
            response = Response(self.env.get_template("index.html").generate(
                m=index.head, blocks=index.html_blocks(), replay_base=self.replay_base,
                json_href="/index.json" + (f"?{query}" if query else "")),
                content_type="text/html; charset=utf-8")
        response.call_on_close(index.close)
        return response

    def _citation(self, cid: int) -> dict[str, Any] | None:
        result: dict[str, Any] | None = self._read_warcs(
            citation_model, self.warc_dir, cid, self.replay_base, self.collection, self.files)
        return result

    def on_citation(self, request: Request, cid: int) -> Response:
        model = self._citation(cid)
        if model is None:
            return self.error(request, 404, "Not Found", f"There is no citation {cid}.")
        return self.page("citation.html", model, f"/citation/{cid}.json")

    def on_citation_json(self, request: Request, cid: int) -> Response:
        model = self._citation(cid)
        if model is None:
            return self.error(request, 404, "Not Found", f"There is no citation {cid}.")
        return self.json(model)

    def on_static(self, request: Request, name: str) -> Response:
        if name not in STATIC_FILES:
            return self.error(request, 404, "Not Found", "There is no such file.")
        data = (STATIC_DIR / name).read_bytes()
        response = Response(data, content_type=STATIC_FILES[name])
        response.headers["Cache-Control"] = "public, max-age=300"
        return response

    def on_favicon(self, request: Request) -> Response:
        response = Response("", status=301)
        response.headers["Location"] = "/static/favicon.svg"
        return response

    def on_replay(self, request: Request, timestamp: str, target: str) -> Response:
        """Send a report's "archived copy" link on to the replay origin."""
        if not timestamp.isdigit() or len(timestamp) > 14:
            return self.error(request, 404, "Not Found", "Not a capture timestamp.")
        # The archived URL as written in the request: its escapes (the route
        # decodes "%E4%B8%AD" to "中", which names no capture) and its query string.
        target = _raw_target(request, f"/{self.collection}/{timestamp}/") or target
        raw_query = request.query_string.decode("latin-1")
        url = f"{target}?{raw_query}" if raw_query else target
        if not url.isprintable():  # a CR or LF would end the Location header
            return self.error(request, 404, "Not Found", "Not an archived URL.")
        if unreadable_url(url):  # a bracketed host that is no address: pywb's 500
            return self.error(request, 400, "Bad Request",
                              "Not an archived URL: its host or port cannot be read.")
        problem = self._read_warcs(replay_problem, self.warc_dir, url, timestamp, self.files)
        if problem is not None:
            return self.error(request, 409, "Archived copy altered",
                              f"The copy of {url} captured at {timestamp} does not match what "
                              f"was recorded when it was written ({problem}), so it is not "
                              "replayed. `archiver verify` lists what is wrong.")
        location = f"{self.replay_base}/{self.collection}/{timestamp}/{url}"
        response = Response("", status=302)
        response.headers["Location"] = location
        return response


class _Busy(Exception):  # noqa: N818 - answered 503, not a defect
    """No turn came for a page that reads WARC files."""


def _raw_target(request: Request, prefix: str) -> str | None:
    """The request's path after *prefix*, escapes kept (werkzeug's server gives
    the path as sent in ``RAW_URI``); None when it is not there."""
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    if not isinstance(raw, str):
        return None
    path = raw.split("?", 1)[0]
    if "://" in path and not path.startswith("/"):  # an absolute request-target
        path = "/" + path.split("://", 1)[1].split("/", 1)[-1]
    return path[len(prefix):] if path.startswith(prefix) else None


def make_app(archive: Path, *, replay_base: str | None = None,
             collection: str = COLLECTION) -> Dashboard:
    """The dashboard over *archive*, linking captures to pywb at *replay_base*.

    *replay_base* is the origin serving the replay (``http://127.0.0.1:8081``);
    by default the port after the dashboard's default port.
    """
    base = replay_base or f"http://{DEFAULT_HOST}:{DEFAULT_PORT + 1}"
    return Dashboard(Path(archive), base, collection)


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


class DashboardServer:
    """The dashboard and its replay, listening, in background threads and a child.

    Use as a context manager; ``url`` and ``replay_url`` say where they listen.
    *port* 0 picks a free port; *replay_port* defaults to *port* + 1 (any free
    port when *port* is 0 or 65535).
    """

    def __init__(self, archive: Path, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT,
                 replay_port: int | None = None, idle_seconds: float = IDLE_SECONDS,
                 connections: int = CONNECTIONS, head_seconds: float | None = None) -> None:
        self.archive = Path(archive)
        self.idle_seconds = idle_seconds
        self.head_seconds = HEAD_SECONDS if head_seconds is None else head_seconds
        self.connections = connections
        self.host = host
        self.port = port
        self.replay_port = (port + 1 if 0 < port < 65535 else 0) if replay_port is None \
            else replay_port
        self.replay: ReplayServer | None = None
        self.refuser: Refuser | None = None
        self.server: BaseWSGIServer | None = None
        self.thread: threading.Thread | None = None

    def start(self) -> DashboardServer:
        from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler

        head_seconds = self.head_seconds

        class Handler(WSGIRequestHandler):
            timeout = self.idle_seconds  # the socket's: a connection idle past it is closed

            def setup(self) -> None:
                super().setup()
                self.rfile.close()  # read through a HeadReader instead
                self.reader = HeadReader(self.connection, self.timeout, head_seconds)
                self.rfile = io.BufferedReader(self.reader)

            def handle_one_request(self) -> None:
                self.reader.head()
                super().handle_one_request()

            def parse_request(self) -> bool:
                parsed = super().parse_request()
                self.reader.body()
                return parsed

        slots = threading.BoundedSemaphore(self.connections)
        dashboard = self

        class Server(ThreadedWSGIServer):
            """A thread per connection, up to *connections* at once."""

            def process_request(self, request: Any, client_address: Any) -> None:
                if not slots.acquire(blocking=False):
                    if dashboard.refuser is None:  # stopping
                        self.shutdown_request(request)
                    else:
                        dashboard.refuser.refuse(request)
                    return
                try:
                    super().process_request(request, client_address)  # starts the thread
                except BaseException:
                    slots.release()
                    raise

            def process_request_thread(self, request: Any, client_address: Any) -> None:
                try:
                    super().process_request_thread(request, client_address)
                finally:
                    slots.release()

        db = self.archive / "archiver.db"
        if not db.exists():
            raise StorageError(f"no archive database at {db}", path=db)
        self.replay = ReplayServer(self.archive, host=self.host, port=self.replay_port).start()
        self.refuser = Refuser()
        try:
            app = make_app(self.archive, replay_base=self.replay.url)
            try:
                self.server = Server(self.host, self.port, app, Handler)
            except SystemExit:  # werkzeug's way of saying the port is taken
                raise OSError(errno.EADDRINUSE, "address already in use") from None
        except BaseException:
            self.replay.stop()
            self.refuser.stop()
            raise
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={"poll_interval": 0.2}, daemon=True)
        self.thread.start()
        return self

    @property
    def url(self) -> str:
        assert self.server is not None, "not started"
        return f"http://{_url_host(self.host)}:{self.server.server_port}"

    @property
    def replay_url(self) -> str:
        assert self.replay is not None, "not started"
        return self.replay.url

    def wait(self) -> None:
        """Block until the server stops (Ctrl-C stops it)."""
        while self.thread is not None and self.thread.is_alive():
            self.thread.join(0.5)

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
        if self.thread is not None:
            self.thread.join(5)
            self.thread = None
        if self.replay is not None:
            self.replay.stop()
            self.replay = None
        if self.refuser is not None:
            self.refuser.stop()
            self.refuser = None

    def __enter__(self) -> DashboardServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _terminate(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def missing_warc_files(archive: Path) -> list[str]:
    """The WARC files the archive recorded as written that are not in ``warc/``
    (or not as a regular file: a FIFO or a device, which is not read)."""
    store = open_store(archive, readonly=True)
    try:
        recorded = store.warc_files()
    finally:
        store.close()
    return sorted(name for name in recorded
                  if not is_warc_name(name) or not (archive / "warc" / name).is_file())


def serve(archive: Path, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT,
          replay_port: int | None = None) -> None:
    """Serve the dashboard on (*host*, *port*) and the replay beside it, until Ctrl-C.

    SIGTERM stops it as Ctrl-C does: the replay child is stopped, its folder removed.
    A WARC file recorded as written but missing is named in a warning: its
    captures cannot be replayed.
    """
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminate)
    for name in missing_warc_files(archive):
        LOGGER.warning("%s is recorded in the archive but missing from %s (or not a "
                       "regular file there): its captures cannot be replayed; `archiver "
                       "verify` lists what is wrong",
                       name, archive / "warc")
    with DashboardServer(archive, host, port, replay_port) as server:
        LOGGER.info("dashboard on %s, replay on %s", server.url, server.replay_url)
        try:  # (served all the same when standard output is closed or full)
            print(f"archiver dashboard: {server.url}/\n"
                  f"replay:             {server.replay_url}/{COLLECTION}/\n"
                  "Press Ctrl-C to stop.", flush=True)
        except OSError:
            pass
        try:
            server.wait()
        except KeyboardInterrupt:
            pass
