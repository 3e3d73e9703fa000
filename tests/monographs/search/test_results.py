import pytest

from monographs.models import SearchDocument
from tests.monographs.search.searchpage import (
    SNIPPET,
    hit_names,
    published,
    queries_per_search,
    search,
)


@pytest.mark.django_db
class SnippetTests:
    def test_matching_words_are_highlighted(self, client, vitamins):
        """The passage shown under a result marks the words that matched."""
        [snippet] = SNIPPET.findall(search(client, "pernicious").content.decode())
        assert "Treats <mark>pernicious</mark> anemia" in snippet

    def test_snippet_text_is_escaped(self, client, contributor, reviewer):
        """Markup-like text in a monograph is shown as text, never as HTML."""
        published(
            "Escapamine",
            contributor=contributor,
            reviewer=reviewer,
            body="Check `5 < 10 && x > 2`, type `<script>alert(1)</script>`, then the wizardry.",
        )
        html = search(client, "wizardry").content.decode()
        [snippet] = SNIPPET.findall(html)
        assert "5 &lt; 10 &amp;&amp; x &gt; 2" in snippet
        assert "<mark>wizardry</mark>" in snippet
        assert "<script" not in snippet
        assert "<script>alert" not in html

    def test_highlight_markers_in_content_cannot_forge_marks(self, client, contributor, reviewer):
        """Only search places <mark>: the private markers are removed from indexed text."""
        published(
            "Markamine",
            contributor=contributor,
            reviewer=reviewer,
            body="Odd \ue000text\ue001 near the zeppelin.",
        )
        [snippet] = SNIPPET.findall(search(client, "zeppelin").content.decode())
        assert snippet.count("<mark>") == 1


@pytest.mark.django_db
class PaginationTests:
    @pytest.fixture
    def many(self, contributor, reviewer):
        return [
            published(
                f"Pagamine {number:02}",
                contributor=contributor,
                reviewer=reviewer,
                body="Helps with insomnia.",
            )
            for number in range(12)
        ]

    def test_results_come_a_page_at_a_time_with_a_count(self, client, many):
        """Twelve matches show as ten and two, with a count line and next/previous links."""
        first = search(client, "insomnia")
        html = first.content.decode()
        assert "12 monographs match “insomnia”" in html
        assert "Page 1 of 2" in html
        assert len(hit_names(first)) == 10
        assert 'href="?q=insomnia&amp;page=2" rel="next"' in html

        second = search(client, "insomnia", page=2)
        assert len(hit_names(second)) == 2
        assert set(hit_names(first)) | set(hit_names(second)) == {drug.name for drug in many}
        assert 'href="?q=insomnia&amp;page=1" rel="prev"' in second.content.decode()

    @pytest.mark.parametrize("page", ["abc", "-1", "0", "999", "1e9", "1" * 500])
    def test_odd_page_numbers_fall_back_to_a_real_page(self, client, many, page):
        """A bad page number shows the first or last page instead of an error."""
        assert len(hit_names(search(client, "insomnia", page=page))) in {10, 2}

    def test_too_many_matches_are_capped_with_name_matches_first(
        self, client, many, contributor, reviewer, monkeypatch
    ):
        """Past the cap, the count says "more than", and name matches are still shown first."""
        published("Insomnia Relief", contributor=contributor, reviewer=reviewer, body="Sleep.")
        monkeypatch.setattr("monographs.search.results.MAX_RESULTS", 5)
        monkeypatch.setattr("monographs.public.search.MAX_RESULTS", 5)
        response = search(client, "insomnia")
        html = response.content.decode()
        assert "More than 5 monographs match “insomnia”" in html
        names = hit_names(response)
        assert names[0] == "Insomnia Relief"
        assert len(names) == 5


@pytest.mark.django_db
class SearchQueryCountTests:
    def test_search_costs_the_same_queries_with_10_or_200_drugs(
        self, client, contributor, reviewer, django_assert_num_queries
    ):
        """A results page costs a constant number of queries, however many drugs match."""
        for drugs in (10, 200):
            for number in range(SearchDocument.objects.count(), drugs):
                published(
                    f"Countamine {number}", contributor=contributor, reviewer=reviewer, body="Dose."
                )
            with django_assert_num_queries(queries_per_search()):
                response = search(client, "dose")
            assert len(hit_names(response)) == 10
            assert f"{drugs} monographs match" in response.content.decode()

    def test_empty_query_costs_no_queries(self, client, django_assert_num_queries):
        """The bare search page asks the database nothing."""
        with django_assert_num_queries(0):
            search(client, "")
