"""Pages modelled on real sites' markup, for the link-rot audit (``test_rot_audit``).

Each template imitates the article (or press-release, or error) page of a real
site or CMS, and its docstring names it: WordPress with Yoast SEO, Arc XP
(Fusion, the Washington Post's platform), BBC News, the New York Times, the
Taipei Times, Focus Taiwan (CNA English), udn.com, the Liberty Times, and
government press releases on Drupal. The markup keeps what the classifier reads
(OpenGraph, JSON-LD, <time>, <h1>, the body's class names) and the boilerplate
around it (navigation, cookie notices, newsletter widgets, most-read lists,
footers), so that the rules meet the pages they will meet in the wild.

Pages are served on 127.0.0.1 only, by ``lab.Site``: ``Page`` describes one
answer, ``serve`` puts it on a site.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .lab import Site
from .pdfs import make_pdf

# ---------------------------------------------------------------- texts
EN_STORY = [
    "Malaysia deported 32 Taiwanese telecom fraud suspects to China on Sunday, despite "
    "protests from Taipei, officials in Kuala Lumpur said.",
    "Taiwan's foreign ministry said it had asked Kuala Lumpur to send the group home, and "
    "called the deportation a violation of their rights under international law.",
    "The group was flown to Guangzhou, officials in Beijing confirmed on Monday, saying the "
    "suspects had defrauded victims in mainland China of millions of yuan over two years.",
    "Rights groups in Kuala Lumpur and Taipei asked why the suspects were sent to a country "
    "where they had never lived, and lawyers for several families said they had not been told "
    "where their relatives were being held.",
    "The deportation is the latest in a series of similar cases involving Kenya, Cambodia and "
    "Armenia, which have also sent Taiwanese suspects to China since the start of the year.",
    "Taipei summoned Malaysia's representative on Monday to lodge a formal protest, and said it "
    "would seek talks with Beijing on judicial cooperation so that the suspects could be tried "
    "at home, where most of their alleged victims were not.",
    "Analysts said the cases showed Beijing's growing pressure on third countries to treat "
    "Taiwanese nationals as Chinese citizens, months after the island elected a new president "
    "from the independence-leaning Democratic Progressive Party.",
]
EN_OTHER = [
    "Typhoon Nepartak made landfall in Taitung County early on Friday, bringing winds of up to "
    "200 kilometres an hour and torrential rain to eastern Taiwan.",
    "The Central Emergency Operation Center said more than 15,000 people had been evacuated, "
    "and that power was cut to about 500,000 households across the island.",
    "Schools and offices were closed in most cities and counties, and more than 400 domestic "
    "and international flights were cancelled, the aviation authority said.",
    "Forecasters said the storm would weaken as it crossed the Central Mountain Range before "
    "heading for the Taiwan Strait and the coast of Fujian province on Saturday.",
]
ZH_STORY = [
    "馬來西亞政府1日將32名涉嫌電信詐騙的台灣人遣送至中國大陸，外交部對此表達強烈抗議，"
    "並要求馬方尊重台灣人的權益，依照國際慣例將國人遣返台灣。",
    "外交部發言人表示，政府已透過駐馬來西亞代表處多次與馬方交涉，"
    "希望馬方將國人送回台灣接受司法調查，"
    "但馬方仍決定將嫌犯送往廣州，政府對此深表遺憾。",
    "法務部指出，這些嫌犯涉嫌以電話詐騙中國大陸民眾，"
    "台灣與中國大陸應依兩岸共同打擊犯罪及司法互助協議，"
    "共同調查犯罪事實，並保障嫌犯的訴訟權利。",
    "人權團體批評，此案顯示中國大陸持續向第三國施壓，將台灣人視為中國公民，"
    "政府應積極處理，避免類似事件一再發生，並協助家屬了解親人的下落與處境。",
    "這是繼肯亞、柬埔寨與亞美尼亞之後，今年第四起台灣人遭第三國遣送至中國大陸的案例，"
    "立法委員也要求行政院提出具體對策，強化與各國的司法合作，保護海外國人的權益。",
]
HEADLINE = "Malaysia deports 32 Taiwanese to China"
LEAD = EN_STORY[0]


def paras(items: list[str], cls: str = "") -> str:
    """Paragraphs, each a <p> (with *cls* as its class, if given)."""
    c = f' class="{cls}"' if cls else ""
    return "".join(f"<p{c}>{p}</p>" for p in items)


def ld(obj: dict[str, Any]) -> str:
    """A JSON-LD <script>."""
    return f'<script type="application/ld+json">{json.dumps(obj, ensure_ascii=False)}</script>'


# ---------------------------------------------------------------- templates
def wordpress(headline: str, body_html: str, *, date: str | None = "2016-05-01",
              site: str = "Asia Sentinel", yoast: bool = True, after: str = "",
              comments: str = "", cookie: bool = True, extra_head: str = "") -> str:
    """WordPress (Twenty Sixteen theme) with Yoast SEO, a cookie-notice plugin,
    a newsletter widget and a comments area."""
    head_meta = ""
    if yoast:
        head_meta = (f'<meta property="og:locale" content="en_US"><meta property="og:type" '
                     f'content="article"><meta property="og:title" '
                     f'content="{headline} - {site}">'
                     f'<meta property="og:site_name" content="{site}">')
        if date:
            head_meta += (f'<meta property="article:published_time" '
                          f'content="{date}T08:12:44+00:00">')
        graph = [{"@type": "Article", "headline": headline, "author": {"name": "Staff"},
                  **({"datePublished": f"{date}T08:12:44+00:00"} if date else {})},
                 {"@type": "WebPage", "name": f"{headline} - {site}"},
                 {"@type": "Organization", "name": site}]
        head_meta += ld({"@context": "https://schema.org", "@graph": graph})
    time_el = (f'<span class="posted-on"><time class="entry-date published" '
               f'datetime="{date}T08:12:44+00:00">May 1, 2016</time></span>') if date else ""
    cookie_html = (
        '<div id="cookie-notice" role="dialog" class="cookie-notice-hidden">'
        '<div class="cookie-notice-container"><span id="cn-notice-text">We use cookies to '
        'ensure that we give you the best experience on our website. If you continue to use '
        'this site we will assume that you are happy with it.</span>'
        '<a href="#" id="cn-accept-cookie" class="cn-set-cookie button">Ok</a></div></div>'
    ) if cookie else ""
    comments_html = comments or '<p class="no-comments">Comments are closed.</p>'
    return f"""<!DOCTYPE html>
