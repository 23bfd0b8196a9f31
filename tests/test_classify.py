"""The link-status classifier: one test (at least) per status and per rule."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time

import pytest

from archiver.classify import classify, error_title, http_status_of, same_url, url_key
from archiver.models import (
    STATUSES,
    Baseline,
    FailureHistory,
    FetchResult,
    Hop,
    PageInfo,
    Probe,
    Verdict,
)
from archiver.settings import CheckSettings

from .test_similarity import ARTICLE, OTHER_ARTICLE

NOW = dt.datetime(2026, 11, 25, 14, 0, tzinfo=dt.UTC)
URL = "https://thediplomat.com/2016/05/taiwan-slams-malaysias-kowtow-to-china-on-deportations/"
HEADLINE = "Taiwan Slams Malaysia's Kowtow to China on Deportations"
UA = [("User-Agent", "archiver/0.1"), ("Accept", "text/html")]


def hop(url: str = URL, status: int | None = 200, headers: dict[str, str] | None = None,
        location: str | None = None, reason: str = "") -> Hop:
    response = list((headers or {}).items())
    if location:
        response.append(("Location", location))
    return Hop(url=url, method="GET", request_headers=UA, started=NOW, status=status,
               reason_phrase=reason, response_headers=response)


def fetched(*hops: Hop, error: str | None = None, url: str = URL) -> FetchResult:
    return FetchResult(url=url, hops=list(hops), error=error)  # type: ignore[arg-type]


def chain(*steps: tuple[str, int], url: str = URL) -> FetchResult:
    """A redirect chain: each (url, status) hop points at the next."""
    hops = []
    for i, (u, status) in enumerate(steps):
        nxt = steps[i + 1][0] if i + 1 < len(steps) else None
        hops.append(hop(u, status, location=nxt))
    return fetched(*hops, url=url)


def article(headline: str = HEADLINE, text: str = ARTICLE, **kw: object) -> PageInfo:
    fields: dict[str, object] = dict(
        kind="html", headline=headline, title=f"{headline} \u2013 The Diplomat", h1=headline,
        published=dt.date(2016, 5, 3), text=text, lang="en", og_type="article",
    )
    fields.update(kw)
    return PageInfo(**fields)  # type: ignore[arg-type]


def snapshot(page: PageInfo | None = None, url: str = URL) -> Baseline:
    return Baseline(url=url, final_url=url, captured_at=NOW - dt.timedelta(days=30),
                    payload_digest="sha1:AAAA", page=page or article())


def run(fetch: FetchResult, page: PageInfo | None = None, *, baseline: Baseline | None = None,
        probe: Probe | None = None, history: FailureHistory | None = None,
        network_down: bool = False, now: dt.datetime = NOW,
        settings: CheckSettings | None = None) -> Verdict:
    verdict = classify(fetch=fetch, page=page, baseline=baseline, probe=probe,
                       history=history or FailureHistory(), network_down=network_down,
                       now=now, settings=settings or CheckSettings())
    assert verdict.status in STATUSES
    assert verdict.reason.endswith(f"(rule: {verdict.rule}).")
    return verdict


# -------------------------------------------------------------------- dead

@pytest.mark.parametrize(("status", "phrase"), [(404, "Not Found"), (410, "Gone")])
def test_404_and_410_are_dead(status: int, phrase: str) -> None:
    v = run(fetched(hop(status=status)))
    assert (v.status, v.rule) == ("dead", f"http-{status}")
    assert v.reason == f"HTTP {status} {phrase} on the final hop (rule: http-{status})."


def test_404_after_a_redirect_is_decided_on_the_final_hop() -> None:
    v = run(chain((URL, 301), ("https://thediplomat.com/gone/", 404)))
    assert (v.status, v.rule) == ("dead", "http-404")


@pytest.mark.parametrize("error", ["dns", "refused", "redirect-loop", "too-many-redirects"])
def test_fatal_fetch_errors_are_dead(error: str) -> None:
    hops = [hop(status=None)] if error in ("dns", "refused") else \
        [hop(URL, 301, location=URL + "x"), hop(URL + "x", 301, location=URL)]
    v = run(fetched(*hops, error=error))
    assert (v.status, v.rule) == ("dead", error)
    assert v.consecutive_failures == 0


def test_invalid_url_is_dead() -> None:
    v = run(fetched(error="invalid-url", url="ftp://example.org/x"))
    assert (v.status, v.rule) == ("dead", "invalid-url")


# ------------------------------------------------------------- unreachable

@pytest.mark.parametrize("error", ["timeout", "connect", "tls", "protocol"])
def test_transient_errors_are_unreachable_and_counted(error: str) -> None:
    v = run(fetched(hop(status=None), error=error))
    assert (v.status, v.rule) == ("unreachable", error)
    assert v.counts_as_failure
    assert (v.consecutive_failures, v.first_failure_at) == (1, NOW)


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_5xx_is_unreachable(status: int) -> None:
    v = run(fetched(hop(status=status)))
    assert (v.status, v.rule, v.consecutive_failures) == ("unreachable", "http-5xx", 1)


def test_other_4xx_and_unfollowed_3xx_are_unreachable() -> None:
    assert run(fetched(hop(status=400))).rule == "http-4xx"
    assert run(fetched(hop(status=301))).rule == "http-3xx"  # no Location: not followed


def test_no_response_without_error_is_unreachable() -> None:
    v = run(fetched(hop(status=None)))
    assert (v.status, v.rule) == ("unreachable", "no-response")


def test_network_down_is_not_counted() -> None:
    history = FailureHistory(2, NOW - dt.timedelta(hours=80))
    v = run(fetched(hop(status=None), error="dns"), history=history, network_down=True)
    assert (v.status, v.rule) == ("unreachable", "network-down")
    assert "network looks down" in v.reason
    assert not v.counts_as_failure
    assert (v.consecutive_failures, v.first_failure_at) == (2, history.first_failure_at)


def test_network_down_does_not_hide_a_real_answer() -> None:
    v = run(fetched(hop(status=404)), network_down=True)
    assert v.status == "dead"


def test_network_policy_is_unreachable_and_not_counted() -> None:
    history = FailureHistory(1, NOW - dt.timedelta(hours=5))
    v = run(fetched(error="policy", url="http://127.0.0.1/x"), history=history)
    assert (v.status, v.rule, v.counts_as_failure) == ("unreachable", "network-policy", False)
    assert "--allow-private" in v.reason
    assert run(fetched(error="policy"), network_down=True).rule == "network-policy"
    assert (v.consecutive_failures, v.first_failure_at) == (1, history.first_failure_at)


@pytest.mark.parametrize(("before", "hours", "status"), [
    (1, 100, "unreachable"),  # 2 failures over 100 h: too few
    (2, 48, "unreachable"),  # 3 failures over 48 h: too short
    (2, 73, "dead"),  # 3 failures over 73 h: dead
    (5, 200, "dead"),
])
def test_dead_after_three_failures_over_72_hours(before: int, hours: int, status: str) -> None:
    first = NOW - dt.timedelta(hours=hours)
    v = run(fetched(hop(status=None), error="timeout"), history=FailureHistory(before, first))
    assert v.status == status
    assert (v.consecutive_failures, v.first_failure_at, v.counts_as_failure) == \
        (before + 1, first, True)
    assert v.rule == ("persistent-failure" if status == "dead" else "timeout")


def test_a_streak_dated_ahead_by_a_wrong_clock_counts_its_hours_from_now() -> None:
    """A streak begun while the clock was a year ahead, since put right, spanned
    "-8760 hours": the link failed check after check and stayed unreachable for
    the year. Its hours count from now (a new start, stored as the streak's)."""
    ahead = NOW + dt.timedelta(days=365)
    v = run(fetched(hop(status=500)), history=FailureHistory(4, ahead))
    assert (v.status, v.consecutive_failures, v.first_failure_at) == ("unreachable", 5, NOW)
    assert "over 0 hours" in v.reason and "-" not in v.reason.split("over ")[1][:3]
    later = NOW + dt.timedelta(hours=73)
    settings = CheckSettings()
    v = classify(fetch=fetched(hop(status=500)), page=None, baseline=None, probe=None,
                 history=FailureHistory(v.consecutive_failures, v.first_failure_at),
                 network_down=False, now=later, settings=settings)
    assert v.status == "dead"


def test_dead_after_failures_follows_the_settings() -> None:
    settings = CheckSettings(dead_after_failures=2, dead_after_hours=1.0)
    first = NOW - dt.timedelta(hours=2)
    v = run(fetched(hop(status=503)), history=FailureHistory(1, first), settings=settings)
    assert (v.status, v.rule) == ("dead", "persistent-failure")


@pytest.mark.parametrize(("fetch", "page", "status"), [
    (fetched(hop()), article(), "alive"),
    (fetched(hop(status=404)), None, "dead"),
    (fetched(hop(status=403)), None, "blocked"),
])
def test_any_answer_resets_the_failure_streak(
        fetch: FetchResult, page: PageInfo | None, status: str) -> None:
    v = run(fetch, page, baseline=snapshot(),
            history=FailureHistory(2, NOW - dt.timedelta(hours=50)))
    assert v.status == status
    assert (v.consecutive_failures, v.first_failure_at, v.counts_as_failure) == (0, None, False)


# ----------------------------------------------------------------- blocked

@pytest.mark.parametrize("status", [401, 403, 407, 429, 451, 999])
def test_refusing_statuses_are_blocked(status: int) -> None:
    v = run(fetched(hop(status=status)))
    assert (v.status, v.rule) == ("blocked", f"http-{status}")
    assert "not evidence" in v.reason


@pytest.mark.parametrize("status", [600, 701])
def test_a_status_of_no_class_is_no_server_error(status: int) -> None:
    """A status of 600 or more is none of HTTP's classes: it was 'http-5xx'."""
    v = run(fetched(hop(status=status)))
    assert (v.status, v.rule) == ("unreachable", "http-status")
    assert v.counts_as_failure


def test_cloudflare_challenge_header() -> None:
    v = run(fetched(hop(status=403, headers={"Server": "cloudflare", "cf-mitigated": "challenge"})))
    assert (v.status, v.rule) == ("blocked", "challenge")


def test_cloudflare_503_challenge_page_is_blocked_not_unreachable() -> None:
    page = PageInfo(kind="html", title="Just a moment...", text="Checking your browser.")
    v = run(fetched(hop(status=503, headers={"Server": "cloudflare"})), page)
    assert (v.status, v.rule) == ("blocked", "challenge")


@pytest.mark.parametrize(("title", "text"), [
    ("Attention Required! | Cloudflare", "Please complete the security check. hCaptcha"),
    ("Verification", "Please verify you are human to continue. Press & Hold"),
    ("example.com", "Protected by reCAPTCHA. I'm not a robot."),
    ("Access Denied", "You don't have permission to access this server. Reference #18.6c"),
    ("Pardon Our Interruption", "As you were browsing something about your browser made us think"),
])
def test_captcha_pages_are_blocked_even_with_200(title: str, text: str) -> None:
    v = run(fetched(hop()), PageInfo(kind="html", title=title, text=text), baseline=snapshot())
    assert (v.status, v.rule) == ("blocked", "captcha")


def test_datadome_header_on_a_refusal() -> None:
    v = run(fetched(hop(status=405, headers={"X-DataDome": "protected"})))
    assert (v.status, v.rule) == ("blocked", "captcha")


def test_article_about_captchas_is_alive() -> None:
    text = ARTICLE + " Researchers said a reCAPTCHA asks users to verify you are human."
    v = run(fetched(hop()), article(text=text), baseline=snapshot(article(text=text)))
    assert v.status == "alive"


def test_redirect_to_consent_page_is_blocked() -> None:
    consent = "https://consent.yahoo.com/v2/collectConsent?sessionId=3_cc-session"
    v = run(chain((URL, 302), (consent, 200)),
            PageInfo(kind="html", title="Yahoo is part of the Yahoo family of brands"))
    assert (v.status, v.rule) == ("blocked", "consent-wall")


def test_before_you_continue_page_is_blocked() -> None:
    page = PageInfo(kind="html", title="Before you continue to Google", text="We use cookies")
    assert run(fetched(hop()), page, baseline=snapshot()).rule == "consent-wall"


@pytest.mark.parametrize("path", ["/login", "/account/login?next=/x", "/signin", "/sso/start"])
def test_redirect_to_login_is_blocked(path: str) -> None:
    v = run(chain((URL, 302), (f"https://thediplomat.com{path}", 200)),
            PageInfo(kind="html", title="Sign in"))
    assert (v.status, v.rule) == ("blocked", "login-wall")


def test_password_form_page_is_blocked() -> None:
    page = PageInfo(kind="html", title="Members", h1="Log in to read",
                    text="Email Password Forgot your password?", has_password_field=True)
    v = run(fetched(hop()), page, baseline=snapshot())
    assert (v.status, v.rule) == ("blocked", "login-wall")


def test_article_with_a_login_box_is_alive() -> None:
    page = article(has_password_field=True)
    assert run(fetched(hop()), page, baseline=snapshot()).status == "alive"


# ---------------------------------------------------------------- soft-404

ERROR_PROBE = Probe(url="https://thediplomat.com/2016/05/zq7x9k2/",
                    final_url="https://thediplomat.com/", status=200,
                    page=PageInfo(kind="html", title="The Diplomat", text=OTHER_ARTICLE))


def test_probe_landing_on_the_same_url() -> None:
    home = "https://thediplomat.com/"
    v = run(chain((URL, 302), (home + "?from=404", 200)),
            PageInfo(kind="html", title="The Diplomat", text=OTHER_ARTICLE),
            probe=dataclasses.replace(ERROR_PROBE, final_url=home + "?from=404"))
    assert (v.status, v.rule) == ("soft-404", "probe-same-final-url")


def test_probe_with_the_same_text() -> None:
    text = "We looked everywhere. Try the search box or go back to the home page of our site."
    page = PageInfo(kind="html", title="The Diplomat", headline="Oh no!", text=text)
    probe = Probe(url="https://thediplomat.com/2016/05/zq7x9k2/",
                  final_url="https://thediplomat.com/2016/05/zq7x9k2/", status=200, page=page)
    v = run(fetched(hop()), page, baseline=snapshot(), probe=probe)
    assert (v.status, v.rule) == ("soft-404", "probe-same-text")


def test_template_site_with_real_articles_is_not_probe_soft_404() -> None:
    # Everything is served with the same template, but the article has its own headline.
    shared = "Subscribe Menu Search " * 20
    page = article(text=shared)
    probe = Probe(url="https://thediplomat.com/2016/05/zq7x9k2/",
                  final_url="https://thediplomat.com/2016/05/zq7x9k2/", status=200,
                  page=PageInfo(kind="html", headline="Latest", text=shared))
    assert run(fetched(hop()), page, baseline=snapshot(page), probe=probe).status == "alive"


def test_probe_answering_404_does_not_make_soft_404() -> None:
    probe = dataclasses.replace(ERROR_PROBE, status=404, page=None)
    assert run(fetched(hop()), article(), baseline=snapshot(), probe=probe).status == "alive"


@pytest.mark.parametrize(("target", "rule"), [
    ("https://thediplomat.com/", "redirect-to-root"),
    ("https://thediplomat.com/index.html", "redirect-to-root"),
    ("https://www.thediplomat.com/en/", "redirect-to-root"),
    ("https://thediplomat.com/news/", "redirect-to-section"),
    ("https://thediplomat.com/world", "redirect-to-section"),
    ("https://thediplomat.com/category/asia/", "redirect-to-section"),
    ("https://thediplomat.com/tag/taiwan", "redirect-to-section"),
    ("https://thediplomat.com/search?q=taiwan", "redirect-to-section"),
])
def test_redirect_from_deep_url_to_home_or_section(target: str, rule: str) -> None:
    listing = PageInfo(kind="html", title="The Diplomat", headline="Asia", text=OTHER_ARTICLE,
                       og_type="website")
    for status in (301, 302):
        v = run(chain((URL, status), (target, 200)), listing, baseline=snapshot())
        assert (v.status, v.rule) == ("soft-404", rule)


def test_redirect_to_another_article_is_not_a_section() -> None:
    target = "https://thediplomat.com/2016/05/taiwan-slams-malaysias-kowtow-to-china/"
    v = run(chain((URL, 301), (target, 200)), article(), baseline=snapshot())
    assert v.status == "moved"


def test_meta_refresh_to_root() -> None:
    page = PageInfo(kind="html", title="Redirecting", meta_refresh="https://thediplomat.com/")
    v = run(fetched(hop()), page, baseline=snapshot())
    assert (v.status, v.rule) == ("soft-404", "meta-refresh-root")


@pytest.mark.parametrize(("title", "h1"), [
    ("Page not found | The Diplomat", None),
    ("404 Not Found", None),
    ("The Diplomat", "Oops! That page can\u2019t be found."),
    ("Sorry, this page is no longer available - CNN", None),
    ("The page you requested doesn't exist", None),
    ("Página no encontrada | El País", None),
    ("Esta página no existe", None),
    ("Page introuvable - Le Monde", None),
    ("Erreur 404", None),
    ("Seite nicht gefunden - Spiegel", None),
    ("Fehler 404 | FAZ", None),
    ("Halaman tidak ditemukan - Kompas", None),
    ("找不到網頁 - 中央社", None),
    ("找不到网页", None),
    ("頁面不存在｜自由時報", None),
    ("404錯誤", None),
    ("聯合新聞網", "抱歉，您要找的頁面不存在"),
    # the languages of the report's countries and their neighbours
    ("Página não encontrada | Público", None),
    ("Pagina non trovata - la Repubblica", None),
    ("Pagina niet gevonden | NOS", None),
    ("Страница не найдена — РИА Новости", None),
    ("Ошибка 404 — Коммерсантъ", None),
    ("Сторінку не знайдено | Українська правда", None),
    ("Nie znaleziono strony - Onet", None),
    ("Sayfa bulunamadı | Hürriyet", None),
    ("الصفحة غير موجودة - اليوم السابع", None),
    ("Không tìm thấy trang | VnExpress", None),
    ("ไม่พบหน้าที่คุณต้องการ - ไทยรัฐ", None),
    ("Halaman tidak dijumpai - Berita Harian", None),
    ("ページが見つかりません | 日本経済新聞", None),
    ("페이지를 찾을 수 없습니다 | 연합뉴스", None),
    ("Stránka nenalezena | iDNES.cz", None),
    ("Pagina nu a fost găsită - Digi24", None),
    ("Η σελίδα δεν βρέθηκε | Καθημερινή", None),
    ("Էջը չի գտնվել | Armenpress", None),
])
def test_error_wording_in_title_or_h1(title: str, h1: str | None) -> None:
    page = PageInfo(kind="html", title=title, h1=h1, text="Go back to the home page.",
                    og_type="website")
    v = run(fetched(hop()), page, baseline=snapshot())
    assert (v.status, v.rule) == ("soft-404", "error-title")


def test_error_title_reads_a_long_run_of_spaces_once() -> None:
    """Separators were searched from every space of a run, each search reading
    the rest of it: 40,000 spaces took minutes."""
    start = time.process_time()
    title = "Page not found" + " " * 40_000 + "here"  # no separator after the run
    assert error_title(PageInfo(kind="html", title=title)) == title
    assert time.process_time() - start < 1


@pytest.mark.parametrize("headline", [
    "Error 404: the art of broken links",
    "Man finds 404 coins in his garden",
    "Why 'page not found' errors are eroding the historical record",
    "404 days later, Taiwanese deportees still await trial",
    "Пропавший мальчик не найден",  # "missing boy not found"
    "Kayıp çocuk hâlâ bulunamadı",  # the same, in Turkish
    "الأدوية غير موجودة في الصيدليات",  # "medicines not found in pharmacies"
])
def test_articles_mentioning_404_are_alive(headline: str) -> None:
    page = article(headline=headline)
    assert error_title(page) == ""
    assert run(fetched(hop()), page, baseline=snapshot(page)).status == "alive"


@pytest.mark.parametrize("text", [
    "This domain may be for sale! Buy this domain today.",
    "example-news.com is parked free, courtesy of GoDaddy.com.",
    "The domain name example-news.com is for sale. Make an offer on this domain.",
    "This domain is parked. Sedo domain parking. Inquire about this domain.",
    "Related searches: news, politics. The domain owner uses ParkingCrew domain services.",
])
def test_parked_domains(text: str) -> None:
    page = PageInfo(kind="html", title="example-news.com", text=text)
    v = run(fetched(hop()), page, baseline=snapshot())
    assert (v.status, v.rule) == ("soft-404", "parked-domain")


def test_redirect_to_a_domain_marketplace_is_parked() -> None:
    v = run(chain((URL, 302), ("https://www.dan.com/buy-domain/thediplomat.com", 200)),
            PageInfo(kind="html", title="Buy now"))
    assert (v.status, v.rule) == ("soft-404", "parked-domain")


# --------------------------------- soft-404: more error wording, not an article

DAILY = "https://dailywire.example/2024/03/05/minister-resigns-after-audit/"


@pytest.mark.parametrize(("title", "h1"), [
    ("Daily Wire", "We can't find the page you're looking for"),
    ("Daily Wire", "Sorry, we couldn\u2019t find that page"),
    ("Daily Wire", "Sorry, this page isn't available."),
    ("This page is not available | Daily Wire", None),
    ("Article removed | Daily Wire", "This article has been removed"),
    ("Daily Wire", "This story was deleted"),
    ("Error | Daily Wire", "Something went wrong"),
    ("Oops! An error occurred", None),
    ("Content expired | Daily Wire", "This content has expired"),
    ("Daily Wire", "This link has expired"),
    ("Esta página no está disponible | El Diario", None),
    ("Cette page n'est plus disponible - Le Monde", None),
    ("Diese Seite ist nicht mehr verfügbar", None),
    ("Halaman ini tidak tersedia", None),
])
def test_more_error_wording_is_soft_404_on_first_and_later_checks(
        title: str, h1: str | None) -> None:
    # served with 200, dated by its URL (one article marker): no probe evidence
    page = PageInfo(kind="html", title=title, h1=h1, headline=h1 or title,
                    text="Try searching or go to the homepage.", published=dt.date(2016, 5, 1))
    for baseline in (None, snapshot()):
        v = run(fetched(hop()), page, baseline=baseline)
        assert (v.status, v.rule) == ("soft-404", "error-title")


NOT_ERROR_HEADLINES = [
    "Vaccine not available in rural clinics",
    "Passport expired? What travellers must know",
    "Video removed after complaints from ministry",
    "Something went wrong at the central bank, auditors say",
    "Police can't find missing activist",
    "Minister unavailable for comment on budget leak",
    "Story of a deleted tweet that shook the markets",
]


@pytest.mark.parametrize("headline", NOT_ERROR_HEADLINES)
def test_headlines_with_error_words_are_not_error_pages(headline: str) -> None:
    # as an article (three markers), and on a page with none: more than one
    # other word besides filler keeps each from being an error title
    marked = article(headline=headline)
    bare = PageInfo(kind="html", title=f"{headline} | Daily Wire", h1=headline,
                    headline=headline, text="A short brief.")
    for page in (marked, bare):
        assert error_title(page) == ""
        assert run(fetched(hop()), page).status == "alive"
    assert run(fetched(hop()), marked, baseline=snapshot(marked)).status == "alive"


HOME = ("<html><head><title>Daily Wire Service - News from around the world</title>"
        '<meta property="og:title" content="Daily Wire Service"></head><body><h1>Latest news'
        "</h1><ul>" + "".join(f"<li><a href='/s/{i}'>Story number {i}</a></li>"
                              for i in range(15)) + "</ul></body></html>")
SECTION = ("<html><head><title>World news | Daily Wire Service</title></head><body><h1>World"
           "</h1><ul>" + "".join(f"<li><a href='/world/{i}'>World story {i} of the day</a></li>"
                                 for i in range(15)) + "</ul></body></html>")
DAILY_ARTICLE = (
    "<html><head><title>Minister resigns after audit | Daily Wire</title>"
    '<meta property="og:type" content="article"><script type="application/ld+json">'
    '{"@type": "NewsArticle", "headline": "Minister resigns after audit", '
    '"datePublished": "2024-03-05T09:00:00+01:00"}</script></head><body><article>'
    "<h1>Minister resigns after audit</h1><p>" + ARTICLE + "</p></article></body></html>")


def _extracted(html: str, url: str) -> PageInfo:
    extract = pytest.importorskip("archiver.extract").extract
    page: PageInfo = extract(html.encode(), url=url, content_type="text/html; charset=utf-8")
    return page


@pytest.mark.parametrize("url", [DAILY, "https://dailywire.example/politics/minister-resigns"])
@pytest.mark.parametrize("html", [HOME, SECTION], ids=["home", "section"])
def test_home_or_section_page_at_the_cited_url_is_not_an_article(url: str, html: str) -> None:
    base = Baseline(url=url, final_url=url, captured_at=NOW - dt.timedelta(days=30),
                    payload_digest="sha1:AAAA", page=_extracted(DAILY_ARTICLE, url))
    page = _extracted(html, url)  # a dated URL dates any page served at it
    v = run(fetched(hop(url), url=url), page, baseline=base, probe=dataclasses.replace(
        ERROR_PROBE, status=404, page=None))
    assert (v.status, v.rule) == ("soft-404", "not-an-article")
    assert "first snapshot was an article" in v.reason
    assert run(fetched(hop(url), url=url), page).status == "alive"  # no first snapshot


LISTING = PageInfo(kind="html", title="World news | The Diplomat", h1="World", headline="World",
                   text=OTHER_ARTICLE)  # 140 words, no og:type, no date


@pytest.mark.parametrize(("page", "rule"), [
    (LISTING, "not-an-article"),
    # a rewritten article that keeps one sign of being one is drifted
    (dataclasses.replace(LISTING, og_type="article"), "headline-rewritten"),
    (dataclasses.replace(LISTING, published=dt.date(2016, 5, 3)), "headline-rewritten"),
    (dataclasses.replace(LISTING, text=ARTICLE + OTHER_ARTICLE), "headline-rewritten"),
    # only the date of the URL (/2016/05/) is not a sign of an article
    (dataclasses.replace(LISTING, published=dt.date(2016, 5, 1)), "not-an-article"),
    # the cited headline over another short text: the cited page, drifted
    (dataclasses.replace(LISTING, headline=HEADLINE), "text-replaced"),
    # neither headline nor text: left to content-missing (a shell its scripts draw)...
    (PageInfo(kind="html", title="The Diplomat"), "content-missing"),
    # ...but with a listing's links and the site's name for its title: a home page
    # whose teasers are all boxes the main text leaves out
    (PageInfo(kind="html", title="The Diplomat", links=60), "site-title"),
    (PageInfo(kind="html", title="Taiwan Slams Malaysia's Kowtow", links=60), "content-missing"),
    (dataclasses.replace(LISTING, kind="pdf"), "headline-rewritten"),
])
def test_not_an_article_needs_a_page_with_no_sign_of_one(page: PageInfo, rule: str) -> None:
    assert run(fetched(hop()), page, baseline=snapshot()).rule == rule


@pytest.mark.parametrize("cited", [
    PageInfo(kind="html", title="The Diplomat", headline="The Diplomat", text=ARTICLE,
             og_type="website"),  # a cited home page: one marker
    PageInfo(kind="html", title="Rainfall by month", headline="Rainfall by month",
             text="Month mm " * 40, published=dt.date(2016, 5, 3)),  # a data page
])
def test_a_page_that_never_was_an_article_is_not_affected(cited: PageInfo) -> None:
    v = run(fetched(hop()), LISTING, baseline=snapshot(cited))
    assert (v.status, v.rule) == ("drifted", "headline-rewritten")


def test_permanent_redirect_to_a_page_that_is_not_an_article() -> None:
    # not a root or section URL: the redirect rules do not see it; moved needs the
    # cited page; the page shows no sign of an article
    target = "https://thediplomat.com/info/company/history"
    v = run(chain((URL, 301), (target, 200)), LISTING, baseline=snapshot())
    assert (v.status, v.rule) == ("soft-404", "not-an-article")
    assert target in v.reason
    moved = run(chain((URL, 301), (NEW_URL, 200)), article(og_type=None, published=None,
                                                             text=OTHER_ARTICLE),
                baseline=snapshot())
    assert (moved.status, moved.rule) == ("moved", "moved")


# ------------------------------------------------------------------- moved

NEW_URL = "https://thediplomat.com/2016/05/taiwan-slams-malaysias-kowtow-to-china/"


@pytest.mark.parametrize("status", [301, 308])
def test_permanent_redirect_to_the_same_page_is_moved(status: int) -> None:
    v = run(chain((URL, status), (NEW_URL, 200)), article(), baseline=snapshot())
    assert (v.status, v.rule) == ("moved", "moved")
    assert NEW_URL in v.reason


def test_moved_through_further_hops_with_an_edited_headline_but_same_text() -> None:
    v = run(chain((URL, 301), (NEW_URL, 302), (NEW_URL + "amp/", 200)),
            article(headline="Malaysia sends Taiwanese to China"), baseline=snapshot())
    assert v.status == "moved" and "text" in v.reason


def test_moved_is_where_the_permanent_redirects_lead_not_a_temporary_hop_after_them() -> None:
    amp = NEW_URL + "amp/"
    v = run(chain((URL, 301), (NEW_URL, 302), (amp, 200)), article(), baseline=snapshot())
    assert (v.status, v.rule) == ("moved", "moved-then-temporary")
    assert f"Permanent redirect to {NEW_URL} (then a temporary redirect to {amp})" in v.reason
    first = run(chain((URL, 301), (NEW_URL, 302), (amp, 200)), article())
    assert (first.status, first.rule) == ("moved", "moved-then-temporary")
    v = run(chain((URL, 301), (NEW_URL, 308), (amp, 200)), article(), baseline=snapshot())
    assert (v.status, v.rule) == ("moved", "moved") and f"Permanent redirect to {amp}" in v.reason


def test_a_cited_url_redirected_first_for_a_while_has_not_moved() -> None:
    # 302 then 301: the cited URL itself is redirected only temporarily
    v = run(chain((URL, 302), (NEW_URL, 301), (NEW_URL + "amp/", 200)), article(),
            baseline=snapshot())
    assert (v.status, v.rule) == ("alive", "alive") and "temporary redirect" in v.reason
    # a round trip that sets a cookie: sent away for good, and back to the cited URL
    v = run(chain((URL, 301), (NEW_URL, 302), (URL, 200)), article(), baseline=snapshot())
    assert (v.status, v.rule) == ("alive", "alive")
    # a permanent hop that only changes the scheme, then a temporary one elsewhere
    v = run(chain((URL, 301), (URL.replace("https://", "http://"), 302), (NEW_URL, 200)),
            article(), baseline=snapshot())
    assert (v.status, v.rule) == ("alive", "alive") and "temporary redirect" in v.reason


def test_moved_without_baseline_needs_a_headline() -> None:
    assert run(chain((URL, 301), (NEW_URL, 200)), article()).status == "moved"
    assert run(chain((URL, 301), (NEW_URL, 200)),
               PageInfo(kind="html", text=ARTICLE)).status == "alive"


@pytest.mark.parametrize("target", [
    URL.replace("https://", "http://"),
    URL.replace("https://", "https://www."),
    URL.rstrip("/"),
    URL.replace("thediplomat.com", "thediplomat.com:443"),
])
def test_trivial_redirects_stay_alive(target: str) -> None:
    v = run(chain((URL, 301), (target, 200)), article(), baseline=snapshot())
    assert (v.status, v.rule) == ("alive", "alive")
    assert "scheme, www, port, trailing slash or escapes" in v.reason
    assert same_url(URL, target)


def test_temporary_redirect_to_the_same_page_is_alive() -> None:
    v = run(chain((URL, 302), (NEW_URL, 200)), article(), baseline=snapshot())
    assert v.status == "alive" and "temporary redirect" in v.reason


def test_permanent_redirect_to_another_page_is_drifted() -> None:
    v = run(chain((URL, 301), (NEW_URL, 200)),
            article(headline="Floods close schools on the north coast", text=OTHER_ARTICLE),
            baseline=snapshot())
    assert (v.status, v.rule) == ("drifted", "headline-rewritten")


# ----------------------------------------------------------------- drifted

def test_rewritten_headline_is_drifted() -> None:
    page = article(headline="Floods close schools on the north coast")
    v = run(fetched(hop()), page, baseline=snapshot())
    assert (v.status, v.rule) == ("drifted", "headline-rewritten")
    assert "Floods close schools" in v.reason


def test_replaced_text_is_drifted() -> None:
    v = run(fetched(hop()), article(text=OTHER_ARTICLE), baseline=snapshot())
    assert (v.status, v.rule) == ("drifted", "text-replaced")


def test_content_missing_on_one_side_is_drifted() -> None:
    empty = PageInfo(kind="html", title="The Diplomat", links=3)
    v = run(fetched(hop()), empty, baseline=snapshot())
    assert (v.status, v.rule) == ("drifted", "content-missing")
    # markup with few links and nothing to read: a shell its scripts fill in
    assert "an HTML page with 3 links and nothing to read: perhaps drawn by its scripts" \
        in v.reason
    v = run(fetched(hop()), article(), baseline=snapshot(empty))
    assert (v.status, v.rule) == ("drifted", "content-missing")
    assert "the page now has a headline or text" in v.reason and "scripts" in v.reason
    # a plain text with nothing in it, or a listing's many links, is no shell
    for other in (PageInfo(kind="other"), PageInfo(kind="html", title="News", links=25)):
        v = run(fetched(hop()), other, baseline=snapshot())
        assert v.rule == "content-missing" and "scripts" not in v.reason, v


def test_drift_thresholds_follow_the_settings() -> None:
    page = article(headline="Taipei protests as Kuala Lumpur hands suspects to Beijing")
    assert run(fetched(hop()), page, baseline=snapshot()).status == "drifted"
    lax = CheckSettings(drift_headline_similarity=0.3)
    assert run(fetched(hop()), page, baseline=snapshot(), settings=lax).status == "alive"


# ------------------------------------------------------------------- alive

@pytest.mark.parametrize("page", [
    article(),
    article(headline="Taiwan Slams Malaysia\u2019s \u2018Kowtow\u2019 to China on Deportations"),
    article(headline="Taiwan Slams Malaysia's Kowtow to China Over Deportations"),  # copy edit
    article(text=ARTICLE.replace("condemned", "condemmned")),  # typo (or its fix)
    article(text="Updated: May 4, 2016 at 9:15 a.m. ET\n" + ARTICLE),
    article(text=ARTICLE + "\nMost read\nTen tips for a cheaper holiday\nMarkets rally\n"
            "Sign up for our newsletter\n"),  # a changed sidebar leaking into the text
    article(text=ARTICLE.replace("\n", "\n\n  ")),  # reflowed whitespace
    article(text=ARTICLE + "\nAdvertisement: Fly business class to Bangkok from $999"),
    article(text="5 minutes ago\n12,345 views\n" + ARTICLE + "\n3 min read"),
])
def test_small_changes_stay_alive(page: PageInfo) -> None:
    v = run(fetched(hop()), page, baseline=snapshot())
    assert (v.status, v.rule) == ("alive", "alive")
    assert v.reason == "200 OK; headline matches the first snapshot (rule: alive)."


def test_an_alive_reason_names_what_was_compared() -> None:
    """A page without a headline is alive by its text: its reason says so."""
    untitled = article(headline=None, title=None, h1=None)
    v = run(fetched(hop()), untitled, baseline=snapshot(untitled))
    assert v.reason == "200 OK; main text matches the first snapshot (rule: alive)."
    empty = article(headline=None, title=None, h1=None, text="")
    v = run(fetched(hop()), empty, baseline=snapshot(empty))
    assert v.reason == ("200 OK; nothing to compare it by: no headline or text, as in the "
                        "first snapshot (rule: alive).")


def test_first_capture_is_alive_without_comparison() -> None:
    v = run(fetched(hop()), article())
    assert v.status == "alive" and "first snapshot" in v.reason


def test_pdf_with_same_text_is_alive() -> None:
    pdf = PageInfo(kind="pdf", headline=None, text=ARTICLE)
    assert run(fetched(hop()), pdf, baseline=snapshot(pdf)).status == "alive"


# ------------------------------------------------------- status and URL keys

def test_http_status_of() -> None:
    assert http_status_of(chain((URL, 301), (NEW_URL, 200))) == 200
    assert http_status_of(fetched(hop(status=None), error="timeout")) is None
    assert http_status_of(fetched(error="invalid-url")) is None


def test_url_key_ignores_trivial_differences() -> None:
    assert url_key("http://WWW.Example.com:80/a/?q=1#x") == url_key("https://example.com/a?q=1")
    assert url_key("https://example.com/a") != url_key("https://example.com/b")
    assert url_key("https://example.com:8443/a") != url_key("https://example.com/a")
    # spaces around a URL (as pasted) are not part of it: the port stays
    assert url_key(" https://example.com:8443 ") == url_key("https://example.com:8443")
    assert url_key("https://example.com:99999/a") == url_key("https://example.com/a")


# ---------------------------------------------- guards against false soft-404s

def test_page_unchanged_since_first_snapshot_is_not_probe_soft_404() -> None:
    # The site answers every URL with the same page, and did so when the URL was cited.
    shell = PageInfo(kind="html", title="Portal", text="Welcome to the portal. " * 30)
    probe = Probe(url="https://portal.example/x/zq7x9k2", final_url="https://portal.example/x/zq7x9k2",
                  status=200, page=shell)
    fetch = fetched(hop("https://portal.example/x/1"), url="https://portal.example/x/1")
    assert run(fetch, shell, probe=probe).rule == "probe-same-text"
    baseline = snapshot(shell, url="https://portal.example/x/1")
    assert run(fetch, shell, probe=probe, baseline=baseline).status == "alive"


def test_section_like_target_that_still_carries_the_article_is_moved() -> None:
    v = run(chain((URL, 301), ("https://thediplomat.com/taiwan", 200)), article(),
            baseline=snapshot())
    assert v.status == "moved"


def test_cloudflare_challenge_headers_without_a_body() -> None:
    v = run(fetched(hop(status=503, headers={"Server": "cloudflare", "cf-chl-gen": "x"})))
    assert (v.status, v.rule) == ("blocked", "challenge")


# ------------------------------------------------- realistic HTML, extracted

REAL_PAGES = {
    "wordpress-404": (200, {}, "soft-404", "error-title", (
        "<html><head><title>Page not found &#8211; The Lab Times</title>"
        '<meta property="og:type" content="website"></head><body><header><nav>'
        '<a href="/">Home</a><a href="/world">World</a></nav></header><main>'
        '<section class="error-404 not-found"><header class="page-header">'
        '<h1 class="page-title">Oops! That page can&rsquo;t be found.</h1></header>'
        "<div class=page-content><p>It looks like nothing was found at this location. "
        "Maybe try one of the links below or a search?</p></div></section></main>"
        "<aside><h2>Recent Posts</h2><ul><li><a href=/a>Malaysia deports 32</a></li></ul>"
        "</aside></body></html>")),
    "godaddy-parked": (200, {}, "soft-404", "parked-domain", (
        "<html><head><title>news-example.com</title></head><body><div id=root>"
        "<h1>news-example.com</h1><p>This domain may be for sale!</p><p>Get this domain</p>"
        "<p>Pay the full USD $2,999 now, or pay over 12 months.</p><p>Copyright 2024 GoDaddy "
        "Operating Company, LLC. All Rights Reserved.</p></div></body></html>")),
    "cna-404": (200, {}, "soft-404", "error-title", (
        '<html><head><meta charset="utf-8"><title>找不到網頁 | 中央社 CNA</title></head>'
        "<body><h1>很抱歉，您所要找的網頁不存在</h1><p>請回到首頁</p></body></html>")),
    "youtube-consent": (200, {}, "blocked", "consent-wall", (
        '<html lang="en"><head><title>Before you continue to YouTube</title></head><body>'
        "<h1>Before you continue to YouTube</h1><p>We use cookies and data to deliver and "
        "maintain Google services.</p><form><button>Reject all</button></form></body></html>")),
    "datadome-200": (200, {}, "blocked", "captcha", (
        "<html><head><title>news.example.com</title></head><body><p>Please enable JS and "
        "disable any ad blocker</p><script src='https://ct.captcha-delivery.com/c.js'>"
        "</script></body></html>")),
    # F5 BIG-IP's application firewall answers a refused client with 200
    "f5-rejected": (200, {}, "blocked", "captcha", (
        "<html><head><title>Request Rejected</title></head><body>The requested URL was "
        "rejected. Please consult with your administrator.<br><br>Your support ID is: "
        '1234567890123456789<br><br><a href="javascript:history.back();">[Go Back]</a>'
        "</body></html>")),
    # and its script check, which says so only to a client that runs no script
    "f5-javascript": (200, {}, "blocked", "captcha", (
        "<html><head><title></title></head><body><noscript>Please enable JavaScript to view "
        "the page content.<br/>Your support ID is: 1234567890123456789.</noscript>"
        "<script>/* the client check */</script></body></html>")),
    # a consent platform's notice alone, in the page's own template (Quantcast Choice)
    "cmp-notice": (200, {}, "blocked", "consent-wall", (
        '<html lang="en"><head><title>The Lab Times</title></head><body><div '
        'class="qc-cmp2-summary"><h2>We value your privacy</h2><p>We and our partners store '
        "and/or access information on a device, such as cookies, and process personal data "
        "for personalised ads and content, ad and content measurement.</p><button>Accept"
        "</button><button>More options</button></div></body></html>")),
    "cloudflare-503": (503, {"Server": "cloudflare"}, "blocked", "challenge", (
        "<html><head><title>Just a moment...</title></head><body><h1>news.example.com</h1>"
        "<h2>Checking if the site connection is secure</h2><noscript>Enable JavaScript and "
        "cookies to continue</noscript></body></html>")),
}


@pytest.mark.parametrize("declared", ["application/pdf", "image/jpeg"])
def test_an_error_page_served_as_a_pdf_or_an_image_is_a_soft_404(declared: str) -> None:
    extract = pytest.importorskip("archiver.extract").extract
    html = ("<html><head><title>Page not found - Ministry of Foreign Affairs</title></head>"
            "<body><h1>Page not found</h1><p>The page you asked for is not here.</p>"
            "</body></html>")
    page = extract(html.encode(), url=URL, content_type=declared)
    v = run(fetched(hop(headers={"Content-Type": declared})), page)
    assert (v.status, v.rule) == ("soft-404", "error-title")


def test_a_home_page_served_where_a_pdf_report_was_is_a_soft_404() -> None:
    """A ministry's home page served with 200 at the URL of its PDF report was
    drifted (headline rewritten): the not-an-article rule asked for an HTML
    first snapshot."""
    report = PageInfo(kind="pdf", headline="Annual report on deportations",
                      published=dt.date(2016, 5, 3), text="The ministry reports " * 40)
    home = PageInfo(kind="html", headline="Ministry of Foreign Affairs",
                    title="Ministry of Foreign Affairs", og_type="website",
                    text="Home News Press releases Contact " * 5)
    v = run(fetched(hop()), home, baseline=snapshot(report))
    assert (v.status, v.rule) == ("soft-404", "not-an-article")
    html_report = article(headline="Annual report on deportations")
    assert run(fetched(hop()), html_report, baseline=snapshot(report)).status != "soft-404"


def test_an_article_with_a_consent_banner_is_no_consent_wall() -> None:
    """The notice over an article the page still carries is no wall."""
    extract = pytest.importorskip("archiver.extract").extract
    story = "".join(f"<p>Paragraph {i} of the story: the court in Taipei heard that the "
                    f"detainees were moved at night, and lawyers asked for the records of "
                    f"transfer {i}.</p>" for i in range(12))
    html = ('<html lang="en"><head><title>Kenya deports 45 - The Lab Times</title>'
            '<meta property="og:type" content="article"></head><body><div class="cmp">'
            "<h2>We value your privacy</h2><button>Accept</button></div><article>"
            f"<h1>Kenya deports 45 Taiwanese to China</h1>{story}</article></body></html>")
    page = extract(html.encode(), url=URL, content_type="text/html; charset=utf-8")
    v = run(fetched(hop()), page, baseline=snapshot())
    assert v.status != "blocked", v.reason


@pytest.mark.parametrize("name", sorted(REAL_PAGES))
def test_realistic_pages_through_the_extractor(name: str) -> None:
    extract = pytest.importorskip("archiver.extract").extract
    status, headers, expected, rule, html = REAL_PAGES[name]
    page = extract(html.encode(), url=URL, content_type="text/html; charset=utf-8")
    v = run(fetched(hop(status=status, headers=headers)), page, baseline=snapshot())
    assert (v.status, v.rule) == (expected, rule)


# ------------------------------------------------------------- empty bodies

def _sized(status: int, size: int, *, truncated: str | None = None) -> Hop:
    h = hop(status=status)
    h.body_size = size
    h.truncated, h.truncated_reason = truncated is not None, truncated
    return h


@pytest.mark.parametrize("baseline", [None, snapshot()])
@pytest.mark.parametrize(("final", "page", "words"), [
    (_sized(200, 0), None, "200 OK, but the body is empty (rule"),
    (_sized(204, 0), None, "204 No Content, but the body is empty (rule"),
    (_sized(200, 20), PageInfo(kind="html", empty=True), "empty once decoded (20 bytes"),
])
def test_an_empty_body_is_a_soft_404(final: Hop, page: PageInfo | None, words: str,
                                     baseline: Baseline | None) -> None:
    v = run(fetched(final), page, baseline=baseline)
    assert (v.status, v.rule) == ("soft-404", "empty-body")
    assert words in v.reason


def test_an_empty_page_shell_is_not_an_empty_body() -> None:
    """A page whose markup holds no text (a script-rendered app) is not judged empty."""
    shell = PageInfo(kind="html")
    assert run(fetched(_sized(200, 40)), shell).status == "alive"


def test_a_body_broken_off_before_its_first_byte_is_not_empty() -> None:
    v = run(fetched(_sized(200, 0, truncated="time")))
    assert v.status == "unreachable"


# ------------------------------------------------------- geo-blocks, paywalls

@pytest.mark.parametrize(("title", "h1", "text"), [
    ("The Lab Times", "This content is not available in your region",
     "Unfortunately, our website is currently unavailable in most European countries."),
    ("451: Unavailable due to legal reasons", None,
     "We recognize you are attempting to access this website from a country belonging to "
     "the European Economic Area."),
    ("Noticias", "Este contenido no está disponible en tu país", ""),
    ("Notícias", "Este conteúdo não está disponível no seu país", ""),
    ("Notizie", "Questo contenuto non è disponibile nel tuo paese", ""),
    ("Новости", "Этот материал недоступен в вашей стране", ""),
    ("أخبار", "هذا المحتوى غير متاح في بلدك", ""),
    ("ニュース", "この動画はお住まいの地域ではご利用いただけません", ""),
])
@pytest.mark.parametrize("status", [200, 403])
def test_a_page_refused_to_a_region_is_blocked(title: str, h1: str | None, text: str,
                                               status: int) -> None:
    page = PageInfo(kind="html", title=title, h1=h1, text=text)
    v = run(fetched(hop(status=status)), page, baseline=snapshot())
    assert (v.status, v.rule) == ("blocked", "geo-block")


def test_an_article_about_geo_blocking_is_alive() -> None:
    text = ARTICLE + " Viewers complained the final was not available in your region, they said."
    v = run(fetched(hop()), article(text=text), baseline=snapshot(article(text=text)))
    assert v.status == "alive"


_LEAD = ARTICLE.split(". ")[0] + "."


@pytest.mark.parametrize("walled", [
    article(text=_LEAD + " Subscribe to continue reading. Already a subscriber? Log in."),
    article(text=_LEAD, paywalled=True),
    # as the sites of other languages end a text cut for readers who do not pay
    article(text=_LEAD + " Assine para continuar lendo. Já é assinante? Entre."),
    article(text=_LEAD + " Questo articolo è riservato agli abbonati."),
    article(text=_LEAD + " Этот материал доступен только подписчикам."),
    article(text=_LEAD + " Bu içerik abonelere özel."),
    article(text=_LEAD + " هذا المحتوى للمشتركين فقط"),
    article(text=_LEAD + " この記事は有料会員限定です。"),
    article(text=_LEAD + " Dieser Artikel ist exklusiv für Abonnenten."),
])
def test_the_cited_page_now_behind_a_paywall_is_blocked_not_drifted(walled: PageInfo) -> None:
    v = run(fetched(hop()), walled, baseline=snapshot())
    assert (v.status, v.rule) == ("blocked", "paywall")
    assert "headline matches the first snapshot" in v.reason


def test_a_paywall_since_the_first_snapshot_is_no_excuse_for_other_text() -> None:
    """A page archived behind its paywall whose text then changes has drifted."""
    before = article(text=_LEAD, paywalled=True)
    now = article(text=OTHER_ARTICLE, paywalled=True)
    v = run(fetched(hop()), now, baseline=snapshot(before))
    assert (v.status, v.rule) == ("drifted", "text-replaced")


# Twelve paragraphs of one article, each its own words (a report of hearings).
_PLACES = ("Nairobi", "Phnom Penh", "Yerevan", "Kuala Lumpur", "Jakarta", "Madrid", "Manila",
           "Hanoi", "Kampala", "Dili", "Bangkok", "Colombo")
_PARAGRAPHS = [f"In {place} the {n}th hearing of the deportation case was told by witness "
               f"number {n} that {n + 3} detainees had been moved at night from the {place} "
               f"holding centre, and lawyers for family {n} asked the court to order a "
               f"review of hearing record {n * 7}." for n, place in enumerate(_PLACES, 1)]
_TWELVE = "\n".join(_PARAGRAPHS)
_ENTRIES = [f"Live update {n}: officials in {place} said flight {n * 11} left at {n}:15 with "
            f"{n + 20} passengers; the ministry of {place} issued statement {n * 13} on the "
            f"transfer and reporters counted {n + 40} police vans outside terminal {n}."
            for n, place in enumerate(_PLACES * 3, 1)]


def test_a_live_page_that_grew_is_still_alive() -> None:
    """Text added to the cited page (a live blog's new entries, here three times
    what was cited, all of it still there) scored the page 40 % like its first
    snapshot and made it drifted."""
    before = article(text="\n".join(_ENTRIES[:4]))
    now = article(text="\n".join(_ENTRIES[:16]))
    v = run(fetched(hop()), now, baseline=snapshot(before))
    assert (v.status, v.rule) == ("alive", "alive")


@pytest.mark.parametrize("kept", [5, 3])
def test_an_article_cut_to_less_than_half_has_drifted(kept: int) -> None:
    """Seven of twelve paragraphs deleted left the page 58 % like its first
    snapshot, alive; the share of the cited text still there is what counts."""
    now = article(text="\n".join(_PARAGRAPHS[:kept]))
    v = run(fetched(hop()), now, baseline=snapshot(article(text=_TWELVE)))
    assert (v.status, v.rule) == ("drifted", "text-replaced")
    assert "of the first snapshot's main text is still there" in v.reason


def test_an_article_with_a_paragraph_cut_is_alive() -> None:
    now = article(text="\n".join(_PARAGRAPHS[:11]))
    v = run(fetched(hop()), now, baseline=snapshot(article(text=_TWELVE)))
    assert (v.status, v.rule) == ("alive", "alive")


@pytest.mark.parametrize("now", [
    article(text="\n".join(_PARAGRAPHS[:6]) + "\nSubscribe to continue reading."),
    article(text="\n".join(_PARAGRAPHS[:7]) + "\nSubscribe to continue reading."),
    article(text="\n".join(_PARAGRAPHS[:5]), paywalled=True),
])
def test_a_paywall_that_leaves_half_the_text_is_blocked(now: PageInfo) -> None:
    """A paywall was only seen once the text had drifted (under a third left):
    one that shows half the article left the page alive."""
    v = run(fetched(hop()), now, baseline=snapshot(article(text=_TWELVE)))
    assert (v.status, v.rule) == ("blocked", "paywall")
    assert "as much text as the first snapshot" in v.reason or "is still there" in v.reason


def test_a_subscription_line_the_first_snapshot_had_is_no_new_paywall() -> None:
    """The line ended the article before its comments: once the comments were
    gone it ended the text, and the page, its article whole, was blocked."""
    promo = "Already a subscriber? Log in to read more from our archive."
    comments = " ".join(f"Reader {i} wrote that the ministry should publish the records "
                        f"of every transfer." for i in range(24))
    before = article(text=f"{ARTICLE} {ARTICLE} {promo} {comments}")
    now = article(text=f"{ARTICLE} {ARTICLE} {promo}")
    v = run(fetched(hop()), now, baseline=snapshot(before))
    assert v.status != "blocked", v.reason


def test_a_paywall_and_another_headline_is_drift() -> None:
    v = run(fetched(hop()), article(headline="Floods close schools on the coast",
                                    text=_LEAD, paywalled=True), baseline=snapshot())
    assert (v.status, v.rule) == ("drifted", "headline-rewritten")


@pytest.mark.parametrize(("status", "action", "rule"), [
    (202, "challenge", "challenge"), (405, "captcha", "captcha"), (200, "Challenge", "challenge"),
])
def test_an_aws_waf_challenge_is_blocked(status: int, action: str, rule: str) -> None:
    """AWS WAF answers a challenge with 202 and an empty body or a script page,
    a captcha with 405: neither is an empty page nor a failure."""
    v = run(fetched(hop(status=status, headers={"x-amzn-waf-action": action})),
            baseline=snapshot())
    assert (v.status, v.rule) == ("blocked", rule)


@pytest.mark.parametrize("text", [
    "Sorry, the page you requested could not be found. Try searching.",
    "The requested URL was not found on this server.",
    "We're sorry, this content is no longer available.",
    "This article has been removed at the request of the publisher.",
    # IIS's, and the same in the languages of the sources
    "The page you are looking for might have been removed, had its name changed, or is "
    "temporarily unavailable.",
    "Lo sentimos, la página que buscas no está disponible.",
    "抱歉，您要的頁面不存在。",
])
@pytest.mark.parametrize("baseline", [None, snapshot()])
def test_a_page_that_only_says_it_is_missing_is_a_soft_404(text: str,
                                                         baseline: Baseline | None) -> None:
    """Its title is the site's name and it has no h1: the message is in its text."""
    page = PageInfo(kind="html", title="The Lab Times", text=text)
    v = run(fetched(hop()), page, baseline=baseline)
    assert (v.status, v.rule) == ("soft-404", "error-text")


@pytest.mark.parametrize("page", [
    # a brief: its sentence says more than that something is missing
    PageInfo(kind="html", title="Kenya deports 45", headline="Kenya deports 45",
             text="Kenya deported 45 people; officials said records could not be found for "
                  "three of them."),
    # an article (og:type article and a date) as short as an error page
    article(text="Page not found: the art of broken links, a short note."),
])
def test_a_short_page_that_says_more_is_not_an_error_text(page: PageInfo) -> None:
    assert run(fetched(hop()), page).status == "alive"


def test_a_plain_text_where_an_article_was_is_no_article() -> None:
    v = run(fetched(hop()), PageInfo(kind="other", text="OK"), baseline=snapshot())
    assert (v.status, v.rule) == ("soft-404", "not-an-article")


@pytest.mark.parametrize("kind", ["other", "pdf"])
def test_the_same_text_in_another_format_is_not_soft_404(kind: str) -> None:
    """The cited article served as plain text or as a PDF is still the cited page."""
    v = run(fetched(hop()), PageInfo(kind=kind, text=ARTICLE), baseline=snapshot())
    assert (v.status, v.rule) == ("alive", "alive")


# ------------------------------------------- what these rules must leave alone

@pytest.mark.parametrize("text", [
    # notices with an availability phrase about something else (a ministry's, a theatre's)
    "The East Gate of the building will be closed for repairs from May 2 to May 6. "
    "Parking is unavailable.",
    "Cloud Gate Dance Theatre performs at the National Theater on May 20 and 21. "
    "Tickets are no longer available.",
    "The council met the delegation on Monday. Talks continue. "
    "Comments are not available for this article.",
])
def test_a_short_notice_is_not_an_error_text(text: str) -> None:
    page = PageInfo(kind="html", title="Notice", headline="Notice", text=text)
    assert run(fetched(hop()), page).status == "alive"


def test_a_pdf_notice_is_not_an_error_text() -> None:
    page = PageInfo(kind="pdf", text="Notice: the East Gate is closed. Parking is unavailable.")
    assert run(fetched(hop()), page).status == "alive"


@pytest.mark.parametrize("text", [
    # a press release that quotes the message (88 words)
    "Taipei, May 3 (Executive Yuan) The Ministry of Culture said on Tuesday that viewers "
    "abroad who tried to watch the broadcast of the ceremony saw the message This content is "
    "not available in your country when they opened the stream. The ministry has asked the "
    "broadcaster to make the recording available worldwide and said that a version with "
    "English subtitles would be published next week on its website and on its social media "
    "channels, together with the full text of the speeches given at the ceremony by the "
    "premier and the minister.",
    # a help page that asks about it, with more to say
    "Why do I see This video is not available in your country? Some videos are licensed for "
    "certain countries only. The rights holder decides where a video can be watched, and we "
    "show the message when you watch from elsewhere. If you believe you should be able to "
    "watch it, check that your location settings are right, turn off any proxy or VPN, and "
    "try again. If the message persists, write to our support team with the address of the "
    "video and the country you are in, and we will look into it.",
])
def test_a_longer_page_quoting_a_geo_block_is_not_one(text: str) -> None:
    page = PageInfo(kind="html", title="Press release", text=text)
    assert run(fetched(hop()), page).status == "alive"


@pytest.mark.parametrize(("h1", "text"), [
    ("Nicht verfügbar", "Dieser Inhalt ist in Ihrem Land leider nicht verfügbar."),
    ("BBC iPlayer", "This content is not available outside the UK, due to rights issues."),
    ("", "您所在的地區無法觀看此內容。"),
])
def test_more_wordings_of_a_geo_block(h1: str, text: str) -> None:
    page = PageInfo(kind="html", title="Video", h1=h1 or None, text=text)
    v = run(fetched(hop()), page, baseline=snapshot())
    assert (v.status, v.rule) == ("blocked", "geo-block")


def test_a_grown_live_blog_that_asks_to_sign_in_is_not_a_paywall() -> None:
    """Its text changed and ends with 'Already a member? Sign in to comment.', but it
    grew: a paywall cuts the text short."""
    grown = article(text=OTHER_ARTICLE * 3 + " Already a member? Sign in to comment.")
    v = run(fetched(hop()), grown, baseline=snapshot())
    assert (v.status, v.rule) == ("drifted", "text-replaced")


# ------------------------------------------- answers taken for broken, wrongly

@pytest.mark.parametrize("target", [
    "https://www.bbc.co.uk/news/world-asia-pacific-7654321",  # BBC's old .stm links go there
    "https://thediplomat.com/archive/taiwan-slams-malaysias-kowtow-to-china",
    "https://thediplomat.com/news/2016-05-taiwan-slams.html",
])
def test_a_redirect_to_an_article_under_a_listing_word_is_not_a_section(target: str) -> None:
    """`/news/<slug>` was any listing: a cited URL sent on to its article there was
    soft-404 on every check (no first snapshot is kept of a soft-404)."""
    old = "https://thediplomat.com/2/hi/asia-pacific/7654321.stm"
    v = run(chain((old, 301), (target, 200), url=old), article())
    assert v.status == "moved", (v.status, v.rule)


def test_a_redirect_to_a_section_is_still_one_when_the_page_is_no_article() -> None:
    listing = PageInfo(kind="html", title="Asia | The Diplomat", headline="Asia",
                       text=OTHER_ARTICLE, og_type="website")
    v = run(chain((URL, 301), ("https://thediplomat.com/news/asia", 200)), listing)
    assert (v.status, v.rule) == ("soft-404", "redirect-to-section")


def test_a_probe_sent_on_to_the_cited_url_is_no_catch_all() -> None:
    """A site that sends a misspelt name back to the article (any other name
    below the article's number) answered the probe with the cited page."""
    url = "https://news.example/story2/12345/kenya-deports"
    page = article()
    probe = Probe(url="https://news.example/story2/12345/zqxwvut", final_url=url, status=200,
                  page=page)
    v = run(fetched(hop(url), url=url), page, probe=probe)
    assert v.status == "alive", (v.status, v.rule)


def test_a_probe_is_sent_above_an_articles_number() -> None:
    """Sites that find an article by its number answer any name below it with
    the article: a probe there came back with the cited page (soft-404)."""
    import random

    from archiver.urlsigns import probe_url

    rng = random.Random(1)
    for url, parent in [
        ("https://news.example/story/12345/kenya-deports", "https://news.example/story/"),
        ("https://scmp.example/news/china/article/3012345/kenya-deports",
         "https://scmp.example/news/china/article/"),
        ("https://thediplomat.com/2016/05/taiwan-slams", "https://thediplomat.com/2016/05/"),
        ("https://news.example/a/b/story.html?id=12345", "https://news.example/a/b/"),
    ]:
        probe = probe_url(url, rng)
        assert probe.startswith(parent) and "/" not in probe[len(parent):], (url, probe)
    # a folder's probe is a folder beside it (below an article may be the article)
    for url, parent in [
        ("https://blog.example/kenya-deports-45/", "https://blog.example/"),
        ("https://blog.example/news/kenya-deports-45/", "https://blog.example/news/"),
        ("https://news.example/story/12345/kenya-deports/", "https://news.example/story/"),
    ]:
        probe = probe_url(url, rng)
        assert probe.startswith(parent) and probe.endswith("/") \
            and "/" not in probe[len(parent):-1], (url, probe)
    assert probe_url("https://blog.example/", rng).count("/") == 3  # the root: a name in it


def test_a_503_maintenance_page_asking_to_wait_is_unreachable_not_a_challenge() -> None:
    page = PageInfo(kind="html", title="Please wait - maintenance",
                    text="We are performing scheduled maintenance. We will be back shortly.")
    v = run(fetched(hop(status=503)), page)
    assert v.status == "unreachable", (v.status, v.rule)
    cloudflare = PageInfo(kind="html", title="Please Wait... | Cloudflare",
                          text="Please stand by, while we are checking your browser...")
    v = run(fetched(hop(status=503, headers={"Server": "cloudflare"})), cloudflare)
    assert (v.status, v.rule) == ("blocked", "challenge")


@pytest.mark.parametrize(("a", "b"), [
    ("https://n.example/b8/%e6%96%b0-kenya", "https://n.example/b8/%E6%96%B0-kenya"),
    ("https://n.example/b8/new%2Dkenya", "https://n.example/b8/new-kenya"),
    ("https://n.example/b8/%7euser?q=a%2db", "https://n.example/b8/~user?q=a-b"),
])
def test_percent_escapes_written_otherwise_are_the_same_url(a: str, b: str) -> None:
    """RFC 3986 (6.2.2): a redirect that only rewrites the escapes was `moved`."""
    assert same_url(a, b)
    v = run(chain((a, 301), (b, 200), url=a), article(), baseline=snapshot(url=a))
    assert v.status == "alive", (v.status, v.rule)


def test_escapes_of_reserved_characters_still_differ() -> None:
    assert not same_url("https://n.example/a%2Fb", "https://n.example/a/b")
    assert not same_url("https://n.example/a?x=%26", "https://n.example/a?x=&")


@pytest.mark.parametrize("box", [
    '<div class="paywall"><p>Subscribe to continue reading. Already a subscriber? '
    'Log in.</p></div>',
    '<div class="subscription-prompt"><p>This article is for subscribers only.</p></div>',
    '<section id="subscriber-promo"><h3>Subscribe to keep reading</h3></section>',
])
def test_a_paywall_in_a_box_the_main_text_leaves_out_is_still_read(box: str) -> None:
    """The wording was read at the end of the main text only, which leaves out
    boxes named "paywall" or "subscri…": a text cut there was `drifted`."""
    from archiver.extract import extract

    paragraphs = [f"<p>{s}.</p>" for s in (ARTICLE + " " + OTHER_ARTICLE).split(". ")]
    head = (f"<html><head><title>{HEADLINE}</title><meta property='og:type' content='article'>"
            f"</head><body><article><h1>{HEADLINE}</h1>")
    full = extract((head + "".join(paragraphs) + "</article></body></html>").encode(),
                   url=URL, content_type="text/html")
    cut = extract((head + paragraphs[0] + box + "</article></body></html>").encode(),
                  url=URL, content_type="text/html")
    assert "subscri" not in cut.text.lower() and "subscri" in cut.walled.lower()
    assert not full.walled
    v = run(fetched(hop()), cut, baseline=snapshot(full))
    assert (v.status, v.rule) == ("blocked", "paywall"), v.reason


def test_a_page_sent_on_at_once_to_its_new_address_is_moved_not_soft_404() -> None:
    """A site that moved leaves pages that refresh to the new address: judged by
    its own looks (no article there), the page was soft-404 'not-an-article'."""
    stub = PageInfo(kind="html", title="Redirecting", headline="Redirecting",
                    meta_refresh="https://thediplomat.com/2016/05/new-address")
    v = run(fetched(hop()), stub, baseline=snapshot())
    assert (v.status, v.rule) == ("moved", "refresh"), v.reason
    assert "https://thediplomat.com/2016/05/new-address" in v.reason


@pytest.mark.parametrize(("refresh", "status", "rule"), [
    ("0; url=/", "soft-404", "meta-refresh-root"),
    ("0;URL='https://thediplomat.com/news/'", "soft-404", "refresh-to-section"),
    ("3; url=/2016/05/new-address", "moved", "refresh"),
])
def test_the_refresh_header_is_read_as_the_meta_refresh_is(refresh: str, status: str,
                                                          rule: str) -> None:
    """Browsers follow ``Refresh: 0; url=/`` as they do the <meta> form; the
    header was not read (an empty page titled "Redirecting" was alive)."""
    for page in (PageInfo(kind="html", title="Redirecting", headline="Redirecting"),
                 PageInfo(kind="html", empty=True)):
        v = run(fetched(hop(headers={"Refresh": refresh})), page, baseline=snapshot())
        assert (v.status, v.rule) == (status, rule), (page, v.reason)


def test_a_page_that_reloads_itself_or_later_is_judged_as_it_is() -> None:
    for refresh in ("600", f"0; url={URL}", "900; url=/"):
        v = run(fetched(hop(headers={"Refresh": refresh})), article(), baseline=snapshot())
        assert v.status == "alive", (refresh, v.reason)


@pytest.mark.parametrize("target", ["/?p=18231", "/?page_id=5", "/index.php?id=42"])
def test_a_root_url_that_names_an_article_is_no_section(target: str) -> None:
    from archiver.urlsigns import is_section_url

    assert not is_section_url("https://thediplomat.com" + target)
    assert is_section_url("https://thediplomat.com/?s=taiwan")
    assert is_section_url("https://thediplomat.com/")


@pytest.mark.parametrize("title", ["Suspects not found | The Standard",
                                   "Embassy unavailable - The Standard"])
def test_a_dated_brief_whose_headline_says_not_found_is_news(title: str) -> None:
    """A short brief (one article marker: its date) headlined "Suspects not
    found" was an error page: one word besides the error phrase was allowed
    whatever the page showed."""
    url = "https://standardmedia.example/article/kenya-brief"
    brief = PageInfo(kind="html", title=title, h1=title.split(" | ")[0].split(" - ")[0],
                     headline=title.split(" | ")[0].split(" - ")[0],
                     published=dt.date(2019, 3, 13),
                     text="Police said the two suspects were still at large on Wednesday. "
                          "A search continues in Mombasa.")
    v = run(fetched(hop(url), url=url), brief)
    assert v.status == "alive", v.reason
    undated = dataclasses.replace(brief, published=None)
    assert run(fetched(hop(url), url=url), undated).rule == "error-title"


CHALLENGE_200 = (
    "<html><head><title>Just a moment...</title></head><body><h1>Checking your browser "
    "before accessing the site.</h1><p>This process is automatic. Your browser will "
    "redirect to your requested content shortly.</p><p>DDoS protection by Cloudflare</p>"
    "<p>Ray ID: 7d1e2f3a4b5c6d7e</p></body></html>")


@pytest.mark.parametrize("baseline", [None, "article"])
def test_a_challenge_answered_with_200_is_blocked(baseline: str | None) -> None:
    """Protection services answer some challenges with 200 (modelled on Cloudflare's
    "Just a moment..." interstitial): blocked, not alive and not soft-404, with the
    first snapshot an article or not (a first capture stores no snapshot of it)."""
    extract = pytest.importorskip("archiver.extract").extract
    page = extract(CHALLENGE_200.encode(), url=URL, content_type="text/html; charset=utf-8")
    v = run(fetched(hop()), page, baseline=snapshot() if baseline else None)
    assert (v.status, v.rule) == ("blocked", "challenge"), v.reason


@pytest.mark.parametrize(("title", "text"), [
    ("Please wait", "Please wait while we redirect you to the article."),
    ("Just a moment: the week in review", ARTICLE),
])
def test_pages_titled_like_a_challenge_at_200_are_not_one(title: str, text: str) -> None:
    page = PageInfo(kind="html", title=title, text=text, headline=title)
    v = run(fetched(hop()), page, baseline=snapshot())
    assert v.rule != "challenge", v.reason


SLUG_HEADLINE = "Malaysia deports Taiwanese to China"
SLUG_URL = "https://news.example/2016/05/03/malaysia-deports-taiwanese-to-china/"


@pytest.mark.parametrize(("final_url", "page", "rule"), [
    # a WordPress "redirect 404s to search" plugin: the slug is the query, and the
    # heading repeats it (70 % like the first snapshot's headline: not the page)
    ("https://news.example/?s=malaysia+deports+taiwanese+to+china",
     PageInfo(kind="html", headline="Search Results for: malaysia deports taiwanese to china",
              text="Sorry, but nothing matched your search terms. Please try again."),
     "redirect-to-section"),
    # a migration that sends old URLs to the new site's search with the slug's words
    ("https://new.example/search2?q=malaysia%20deports%20taiwanese%20to%20china",
     PageInfo(kind="html", headline="Search results for \u201cmalaysia deports taiwanese to "
              "china\u201d", text="No results. Try other words."), "search-page"),
])
def test_a_redirect_to_a_search_for_the_slug_is_not_the_page_moved(
        final_url: str, page: PageInfo, rule: str) -> None:
    base = snapshot(article(headline=SLUG_HEADLINE), url=SLUG_URL)
    v = run(chain((SLUG_URL, 301), (final_url, 200), url=SLUG_URL), page, baseline=base)
    assert (v.status, v.rule) == ("soft-404", rule), v.reason


@pytest.mark.parametrize("page", [
    # a theme's 200 "nothing found" at any unknown URL, titled with the slug
    PageInfo(kind="html", headline="Nothing found for Malaysia Deports Taiwanese To China",
             text="It seems we can't find what you're looking for. Perhaps searching can help.",
             published=dt.date(2016, 5, 3)),  # (the URL's date)
    # an expired host's empty folder at the cited URL
    PageInfo(kind="html", headline="Index of /2016/05/03/malaysia-deports-taiwanese-to-china/",
             text="Index of /2016/05/03/malaysia-deports-taiwanese-to-china/ Parent Directory",
             published=dt.date(2016, 5, 3)),
])
def test_a_page_that_echoes_the_slug_in_place_of_the_article_is_soft_404(page: PageInfo) -> None:
    base = snapshot(article(headline=SLUG_HEADLINE), url=SLUG_URL)
    v = run(fetched(hop(url=SLUG_URL), url=SLUG_URL), page, baseline=base)
    assert v.status == "soft-404", v.reason


@pytest.mark.parametrize("text", [
    "We recognize you are attempting to access this website from a country belonging to the "
    "European Economic Area (EEA), including the EU, which enforces the GDPR.",
    "Maaf, konten ini tidak tersedia di negara Anda.",
    "Harap maaf, kandungan ini tidak tersedia di negara anda.",
    "Xin lỗi, nội dung này không khả dụng tại quốc gia của bạn.",
])
def test_geo_blocks_in_more_wordings_are_blocked(text: str) -> None:
    page = PageInfo(kind="html", title="Daily Courier", text=text)
    v = run(fetched(hop()), page, baseline=snapshot())
    assert (v.status, v.rule) == ("blocked", "geo-block"), v.reason


@pytest.mark.parametrize(("headline", "text"), [
    # a takedown keeps the article's markup (og:type, date, byline) above its notice
    (HEADLINE, f"{HEADLINE} By Staff Reporter 2016-05-03 This article has been removed at "
               "the request of the publisher."),
    ("This article has been removed", "This article has been removed By Staff Reporter "
     "2016-05-03 This article has been removed at the request of the publisher."),
    (HEADLINE, f"{HEADLINE} Este artículo ha sido eliminado."),
    (HEADLINE, f"{HEADLINE} 本文已刪除。"),
    (HEADLINE, f"{HEADLINE} Artikel ini telah dihapus oleh redaksi."),
])
def test_a_removal_notice_in_the_articles_markup_is_soft_404(headline: str, text: str) -> None:
    page = article(headline=headline, h1=headline, text=text)
    v = run(fetched(hop()), page, baseline=snapshot())
    assert v.status == "soft-404", v.reason


# ------------------------------------------------ what the reason tells editors


def test_alive_page_redated_since_its_first_snapshot_says_both_days() -> None:
    """A page that keeps its headline but gives another day than when it was cited
    stays alive; the reason names both days, so an editor can tell a re-dated page
    from a citation that was wrong from the start."""
    redated = article(published=dt.date(2019, 11, 2))
    v = run(fetched(hop()), redated, baseline=snapshot())
    assert v.status == "alive"
    assert "its date is now 2019-11-02 (it was 2016-05-03 in the first snapshot)" in v.reason
    same_day = run(fetched(hop()), article(), baseline=snapshot())
    assert "date is now" not in same_day.reason


def test_a_long_retry_after_is_in_the_reason() -> None:
    """A 429 asking to come back in a day is blocked, and says when it asked to
    be tried again (the fetcher did not wait that long)."""
    result = fetched(hop(status=429, headers={"Retry-After": "86400"}))
    result.retry_after = 86400.0
    v = run(result, None)
    assert v.status == "blocked"
    assert "tried again in 24 hours" in v.reason
    unavailable = fetched(hop(status=503, headers={"Retry-After": "600"}))
    unavailable.retry_after = 600.0
    assert "tried again in 10 minutes" in run(unavailable, None).reason
    assert "tried again" not in run(fetched(hop(status=429)), None).reason
    for seconds, said in ((3600, "60 minutes"), (99_999_999_999, "3,169 years"),
                          (200_000, "2 days"), (90, "90 seconds")):
        result.retry_after = float(seconds)
        assert f"tried again in {said} (" in run(result, None).reason


# ------------------------------------------------- documents of bytes alone

@pytest.mark.parametrize(("now", "before", "changed", "expected"), [
    # a scanned PDF, an image: its bytes are all it is compared by
    (PageInfo(kind="pdf"), PageInfo(kind="pdf"), True, ("drifted", "bytes-changed")),
    (PageInfo(kind="other"), PageInfo(kind="other"), True, ("drifted", "bytes-changed")),
    (PageInfo(kind="pdf"), PageInfo(kind="pdf"), False, ("alive", "alive")),
    (PageInfo(kind="pdf"), PageInfo(kind="pdf"), None, ("alive", "alive")),  # not known
    # a PDF with text is compared by its text: new bytes of the same report are alive
    (PageInfo(kind="pdf", text=ARTICLE), PageInfo(kind="pdf", text=ARTICLE), True,
     ("alive", "alive")),
    # an HTML page drawn by its scripts changes bytes with its code
    (PageInfo(kind="html"), PageInfo(kind="html"), True, ("alive", "alive")),
    # but a scanned PDF that is now such a page has changed
    (PageInfo(kind="html"), PageInfo(kind="pdf"), True, ("drifted", "bytes-changed")),
])
def test_a_document_with_neither_headline_nor_text_is_compared_by_its_bytes(
        now: PageInfo, before: PageInfo, changed: bool | None,
        expected: tuple[str, str]) -> None:
    # the answer's payload digest against the first snapshot's ("sha1:AAAA");
    # None: not taken
    final = dataclasses.replace(hop(), payload_digest={
        True: "sha1:BBBB", False: snapshot().payload_digest, None: None}[changed])
    v = classify(fetch=fetched(final), page=now, baseline=snapshot(before), probe=None,
                 history=FailureHistory(), network_down=False, now=NOW,
                 settings=CheckSettings())
    assert (v.status, v.rule) == expected, v.reason
    if v.rule == "bytes-changed":
        assert "no longer the first snapshot's" in v.reason
