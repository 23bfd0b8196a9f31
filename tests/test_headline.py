"""The headline chosen among a page's <title>, <h1> and meta values.

Hand-built pages, each modelled on the markup of a family of sites named
above it: where the site's name comes first in the <title>, where an <h1>
is made of several elements, where invisible characters break words, where
a page holds several <h1>.
"""

from __future__ import annotations

import pytest

from archiver import textnorm as tn
from archiver import titles
from archiver.extract import extract

URL = "http://127.0.0.1:8765/news/2023/05/story"
LOREM = "<p>" + "Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 8 + "</p>"


def headline(head: str, body: str, lang: str = "en") -> str | None:
    doc = (f"<!doctype html><html lang='{lang}'><head><meta charset='utf-8'>{head}</head>"
           f"<body>{body}</body></html>")
    return extract(doc.encode(), url=URL, content_type="text/html; charset=utf-8",
                   text=False).headline


# ------------------------------------------- the site's name first in <title>

@pytest.mark.parametrize(("title", "body", "expected"), [
    # a ministry's CMS: "Ministry - Headline", its logo an image
    ("Ministry of Labour - Minimum wage to rise by 4 percent next year",
     "<div id='header'><img src='/logo.png' alt='Ministry of Labour'></div>"
     "<div id='content'><h1>Minimum wage to rise by 4 percent next year</h1>" + LOREM + "</div>",
     "Minimum wage to rise by 4 percent next year"),
    # an older news site's template: "Site | Headline", a story box
    ("BBC News | Floods force thousands from homes in Assam",
     "<div class='story-body'><h1 class='story-header'>Floods force thousands from homes in "
     "Assam</h1>" + LOREM + "</div>",
     "Floods force thousands from homes in Assam"),
    # a regional paper: a logo link home, the story's <h1> and date line
    ("Evening Echo - Harbour board chairman resigns over pay row",
     "<div id='top'><a class='logo' href='/'>Evening Echo</a></div><div class='story'>"
     "<h1>Harbour board chairman resigns over pay row</h1><p class='date'>12 March 2019</p>"
     + LOREM + "</div>",
     "Harbour board chairman resigns over pay row"),
    # Taiwan's government sites: "Ministry-Section-Headline", bare hyphens
    ("法務部-本部新聞稿-法務部對肯亞案之說明",
     "<header><div class='logo'><a href='/'><img alt='法務部全球資訊網'></a></div></header>"
     "<main><div class='cp'><h1>法務部對肯亞案之說明</h1>" + LOREM + "</div></main>",
     "法務部對肯亞案之說明"),
])
def test_an_h1_that_is_the_last_part_of_a_site_first_title_is_the_headline(
        title: str, body: str, expected: str) -> None:
    assert headline(f"<title>{title}</title>", body) == expected


def test_an_h1_that_is_a_short_last_part_still_names_a_section() -> None:
    # "Headline | Section" with the section's label in <h1> (a news site's
    # section pages): the label heads nothing
    title = "Dam project delayed again on the upper river | World"
    body = "<div><h1>World</h1><h2>Dam project delayed again on the upper river</h2>" \
        + LOREM + "</div>"
    assert headline(f"<title>{title}</title>", body) \
        == "Dam project delayed again on the upper river"
    assert titles.names_a_section_h1("World", title)
    assert not titles.names_a_section_h1(
        "Minimum wage to rise", "Ministry of Labour - Minimum wage to rise")
    assert titles.names_a_section_h1("本院新聞", "院會決議 | 本院新聞 | 行政院")


# ------------------------------------------- an <h1> made of several elements

