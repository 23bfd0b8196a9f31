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


def published(body: str, url: str = URL, lang: str = "en",
              title: str = f"{HEADLINE} | City Courier") -> dt.date | None:
    doc = (f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}'
           f"</title></head><body>{body}</body></html>")
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


# ------------------------------------------- a top bar, a left column, lists

#: 1C-Bitrix's "news.list" component in a left column (div.news-list,
#: span.news-date-time), before its "news.detail" with the article's own date.
BITRIX = (
    '<div class="header"><div class="logo"><a href="/"><img src="/logo.png" alt="City '
    'Courier"></a></div></div><table class="layout"><tr><td class="left-column"><div '
    'class="news-list"><p class="news-item" id="bx_1"><span class="news-date-time">12.03.2019'
    '</span><a href="/news/1201/"><b>Bridge opens</b></a><br>More</p><p class="news-item" '
    'id="bx_2"><span class="news-date-time">11.03.2019</span><a href="/news/1200/"><b>Weather'
    f'</b></a></p></div></td><td class="main-column"><h1>{HEADLINE}</h1><div class="news-'
    'detail"><span class="news-date-time">03.05.2016</span><p>The court ruled today.</p>'
    "</div></td></tr></table>")


def test_bitrix_news_list_in_a_left_column_is_not_the_articles_date():
    assert published(BITRIX) == dt.date(2016, 5, 3)


def _top_then_article(top: str, own: str) -> str:
    """A page whose top bar shows the day's date (a ``div.top``, ``div#head`` or
    ``div.top_bar``, as Russian and Chinese news sites write it), then the
    article with its own date under its <h1>."""
    return (f'{top}<div class="content"><h1>{HEADLINE}</h1><div class="article-date">{own}'
            '</div><div class="text"><p>The court ruled that the men would be sent back.</p>'
            "</div></div>")


@pytest.mark.parametrize(("top", "own", "lang"), [
    ('<div class="top"><a href="/"><img alt="News" src="/l.png"></a><span class="date">'
     "Среда, 12 марта 2019</span></div>", "3 мая 2016, 14:20", "ru"),
    ('<div id="head"><span class="date">12.03.2019</span></div>', "03.05.2016 14:20", "ru"),
    ('<div class="top_bar"><span class="time">2019年3月12日 星期二</span></div>',
     "2016年05月03日 14:20", "zh"),
    ('<div class="topline"><div class="date">12 марта 2019</div></div>', "3 мая 2016", "ru"),
])
def test_the_days_date_in_a_top_bar_loses_to_the_articles_own(top: str, own: str,
                                                               lang: str) -> None:
    assert published(_top_then_article(top, own), lang=lang) == dt.date(2016, 5, 3)


@pytest.mark.parametrize("top", [
    '<div class="top"><span class="date">Wednesday, 12 March 2019</span></div>',
    '<div id="head"><span class="date">12.03.2019</span></div>',
    '<div class="top_bar"><span class="time">2019年3月12日 星期二</span></div>',
])
def test_a_top_bars_date_alone_dates_no_article(top: str) -> None:
    page = _top_then_article(top, "").replace('<div class="article-date"></div>', "")
    assert published(page) is None


def test_the_byline_in_the_headlines_box_comes_before_a_date_above_it():
    # a box of no telling name above the article (a weather and date strip)
    strip = '<div class="strip"><span class="date">Wednesday, 12 March 2019</span></div>'
    page = _top_then_article(strip, "3 May 2016")
    assert published(page) == dt.date(2016, 5, 3)
    # the article undated: the title's date before the strip's, which is still
    # better than none
    page = _top_then_article(strip, "").replace('<div class="article-date"></div>', "")
    assert published(page, title=f"{HEADLINE} | City Courier | 03.05.2016") \
        == dt.date(2016, 5, 3)
    assert published(page) == dt.date(2019, 3, 12)


def test_a_box_named_for_the_headline_is_no_top_bar():
    # "head" names a top bar as a word of its own, not inside "headline"
    page = (f'<div class="headline-box"><h1>{HEADLINE}</h1></div><div class="headline-meta">'
            '<span class="date">3 May 2016</span></div><p>The court ruled today.</p>')
    assert published(page) == dt.date(2016, 5, 3)


