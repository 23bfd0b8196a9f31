"""Main text: the walk that empties dropped elements as it goes gives the text a full walk gives."""

from __future__ import annotations

import time

from hypothesis import given, settings
from hypothesis import strategies as st
from selectolax.lexbor import LexborHTMLParser, LexborNode

from archiver import maintext as mt
from archiver import textnorm as tn
from archiver.dom import parse_html
from archiver.pagemeta import Markup, collect


def reference_text(tree: LexborHTMLParser, markup: Markup) -> str:
    """The main text as a walk over every element of the container computes it."""
    body = tree.body or tree.root
    assert body is not None
    container = mt._main_container(body, markup.containers)
    guarded = mt._guarded(container, [*markup.h1s, *(el for el in markup.containers
                                                     if el.tag_id == mt._ARTICLE)])
    drops: list[LexborNode] = []
    blocks: list[LexborNode] = []
    for el in container.traverse():
        tid = el.tag_id
        if tid in mt._DROP_IDS:
            drops.append(el)
            continue
        if tid in mt._BLOCK_IDS:
            blocks.append(el)
        if tid in mt._BOX_IDS:
            attrs = el.attributes
            if attrs and mt._is_boilerplate(el, tid, attrs, guarded):
                drops.append(el)
    for el in blocks:
        before = el.prev
        if before is not None and not before.is_empty_text_node \
                and before.tag_id not in mt._BLOCK_IDS:
            el.insert_before("\n")
        after = el.next
        if after is not None and not after.is_empty_text_node:
            el.insert_after("\n")
    for el in drops:
        el.decompose(recursive=False)
    return tn.squash(container.text()[: mt.MAX_TEXT_CHARS * 2])[: mt.MAX_TEXT_CHARS]


def both(doc: str) -> tuple[str, str]:
    """(main_text, reference_text) of *doc*, each on its own parse."""
    results = []
    for fn in (mt.main_text, reference_text):
        tree, _ = parse_html(doc.encode(), "text/html")
        assert tree is not None
        results.append(fn(tree, collect(tree, "https://example.com/a")))
    return results[0], results[1]


def test_text_after_a_dropped_box_is_kept():
    doc = ("<body><div><div><div class='share-bar'><p>Share this</p><div>deep<nav>x</nav></div>"
           "</div></div>tail of the box</div><p>After the box</p><script>var x</script></body>")
    text, expected = both(doc)
    assert text == expected == "tail of the box After the box"


def test_a_dropped_element_last_in_the_container_ends_the_walk():
    doc = "<body><article><h1>Title</h1><p>One</p><p>Two</p><footer><p>f</p></footer></article>"
    text, expected = both(doc)
    assert text == expected == "Title One Two"


def test_blocks_beside_dropped_elements_as_in_a_full_walk():
    doc = ("<body><span>text<script>s</script><div>B</div></span>"
           "Hello<nav>menu</nav><p>World</p><div class='comments'><p>c</p></div><p>end</p></body>")
    text, expected = both(doc)
    assert text == expected
    assert "text B" in text and "end" in text and "menu" not in text and "c" not in text.split()


_TAGS = ("div", "p", "span", "section", "ul", "li", "b", "nav", "script", "aside", "header",
         "article", "main", "h1", "td", "figure", "a", "template", "svg", "table", "tr", "br",
         "button", "noscript")
_ATTRS = ("", " class='share'", " class='post-body'", " class='comments'", " id='ad'",
          " hidden", " role='navigation'", " style='display: none'", " class='x' id='y'",
          " itemprop='articleBody' class='related'")
_WORDS = ("", " ", "word", "two words", " lead", "trail ", "\n")


@st.composite
def html_tree(draw: st.DrawFn, depth: int = 0) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 4 if depth < 4 else 0))):
        if draw(st.booleans()):
            parts.append(draw(st.sampled_from(_WORDS)))
        else:
            tag = draw(st.sampled_from(_TAGS))
            attrs = draw(st.sampled_from(_ATTRS))
            parts.append(f"<{tag}{attrs}>{draw(html_tree(depth + 1))}</{tag}>")
    return "".join(parts)


