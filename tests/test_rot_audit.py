"""The classifier's rules on pages that imitate real sites: they fire where they should,
and only there.

Each scenario serves one cited URL on 127.0.0.1 with markup modelled on a real site or
CMS (WordPress, Arc XP, BBC News, the New York Times, the Taipei Times, Focus Taiwan,
udn, the Liberty Times, government press releases; see ``rot_pages``). A first run
takes the baseline snapshot; between it and the second run some pages change the way
real sites rot, the others are served again as they were. Each scenario names the
statuses accepted on each run.

It checks the precision of the rules that judge a page that answers broken — empty-body,
geo-block, paywall, a <meta refresh> or a script that sends the browser to the home
page, the AWS WAF challenge and captcha, error-text (a "page not found" sentence in
several languages), and plain text where an article was — on live pages that look
like their targets: notices, briefs, galleries, live blogs, PDFs, articles that quote
an error or a paywall's wording, embeds refused in one country, metered pages served
whole. And it checks that each rule fires on the pages it is for, in each language
it claims, on a first check and on a re-check.

The whole lab runs once per module (one origin, one sources file, two cycles, in
process); each scenario is then one parametrized test.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from archiver.models import Sources
from archiver.pipeline import run_cycle
from archiver.report import build_report
from archiver.sources import ID_PATTERN, load_sources
from archiver.storeopen import open_store

from .lab import Site
from .pdfs import make_pdf
from .rot_pages import (
    EN_OTHER,
    EN_STORY,
    HEADLINE,
    HOME,
    LEAD,
    WP_ART,
    ZH_STORY,
    Answer,
    Page,
    arcxp,
    bbc,
    focus_taiwan,
    gov_release,
    ld,
    ltn,
    nyt,
    paras,
    pdf_notice,
    pdf_report,
    serve,
    short_brief_en,
    site_titled,
    taipei_times,
    udn,
    wordpress,
    wp,
)
from .sourcesfile import lab_settings, write_sources

LIVE = {"alive"}
NOT_BROKEN = {"alive", "drifted", "moved"}  # anything but soft-404, dead, blocked, unreachable
PDF = "application/pdf"


@dataclass
class Scenario:
    key: str  # the event id, and the test's id
    imitates: str  # the real site or CMS, and what happens to the page
    rule: str  # the rule probed ("-" for a plain live page)
    path: str
    first: Answer = field(repr=False)  # served for the first run
    second: Answer | None = field(default=None, repr=False)  # for the second; None: unchanged
    exp1: set[str] = field(default_factory=lambda: set(LIVE))  # accepted on run 1
    exp2: set[str] | None = None  # accepted on run 2; None: as on run 1
    why: str = field(default="", repr=False)
    extra: dict[str, Answer] = field(default_factory=dict, repr=False)  # more routes

    @property
    def accepted2(self) -> set[str]:
        return self.exp1 if self.exp2 is None else self.exp2

    @property
    def fires(self) -> bool:
        """True for a page the probed rule is for ("...-not-..." ones must not fire it)."""
        return self.rule != "-" and "-not-" not in self.key


def scenarios() -> list[Scenario]:
    out: list[Scenario] = []
    add = out.append

    # -------------------------------------------- live pages: first check, unchanged re-check
    add(Scenario(
        "live-wordpress", "WordPress + Yoast, cookie notice, newsletter widget, comments closed",
        "-", "/2016/05/01/malaysia-deports-32-taiwanese/", Page(WP_ART)))
    add(Scenario(
        "live-arcxp", "Arc XP (Fusion) article, WaPo-style", "-",
        "/world/asia/malaysia-deports-32-taiwanese/2016/05/01/abc123_story.html",
        Page(arcxp("Malaysia deports 32 Taiwanese to China despite protests",
                   paras(EN_STORY, "font--body")))))
    add(Scenario(
        "live-bbc", "BBC News 2016 story-body with media placeholder", "-",
        "/news/world-asia-36178345",
        Page(bbc("Malaysia deports Taiwanese fraud suspects to China",
                 '<figure class="media-landscape"><div class="media-placeholder">Media playback '
                 'is unsupported on your device</div></figure>' + paras(EN_STORY)))))
    add(Scenario(
        "live-reuters-brief", "Reuters BRIEF (short, 55 words) with og:type + date", "-",
        "/article/brief-malaysia-deports-idUSL3N17Y0AB",
        Page(arcxp("BRIEF-Malaysia deports 32 Taiwanese to China - ministry",
                   paras([EN_STORY[0], EN_STORY[2]]), site="Reuters"))))
    add(Scenario(
        "live-nyt-metered",
        "NYT article, isAccessibleForFree false on every page (full text served)", "paywall",
        "/2016/05/02/world/asia/taiwan-china-malaysia-deport.html",
        Page(nyt("Malaysia Deports 32 Taiwanese to China, Angering Taipei",
                 paras(EN_STORY, "css-exrw3m evys1bk0")))))
    add(Scenario(
        "live-taipeitimes",
        "Taipei Times archives page, meta refresh 1200 s (auto-reload, no URL)",
        "meta-refresh-root", "/News/front/archives/2016/05/01/2003645201",
        Page(taipei_times(HEADLINE, paras(EN_STORY)))))
    add(Scenario(
        "live-focustaiwan", "Focus Taiwan (CNA English)", "-", "/news/aipl/201605010012.aspx",
        Page(focus_taiwan("Taiwan protests Malaysia's deportation of 32 Taiwanese to China",
                          paras(EN_STORY[:4])))))
    add(Scenario(
        "live-udn", "udn.com Chinese article", "-", "/news/story/6656/1664560",
        Page(udn("馬來西亞遣送32名台灣人至中國 外交部抗議", paras(ZH_STORY)))))
    add(Scenario(
        "live-ltn-flash",
        "Liberty Times 即時 flash (~90 Chinese characters, og:type article, date in span.time)",
        "error-text", "/news/politics/breakingnews/1684321",
        Page(ltn("馬國遣送32台人至中國 外交部：強烈抗議", paras([ZH_STORY[0]])))))
    add(Scenario(
        "live-gov-en", "Taiwan MOFA English press release (Drupal, no og/date markup)", "-",
        "/en/News_Content.aspx?n=1EADDCFD4C6EC567&s=D6CCC3BD8F23CFC3",
        Page(gov_release(
            "MOFA solemnly protests Malaysia's deportation of ROC nationals - "
            "Ministry of Foreign Affairs",
            "MOFA solemnly protests Malaysia's deportation of ROC nationals to mainland China",
            paras(EN_STORY[:5]), site="Ministry of Foreign Affairs, Republic of China (Taiwan)",
            date_line="Date: 2016-05-01 &nbsp; Release No. 097"))))
    add(Scenario(
        "live-gov-es", "gob.mx comunicado de prensa (Spanish)", "-", "/sre/prensa/comunicado-145",
        Page(gov_release(
            "Comunicado 145: México y Taiwán | Secretaría de Relaciones Exteriores | Gobierno "
            "| gob.mx",
            "La SRE informa sobre la situación de connacionales detenidos en Malasia",
            paras(["La Secretaría de Relaciones Exteriores informa que ha estado en contacto con "
                   "las autoridades de Malasia para conocer la situación de dos connacionales "
                   "detenidos la semana pasada en Kuala Lumpur, en el marco de una investigación "
                   "por fraude telefónico.",
                   "La Cancillería, a través de su Embajada en Malasia, brinda asistencia "
                   "consular a los connacionales y mantiene comunicación permanente con sus "
                   "familiares en México.",
                   "La SRE reitera su compromiso de proteger los derechos de las personas "
                   "mexicanas en el exterior y seguirá informando a la opinión pública sobre "
                   "este caso."]), lang="es",
            site="Gobierno de México", date_line="Ciudad de México, 1 de mayo de 2016",
            nav=["Inicio", "Prensa", "Acciones y programas", "Transparencia"]))))
    add(Scenario(
        "live-gov-fr", "France Diplomatie communiqué (French)", "-",
        "/fr/dossiers-pays/malaisie/evenements/article/malaisie-communique",
        Page(gov_release(
            "Malaisie - Expulsion de ressortissants taïwanais (01.05.16) - Ministère de "
            "l'Europe et des Affaires étrangères",
            "Malaisie - Expulsion de ressortissants taïwanais (01.05.16)",
            paras(["La France a pris connaissance de l'expulsion vers la Chine continentale de "
                   "32 ressortissants taïwanais soupçonnés de fraude par la Malaisie, "
                   "intervenue le 30 avril.",
                   "Elle rappelle son attachement au respect des droits de la défense et au "
                   "droit de chacun à un procès équitable, conformément aux engagements "
                   "internationaux des États concernés.",
                   "La France appelle toutes les parties à la retenue et au dialogue."]),
            lang="fr", site="France Diplomatie",
            nav=["Accueil", "Politique étrangère", "Dossiers pays", "Salle de presse"]))))
    add(Scenario(
        "live-gov-de", "Auswärtiges Amt Pressemitteilung (German)", "-",
        "/de/newsroom/160501-mys/280112",
        Page(gov_release(
            "Auswärtiges Amt - Pressemitteilung: Ausweisung taiwanischer Staatsangehöriger "
            "aus Malaysia",
            "Ausweisung taiwanischer Staatsangehöriger aus Malaysia",
            paras(["Das Auswärtige Amt hat die Ausweisung von 32 taiwanischen "
                   "Staatsangehörigen aus Malaysia in die Volksrepublik China zur Kenntnis "
                   "genommen.",
                   "Die Bundesregierung erwartet, dass die Rechte der Betroffenen auf ein "
                   "faires Verfahren gewahrt werden, und steht dazu mit allen Beteiligten in "
                   "Kontakt.",
                   "Weitere Informationen erhalten Sie beim Bürgerservice des Auswärtigen "
                   "Amts."]), lang="de",
            site="Auswärtiges Amt", nav=["Startseite", "Newsroom", "Außenpolitik", "Service"]))))
    add(Scenario(
        "live-gov-ms", "Malaysian Wisma Putra Kenyataan Media (Malay)", "-",
        "/kenyataan-media/-/asset_publisher/2016/0501",
        Page(gov_release(
            "Kenyataan Media: Penghantaran pulang warga Taiwan - Kementerian Luar Negeri "
            "Malaysia",
            "Kenyataan Media: Penghantaran pulang 32 warga Taiwan ke China",
            paras(["Kementerian Luar Negeri Malaysia ingin memaklumkan bahawa 32 individu "
                   "warga Taiwan yang ditahan atas kesalahan penipuan telekomunikasi telah "
                   "dihantar pulang ke Republik Rakyat China.",
                   "Keputusan ini dibuat selaras dengan undang-undang Malaysia dan dasar Satu "
                   "China yang diamalkan oleh Kerajaan Malaysia sejak sekian lama.",
                   "Kementerian akan terus bekerjasama dengan pihak berkuasa berkaitan."]),
            lang="ms", site="Kementerian Luar Negeri Malaysia",
            date_line="Putrajaya, 1 Mei 2016",
            nav=["Utama", "Media", "Kenyataan Media", "Hubungi"]))))
    add(Scenario(
        "live-gov-zh", "行政院新聞稿 (Executive Yuan press release, Chinese)", "-",
        "/News_Content2.aspx?n=F8BAEBE9491FC830&s=ABCD",
        Page(gov_release(
            "外交部嚴正抗議馬來西亞遣送國人至中國大陸 - 行政院全球資訊網",
            "外交部嚴正抗議馬來西亞遣送國人至中國大陸",
            paras(ZH_STORY[:3]), lang="zh-Hant", site="行政院", date_line="發布日期：105-05-01",
            nav=["首頁", "新聞與公告", "院會議案", "政策與計畫"]))))
    add(Scenario(
        "live-gov-notice-short", "MOI short notice, 31 words, no error wording", "error-text",
        "/en/notices/2016/0501",
        Page(gov_release(
            "Notice - Ministry of the Interior", "Office hours during the Labor Day holiday",
            "<p>All household registration offices will be closed on May 1 for the Labor Day "
            "holiday. Normal service resumes on May 2. Emergency passport requests may be made "
            "at the airport office.</p>", site="Ministry of the Interior"))))
    add(Scenario(
        "live-pdf-report", "Ministry of Justice PDF report link", "-",
        "/public/Data/6501_report.pdf", Page(pdf_report(), ct=PDF)))
    add(Scenario(
        "live-gallery", "Arc XP photo gallery (figures + captions, 30-word intro)", "error-text",
        "/photography/2016/05/01/typhoon-nepartak-in-pictures/",
        Page(arcxp(
            "In pictures: Taiwanese families wait for news",
            "<p>Families of the 32 deported suspects gathered at the foreign ministry in Taipei "
            "on Sunday, asking for information about their relatives.</p>" + "".join(
                f'<figure class="gallery-image"><img src="/img/{i}.jpg" alt="photo {i}">'
                f'<figcaption>Photo {i}: relatives outside the ministry. (Reuters)</figcaption>'
                f'</figure>' for i in range(8)),
            extra_ld={"@type": "NewsArticle"}))))
    add(Scenario(
        "live-liveblog", "Live blog (LiveBlogPosting JSON-LD, entries with times)", "-",
        "/world/live/2016/may/01/malaysia-deportation-live",
        Page(arcxp("Malaysia deportation: live updates", "".join(
            f'<div class="block"><p class="block-time"><time>{9 + i}:00</time></p><p>{p}</p></div>'
            for i, p in enumerate(EN_STORY[:4])), extra_ld={"@type": "LiveBlogPosting"}))))
    video_ld = ld({"@context": "http://schema.org", "@type": "VideoObject",
                   "name": "Taiwan protests Malaysia deportation",
                   "uploadDate": "2016-05-01T09:00:00Z", "duration": "PT1M32S"})
    add(Scenario(
        "live-video-page",
        "News video page (og:type video.other, VideoObject JSON-LD, 35-word summary)",
        "error-text", "/video/world/malaysia-deportation-protest/vi-BBsT0Ah",
        Page(f"""<!DOCTYPE html><html lang="en"><head>\