@pytest.mark.parametrize(("top", "lang"), [
    # a Russian CMS's news.detail: the byline in a "top" box over the "title" box
    ('<div class="top"><span class="date">03.05.2016 10:15</span> <span class="category">'
     "Общество</span></div>", "ru"),
    # a German theme's "head" box: date and kicker over the headline's box
    ('<div class="head"><p class="date">03.05.2016</p><p class="kicker">Politik</p></div>', "de"),
])
def test_a_top_box_in_the_articles_box_is_its_byline(top: str, lang: str) -> None:
    page = (f'<div class="wrapper"><div class="news-detail">{top}<div class="title"><h1>'
            f'{HEADLINE}</h1></div><div class="text"><p>The court ruled today.</p></div>'
            "</div></div>")
    assert published(page, lang=lang) == dt.date(2016, 5, 3)


def test_a_date_in_inline_elements_side_by_side_is_read():
    page = (f'<article><h1>{HEADLINE}</h1><div class="date"><span class="d">03</span><span '
            'class="m">.05.</span><span class="y">2016</span></div><p>The court ruled today.'
            "</p></article>")
    assert published(page, title=f"{HEADLINE} - City Courier") == dt.date(2016, 5, 3)


@pytest.mark.parametrize("teasers", [
    # 1C-Bitrix news.list under the article
    '<div class="news-list"><div class="news-item"><span class="news-date-time">12.03.2019'
    '</span><a href="/n/2">Other story</a></div></div>',
    # "See also" / "Read also" (Russian sites' "Читайте также") / "More news" boxes
    '<div class="see-also"><h3>See also</h3><ul><li><span class="date">12 March 2019</span> '
    '<a href="/n/2">Other story</a></li></ul></div>',
    '<div class="read-also"><div class="item"><div class="item-date">12 марта 2019</div><a '
    'href="/n/2">Другая новость</a></div></div>',
    '<section class="more-news"><div class="meta">12 March 2019</div><a href="/n/2">Other</a>'
    "</section>",
    '<div class="similar-news"><p class="date">12.03.2019</p><p><a href="/n/2">Other</a></p>'
    "</div>",
    '<div class="other-news"><ul><li><span class="time">2019-03-12</span><a href="/2">其他</a>'
    "</li></ul></div>",
    # a theme's links to the previous post, and a comments service's thread
    '<div class="post-navigation"><div class="nav-previous"><span class="date">12 March 2019'
    '</span><a href="/p">Previous</a></div></div>',
    '<div id="disqus_thread"><div class="post-meta">12 March 2019</div></div>',
])
def test_teaser_lists_after_an_undated_article_date_nothing(teasers: str) -> None:
    page = (f'<div class="main"><h1>{HEADLINE}</h1><div class="text"><p>The court ruled that '
            f"the men would be sent back.</p></div></div>{teasers}")
    assert published(page) is None


# ------------------------------------------------ a teaser's microdata date

def test_microdata_date_of_a_most_read_teaser_is_not_the_articles():
    # a "Most read" rail of schema.org microdata teasers in an <aside>, before
    # the article's own microdata
    page = ('<aside class="rail"><h3>Most read</h3><div itemscope itemtype="https://schema.org/'
            'NewsArticle"><a itemprop="url" href="/n/2"><span itemprop="headline">Other story'
            '</span></a><meta itemprop="datePublished" content="2019-03-12T08:00:00+00:00">'
            '</div></aside><main><article itemscope itemtype="https://schema.org/NewsArticle">'
            f'<h1 itemprop="headline">{HEADLINE}</h1><meta itemprop="datePublished" content='
            '"2016-05-03T10:20:00+08:00"><div itemprop="articleBody"><p>The court ruled.</p>'
            "</div></article></main>")
    assert published(page) == dt.date(2016, 5, 3)


def test_microdata_date_of_a_teaser_leaves_the_articles_time():
    # the same rail, the article dated by its <time> alone
    page = ('<aside><div itemscope itemtype="https://schema.org/NewsArticle"><meta itemprop='
            '"datePublished" content="2019-03-12"></div></aside><article>'
            f'<h1>{HEADLINE}</h1><time datetime="2016-05-03">3 May 2016</time><p>The court '
            "ruled.</p></article>")
    assert published(page) == dt.date(2016, 5, 3)


def test_microdata_dates_of_many_teasers_are_all_left_out():
    # a rail of twelve microdata teasers: every one is another article's, not
    # only the first few looked at
    teaser = ('<div itemscope itemtype="https://schema.org/NewsArticle"><a itemprop="url" '
              'href="/n/{n}"><span itemprop="headline">Story {n}</span></a><meta itemprop='
              '"datePublished" content="2019-03-{n:02d}"></div>')
    page = ('<aside class="rail"><h3>Most read</h3>'
            + "".join(teaser.format(n=n) for n in range(1, 13))
            + '</aside><article itemscope itemtype="https://schema.org/NewsArticle">'
            f'<h1 itemprop="headline">{HEADLINE}</h1><meta itemprop="datePublished" '
            'content="2016-05-03"><p>The court ruled.</p></article>')
    assert published(page) == dt.date(2016, 5, 3)


