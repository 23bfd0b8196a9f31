"""Replay of the archive through pywb, on its own origin, in a child process.

Archived pages are hostile content: they must never run in the dashboard's
origin. pywb therefore serves them from another port (another origin), in its
framed replay: ``/{coll}/{timestamp}/{url}`` shows pywb's frame around the page,
``/{coll}/{timestamp}mp_/{url}`` the rewritten page itself and
``/{coll}/{timestamp}id_/{url}`` the payload exactly as captured (a body coded
twice, which pywb cannot undo, is replayed decoded: :mod:`archiver.web.records`).

pywb runs in a child process (``python -m archiver.web.replay``): importing its
front end runs gevent's ``monkey.patch_all()``, which would change every socket
and thread of the process that imports it.

The collection (:func:`archiver.collection.build_collection`: links to the
closed WARC files and a CDXJ index per file) lives in a folder of its own, never
inside ``archive/``. It indexes only what the archive database
(``archive/archiver.db``, opened read-only) vouches for, so that no one who
opens a replay URL directly is shown an altered copy: a WARC file whose SHA-256
is the one recorded when it was closed is indexed whole; from any other
(altered, or not recorded yet) only the records the database knows whose
digests match the recorded ones (a revisit's original too). The indexes, and
the outcome of those checks, are also kept between starts, outside the archive
(``$XDG_CACHE_HOME/archiver/replay-index/``, by default
``~/.cache/archiver/replay-index/``; safe to delete): a start indexes and
hashes only the files that are new or changed. The collection is built when
the child starts, and refreshed when a request arrives and the closed WARC
files (names, sizes, mtimes, inodes and ctimes, looked at before every
request: some 4 ms for 1,000 files) have changed (so a file rewritten in
place while the replay runs is checked again before the next request is
answered), or when a file indexed before the database had its SHA-256 (one
a running cycle closed) has it now.
Only GET and HEAD reach pywb, and only URLs whose host and port can be read
(400 otherwise: pywb answered a bracketed host that is no address with a 500);
recording and proxy mode stay off. A damaged or
altered WARC file does not stop the replay: the warnings of the first build
(which files, which offsets, how many records left out, given again at each
start when the index comes from the cache; or that the cache cannot be
written) are sent to the parent with the port and logged there; later ones go
to ``replay.log``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import selectors
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from ..exceptions import ArchiverError
from ..report_html import COLLECTION

STARTUP_SECONDS = 60.0
STOP_SECONDS = 5.0

LOGGER = logging.getLogger(__name__)

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


Signature = tuple[tuple[str, int, int, int, int], ...]


def warc_signature(warc_dir: Path) -> Signature:
    """Names, sizes, mtimes, inodes and ctimes of the closed WARC files (the
    ``*.warc.gz``): what a refresh depends on (a file rewritten in place
    is checked again). One listing of the folder and one ``stat`` a file: some
    4 ms for 1,000 files, looked at before every request."""
    from ..replaycache import stat_key

    found = []
    try:
        with os.scandir(warc_dir) as entries:
            for entry in entries:
                name = entry.name
                if not name.endswith(".warc.gz"):
                    continue
                try:
                    key = stat_key(entry.stat())  # as Path.stat: through a symbolic link
                except OSError:
                    continue
                found.append((name, *key))
    except OSError:
        return ()
    return tuple(sorted(found))


def replay_config(coll_root: Path) -> dict[str, Any]:
    """pywb's configuration: the collection folder, framed replay, no proxy, no recording."""
    from ..collection import pywb_config

    config = dict(pywb_config(coll_root))
    config.update({"framed_replay": True, "debug": False, "enable_memento": True,
                   "redirect_to_exact": True})
    config.pop("proxy", None)
    config.pop("recorder", None)
    return config


class Refresher:
    """Rebuilds the collection when the closed WARC files change (cheap check)."""

    def __init__(self, warc_dir: Path, coll_root: Path, name: str = COLLECTION) -> None:
        self.warc_dir = warc_dir
        self.coll_root = coll_root
        self.name = name
        self._signature: Signature | None = None
        self._lock = threading.Lock()
        self._stamp = 0  # the last mtime given to the index folder (whole seconds)

    def refresh(self, force: bool = False) -> bool:
        """Build the collection if needed; True when it was (re)built."""
        from ..collection import build_collection, recorded_since

        with self._lock:
            signature = warc_signature(self.warc_dir)
            if not force and signature == self._signature and \
                    not recorded_since(self.warc_dir, self.coll_root, self.name):
                return False
            coll = build_collection(self.warc_dir, self.coll_root, self.name)
            self._signature = signature
            self._show(coll / "indexes")
            return True

    def _show(self, indexes: Path) -> None:
        """Make pywb read the index folder again. It keeps its listing while the
        folder's ``stat`` is the same, in whole seconds: an index added in the
        second of its last look went unseen, and the page captured since was
        "not found" until the folder changed again. Each rebuild gives the
        folder an mtime later than any before (and than now)."""
        self._stamp = max(int(time.time()) + 1, self._stamp + 1)
        try:
            os.utime(indexes, (self._stamp, self._stamp))
        except OSError as exc:
            print(f"replay: {indexes}: {exc}", file=sys.stderr, flush=True)


