import pytest

from monographs.models import Drug
from reviews.exceptions import NothingToSubmit, OwnEditApproval, StaleRevision
from reviews.models import AuditEntry, Review
from reviews.services import review_approve, review_submit
from tests.factories import join_groups, review_fully_approve, signed


@pytest.mark.django_db
class ApproveTests:
    def test_approval_publishes_the_frozen_revision(self, draft_drug, contributor, reviewer):
        """Approving points the drug at the revision the reviewer read."""
        review = review_submit(drug=draft_drug, by=contributor)
        review_fully_approve(review, reviewer)
        draft_drug.refresh_from_db()
        assert draft_drug.published_revision == review.revision
        assert "Medically" not in draft_drug.published_revision.article_html
        assert draft_drug.published_revision.approved_by_credit.endswith(", MD")

    def test_edit_after_submit_makes_approval_stale(self, draft_drug, contributor, reviewer):
        """An edit made after submission can never slip through with the approval."""
        review = review_submit(drug=draft_drug, by=contributor)
        section = draft_drug.sections.first()
        section.body = "Changed after submission."
        section.save()
        with pytest.raises(StaleRevision):
            review_approve(review=review, by=reviewer, signature=signed(reviewer))
        review.refresh_from_db()
        assert review.status == Review.Status.SUPERSEDED
        assert Drug.objects.published().count() == 0

    def test_nobody_approves_their_own_edit(self, draft_drug, reviewer):
        """A reviewer who submitted the revision cannot approve it."""
        join_groups(reviewer, ["Contributors"])
        review = review_submit(drug=draft_drug, by=reviewer)
        with pytest.raises(OwnEditApproval):
            review_approve(review=review, by=reviewer, signature=signed(reviewer))

    def test_resubmitting_unchanged_content_is_refused(self, published_drug, contributor):
        """A save that changes nothing does not restart a review."""
        with pytest.raises(NothingToSubmit):
            review_submit(drug=published_drug, by=contributor)
        assert AuditEntry.objects.filter(action="submitted").count() == 1