<html lang="en-US"><head><meta charset="UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{headline} - {site}</title>
<meta name="robots" content="max-image-preview:large">
{head_meta}{extra_head}
<link rel='stylesheet' id='twentysixteen-style-css' \
href='/wp-content/themes/twentysixteen/style.css' media='all'>
</head>
<body class="post-template-default single single-post postid-18231 single-format-standard">
<div id="page" class="site"><div class="site-inner">
<header id="masthead" class="site-header" role="banner"><div class="site-branding">
<p class="site-title"><a href="/" rel="home">{site}</a></p>\
<p class="site-description">News and analysis from Southeast Asia</p></div>
<nav id="site-navigation" class="main-navigation"><ul id="menu-primary" class="primary-menu">\
<li><a href="/">Home</a></li><li><a href="/category/politics/">Politics</a></li>\
<li><a href="/category/business/">Business</a></li></ul></nav></header>
<div id="content" class="site-content"><div id="primary" class="content-area">\
<main id="main" class="site-main" role="main">
<article id="post-18231" \
class="post-18231 post type-post status-publish format-standard hentry category-politics">
<header class="entry-header"><h1 class="entry-title">{headline}</h1></header>
<div class="entry-content">{body_html}</div>
<footer class="entry-footer"><span class="byline"><span class="author vcard">Staff Writer</span>\
</span>{time_el}<span class="cat-links">\
<a href="/category/politics/" rel="category tag">Politics</a></span></footer>
</article>
{after}
<div id="comments" class="comments-area">{comments_html}</div>
</main></div>
<aside id="secondary" class="sidebar widget-area" role="complementary">
<section id="mc4wp_form_widget-2" class="widget widget_mc4wp_form_widget">\
<h2 class="widget-title">Newsletter</h2><form><p>Subscribe to our newsletter to keep reading \
the best of Asia Sentinel every morning.</p><input type="email" name="EMAIL">\
<input type="submit" value="Sign up"></form></section>
<section id="recent-posts-2" class="widget widget_recent_entries">\
<h2 class="widget-title">Recent Posts</h2><ul><li><a href="/2016/04/30/x/">Indonesia arrests 12\
</a></li><li><a href="/2016/04/29/y/">Vietnam protests</a></li></ul></section>
</aside></div>
<footer id="colophon" class="site-footer" role="contentinfo">\
<div class="site-info">&copy; 2016 {site}. Proudly powered by WordPress</div></footer>
</div></div>{cookie_html}
<script src='/wp-includes/js/wp-embed.min.js'></script>
</body></html>"""


def arcxp(headline: str, body_html: str, *, date: str = "2016-05-01", free: bool = True,
          site: str = "The Lab Post", extra_ld: dict[str, Any] | None = None,
          after_body: str = "") -> str:
    """Arc XP (Fusion) article page, as Washington Post-style sites serve it."""
    obj: dict[str, Any] = {
        "@context": "http://schema.org", "@type": "NewsArticle", "headline": headline,
        "datePublished": f"{date}T10:31:00.000Z", "dateModified": f"{date}T12:01:00.000Z",
        "isAccessibleForFree": free,
        "publisher": {"@type": "Organization", "name": site},
        "author": [{"@type": "Person", "name": "Jane Doe"}]}
    if extra_ld:
        obj.update(extra_ld)
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>{headline} - {site}</title>
<meta name="description" content="{headline}">
<meta property="og:title" content="{headline}"><meta property="og:type" content="article">
<meta property="og:site_name" content="{site}">
<meta property="article:published_time" content="{date}T10:31:00.000Z">
<meta name="twitter:card" content="summary_large_image">
{ld(obj)}
<script id="fusion-metadata" type="application/javascript">window.Fusion=window.Fusion||{{}};\
Fusion.arcSite="lab";Fusion.contextPath="/pf";Fusion.deployment="1234";</script>
</head><body><div id="fusion-app" class="layout-section">
<header class="nav-header"><nav class="site-navigation"><a href="/">Home</a>\
<a href="/world/">World</a><a href="/business/">Business</a></nav>\
<div class="masthead"><a href="/" class="logo">{site}</a></div></header>
<main class="main-content"><article class="article-body-wrapper">
<div class="headline-wrap"><h1 data-qa="headline" class="font--headline">{headline}</h1></div>
<div class="byline-wrap" data-qa="author-byline"><span class="author-name">By Jane Doe</span>\
<span data-qa="timestamp" class="display-date">May 1, 2016 at 6:31 a.m. EDT</span></div>
<div class="article-body" data-qa="article-body">{body_html}</div>{after_body}
<div class="interstitial-link"><a href="/subscribe/">Get the latest news in your inbox</a></div>
</article>
<div class="right-rail"><div class="most-read"><h2>Most Read</h2><ol>\
<li><a href="/a/">A story</a></li><li><a href="/b/">B story</a></li></ol></div></div>
</main>
<footer class="footer"><p>&copy; 1996-2016 {site}</p><a href="/terms/">Terms of Use</a>\
<a href="/privacy/">Privacy Policy</a></footer>
</div>
<script src="/pf/dist/engine/react.js?d=1234" defer></script>
</body></html>"""