<title>Taiwan protests Malaysia deportation - Video</title>
<meta property="og:type" content="video.other">\
<meta property="og:title" content="Taiwan protests Malaysia deportation">
{video_ld}
</head><body><header class="site-header"><nav><a href="/">Home</a><a href="/video">Video</a>\
</nav></header>
<main><div class="video-player"><video src="/v/1.mp4" controls></video></div>\
<h1>Taiwan protests Malaysia deportation</h1>
<p class="description">Taiwan's foreign ministry protested on Sunday after Malaysia sent 32 \
Taiwanese fraud suspects to mainland China instead of Taiwan. Relatives gathered in Taipei \
asking for answers.</p>
<p class="meta">Duration 1:32</p></main><footer class="site-footer">&copy; 2016</footer>\
</body></html>""")))

    # -------------------------------------------- empty-body
    blank = "WordPress article, then a blank 200 (PHP fatal error with display_errors off)"
    for key, body, gz in [("empty-wp-whitescreen", b"", False),
                          ("empty-whitespace", b"\r\n\r\n   \n\t\n", False),
                          ("empty-gzip-whitespace", b"\n\n\n", True)]:
        add(Scenario(key, blank, "empty-body", f"/2016/05/01/{key}/", Page(wp()),
                     Page(body, gzip=gz), exp2={"soft-404"}))
    add(Scenario(
        "empty-php-bom", blank, "empty-body", "/2016/05/01/empty-php-bom/", Page(wp()),
        Page(b"\xef\xbb\xbf\r\n\r\n"), exp2={"soft-404"},
        why="A UTF-8 BOM then newlines (the classic PHP 'BOM in functions.php' white page): "
            "once decoded (utf-8-sig) it is only whitespace."))
    # Today drifted, not soft-404: a body of U+00A0 is not empty to HTML, so not empty-body.
    add(Scenario(
        "empty-nbsp", blank, "empty-body", "/2016/05/01/empty-nbsp/", Page(wp()),
        Page("\u00a0\n\u00a0\n".encode()), exp2={"drifted"},
        why="Only U+00A0 and newlines (one could expect soft-404, as str.isspace() is True)."))
    add(Scenario(
        "empty-first-check", "Blank 200 on the first check", "empty-body",
        "/2016/05/01/empty-first/", Page(b""), exp1={"soft-404"}))
    add(Scenario(
        "empty-not-leading-ws",
        "Live article with 3 KB of leading whitespace (PHP template includes)", "empty-body",
        "/2016/05/01/leading-ws/", Page("\n" * 1500 + " " * 1500 + WP_ART)))
    add(Scenario(
        "empty-not-gzip-chunk", "Live article served gzip + chunked (nginx)", "empty-body",
        "/2016/05/01/gzip-chunked/", Page(WP_ART, gzip=True)))

    # -------------------------------------------- geo-block
    geo_en = ("<html><head><title>The Lab Times</title></head><body><h1>This content is not "
              "available in your region</h1><p>Unfortunately, our website is currently "
              "unavailable in most European countries. We are engaged on the issue and "
              "committed to looking at options that support our full range of digital "
              "offerings to the EU market.</p></body></html>")
    add(Scenario(
        "geo-tribune-gdpr", "Tribune-group GDPR page (EN) replacing an article", "geo-block",
        "/2016/05/01/geo-tribune/", Page(wp()), Page(geo_en), exp2={"blocked"}))
    add(Scenario(
        "geo-es", "Spanish broadcaster geo page", "geo-block", "/2016/05/01/geo-es/", Page(wp()),
        Page("<html><head><title>RTVE.es</title></head><body><div class='aviso'>"
             "<h2>Lo sentimos</h2><p>Este contenido no está disponible en tu país por "
             "restricciones de derechos.</p></div></body></html>"),
        exp2={"blocked"}))
    add(Scenario(
        "geo-fr-curly", "French geo page, typographic apostrophe", "geo-block",
        "/2016/05/01/geo-fr/", Page(wp()),
        Page("<html><head><title>France tv</title></head><body><div class='geo'><h2>Désolé"
             "</h2><p>Cette vidéo n’est pas disponible dans votre pays.</p></div></body></html>"),
        exp2={"blocked"}))
    add(Scenario(
        "geo-de-leider", "German geo page with 'leider' (the usual German wording)",
        "geo-block", "/2016/05/01/geo-de/", Page(wp()),
        Page("<html><head><title>ZDFmediathek</title></head><body><div class='error-box'>"
             "<h2>Hinweis</h2><p>Dieser Inhalt ist in Ihrem Land leider nicht verfügbar.</p>"
             "</div></body></html>"),
        exp2={"blocked"}, why="'ist in Ihrem Land leider nicht verfügbar' is the common German "
        "geo-block sentence: a word between the place and 'nicht verfügbar' must not hide it."))
    add(Scenario(
        "geo-de-plain", "German geo page, plain wording", "geo-block", "/2016/05/01/geo-de2/",
        Page(wp()),
        Page("<html><head><title>ARD Mediathek</title></head><body><div class='box'><p>Dieses "
             "Video ist in Ihrem Land nicht verfügbar.</p></div></body></html>"),
        exp2={"blocked"}))
    add(Scenario(
        "geo-zh", "Chinese geo page (Taiwan streaming)", "geo-block", "/2016/05/01/geo-zh/",
        Page(wp()),
        Page("<html><head><title>公視+</title></head><body><div class='msg'><h2>很抱歉</h2>"
             "<p>您所在的地區無法觀看此內容。</p></div></body></html>"),
        exp2={"blocked"}))
    add(Scenario(
        "geo-first-check", "Geo page at first check (Tribune GDPR page)", "geo-block",
        "/2016/05/01/geo-first/", Page(geo_en), exp1={"blocked"}))
    add(Scenario(
        "geo-not-bbc-embed", "BBC article with a geo-blocked media embed", "geo-block",
        "/news/world-asia-36178346",
        Page(bbc("Malaysia deports Taiwanese fraud suspects to China",
                 '<div class="media-player-wrapper"><p class="media-message">Sorry, this '
                 'content is not available in your location.</p></div>' + paras(EN_STORY)))))
    add(Scenario(
        "geo-not-short-brief-embed",
        "Liberty Times English brief (60 words, og:type article, date in span.time) with an "
        "embedded video whose placeholder says it is geo-blocked", "geo-block",
        "/news/world/breakingnews/1684400",
        Page(short_brief_en('<div class="embed-video"><p>This video is not available in your '
                            'country.</p></div>')),
        why="A live 60-word article: its text is there; only an embedded video is refused."))
    add(Scenario(
        "geo-not-gov-release-quote",
        "Government press release (no og/date markup, 110 words) quoting a geo-block message "
        "in a consumer warning", "geo-block", "/en/news/press/2016/0501-streaming",
        Page(gov_release(
            "Consumer Protection Committee warns about cross-border streaming - Executive Yuan",
            "Consumers warned about cross-border streaming subscriptions",
            "<p>The Consumer Protection Committee said on Sunday it had received 120 complaints "
            "from people who paid for foreign streaming subscriptions and then saw the message "
            "“This content is not available in your country” when they tried to watch.</p>"
            "<p>The committee advised consumers to read the terms of service before paying, and "
            "said platforms must state clearly which titles can be watched in Taiwan. Refunds "
            "may be requested within seven days under the Consumer Protection Act.</p>",
            site="Executive Yuan", date_line="Date: 2016-05-01")),
        why="A live press release that quotes the message; it does not refuse this reader."))
    add(Scenario(
        "geo-not-efe-embed", "EFE Spanish article (og:type + date) with a geo-blocked video embed",
        "geo-block", "/efe/2016/05/01/malasia-deporta/",
        Page(wordpress(
            "Malasia deporta a 32 taiwaneses a China pese a las protestas de Taipéi",
            "<div class='video-embed'><p>Este vídeo no está disponible en tu país.</p></div>"
            + paras(["Malasia deportó este domingo a China a 32 taiwaneses sospechosos de "
                     "fraude telefónico, pese a las protestas del Gobierno de Taipéi, informaron "
                     "fuentes oficiales.",
                     "El Ministerio de Asuntos Exteriores de Taiwán pidió que el grupo fuera "
                     "enviado a la isla y calificó la deportación de violación de sus derechos.",
                     "El grupo fue trasladado a Cantón, confirmaron el lunes funcionarios en "
                     "Pekín."]),
            site="EFE", yoast=True))))
    add(Scenario(
        "geo-not-help-page", "Help-centre page (Zendesk) explaining a geo-block message",
        "geo-block", "/hc/en-us/articles/115003421",
        Page("""<!DOCTYPE html><html lang="en-US"><head><title>Why do I see "This video is not \
available in your country"? – Help Center</title></head>
<body><header class="header"><a href="/hc/en-us">Help Center</a></header><main>\
<article class="article">
<h1 class="article-title">Why do I see "This video is not available in your country"?</h1>
<div class="article-body"><p>Some of our videos are licensed for Taiwan only. If you travel \
abroad, the player shows this message because the rights holder has not licensed the video in \
the country you are visiting.</p>
<p>Our articles and photos can be read everywhere. Only some videos are limited. When you \
return to Taiwan, the video will play again. A VPN is not supported.</p>
<p>If you see the message in Taiwan, please clear your browser cache and contact us with your \
IP address.</p></div></article></main></body></html>"""),
        why="A live help article whose headline quotes the message; the page is readable."))
    add(Scenario(
        "geo-not-recheck-embed-added", "BBC article, re-check adds a geo-blocked embed at the top",
        "geo-block", "/news/world-asia-36178347",
        Page(bbc("Malaysia deports Taiwanese fraud suspects to China", paras(EN_STORY))),
        Page(bbc("Malaysia deports Taiwanese fraud suspects to China",
                 '<div class="media-player-wrapper"><p>This content is not available in your '
                 'location.</p></div>' + paras(EN_STORY))),
        exp2=LIVE))

    # -------------------------------------------- paywall
    lead_only = [LEAD, EN_STORY[1]]
    add(Scenario(
        "paywall-nyt-jsonld", "NYT-style: JSON-LD isAccessibleForFree false, only the lead served",
        "paywall", "/2016/05/01/world/asia/paywall-jsonld.html",
        Page(nyt("Malaysia Deports 32 Taiwanese to China", paras(EN_STORY), metered=False)),
        Page(nyt("Malaysia Deports 32 Taiwanese to China", paras([LEAD]), metered=True)),
        exp2={"blocked"}))
    add(Scenario(
        "paywall-wp-phrase", "WordPress + Leaky Paywall: lead + 'Subscribe to continue reading'",
        "paywall", "/2016/05/01/paywall-phrase/", Page(wp()),
        Page(wp(ps=lead_only + ["Subscribe to continue reading. Already a subscriber? Log in."])),
        exp2={"blocked"}))
    es_lead = ("Malasia deportó este domingo a China a 32 taiwaneses sospechosos de fraude "
               "telefónico, pese a las protestas de Taipéi, informaron fuentes oficiales en "
               "Kuala Lumpur.")
    add(Scenario(
        "paywall-es", "El País: 'Suscríbete para seguir leyendo'", "paywall",
        "/internacional/2016-05-01/malasia.html",
        Page(arcxp("Malasia deporta a 32 taiwaneses a China", paras([
            es_lead,
            "El Ministerio de Asuntos Exteriores de Taiwán pidió que el grupo fuera enviado a la "
            "isla y calificó la deportación de violación de sus derechos conforme al derecho "
            "internacional.",
            "El grupo fue trasladado a Cantón, confirmaron el lunes funcionarios en Pekín, que "
            "acusan a los sospechosos de haber estafado a víctimas en China continental durante "
            "dos años.",
            "Grupos de derechos humanos en Kuala Lumpur y Taipéi preguntaron por qué los "
            "sospechosos fueron enviados a un país en el que nunca habían vivido."]),
            site="EL PAÍS")),
        Page(arcxp("Malasia deporta a 32 taiwaneses a China", paras([
            es_lead, "Suscríbete para seguir leyendo. Lee sin límites."]), site="EL PAÍS")),
        exp2={"blocked"}))
    fr_lead = ("La Malaisie a expulsé dimanche vers la Chine continentale 32 ressortissants "
               "taïwanais soupçonnés de fraude téléphonique, malgré les protestations de Taipei.")
    add(Scenario(
        "paywall-fr-lemonde",
        "Le Monde: 'Il vous reste 78% de cet article à lire. La suite est réservée aux abonnés.'",
        "paywall", "/international/article/2016/05/01/malaisie_4912.html",
        Page(arcxp("La Malaisie expulse 32 Taïwanais vers la Chine", paras([
            fr_lead,
            "Le ministère taïwanais des affaires étrangères a demandé que le groupe soit renvoyé "
            "à Taïwan et a qualifié l'expulsion de violation de leurs droits.",
            "Le groupe a été conduit à Canton, ont confirmé lundi des responsables à Pékin, qui "
            "accusent les suspects d'avoir escroqué des victimes en Chine continentale.",
            "Des organisations de défense des droits de l'homme ont demandé pourquoi les "
            "suspects avaient été envoyés dans un pays où ils n'avaient jamais vécu."]),
            site="Le Monde")),
        Page(arcxp("La Malaisie expulse 32 Taïwanais vers la Chine", paras([
            fr_lead, "Il vous reste 78.25% de cet article à lire. La suite est réservée aux "
            "abonnés."]), site="Le Monde")),
        exp2={"blocked"},
        why="Le Monde's own wording, not only 'Abonnez-vous pour lire la suite'."))
    de_lead = ("Malaysia hat am Sonntag 32 Taiwaner, die des Telefonbetrugs verdächtigt werden, "
               "trotz Protesten aus Taipeh nach China abgeschoben.")
    add(Scenario(
        "paywall-de", "German: 'Jetzt abonnieren und weiterlesen'", "paywall",
        "/politik/ausland/malaysia-a-1090000.html",
        Page(wp("Malaysia schiebt 32 Taiwaner nach China ab", [
            de_lead,
            "Das taiwanische Außenministerium hatte gefordert, die Gruppe nach Taiwan zu "
            "schicken, und nannte die Abschiebung eine Verletzung ihrer Rechte.",
            "Die Gruppe wurde nach Guangzhou geflogen, bestätigten Beamte in Peking am Montag.",
            "Menschenrechtsgruppen fragten, warum die Verdächtigen in ein Land geschickt wurden, "
            "in dem sie nie gelebt hatten."], site="Der Lab-Spiegel")),
        Page(wp("Malaysia schiebt 32 Taiwaner nach China ab", [
            de_lead, "Jetzt abonnieren und weiterlesen. Sie sind bereits Abonnent? Anmelden."],
            site="Der Lab-Spiegel")),
        exp2={"blocked"}))
    add(Scenario(
        "paywall-zh-udn", "udn 聯合報 paid content: '本文為付費會員專屬內容，訂閱後即可繼續閱讀'",
        "paywall", "/news/story/7331/1664561",
        Page(udn("馬來西亞遣送32名台灣人至中國 外交部抗議", paras(ZH_STORY))),
        Page(udn("馬來西亞遣送32名台灣人至中國 外交部抗議",
                 paras([ZH_STORY[0], "本文為付費會員專屬內容，訂閱後即可繼續閱讀全文。"]))),
        exp2={"blocked"}))
    # The prompt's box is left out of the main text, and read for its wording (walled).
    add(Scenario(
        "paywall-arc-box",
        'Arc XP paywall: lead + prompt in <div class="paywall-prompt"> (no JSON-LD flag)',
        "paywall", "/business/2016/05/01/paywall-box_story.html",
        Page(arcxp("Malaysia deports 32 Taiwanese to China despite protests", paras(EN_STORY))),
        Page(arcxp("Malaysia deports 32 Taiwanese to China despite protests", paras([LEAD]),
                   after_body='<div class="paywall-prompt"><h2>Subscribe to continue reading'
                              '</h2><p>Already a subscriber? <a href="/login">Sign in</a></p>'
                              '</div>')),
        exp2={"blocked"}, why="The usual paywall markup: main_text leaves the box ('paywall', "
        "'subscri') out as boilerplate, and its wording is read apart (PageInfo.walled)."))
    add(Scenario(
        "paywall-not-nyt-minor-edit", "NYT (metered JSON-LD on both) re-check with a copy edit",
        "paywall", "/2016/05/02/world/asia/nyt-edit.html",
        Page(nyt("Malaysia Deports 32 Taiwanese to China", paras(EN_STORY))),
        Page(nyt("Malaysia Deports 32 Taiwanese to China",
                 paras([p.replace("despite protests", "despite protest") for p in EN_STORY]))),
        exp2=LIVE))
    add(Scenario(
        "paywall-not-nyt-rewritten",
        "NYT developing story rewritten (metered on both) → drifted, not blocked", "paywall",
        "/2016/05/02/world/asia/nyt-rewrite.html",
        Page(nyt("Malaysia Deports 32 Taiwanese to China", paras(EN_STORY[:3]))),
        Page(nyt("Malaysia Deports 32 Taiwanese to China", paras(EN_OTHER))),
        exp2={"drifted"}))
    add(Scenario(
        "paywall-not-newsletter",
        "Article with a newsletter box 'Subscribe to keep reading our briefing', unchanged",
        "paywall", "/2016/05/01/newsletter-box/",
        Page(wp(ps=EN_STORY + ["Sign up for our morning briefing: subscribe to keep reading the "
                               "best of Asia."]))))
    quote = "Readers who reach the limit see a box that says: Subscribe to continue reading."
    add(Scenario(
        "paywall-not-about-paywalls",
        "Article ABOUT paywalls (ends quoting 'Subscribe to continue reading'), rewritten",
        "paywall", "/2016/05/01/papers-turn-to-paywalls/",
        Page(wp("Taiwan's newspapers turn to paywalls", EN_OTHER + [quote])),
        Page(wp("Taiwan's newspapers turn to paywalls", EN_STORY + [quote])),
        exp2={"drifted"}))
    add(Scenario(
        "paywall-not-correction",
        "Article re-check: a correction added and a login line at the end", "paywall",
        "/2016/05/01/correction-added/", Page(wp()),
        Page(wp(ps=EN_STORY + ["Correction: an earlier version of this story gave the wrong "
                               "date for the flight.", "Already a member? Sign in to comment."])),
        exp2=LIVE))
    add(Scenario(
        "paywall-not-liveblog-grew",
        "Live blog grew from 3 to 14 entries; a 'Already a member? Sign in to comment.' line "
        "ends the body", "paywall", "/world/live/2016/may/01/typhoon-live",
        Page(arcxp("Typhoon Nepartak: live updates", "".join(
            f'<div class="block"><p><time>{9 + i}:00</time></p><p>{p}</p></div>'
            for i, p in enumerate(EN_OTHER[:3])), extra_ld={"@type": "LiveBlogPosting"})),
        Page(arcxp("Typhoon Nepartak: live updates", "".join(
            f'<div class="block"><p><time>{9 + i % 12}:{i:02d}</time></p><p>{p}</p></div>'
            for i, p in enumerate(EN_OTHER + EN_STORY + EN_OTHER[:3]))
            + "<p>Already a member? Sign in to comment.</p>",
            extra_ld={"@type": "LiveBlogPosting"})),
        exp2={"drifted", "alive"}, why="A live blog that grew is the live cited page; a "
        "sign-in-to-comment line is no paywall."))
    add(Scenario(
        "paywall-headline-changed",
        "Paywalled and headline rewritten → drifted (headline-rewritten)", "paywall",
        "/2016/05/01/paywall-headline/", Page(wp()),
        Page(wp("Taipei fury as Kuala Lumpur sends suspects to Beijing",
                [LEAD, "Subscribe to continue reading."])),
        exp2={"drifted"}))

    # -------------------------------------------- meta-refresh-root: script and <meta refresh>
    add(Scenario(
        "script-root-recheck",
        "Article replaced by a tiny page: <script>window.location.href='/'</script>",
        "meta-refresh-root", "/2016/05/01/script-root/", Page(wp()),
        Page("<html><head><title>Asia Sentinel</title><script>window.location.href='/';</script>"
             "</head><body></body></html>"),
        exp2={"soft-404"}))
    add(Scenario(
        "script-root-absolute", "location.replace with the absolute site root",
        "meta-refresh-root", "/2016/05/01/script-root-abs/", Page(wp()),
        lambda site: Page(f'<html><head><script type="text/javascript">location.replace('
                          f'"{site.url("/")}");</script></head><body></body></html>'),
        exp2={"soft-404"}))
    add(Scenario(
        "script-root-first", "First check: script to the site root", "meta-refresh-root",
        "/2016/05/01/script-root-first/",
        Page("<html><head><script>top.location = \"/\";</script></head><body></body></html>"),
        exp1={"soft-404"}))
    add(Scenario(
        "script-lang-root", "Script to a language home '/en/'", "meta-refresh-root",
        "/2016/05/01/script-lang-root/", Page(wp()),
        Page("<html><head><script>window.location = '/en/';</script></head><body></body></html>"),
        exp2={"soft-404"}))
    add(Scenario(
        "script-not-spa-login",
        "React SPA shell: <div id=root>, bundle, script that sends anonymous users to /login",
        "meta-refresh-root", "/app/articles/2016-05-01-malaysia",
        Page('<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Lab News</title>'
             '<script>if(!localStorage.getItem("token")){window.location.href="/login?next="+'
             'encodeURIComponent(location.pathname)}</script>'
             '<script defer src="/static/js/main.8c1e.js"></script></head><body><noscript>You '
             'need to enable JavaScript to run this app.</noscript><div id="root"></div></body>'
             '</html>'),
        exp1={"alive", "blocked"}, exp2={"alive", "blocked"}))
    add(Scenario(
        "script-not-spa-login-plain", "SPA shell whose first script line is location.href='/login'",
        "meta-refresh-root", "/app2/articles/2016-05-01-malaysia",
        Page('<!doctype html><html><head><title>Lab News</title><script>window.location.href = '
             '"/login";</script></head><body><div id="app"></div></body></html>'),
        exp1={"alive", "blocked"}, exp2={"alive", "blocked"}))
    # Today soft-404: archiver does not follow scripts; a shell to a #! route is no article.
    add(Scenario(
        "script-not-hashbang",
        "Site moved to a hash-bang SPA (AngularJS 2016): the old URL's page is a script to "
        "'/#!/2016/05/01/slug'", "meta-refresh-root", "/2016/05/01/hashbang/", Page(wp()),
        Page('<html><head><title>Asia Sentinel</title><script>window.location.replace('
             '"/#!/2016/05/01/hashbang");</script></head><body></body></html>'),
        exp2={"soft-404"}, why="One could expect alive, drifted or moved: the target carries "
        "the article's route in its fragment. Not a redirect to the root, but no article."))
    # Today soft-404: archiver does not follow scripts; a shell to a computed URL is no article.
    add(Scenario(
        "script-not-domain-move",
        "Static site moved domain: <script>location.href = 'https://new-domain' + "
        "location.pathname</script>", "meta-refresh-root", "/2016/05/01/domain-move/",
        Page(wp()),
        Page('<html><head><title>We have moved</title><script>window.location.href = '
             '"https://asiasentinel.example" + window.location.pathname + '
             'window.location.search;</script></head><body></body></html>'),
        exp2={"soft-404"}, why="One could expect alive, drifted or moved: the script keeps the "
        "path (a domain move). Not a redirect to the root, but no article."))
    add(Scenario(
        "script-not-wp-shortlink", "Tiny page: script to WordPress shortlink '/?p=18231'",
        "meta-refresh-root", "/2016/05/01/shortlink/", Page(wp()),
        Page("<html><head><script>window.location.href = '/?p=18231';</script></head><body>"
             "</body></html>"),
        exp2=NOT_BROKEN))
    add(Scenario(
        "refresh-not-noscript-root",
        "Article with <noscript><meta refresh 0; url=/></noscript> (JS-required site)",
        "meta-refresh-root", "/2016/05/01/noscript-root/",
        Page(wp(extra_head='<noscript><meta http-equiv="refresh" content="0; url=/"></noscript>')),
        why="A live article; the refresh runs only with JavaScript off (inside <noscript>)."))
    add(Scenario(
        "refresh-not-noscript-page",
        "Article with <noscript><meta refresh 0; url=/noscript.html></noscript>",
        "meta-refresh-root", "/2016/05/01/noscript-page/",
        Page(wp(extra_head='<noscript><meta http-equiv="refresh" content="0; '
                           'url=/noscript.html"></noscript>'))))
    add(Scenario(
        "refresh-not-delayed-root",
        "Article with a 30-minute reload to the home page <meta refresh 1800; url=/>",
        "meta-refresh-root", "/2016/05/01/delayed-refresh/",
        Page(wp(extra_head='<meta http-equiv="refresh" content="1800; url=/">')),
        why="The rule is for a page that sends the browser to the site root at once; with an "
            "1800 s delay the reader reads the article for half an hour."))

    # -------------------------------------------- AWS WAF
    add(Scenario(
        "waf-challenge-202", "AWS WAF challenge: 202, empty body, x-amzn-waf-action: challenge",
        "challenge", "/2016/05/01/waf-challenge/",
        Page(b"", status=202, headers=(("x-amzn-waf-action", "challenge"),)),
        exp1={"blocked"}))
    add(Scenario(
        "waf-captcha-405", "AWS WAF captcha: 405 with captcha page", "captcha",
        "/2016/05/01/waf-captcha/",
        Page("<html><head><title>Human Verification</title></head><body>"
             "<div id='captcha-container'></div>"
             "<script src='https://x.token.awswaf.com/captcha.js'></script></body></html>",
             status=405, headers=(("x-amzn-waf-action", "captcha"),)),
        exp1={"blocked"}))
    add(Scenario(
        "waf-recheck", "Baseline article, then AWS WAF challenge 202 (header value capitalised)",
        "challenge", "/2016/05/01/waf-recheck/", Page(wp()),
        Page(b"", status=202, headers=(("X-Amzn-Waf-Action", "Challenge"),)),
        exp2={"blocked"}))
    add(Scenario(
        "waf-not-cloudfront",
        "Live article behind CloudFront/AWS (x-amz-cf-id, x-amzn-requestid, x-cache)",
        "challenge", "/2016/05/01/cloudfront/",
        Page(WP_ART, headers=(("x-amz-cf-id", "abcDEF=="), ("x-amzn-requestid", "1234-5678"),
                              ("x-cache", "Hit from cloudfront"),
                              ("via", "1.1 abc.cloudfront.net")))))

    # -------------------------------------------- error-text
    add(Scenario(
        "errtext-wp-en",
        "WordPress theme 200 error: site-name title, 'Sorry, the page you requested could not "
        "be found.'", "error-text", "/2016/05/01/errtext-en/", Page(wp()),
        Page(site_titled("<h2>Oops!</h2><p>Sorry, the page you requested could not be found."
                         "</p><p>Try searching.</p>")),
        exp2={"soft-404"}))
    add(Scenario(
        "errtext-apache-first", "Apache text under a site title, first check", "error-text",
        "/2016/05/01/errtext-apache/",
        Page(site_titled("<p>The requested URL was not found on this server.</p>")),
        exp1={"soft-404"}))
    de_404 = "<p>Die von Ihnen aufgerufene Seite existiert nicht.</p><p>Zur Startseite</p>"
    # a WordPress article, then a CMS's 200 error page under the site's title
    for key, imitates, error_html, site, lang, why in (
        ("errtext-es", "Spanish CMS: 'Lo sentimos, la página que buscas no existe.'",
         "<p>Lo sentimos, la página que buscas no existe.</p><p>Vuelve a la portada.</p>",
         "El Diario", "es", ""),
        ("errtext-fr", "French CMS: 'Désolé, la page que vous cherchez n'existe pas.'",
         "<p>Désolé, la page que vous cherchez n’existe pas.</p>", "Le Quotidien", "fr", ""),
        ("errtext-de", "German CMS: 'Die von Ihnen aufgerufene Seite existiert nicht.'",
         de_404, "Tagesblatt", "de", "The most common German 404 sentence."),
        ("errtext-de-2", "German CMS: 'Die angeforderte Seite wurde leider nicht gefunden.'",
         "<p>Die angeforderte Seite wurde leider nicht gefunden.</p>", "Tagesblatt", "de", ""),
        ("errtext-zh-simple", "Simplified Chinese 200 error: '抱歉，您访问的页面不存在。'",
         "<p>抱歉，您访问的页面不存在。</p>", "新闻网", "zh-CN", ""),
        ("errtext-id", "Indonesian: 'Maaf, halaman yang Anda cari tidak ditemukan.'",
         "<p>Maaf, halaman yang Anda cari tidak ditemukan.</p>", "Kabar Harian", "id", ""),
    ):
        path = {"errtext-de-2": "errtext-de2", "errtext-zh-simple": "errtext-zh2"}.get(key, key)
        add(Scenario(key, imitates, "error-text", f"/2016/05/01/{path}/", Page(wp()),
                     Page(site_titled(error_html, site, lang)), exp2={"soft-404"}, why=why))
    zh_404 = "<p>很抱歉，您所要找的網頁不存在。</p><p>回首頁</p>"
    add(Scenario(
        "errtext-zh-ltn", "Liberty Times-style Chinese 200 error: '很抱歉，您所要找的網頁不存在。'",
        "error-text", "/news/politics/breakingnews/1684999",
        Page(ltn("馬國遣送32台人至中國 外交部：強烈抗議", paras(ZH_STORY[:3]))),
        Page(site_titled(zh_404, "自由時報電子報", "zh-Hant")),
        exp2={"soft-404"}))
    add(Scenario(
        "errtext-not-parking-notice", "MOI short notice (19 words): '... Parking is unavailable.'",
        "error-text", "/en/notices/2016/0502",
        Page(gov_release("Notice - Ministry of the Interior", "East Gate closed for repairs",
                         "<p>The East Gate of the Ministry will be closed for repairs from May 2 "
                         "to May 6. Parking is unavailable.</p>",
                         site="Ministry of the Interior")),
        why="A live notice; 'Parking is unavailable.' is a fact, not an error page."))
    add(Scenario(
        "errtext-not-tickets",
        "Ministry of Culture event notice (25 words): '... Tickets are no longer available.'",
        "error-text", "/en/events/2016/0503",
        Page(gov_release("Events - Ministry of Culture",
                         "Cloud Gate Dance Theatre at the National Theater",
                         "<p>Cloud Gate Dance Theatre performs at the National Theater on May 20 "
                         "and 21. Tickets are no longer available.</p><p>Date: 2016-05-01</p>",
                         site="Ministry of Culture"))))
    add(Scenario(
        "errtext-not-comments",
        "Short government news item (30 words) ending 'Comments are not available for this "
        "article.'", "error-text", "/en/news/2016/0504",
        Page(gov_release("News - Mainland Affairs Council",
                         "MAC responds to deportation from Malaysia",
                         "<p>The Mainland Affairs Council said it had asked Beijing to let "
                         "relatives visit the 32 Taiwanese held in Guangzhou. Talks continue."
                         "</p><p>Comments are not available for this article.</p>",
                         site="Mainland Affairs Council"))))
    add(Scenario(
        "errtext-not-servicio", "gob.mx short notice (Spanish): '... Servicio no disponible.' ",
        "error-text", "/tramites/aviso-mantenimiento",
        Page(gov_release("Aviso | gob.mx", "Aviso de mantenimiento",
                         "<p>Por mantenimiento del sistema de citas para pasaportes, el 1 de mayo "
                         "de 22:00 a 23:59 horas: Servicio no disponible.</p>", lang="es",
                         site="Gobierno de México")),
        why="A live maintenance notice (a planned window), not the cited page being gone."))
    add(Scenario(
        "errtext-not-quote-brief",
        "Liberty Times English brief (32 words, og:type article only) that quotes an error "
        "message as its own sentence", "error-text", "/news/world/breakingnews/1684500",
        Page(ltn("MOFA website down for hours",
                 "<p>Visitors to the foreign ministry's website on Sunday saw only one line. "
                 "Sorry, the page you requested could not be found. The ministry blamed a server "
                 "upgrade.</p>", lang="en", site="Taipei Times")),
        why="A live news brief (about a 404 error)."))
    add(Scenario(
        "errtext-not-about-404-long", "WordPress post ABOUT 404 errors (og:type + date), unchanged",
        "error-text", "/2016/05/01/the-art-of-the-404-page/",
        Page(wp("Error 404: the art of the page not found", [
            "Sorry, the page you requested could not be found. Every web user has seen that "
            "sentence.",
            "Designers at several Taiwanese news sites have turned the error page into a small "
            "joke, with lost cats and empty newsrooms.",
            "The best ones, they say, help the reader find what they were looking for."]))))
    add(Scenario(
        "errtext-not-zh-notice", "Chinese government clarification (澄清稿) ~38 chars with 不存在",
        "error-text", "/News_Content.aspx?n=clarify&s=1",
        Page(gov_release("澄清稿 - 外交部", "網傳外交部停止護照業務 不實",
                         "<p>網路流傳外交部停止受理護照申請之訊息，經查此事不存在。護照業務照常辦理。</p>",
                         lang="zh-Hant", site="外交部"))))
    add(Scenario(
        "errtext-not-pdf-notice", "Short PDF notice: 'Parking is unavailable.'", "error-text",
        "/public/Attachment/notice-0502.pdf", Page(pdf_notice(), ct=PDF),
        why="A live PDF notice."))
    add(Scenario(
        "errtext-de-first",
        "First check: German 200 error 'Die von Ihnen aufgerufene Seite existiert nicht.'",
        "error-text", "/2016/05/01/errtext-de-first/",
        Page(site_titled(de_404, "Tagesblatt", "de")),
        exp1={"soft-404"}, why="As errtext-de; without a first snapshot only the wording tells."))
    add(Scenario(
        "errtext-zh-first", "First check: Liberty Times-style '很抱歉，您所要找的網頁不存在。'",
        "error-text", "/news/politics/breakingnews/1685000",
        Page(site_titled(zh_404, "自由時報電子報", "zh-Hant")),
        exp1={"soft-404"}))

    # -------------------------------------------- not-an-article: plain text
    add(Scenario(
        "plain-ok", "Article replaced by a health check 'OK' (text/plain)", "not-an-article",
        "/2016/05/01/plain-ok/", Page(wp()), Page(b"OK", ct="text/plain"), exp2={"soft-404"}))
    add(Scenario(
        "plain-go-404", "Go net/http 404 text served with 200 (text/plain): its text is an "
        "error message, so error-text decides before not-an-article", "error-text",
        "/2016/05/01/plain-go404/", Page(wp()),
        Page(b"404 page not found\n", ct="text/plain; charset=utf-8"), exp2={"soft-404"}))
    add(Scenario(
        "plain-maint", "nginx maintenance text/plain 200", "not-an-article",
        "/2016/05/01/plain-maint/", Page(wp()),
        Page(b"Site under maintenance. Back soon.", ct="text/plain"), exp2={"soft-404"}))
    add(Scenario(
        "plain-not-text-version",
        "Wire service: the same story re-served as its plain-text version", "not-an-article",
        "/2016/05/01/plain-version/", Page(wp()),
        Page(("Malaysia deports 32 Taiwanese to China\n\nBy Staff Writer, May 1, 2016\n\n"
              + "\n\n".join(EN_STORY)).encode(), ct="text/plain; charset=utf-8"),
        exp2=NOT_BROKEN))
    add(Scenario(
        "plain-not-html-as-text",
        "nginx misconfiguration: the same article HTML served as text/plain", "not-an-article",
        "/2016/05/01/html-as-text/", Page(wp()), Page(WP_ART, ct="text/plain"),
        exp2={"alive", "drifted"}, why="The same article bytes; only the Content-Type changed."))
    add(Scenario(
        "plain-not-short-text-version",
        "Short brief (Reuters, og:type+date) re-served as plain text", "not-an-article",
        "/article/brief-plain-idUSL3N17Y0AC",
        Page(arcxp("BRIEF-Malaysia deports 32 Taiwanese to China - ministry",
                   paras([EN_STORY[0], EN_STORY[2]]), site="Reuters")),
        Page(("BRIEF-Malaysia deports 32 Taiwanese to China - ministry\n\n" + EN_STORY[0]
              + "\n\n" + EN_STORY[2]).encode(), ct="text/plain"),
        exp2=NOT_BROKEN))
    add(Scenario(
        "plain-not-pdf", "Press release later served as PDF", "not-an-article",
        "/2016/05/01/release-pdf/", Page(wp()),
        Page(make_pdf({"/Title": HEADLINE},
                      "Malaysia deported 32 Taiwanese telecom fraud suspects to China on Sunday, "
                      "despite protests from Taipei."), ct=PDF),
        exp2=NOT_BROKEN))
    add(Scenario(
        "plain-first-statement", "First check: a .txt statement (200 words, text/plain)",
        "not-an-article", "/statements/2016-05-01.txt",
        Page("\n\n".join(EN_STORY * 2).encode(), ct="text/plain")))

    # -------------------------------------------- re-checks of live pages with small changes
    banner = ('<div id="onetrust-consent-sdk"><div id="onetrust-banner-sdk" class="otFlat" '
              'role="dialog"><p>We and our partners store and/or access information on a '
              'device, such as cookies. Some content may not be available without consent.</p>'
              '<button>Accept All</button></div></div></body>')
    add(Scenario(
        "recheck-cookie-banner-added",
        "WordPress re-check: a OneTrust banner + a new sidebar + 'Updated' line", "-",
        "/2016/05/01/cookie-added/", Page(wp(cookie=False)),
        Page(wp(ps=EN_STORY + ["Updated: May 2, 2016, 10:14 a.m."], cookie=False).replace(
            "</body>", banner)),
        exp2=LIVE))
    add(Scenario(
        "recheck-comments-off",
        "Arc XP re-check: comments widget now says 'Comments are not available' inside the body",
        "error-text", "/world/2016/05/01/comments-off_story.html",
        Page(arcxp("Malaysia deports 32 Taiwanese to China despite protests", paras(EN_STORY))),
        Page(arcxp("Malaysia deports 32 Taiwanese to China despite protests",
                   paras(EN_STORY) + '<div class="comments-wrapper"><p>Comments are not '
                   'available on this story.</p></div>')),
        exp2=LIVE))

    # -------------------------------------------- more first checks and wordings
    add(Scenario(
        "empty-php-bom-first", "First check: UTF-8 BOM + CRLFs only (PHP BOM white page)",
        "empty-body", "/2016/05/01/bom-first/", Page(b"\xef\xbb\xbf\r\n\r\n"),
        exp1={"soft-404"}, why="Decoded (the BOM is the encoding's signature, not text) the "
        "body is only whitespace."))
    # Today alive: a body of U+00A0 is not empty to HTML, so it is not empty-body.
    add(Scenario(
        "empty-nbsp-first", "First check: U+00A0 + newlines only", "empty-body",
        "/2016/05/01/nbsp-first/", Page("\u00a0\n\u00a0\n".encode()),
        exp1=LIVE, why="One could expect soft-404, as '\\xa0\\n'.isspace() is True."))
    # The Refresh header is read as <meta refresh> is: the page is sent on at once.
    add(Scenario(
        "empty-not-refresh-header",
        "PHP header('Refresh: 0; url=/2016/05/01/new-slug/') with an empty 200 body (article "
        "moved; the new URL serves it)", "empty-body", "/2016/05/01/refresh-header/",
        Page(wp()), Page(b"", headers=(("Refresh", "0; url=/2016/05/01/new-slug/"),)),
        exp2={"moved"}, extra={"/2016/05/01/new-slug/": Page(wp())},
        why="A browser follows the Refresh header at once to the live article: moved (by the "
            "rule 'refresh'), not an empty page."))
    add(Scenario(
        "geo-en-outside", "BBC-style 'Sorry, this content is not available outside the UK.'",
        "geo-block", "/2016/05/01/geo-outside/", Page(wp()),
        Page("<html><head><title>BBC iPlayer</title></head><body><div class='error'><h2>Sorry"
             "</h2><p>This content is not available outside the UK, due to rights issues.</p>"
             "</div></body></html>"),
        exp2={"blocked"}, why="The other usual English geo wording ('not available outside "
        "<country>')."))
    add(Scenario(
        "geo-not-ngo-censorship",
        "Digital-rights NGO statement (Drupal, no og/date markup, 90 words): 'find out whether "
        "websites are blocked in your country'", "geo-block",
        "/en/statements/malaysia-blocks-sarawak-report",
        Page(gov_release(
            "Malaysia blocks news site Sarawak Report | Digital Rights Watch",
            "Malaysia blocks news site Sarawak Report",
            "<p>The Malaysian Communications and Multimedia Commission ordered internet "
            "providers to block the news site Sarawak Report on Sunday, after it published "
            "documents on the 1MDB fund.</p><p>We call on the commission to lift the order. "
            "Readers can use OONI Probe to find out whether websites are blocked in your "
            "country and to share the measurements with researchers.</p>",
            site="Digital Rights Watch")),
        why="A live statement that talks about censorship; nothing is refused to this client."))
    add(Scenario(
        "paywall-not-update-with-badges",
        "Arc XP developing story rewritten (same headline); the in-article 'More on this' list "
        "labels two links 'Subscribers only'", "paywall",
        "/world/2016/05/01/update-badges_story.html",
        Page(arcxp("Malaysia deports 32 Taiwanese to China despite protests",
                   paras(EN_STORY[:3]))),
        Page(arcxp("Malaysia deports 32 Taiwanese to China despite protests",
                   paras(EN_STORY[3:]),
                   after_body='<ul class="more-on-this"><li><a href="/a/">Analysis: Why Beijing '
                              'wants the suspects</a> <span class="badge">Subscribers only</span>'
                              '</li><li><a href="/b/">Taiwan weighs its options</a> '
                              '<span class="badge">Subscribers only</span></li></ul>')),
        exp2={"drifted"}, why="The whole article is served (a rewrite); the wording is a label "
        "on other links."))
    return out


SCENARIOS = scenarios()


@dataclass
class AuditRun:
    urls: dict[str, str]  # scenario key -> URL
    first: dict[str, dict[str, Any]]  # scenario key -> report result after run 1
    second: dict[str, dict[str, Any]]  # ... after run 2

    def __repr__(self) -> str:
        return f"AuditRun({len(self.urls)} scenarios)"


def _cycle(sources: Sources, archive: Path) -> dict[str, dict[str, Any]]:
    asyncio.run(run_cycle(sources, archive=archive, settings=lab_settings(timeout=3.0)))
    store = open_store(archive)
    try:
        report = build_report(store)
    finally:
        store.close()
    return {r["event"]: r for r in report["results"]}


@pytest.fixture(scope="module")
def audit(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AuditRun]:
    """Serve every scenario on one loopback origin, run a cycle, change the pages that
    change, run a second cycle."""
    tmp = tmp_path_factory.mktemp("rot-audit")
    with pytest.MonkeyPatch.context() as mp, Site() as site:
        for name in list(os.environ):  # loopback only: no proxy (conftest's is per test)
            if name.lower() in {"http_proxy", "https_proxy", "all_proxy", "no_proxy"}:
                mp.delenv(name)
        site.page("/", HOME)
        for s in SCENARIOS:
            serve(site, s.path, s.first)
            for path, answer in s.extra.items():
                serve(site, path, answer)
        urls = {s.key: site.url(s.path) for s in SCENARIOS}
        sources = load_sources(write_sources(tmp / "sources.yaml", [
            {"id": s.key, "date": "2016-05-01", "country": "Malaysia", "sources": [urls[s.key]]}
            for s in SCENARIOS]))
        archive = tmp / "archive"
        first = _cycle(sources, archive)
        for s in SCENARIOS:
            if s.second is not None:
                serve(site, s.path, s.second)
        second = _cycle(sources, archive)
        yield AuditRun(urls, first, second)


def test_scenarios_are_distinct() -> None:
    keys = [s.key for s in SCENARIOS]
    assert len(keys) == len(set(keys)) == 106
    assert all(ID_PATTERN.fullmatch(k) for k in keys)
    paths = [s.path for s in SCENARIOS] + [p for s in SCENARIOS for p in s.extra]
    assert len(paths) == len(set(paths)) and "/" not in paths


def _explain(s: Scenario, run: int, accepted: set[str], result: dict[str, Any]) -> str:
    return (f"{s.key} run {run}: {result['status']!r} not in {sorted(accepted)}; "
            f"reason: {result['reason']}\n  imitates: {s.imitates}\n  probes: {s.rule}"
            + (f"\n  why: {s.why}" if s.why else "") + f"\n  url: {result['url']}")


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.key for s in SCENARIOS])
def test_status(audit: AuditRun, scenario: Scenario) -> None:
    first, second = audit.first[scenario.key], audit.second[scenario.key]
    assert first["status"] in scenario.exp1, _explain(scenario, 1, scenario.exp1, first)
    assert second["status"] in scenario.accepted2, \
        _explain(scenario, 2, scenario.accepted2, second)
    for run, result in ((1, first), (2, second)):
        if scenario.fires and result["status"] in ("soft-404", "blocked"):
            # broken or blocked by the rule probed, not by another that happens to agree
            assert result["reason"].endswith(f"(rule: {scenario.rule})."), \
                _explain(scenario, run, {result["status"]}, result)
