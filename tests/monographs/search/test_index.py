import io

import pytest
from django.core.management import call_command

from monographs.models import SearchDocument, SectionKind
from reviews.services import drug_unpublish, review_approve, review_submit
from tests.factories import monograph, signed
from tests.monographs.search.searchpage import hit_names, search


@pytest.mark.django_db
class PublishedOnlyTests:
    def test_drafts_are_never_found(self, client, vitamins):
        """A drug that was never approved is not in the results, not even as a similar name."""
        monograph(name="Draftozoline", other_names="Secretin B")
        assert hit_names(search(client, "draftozoline")) == []
        assert hit_names(search(client, "draftozolin")) == []

    def test_pending_edit_is_searchable_only_once_approved(
        self, client, contributor, reviewer, vitamins, django_capture_on_commit_callbacks
    ):
        """New words in a submitted edit stay unsearchable until a reviewer approves them."""
        drug = vitamins[0]
        section = drug.sections.get()
        section.body = "Now also mentions quinterphosphate."
        section.save()
        review = review_submit(drug=drug, by=contributor)
        assert hit_names(search(client, "quinterphosphate")) == []

        with django_capture_on_commit_callbacks(execute=True):
            review_approve(review=review, by=reviewer, signature=signed(reviewer))
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
