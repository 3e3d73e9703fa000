import pytest
from django.urls import reverse

from tests.monographs.search.searchpage import HIT, hit_names, published, search


@pytest.mark.django_db
class SearchRankingTests:
    def test_name_match_comes_before_body_mentions(self, client, vitamins):
        """The drug named by the query is first, even when others mention it more often."""
        names = hit_names(search(client, "cyanocobalamin"))
        assert names[0] == "Cyanocobalamin"
        assert set(names[1:]) == {"Methylcobalamin", "Methylcobalamin + Piracetam"}

    def test_other_name_match_comes_before_body_mentions(self, client, vitamins):
        """A brand name or synonym ranks its drug above drugs whose text merely mentions it."""
        names = hit_names(search(client, "vitamin b12"))
        assert names[0] == "Cyanocobalamin"
        assert len(names) == 3

    def test_shorter_name_wins_among_name_matches(self, client, vitamins):
        """Of two drugs named by the query, the one whose name is just the query comes first."""
        names = hit_names(search(client, "methylcobalamin"))
        assert names == ["Methylcobalamin", "Methylcobalamin + Piracetam"]

    def test_name_and_section_title_finds_that_monograph_first(self, client, vitamins):
        """ "cyanocobalamin usage" puts Cyanocobalamin, which has a Usage section, first."""
        names = hit_names(search(client, "cyanocobalamin usage"))
        assert names[0] == "Cyanocobalamin"
        assert len(names) == 3

    def test_drug_class_is_searchable(self, client, vitamins):
        """Searching a class finds the drugs in it."""
        assert hit_names(search(client, "nootropics")) == ["Methylcobalamin + Piracetam"]

    def test_faq_text_is_searchable(self, client, contributor, reviewer):
        """Words that appear only in an FAQ answer still find the monograph."""
        published(
            "Faqamine",
            contributor=contributor,
            reviewer=reviewer,
            faq=("Can I drive?", "Avoid driving until you know how drowsiness affects you."),
        )
        assert hit_names(search(client, "drowsiness")) == ["Faqamine"]

    def test_results_link_to_the_monograph(self, client, vitamins):
        """Each result links to the public monograph page."""
        response = search(client, "pernicious")
        urls = [match["url"] for match in HIT.finditer(response.content.decode())]
        assert urls == [reverse("monographs:drug_detail", kwargs={"slug": "cyanocobalamin"})]

    def test_words_match_their_inflections(self, client, vitamins):
        """A search for "treating" finds text that says "treats"."""
        assert hit_names(search(client, "treating")) == ["Cyanocobalamin"]

    def test_quoted_phrase_must_appear_as_written(self, client, vitamins):
        """ "pernicious anemia" in quotes matches the phrase, not the words apart."""
        assert hit_names(search(client, '"pernicious anemia"')) == ["Cyanocobalamin"]
        assert hit_names(search(client, '"anemia pernicious"')) == []

    def test_phrase_with_hyphens_and_small_words_matches_the_text(
        self, client, contributor, reviewer
    ):
        """A quoted phrase matches text that has hyphenated and very common words in it."""
        published(
            "Phrasamine",
            contributor=contributor,
            reviewer=reviewer,
            body="Regular check-ups help the doctor see progress.",
        )
        assert hit_names(search(client, '"regular check-ups"')) == ["Phrasamine"]
        assert hit_names(search(client, '"help the doctor"')) == ["Phrasamine"]
        assert hit_names(search(client, '"doctor the help"')) == []

    def test_or_and_exclusion_work_like_a_web_search(self, client, vitamins):
        """`a or b` finds either word; `-word` leaves out results containing it."""
        assert set(hit_names(search(client, "pernicious or racetam"))) == {
            "Cyanocobalamin",
            "Methylcobalamin + Piracetam",
        }
        assert set(hit_names(search(client, "cyanocobalamin -racetam"))) == {
            "Cyanocobalamin",
            "Methylcobalamin",
        }


@pytest.mark.django_db
class MisspellingTests:
    def test_misspelled_name_still_finds_the_drug(self, client, vitamins):
        """ "cyanocobalamine" finds Cyanocobalamin first."""
        assert hit_names(search(client, "cyanocobalamine"))[0] == "Cyanocobalamin"

    def test_misspelling_no_text_contains_offers_similar_names(self, client, vitamins):
        """ "piracetem" matches no text, so drugs with a similar name are offered, and said so."""
        response = search(client, "piracetem")
        assert hit_names(response) == ["Methylcobalamin + Piracetam"]
        assert "No monograph contains “piracetem”" in response.content.decode()

    def test_unrelated_word_offers_nothing(self, client, vitamins):
        """A word that resembles no name gives a clear no-results message."""
        response = search(client, "zzyzxqv")
        assert hit_names(response) == []
        assert "No published monograph matches “zzyzxqv”" in response.content.decode()
