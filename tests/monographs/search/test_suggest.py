import pytest
from django.urls import reverse

from monographs.public import search as search_views
from tests.factories import monograph
from tests.monographs.search.searchpage import published


def suggest(client, prefix, **headers):
    return client.get(reverse("monographs:search_suggest"), {"q": prefix}, headers=headers)


def suggested(client, prefix) -> list[tuple[str, str | None]]:
    response = suggest(client, prefix)
    assert response.status_code == 200
    return [(item["name"], item["matched"]) for item in response.json()["suggestions"]]


@pytest.mark.django_db
class SuggestionTests:
    def test_name_prefix_suggests_the_drug_with_its_address(self, client, vitamins):
        """Typing "cyano" offers Cyanocobalamin, with a link to its monograph, as JSON."""
        response = suggest(client, "cyano")
        assert response["Content-Type"] == "application/json"
        url = "/drugs/cyanocobalamin/"
        cyanocobalamin = {"name": "Cyanocobalamin", "matched": None, "url": url}
        assert response.json() == {"suggestions": [cyanocobalamin]}

    def test_names_come_before_other_names_and_later_words(self, client, vitamins):
        """ "methyl" offers both Methylcobalamin drugs; "pira" finds a later word of a name."""
        assert suggested(client, "methyl") == [
            ("Methylcobalamin", None),
            ("Methylcobalamin + Piracetam", None),
        ]
        assert suggested(client, "pira") == [("Methylcobalamin + Piracetam", None)]

    @pytest.mark.parametrize("prefix", ["vitamin b", "Vit B-1", "b12", "vit b 12"])
    def test_brand_names_and_synonyms_in_any_spelling(self, client, vitamins, prefix):
        """Cyanocobalamin's other name Vitamin B12 is offered however the reader writes it."""
        assert suggested(client, prefix) == [("Cyanocobalamin", "Vitamin B12")]

    def test_too_short_or_unknown_prefix_suggests_nothing(self, client, vitamins):
        """One letter, or letters no name starts with, get an empty list."""
        assert suggested(client, "c") == []
        assert suggested(client, "zzq") == []
        assert suggested(client, "") == []

    def test_drafts_are_never_suggested(self, client, vitamins):
        """A drug that was never approved is not offered."""
        monograph(name="Cyanodraftine")
        assert suggested(client, "cyano") == [("Cyanocobalamin", None)]

    def test_names_come_back_as_written_never_as_html(self, client, contributor, reviewer):
        """Markup-like names are plain JSON strings: nothing escaped or marked up on the server."""
        published(
            "Tagamine",
            contributor=contributor,
            reviewer=reviewer,
            other_names='Tom & Jerry\'s <img src=x onerror="alert(1)">',
        )
        response = suggest(client, "tom")
        assert suggested(client, "tom") == [
            ("Tagamine", 'Tom & Jerry\'s <img src=x onerror="alert(1)">')
        ]
        assert b"&amp;" not in response.content
        assert b"&lt;" not in response.content


@pytest.mark.django_db
class SuggestionCostTests:
    def test_suggestions_cost_one_query_per_publication_then_none(
        self, client, vitamins, django_assert_num_queries
    ):
        """The first suggestion after a publication reads the names once; the rest read nothing."""
        with django_assert_num_queries(1):
            suggested(client, "cy")
        with django_assert_num_queries(0):
            assert suggested(client, "cyan") == [("Cyanocobalamin", None)]
        with django_assert_num_queries(0):
            suggested(client, "vitamin")

    def test_answers_are_cached_with_validators(self, client, vitamins):
        """An answer asked for again comes from the page cache, and a browser's copy gets 304."""
        first = suggest(client, "cyano")
        assert first.has_header("ETag")
        again = suggest(client, "cyano", if_none_match=first["ETag"])
        assert again.status_code == 304

    def test_too_many_suggestions_are_refused(self, client, vitamins, monkeypatch):
        """Past the rate, one address is answered 429 (with an empty list) until it slows down."""
        monkeypatch.setattr(search_views, "SUGGEST_RATE", "3/m")
        for prefix in ("cy", "cya", "cyan"):
            assert suggest(client, prefix).status_code == 200
        refused = suggest(client, "cyano")
        assert refused.status_code == 429
        assert refused.json()["suggestions"] == []
