"""Page signs: word counts behind the article, short-page and login rules."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from archiver import pagesigns
from archiver.models import PageInfo
from archiver.pagesigns import article_markers, is_parked, shown_article_markers

WORDS = " ".join(f"word{i}" for i in range(400))


def page(text: str, **kw: object) -> PageInfo:
    return PageInfo(kind="html", title="A page", text=text, **kw)  # type: ignore[arg-type]


def test_article_markers_count_words_of_each_text() -> None:
    long_page = page(WORDS, og_type="article")
    short_page = page(WORDS[:200], og_type="article")
    # asked in turn, each page is judged on its own text
    for _ in range(3):
        assert article_markers(long_page) == 2
        assert article_markers(short_page) == 1
    dated = dataclasses.replace(short_page, published=dt.date(2016, 5, 3))
    assert article_markers(dated) == 2


def test_equal_texts_in_different_objects_count_the_same() -> None:
    a = page("".join(["word "] * 200))
    b = page("".join(["word "] * 199) + "word ")
    assert a.text == b.text and a.text is not b.text
    assert article_markers(a) == article_markers(b) == 1


def test_words_are_counted_in_the_first_20000_characters_only() -> None:
    filler = "x" * 20_000
    assert article_markers(page(filler + " " + WORDS)) == 0
    assert article_markers(page(WORDS + " " + filler)) == 1


@given(st.integers(0, 4500), st.integers(0, 450), st.integers(0, 450), st.booleans())
@example(3250, 400, 0, False)  # 150 words before the cut, 401 in all
@example(2509, 400, 0, False)  # 299 words before it
@example(2504, 400, 0, False)  # 300 words before it
@example(3500, 0, 450, False)  # 100 words and characters before it, 451 in all
@example(0, 120, 400, False)  # 120 words, then 280 characters before it, 400 in all
def test_counting_a_beginning_first_gives_the_rules_the_same_answers(
        filler: int, words: int, chars: int, chars_first: bool) -> None:
    from archiver.similarity import token_counts

    # words long before and after the cut at 4,000 characters, CJK characters among them
    latin, cjk = "word " * words, "\u53f0" * chars
    text = "x" * filler + " " + (cjk + " " + latin if chars_first else latin + " " + cjk)
    counted, single = token_counts(text[:pagesigns._COUNTED_CHARS])
    pagesigns._COUNTED = ()  # nothing counted before
    shown = page(text)
    long_text = counted - single >= 150 or single >= 300
    assert pagesigns._has_article_text(shown) is (counted >= 150 and long_text)
    assert pagesigns._short_page(shown) is (counted < 300)
    assert pagesigns._long_text(text) is long_text


def test_cjk_text_counts_characters() -> None:
    assert article_markers(page("\u53f0\u7063" * 149)) == 0
    assert article_markers(page("\u53f0\u7063" * 150)) == 1


def test_a_date_that_is_only_the_urls_is_not_shown_on_the_page() -> None:
    dated = page(WORDS[:200], published=dt.date(2024, 3, 5))
    assert article_markers(dated) == 1
    assert shown_article_markers(dated, "https://x.example/2024/03/05/minister-resigns/") == 0
    assert shown_article_markers(dated, "https://x.example/20240305-minister-resigns") == 0
    assert shown_article_markers(dated, "https://x.example/2024/03/04/minister-resigns/") == 1
    assert shown_article_markers(dated, "https://x.example/politics/minister-resigns") == 1
    assert shown_article_markers(page(WORDS), "https://x.example/2024/03/05/x/") == 1


def test_parked_wording_is_read_only_on_short_pages() -> None:
    parked = "This domain is for sale. Buy this domain today."
    assert is_parked(page(parked), "http://127.0.0.1:8080/") == "'domain is for sale'"
    assert is_parked(page(parked + " " + WORDS), "http://127.0.0.1:8080/") == ""


_PHRASE_LIST = [
    "Not Found", "no longer available", "doesn't exist", "can't be found", "page is missing",
    "pagina no encontrada", "no se encontro", "no se encuentra", "page introuvable",
    "page non trouvee", "erreur 404", "n'existe pas", "seite nicht gefunden", "fehler 404",
    "existiert nicht", "halaman tidak tersedia", "tidak ditemukan", "4 0 4", "4\t0\x1c4", "40 4",
    "pagina nao encontrada", "nao foi encontrado", "pagina non trovata", "non trovata",
    "niet gevonden", "nie znaleziono", "sayfa bulunamadi", "nenalezena", "nu a fost gasita",
    "tidak dijumpai",
    "can't find", "unable to seem to find", "isn't available", "not currently available",
    "unavailable", "article has been removed", "story was deleted", "video taken down",
    "page unpublished", "link has expired", "something went wrong", "something has gone wrong",
    "error occured", "error has occurred", "no disponible", "no esta disponible",
    "n'est plus disponible", "indisponible", "nicht mehr verfügbar", "tidak tersedia",
    "domain is for sale", "buy this domain", "parked by", "domain parking", "GoDaddy", "sedo",
    "this webpage is parked", "Oops", " ", "\n", "|", "x", "4", "0", "ENC", "park",
]
_PHRASES = st.sampled_from(_PHRASE_LIST)


@pytest.mark.parametrize("text", _PHRASE_LIST)
def test_each_phrase_alone_passes_the_shortcuts(text: str) -> None:
    # the pre-filter must let every phrase through on its own, not only beside
    # another phrase that holds a hint
    for variant in (text, text.swapcase()):
        assert pagesigns._error_phrase_in(variant) is bool(pagesigns._ERROR_PHRASES.search(variant))


@given(st.lists(_PHRASES, max_size=8).map("".join), st.booleans())
def test_phrase_shortcuts_agree_with_the_expressions(text: str, swap: bool) -> None:
    text = text.swapcase() if swap else text
    assert pagesigns._error_phrase_in(text) is bool(pagesigns._ERROR_PHRASES.search(text))
    found, want = pagesigns._parked_phrase(text), pagesigns._PARKED_PHRASES.search(text)
    assert (found and found.group(0)) == (want and want.group(0))