@settings(max_examples=300, deadline=None)
@given(html_tree())
def test_main_text_equals_a_full_walk(body: str):
    text, expected = both(f"<!DOCTYPE html><html><body>{body}</body></html>")
    assert text == expected


def test_every_boilerplate_word_is_found_between_spaces_and_underscores():
    for word in mt._BOILER_WORDS:
        assert mt._boiler_marks(f"x {word.upper()} y") and mt._boiler_marks(f"x_{word}")
        assert not mt._boiler_marks(f"x{word}y z")
    assert not mt._boiler_marks("post-body entry")


def test_articles_outside_the_container_are_walked_up_once() -> None:
    """Each <article> out of the chosen container once walked all its ancestors:
    3,000 of them under 3,000 nested <div> took 2 s. A way up that led to no
    guarded element is not walked again."""
    doc = (b"<html><body><main><h1>Court frees activists</h1><p>One.</p><p>Two.</p>"
           b"<p>Three.</p></main>" + b"<div>" * 3000 + b"<article>x</article>" * 3000)
    tree, _ = parse_html(doc, "text/html")
    assert tree is not None
    markup = collect(tree, "http://127.0.0.1/x")
    start = time.process_time()
    text = mt.main_text(tree, markup)
    assert time.process_time() - start < 1
    assert text == "Court frees activists One. Two. Three."


def test_the_walk_stops_after_max_walked_elements(monkeypatch) -> None:
    """Past MAX_WALKED elements the text is read as it stands: boxes are no
    longer judged (the walk's memory stays bounded on pages of 600,000 blocks)."""
    doc = ('<html><body><div class="share">early share</div>'
           + "<p>x</p>" * 20 + '<div class="share">late share</div></body></html>')
    for walked, late_kept in ((1000, False), (10, True)):
        monkeypatch.setattr(mt, "MAX_WALKED", walked)
        tree, _ = parse_html(doc.encode(), "text/html")
        assert tree is not None
        text = mt.main_text(tree, collect(tree, "http://127.0.0.1/x"))
        assert "early share" not in text
        assert ("late share" in text) is late_kept


# ------------------------------------------------- boxes named as furniture
# Pages modelled on the markup of real news sites (of the extraction-dev
# corpus) whose article text sits in boxes with furniture names.

_PARA = ("Officials in Taipei said on Tuesday that the thirty-two people had been "
         "flown to the mainland despite repeated requests for consular access, and "
         "that the ministry would raise the matter again with the authorities. ")


def _text_of(body: str) -> str:
    tree, _ = parse_html(f"<!DOCTYPE html><html><body>{body}</body></html>".encode(),
                         "text/html")
    assert tree is not None
    return mt.main_text(tree, collect(tree, "https://news.example/a"))


def test_paragraphs_classed_paywall_are_the_article() -> None:
    """The New Yorker marks each paragraph of a subscriber's text class="paywall"."""
    paras = "".join(f'<p class="paywall">{i}. {_PARA}</p>' for i in range(6))
    text = _text_of(f"<main><h1>Deported</h1><div class='body'>{paras}</div>"
                    "<div class='paywall-prompt'>Subscribe to read</div></main>")
    assert all(f"{i}. Officials" in text for i in range(6))
    assert "Subscribe to read" not in text  # a prompt is short: furniture still


def test_an_article_body_class_wins_over_a_widget_class() -> None:
    """NRK: class="article widget rich" around a body of class "article-body ...
    container-widget-content"."""
    text = _text_of(f"<article class='article widget rich'><h1>Deported</h1>"
                    f"<div class='article-body text-body container-widget-content'>"
                    f"<p>{_PARA}</p></div><div class='widget related'>"
                    "<a href='/x'>Other story</a></div></article>")
    assert "Officials in Taipei" in text and "Other story" not in text


