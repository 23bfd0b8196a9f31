"""Headline and date rules that must not misfire on ordinary articles.

The rules for a section's label in <h1>, a site name that DC.Title and the
<title> agree on, a banner landmark, a header box above the headline, the day a
page shows for an instant in UTC and update labels were first written for
government and news pages that needed them (see ``test_extract.py``). These
pages, hand-built on the markup of the site families named above each, are
ordinary articles where a broader form of those rules took the wrong headline
or date: a section's <h2>, a series box, an article hero marked role=banner, a
site header with the day's date right above the <h1>, a print edition's or a
correction's day, "Update" as a noun, "contact." read as Spanish "Act.".
"""

from __future__ import annotations

import datetime as dt

import pytest

from archiver.extract import extract

CASES = [
    # Guardian-style (section in title, section-nav <h2>)
    ('a1_section_nav_h2', 'http://localhost:8000/asia/taiwan-protests',
     '<!doctype html>\n<html lang="en"><head><title>Thousands rally in Taipei ag'
     'ainst trade pact | Asia | The Daily Planet</title>\n<meta property="og:sit'
     'e_name" content="The Daily Planet"></head><body>\n<header class="site"><a '
     'href="/" class="logo">The Daily Planet</a><nav class="menu"><ul><li><a hre'
     'f="/">Home</a></li><li><a href="/world">World</a></li><li><a href="/asia">'
     'Asia</a></li></ul></nav></header>\n<div class="section-head"><h2>Asia</h2>'
     '</div>\n<article><h1>Taiwan protests</h1><p class="standfirst">Thousands r'
     'ally in Taipei against trade pact</p>\n<p class="byline">By Jane Doe, 3 Ma'
     'y 2016</p><p>TAIPEI - Thousands of people marched on Tuesday ...</p></arti'
     'cle></body></html>',
     'Taiwan protests', '2016-05-03'),
    # Regional daily with 'In this series' box whose <h2> repeats the series name in <title>
    ('a4_related_h2_equal_title', 'http://localhost:8000/news/ruto-wins',
     '<!doctype html>\n<html lang="en"><head><title>Election Watch - Ruto declar'
     'ed winner - The Star</title></head><body><nav class="menu"><ul><li><a href'
     '="/">Home</a></li><li><a href="/world">World</a></li><li><a href="/asia">A'
     'sia</a></li></ul></nav>\n<main><article><h1>Ruto wins</h1><time datetime="'
     '2022-08-15T14:10:00+03:00">15 August 2022</time>\n<aside class="series"><h'
     '2>Election Watch</h2><ul><li><a href="/a">Polls close</a></li></ul></aside'
     '>\n<p>William Ruto was declared ...</p></article></main></body></html>',
     'Ruto wins', '2022-08-15'),
    # NHK-style Japanese 東京-大阪 in title, h2 section
    ('d4_japanese_tokyo_osaka', 'http://localhost:8000/news/html/20160503/k1',
     '<!doctype html>\n<html lang="ja"><head><title>東京-大阪間 新幹線が運転見合'
     'わせ | 社会 | NHKニュース</title></head><body>\n<header><a href="/" class='
     '"logo">NHK</a></header>\n<main><h2>社会</h2><h1>東京-大阪間 新幹線が運転見'
     '合わせ</h1><p class="content--date"><time datetime="2016-05-03T10:00">5月3'
     '日 10時00分</time></p></main></body></html>',
     '東京-大阪間 新幹線が運転見合わせ', '2016-05-03'),
    # WordPress theme with role=banner on the entry hero
    ('c1_hero_banner', 'http://localhost:8000/kenya-votes',
     '<!doctype html>\n<html lang="en"><head><title>Kenya votes | Daily Planet</'
     'title></head><body>\n<header class="site-header"><a href="/" class="logo">'
     'Daily Planet</a></header>\n<div class="entry-hero" role="banner"><h1 class'
     '="title">Kenya votes</h1></div>\n<div class="standfirst"><h2>Kenyans queue'
     ' from dawn in a tight presidential race</h2><p>9 August 2022</p></div>\n<a'
     'rticle><p>NAIROBI ...</p></article></body></html>',
     'Kenya votes', '2022-08-09'),
    # Medium-like hero header role=banner holding h1 and byline
    ('c2_hero_banner_date', 'http://localhost:8000/p/taiwan-recalls-envoy',
     '<!doctype html>\n<html lang="en"><head><title>Taiwan recalls envoy</title>'
     '</head><body>\n<div class="top"><span class="today">Monday, 9 May 2016</sp'
     'an></div>\n<header class="post-hero" role="banner"><h1>Taiwan recalls envo'
     'y</h1><p class="byline">By Lin, 3 May 2016</p></header>\n<div class="post"'
     '><p>...</p></div></body></html>',
     'Taiwan recalls envoy', '2016-05-03'),
    # Small NGO site: <header class=site-header> with today's date directly before <h1>
    ('e1_site_header_today', 'http://localhost:8000/news/activist-detained',
     '<!doctype html>\n<html lang="en"><head><title>Activist detained at border '
     '| Watch Group</title></head><body>\n<header class="site-header"><a href="/'
     '">Watch Group</a> <span class="date">Tuesday, 10 May 2016</span></header>'
     '\n<h1>Activist detained at border</h1><p class="meta">Posted 3 May 2016 by'
     ' staff</p><p>An activist was ...</p></body></html>',
     'Activist detained at border', '2016-05-03'),
    # NYT-style: print-edition line in the article header
    ('f1_print_edition', 'http://localhost:8000/asia/taiwan-protests.html',
     '<!doctype html>\n<html lang="en"><head><title>Taiwan Protests Trade Pact -'
     ' The New York Times</title>\n<script type="application/ld+json">{"@type":"'
     'NewsArticle","headline":"Taiwan Protests Trade Pact","datePublished":"2016'
     '-05-03T21:30:00.000Z"}</script></head><body>\n<article><header><h1>Taiwan '
     'Protests Trade Pact</h1><p class="byline">By Austin Ramzy</p>\n<div class='
     '"print-info">A version of this article appears in print on May 4, 2016, Se'
     'ction A, Page 6 of the New York edition</div></header>\n<section><p>TAIPEI'
     ' - ...</p></section></article></body></html>',
     'Taiwan Protests Trade Pact', '2016-05-03'),
    # AP-style 'Corrected' line in byline
    ('f3_corrected', 'http://localhost:8000/article/court',
     '<!doctype html>\n<html lang="en"><head><title>Court upholds ruling | Wire<'
     '/title>\n<script type="application/ld+json">{"@type":"NewsArticle","headli'
     'ne":"Court upholds ruling","datePublished":"2016-05-03T19:00:00Z"}</script'
     '></head><body>\n<main><div class="story-head"><h1>Court upholds ruling</h1'
     '><div class="byline">By Mark Sherman · Corrected May 4, 2016</div></div><p'
     '>...</p></main></body></html>',
     'Court upholds ruling', '2016-05-03'),
    # CNN-style: <time> text has only the hour, 'Updated' elsewhere, newsletter promo with date
    ('f5_time_text_only_time', 'http://localhost:8000/2016/world/taiwan',
     '<!doctype html>\n<html lang="en"><head><title>Taiwan reacts to deportation'
     's - CNN</title>\n<meta property="article:published_time" content="2016-05-'
     '03T14:00:00Z"></head><body>\n<div class="pg-headline-box"><h1>Taiwan react'
     's to deportations</h1>\n<p class="metadata"><time datetime="2016-05-03T14:'
     '00:00Z">10:00 AM ET</time></p>\n<p class="promo-info">Join our live Q&amp;'
     'A on Wednesday, May 4, 2016</p></div><div class="body"><p>...</p></div></b'
     'ody></html>',
     'Taiwan reacts to deportations', '2016-05-03'),
    # Health ministry: 'COVID-19 Update' kicker before the date
    ('g2_covid_update_section', 'http://localhost:8000/media/new-cases',
     '<!doctype html>\n<html lang="en"><head><title>New cases reported - Ministr'
     'y of Health</title></head><body>\n<div class="logo"><a href="/">Ministry o'
     'f Health</a></div>\n<main><h1>New cases reported</h1><p class="date">COVID'
     '-19 Update – 3 May 2020</p><p>...</p></main></body></html>',
     'New cases reported', '2020-05-03'),
    # Press release: 'Contact.' line with a phone-like date fragment
    ('g5_contact_line', 'http://localhost:8000/press/1',
     '<!doctype html>\n<html lang="en"><head><title>Agency statement on extradit'
     'ion</title></head><body>\n<main><h1>Agency statement on extradition</h1><p'
     ' class="dateline">Media contact. 03/05/2016</p><p>...</p></main></body></h'
     'tml>',
     'Agency statement on extradition', '2016-05-03'),
    # HKFP-style article with a link to another site's root whose text equals the headline
    ('b2_external_root_link', 'http://localhost:8000/2021/stand',
     '<!doctype html>\n<html lang="en"><head><title>Stand News | Hong Kong Free '
     'Press</title>\n<meta name="DC.Title" content="Stand News"><meta property="'
     'og:site_name" content="Hong Kong Free Press"></head><body>\n<header><a hre'
     'f="/" class="logo"><img src="/l.png" alt="Hong Kong Free Press"></a></head'
     'er>\n<main><article><h1>Stand News raided</h1><p class="byline">By Tom Gru'
     'ndy, 29 December 2021</p>\n<p>Police raided <a href="http://localhost:8001'
     '/">Stand News</a> on Wednesday ...</p></article></main></body></html>',
     'Stand News raided', '2021-12-29'),
    # Taiwan MOJ-style (intended case of rule d)
    ('d5_chinese_middle_heading', 'http://localhost:8000/cp-21-1.html',
     '<!doctype html>\n<html lang="zh-TW"><head><title>法務部-本部新聞稿-法務部'
     '說明引渡案</title></head><body>\n<div class="logo"><h1><a href="/">法務部<'
     '/a></h1></div>\n<h2>本部新聞稿</h2><div class="cp"><p>發布日期：105-05-03<'
     '/p><p>法務部說明...</p></div></body></html>',
     '法務部說明引渡案', '2016-05-03'),
]


@pytest.mark.parametrize(("name", "url", "html", "headline", "day"), CASES,
                         ids=[case[0] for case in CASES])
def test_ordinary_articles_keep_their_headline_and_date(name: str, url: str, html: str,
                                                        headline: str, day: str) -> None:
    info = extract(html.encode(), url=url, content_type="text/html")
    assert (info.headline, info.published) == (headline, dt.date.fromisoformat(day))
