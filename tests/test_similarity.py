"""Text and headline similarity: robust to small edits, low for replaced text."""

from __future__ import annotations

import time

from hypothesis import given
from hypothesis import strategies as st

from archiver.similarity import (
    HEADLINE_CHARS,
    MAX_CHARS,
    headline_similarity,
    normalize_headline,
    strip_volatile,
    text_similarity,
    token_counts,
    tokens,
)

ARTICLE = """\
Taiwan on Tuesday condemned Malaysia for deporting 32 Taiwanese nationals to mainland China,
saying the move ignored repeated requests from Taipei that the suspects be returned home.
The group had been detained in raids on suspected telecommunications fraud centres in
Kuala Lumpur last month, together with dozens of people from the mainland. Officials at the
Ministry of Foreign Affairs said they had asked Malaysian authorities to let Taiwanese
investigators interview the suspects, but received no reply before the flight left.
A spokesman described the deportation as a serious violation of an agreement on judicial
cooperation that the two sides of the strait signed in 2009. Under that agreement, he said,
each side is expected to return its own nationals when a case involves victims on both sides.
Beijing said the suspects had defrauded victims in mainland China and would be tried there.
Lawyers and rights groups in Taipei warned that courts on the mainland do not meet basic
standards of fair trial, and that the suspects may face long detention without access to
counsel of their choice. Relatives gathered outside the ministry to ask for information about
where their family members were being held. The case follows a similar deportation from Kenya
in April, when police in Nairobi put more than forty Taiwanese on a plane to Beijing despite a
court order. Analysts said the two cases show growing pressure on third countries to treat
Taiwanese suspects as Chinese citizens, a position Taipei rejects. The ministry said it would
keep raising the matter with governments in the region and would seek the cooperation of
international organisations to protect the rights of its citizens abroad.
"""

OTHER_ARTICLE = """\
Heavy rain flooded large parts of the northern coast over the weekend, closing schools and
cutting power to thousands of homes. Emergency services evacuated residents from low-lying
villages as rivers burst their banks, and the weather bureau warned that more storms were
expected before the end of the week. Farmers said the floods had destroyed much of the rice
harvest, and local officials asked the national government for emergency funds to repair
roads and bridges. Volunteers distributed food and drinking water at temporary shelters set up
in school halls and temples. Meteorologists said the season had been unusually wet, with
rainfall in some districts three times the average for the month. The transport ministry said
railway services would resume once engineers had inspected the tracks, and asked travellers to
check timetables before setting out. Insurance companies opened hotlines for claims.
"""


def test_identical_and_empty_texts() -> None:
    assert text_similarity(ARTICLE, ARTICLE) == 1.0
    assert text_similarity("", "") == 1.0
    assert text_similarity("", ARTICLE) == 0.0
    assert text_similarity("  ...  ", ARTICLE) == 0.0


def test_whitespace_and_case_do_not_matter() -> None:
    reflowed = " ".join(ARTICLE.split()).upper()
    assert text_similarity(ARTICLE, reflowed) == 1.0


def test_typo_fix_stays_high() -> None:
    fixed = ARTICLE.replace("condemned", "condemmned")
    assert 0.95 < text_similarity(ARTICLE, fixed) < 1.0


def test_added_updated_line_stays_high() -> None:
    updated = "Updated: 3 May 2016 14:02 GMT\n" + ARTICLE
    assert text_similarity(ARTICLE, updated) > 0.95
    assert text_similarity(strip_volatile(ARTICLE), strip_volatile(updated)) == 1.0


def test_leaked_sidebar_stays_above_drift_threshold() -> None:
    sidebar = ("Most read: Markets rally as tech stocks rebound. Celebrity chef opens third "
               "restaurant in the capital. Ten tips for a cheaper summer holiday abroad. "
               "Newsletter: sign up to receive our morning briefing in your inbox every day. ")
    assert text_similarity(ARTICLE, ARTICLE + sidebar) > 0.8


def test_replaced_text_is_low() -> None:
    assert text_similarity(ARTICLE, OTHER_ARTICLE) < 0.1


def test_same_topic_different_article_is_low() -> None:
    rewrite = (
        "Malaysia has sent 32 people from Taiwan to China, officials in Taipei said, in a "
        "case that has angered the government of the island. The suspects were arrested in "
        "Kuala Lumpur during an investigation into phone scams targeting people in China. "
        "Taiwan's foreign ministry said it had not been consulted and called on Malaysia to "
        "respect the rights of its citizens, while Chinese officials defended the transfer."
    )
    assert text_similarity(ARTICLE, rewrite) < 0.2


def test_short_texts_compare_words() -> None:
    a = "The page you requested could not be found on this server."
    b = "The page you requested could not be found on this website."
    assert 0.8 < text_similarity(a, b) < 1.0
    assert text_similarity(a, "Welcome to our online shop") < 0.2