def test_a_page_wide_form_is_not_dropped_a_comment_form_is() -> None:
    """ASP.NET pages wrap the whole page in <form id="aspnetForm"> (a form cannot
    hold another: a comment form comes after it)."""
    comment = ("<form class='comment-form'><label>Name (required)</label><input>"
               + "<label>Your comment, at most 1,000 characters, is read first</label>" * 20
               + "</form>")
    text = _text_of(f"<form id='aspnetForm'><div class='page'><h1>Deported</h1>"
                    f"{''.join(f'<p>{_PARA}</p>' for _ in range(3))}</div></form>{comment}")
    assert text.count("Officials in Taipei") == 3
    assert "Your comment" not in text


def test_an_article_split_over_boxes_of_a_sidebar_grid_is_kept() -> None:
    """Politico Europe: the article's parts in div class="sidebar-grid__container",
    beside a real sidebar of links."""
    parts = "".join(f"<div class='sidebar-grid__container'><p>{i}. {_PARA}</p>"
                    f"<p>{_PARA}</p></div>" for i in range(4))
    links = "".join(f"<li><a href='/s/{i}'>Most read story number {i}</a></li>"
                    for i in range(30))
    text = _text_of(f"<main><h1>Deported</h1>{parts}<div class='sidebar'>"
                    f"<ul>{links}</ul><p>Our newsletter, every morning.</p></div></main>")
    assert all(f"{i}. Officials" in text for i in range(4))
    assert "Most read story" not in text and "newsletter" not in text


def test_a_long_comment_thread_stays_out() -> None:
    comments = "".join(f"<div class='comment'><p>{_PARA}</p></div>" for _ in range(20))
    text = _text_of(f"<main><h1>Deported</h1><p>{_PARA}</p>"
                    f"<section class='comments-widget'>{comments}</section></main>")
    assert text.count("Officials in Taipei") == 1


def _teasers(doc: str) -> int:
    tree, _ = parse_html(doc.encode(), "text/html")
    assert tree is not None
    markup = collect(tree, "http://127.0.0.1/x")
    container = mt.main_container(tree, markup)
    assert container is not None
    return mt.teasers(markup, container)


_PARAGRAPH = ("<p>The court in Taipei heard on Monday that the detainees had been moved "
              "at night, and lawyers for the families asked for the records of each "
              "transfer, which the ministry has not released.</p>")


def test_a_home_page_of_teasers_is_a_listing() -> None:
    """Twelve <article> teasers, a linked headline and an excerpt each, hold the
    main text of a home page (as WordPress themes list posts)."""
    items = "".join(f'<article class="post"><h2><a href="/2016/05/{i}/">Plan {i} for the '
                    f'region</a></h2><p>Officials said plan {i} would go ahead.</p></article>'
                    for i in range(12))
    assert _teasers(f"<html><body><main>{items}</main></body></html>") == 12


def test_an_article_with_comments_and_related_teasers_is_no_listing() -> None:
    """Comments are <article>s too (WordPress), with more words than the story,
    and related stories beside it; neither makes the article a listing."""
    comments = "".join(f'<article class="comment"><p>Reader {i} wrote that the ministry '
                       f'should publish every record of the transfers at once, and '
                       f'<a href="/u/{i}">replied</a> twice.</p>' * 3 + "</article>"
                       for i in range(8))
    related = "".join(f'<article class="teaser"><h3><a href="/r/{i}">Related story {i}</a>'
                      f'</h3></article>' for i in range(6))
    story = f'<article class="post"><h1>Kenya deports 45</h1>{_PARAGRAPH * 3}</article>'
    assert _teasers(f"<html><body><main>{story}<section>{comments}</section>"
                    f"</main></body></html>") == 0
    assert _teasers(f"<html><body><main>{story}<aside>{related}</aside></main>"
                    f"</body></html>") == 0