def bbc(headline: str, body_html: str, *, date: str = "2016-05-01") -> str:
    """BBC News article (2016 template: story-body, ReportageNewsArticle JSON-LD)."""
    obj = {"@context": "http://schema.org", "@type": "ReportageNewsArticle",
           "url": "http://www.bbc.com/news/world-asia-36178345",
           "publisher": {"@type": "Organization", "name": "BBC News"},
           "datePublished": f"{date}T07:16:05+01:00", "headline": headline}
    return f"""<!DOCTYPE html><html lang="en" id="responsive-news"><head><meta charset="utf-8">
<title>{headline} - BBC News</title>
<meta name="description" content="{headline}">
<meta property="og:title" content="{headline} - BBC News">\
<meta property="og:type" content="article">
<meta property="og:site_name" content="BBC News">
<meta property="rnews:datePublished" content="{date}T07:16:05+01:00">
{ld(obj)}
</head><body>
<div id="orb-banner" role="banner"><div class="orb-nav"><a href="http://www.bbc.co.uk">BBC</a>\
<a href="/news">News</a><a href="/sport">Sport</a><a href="/weather">Weather</a></div></div>
<div id="site-container"><div class="navigation navigation--primary"><a href="/news">Home</a>\
<a href="/news/world">World</a><a href="/news/world/asia">Asia</a></div>
<div class="container"><div class="container--primary-and-secondary-columns">
<div class="column--primary"><div class="story-body">
<h1 class="story-body__h1">{headline}</h1>
<div class="byline"><ul class="mini-info-list"><li class="mini-info-list__item">\
<div class="date date--v2" data-seconds="1462083365" data-datetime="1 May 2016">1 May 2016</div>\
</li><li class="mini-info-list__item"><span class="mini-info-list__section">Asia</span></li>\
</ul></div>
<div class="story-body__inner" property="articleBody">{body_html}</div>
</div><div class="share"><a>Share this with Email</a><a>Facebook</a></div></div>
<div class="column--secondary"><div class="features-and-analysis"><h2>Features</h2>\
<a href="/news/x">Why Taiwan worries</a></div><div id="most-popular"><h2>Most Read</h2>\
<a href="/news/y">Something else</a></div></div>
</div></div></div>
<div id="orb-footer"><p>Copyright &copy; 2016 BBC. \
The BBC is not responsible for the content of external sites.</p></div>
</body></html>"""


