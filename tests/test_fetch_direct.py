"""Requests go straight to the transport of make_client's client, as client.send would."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from archiver.exchange import parse_url
from archiver.fetch import Fetcher

from .lab import Site
from .test_fetch import lab_settings, with_fetcher


def test_httpx_request_log_line_is_kept(site: Site, tmp_path: Path,
                                        caplog: pytest.LogCaptureFixture) -> None:
    site.page("/p", "<p>x</p>")
    with caplog.at_level(logging.INFO, logger="httpx"):
        result = with_fetcher(tmp_path, lab_settings(), lambda f: f.fetch(site.url("/p")))
    assert result.error is None
    lines = [r.getMessage() for r in caplog.records if r.name == "httpx"]
    assert lines == [f'HTTP Request: GET {site.url("/p")} "HTTP/1.1 200 OK"']


def test_cookies_set_by_a_response_are_sent_on_the_next_request(site: Site,
                                                                tmp_path: Path) -> None:
    site.page("/set", "<p>set</p>", headers=[("Set-Cookie", "session=abc; Path=/")])
    site.page("/next", "<p>next</p>")

    async def go(f: Fetcher) -> None:
        await f.fetch(site.url("/set"))
        await f.fetch(site.url("/next"))

    with_fetcher(tmp_path, lab_settings(), go)
    assert "Cookie" not in site.hits_for("/set")[0].headers
    assert site.hits_for("/next")[0].headers["Cookie"] == "session=abc"


def test_any_other_client_is_used_through_send(tmp_path: Path) -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, headers={"Content-Type": "text/html"},
                              stream=httpx.ByteStream(b"<p>m</p>"))

    async def go() -> None:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
            result = await Fetcher(client, lab_settings(), tmp_path).fetch("http://m.test/")
            assert result.error is None and result.final is not None
            assert result.final.status == 200 and result.final.body_size == 8

    asyncio.run(go())
    assert seen == ["http://m.test/"]


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:8080/news/2016/05/a.html?x=1&y=%C3%A9",
    "http://example.org/",
    "https://example.org:443/path",
    "http://example.org:80",
    "https://[::1]:8443/a/b",
    "http://bücher.example/ünïcode path?q=ü",
    "http://user:pw@example.org:81/private",
])
def test_request_headers_are_those_build_request_makes(url: str, tmp_path: Path) -> None:
    """The fetcher makes the request headers itself while no cookie is to be sent."""
    settings = lab_settings()

    async def go() -> tuple[list[tuple[bytes, bytes]], list[tuple[bytes, bytes]]]:
        from archiver.fetch import make_client

        async with make_client(settings) as client:
            fetcher = Fetcher(client, settings, tmp_path)
            parsed = httpx.URL(url)
            headers, request = fetcher._request_headers(parsed)
            assert request is None
            return headers, client.build_request("GET", parsed).headers.raw

    made, built = asyncio.run(go())
    assert made == built


_URL_PIECES = st.sampled_from([
    "a", "Z", "0", "9", "-", ".", "_", "~", "/", "?", "&", "=", "%", "%41", "%zz", ":", "@", "#",
    "!", "$", "'", "(", "*", "+", ",", ";", " ", "é", "[", "]", "..", "/./", "/../", "\\", "|"])


@given(scheme=st.sampled_from(["http", "https", "HTTP", "ftp"]),
       host=st.sampled_from(["example.org", "a-b.example", "EXAMPLE.org", "127.0.0.1", "127.1",
                             "2130706433", "999.1.2.3", "1.2.3.4.", "01.2.3.4",
                             "xn--bcher-kva.example", "bücher.example", "[::1]", "a..b",
                             "-a.b", ""]),
       port=st.sampled_from(["", ":80", ":443", ":8080", ":0", ":65535", ":65536", ":080", ":x"]),
       rest=st.lists(_URL_PIECES, max_size=12).map("".join))
def test_parse_url_is_httpx_url(scheme: str, host: str, port: str, rest: str) -> None:
    """What parse_url makes directly is what httpx.URL makes, error or not."""
    url = f"{scheme}://{host}{port}/{rest}"
    try:
        expected = httpx.URL(url)
    except Exception as exc:  # noqa: BLE001 - the same failure is expected
        with pytest.raises(type(exc)):
            parse_url(url)
        return
    made = parse_url(url)
    assert made == expected
    assert made._uri_reference == expected._uri_reference
    assert str(made) == str(expected) and made.raw_path == expected.raw_path


def test_plain_urls_are_made_directly(monkeypatch: pytest.MonkeyPatch) -> None:
    url = "http://127.0.0.1:8080/news/2016/05/a-b_c.html?id=3&x=y"
    expected = httpx.URL(url)

    def not_parsed(*args: object, **kwargs: object) -> None:
        raise AssertionError("httpx parsed the URL")

    monkeypatch.setattr("httpx._urls.urlparse", not_parsed)
    made = parse_url(url)  # without httpx's parser
    assert made._uri_reference == expected._uri_reference
    assert str(made) == url and made.port == 8080
    assert made.raw_path == b"/news/2016/05/a-b_c.html?id=3&x=y"
    with pytest.raises(AssertionError, match="httpx parsed"):  # not plain: httpx parses it
        parse_url("http://127.0.0.1:8080/a%20b")


def test_a_cookie_httpx_cannot_send_back_is_dropped(site: Site, tmp_path: Path) -> None:
    """A Set-Cookie value in non-ASCII bytes (``sid=caf\\xe9``): the redirect is
    followed and later requests to the host are made, without that cookie."""
    from .test_hostile import head

    def set_odd_cookie(handler: Any) -> None:
        head(handler, ["HTTP/1.1 302 Found", "Set-Cookie: sid=caf\u00e9; Path=/",
                       "Set-Cookie: plain=ok; Path=/", "Location: /landing",
                       "Content-Length: 0"])

    site.raw("/set", set_odd_cookie)
    site.page("/landing", "<p>landed</p>")
    site.page("/other", "<p>other</p>")

    async def go(f: Fetcher) -> list[Any]:
        return [await f.fetch(site.url("/set")), await f.fetch(site.url("/other"))]

    first, other = with_fetcher(tmp_path, lab_settings(), go)
    assert first.error is None and first.final.status == 200
    assert first.final_url == site.url("/landing")
    assert other.error is None and other.final.status == 200
    assert site.hits_for("/other")[0].headers["Cookie"] == "plain=ok"


def test_a_redirect_to_a_port_out_of_range_is_an_invalid_url(site: Site,
                                                             tmp_path: Path) -> None:
    site.redirect("/far", "http://127.0.0.1:99999/x", 302)
    result = with_fetcher(tmp_path, lab_settings(), lambda f: f.fetch(site.url("/far")))
    assert result.error == "invalid-url" and "port 99999 is out of range" in \
        result.error_detail
    assert result.attempts == 1  # not retried as a connection failure


def test_a_host_that_is_not_valid_idna_is_an_invalid_url(site: Site, tmp_path: Path) -> None:
    """An xn-- label that is not punycode: refused before any lookup, cited or
    redirected to (httpx raises when it reads such a host)."""
    site.redirect("/to-bad-label", "http://xn--zz.invalid/", 302)

    async def go(f: Fetcher) -> list[Any]:
        return [await f.fetch("http://xn--ls8h.invalid/"),
                await f.fetch(site.url("/to-bad-label"))]

    cited, redirected = with_fetcher(tmp_path, lab_settings(), go)
    assert cited.error == "invalid-url" and "invalid host name" in cited.error_detail
    assert cited.attempts == 0 and not cited.hops
    assert redirected.error == "invalid-url" and "invalid host name" in redirected.error_detail
    assert [h.status for h in redirected.hops] == [302]
