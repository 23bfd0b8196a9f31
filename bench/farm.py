"""A loopback farm of news sites: many origins served by one nginx process.

``Farm.generate`` writes realistic article pages (20-150 KB of HTML with head
metadata, JSON-LD, navigation, sidebar, footer and several paragraphs of
varied text), pre-gzipped, one folder per origin, and the sources files that
cite them. ``Nginx`` starts ONE nginx process (one master, one worker) with its
own configuration in the farm folder, one ``server`` block per port, all
bound to 127.0.0.1, and stops it again (``with Nginx(...) as n:``).

Every origin serves:

* ``/news/YYYY/MM/<slug>.html``: an article, stored gzip-encoded
  (``gzip_static always``) so the body on the wire is ``Content-Encoding: gzip``;
* ``/old/...``: a ``301`` to the same path under ``/news/``;
* anything else: nginx's ``404``.

Two latency modes: ``delay=0`` (CPU-bound) and ``delay=0.05``, where an
``access_by_lua_block { ngx.sleep(0.05) }`` adds 50 ms to every response.

Server behaviours (``server=``, :data:`SERVERS`): ``keepalive`` (the default:
pre-gzipped pages with their ``Content-Length``, connections kept alive);
``close`` (a new connection per request, ``keepalive_timeout 0``);
``chunked`` (gzip-encoded on the fly, no length: chunked transfer coding);
``eof`` (the same without chunking: the body ends when nginx closes the
connection, as an HTTP/1.0 server's does); ``identity`` (no gzip: the HTML
as stored, four times the bytes, with its length). The last three serve an
uncompressed copy of the pages (``sites-plain/``, written when first needed).
One extra origin serves the 1 GB responses (``/big.bin`` identity,
``/big.html`` gzip-encoded on the fly), sparse files that cost no disk, and
nginx's count of the requests it handled (``Nginx.requests``, from
``stub_status``), read before and after a run to count that run's requests.

Run alone to look at the farm::

    python bench/farm.py --dir /tmp/farm --pages 1000 --serve 30
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import gzip
import json
import multiprocessing
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

NGINX = "/usr/sbin/nginx"
LUA_MODULES = ("/usr/lib/nginx/modules/ndk_http_module.so",
               "/usr/lib/nginx/modules/ngx_http_lua_module.so")
BIG_BYTES = 1024 ** 3
MANIFEST = "farm.json"
#: nginx's count of the requests it handled (on the big-response port).
STATUS_PATH = "/nginx-status"
#: Server behaviours: (pages served from the uncompressed copy, the ``/news/``
#: location's directives, the connections' directives).
_KEEPALIVE = "keepalive_timeout 65;\n  keepalive_requests 1000000;"
SERVERS: dict[str, tuple[bool, str, str]] = {
    "keepalive": (False, "gzip_static always;",
                  _KEEPALIVE),
    "close": (False, "gzip_static always;", "keepalive_timeout 0;"),
    "chunked": (True, "gzip on;", _KEEPALIVE),
    "eof": (True, "gzip on; chunked_transfer_encoding off;",
            _KEEPALIVE),
    "identity": (True, "gzip off;", _KEEPALIVE),
}

COUNTRIES = ["Malaysia", "Kenya", "Cambodia", "Vietnam", "Spain", "Armenia", "Indonesia",
             "Philippines", "Thailand", "Laos", "Uganda", "Egypt", "Fiji", "Turkey", "Poland"]
TOPICS = ["deportation", "extradition", "telecom fraud", "detention", "repatriation",
          "asylum", "court ruling", "police raid", "consular access", "human rights"]
SECTIONS = ["World", "Asia", "Politics", "Business", "Opinion", "Technology", "Culture",
            "Sport", "Science", "Health", "Travel", "Video"]
WORDS = (
    "the of and to in a is that for it as was with be by on not he this are or his from at "
    "which but have an they you were her she there been one all we their has would when "
    "government officials said court police ministry suspects citizens embassy statement "
    "authorities deported extradited foreign nationals charges fraud investigation judge "
    "lawyers families rights groups report according spokesman minister week month year "
    "decision protest international agreement diplomatic pressure prison sentence trial "
    "evidence testimony appeal detained released airport flight escorted custody hearing "
    "parliament opposition election campaign economy trade investment market billion "
    "percent growth region border security military cooperation treaty sovereignty "
    "journalists newspaper television interview confirmed denied alleged reportedly "
    "wednesday thursday friday monday tuesday saturday sunday morning evening late early"
).split()


@dataclass
class Page:
    url: str
    kind: str  # article | redirect | missing
    headline: str
    date: dt.date
    country: str
    topic: str
    group_start: bool = True


def free_ports(n: int) -> list[int]:
    """*n* distinct free TCP ports on 127.0.0.1 (bound then released)."""
    socks: list[socket.socket] = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def _sentence(rng: random.Random, extra: list[str]) -> str:
    words = rng.choices(WORDS, k=rng.randint(8, 28))
    if extra:
        words.insert(rng.randrange(len(words)), rng.choice(extra))
    s = " ".join(words)
    return s[0].upper() + s[1:] + "."


def _paragraphs(rng: random.Random, target: int, extra: list[str]) -> list[str]:
    out: list[str] = []
    size = 0
    while size < target:
        p = " ".join(_sentence(rng, extra) for _ in range(rng.randint(3, 8)))
        out.append(p)
        size += len(p) + 8
    return out


def render_article(rng: random.Random, page: Page, site: str, size: int) -> str:
    """One news article of about *size* bytes of HTML."""
    extra = [page.country, page.topic, page.country + "'s"]
    nav = "".join(f'<li><a href="/section/{s.lower()}/">{s}</a></li>' for s in SECTIONS)
    more = "".join(
        f'<li><a href="/news/{page.date.year}/{rng.randint(1, 12):02d}/'
        f'story-{rng.randint(1, 99999)}.html">{_sentence(rng, [])[:70]}</a></li>'
        for _ in range(12))
    footer_links = "".join(f'<a href="/about/{w}">{w.title()}</a> ' for w in rng.sample(WORDS, 20))
    jsonld = json.dumps({
        "@context": "https://schema.org", "@type": "NewsArticle", "headline": page.headline,
        "datePublished": f"{page.date.isoformat()}T{rng.randint(0, 23):02d}:"
                         f"{rng.randint(0, 59):02d}:00+08:00",
        "dateModified": f"{page.date.isoformat()}T23:10:00+08:00",
        "author": {"@type": "Person",
                   "name": f"{rng.choice(WORDS).title()} {rng.choice(WORDS).title()}"},
        "publisher": {"@type": "Organization", "name": site},
        "mainEntityOfPage": page.url,
    })
    head = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{page.headline} | {site}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="description" content="{_sentence(rng, extra)[:150]}">
<meta property="og:title" content="{page.headline}">
<meta property="og:type" content="article">
<meta property="og:url" content="{page.url}">
<meta property="og:site_name" content="{site}">
<meta property="article:published_time" content="{page.date.isoformat()}T08:00:00+08:00">
<meta name="twitter:card" content="summary_large_image">
<link rel="canonical" href="{page.url}">
<link rel="stylesheet" href="/static/main.css">
<script type="application/ld+json">{jsonld}</script>
<script>window.dataLayer=window.dataLayer||[];function gtag(){{dataLayer.push(arguments)}}</script>
</head><body class="article-page">
<header class="site-header"><a class="logo" href="/">{site}</a>
<nav class="main-nav"><ul>{nav}</ul></nav></header>
<main><article class="story">
<p class="kicker">{page.country}</p>
<h1 class="headline">{page.headline}</h1>
<p class="byline">By {rng.choice(WORDS).title()} {rng.choice(WORDS).title()} &middot;
<time datetime="{page.date.isoformat()}">{page.date.strftime("%B %d, %Y")}</time></p>
<div class="story-body">
"""
    aside = f"""</div></article>
<aside class="sidebar"><h2>Most read</h2><ol>{more}</ol>
<div class="newsletter"><h3>Newsletter</h3><p>{_sentence(rng, [])}</p>
<form action="/subscribe"><input name="email"><button>Sign up</button></form></div></aside>
</main>
<footer class="site-footer"><p>{footer_links}</p>
<p>&copy; {page.date.year} {site}. All rights reserved.</p></footer>
</body></html>
"""
    room = max(2000, size - len(head) - len(aside))
    body = "\n".join(f"<p>{p}</p>" for p in _paragraphs(rng, room, extra))
    return head + body + aside