def nyt(headline: str, body_html: str, *, date: str = "2016-05-01", metered: bool = True) -> str:
    """New York Times article (isAccessibleForFree false with a metered part, as on
    all NYT pages)."""
    obj: dict[str, Any] = {
        "@context": "https://schema.org", "@type": "NewsArticle", "headline": headline,
        "datePublished": f"{date}T09:00:05.000Z",
        "publisher": {"@type": "NewsMediaOrganization", "name": "The New York Times"}}
    if metered:
        obj["isAccessibleForFree"] = False
        obj["hasPart"] = {"@type": "WebPageElement", "isAccessibleForFree": False,
                          "cssSelector": ".meteredContent"}
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>{headline} - The New York Times</title>
<meta property="og:type" content="article"><meta property="og:title" content="{headline}">
<meta property="article:published" content="{date}T09:00:05.000Z">
<meta name="byl" content="By Austin Ramzy">
{ld(obj)}
</head><body><div id="app"><div><header class="css-1w9ipsh">\
<a href="/">The New York Times</a><nav><a href="/section/world">World</a></nav></header>
<main id="site-content"><div><article id="story" class="meteredContent css-1ifw933">
<header class="css-d92rpk"><h1 id="link-1b44e840" class="css-rsa88z e1h9rw200" \
data-testid="headline">{headline}</h1>
<div class="css-1x1jxeu"><p class="css-1vr4d5b">By Austin Ramzy</p>\
<time datetime="{date}T09:00:05.000Z">May 1, 2016</time></div></header>
<section name="articleBody" itemprop="articleBody" class="meteredContent css-1r7ky0e">
<div class="css-1fanzo5 StoryBodyCompanionColumn"><div class="css-53u6y8">{body_html}</div></div>\
</section>
</article></div></main>
<footer class="css-1rpzphx"><a href="/subscription">Subscribe</a> \
&copy; 2016 The New York Times Company</footer></div></div>
</body></html>"""


def taipei_times(headline: str, body_html: str) -> str:
    """Taipei Times archives page (2016): og:type article, date only in the URL and the
    text, and a <meta refresh> that reloads the page every 20 minutes."""
    return f"""<!DOCTYPE html><html><head>\
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>{headline} - Taipei Times</title>
<meta name="description" content="{headline}">
<meta property="og:title" content="{headline} - Taipei Times">\
<meta property="og:type" content="article">
<meta property="og:site_name" content="Taipei Times">
<meta http-equiv="refresh" content="1200">
</head><body><div id="wrapper"><div class="header"><a href="/">Taipei Times</a>\
<ul class="nav"><li><a href="/News/front">Front Page</a></li>\
<li><a href="/News/taiwan">Taiwan News</a></li></ul></div>
<div class="archives"><div class="ctitle"><span class="ctitle_left">Taiwan News</span></div>
<h1>{headline}</h1><h2>The group was taken to Guangzhou; Taipei protested</h2>
<div class="name">By Stacy Hsu / Staff reporter</div>\
<div class="date">Sun, May 01, 2016 - Page 1</div>
<div class="archives_box">{body_html}</div></div>
<div class="rightbox"><div class="popular">Most Popular<ul><li><a>One</a></li></ul></div></div>
<div class="footer">Copyright &copy; 1999-2016 The Taipei Times. All rights reserved.</div>\
</div></body></html>"""


def focus_taiwan(headline: str, body_html: str, *, date: str = "2016-05-01") -> str:
    """Focus Taiwan (CNA English) article."""
    obj = {"@context": "http://schema.org", "@type": "NewsArticle", "headline": headline,
           "datePublished": f"{date}T11:07:00+08:00",
           "author": {"@type": "Person", "name": "CNA"},
           "publisher": {"@type": "Organization", "name": "Focus Taiwan"}}
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>{headline} - Focus Taiwan</title>
<meta property="og:title" content="{headline} - Focus Taiwan">\
<meta property="og:type" content="article">
<meta property="og:site_name" content="Focus Taiwan">
<meta name="pubdate" content="{date}T11:07:00+08:00">
{ld(obj)}
</head><body><div class="wrapper"><header class="mainHeader"><div class="logo">\
<a href="/">Focus Taiwan CNA English News</a></div>
<nav class="mainMenu"><a href="/politics">Politics</a><a href="/cross-strait">Cross-Strait</a>\
</nav></header>
<div class="centralContent"><div class="article-body"><h1><span>{headline}</span></h1>
<div class="updatetime"><span>05/01/2016 11:07 AM</span></div>
<div class="paragraph">{body_html}<p>(By Joseph Yeh)<br>Enditem/ls</p></div></div>
<div class="related"><h2>Related News</h2>\
<a href="/cross-strait/201604300009">Kenya deportation</a></div></div>
<footer class="footer">Copyright &copy; 2016 Central News Agency. All Rights Reserved.</footer>\
</div></body></html>"""


