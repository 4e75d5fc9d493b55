"""The one normaliser behind index and query, query building and highlighting (no database)."""
from __future__ import annotations

import pytest

from eventapp.archive.search import (
    _FOLD,
    _FOLD_PLAIN,
    Term,
    fold,
    fts5_match,
    highlight,
    index_text,
    parse_query,
    snippet,
    tsquery_literal,
    tsvector_literal,
)


@pytest.mark.parametrize(("text", "folded"), [
    ("Wirtschaftsförderung", "wirtschaftsfoerderung"),
    ("KÖLN Straße", "koeln strasse"),
    ("Düren, Nürnberg", "dueren, nuernberg"),
    ("Café", "cafe"),
    ("佛山市", "佛山市"),
])
def test_fold(text, folded):
    assert fold(text) == folded


def test_index_text_keeps_umlaut_spellings_and_han_bigrams():
    assert index_text(["Köln", "在佛山市"]) == "koeln koln 在佛 佛山 山市 市"


def test_tsvector_literal_positions_and_weights():
    assert tsvector_literal([("A", ["Köln"]), ("B", ["佛山市"])]) == (
        "'koeln':1A 'koln':1A '佛山':3B '山市':4B '市':5B"
    )


@pytest.mark.parametrize(("raw", "terms"), [
    ("Wirtschaftsfoerderung", [Term("wirtschaftsfoerderung", True)]),
    ("Wirtschaftsförderung", [Term("wirtschaftsfoerderung", True)]),
    ("佛山", [Term("佛山")]),
    ("佛山和贵阳", [Term("佛山"), Term("贵阳")]),
    ("佛", [Term("佛", True)]),
    ("EU 2021", [Term("eu"), Term("2021", True)]),
    ('"((*', []),
    ("OR AND", [Term("or"), Term("and", True)]),
    ("Foshan foshan FOSHAN", [Term("foshan", True)]),
    ("research and development", [Term("research", True), Term("development", True)]),
    ("Forschung und Entwicklung", [Term("forschung", True), Term("entwicklung", True)]),
    ("Förderung für Städte", [Term("foerderung", True), Term("staedte", True)]),
    ("the IT of WHO", [Term("it"), Term("who", True)]),
    ("und", [Term("und", True)]),
    ("an der", [Term("an"), Term("der", True)]),
])
def test_parse_query(raw, terms):
    assert parse_query(raw).terms == terms


def test_parse_query_limits_terms():
    assert len(parse_query(" ".join(f"word{number}" for number in range(40))).terms) == 12


def test_match_expressions_quote_every_token():
    query = parse_query('Foshan 佛山市 "x" OR NEAR(')

    assert fts5_match(query) == '"foshan"* AND "佛山 山市" AND "x" AND "near"*'
    assert tsquery_literal(query) == "'foshan':* & ('佛山' <-> '山市') & 'x' & 'near':*"
    # Operators that are glue words too are searched when they are all there is, quoted.
    assert fts5_match(parse_query("OR AND")) == '"or" AND "and"*'
    assert tsquery_literal(parse_query("OR AND")) == "'or' & 'and':*"


def test_highlight_marks_whole_words_and_escapes():
    terms = parse_query("wirtschaftsforderung <b> 佛山").terms

    assert str(highlight("<b>Die Wirtschaftsförderungen</b> & 佛山市", terms)) == (
        "&lt;<mark>b</mark>&gt;Die <mark>Wirtschaftsförderungen</mark>&lt;/<mark>b</mark>&gt; &amp; <mark>佛山</mark>市"
    )


def test_highlight_maps_folded_positions_back():
    terms = parse_query("strasse koeln").terms

    assert str(highlight("Über die Straße nach KÖLN.", terms)) == (
        "Über die <mark>Straße</mark> nach <mark>KÖLN</mark>."
    )


def test_highlight_maps_positions_back_whatever_was_folded_before():
    # Folding is kept per character between calls: characters that grow (ß, ö, ﬁ) or vanish
    # (a combining mark) seen in one text must not shift the marks of another.
    highlight("Ein Café mit Öfen, ﬁnal und Maß.", parse_query("cafe").terms)
    terms = parse_query("koln grosse").terms

    assert str(highlight("Eine große Reise: ﬁx nach Köln, dann Kö\u0301ln.", terms)) == (
        "Eine <mark>große</mark> Reise: ﬁx nach <mark>Köln</mark>, dann <mark>Kö\u0301ln</mark>."
    )
    assert str(highlight("Große & <kleine> Köln-Reise", terms)) == (
        "<mark>Große</mark> &amp; &lt;kleine&gt; <mark>Köln</mark>-Reise"
    )


def test_snippet_is_a_window_around_the_first_match():
    text = " ".join(["Wort"] * 100) + " Guiyang " + " ".join(["Ende"] * 100)

    passage = str(snippet(text, parse_query("guiyang").terms))

    assert passage.startswith("… Wort")
    assert passage.endswith("Ende …")
    assert passage.count("<mark>Guiyang</mark>") == 1
    assert len(passage) < 300


def test_snippet_does_not_cut_a_long_first_word():
    text = ("Wirtschaftsförderungen und Beiräte aus Mainz und Ludwigshafen sprachen über "
            "Wasserstofftechnik. Mehrere gemeinsame Projekte wurden verabredet.")

    passage = str(snippet(text, parse_query("Wasserstoff").terms))

    assert passage.startswith("Wirtschaftsförderungen und Beiräte")


def test_snippet_without_match_is_none():
    assert snippet("Nichts zu finden", parse_query("Foshan").terms) is None


@pytest.mark.parametrize("text", [
    "", "Wirtschaftsförderung", "ECONOMIC Development", "Straße ẞ ÄÖÜ äöü", "İstanbul İİ",
    "ﬁnance ﬃ", "Σίσυφος ς", "e\u0301cole", "ＡＢＣ　１２３，", "中德工业城市联盟 ISA 2019年",
    "Foshan – 佛山 · Guiyang 贵阳", "Crème brûlée – Ǆ ǅ", "\U0001F600 Emoji",
])
def test_fold_text_is_translating_with_the_table(text):
    for table in (_FOLD, _FOLD_PLAIN):
        assert table.fold_text(text) == text.translate(table)


def test_glue_words_of_a_query_are_not_marked():
    text = "Forschung und Entwicklung in Foshan und andere Projekte der Region."

    passage = str(highlight(text, parse_query("Forschung und Entwicklung").terms))

    assert passage == ("<mark>Forschung</mark> und <mark>Entwicklung</mark> in Foshan und andere "
                       "Projekte der Region.")
    assert "<mark>and" not in str(highlight(text, parse_query("research and Foshan").terms))