def _gunzip_file(job: tuple[str, str]) -> None:
    source, target = job
    Path(target).parent.mkdir(parents=True, exist_ok=True)
    Path(target).write_bytes(gzip.decompress(Path(source).read_bytes()))


def _write_page(job: tuple[int, Page, str, int, str]) -> None:
    seed, page, site, size, target = job
    html = render_article(random.Random(seed), page, site, size)
    Path(target).parent.mkdir(parents=True, exist_ok=True)
    Path(target).write_bytes(gzip.compress(html.encode("utf-8"), 6, mtime=0))


class Farm:
    """The generated pages, sources files and nginx configuration under *root*."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.sites = root / "sites"
        self.plain = root / "sites-plain"
        self.data: dict[str, object] = {}

    @property
    def ports(self) -> list[int]:
        return list(self.data["ports"])  # type: ignore[call-overload]

    @property
    def big_port(self) -> int:
        return int(self.data["big_port"])  # type: ignore[call-overload]

    def load(self) -> bool:
        path = self.root / MANIFEST
        if not path.exists():
            return False
        self.data = json.loads(path.read_text())
        return True

    def generate(self, *, origins: int = 120, citations: int = 10_000, seed: int = 7,
                 sizes: tuple[int, ...] = (1000, 10_000)) -> None:
        """Pages for *citations* citations over *origins* ports, and one sources file per size.

        A farm already generated with the same parameters is reused.
        """
        wanted = {"origins": origins, "citations": citations, "seed": seed,
                  "sizes": list(sizes)}
        if self.load() and self.data.get("origins") == origins and \
                self.data.get("seed") == seed and int(self.data["citations"]) >= citations and \
                all(self.sources(n).exists() for n in sizes):
            return
        rng = random.Random(seed)
        shutil.rmtree(self.sites, ignore_errors=True)
        shutil.rmtree(self.plain, ignore_errors=True)
        ports = free_ports(origins + 1)
        site_ports, big_port = ports[:origins], ports[origins]
        self.sites.mkdir(parents=True, exist_ok=True)
        pages: list[Page] = []
        jobs: list[tuple[int, Page, str, int, str]] = []
        event_date, country, topic, left = dt.date(2015, 1, 1), "", "", 0
        for i in range(citations):
            port = site_ports[i % origins]  # origins interleaved, as in a real report
            start = left == 0
            if start:  # the pages of one event share its date, country and topic
                left = rng.randint(1, 3)
                event_date = dt.date(2015, 1, 1) + dt.timedelta(days=rng.randint(0, 3000))
                country, topic = rng.choice(COUNTRIES), rng.choice(TOPICS)
            left -= 1
            date = event_date + dt.timedelta(days=rng.randint(0, 3))
            verb = rng.choice(["deports", "extradites", "detains", "returns"])
            who = rng.choice(["Taiwanese", "foreign", "Chinese"])
            headline = f"{country} {verb} {rng.randint(2, 300)} {who} nationals in {topic} case {i}"
            slug = headline.lower().replace(" ", "-")
            path = f"news/{date.year}/{date.month:02d}/{slug}.html"
            roll = rng.random()
            kind = "article" if roll < 0.94 else ("redirect" if roll < 0.97 else "missing")
            url_path = {"article": path, "redirect": "old/" + path.removeprefix("news/"),
                        "missing": f"news/{date.year}/gone-{i}.html"}[kind]
            page = Page(f"http://127.0.0.1:{port}/{url_path}", kind, headline, date, country,
                        topic, group_start=start)
            pages.append(page)
            if kind != "missing":
                jobs.append((seed * 1_000_003 + i, page, f"Site {port} News",
                             rng.randint(20_000, 150_000),
                             str(self.sites / str(port) / path) + ".gz"))
        with multiprocessing.Pool(min(4, os.cpu_count() or 1)) as pool:
            for _ in pool.imap_unordered(_write_page, jobs, chunksize=64):
                pass
        big = self.sites / str(big_port)
        big.mkdir(parents=True, exist_ok=True)
        for name in ("big.bin", "big.html"):
            with open(big / name, "wb") as fh:
                fh.truncate(BIG_BYTES)  # sparse: no disk used
        for n in sizes:
            self._write_sources(self.root / f"sources-{n}.yaml", pages[:n])
            (self.root / f"urls-{n}.txt").write_text("".join(p.url + "\n" for p in pages[:n]))
        big_src = self.root / "big"
        big_src.mkdir(exist_ok=True)
        for name in ("big.bin", "big.html"):
            self._write_sources(big_src / f"sources-{name}.yaml", [
                Page(f"http://127.0.0.1:{big_port}/{name}", "article", "big", dt.date(2020, 1, 1),
                     "Malaysia", "big")])
        self.data = dict(wanted, ports=site_ports, big_port=big_port,
                         kinds={k: sum(p.kind == k for p in pages) for k in
                                ("article", "redirect", "missing")})
        (self.root / MANIFEST).write_text(json.dumps(self.data))

    @staticmethod
    def _write_sources(path: Path, pages: list[Page]) -> None:
        """Events of 1-3 citations each, dated near their pages."""
        lines = ["report:", "  title: Benchmark report", "  publisher: Bench", "events:"]
        n = 0
        for i, p in enumerate(pages):
            if i == 0 or p.group_start:
                lines += [f"  - id: event-{n:05d}", f"    date: {p.date.isoformat()}",
                          f"    country: {p.country}", f"    reason: {p.topic}", "    sources:"]
                n += 1
            lines.append(f"      - {p.url}")
        path.write_text("\n".join(lines) + "\n")

    def sources(self, n: int) -> Path:
        return self.root / f"sources-{n}.yaml"

    def urls(self, n: int) -> Path:
        return self.root / f"urls-{n}.txt"

    def write_plain(self) -> None:
        """The pages uncompressed under ``sites-plain/`` (for the servers that
        encode on the fly or not at all); those already there are kept."""
        jobs = []
        for gz in self.sites.rglob("*.html.gz"):
            target = self.plain / gz.relative_to(self.sites).with_suffix("")
            if not target.exists():
                jobs.append((str(gz), str(target)))
        if jobs:
            with multiprocessing.Pool(min(4, os.cpu_count() or 1)) as pool:
                for _ in pool.imap_unordered(_gunzip_file, jobs, chunksize=64):
                    pass

    def config(self, delay: float, server: str = "keepalive") -> str:
        """The nginx configuration: one server block per port, 127.0.0.1 only,
        serving as *server* (:data:`SERVERS`) does."""
        prefix = self.root / "nginx"
        plain, news, connections = SERVERS[server]
        delay_block = f"access_by_lua_block {{ ngx.sleep({delay}) }}" if delay > 0 else ""
        servers = []
        for port in self.ports:
            servers.append(f"""
  server {{
    listen 127.0.0.1:{port} backlog=4096;
    root {(self.plain if plain else self.sites) / str(port)};
    location /old/ {{ rewrite ^/old/(.*)$ /news/$1 permanent; }}
    location /news/ {{ {news} }}
  }}""")
        servers.append(f"""
  server {{
    listen 127.0.0.1:{self.big_port};
    root {self.sites / str(self.big_port)};
    location = /big.html {{ default_type text/html; types {{ }} }}
    location = {STATUS_PATH} {{ stub_status; }}
  }}""")
        modules = "".join(f"load_module {m};\n" for m in LUA_MODULES) if delay > 0 else ""
        return f"""{modules}worker_processes 1;