def _wire(value: str) -> str:
    """*value* as latin-1 text whose bytes are those it was read from (UTF-8,
    unless latin-1 already holds it)."""
    try:
        value.encode("latin-1")
        return value
    except UnicodeEncodeError:
        return value.encode("utf-8").decode("latin-1")


def unreadable_url(url: str) -> str | None:
    """Why *url* cannot be read as a URL (a bracketed host that is no IP
    address, or is cut short; a port that is no number), as ``urlsplit`` says;
    None when it can."""
    try:
        parts = urlsplit(url)
        parts.hostname, parts.port  # noqa: B018 - read to check them
    except ValueError as exc:
        return str(exc)
    return None


def _unreadable_target(path: str, collection: str) -> str | None:
    """Why the URL a replay path names (``/{coll}/[{ts}{mod}/]{url}``) cannot be
    read (:func:`unreadable_url`), where pywb's own reading raised (a 500)."""
    rest = path.removeprefix(f"/{collection}/")
    if rest == path:
        return None
    _, _, after = rest.partition("/")
    return unreadable_url(rest) or (unreadable_url(after) if after else None)


class Guard:
    """WSGI middleware in front of pywb: GET/HEAD only, a URL that cannot be read
    answered 400, collection refresh."""

    def __init__(self, app: WsgiApp, refresher: Refresher) -> None:
        self.app = app
        self.refresher = refresher

    def __call__(self, environ: dict[str, Any],
                 start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD", "GET") not in ("GET", "HEAD"):
            body = b"The replay is read-only: only GET and HEAD.\n"
            start_response("405 Method Not Allowed", [
                ("Allow", "GET, HEAD"), ("Content-Type", "text/plain; charset=utf-8"),
                ("Content-Length", str(len(body)))])
            return [body]
        if _unreadable_target(environ.get("PATH_INFO", ""), self.refresher.name):
            body = b"Not an archived URL: its host or port cannot be read.\n"
            start_response("400 Bad Request", [
                ("Content-Type", "text/plain; charset=utf-8"),
                ("X-Content-Type-Options", "nosniff"), ("Content-Length", str(len(body)))])
            return [body]
        try:
            self.refresher.refresh()
        except (ArchiverError, OSError) as exc:
            print(f"replay: cannot refresh the collection: {exc}", file=sys.stderr, flush=True)

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            names = {k.lower() for k, _ in headers}
            if "referrer-policy" not in names:
                headers = [*headers, ("Referrer-Policy", "no-referrer")]
            # the length the server announced when the page was captured: a body
            # cut at fetch.max_bytes (WARC-Truncated) is shorter, and a client
            # waits for the rest that never comes; the body is sent as it is
            # read instead (chunked), and ends where the capture ends
            if "content-length" in names and environ.get("REQUEST_METHOD") != "HEAD":
                headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
            # a value warcio read as UTF-8 ("X-Name: café 台灣", a Location to
            # "/台灣") goes out as the bytes that were captured: a WSGI header is
            # latin-1 text, and the server dropped any other without a word
            headers = [(k, v if v.isascii() else _wire(v)) for k, v in headers]
            # a status line captured with no reason phrase, which pywb reads as
            # empty ("200 ", archiver.web.records): sent as it came, "HTTP/1.1 200"
            status = status.rstrip(" ")
            return start_response(status, headers, exc_info)

        return self.app(environ, start)


class ReplayServer:
    """pywb serving *archive* on (*host*, *port*) in a child process.

    Use as a context manager; ``url`` is the origin (``http://127.0.0.1:PORT``).
    *port* 0 lets the child pick a free port, which it reports on start.
    """

    def __init__(self, archive: Path, *, host: str = "127.0.0.1", port: int = 0,
                 coll_root: Path | None = None,
                 startup_timeout: float = STARTUP_SECONDS) -> None:
        self.archive = Path(archive)
        self.host = host
        self.port = port
        self.startup_timeout = startup_timeout
        self._own_root = coll_root is None
        self.coll_root = Path(coll_root) if coll_root else None
        self.proc: subprocess.Popen[bytes] | None = None
        self.bound_port: int | None = None
        self.warnings: list[str] = []  # from building the collection at start

    @property
    def url(self) -> str:
        if self.bound_port is None:
            raise ArchiverError("the replay server is not running")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.bound_port}"

    def start(self) -> ReplayServer:
        if self.coll_root is None:
            self.coll_root = Path(tempfile.mkdtemp(prefix="archiver-replay-"))
        self.coll_root.mkdir(parents=True, exist_ok=True)
        log_path = self.coll_root / "replay.log"
        cmd = [sys.executable, "-m", "archiver.web.replay", "--archive",
               str(self.archive.resolve()), "--root", str(self.coll_root.resolve()),
               "--host", self.host, "--port", str(self.port)]
        env = {k: v for k, v in os.environ.items()
               if k.lower() not in {"http_proxy", "https_proxy", "all_proxy"}}
        pkg_root = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = os.pathsep.join(p for p in (pkg_root, env.get("PYTHONPATH")) if p)
        with open(log_path, "ab") as log:
            self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=log,
                                         stdin=subprocess.DEVNULL, cwd=self.coll_root,
                                         env=env)
        try:
            self.bound_port = self._read_port()
        except BaseException:
            self.stop()
            raise
        return self

    def _read_port(self) -> int:
        assert self.proc is not None and self.proc.stdout is not None
        deadline = time.monotonic() + self.startup_timeout
        buf = b""
        with selectors.DefaultSelector() as sel:
            sel.register(self.proc.stdout, selectors.EVENT_READ)
            while time.monotonic() < deadline and b"\n" not in buf:
                if not sel.select(timeout=min(0.5, max(0.0, deadline - time.monotonic()))):
                    if self.proc.poll() is not None:
                        break
                    continue
                chunk = os.read(self.proc.stdout.fileno(), 4096)
                if not chunk:
                    break
                buf += chunk
        line = buf.split(b"\n", 1)[0]
        try:
            started = json.loads(line)
            port = int(started["port"])
        except (ValueError, KeyError, TypeError):
            log = self.log_tail()
            LOGGER.debug("replay log: %s", log)
            said = [line for line in log.splitlines() if line.strip()][-1:] or ["no reason given"]
            raise ArchiverError(f"the replay server did not start on {self.host}:{self.port}: "
                                f"{said[0].strip()}") from None
        self.warnings = [str(w) for w in started.get("warnings", [])]
        for warning in self.warnings:
            LOGGER.warning("replay: %s", warning)
        return port

    def log_tail(self, size: int = 2000) -> str:
        if self.coll_root is None:
            return ""
        try:
            return (self.coll_root / "replay.log").read_text("utf-8", "replace")[-size:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.terminate()
                try:
                    self.proc.wait(STOP_SECONDS)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(STOP_SECONDS)
            if self.proc.stdout is not None:
                self.proc.stdout.close()
            self.proc = None
        if self._own_root and self.coll_root is not None:
            shutil.rmtree(self.coll_root, ignore_errors=True)
            self.coll_root = None

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


class _Collect(logging.Handler):
    """Keeps the messages of the warnings logged while the collection is first built."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _child(argv: list[str] | None = None) -> int:  # pragma: no cover - runs in the child
    """The child process: build the collection, serve pywb, report the port."""
    from gevent import monkey

    monkey.patch_all()
    import gevent
    from gevent.pywsgi import WSGIServer

    from .records import replay_app

    parser = argparse.ArgumentParser(prog="archiver.web.replay")
    parser.add_argument("--archive", required=True, type=Path)
    parser.add_argument("--root", required=True, type=Path)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    # the first build's warnings go to the parent; later ones to stderr (replay.log),
    # through logging's last-resort handler
    startup = _Collect()
    logging.getLogger("archiver").addHandler(startup)
    refresher = Refresher(args.archive / "warc", args.root)
    try:
        refresher.refresh(force=True)
    finally:
        logging.getLogger("archiver").removeHandler(startup)
    config_file = str(args.root / "config.yaml")
    app = Guard(replay_app(config_file, replay_config(args.root)), refresher)
    server = WSGIServer((args.host, args.port), app, log=None)
    server.start()
    print(json.dumps({"port": server.server_port, "warnings": startup.messages}), flush=True)
    parent = os.getppid()

    def orphan_watch() -> None:
        while os.getppid() == parent:
            gevent.sleep(1.0)
        server.stop(timeout=1)

    gevent.spawn(orphan_watch)
    server.serve_forever()
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(_child())
