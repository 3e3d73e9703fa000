import io
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from monographs import search as search_module
from monographs.models import SearchDocument, SectionKind
from monographs.search import parse_query
from reviews.services import drug_unpublish, review_approve, review_submit
from tests.conftest import publish
from tests.factories import FAQItemFactory, SectionFactory, monograph

HIT = re.compile(r'<h3><a href="(?P<url>[^"]+)">(?P<name>[^<]+)</a></h3>')
SNIPPET = re.compile(r'<p class="snippet">(.*?)</p>', re.DOTALL)


def published(name, *, contributor, reviewer, body="", faq=None, **fields):
    """A monograph with one usage section (and optionally an FAQ), through submit + approve."""
    drug = monograph(name=name, sections=(), faqs=0, **fields)
    SectionFactory(drug=drug, kind=SectionKind.USAGE, body=body or f"Information about {name}.")
    if faq:
        FAQItemFactory(drug=drug, question=faq[0], answer=faq[1])
    return publish(drug, contributor=contributor, reviewer=reviewer)


def search(client, query, **params):
    response = client.get(reverse("monographs:search"), {"q": query, **params})
    assert response.status_code == 200
    return response


def hit_names(response) -> list[str]:
    return [match["name"] for match in HIT.finditer(response.content.decode())]


def queries_per_search() -> int:
    """Count + ranked page; SQLite fetches its FTS5 snippets in a third query."""
    return 2 if connection.vendor == "postgresql" else 3


@pytest.fixture
def vitamins(contributor, reviewer):
    """Cyanocobalamin (also called Vitamin B12) and two drugs that only mention it."""
    return [
        published(
            "Cyanocobalamin",
            contributor=contributor,
            reviewer=reviewer,
            other_names="Vitamin B12",
            drug_class="Vitamins",
            body="Treats pernicious anemia.",
        ),
        published(
            "Methylcobalamin",
            contributor=contributor,
            reviewer=reviewer,
            drug_class="Vitamins",
            body="Like cyanocobalamin, cyanocobalamin and again cyanocobalamin, a vitamin B12.",
        ),
        published(
            "Methylcobalamin + Piracetam",
            contributor=contributor,
            reviewer=reviewer,
            drug_class="Nootropics",
            body="Combines a vitamin B12 form with a racetam; compare cyanocobalamin.",
        ),
    ]


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


@pytest.mark.django_db
class PublishedOnlyTests:
    def test_drafts_are_never_found(self, client, vitamins):
        """A drug that was never approved is not in the results, not even as a similar name."""
        monograph(name="Draftozoline", other_names="Secretin B")
        assert hit_names(search(client, "draftozoline")) == []
        assert hit_names(search(client, "draftozolin")) == []

    def test_pending_edit_is_searchable_only_once_approved(
        self, client, contributor, reviewer, vitamins
    ):
        """New words in a submitted edit stay unsearchable until a reviewer approves them."""
        drug = vitamins[0]
        section = drug.sections.get()
        section.body = "Now also mentions quinterphosphate."
        section.save()
        review = review_submit(drug=drug, by=contributor)
        assert hit_names(search(client, "quinterphosphate")) == []

        review_approve(review=review, by=reviewer)
        assert hit_names(search(client, "quinterphosphate")) == ["Cyanocobalamin"]
        assert hit_names(search(client, "pernicious")) == []

    def test_pending_rename_keeps_the_published_name(self, client, contributor, vitamins):
        """Renaming a working copy does not change what search shows until approval."""
        drug = vitamins[0]
        drug.name = "Cyanocobalamin Renamed"
        drug.save()
        review_submit(drug=drug, by=contributor)
        assert hit_names(search(client, "pernicious")) == ["Cyanocobalamin"]

    def test_unpublished_drug_disappears_from_search(self, client, editor, vitamins):
        """Unpublishing takes a monograph out of the results at once."""
        drug_unpublish(drug=vitamins[0], by=editor)
        assert hit_names(search(client, "pernicious")) == []
        assert "Cyanocobalamin" not in hit_names(search(client, "cyanocobalamin"))

    def test_index_follows_rows_removed_outside_publishing(self, client, vitamins):
        """Deleting index rows any other way (a bulk delete, a test flush) leaves no ghost hits."""
        SearchDocument.objects.filter(name="Cyanocobalamin").delete()
        response = search(client, "pernicious")
        assert hit_names(response) == []
        assert "No published monograph matches “pernicious”" in response.content.decode()
        assert "Cyanocobalamin" not in hit_names(search(client, "cyanocobalamin"))

    def test_rebuild_command_indexes_exactly_the_published_drugs(self, client, vitamins):
        """rebuild_search_index restores a lost index from the published revisions only."""
        monograph(name="Draftozoline", sections=(SectionKind.USAGE,))
        SearchDocument.objects.all().delete()
        output = io.StringIO()
        call_command("rebuild_search_index", stdout=output)
        assert "Indexed 3 published monographs" in output.getvalue()
        assert SearchDocument.objects.count() == 3
        assert hit_names(search(client, "pernicious")) == ["Cyanocobalamin"]
        assert hit_names(search(client, "draftozoline")) == []


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
        assert len(query.text) <= search_module.MAX_QUERY_CHARS
        assert sum(map(len, query.words)) <= search_module.MAX_QUERY_CHARS


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
        monkeypatch.setattr("monographs.views.search.MAX_RESULTS", 5)
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