daemon off;
master_process on;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log error;
worker_rlimit_nofile 65536;
events {{ worker_connections 16384; }}
http {{
  access_log off;
  types {{ text/html html; text/css css; }}
  default_type application/octet-stream;
  sendfile on;
  tcp_nopush on;
  {connections}
  server_tokens off;
  gzip on;
  gzip_types text/html;
  gzip_vary on;
  client_body_temp_path {prefix}/client_body;
  proxy_temp_path {prefix}/proxy;
  fastcgi_temp_path {prefix}/fastcgi;
  uwsgi_temp_path {prefix}/uwsgi;
  scgi_temp_path {prefix}/scgi;
  {delay_block}
{"".join(servers)}
}}
"""


class Nginx:
    """One nginx process (master + one worker) serving *farm*; stopped on exit."""

    def __init__(self, farm: Farm, delay: float = 0.0, server: str = "keepalive") -> None:
        if server not in SERVERS:
            raise ValueError(f"unknown server behaviour {server!r}: one of {', '.join(SERVERS)}")
        self.farm = farm
        self.delay = delay
        self.server = server
        self.prefix = farm.root / "nginx"
        suffix = "" if server == "keepalive" else f"-{server}"
        self.conf = self.prefix / f"nginx-{int(delay * 1000)}ms{suffix}.conf"
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def pid_file(self) -> Path:
        return self.prefix / "nginx.pid"

    def start(self) -> Nginx:
        self.prefix.mkdir(parents=True, exist_ok=True)
        if SERVERS[self.server][0]:
            self.farm.write_plain()
        self.conf.write_text(self.farm.config(self.delay, self.server))
        log = open(self.prefix / "stderr.log", "ab")
        try:
            self.proc = subprocess.Popen([NGINX, "-p", str(self.prefix), "-c", str(self.conf)],
                                         stdout=log, stderr=log, start_new_session=True)
        finally:
            log.close()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                log = (self.prefix / "stderr.log").read_text()[-2000:]
                raise RuntimeError(f"nginx exited: {log}")
            if self._pid() == self.proc.pid and all(self._listening(p) for p in
                                               (self.farm.ports[0], self.farm.ports[-1],
                                                self.farm.big_port)):
                return self
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("nginx did not start within 15 s")

    def _pid(self) -> int | None:
        """The pid in the pid file (ours once our master has bound every port)."""
        with contextlib.suppress(OSError, ValueError):
            return int(self.pid_file.read_text().strip())
        return None

    @staticmethod
    def _listening(port: int) -> bool:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return True
        return False

    def requests(self) -> int | None:
        """Requests nginx has handled since it started, this one included
        (``stub_status``); None when it cannot be read."""
        url = f"http://127.0.0.1:{self.farm.big_port}{STATUS_PATH}"
        try:
            with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310 - loopback
                text = answer.read().decode("ascii", "replace")
        except OSError:
            return None
        # "server accepts handled requests" then their three numbers
        found = re.search(r"requests\s+\d+\s+\d+\s+(\d+)", text)
        return int(found.group(1)) if found else None

    def worker_pids(self) -> list[int]:
        """The master and its worker(s), for CPU accounting."""
        if self.proc is None:
            return []
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(self.proc.pid)],
                             capture_output=True, text=True, check=False).stdout
        return [self.proc.pid, *(int(x) for x in out.split())]

    def stop(self) -> None:
        """Stop the master by its pid file (and by its process handle, as a fallback)."""
        pid = self._pid()
        if pid is not None and self.proc is not None and pid == self.proc.pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        if self.proc is not None:
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
            self.proc = None

    def __enter__(self) -> Nginx:
        return self.start()

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


def cpu_seconds(pids: list[int]) -> float:
    """user+sys CPU seconds used so far by running processes *pids* (from /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


@contextlib.contextmanager
def farm_running(root: Path, delay: float, server: str = "keepalive",
                 **generate: int) -> Iterator[tuple[Farm, Nginx]]:
    farm = Farm(root)
    farm.generate(**generate)
    with Nginx(farm, delay, server) as nginx:
        yield farm, nginx


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dir", type=Path, required=True)
    ap.add_argument("--pages", type=int, default=1000)
    ap.add_argument("--origins", type=int, default=120)
    ap.add_argument("--delay", type=float, default=0.0)
    ap.add_argument("--serve", type=float, default=0.0, help="Seconds to keep nginx running.")
    ap.add_argument("--server", choices=list(SERVERS), default="keepalive",
                    help="How the origins serve (see SERVERS; default: %(default)s).")
    args = ap.parse_args(argv)
    t0 = time.monotonic()
    farm = Farm(args.dir)
    farm.generate(origins=args.origins, citations=args.pages,
                  sizes=(min(1000, args.pages), args.pages))
    print(f"farm generated in {time.monotonic() - t0:.1f}s: {farm.data['kinds']}", file=sys.stderr)
    if args.serve > 0:
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop nginx on kill too
        with Nginx(farm, args.delay, args.server):
            print(f"serving ports {farm.ports[0]}..{farm.ports[-1]} for {args.serve}s",
                  file=sys.stderr)
            time.sleep(args.serve)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