def udn(headline: str, body_html: str, *, date: str = "2016-05-01") -> str:
    """udn.com (聯合新聞網) article."""
    obj = {"@context": "http://schema.org", "@type": "NewsArticle", "headline": headline,
           "datePublished": f"{date}T10:32:00+08:00",
           "publisher": {"@type": "Organization", "name": "聯合新聞網"}}
    return f"""<!DOCTYPE html><html lang="zh-Hant-TW"><head><meta charset="utf-8">
<title>{headline} | 兩岸 | 聯合新聞網</title>
<meta property="og:title" content="{headline} | 兩岸 | 聯合新聞網">\
<meta property="og:type" content="article">
<meta property="og:site_name" content="聯合新聞網">
<meta name="date" content="{date}">
{ld(obj)}
</head><body><div id="wrapper"><header id="header"><div id="logo">\
<a href="/">udn 聯合新聞網</a></div>
<nav id="nav"><a href="/news/breaknews/1">即時</a><a href="/news/cate/2/6640">要聞</a>\
<a href="/news/cate/2/6640">兩岸</a></nav></header>
<main><div id="story_body"><div id="story_body_content">
<h1 id="story_art_title">{headline}</h1>
<div class="story_bady_info_author"><span>2016-05-01 10:32</span>聯合報 記者 陳言喬／台北報導</div>
<div id="story_body_content_p">{body_html}</div></div></div>
<div class="area_body"><div id="recommend"><h2>推薦文章</h2>\
<a href="/news/story/1">相關新聞一</a></div></div></main>
<footer id="footer">聯合線上公司 著作權所有 &copy; udn.com. All Rights Reserved.</footer>\
</div></body></html>"""


