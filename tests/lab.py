"""A loopback web lab for tests: real HTTP servers on 127.0.0.1, port 0.

Each ``Site`` is one origin (one port) served by a thread. Routes are plain
values (status, headers, body) or functions that write raw bytes to the socket,
for servers that misbehave. Every request is logged (time, method, path,
headers) so tests can count connections and check politeness.

    with Site() as site:
        site.page("/a", "<html>...</html>")
        site.redirect("/old", "/a", status=301)
        url = site.url("/a")
"""

from __future__ import annotations

import contextlib
import gzip as _gzip
import shutil
import socket
import socketserver
import struct
import subprocess
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

RawHandler = Callable[["Handler"], None]


@dataclass
class Route:
    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    chunked: bool = False
    delay: float = 0.0
    raw: RawHandler | None = None


@dataclass
class Hit:
    time: float
    method: str
    path: str
    headers: dict[str, str]
    client: tuple[str, int]


class Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    def do_GET(self) -> None:  # noqa: N802
        site = self.server.site
        path = self.path
        site._record(Hit(time.monotonic(), self.command, path, dict(self.headers.items()),
                         self.client_address))
        route = site.routes.get(path)
        if route is None:
            route = site.routes.get(path.split("?", 1)[0])
        if route is None:  # the longest folder answering every path below it
            route = next((site.below[folder] for folder in sorted(site.below, key=len,
                                                                   reverse=True)
                          if path.startswith(folder)), site.fallback)
        if route.delay:
            time.sleep(route.delay)
        if route.raw is not None:
            route.raw(self)
            return
        self.send_response_only(route.status)
        names = {k.lower() for k, _ in route.headers}
        for k, v in route.headers:
            self.send_header(k, v)
        if "date" not in names:
            self.send_header("Date", self.date_time_string())
        if route.chunked:
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            body = route.body
            for i in range(0, len(body), 1000):
                part = body[i:i + 1000]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\n\r\n")
        else:
            if "content-length" not in names:
                self.send_header("Content-Length", str(len(route.body)))
            self.end_headers()
            self.wfile.write(route.body)
        self.wfile.flush()

    do_HEAD = do_GET


class _Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True
    site: Site

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # hostile handlers break connections on purpose


