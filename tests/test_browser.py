"""A real browser (headless Chromium) on the dashboard, the replay and the HTML report.

Skipped, saying why, when Debian's chromium (``/usr/bin/chromium``) or the
``playwright`` package is not installed: ``apt-get install chromium`` and
``pip install playwright`` (no ``playwright install``: the system browser is used).
"""

from __future__ import annotations

import os
import shutil
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from archiver.report import build_report
from archiver.report_html import render_html
from archiver.storeopen import open_store
from archiver.web.app import DashboardServer

from .lab import Site
from .test_web import HEADLINE_1, Lab, build_archive

CHROMIUM = os.environ.get("ARCHIVER_CHROMIUM", "/usr/bin/chromium")

pytestmark = pytest.mark.slow

if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
    pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)",
                allow_module_level=True)
sync_api = pytest.importorskip(
    "playwright.sync_api",
    reason="no playwright package (pip install playwright)",
)

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    with Site() as site:
        yield build_archive(tmp_path_factory.mktemp("browser"), site)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Chromium with a fresh profile (playwright passes it as --user-data-dir)."""
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_api.sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, args=ARGS, headless=True,
            viewport=PHONE, timeout=30_000)
        try:
            yield context
        finally:
            context.close()


def keep(tmp_path: Path, *names: str) -> None:
    """Copy screenshots to $ARCHIVER_SCREENSHOTS, for people reviewing the layout."""
    folder = os.environ.get("ARCHIVER_SCREENSHOTS")
    if folder:
        for name in names:
            shutil.copy(tmp_path / name, Path(folder) / name)


def png_size(path: Path) -> tuple[int, int]:
    """Width and height of a PNG file, from its IHDR chunk (asserting the signature)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def test_dashboard_citation_and_replay(lab: Lab, browser: Any, tmp_path: Path) -> None:
    with DashboardServer(lab.archive, port=0) as server:
        page = browser.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.set_default_timeout(20_000)

        page.goto(server.url + "/")
        assert page.title() == "Citations"
        # the stylesheet loaded under the CSP: the status badge is styled
        badge = page.locator(".badge.b-dead").first
        assert badge.evaluate("e => getComputedStyle(e).color") == "rgb(255, 255, 255)"
        assert HEADLINE_1 in page.inner_text("body")  # shown as text, not run
        shot = tmp_path / "dashboard.png"
        page.screenshot(path=str(shot), full_page=True)
        width, height = png_size(shot)
        assert width == PHONE["width"] and height >= PHONE["height"] // 2
        assert shot.stat().st_size > 10_000

        page.click(f'a[href^="/citation/"]:has-text("{lab.urls["two"]}")')
        page.wait_for_url("**/citation/*")
        assert page.title().startswith("Citation ")
        assert "A correction was appended on Friday." in page.inner_text("pre.diff")
        citation_shot = tmp_path / "citation.png"
        page.screenshot(path=str(citation_shot), full_page=True)
        assert png_size(citation_shot)[0] == PHONE["width"]
        assert errors == [], errors

        replay_href = page.locator('a:has-text("replay")').first.get_attribute("href")
        assert replay_href and replay_href.startswith(server.replay_url + "/archive/")
        page.goto(replay_href)
        frame = page.frame_locator("iframe").first
        frame.locator("h1").wait_for()
        assert frame.locator("h1").inner_text() == "Kenya deports 45 to China"
        replay_shot = tmp_path / "replay.png"
        page.screenshot(path=str(replay_shot))
        assert replay_shot.stat().st_size > 5_000
        keep(tmp_path, "dashboard.png", "citation.png", "replay.png")
        page.close()


def test_report_with_script_in_headline_does_not_run_it(lab: Lab, browser: Any,
                                                        tmp_path: Path) -> None:
    store = open_store(lab.archive, readonly=True)
    try:
        report = build_report(store)
        html = render_html(report, store=store)
    finally:
        store.close()
    report_file = tmp_path / "report.html"
    report_file.write_text(html, encoding="utf-8")
    page = browser.new_page()
    page.goto(report_file.as_uri())
    assert page.title() == "Citation check"  # the headline's script would set "pwned"
    assert page.evaluate("document.scripts.length") == 0
    body = page.inner_text("body")
    assert HEADLINE_1 in body
    # the inline stylesheet applies (allowed by its hash in the page's own CSP)
    assert page.locator("article.citation").first.evaluate(
        "e => getComputedStyle(e).borderLeftWidth") == "6px"
    shot = tmp_path / "report.png"
    page.screenshot(path=str(shot), full_page=True)
    assert png_size(shot)[0] == PHONE["width"] and shot.stat().st_size > 10_000
    keep(tmp_path, "report.png")
    page.close()
