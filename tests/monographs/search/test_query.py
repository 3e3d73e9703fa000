import pytest

from monographs.search.query import MAX_QUERY_CHARS, parse_query
from tests.monographs.search.searchpage import search

ODD_QUERIES = {
    "empty": ("", "Type a drug name"),
    "spaces": ("   \t  ", "Type a drug name"),
    "lone quote": ('"', "has no words to search for"),
    "unbalanced quote": ('"pernicious anemia', "monograph matches"),
    "many quotes": ('""""pernicious"""', "monograph matches"),
    "operators": ("&|!():*", "has no words to search for"),
    "tsquery syntax": ("pernicious & !anemia | (x:*)", "monograph"),
    "fts5 syntax": ("pernicious NEAR(anemia) NOT col:x ^y", "monograph"),
    "script": ("<script>alert(1)</script>", "No published monograph matches"),
    "sql": ("'; DROP TABLE monographs_drug; --", "No published monograph matches"),
    "only exclusions": ("-pernicious -anemia", "has no words to search for"),
    "only stop words": ("the and of", "only very common words"),
    "unicode": ("Ünïcödé ßtraße café", "No published monograph matches"),
    "emoji": ("💊🧪", "has no words to search for"),
    "nul byte": ("perni\x00cious", "No published monograph matches"),
    "control characters": ("\x01\x02\x1b\x7f", "Type a drug name"),
    "private markers": ("\ue000pernicious\ue001", "1 monograph matches"),
    "backslashes and percent": ("\\% _ \\\\", "has no words to search for"),
    "very long word": ("a" * 5_000, "was too long"),
    "100,000 characters": ("pernicious " * 9_091, "was too long"),
}


@pytest.mark.django_db
class OddQueryTests:
    @pytest.mark.parametrize(("query", "message"), ODD_QUERIES.values(), ids=ODD_QUERIES.keys())
    def test_odd_query_gets_a_page_with_a_clear_message(self, client, vitamins, query, message):
        """Whatever is typed, the reader gets a results page with a message, never an error."""
        html = search(client, query).content.decode()
        assert message in html
        assert "<script>alert" not in html

    def test_query_is_echoed_escaped_in_the_box_and_the_message(self, client, vitamins):
        """The query is shown back as text in the labelled search box and the count line."""
        html = search(client, '"><img src=x onerror=alert(1)> pernicious').content.decode()
        assert "<img" not in html
        assert 'value="&quot;&gt;&lt;img src=x onerror=alert(1)&gt; pernicious"' in html
        assert '<label for="search-q">' in html

    def test_long_query_is_cut_before_it_is_searched(self):
        """Only the first characters of a huge query are kept, and the cut is reported."""
        query = parse_query("x" * 100_000)
        assert query.truncated
        assert len(query.text) <= MAX_QUERY_CHARS
        assert sum(map(len, query.words)) <= MAX_QUERY_CHARS