def ltn(headline: str, body_html: str, *, og_type: str = "article", lang: str = "zh-Hant-TW",
        site: str = "自由時報電子報") -> str:
    """Liberty Times (自由時報) breaking-news page: date only in a <span class="time">,
    URL without a date (news.ltn.com.tw/news/politics/breakingnews/1684321)."""
    return f"""<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">
<title>{headline} - {site}</title>
<meta property="og:title" content="{headline} - {site}">\
<meta property="og:type" content="{og_type}">
<meta property="og:site_name" content="{site}">
</head><body><div class="wrapper"><div class="header"><a href="/" class="ltnlogo">{site}</a>
<ul class="nav"><li><a href="/list/breakingnews">即時</a></li>\
<li><a href="/list/breakingnews/politics">政治</a></li></ul></div>
<div class="content"><div class="whitecon boxTitle"><h1>{headline}</h1>
<span class="time">2016-05-01 10:23</span>
<div class="text boxTitle">{body_html}</div></div>
<div class="related"><p>相關新聞</p><a href="/news/politics/breakingnews/1684300">另一則</a>\
</div></div>
<div class="footer">自由時報版權所有不得轉載 &copy; 2016 The Liberty Times</div></div>\
</body></html>"""


def gov_release(title: str, h: str, body_html: str, *, lang: str = "en", site: str,
                date_line: str = "", nav: list[str] | None = None) -> str:
    """A government press-release page (Drupal 7 or an older CMS): no og:type, no
    machine-readable date (the date is written in the text), the ministry's name in the
    title."""
    nav_html = "".join(f'<li><a href="/{i}">{n}</a></li>'
                       for i, n in enumerate(nav or ["Home", "News", "Press Releases",
                                                     "Contact"]))
    date_html = f"<p>{date_line}</p>" if date_line else ""
    return f"""<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">
<title>{title}</title><meta name="generator" content="Drupal 7 (http://drupal.org)">
<link rel="shortcut icon" href="/misc/favicon.ico">
</head><body class="html not-front page-node node-type-press-release">
<div id="page-wrapper"><div id="header"><div class="site-name"><a href="/">{site}</a></div>
<div id="main-menu"><ul class="menu">{nav_html}</ul></div></div>
<div id="main-wrapper"><div id="content" class="column"><div class="section">
<h2 class="page-title">{h}</h2>
<div class="field field-name-body"><div class="field-items"><div class="field-item even">\
{date_html}{body_html}</div></div></div>
</div></div>
<div id="sidebar-second"><div class="block"><h2>Quick links</h2><ul>\
<li><a href="/visa">Visa</a></li><li><a href="/passport">Passports</a></li></ul></div></div></div>
<div id="footer"><p>{site} &middot; Address: No. 2, Kaitakelan Blvd., Taipei &middot; \
Tel: +886-2-2348-2999</p></div></div>
</body></html>"""


