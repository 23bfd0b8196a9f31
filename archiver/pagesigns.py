"""Signs read in a page: article markers, error and parking wording, bot walls
(challenges, captchas, pages refused to a country or region, consent and login
pages), paywalls.

Pure functions used by :mod:`archiver.classify`; each returns the evidence it
found (a short string) or nothing, so the verdict's reason can quote it. The
signs read in a URL alone (the same page, section and login URLs, the probe's
URL) are in :mod:`archiver.urlsigns`.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from .models import FetchResult, Hop, PageInfo
from .similarity import token_counts, tokens
from .textdates import date_from_url
from .textnorm import LazyPattern
from .urlsigns import is_login_url, same_url

# --------------------------------------------------------------------------
# page wording

#: (A separator starts where a run of spaces does: tried from every space of a
#: long run, each try would read the rest of it.)
_SEPARATOR = re.compile(
    r"(?<!\s)\s+[-|:\u00b7\u2013\u2014\u00bb]\s+|[|:\u2013\u2014\u00bb\uff5c\uff1a]")
_ERROR_PHRASES = LazyPattern(
    r"4\s?0\s?4|not\s+found|no\s+longer\s+(?:available|exists?)|"
    r"(?:doesn'?t|does\s+not|don'?t|no\s+longer)\s+exists?|"
    r"(?:cannot|can'?t|could\s+not|couldn'?t)\s+be\s+found|page\s+(?:is\s+)?missing|"
    r"(?:cannot|can'?t|could\s+not|couldn'?t|unable\s+to)\s+(?:seem\s+to\s+)?find|"
    r"(?:not|isn'?t|aren'?t)\s+(?:currently\s+)?available|unavailable|"
    r"(?:page|article|content|story|video)\s+(?:(?:has|had)\s+been\s+|was\s+|is\s+)?"
    r"(?:removed|deleted|taken\s+down|unpublished)|"
    r"(?:page|article|content|story|video|link)\s+(?:has\s+|had\s+|is\s+)?expired|"
    r"something\s+(?:went|has\s+gone)\s+wrong|error\s+(?:has\s+)?occurr?ed|"
    r"might\s+have\s+been\s+removed,?\s+had\s+its\s+name\s+changed,?\s+or\s+is\s+"
    r"temporarily\s+unavailable|"  # IIS's 404 text
    r"p[aá]gina\s+no\s+encontrada|no\s+existe|no\s+se\s+(?:encontr[oó]|encuentra)|"
    r"no\s+(?:est[aá]\s+)?disponible|"
    r"page\s+introuvable|page\s+non\s+trouv[ée]e|erreur\s+404|n['\u2019]existe\s+(?:pas|plus)|"
    r"n['\u2019]est\s+(?:pas|plus)\s+disponible|indisponible|"
    r"seite\s+nicht\s+gefunden|nicht\s+gefunden|fehler\s+404|existiert\s+nicht|"
    r"nicht\s+(?:mehr\s+)?verfügbar|"
    r"halaman\s+tidak\s+(?:ditemukan|tersedia)|tidak\s+ditemukan|tidak\s+tersedia|"
    r"dihapus|"  # id, ms: removed
    r"(?:art[ií]culo|p[aá]gina|contenido|noticia)\s+(?:ha\s+sido\s+)?(?:eliminad[oa]|retirad[oa])|"
    r"找不到|頁面不存在|页面不存在|網頁不存在|网页不存在|無法找到|无法找到|"
    r"404\s*(?:錯誤|错误)|(?:錯誤|错误)\s*404|不存在|已刪除|已删除|"
    # the languages of the report's countries and their neighbours, as sites
    # word their "page not found"
    r"p[aá]gina\s+n[aã]o\s+encontrada|n[aã]o\s+(?:foi\s+)?encontrad[ao]|"  # pt
    r"pagina\s+non\s+trovata|non\s+(?:è\s+stata\s+)?trovata|"  # it
    r"pagina\s+niet\s+gevonden|niet\s+gevonden|"  # nl
    r"страница\s+не\s+найдена|не\s+найден[аоы]?|не\s+существует|"  # ru
    r"сторінк[уа]\s+не\s+знайден[оа]|не\s+знайдено|не\s+існує|"  # uk
    r"nie\s+znaleziono|strona\s+nie\s+(?:została\s+znaleziona|istnieje)|"  # pl
    r"sayfa\s+bulunamad[ıi]|bulunamad[ıi]|"  # tr
    r"الصفحة\s+(?:المطلوبة\s+)?غير\s+موجودة|غير\s+موجودة|لم\s+يتم\s+العثور|"  # ar
    r"không\s+tìm\s+thấy|không\s+tồn\s+tại|"  # vi
    r"ไม่พบหน้า(?:ที่คุณ(?:ต้องการ|ค้นหา|กำลังค้นหา))?|"  # th
    r"tidak\s+dijumpai|"  # ms
    r"ページが見つかりません|見つかりません|"  # ja
    r"페이지를\s*찾을\s*수\s*없습니다|찾을\s*수\s*없습니다|"  # ko
    r"str[aá]nka\s+nenalezena|nenalezena|"  # cs
    r"pagina\s+nu\s+a\s+fost\s+g[aă]sit[aă]|nu\s+a\s+fost\s+g[aă]sit[aă]|"  # ro
    r"η\s+σελίδα\s+δεν\s+βρέθηκε|δεν\s+βρέθηκε|"  # el
    r"էջը\s+չի\s+գտնվել|չի\s+գտնվել",  # hy
    re.IGNORECASE,
)
#: The lowercased form of any ASCII text ``_ERROR_PHRASES`` matches holds one
#: of these (each phrase that can match ASCII text holds one), or else "404"
#: once its whitespace is removed.
_ERROR_HINTS = ("found", "longer", "exist", "missing", "encontr", "encuentra", "introuvable",
                "trouv", "gefunden", "tidak", "find", "available", "removed", "deleted", "taken",
                "unpublished", "expired", "wrong", "occur", "disponible", "trovat", "znalez",
                "bulunamad", "nenalez", "gasit", "gevonden", "dihapus", "eliminad", "retirad")


def _error_phrase_in(text: str) -> bool:
    if text.isascii():
        lowered = text.lower()
        if not any(hint in lowered for hint in _ERROR_HINTS) and \
                not ("4" in lowered and "404" in "".join(lowered.split())):
            return False  # settled without the regular expression
    return _ERROR_PHRASES.search(text) is not None


#: Words that may surround an error phrase in an error page's title.
_ERROR_FILLER = frozenset(
    "a an the this that page file article content document url requested request you "
    "on at of server site website publisher author owner "
    "are were re we is was it s t sorry oops whoops error http looking for seems looks "
    "like can could be been has moved or "
    "la el lo los las página pagina sentimos que busca buscas contenido "
    "désolé desole oups cette vous cherchez le erreur introuvable "
    "die seite fehler leider wurde konnte werden diese ups hoppla von ihnen aufgerufene "
    "gesuchte angeforderte "
    "halaman maaf yang anda cari ini "
    "desculpe que procura erro spiacenti che cerchi errore de die u zoekt fout "
    "ошибка извините к сожалению запрашиваемая эта вибачте помилка "
    "przepraszamy strona błąd üzgünüz aradığınız sayfa hata "
    "عذرا عفوا خطأ التي تبحث عنها xin lỗi trang bạn tìm "
    "omlouváme se stránka chyba ne pare rău eroare λυπούμαστε η σελίδα σφάλμα "
    "ներողություն սխալ "
    "抱 歉 對 不 起 对 您 所 要 的 請 请 求 頁 页 面 網 网 該 该 此 錯 误 誤 錯 已 很 找 "
    "訪 访 問 问 本 文 篇 章 新 聞 闻 "
    "artículo articulo noticia ha sido telah artikel berita".split()
)


def error_title(page: PageInfo, url: str = "") -> str:
    """The error wording of *page*'s title or h1 (empty when there is none).

    A title segment (titles are cut at ``|``, ``:``, `` - ``, dashes) counts
    when it holds an error phrase and no other word besides filler ("Sorry,
    the page you requested", "Oops"), or one on a page whose markup shows no
    sign of an article, no date but the one in *url* (a dated brief "Suspects
    not found" is news). A page with two or more article
    markers (see ``article_markers``) is an article that talks about errors,
    never an error page: "Error 404: the art of broken links" stays alive.
    """
    # (a page left with an article's markup, og:type and date, but with a removal
    # notice for all its text is judged: "This article has been removed")
    if _looks_like_article(page) and not _notice_only(page):
        return ""
    for field in (page.title, page.h1, page.headline):
        if not field:
            continue
        for segment in _SEPARATOR.split(field.replace("\u2019", "'")):
            if not _error_phrase_in(segment):
                continue
            other = _other_words(segment)
            # one other word ("Esta página no existe", "Suspects not found"): on
            # a page with no date (but its URL's) and no og:type article only
            if other == 0 or (other == 1 and not _shown_marked(page, url)):
                return segment.strip()
    return ""


#: A heading that answers in the cited page's place: search results, a listing
#: of a folder, "nothing found" (its words may repeat the cited URL's slug).
_ANSWERS_INSTEAD = re.compile(
    r"search\s+results?|results?\s+for\b|nothing\s+(?:was\s+)?found|no\s+results|"
    r"^\s*index\s+of\s+/|resultados\s+(?:de\s+(?:la\s+)?b[uú]squeda|para)|"
    r"r[ée]sultats?\s+(?:de\s+(?:la\s+)?recherche|pour)|suchergebnisse|hasil\s+pencarian|"
    r"搜尋結果|搜索结果|检索结果|検索結果|검색\s*결과", re.IGNORECASE)


def search_heading(page: PageInfo) -> str:
    """The heading (headline or title) of *page* that is a search's or a folder
    listing's ("Search results for: ...", "Index of /2016/"), else empty."""
    for heading in (page.headline, page.title):
        if heading and _ANSWERS_INSTEAD.search(heading):
            return heading
    return ""


def answers_instead(heading: str | None) -> bool:
    """True when *heading* (a headline, a title) is a search's, a folder listing's
    or an error page's, not an article's."""
    if not heading:
        return False
    return _ANSWERS_INSTEAD.search(heading) is not None or _error_phrase_in(heading)


#: Words of a text that can be a notice and nothing more ("This article has been
#: removed at the request of the publisher."); a news brief has more.
NOTICE_WORDS = 20


#: What a notice says of an article taken down.
_REMOVAL = re.compile(
    r"(?:has|have|had)\s+been\s+(?:removed|deleted|taken\s+down|unpublished|withdrawn)|"
    r"no\s+longer\s+(?:available|exists?)|(?:ha|han)\s+sido\s+retirad[oa]|eliminad[oa]|"
    r"a\s+été\s+(?:supprimée?|retirée?)|dihapus|wurde\s+entfernt|"
    r"已刪除|已删除|被.{0,8}(?:刪除|删除)|已下架|已撤下", re.IGNORECASE)


def _after_headline(page: PageInfo) -> str:
    """*page*'s text without the headline it begins with."""
    text, headline = page.text, page.headline
    return text[len(headline):] if headline and text.startswith(headline) else text


def _notice_only(page: PageInfo) -> bool:
    """True when *page*'s text, after its headline, is as short as a notice
    (:data:`NOTICE_WORDS`)."""
    return _counts(_after_headline(page))[0] <= NOTICE_WORDS


def _other_words(text: str) -> int:
    """Words of *text* that are neither in an error phrase nor filler."""
    return sum(t not in _ERROR_FILLER for t in tokens(_ERROR_PHRASES.sub(" ", text)))


#: A page whose main text has at most this many words is read for an error
#: message, sentence by sentence (a page that only says it cannot be found).
ERROR_TEXT_WORDS = 40
_SENTENCE_END = re.compile(r"(?<=[.!?\u3002\uff01\uff1f])\s+|[\u3002\uff01\uff1f]|\n")


def error_text(page: PageInfo) -> str:
    """The error message that is all *page* says (empty when there is none).

    For an HTML or text page that is no article and whose main text is short
    (:data:`ERROR_TEXT_WORDS`): a sentence of it that holds an error phrase
    and no other word besides filler ("Sorry, the page you requested could
    not be found.", its title being the site's name). "Try searching." beside
    it changes nothing; "Parking is unavailable." is a notice, not an error
    page (a title allows one such word: :func:`error_title`).
    """
    text = page.text
    if not text or page.kind == "pdf" or _counts(text)[0] > ERROR_TEXT_WORDS \
            or not _error_phrase_in(text):
        return ""
    if _looks_like_article(page):
        # an article's markup kept above a removal notice and nothing more (a
        # takedown leaves og:type, the date, the headline and the byline)
        rest = _after_headline(page)
        return rest.strip() if _notice_only(page) and _REMOVAL.search(rest) else ""
    for sentence in _SENTENCE_END.split(text.replace("\u2019", "'")):
        if sentence and _error_phrase_in(sentence) and not _other_words(sentence):
            return sentence.strip()
    return ""


def article_markers(page: PageInfo) -> int:
    """How many signs of an article *page* shows: ``og:type`` article, a
    publication date, a main text of 150 words or more (300 CJK characters)."""
    return _marked(page) + _has_article_text(page)


def shown_article_markers(page: PageInfo, url: str) -> int:
    """``article_markers`` of *page* served at *url*, not counting a
    publication date that is only the date in *url*.

    Extraction falls back to a date in the URL when the page gives none, so
    any page served at ``/2016/05/03/...`` (a home page as well) has one: it
    says what the URL was, not what the page now is. (A date in the markup on
    the same day cannot be told from it here, and is not counted either.)
    """
    return _shown_marked(page, url) + _has_article_text(page)


def _shown_marked(page: PageInfo, url: str) -> int:
    """:func:`_marked`, not counting a publication date that is only *url*'s."""
    markers = _marked(page)
    if url and page.published is not None and page.published == date_from_url(url)[0]:
        markers -= 1
    return markers


def _marked(page: PageInfo) -> int:
    """The signs of an article in the markup: ``og:type`` article, a publication date."""
    return ((page.og_type or "").lower() == "article") + (page.published is not None)


def _has_article_text(page: PageInfo) -> bool:
    """A main text of 150 words or more (300 CJK characters) that is not a
    listing's teasers (``PageInfo.teasers``: a home page's headlines and
    summaries are many words, but no article)."""
    return not page.teasers and _counts(page.text)[0] >= 150 and _long_text(page.text)


def _looks_like_article(page: PageInfo) -> bool:
    """``article_markers(page) >= 2``, without counting the words of a page
    whose markup shows both other signs."""
    marked = _marked(page)
    return marked == 2 or (marked == 1 and _has_article_text(page))


#: Text cut before words are counted: the signs are in the beginning.
_COUNTED_CHARS = 20_000
#: The rules ask no more than whether there are 300 words: a beginning of
#: this many characters is counted first, and most articles have them there
#: (a 40,000-character text costs a quarter of the time of counting 20,000).
_FIRST_CHARS = 4_000
_ENOUGH_WORDS = 300
#: The last texts counted and their counts; the rules ask several times
#: about the same page (and each citation of a URL about the same page).
_COUNTED: tuple[tuple[str, tuple[int, int]], ...] = ()


def _counts(text: str) -> tuple[int, int]:
    """(words, single non-ASCII characters) in the first 20,000 characters of
    *text*; or fewer of them, once there are 300 words that are not single
    non-ASCII characters (no rule asks further: every count the rules
    compare with a number of 300 or less is then settled)."""
    global _COUNTED
    for seen, counts in _COUNTED:
        if seen is text:  # the same object: no hashing of a long text
            return counts
    # a beginning holds no more words than the whole (a word cut is still one)
    counts = token_counts(text[:_FIRST_CHARS])
    if counts[0] - counts[1] < _ENOUGH_WORDS and len(text) > _FIRST_CHARS:
        counts = token_counts(text[:_COUNTED_CHARS])
    _COUNTED = ((text, counts), *_COUNTED[:3])
    return counts


def _long_text(text: str) -> bool:
    words, cjk = _counts(text)
    return words - cjk >= 150 or cjk >= 300


def _short_page(page: PageInfo) -> bool:
    return _counts(page.text)[0] < 300


_PARKED_PHRASES = re.compile(
    r"domain(?:\s+name)?\s+(?:may\s+be|might\s+be|is)\s+(?:for\s+sale|available\s+for\s+"
    r"(?:sale|purchase))|buy\s+(?:this|the)\s+domain|domain\s+(?:is|has\s+been)\s+parked|"
    r"parked\s+(?:free|domain|by)|domain\s+parking|inquire\s+about\s+(?:this|the)\s+domain|"
    r"make\s+(?:an\s+)?offer\s+on\s+(?:this|the)\s+domain|this\s+web\s*page\s+is\s+parked|"
    r"(?:godaddy|sedo|dan\.com|afternic|bodis|parkingcrew|hugedomains|above\.com)\b.{0,80}\bdomain",
    re.IGNORECASE | re.DOTALL,
)
_PARKING_HOSTS = re.compile(
    r"(?:^|\.)(?:sedo\.com|sedoparking\.com|dan\.com|afternic\.com|hugedomains\.com|"
    r"bodis\.com|parkingcrew\.net|above\.com|undeveloped\.com)$", re.IGNORECASE)


def _parked_phrase(text: str) -> re.Match[str] | None:
    # every phrase holds "domain" or "parked": ASCII text without either is settled
    if text.isascii():
        lowered = text.lower()
        if "domain" not in lowered and "parked" not in lowered:
            return None
    return _PARKED_PHRASES.search(text)


def is_parked(page: PageInfo, final_url: str) -> str:
    """Evidence that *page* is a parked-domain page (empty when it is not)."""
    host = urlsplit(final_url).hostname or ""
    if _PARKING_HOSTS.search(host):
        return f"served by the domain marketplace {host}"
    found = _parked_phrase(page.title or "")
    if found is None and _short_page(page):
        found = _parked_phrase(page.text[:5000])
    return f"{found.group(0)!r}" if found else ""


# --------------------------------------------------------------------------
# bot walls

_CHALLENGE_TITLE = re.compile(
    r"just a moment|attention required|checking your browser|one more step|"
    r"ddos protection by|ddos-guard|please wait\b", re.IGNORECASE)
#: "Please wait" titles a maintenance page as well ("Please wait - maintenance",
#: at 503): a challenge says what is checked, or comes from a protection service.
_WAIT_CHECKED = re.compile(
    r"browser|security|secure|ddos|verif|human|robot|captcha|javascript|cookies|"
    r"redirect|cloudflare|sucuri|incapsula|imperva|akamai|checking", re.IGNORECASE)
_CAPTCHA = re.compile(
    r"h-?captcha|re-?captcha|\bcaptcha\b|verify (?:that )?you(?:'re| are) (?:a )?human|"
    r"are you a (?:robot|human)|not a robot|prove you(?:'re| are) (?:a )?human|"
    r"press (?:&|and) hold|human verification|datadome|perimeterx|px-captcha|"
    r"pardon our interruption|incapsula incident|request unsuccessful|unusual traffic|"
    r"access denied.{0,400}reference\s*#|you don't have permission to access|"
    r"enable js and disable any ad ?blocker|enable javascript and cookies to continue|"
    # F5 BIG-IP's application firewall: "The requested URL was rejected. Please
    # consult with your administrator. Your support ID is: 1234..."
    r"the requested url was rejected|your support id is",
    re.IGNORECASE | re.DOTALL)
_CONSENT_TITLE = re.compile(
    r"before you continue|bevor sie zu .{1,40} weitergehen|avant d.acc[ée]der|"
    r"antes de (?:ir|continuar)|sebelum melanjutkan", re.IGNORECASE)
_CONSENT_HOST = re.compile(r"^(?:consent|guce)\.|(?:^|\.)consent\.", re.IGNORECASE)
#: The heading of a consent platform's notice (Quantcast Choice, OneTrust,
#: Didomi): a short page that says it and little else is the notice alone.
_CONSENT_TEXT = re.compile(r"we (?:value|care about) your privacy", re.IGNORECASE)
#: A page refused to a country says little more: longer pages that say it
#: quote it (a press release, a help page).
GEO_BLOCK_WORDS = 60
#: A page refused to readers in this client's country or region (the GDPR
#: pages of US papers, licensing limits): in English, Spanish, French, German,
#: Chinese, Portuguese, Italian, Russian, Arabic and Japanese.
_GEO_BLOCK = LazyPattern(
    r"(?:not|n't|no longer|currently not|temporarily) (?:be )?(?:available|accessible|"
    r"offered)(?: to (?:users|visitors|readers))? (?:in|from) your (?:country|region|"
    r"location|area|territory|jurisdiction)|unavailable (?:in|from) (?:your|most) "
    r"(?:country|region|location|area|european)|(?:restricted|blocked) in your "
    r"(?:country|region|location)|unavailable due to legal reasons|"
    r"(?:unable|not able) to (?:show|display|serve|provide) (?:this|the|our) (?:page|content|"
    r"site|website|article)s? (?:in|to (?:users|visitors|readers) in) your (?:country|region)|"
    r"no (?:est[áa]|se encuentra) disponible en (?:tu|su) (?:pa[íi]s|regi[óo]n)|"
    r"n.est pas (?:disponible|accessible) (?:dans|depuis) votre (?:pays|r[ée]gion)|"
    r"in (?:ihrem|deinem) land(?: \w+){0,2} nicht (?:verf[üu]gbar|abrufbar)|"
    r"not (?:available|accessible) outside (?:the )?\w+|"
    r"(?:所在的?|您的)(?:地區|地区|國家|国家)(?:無法|无法|不支援|不支持|不提供)|"
    r"n[ãa]o (?:est[áa] )?dispon[íi]vel (?:no|em) seu (?:pa[íi]s|regi[ãa]o)|"  # pt
    r"non (?:è )?disponibile nel (?:tuo|suo|vostro) paese|"  # it
    r"недоступ(?:ен|на|но|ны) (?:в|для) (?:вашей стран[еы]|вашего региона|вашем регионе)|"  # ru
    r"غير (?:متاح|متوفر)(?:ة)? في (?:بلدك|منطقتك)|"  # ar
    r"お住まいの(?:国|地域)では(?:ご利用|ご覧|視聴|閲覧)|"  # ja
    # the notice US local papers showed readers in the European Economic Area (2018)
    r"access(?:ing)? (?:this website )?from a country (?:belonging to|in) the european "
    r"economic area|"
    r"tidak tersedia di (?:negara|wilayah) (?:anda|kamu)|"  # id, ms ("negara Anda")
    r"kh[ôo]ng (?:kh[ảa] d[ụu]ng|c[óo] s[ẵa]n) t[ạa]i (?:qu[ốo]c gia|khu v[ựu]c) "  # vi
    r"c[ủu]a b[ạa]n",
    re.IGNORECASE)


#: What a page says where its text stops for readers who do not pay.
_PAYWALL = LazyPattern(
    r"subscribe (?:now )?to (?:continue|keep) reading|to (?:continue|keep) reading,? "
    r"(?:please )?(?:subscribe|log ?in|sign ?in|become a (?:member|subscriber))|"
    r"already a (?:subscriber|member)\?|(?:this|the) (?:article|story|content) is "
    r"(?:only )?(?:available )?(?:exclusively )?(?:for|to) (?:paying )?(?:subscribers|members)|"
    r"subscribers? only|you(?:'ve| have) reached (?:your|the) (?:limit|maximum) of free "
    r"articles|free articles? (?:left|remaining) this month|"
    r"suscr[íi]bete para seguir leyendo|abonnez-vous pour lire la suite|"
    r"r[ée]serv[ée]e? aux abonn[ée]s|付費會員專屬|付费会员专属|訂閱後即可|订阅后即可|"
    r"jetzt (?:weiterlesen|abonnieren)|(?:exklusiv|nur) f[üu]r abonnenten|"
    r"assine para continuar lendo|exclusiv[oa] para assinantes|"  # pt
    r"abbonati per continuare a leggere|riservat[oa] agli abbonati|"  # it
    r"alleen voor abonnees|"  # nl
    r"(?:доступ(?:ен|на|но)? )?только (?:для )?подписчик(?:ам|ов)|"  # ru
    r"abonelere özel|"  # tr
    r"للمشتركين فقط|"  # ar
    r"有料会員限定|続きは有料会員|유료\s*회원\s*전용", re.IGNORECASE)  # ja, ko


def paywall(page: PageInfo) -> str | None:
    """What shows that *page* is behind a paywall: its JSON-LD
    (``isAccessibleForFree: false``) or paywall wording at the end of its text,
    or in a box named as a paywall, which the main text leaves out."""
    if page.paywalled:
        return "isAccessibleForFree: false"
    found = _PAYWALL.search(page.text[-1500:]) or _PAYWALL.search(page.walled)
    return found.group(0) if found else None


def bot_wall(fetch: FetchResult, final: Hop, page: PageInfo | None) -> tuple[str, str] | None:
    """(rule, evidence) when the answer is a challenge, captcha, geo-block,
    consent or login wall."""
    status = final.status or 0
    server = (final.header("server") or "").lower()
    if (final.header("cf-mitigated") or "").lower() == "challenge":
        return "challenge", f"HTTP {status} with a Cloudflare challenge (cf-mitigated: challenge)"
    title = (page.title or "") if page else ""
    challenge = _CHALLENGE_TITLE.search(title) if status in (403, 429, 503) else None
    if challenge is not None and challenge.group(0).lower().startswith("please wait") \
            and not _WAIT_CHECKED.search(f"{server}\n{title}\n{page.text[:3000] if page else ''}"):
        challenge = None
    if challenge is not None:
        return "challenge", _challenge_page(status, server, title)
    if any(name.lower().startswith("cf-chl") for name, _ in final.response_headers):
        return "challenge", f"HTTP {status} with a Cloudflare challenge (cf-chl headers)"
    waf = (final.header("x-amzn-waf-action") or "").strip().lower()
    if waf in ("challenge", "captcha"):  # AWS WAF: 202 (challenge) or 405 (captcha)
        return ("challenge" if waf == "challenge" else "captcha",
                f"HTTP {status} with an AWS WAF {waf} (x-amzn-waf-action: {waf})")
    if status >= 400 and (final.header("x-datadome") or final.header("x-px-captcha")):
        return "captcha", f"HTTP {status} from a bot-detection service (DataDome or PerimeterX)"
    if page is not None and not _looks_like_article(page):  # cheap test first
        head = f"{title}\n{page.h1 or ''}\n{page.text[:3000]}\n{page.noscript}"
        found = _CAPTCHA.search(head)
        if found and (_short_page(page) or _CAPTCHA.search(title)):
            return "captcha", f"HTTP {status} with a bot check ({found.group(0)[:40]!r})"
        geo = _GEO_BLOCK.search(head)
        if geo and _counts(page.text)[0] <= GEO_BLOCK_WORDS:
            return ("geo-block", f"HTTP {status} with a page refused to this client's country "
                                 f"or region ({geo.group(0)[:60]!r})")
        # a challenge some services answer with 200 as well: a short page that
        # says what it checks ("Just a moment..." / "Checking your browser");
        # not a "Please wait" (while the page sends the browser on, say)
        challenge = _CHALLENGE_TITLE.search(title)
        if challenge is not None and not challenge.group(0).lower().startswith("please wait") \
                and _short_page(page) and _WAIT_CHECKED.search(f"{title}\n{head}"):
            return "challenge", _challenge_page(status, server, title)
    redirected = len(fetch.hops) > 1 and not same_url(fetch.url, final.url)
    host = urlsplit(final.url).hostname or ""
    if (redirected and _CONSENT_HOST.search(host)) or (
            page is not None and _short_page(page) and (_CONSENT_TITLE.search(title) or (
                not _looks_like_article(page) and _CONSENT_TEXT.search(
                    f"{title}\n{page.h1 or ''}\n{page.text[:3000]}")))):
        return "consent-wall", f"HTTP {status} with a consent page at {final.url}"
    if redirected and is_login_url(final.url) and not is_login_url(fetch.url):
        return "login-wall", f"The cited URL redirects to a login page {final.url}"
    if page is not None and page.has_password_field and not _long_text(page.text) \
            and not _looks_like_article(page):
        return "login-wall", f"HTTP {status} with a page whose main content is a password form"
    return None


def _challenge_page(status: int, server: str, title: str) -> str:
    who = "a Cloudflare" if "cloudflare" in server else "an interstitial"
    return f"HTTP {status} with {who} challenge page titled {title!r}"