@pytest.mark.parametrize(("h1", "title", "expected"), [
    # a theme that sets each line of the headline in a span, the space between
    # them written in the markup
    ("<h1><span class='line'>Storm hits coast</span>\n  <span class='line'>as thousands "
     "flee</span></h1>", "Coastal Herald", "Storm hits coast as thousands flee"),
    # Arc XP: a kicker's label in a span of its own before the headline's,
    # the space inside the label's span
    ("<h1 class='headline'><span class='label'>Exclusive: </span><span>Police raided activist "
     "offices</span></h1>", "Daily Ledger", "Exclusive: Police raided activist offices"),
    # lines as blocks, under a <title> that is only the site's name
    ("<h1><div>Storm hits coast</div><div>as thousands flee</div></h1>", "Coastal Herald",
     "Storm hits coast as thousands flee"),
    # lines as blocks, the <title> writes them without the space
    ("<h1><div>Climate</div><div>change talks open in Bonn</div></h1>",
     "Climatechange talks open in Bonn | Coastal Herald", "Climatechange talks open in Bonn"),
    # a styled letter inside a word
    ("<h1>Wor<span class='accent'>l</span>d leaders meet in Geneva</h1>",
     "World leaders meet in Geneva | Coastal Herald", "World leaders meet in Geneva"),
    # two spans inside one word, as a browser shows them
    ("<h1><span>Climate</span><span>change</span> talks open in Bonn</h1>",
     "Coastal Herald", "Climatechange talks open in Bonn"),
    # a heading split into letters for an animation
    ("<h1><span>F</span><span>e</span><span>r</span><span>r</span><span>y</span> resumes "
     "after four years</h1>", "Coastal Herald", "Ferry resumes after four years"),
])
def test_the_elements_of_an_h1_are_read_with_the_spaces_shown(
        h1: str, title: str, expected: str) -> None:
    body = f"<article>{h1}<p class='date'>3 May 2023</p>{LOREM}</article>"
    assert headline(f"<title>{title}</title>", body) == expected


@pytest.mark.parametrize(("h1", "title", "lang", "expected"), [
    # a link to the company's page, then the rest of the headline
    ("<h1><a href='/topic/apple'>Apple</a><span>'s profits fall sharply</span></h1>",
     "Home | The Daily Gazette", "en", "Apple's profits fall sharply"),
    # a long German word in spans where it may break
    ("<h1><span class='hyphenate'>Bundes</span><span class='hyphenate'>regierung</span> "
     "beschließt Klimapaket</h1>", "Startseite - Stadtanzeiger", "de",
     "Bundesregierung beschließt Klimapaket"),
    # the Arabic article in a span of its own
    ("<h1><span>ال</span><span>حكومة</span> تعلن خطة جديدة</h1>", "الرئيسية - جريدة الوطن", "ar",
     "الحكومة تعلن خطة جديدة"),
    # Chinese writes no spaces between words
    ("<h1><span>国务院</span><span>常务会议</span>部署稳就业</h1>", "首页 - 新闻网", "zh",
     "国务院常务会议部署稳就业"),
])
def test_inline_elements_side_by_side_are_read_together(
        h1: str, title: str, lang: str, expected: str) -> None:
    body = f"<main>{h1}<p>{LOREM}</p></main>"
    assert headline(f"<title>{title}</title>", body, lang) == expected


# ------------------------------------------- characters that show nothing

@pytest.mark.parametrize("mark", ["&shy;", "\u00ad", "&#x200B;", "\u2060", "\ufeff"])
def test_characters_that_show_nothing_leave_the_headline(mark: str) -> None:
    # a German paper's CMS sets soft hyphens in long compounds of the <h1>
    # (and of its <title>), for the line to break there on a phone
    h1 = f"Bundes{mark}regierung beschließt Klima{mark}schutz{mark}programm"
    doc = (f"<!doctype html><html lang='de'><head><meta charset='utf-8'><title>{h1} | Tagesblatt"
           f"</title><meta property='og:title' content='Bundesregierung beschließt "
           f"Klimaschutzprogramm'></head><body><article><h1>{h1}</h1>{LOREM}</article></body></html>")
    info = extract(doc.encode(), url=URL, content_type="text/html; charset=utf-8", text=False)
    assert info.headline == "Bundesregierung beschließt Klimaschutzprogramm"
    assert info.h1 == "Bundesregierung beschließt Klimaschutzprogramm"
    assert info.title == "Bundesregierung beschließt Klimaschutzprogramm | Tagesblatt"


def test_comparable_forms_drop_what_shows_nothing_and_keep_joiners() -> None:
    assert tn.comparable("Klima\u00adschutz\u2060programm\ufeff") == "klimaschutzprogramm"
    assert tn.clean_value(" Klima\u00adschutz ") == "Klimaschutz"
    assert tn.clean_value("\u00ad\u200b") is None
    # the zero-width non-joiner of Persian is part of the word
    assert tn.clean_value("می\u200cخواهم") == "می\u200cخواهم"