def site_titled(body: str, title: str = "Asia Sentinel", lang: str = "en") -> str:
    """A theme's own "not found" page served with 200, as WordPress themes render it
    (and other CMSs alike): the site's name as the title, its header and footer, and
    the error sentence in the content area."""
    return (f'<!DOCTYPE html><html lang="{lang}"><head><title>{title}</title></head><body>'
            f'<header class="site-header"><a href="/">{title}</a><nav><a href="/">Home</a>'
            f'<a href="/news/">News</a></nav></header>'
            f'<div id="content" class="site-content">{body}</div>'
            f'<footer class="site-footer">&copy; 2016</footer></body></html>')


def wp(headline: str = HEADLINE, ps: list[str] = EN_STORY, **kw: Any) -> str:
    """The WordPress article of the story (the usual first snapshot)."""
    return wordpress(headline, paras(ps), **kw)


WP_ART = wp()


def short_brief_en(extra: str) -> str:
    """A 60-word English brief on the Liberty Times English site (og:type article,
    date only in a <span class=time>, URL without a date)."""
    body = ("<p>Malaysia deported 32 Taiwanese fraud suspects to China on Sunday, the "
            "Ministry of Foreign Affairs said, adding that it had lodged a protest with "
            "Kuala Lumpur.</p><p>The ministry said the group was flown to Guangzhou on a "
            "chartered flight, and that relatives had been informed.</p>" + extra)
    return ltn("Malaysia deports 32 Taiwanese", body, lang="en", site="Taipei Times")


def pdf_report() -> bytes:
    """A ministry's PDF report (Taiwan's Ministry of Justice, 2016)."""
    return make_pdf({"/Title": "Annual Report on Cross-Strait Judicial Cooperation 2016",
                     "/Author": "Ministry of Justice",
                     "/CreationDate": "D:20160501090000+08'00'"},
                    "Cross-Strait Joint Crime-Fighting and Judicial Mutual Assistance "
                    "Agreement: statistics of cases handled in 2015 and the first quarter "
                    "of 2016.")


def pdf_notice() -> bytes:
    """A short PDF notice from a ministry (two sentences, the last 'Parking is unavailable.')."""
    return make_pdf({"/Title": "Notice", "/Author": "Ministry of the Interior"},
                    "Notice: the East Gate of the Ministry is closed for repairs from 2 to 6 "
                    "May. Parking is unavailable.")


#: The site's home page (a list of story links), served at "/".
HOME = ("<html><head><title>Home - Latest news</title>"
        "<meta property=\"og:type\" content=\"website\"></head><body><h1>Latest news</h1>"
        + "".join(f'<a href="/2016/05/{i:02d}/story-{i}/">Story {i} headline here</a>'
                  for i in range(1, 40))
        + "</body></html>")


# ---------------------------------------------------------------- serving
@dataclass(frozen=True)
class Page:
    """One answer: *body* (text is sent as UTF-8) with *status* and *ct*."""

    body: str | bytes
    status: int = 200
    ct: str = "text/html; charset=utf-8"
    headers: tuple[tuple[str, str], ...] = ()
    gzip: bool = False


#: What a scenario serves: a page, or a function of the site that makes it (for a
#: page that names the site's own address).
Answer = Page | Callable[[Site], Page]


def serve(site: Site, path: str, answer: Answer) -> None:
    """Serve *answer* at *path* on *site* (replacing what was there)."""
    if callable(answer):
        answer = answer(site)
    site.page(path, answer.body, status=answer.status, content_type=answer.ct,
              headers=list(answer.headers), gzip=answer.gzip)