def test_cjk_text_uses_character_bigrams() -> None:
    zh = ("外交部今天表示，馬來西亞政府不顧我方多次交涉，將三十二名台灣籍詐騙嫌犯遣送中國大陸，"
          "政府對此表達強烈不滿與抗議。外交部指出，我方已要求馬方讓台灣檢警人員前往訊問嫌犯，"
          "但在班機起飛前都沒有得到回應。發言人說，這項作法嚴重違反兩岸共同打擊犯罪協議的精神。")
    edited = zh.replace("強烈不滿", "嚴正不滿")
    other = ("中央氣象署今天發布豪雨特報，北部沿海地區週末降下大雨，多所學校停課，"
             "數千戶停電。消防人員協助低窪地區居民撤離，河川水位暴漲，農民表示稻作損失慘重，"
             "地方政府已向中央申請緊急經費修復道路與橋梁，志工在臨時收容所發放食物與飲用水。")
    assert tokens(zh)[:3] == ["外", "交", "部"]
    assert text_similarity(zh, edited) > 0.9
    assert text_similarity(zh, other) < 0.2


def test_huge_texts_are_compared_on_their_first_characters() -> None:
    """Two huge texts are compared on their first MAX_CHARS characters: what
    comes after, however different, is not read."""
    huge = ARTICLE * 300  # ~ 500k characters
    head = huge[:MAX_CHARS]
    assert text_similarity(huge, head + OTHER_ARTICLE * 300) == 1.0
    assert text_similarity(huge, head[:-2000] + OTHER_ARTICLE * 300) < 1.0


def test_headline_ignores_case_quotes_dashes_and_spaces() -> None:
    a = "Taiwan Slams Malaysia's 'Kowtow' to China on Deportations"
    b = "Taiwan slams Malaysia\u2019s \u2018kowtow\u2019  to China \u2014 on deportations"
    assert normalize_headline(a) == normalize_headline(b)
    assert headline_similarity(a, b) == 1.0


def test_headline_typo_stays_high_and_rewrite_is_low() -> None:
    a = "Cambodia to deport Taiwan telecoms fraud suspects to China"
    assert headline_similarity(a, "Cambodia to deport Taiwan telecom fraud suspects to China") > 0.9
    assert headline_similarity(a, "Mobile phone sales slow in the second quarter") < 0.4
    assert headline_similarity(a, "") == 0.0


def test_headline_cjk() -> None:
    a = "馬來西亞遣送32名台灣人至中國 外交部抗議"
    assert headline_similarity(a, "馬來西亞遣送32名台灣人至中國　外交部強烈抗議") > 0.8
    assert headline_similarity(a, "北部豪雨成災 數千戶停電") < 0.3


def test_strip_volatile_removes_widgets_and_keeps_prose() -> None:
    text = "\n".join([
        "Updated: 3 May 2016, 10:02 GMT",
        "5 minutes ago",
        "1,234 views",
        "4 min read",
        "Last updated 2 hours ago",
        "最後更新：2016-05-03 10:02",
        "Taiwan condemned the deportation on Tuesday.",
        "The ministry said the list was updated after the flight left, 2 hours ago by its count.",
    ])
    assert strip_volatile(text).splitlines() == [
        "Taiwan condemned the deportation on Tuesday.",
        "The ministry said the list was updated after the flight left, by its count.",
    ]


@given(st.text(max_size=300), st.text(max_size=300))
def test_text_similarity_is_a_symmetric_score(a: str, b: str) -> None:
    score = text_similarity(a, b)
    assert 0.0 <= score <= 1.0
    assert score == text_similarity(b, a)
    assert text_similarity(a, a) == 1.0


@given(st.text(max_size=80), st.text(max_size=80))
def test_headline_similarity_is_bounded(a: str, b: str) -> None:
    score = headline_similarity(a, b)
    assert 0.0 <= score <= 1.0
    assert headline_similarity(a, a) == 1.0


_TEXT_PIECES = st.sampled_from([
    "a", "Z", "9", " ", "\n", "\t", ".", ",", "'", "_", "\u2019", "-", "\u00b7", "\u00e9",
    "\u00df", "\u53f0", "\u7063", "\u00a0", "\u3000", "\x1c", "\x00", "\x7f", "word",
])


@given(st.one_of(st.text(max_size=200), st.lists(_TEXT_PIECES, max_size=80).map("".join)))
def test_token_counts_are_the_lengths_tokens_gives(text: str) -> None:
    toks = tokens(text)
    single = sum(1 for t in toks if len(t) == 1 and not t.isascii())
    assert token_counts(text) == (len(toks), single)


def test_token_counts_of_an_article() -> None:
    assert token_counts(ARTICLE) == (len(tokens(ARTICLE)), 0)
    assert token_counts("Taiwan's  'kowtow' -- 2016!") == (4, 0)
    assert token_counts("\u53f0\u7063 Malaysia\u2019s \u00e9") == (5, 3)


def test_headlines_are_compared_on_their_first_characters() -> None:
    """Two long headlines (a PDF's title can be anything) are compared in
    bounded time: their first HEADLINE_CHARS characters, once normalised."""
    start = time.process_time()
    assert headline_similarity("ab" * 20_000, "ba" * 20_000 + "c") < 1.0
    assert headline_similarity("x" * 40_000, "y" + "x" * 40_000) > 0.9
    assert time.process_time() - start < 1
    same_start = "Court frees activists " * 40  # 880 characters
    assert headline_similarity(same_start + "today", same_start + "on Monday") == 1.0
    short = "Court frees activists"
    assert headline_similarity(short + " today", short + " on Monday") < 1.0
    assert len(normalize_headline(same_start)) > HEADLINE_CHARS