# ------------------------------------------- several <h1>

BRIDGE = "Bridge collapse kills three in river town"


@pytest.mark.parametrize("body", [
    # a regional paper's template: the logo, the section's label and the story
    # each an <h1>
    "<div class='top'><h1 class='logo'><a href='/'>Valley Post</a></h1></div><div "
    f"class='section-head'><h1>Local</h1></div><div class='story'><h1>{BRIDGE}</h1>{LOREM}</div>",
    # the same in <main>, the section's label first
    f"<main><div class='section-head'><h1>Local</h1></div><div class='story'><h1>{BRIDGE}</h1>"
    f"{LOREM}</div></main>",
    # an HTML5-outline theme: each teaser of the sidebar an <article> with an <h1>
    f"<div id='content'><h1>{BRIDGE}</h1>{LOREM}</div><aside><article><h1>Mayor opens new "
    "library</h1></article><article><h1>Rain expected this weekend</h1></article></aside>",
    # ... the sidebar before the story, its box headed by an <h1> too
    "<aside class='sidebar'><section><h1>Most read</h1><article><h1>Mayor opens new library"
    f"</h1></article></section></aside><div id='content'><h1>{BRIDGE}</h1>{LOREM}</div>",
    # a menu's and a footer's <h1>
    f"<nav><h1>Sections</h1></nav><div><h1>{BRIDGE}</h1>{LOREM}</div>"
    "<footer><h1>About the Valley Post</h1></footer>",
])
def test_of_several_h1_the_story_s_is_the_headline(body: str) -> None:
    assert headline(f"<title>{BRIDGE} | Valley Post</title>", body) == BRIDGE


def test_of_several_h1_a_site_s_name_first_in_the_title_is_not_taken() -> None:
    # the site's name in a plain <h1> and first in the <title>, the story's
    # <h1> in <article> saying other words than the <title>'s
    body = ("<div class='top'><h1>Valley Post</h1></div><article><h1>Three dead as river "
            f"bridge gives way</h1>{LOREM}</article>")
    assert headline(f"<title>Valley Post - {BRIDGE}</title>", body) \
        == "Three dead as river bridge gives way"


# ------------------------------------------- an og:title that copies the <title>

@pytest.mark.parametrize("body", [
    # a small paper's theme: the logo in an <h1>, the story under an <h2>
    "<header><h1 class='site-title'><a href='/'>Harbour Times</a></h1></header><div "
    "class='post'><h2>Court upholds ban on opposition rally</h2>" + LOREM + "</div>",
    # a page with no heading at all
    "<div class='post'>" + LOREM + "</div>",
])
def test_an_og_title_that_copies_the_title_loses_the_site_s_name_as_the_title_does(
        body: str) -> None:
    # a plugin that copies the <title> into og:title, no og:site_name
    title = "Court upholds ban on opposition rally | Harbour Times"
    head = f"<title>{title}</title><meta property='og:title' content='{title}'>"
    assert headline(head, body) == "Court upholds ban on opposition rally"


@pytest.mark.parametrize("og_site_name, expected", [
    # a Japanese title ends with the site's name after a full-width colon (the
    # Asahi pattern), which og:title copies: a name the site goes by is dropped
    ("東日新聞デジタル", "首相、来月に訪米へ 首脳会談で調整"),
    # ... and no other: the colon is a headline's own too
    ("", "首相、来月に訪米へ 首脳会談で調整：東日新聞デジタル"),
])
def test_a_site_name_after_a_full_width_colon_leaves_the_headline(
        og_site_name: str, expected: str) -> None:
    title = "首相、来月に訪米へ　首脳会談で調整：東日新聞デジタル"
    site = f"<meta property='og:site_name' content='{og_site_name}'>" if og_site_name else ""
    head = f"<title>{title}</title><meta property='og:title' content='{title}'>{site}"
    assert headline(head, "<main><article><p>首相は来月、米国を訪問する。</p></article></main>",
                    lang="ja") == expected
