import pytest

from reviews.services import drug_unpublish
from tests.monographs.search.searchpage import hit_names, published, queries_per_search, search


@pytest.mark.django_db
class CachedResultsTests:
    def test_same_query_in_another_spelling_is_answered_without_queries(
        self, client, vitamins, django_assert_num_queries
    ):
        """Once "anaemia" was searched, "Anemia" and "anaemia" again cost no query."""
        with django_assert_num_queries(queries_per_search()):
            first = search(client, "anaemia")
        with django_assert_num_queries(0):
            again = search(client, "Anemia")
        assert hit_names(again) == hit_names(first) == ["Cyanocobalamin"]

    def test_publishing_retires_cached_results(
        self, client, contributor, reviewer, editor, vitamins, django_capture_on_commit_callbacks
    ):
        """A drug published after a search is found by the same search at once."""
        assert hit_names(search(client, "pernicious")) == ["Cyanocobalamin"]
        published("Perniciamine", contributor=contributor, reviewer=reviewer, body="Pernicious.")
        assert set(hit_names(search(client, "pernicious"))) == {"Cyanocobalamin", "Perniciamine"}

        with django_capture_on_commit_callbacks(execute=True):
            drug_unpublish(drug=vitamins[0], by=editor)
        assert hit_names(search(client, "pernicious")) == ["Perniciamine"]
