"""The publication day of a page (archiver.dates, through archiver.extract): the
article's own date over the dates of the page's furniture, and no update's date
taken for it. Each page is written here, after the markup of the CMS or site
its comment names."""

from __future__ import annotations

import datetime as dt

import pytest

from archiver.extract import extract

URL = "http://127.0.0.1:8000/news/1100/"
HEADLINE = "Court rules on extradition case"


def published(body: str, url: str = URL, lang: str = "en") -> dt.date | None:
    doc = (f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{HEADLINE}'
           f" | City Courier</title></head><body>{body}</body></html>")
    return extract(doc.encode(), url=url, content_type="text/html", text=False).published


# ------------------------------------------------------------ WordPress themes

def _wordpress(posted_on: str) -> str:
    """A post of a WordPress default theme (Twenty Twenty-One's single.php: the
    entry's footer, inside the <article>, holds "Published <time>")."""
    return ('<div id="page" class="site"><header id="masthead" class="site-header" '
            'role="banner"><p class="site-title"><a href="/">City Courier</a></p></header>'
            '<main id="main" class="site-main"><article id="post-7" class="post-7 post '
            'type-post status-publish hentry entry"><header class="entry-header alignwide">'
            f'<h1 class="entry-title">{HEADLINE}</h1></header><div class="entry-content"><p>'
            "The court ruled on Tuesday that the men would be sent back.</p></div><footer "
            f'class="entry-footer default-max-width"><div class="posted-by">{posted_on}'
            '<span class="byline">By <a href="/author/desk/" rel="author">desk</a></span>'
            '</div></footer></article><nav class="navigation post-navigation"><div class='
            '"nav-previous"><a href="/older/" rel="prev">Older story</a></div></nav></main>'
            '<footer id="colophon" class="site-footer"><div class="site-info">Proudly powered '
            "by WordPress.</div></footer></div>")


@pytest.mark.parametrize("shown", [
    "May 3, 2016",
    "7 years ago",  # as themes that print human_time_diff() show it
])
def test_wordpress_post_never_modified_is_dated_by_its_published_updated_time(shown: str
                                                                             ) -> None:
    # a post never modified: one <time>, of classes "published" and "updated" both
    page = _wordpress('<span class="posted-on">Published <time class="entry-date published '
                      f'updated" datetime="2016-05-03T10:20:00+00:00">{shown}</time></span>')
    assert published(page, "http://127.0.0.1:8000/court-rules-on-extradition-case/") \
        == dt.date(2016, 5, 3)


def test_wordpress_post_modified_is_dated_by_its_published_time():
    # a modified post: the publication's <time>, then a <time class="updated">
    page = _wordpress('<span class="posted-on">Published <time class="entry-date published" '
                      'datetime="2016-05-03T10:20:00+00:00">May 3, 2016</time><time class='
                      '"updated" datetime="2016-05-09T08:00:00+00:00">May 9, 2016</time></span>')
    assert published(page) == dt.date(2016, 5, 3)


def test_byline_in_the_articles_own_footer_dates_it():
    # a theme that prints the date as text in the entry's footer (no <time>)
    page = _wordpress('<span class="posted-on">Posted on 3 May 2016</span>')
    assert published(page) == dt.date(2016, 5, 3)


def test_date_in_the_sites_footer_is_still_furniture():
    # the same theme, the post undated, the site's footer with the day's date
    page = _wordpress("").replace(
        "Proudly powered", '<span class="date">12 March 2019</span> Proudly powered')
    assert published(page) is None
