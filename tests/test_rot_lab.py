"""Link rot on loopback: a baseline run, the rot, a second run — exact statuses.

Several origins (ports) serve news-like pages (markup modelled on the common
WordPress/Arc XP article template, see ``lab.news_page``). Between the first
run (the baseline snapshot) and the second, each scenario rots the way real
sites do: pages removed, redirected to the home page, replaced by a parked
domain, put behind a bot wall or a login, moved, rewritten, or failing.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from archiver.pipeline import run_cycle
from archiver.report import build_report
from archiver.sources import load_sources
from archiver.storeopen import open_store

from .lab import Route, Site, news_page
from .sourcesfile import lab_settings as loopback_settings
from .sourcesfile import write_sources

STORY = ("Malaysia deported 32 Taiwanese telecom fraud suspects to China on Sunday, "
         "despite protests from Taipei.\n\n"
         "Taiwan's foreign ministry said it had asked Kuala Lumpur to send the group home, "
         "and called the deportation a violation of their rights.\n\n"
         "The group was flown to Guangzhou, officials in Beijing confirmed on Monday, "
         "saying the suspects had defrauded victims in mainland China.")
LONG_STORY = STORY + "\n\n" + "\n\n".join(
    f"Paragraph {i}: rights groups in Kuala Lumpur and Taipei asked again why the suspects "
    f"were sent to a country where they had never lived, and lawyers for {i + 3} families "
    "said they had not been told where their relatives were held." for i in range(6))
OTHER_STORY = ("The city council approved a new budget for public parks on Thursday.\n\n"
               "Residents will vote on the plan for a new library next spring, the mayor said, "
               "after months of debate over the cost of the renovation.")
ERROR_PAGE = ("<html><head><title>Page not found</title></head><body><nav>Home</nav>"
              "<h1>Sorry, we couldn't find that page</h1><p>Try searching.</p></body></html>")
HOME = ("<html><head><title>The Lab Times - Latest news</title>"
        '<meta property="og:type" content="website"></head><body><h1>Latest news</h1>'
        + "".join(f'<a href="/2016/05/{i:02d}/story-{i}/">Story {i} headline here</a>'
                  for i in range(60)) + "</body></html>")
# A home page of teasers with summaries, as WordPress themes list posts (Twenty
# Twenty-One's index: <article class="post"> with a linked .entry-title and an
# excerpt): 300 words, none an article's.
TEASER_HOME = (
    '<html lang="en"><head><title>The Lab Times - News, politics and opinion</title>'
    '<meta property="og:type" content="website"></head><body class="home blog">'
    '<header id="masthead"><a href="/" rel="home">The Lab Times</a></header>'
    '<main id="main" class="site-main">'
    + "".join(f'<article class="post type-post"><header class="entry-header"><h2 '
              f'class="entry-title"><a href="/2016/05/{i:02d}/story-{i}/">Ministers '
              f'meet over plan number {i} for the region</a></h2></header><div '
              f'class="entry-content"><p>Officials said on Monday that plan {i} would go '
              f'ahead despite concerns raised by residents and lawyers.</p></div></article>'
              for i in range(1, 13))
    + '</main><footer id="colophon">The Lab Times</footer></body></html>')
PARKED = ("<html><head><title>example-news.com</title></head><body>"
          "<h1>This domain may be for sale!</h1><p>Buy this domain. The domain owner has "
          "parked this domain.</p><a href='/buy'>Inquire now</a></body></html>")
CHALLENGE = ("<html><head><title>Just a moment...</title></head><body>"
             "<h1>Checking your browser before accessing the site.</h1></body></html>")
# Modelled on the pages US papers (the Tribune group's, 2018 on) serve European readers.
GEO_BLOCK = ("<html><head><title>The Lab Times</title></head><body><h1>This content is not "
             "available in your region</h1><p>Unfortunately, our website is currently "
             "unavailable in most European countries. We are engaged on the issue.</p>"
             "</body></html>")
SEARCH = ("<html><head><title>Search results - The Lab Times</title></head><body>"
          "<h1>Search results for malaysia deports</h1>"
          + "".join(f"<div class=result><a href='/2016/05/{i:02d}/x/'>Result {i} about Malaysia"
                    f"</a><p>Snippet {i}</p></div>" for i in range(20)) + "</body></html>")
LOGIN = ("<html><head><title>Sign in</title></head><body><h1>Sign in to continue</h1>"
         "<form method=post><input name=user><input type=password name=pw></form></body></html>")


def article(headline: str = "Malaysia deports 32 Taiwanese to China",
            story: str = STORY, published: str | None = "2016-05-01",
            sidebar: str = "<a href='/x'>Most read one</a>") -> str:
    return news_page(headline, story, published=published, sidebar=sidebar)


class Lab:
    def __init__(self) -> None:
        self.news = Site().start()  # most scenarios
        self.wire = Site().start()  # a second news origin
        self.parked = Site().start()  # becomes a parked domain
        self.down = Site().start()  # stops answering
        # answers every unknown path with 200 and its home page (a common CMS setting)
        self.catchall = Site().start()
        self.catchall.fallback = Route(200, [("Content-Type", "text/html")], HOME.encode())
        self.sites = [self.news, self.wire, self.parked, self.down, self.catchall]
        # origins answer unknown paths with a real 404, except where a scenario says otherwise
        n = self.news
        self.paths = {
            "alive": "/2016/05/01/alive/",
            "volatile": "/2016/05/01/volatile/",
            "gone404": "/2016/05/01/gone-404/",
            "gone410": "/2016/05/01/gone-410/",
            "to_home": "/2016/05/01/to-home/",
            "err_words": "/2016/05/01/error-words/",
            "forbidden": "/2016/05/01/forbidden/",
            "ratelimit": "/2016/05/01/rate-limited/",
            "challenge": "/2016/05/01/challenge/",
            "captcha": "/2016/05/01/captcha/",
            "login": "/2016/05/01/login-wall/",
            "moved": "/2016/05/01/moved/",
            "rewritten": "/2016/05/01/rewritten/",
            "error500": "/2016/05/01/server-error/",
            "slow": "/2016/05/01/slow/",
            "refresh_home": "/2016/05/01/refresh-home/",
            "slash_added": "/2016/05/01/slash-added",
            "temp_elsewhere": "/2016/05/01/temporary/",
            "late_date": "/2018/12/15/cambodia-deports/",
            "off_topic": "/2016/05/01/off-topic/",
            "no_date": "/section/undated-story",
            "no_headline": "/2016/05/01/no-headline/",
            "geo_block": "/2016/05/01/geo-block/",
            "paywall": "/2016/05/01/paywall/",
            "paywall_jsonld": "/2016/05/01/paywall-jsonld/",
            "to_search": "/2016/05/01/to-search/",
            "js_home": "/2016/05/01/js-home/",
            "plain_ok": "/2016/05/01/plain-ok/",
            "teaser_home": "/2016/05/01/teaser-home/",
        }
        for path in self.paths.values():
            n.page(path, article())
        n.page(self.paths["late_date"], article(
            "Grave concern as Cambodia deports Taiwanese alleged scammers to China",
            story=STORY.replace("Malaysia", "Cambodia"), published="2018-12-15"))
        n.page(self.paths["off_topic"], article("Council approves parks budget", OTHER_STORY))
        for key in ("paywall", "paywall_jsonld"):  # a long article, free when first archived
            n.page(self.paths[key], article(story=LONG_STORY))
        n.page(self.paths["no_date"], article(published=None))
        n.page(self.paths["no_headline"], "<html><body><div><p>" + STORY.replace("\n\n", "</p><p>")
               + "</p></div></body></html>")
        n.page("/", HOME)
        self.wire.page("/story/malaysia-deports", article(), gzip=True, chunked=True)
        self.wire.page("/big5", ("<html><head><meta charset='big5'>"
                                 "<title>台灣人遭馬來西亞遣返中國 - 新聞</title></head>"
                                 "<body><h1>台灣人遭馬來西亞遣返中國</h1><p>"
                                 "馬來西亞將32名台灣人遣返中國，外交部表示抗議。</p></body></html>"
                                 ).encode("big5"), content_type="text/html; charset=big5")
        self.parked.page("/news/malaysia-deports.html", article())
        self.down.page("/2016/05/01/host-gone/", article())
        self.catchall.page("/world/asia/malaysia-deports-taiwanese", article())
        self.catchall.page("/world/asia/kenya-deports-taiwanese", article(
            "Kenya deports 45 Taiwanese to China", STORY.replace("Malaysia", "Kenya")))

    def url(self, key: str) -> str:
        return self.news.url(self.paths[key])

    def rot(self) -> None:
        n, p = self.news, self.paths
        n.page(p["volatile"], article(
            "Malaysia deports 32 Taiwanese to China",
            STORY.replace("despite protests", "despite protest") + "\n\nUpdated: May 2, 2016.",
            sidebar="<a href='/y'>Most read two</a><a href='/z'>Most read three</a>"))
        n.remove(p["gone404"])
        n.page(p["gone410"], "<html><body><h1>Gone</h1></body></html>", status=410)
        n.redirect(p["to_home"], "/", status=302)
        n.page(p["teaser_home"], TEASER_HOME)  # the home page, served at the article's URL
        n.page(p["err_words"], "<html><head><title>Página no encontrada</title></head><body>"
               "<h1>Página no encontrada</h1><p>Lo sentimos.</p></body></html>")
        n.page(p["forbidden"], "<html><body><h1>Forbidden</h1></body></html>", status=403)
        n.page(p["ratelimit"], "Too many requests", status=429,
               headers=[("Retry-After", "3600")])
        n.page(p["challenge"], CHALLENGE, status=503,
               headers=[("cf-mitigated", "challenge"), ("Server", "cloudflare")])
        # a challenge page known only by its wording (no cf-mitigated header)
        n.page(p["captcha"], CHALLENGE, status=503)
        n.redirect(p["login"], "/account/login?next=%2F2016%2F05%2F01%2Flogin-wall%2F", 302)
        n.page("/account/login", LOGIN)
        n.redirect(p["moved"], "/news/2016/malaysia-deports-32-taiwanese", 301)
        n.page("/news/2016/malaysia-deports-32-taiwanese", article())
        n.page(p["rewritten"], article("City opens new public library", OTHER_STORY))
        n.page(p["error500"], "Internal error", status=500)
        n.page(p["slow"], article(), delay=4.0)
        # a <meta refresh> to the home page, served with 200
        n.page(p["refresh_home"], '<html><head><meta http-equiv="refresh" content="0; url=/">'
               "<title>Redirecting</title></head><body></body></html>")
        # a trivial permanent redirect (trailing slash added): still the cited page
        n.redirect(p["slash_added"], p["slash_added"] + "/", 301)
        n.page(p["slash_added"] + "/", article())
        # a temporary redirect to the same article at another address
        n.redirect(p["temp_elsewhere"], "/amp/2016/05/01/temporary/", 302)
        n.page("/amp/2016/05/01/temporary/", article())
        # refused to this client's region, with 200 (the GDPR page of a US paper)
        n.page(p["geo_block"], GEO_BLOCK)
        # the article's beginning and a subscription prompt (phrase), or its
        # beginning and the JSON-LD that search engines ask paywalled pages for
        lead = STORY.split("\n\n")[0]
        n.page(p["paywall"], news_page("Malaysia deports 32 Taiwanese to China",
                                       lead + "\n\nSubscribe to continue reading.",
                                       published="2016-05-01"))
        n.page(p["paywall_jsonld"], news_page(
            "Malaysia deports 32 Taiwanese to China", lead, published="2016-05-01").replace(
            "</head>", '<script type="application/ld+json">{"@type": "NewsArticle", '
            '"isAccessibleForFree": "False", "hasPart": {"@type": "WebPageElement", '
            '"isAccessibleForFree": "False", "cssSelector": ".paywall"}}</script></head>'))
        # a page that only sends the browser to the home page by script, with 200
        n.page(p["js_home"], "<html><head><title>The Lab Times</title><script>"
               "window.location.href = '/';</script></head><body></body></html>")
        # a health-check answer where the article was
        n.page(p["plain_ok"], b"OK", content_type="text/plain")
        # a deleted article sent to the site's search for its words
        n.redirect(p["to_search"], "/search?q=malaysia+deports", 301)
        n.page("/search", SEARCH)
        # the whole parked origin now serves a parking page for every path
        self.parked.routes.clear()
        self.parked.fallback = Route(200, [("Content-Type", "text/html")], PARKED.encode())
        self.down.stop()
        # the article is deleted: the catch-all now serves the home page at its URL
        self.catchall.remove("/world/asia/malaysia-deports-taiwanese")

    def close(self) -> None:
        for s in self.sites:
            s.stop()


@pytest.fixture
def lab() -> Iterator[Lab]:
    lab = Lab()
    yield lab
    lab.close()


EXPECTED_STATUS = {
    "alive": "alive", "volatile": "alive", "gone404": "dead", "gone410": "dead",
    "to_home": "soft-404", "err_words": "soft-404", "forbidden": "blocked",
    "ratelimit": "blocked", "challenge": "blocked", "captcha": "blocked", "login": "blocked",
    "moved": "moved",
    "rewritten": "drifted", "error500": "unreachable", "slow": "unreachable",
    "refresh_home": "soft-404", "slash_added": "alive", "temp_elsewhere": "alive",
    "geo_block": "blocked", "paywall": "blocked", "paywall_jsonld": "blocked",
    "to_search": "soft-404", "js_home": "soft-404", "plain_ok": "soft-404",
    "teaser_home": "soft-404",
}


def test_rot_lab_exact_statuses_and_flags(lab: Lab, tmp_path: Path) -> None:
    events = []
    for key in EXPECTED_STATUS:
        events.append({"id": f"e-{key.replace('_', '-')}", "date": "2016-05-01",
                       "country": "Malaysia", "sources": [lab.url(key)]})
    events += [
        {"id": "e-late-date", "date": "2018-04-03", "country": "Philippines",
         "sources": [lab.url("late_date")]},
        {"id": "e-off-topic", "date": "2016-05-01", "country": "Malaysia",
         "sources": [lab.url("off_topic")]},
        {"id": "e-no-date", "date": "2016-05-01", "country": "Malaysia",
         "sources": [lab.url("no_date")]},
        {"id": "e-no-headline", "date": "2016-05-01", "country": "Malaysia",
         "sources": [lab.url("no_headline")]},
        {"id": "e-gzip", "date": "2016-05-01", "country": "Malaysia",
         "sources": [lab.wire.url("/story/malaysia-deports")]},
        {"id": "e-big5", "date": None, "country": "Malaysia", "sources": [lab.wire.url("/big5")]},
        {"id": "e-parked", "date": "2016-05-01", "country": "Malaysia",
         "sources": [lab.parked.url("/news/malaysia-deports.html")]},
        {"id": "e-host-gone", "date": "2016-05-01", "country": "Malaysia",
         "sources": [lab.down.url("/2016/05/01/host-gone/")]},
        {"id": "e-catchall-gone", "date": "2016-05-01", "country": "Malaysia",
         "sources": [lab.catchall.url("/world/asia/malaysia-deports-taiwanese")]},
        {"id": "e-catchall-alive", "date": "2016-04-08", "country": "Kenya",
         "sources": [lab.catchall.url("/world/asia/kenya-deports-taiwanese")]},
    ]
    src = write_sources(tmp_path / "sources.yaml", events)
    sources = load_sources(src)
    archive = tmp_path / "archive"
    settings = loopback_settings(timeout=1.5)

    first = asyncio.run(run_cycle(sources, archive=archive, settings=settings))
    checks = open_store(archive)
    first_status = {o["event_id"]: o["status"] for o in checks.checks_of_cycle(first.cycle_id)}
    checks.close()
    # the baseline run: everything answers with its page
    assert all(s == "alive" for s in first_status.values()), first_status

    lab.rot()
    asyncio.run(run_cycle(sources, archive=archive, settings=settings))
    store = open_store(archive)
    try:
        report = build_report(store)
    finally:
        store.close()
    got = {r["event"]: r for r in report["results"]}
    wrong = {}
    for key, status in EXPECTED_STATUS.items():
        r = got[f"e-{key.replace('_', '-')}"]
        if r["status"] != status:
            wrong[key] = (status, r["status"], r["reason"])
    for event, status in [("e-gzip", "alive"), ("e-big5", "alive"), ("e-parked", "soft-404"),
                          ("e-host-gone", "dead"), ("e-late-date", "alive"),
                          ("e-catchall-gone", "soft-404"), ("e-catchall-alive", "alive")]:
        if got[event]["status"] != status:
            wrong[event] = (status, got[event]["status"], got[event]["reason"])
    assert not wrong, json.dumps(wrong, indent=1, ensure_ascii=False)

    for r in report["results"]:
        assert r["reason"], r
    assert got["e-error500"]["consecutive_failures"] == 1
    assert got["e-alive"]["flags"] == []
    assert "date-mismatch" in got["e-late-date"]["flags"]
    assert "topic-mismatch" not in got["e-late-date"]["flags"]
    assert "topic-mismatch" in got["e-off-topic"]["flags"]
    assert "no-date" in got["e-no-date"]["flags"]
    assert "no-headline" in got["e-no-headline"]["flags"]
    assert got["e-moved"]["final_url"].endswith("/news/2016/malaysia-deports-32-taiwanese")
    assert got["e-big5"]["headline"] == "台灣人遭馬來西亞遣返中國"
    assert "(rule: geo-block)" in got["e-geo-block"]["reason"]
    assert "(rule: paywall)" in got["e-paywall"]["reason"]
    assert "isAccessibleForFree: false" in got["e-paywall-jsonld"]["reason"]


def test_live_pages_are_never_reported_broken(lab: Lab, tmp_path: Path) -> None:
    """Precision: unchanged, volatile, gzip and Big5 pages stay alive over repeated checks."""
    urls = [lab.url("alive"), lab.url("volatile"), lab.wire.url("/story/malaysia-deports"),
            lab.wire.url("/big5")]
    src = write_sources(tmp_path / "s.yaml", [
        {"id": f"e{i}", "date": "2016-05-01", "country": "Malaysia", "sources": [u]}
        for i, u in enumerate(urls)])
    sources = load_sources(src)
    archive = tmp_path / "archive"
    for round_ in range(3):
        if round_ == 1:
            lab.news.page(lab.paths["volatile"], article(
                sidebar="<a href='/q'>Something else entirely is most read today</a>",
                story=STORY + "\n\nUpdated at 10:32 GMT."))
        summary = asyncio.run(run_cycle(sources, archive=archive,
                                        settings=loopback_settings(timeout=1.5)))
        checks = open_store(archive)
        verdicts = checks.checks_of_cycle(summary.cycle_id)
        checks.close()
        assert verdicts
        for o in verdicts:
            assert o["status"] == "alive", (round_, o)