@pytest.mark.parametrize("box", ["latest-news", "ticker", "breaking", "news-feed"])
def test_microdata_date_of_a_box_of_latest_news_is_not_the_articles(box: str) -> None:
    # boxes the byline and <time> dates are kept out of are the microdata's too
    page = (f'<div class="{box}"><div itemscope itemtype="https://schema.org/NewsArticle">'
            '<span itemprop="headline">Other story</span><meta itemprop="datePublished" '
            f'content="2019-03-12"></div></div><article><h1>{HEADLINE}</h1><time '
            'datetime="2016-05-03">3 May 2016</time><p>The court ruled.</p></article>')
    assert published(page) == dt.date(2016, 5, 3)


def test_microdata_date_in_the_articles_footer_is_read_and_the_sites_is_not():
    # a theme's entry footer ("Posted on"), and the site's footer's teaser
    own = (f'<article><h1>{HEADLINE}</h1><p>The court ruled.</p><footer class="entry-meta">'
           '<meta itemprop="datePublished" content="2016-05-03"></footer></article>')
    assert published(own) == dt.date(2016, 5, 3)
    site = (f'<article><h1>{HEADLINE}</h1><p>The court ruled.</p></article><footer><div '
            'itemscope><meta itemprop="datePublished" content="2019-03-12"></div></footer>')
    assert published(site) is None


def test_microdata_date_beside_the_headline_is_read():
    # Schema.org microdata in an article's header (a common theme's markup)
    page = (f'<article itemscope itemtype="https://schema.org/Article"><header><h1>{HEADLINE}'
            '</h1><meta itemprop="datePublished" content="2016-05-03"></header><p>The court '
            "ruled.</p></article>")
    assert published(page) == dt.date(2016, 5, 3)


# -------------------------------------------------------- update labels

def _under_the_headline(line: str) -> str:
    """An article whose date line, under its headline, is *line*."""
    return (f'<article><h1>{HEADLINE}</h1><div class="date">{line}</div><p>The court ruled '
            "that the men would be sent back.</p></article>")


@pytest.mark.parametrize(("lang", "line"), [
    ("es", "Última actualización: 5 de mayo de 2016"),
    ("it", "Ultimo aggiornamento: 5 maggio 2016"),
    ("ja", "2016年5月5日 更新"),
    ("ja", "2016年5月5日 10:00 更新"),
    ("zh", "2016-05-05 更新"),
    ("ko", "수정 2016.05.05 11:00"),
    ("ko", "업데이트 2016.05.05"),
    ("uk", "Оновлено 5 травня 2016"),
    ("ru", "Изменено 5 мая 2016"),
    ("nl", "Gewijzigd op 5 mei 2016"),
    ("ar", "تم التحديث 5 مايو 2016"),
    ("fa", "به‌روزرسانی: ۱۶ اردیبهشت ۱۳۹۵"),
    ("en", "Last reviewed 5 May 2016"),
])
def test_a_date_labelled_as_an_update_is_no_publication_date(lang: str, line: str) -> None:
    assert published(_under_the_headline(line), lang=lang) is None


@pytest.mark.parametrize(("lang", "line"), [
    # the publication's date, then the update's, in one line
    ("ja", "2016年5月3日 公開 2016年5月5日 更新"),
    ("ja", "公開日：2016年5月3日 更新日：2016年5月5日"),
    ("ko", "입력 2016.05.03 10:00 수정 2016.05.05 11:00"),
    ("es", "Publicado: 3 de mayo de 2016 | Última actualización: 5 de mayo de 2016"),
    ("de", "03.05.2016 | Stand: 05.05.2016 11:00 Uhr"),
    # a reporter's name that holds the syllables of "수정" (edited): Kim Su-jeong
    ("ko", "김수정 기자 2016.05.03 10:15"),
    ("ko", "[서울=뉴스] 이수정 기자 = 2016-05-03 10:15"),
    # the update's date, then the publication's as Korean sites label it (승인: approved)
    ("ko", "업데이트 2016.05.05 09:00 승인 2016.05.03 10:15"),
    # "aggiornamento" alone is a noun ("live update"), not "last updated"
    ("it", "Aggiornamento in diretta 3 maggio 2016"),
])
def test_the_publication_date_beside_an_update_or_its_look_alikes_is_read(
        lang: str, line: str) -> None:
    assert published(_under_the_headline(line), lang=lang) == dt.date(2016, 5, 3)
