"""Full-text search for Chinese: every substring of two or more characters is found, exactly."""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive import fts
from archive.schema import FTS_DDL, PAIRS_DDL


@pytest.fixture
def index():
    conn = sqlite3.connect(":memory:")
    conn.execute(FTS_DDL)
    conn.execute(PAIRS_DDL)
    yield conn
    conn.close()


def add(conn, rowid: int, text: str, title: str = "") -> None:
    fts.add(conn, rowid, title, "", text)  # both indexes: the plain (trigram) one and the pairs


def found(conn, query: str) -> set[int]:
    return {r for (r,) in conn.execute("SELECT rowid FROM reports_fts_pairs WHERE reports_fts_pairs MATCH ?",
                                       [fts.match_expression(query)])}


TEXTS = {
    1: "2023年度政府信息公开工作年度报告。本机关收到行政复议申请3件,结果纠正1件。",
    2: "关于报送年报的通知:各单位须在1月31日前公开年报。",
    3: "本年报告期内,未发生行政诉讼案件。",
    4: "政府信息公开申请办理情况:予以公开１２件,部分公开0件。ABC 项目",
}


@pytest.fixture
def corpus(index):
    for rowid, text in TEXTS.items():
        add(index, rowid, text)
    return index


def test_the_default_tokenizer_would_find_nothing(index):
    # Why the pairs exist: unicode61 keeps a run of Han characters as one token.
    index.execute("CREATE VIRTUAL TABLE plain USING fts5(text)")
    index.execute("INSERT INTO plain(text) VALUES (?)", [TEXTS[2]])
    assert index.execute("SELECT count(*) FROM plain WHERE plain MATCH '年报'").fetchone()[0] == 0


def test_a_two_character_word_is_found(corpus):
    assert found(corpus, "年报") == {2, 3}  # 3 holds 本年报告: the characters are adjacent there too


def test_a_two_character_word_inside_a_longer_word_is_found(corpus):
    # jieba indexes 行政复议 and 结果纠正 as single words; a search for 复议 or 纠正 must still find them.
    assert found(corpus, "复议") == {1}
    assert found(corpus, "纠正") == {1}
    assert found(corpus, "诉讼") == {3}


def test_longer_words_match_only_where_their_characters_are_adjacent(corpus):
    assert found(corpus, "信息公开") == {1, 4}
    assert found(corpus, "公开信息") == set()
    assert found(corpus, "年度报告") == {1}


def test_a_single_character_is_found_wherever_it_occurs(corpus):
    assert found(corpus, "诉") == {3}
    assert found(corpus, "件") == {1, 3, 4}  # at the end of a run (件,) as well as inside one


def test_mixed_scripts_full_width_digits_and_punctuation(corpus):
    assert found(corpus, "2023年度") == {1}
    assert found(corpus, "公开12件") == {4}  # the text prints １２ in full width
    assert found(corpus, "ABC") == {4}
    assert found(corpus, "abc项目") == {4}
    assert found(corpus, "1月31日") == {2}
    assert found(corpus, "申请3件") == {1}


def test_operators_and_several_terms(corpus):
    assert found(corpus, "公开 复议") == {1}
    assert found(corpus, "复议 OR 诉讼") == {1, 3}
    assert found(corpus, "公开 NOT 复议") == {2, 4}
    assert found(corpus, '"年报 的"') == set()


def test_queries_that_would_be_fts5_syntax_errors_are_harmless(corpus):
    for query in ['"', "OR", "AND 年报", "年报 NOT", "*", "(", "a:b", "", "   ", "NEAR(", "报告-", "'"]:
        found(corpus, query)  # must not raise


def test_deleting_an_entry_needs_its_exact_text_and_works(corpus):
    fts.remove(corpus, 2, "", "", TEXTS[2])
    assert found(corpus, "年报") == {3}


# Property: for any text over a small alphabet (so substrings repeat), a query for any substring
# of two or more characters finds exactly the rows that contain it.
ALPHABET = "年报告公开信息政府复议诉讼。, 12a"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    texts=st.lists(st.text(alphabet=ALPHABET, min_size=1, max_size=40), min_size=1, max_size=6),
    picks=st.lists(st.tuples(st.integers(0, 5), st.integers(0, 39), st.integers(2, 6)), min_size=1, max_size=8),
)
def test_substring_queries_find_exactly_the_rows_containing_them(texts, picks):
    conn = sqlite3.connect(":memory:")
    conn.execute(FTS_DDL)
    conn.execute(PAIRS_DDL)
    for rowid, text in enumerate(texts, start=1):
        add(conn, rowid, text)
    for which, start, length in picks:
        text = texts[which % len(texts)]
        query = text[start % len(text) :][:length].strip()
        if len(query) < 2 or not all(fts.HAN_RUN.fullmatch(ch) for ch in query):
            continue  # the exactness property is about Chinese; other scripts follow unicode61's words
        expected = {rowid for rowid, t in enumerate(texts, start=1) if query in t}
        assert found(conn, query) == expected, query
    conn.close()


def test_search_ranks_title_hits_and_returns_a_snippet(tmp_path):
    from archive import Archive, ArchiveWriter, Fetch
    from archive_fixtures import report_page

    path = tmp_path / "a.db"
    with ArchiveWriter(path, parser="archive_fixtures", parse_workers=0) as writer:
        for i, (title, text) in enumerate(
            [("某镇2023年年报", "正文没有那个词。"), ("某局报告", "这里提到年报一次。")]
            + [(f"无关{n}", "无关的内容。") for n in range(4)]
        ):
            url = f"https://www.ypzf.gov.cn/r{i}.html"
            writer.submit_fetch(
                Fetch(portal="yanping", url=url, status=200, final_url=url, headers={}, body=report_page(title=title, text=text))
            ).result()
    with Archive(path) as archive:
        hits = archive.search("年报")
        assert [h["title"] for h in hits] == ["某镇2023年年报", "某局报告"]  # a title hit weighs more
        assert "[年报]" in hits[1]["snippet"]
        # A word most reports contain scores alike everywhere (bm25's IDF is clamped): newest first.
        assert [h["title"] for h in archive.search("内容")] == ["无关3", "无关2", "无关1", "无关0"]


def test_a_plain_query_of_three_characters_or_more_needs_no_rewriting(corpus):
    # What sqlite3, R and Datasette's search box send: the word itself, no pairs spelled out.
    plain = lambda q: {r for (r,) in corpus.execute("SELECT rowid FROM reports_fts WHERE reports_fts MATCH ?", [q])}  # noqa: E731
    for word in ("行政复议", "信息公开", "年度报告", "公开12件", "结果纠正"):
        assert plain(word) == found(corpus, word) == {r for r, t in TEXTS.items() if word in fts.normalize(t)}, word
    assert plain("复议") == set()  # the trigram index cannot answer two characters: the pairs do
    assert found(corpus, "复议") == {1}