class Site:
    """One loopback origin. Use as a context manager, or call start/stop."""

    def __init__(self, host: str = "127.0.0.1", family: socket.AddressFamily = socket.AF_INET):
        self.host = host
        self.family = family
        self.routes: dict[str, Route] = {}
        self.fallback = Route(404, [("Content-Type", "text/html; charset=utf-8")],
                              b"<html><head><title>404 Not Found</title></head>"
                              b"<body><h1>Not Found</h1></body></html>")
        #: folders ("/a/") whose route answers every path below them not routed
        self.below: dict[str, Route] = {}
        self.hits: list[Hit] = []
        self.connections = 0
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- routes -----------------------------------------------------------
    def route(self, path: str, route: Route) -> None:
        self.routes[path] = route

    def page(self, path: str, html: str | bytes, *, status: int = 200,
             content_type: str = "text/html; charset=utf-8", gzip: bool = False,
             chunked: bool = False, headers: list[tuple[str, str]] | None = None,
             charset: str = "utf-8", delay: float = 0.0) -> None:
        body = html.encode(charset) if isinstance(html, str) else html
        hdrs = [("Content-Type", content_type)] + list(headers or [])
        if gzip:
            body = _gzip.compress(body, mtime=0)
            hdrs.append(("Content-Encoding", "gzip"))
        self.routes[path] = Route(status, hdrs, body, chunked=chunked, delay=delay)

    def redirect(self, path: str, location: str, status: int = 301) -> None:
        self.routes[path] = Route(status, [("Location", location),
                                           ("Content-Type", "text/html")], b"")

    def raw(self, path: str, fn: RawHandler) -> None:
        self.routes[path] = Route(raw=fn)

    def remove(self, path: str) -> None:
        self.routes.pop(path, None)

    # -- lifecycle ----------------------------------------------------------
    def start(self) -> Site:
        server_cls = type("_S", (_Server,), {"address_family": self.family})
        self._server = server_cls((self.host, 0), Handler)
        self._server.site = self
        orig_verify = self._server.verify_request

        def count(request: Any, client_address: Any) -> bool:
            with self._lock:
                self.connections += 1
            return orig_verify(request, client_address)

        self._server.verify_request = count  # type: ignore[method-assign]
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Site:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- addresses ----------------------------------------------------------
    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.server_address[1])

    @property
    def origin(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def url(self, path: str = "/") -> str:
        return self.origin + path

    def _record(self, hit: Hit) -> None:
        with self._lock:
            self.hits.append(hit)

    def hits_for(self, path: str) -> list[Hit]:
        with self._lock:
            return [h for h in self.hits if h.path == path]


def news_page(headline: str, body: str, *, published: str | None = "2016-05-03",
              site_name: str = "The Lab Times", lang: str = "en",
              sidebar: str = "", charset: str = "utf-8") -> str:
    """A news article marked up the way most news sites do it.

    Modelled on the common WordPress/Arc XP article template: OpenGraph and
    article:published_time in <head>, a JSON-LD NewsArticle, a <time> element,
    an <h1> headline, navigation, a sidebar of "most read" links and a footer.
    """
    date_meta = ""
    time_el = ""
    ld_date = ""
    if published:
        date_meta = f'<meta property="article:published_time" content="{published}T08:00:00+00:00">'
        time_el = f'<time datetime="{published}T08:00:00+00:00">{published}</time>'
        ld_date = f', "datePublished": "{published}T08:00:00+00:00"'
    paragraphs = "".join(f"<p>{p.strip()}</p>" for p in body.split("\n\n") if p.strip())
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="{charset}">
<title>{headline} | {site_name}</title>
<meta property="og:title" content="{headline}">
<meta property="og:type" content="article">
<meta property="og:site_name" content="{site_name}">
{date_meta}
<script type="application/ld+json">{{"@context": "https://schema.org", "@type": "NewsArticle",
 "headline": "{headline}"{ld_date}}}</script>
</head><body>
<header><nav><a href="/">Home</a> <a href="/world/">World</a> <a href="/asia/">Asia</a>
<a href="/opinion/">Opinion</a></nav></header>
<main><article><h1>{headline}</h1><div class="byline">By Staff Reporter {time_el}</div>
<div class="article-body">{paragraphs}</div></article></main>
<aside class="most-read"><h2>Most read</h2>{sidebar}</aside>
<footer><p>&copy; {site_name}. All rights reserved.</p><a href="/privacy">Privacy</a></footer>
</body></html>"""


# --------------------------------------------------------------------------
# TLS sites, certificates and misbehaving writers (the fetcher's tests)


def make_certificate(hostnames: tuple[str, ...] = ("localhost",),
                     ips: tuple[str, ...] = ("127.0.0.1",), *,
                     expired: bool = False) -> tuple[bytes, bytes]:
    """A self-signed certificate and its key, PEM-encoded, made on the spot."""
    import datetime as dt
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostnames[0] if hostnames
                                         else "lab"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Loopback Lab")])
    now = dt.datetime.now(dt.timezone.utc)  # noqa: UP017
    start, end = (now - dt.timedelta(days=30), now - dt.timedelta(days=1)) if expired \
        else (now - dt.timedelta(days=1), now + dt.timedelta(days=30))
    alt: list[x509.GeneralName] = [x509.DNSName(h) for h in hostnames]
    alt += [x509.IPAddress(ipaddress.ip_address(i)) for i in ips]
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(end)
            .add_extension(x509.SubjectAlternativeName(alt), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM,
                                serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


class TLSSite(Site):
    """A loopback origin served over TLS with the given certificate.

    Each accepted socket is wrapped server-side; the handshake runs in the
    handler thread, so a client that fails it only breaks its own connection.
    ``sni`` records the server names clients asked for.
    """

    def __init__(self, cert_pem: bytes, key_pem: bytes, host: str = "127.0.0.1",
                 family: socket.AddressFamily = socket.AF_INET) -> None:
        import ssl
        import tempfile

        super().__init__(host, family)
        self.sni: list[str | None] = []
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        with tempfile.TemporaryDirectory() as tmp:
            cert_file, key_file = f"{tmp}/cert.pem", f"{tmp}/key.pem"
            with open(cert_file, "wb") as fh:
                fh.write(cert_pem)
            with open(key_file, "wb") as fh:
                fh.write(key_pem)
            self.context.load_cert_chain(cert_file, key_file)

        def on_sni(sslobj: Any, name: str | None, ctx: Any) -> None:
            self.sni.append(name)

        self.context.sni_callback = on_sni

    def start(self) -> TLSSite:
        super().start()
        assert self._server is not None
        plain_accept = self._server.get_request
        context = self.context

        def get_request() -> tuple[Any, Any]:
            sock, addr = plain_accept()
            sock.settimeout(5.0)
            return context.wrap_socket(sock, server_side=True,
                                       do_handshake_on_connect=False), addr

        self._server.get_request = get_request  # type: ignore[method-assign]
        return self

    def __enter__(self) -> TLSSite:
        return self.start()

    @property
    def origin(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"https://{host}:{self.port}"


def answer_until(base_url: str, status: int) -> Any:
    """The first answer to a GET of *base_url*'s ``/index.json`` with *status*
    (an ``httpx.Response``), asked again for up to 10 s."""
    import httpx

    deadline = time.monotonic() + 10
    with httpx.Client(trust_env=False, timeout=10) as c:
        while True:
            answer = c.get(base_url + "/index.json", headers={"Connection": "close"})
            if answer.status_code == status or time.monotonic() > deadline:
                return answer
            time.sleep(0.05)


def closed_port(host: str = "127.0.0.1") -> int:
    """A loopback port that was bound and closed: connecting to it is refused."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def write_slowly(handler: Handler, parts: list[bytes], interval: float) -> None:
    """Send *parts* one by one, *interval* seconds apart; stop when the client leaves."""
    try:
        for part in parts:
            handler.wfile.write(part)
            handler.wfile.flush()
            time.sleep(interval)
    except OSError:
        pass


def body_of(hop: Any) -> bytes:
    """The body a fetch kept of *hop* (an ``archiver.models.Hop``): in memory or
    in its file."""
    body = hop.body
    assert body is not None, "no body was read"
    return body if isinstance(body, bytes) else body.read_bytes()


def warc_member(data: bytes) -> bytes:
    """*data* as one gzip member with the header archiver's WARC writer gives every
    member (what a forger who knows the format writes)."""
    from archiver.warcparts import GZIP_HEADER

    squeeze = zlib.compressobj(6, zlib.DEFLATED, -15)
    return (GZIP_HEADER + squeeze.compress(data) + squeeze.flush()
            + struct.pack("<II", zlib.crc32(data), len(data) & 0xFFFFFFFF))


def copy_archive(archive: Path, tmp_path: Path) -> Path:
    """A copy of *archive* in *tmp_path*, to alter without touching the original."""
    copy = tmp_path / "archive"
    shutil.copytree(archive, copy)
    return copy


@contextlib.contextmanager
def killed_at_end(proc: subprocess.Popen[Any]) -> Iterator[subprocess.Popen[Any]]:
    """*proc*, killed (and waited for) on the way out of the block if it still runs."""
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
