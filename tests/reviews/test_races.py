"""Content saves racing the workflow: a stale copy never undoes a transition, one lock order
means no deadlock, and a lock conflict that still happens is a message, never an error page."""

import pytest
from django.test import Client

from monographs.models import Drug, Revision, SectionKind
from reviews.admin import WorkflowDrugAdmin
from reviews.exceptions import IllegalTransition
from reviews.models import Review
from reviews.services import drug_unpublish, review_approve, review_submit
from tests.monographs.adminforms import change_url, inline_index, open_change_form, set_field

# Seconds a thread waits for another before the test gives up (a safety net against hangs).
PATIENCE = 60
POSTGRESQL_ONLY = (
    "row locks and lock conflicts need PostgreSQL; the sequential cases run everywhere"
)


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def edit_usage(data: dict, drug: Drug, body: str) -> dict:
    usage = drug.sections.get(kind=SectionKind.USAGE)
    return set_field(data, f"sections-{inline_index(data, 'sections', usage.pk)}-body", body)


@pytest.fixture
def after_admin_reads(monkeypatch):
    """Run a function right after the drug admin's POST has read the drug it will save."""

    def install(between):
        read = WorkflowDrugAdmin.get_object

        def get_object(self, request, object_id, from_field=None):
            drug = read(self, request, object_id, from_field)
            if request.method == "POST":
                between()
            return drug

        monkeypatch.setattr(WorkflowDrugAdmin, "get_object", get_object)

    return install


@pytest.mark.django_db
class StaleAdminSaveTests:
    def test_save_read_before_an_approval_keeps_it_published(
        self, client, contributor, reviewer, draft_drug, after_admin_reads
    ):
        """An admin save that read the drug before an approval leaves the monograph published."""
        review = review_submit(drug=draft_drug, by=contributor)
        client.force_login(contributor)
        data = set_field(open_change_form(client, draft_drug), "drug_class", "Cobalamins")
        after_admin_reads(lambda: review_approve(review=review, by=reviewer))

        assert client.post(change_url(draft_drug), data).status_code == 302

        drug = Drug.objects.get(pk=draft_drug.pk)
        assert (drug.published_revision_id, drug.drug_class) == (review.revision_id, "Cobalamins")
        assert client.get(drug.get_absolute_url()).status_code == 200

    def test_save_read_before_an_unpublish_keeps_it_unpublished(
        self, client, contributor, editor, published_drug, after_admin_reads
    ):
        """An admin save that read the drug before an unpublish does not put it back online."""
        client.force_login(contributor)
        data = set_field(open_change_form(client, published_drug), "drug_class", "Cobalamins")
        after_admin_reads(lambda: drug_unpublish(drug=published_drug, by=editor))

        assert client.post(change_url(published_drug), data).status_code == 302

        drug = Drug.objects.get(pk=published_drug.pk)
        assert (drug.published_revision_id, drug.drug_class) == (None, "Cobalamins")
        assert client.get(drug.get_absolute_url()).status_code == 404

    def test_save_before_an_approval_makes_the_approval_stale(
        self, client, contributor, reviewer, draft_drug
    ):
        """The other order: a content save that commits first supersedes the pending review."""
        review = review_submit(drug=draft_drug, by=contributor)
        client.force_login(contributor)
        data = set_field(open_change_form(client, draft_drug), "drug_class", "Cobalamins")
        assert client.post(change_url(draft_drug), data).status_code == 302

        with pytest.raises(IllegalTransition, match="superseded"):
            review_approve(review=review, by=reviewer)
        assert Drug.objects.get(pk=draft_drug.pk).published_revision_id is None
        assert Review.objects.get(pk=review.pk).status == Review.Status.SUPERSEDED

    def test_save_before_an_unpublish_stays_unpublished(
        self, client, contributor, editor, published_drug
    ):
        """The other order: an unpublish after a content save takes the page down."""
        client.force_login(contributor)
        data = set_field(open_change_form(client, published_drug), "drug_class", "Cobalamins")
        assert client.post(change_url(published_drug), data).status_code == 302

        drug_unpublish(drug=published_drug, by=editor)
        drug = Drug.objects.get(pk=published_drug.pk)
        assert (drug.published_revision_id, drug.drug_class) == (None, "Cobalamins")


@pytest.mark.django_db
class StaleModelSaveTests:
    def test_stale_drug_save_keeps_the_approval(self, contributor, reviewer, draft_drug):
        """A drug loaded before an approval and saved after it stays published."""
        review = review_submit(drug=draft_drug, by=contributor)
        stale = Drug.objects.get(pk=draft_drug.pk)
        review_approve(review=review, by=reviewer)

        stale.regulatory_notes = "Prescription only."
        stale.save()

        assert Drug.objects.get(pk=draft_drug.pk).published_revision_id == review.revision_id

    def test_stale_drug_save_keeps_the_unpublish(self, editor, published_drug):
        """A drug loaded before an unpublish and saved after it stays off the public site."""
        stale = Drug.objects.get(pk=published_drug.pk)
        drug_unpublish(drug=published_drug, by=editor)

        stale.regulatory_notes = "Prescription only."
        stale.save()

        assert not Drug.objects.published().filter(pk=published_drug.pk).exists()
        assert Drug.objects.get(pk=published_drug.pk).regulatory_notes == "Prescription only."

    def test_stale_revision_and_review_saves_keep_the_approval(
        self, contributor, reviewer, draft_drug
    ):
        """A revision or review loaded before its approval cannot erase it by saving."""
        review = review_submit(drug=draft_drug, by=contributor)
        stale_review = Review.objects.get(pk=review.pk)
        stale_revision = Revision.objects.get(pk=review.revision_id)
        review_approve(review=review, by=reviewer)

        stale_review.comment = "Reworded."
        stale_review.save()
        stale_revision.reason = "Reworded."
        stale_revision.save()

        review.refresh_from_db()
        review.revision.refresh_from_db()
        assert (review.status, review.comment) == (Review.Status.APPROVED, "Reworded.")
        assert review.closed_at is not None
        assert review.revision.approved_by == reviewer
        assert review.revision.approved_at is not None
        assert review.revision.next_review_due is not None
        assert review.revision.approved_by_credit.endswith(", MD")
        assert "Cyanocobalamin" in review.revision.article_html
