import pytest
from django.urls import reverse

from monographs.models import Revision, SearchDocument, SectionKind
from monographs.search import search_index_rebuild
from monographs.vocabulary import (
    format_sources,
    html_to_text,
    kind_label,
    origin_label,
    parse_sources,
    section_title,
    source_links,
)
from reviews.services import review_approve, review_submit
from tests.factories import edit_section, signed
from tests.monographs.public.publicsite import page_text, published

REMOVED_KIND = "pregnancy_advice"


class VocabularyTests:
    def test_a_kind_no_longer_offered_shows_as_its_own_words(self):
        """A frozen section of a removed kind keeps a readable title instead of failing."""
        assert kind_label(REMOVED_KIND) == "Pregnancy advice"
        assert kind_label(SectionKind.SIDE_EFFECTS) == "Side effects"
        assert kind_label("") == SectionKind.OTHER.label

    def test_a_section_title_is_its_heading_before_its_kind(self):
        """Readers see the contributor's heading; a section without one is named by its kind."""
        assert section_title({"kind": "usage", "heading": "What is it for?"}) == "What is it for?"
        assert section_title({"kind": "usage", "heading": ""}) == "Usage"

    def test_an_unknown_origin_is_labelled_unknown(self):
        """A provenance origin that is not in the list never shows as a raw code."""
        assert origin_label("ai_generated") == "AI-generated"
        assert origin_label("retired_origin") == "Origin unknown"

    def test_html_to_text_keeps_words_apart_and_decodes_entities(self):
        """Paragraphs and list items do not run together, emphasis does not split a word."""
        text = html_to_text("<p>Take  <em>with</em></p><p>food &amp; wa<b>ter</b> &lt;b&gt;</p>")
        assert text == "Take with food & water <b>"
        assert html_to_text("<ul><li>one</li><li>two<br>three</li></ul>") == "one two three"

    def test_sources_round_trip_and_only_web_addresses_link(self):
        """What the editor writes reads back the same; a non-web address is shown, not linked."""
        text = "NHS | https://www.nhs.uk/\nhttps://example.org/label\nLeaflet | javascript:alert(1)"
        sources = parse_sources(text)
        assert sources[1] == {
            "title": "https://example.org/label",
            "url": "https://example.org/label",
        }
        assert parse_sources(format_sources(sources)) == sources
        assert [link["url"] for link in source_links(sources)] == [
            "https://www.nhs.uk/",
            "https://example.org/label",
            "",
        ]


@pytest.mark.django_db
class RemovedKindTests:
    """A revision frozen by an older MedRef, naming a section kind that is no longer offered."""

    @pytest.fixture
    def drug(self, contributor, reviewer):
        drug = published("Retinol", contributor=contributor, reviewer=reviewer)
        revision = drug.published_revision
        content = revision.content
        content["sections"][0]["kind"] = REMOVED_KIND
        content["sections"][0]["heading"] = ""
        # Frozen revisions never change through the ORM; this stands in for an old row.
        Revision.objects.filter(pk=revision.pk).update(content=content)
        revision.refresh_from_db()
        revision.assemble_article()
        Revision.objects.filter(pk=revision.pk).update(article_html=revision.article_html)
        search_index_rebuild()
        return drug

    def test_the_public_page_names_it(self, client, drug):
        """The monograph page titles the section by its kind's own words."""
        html = page_text(client.get(reverse("monographs:drug_detail", args=[drug.slug])))
        assert ">Pregnancy advice</h2>" in html

    def test_search_finds_it_by_that_title(self, drug):
        """Search indexes the title readers see."""
        assert "Pregnancy advice" in SearchDocument.objects.get(drug=drug).body

    def test_the_review_page_and_change_log_name_it(self, client, drug, contributor, reviewer):
        """Replacing it shows the old section by name, to the reviewer and then to readers."""
        edit_section(drug, "Now a usage section.")
        review = review_submit(drug=drug, by=contributor)
        client.force_login(reviewer)
        review_page = client.get(reverse("admin:reviews_review_change", args=[review.pk]))
        assert review_page.status_code == 200
        assert "Pregnancy advice" in page_text(review_page)
        review_approve(review=review, by=reviewer, signature=signed(reviewer))
        client.logout()
        changes = client.get(reverse("monographs:drug_changes", args=[drug.slug]))
        assert "Pregnancy advice" in page_text(changes)
