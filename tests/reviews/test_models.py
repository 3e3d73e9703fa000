"""The transitions and the decide rule the models own, without the services around them."""

from datetime import UTC, date, datetime, timedelta

import pytest

from reviews.exceptions import IllegalTransition, NotPermitted, OwnEditApproval
from reviews.models import Review
from reviews.services import review_submit
from tests.factories import ReviewerFactory, join_groups, monograph

AT = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


@pytest.fixture
def review(contributor):
    return review_submit(drug=monograph(name="Modelamine"), by=contributor)


@pytest.mark.django_db
class RecordApprovalTests:
    def test_sets_the_approval_stamps_and_the_article(self, review, reviewer):
        """An approval records who, the credit line, when, the next review and the article."""
        revision = review.revision
        fields = revision.record_approval(
            by=reviewer, credit="Ada Lovelace, MD", at=AT, next_review_due=date(2027, 3, 1)
        )
        assert fields == [
            "approved_by",
            "approved_by_credit",
            "approved_at",
            "next_review_due",
            "article_html",
        ]
        assert revision.approved_by == reviewer
        assert revision.approved_by_credit == "Ada Lovelace, MD"
        assert revision.approved_at == AT
        assert revision.next_review_due == date(2027, 3, 1)
        assert "Modelamine" in revision.article_html

    def test_without_assembling_leaves_the_article_to_the_caller(self, review, reviewer):
        """`assemble=False` neither renders the article nor names it among the saved fields."""
        revision = review.revision
        fields = revision.record_approval(
            by=reviewer, credit="", at=AT, next_review_due=date(2026, 3, 2), assemble=False
        )
        assert "article_html" not in fields
        assert revision.article_html == ""

    def test_returned_fields_save_the_approval(self, review, reviewer):
        """Saving with the returned fields writes the workflow-owned columns."""
        revision = review.revision
        revision.save(
            update_fields=revision.record_approval(
                by=reviewer, credit="Ada, MD", at=AT, next_review_due=date(2026, 3, 31)
            )
        )
        revision.refresh_from_db()
        assert (revision.approved_by, revision.approved_at) == (reviewer, AT)
        assert revision.next_review_due == date(2026, 3, 31)


@pytest.mark.django_db
class CloseTests:
    def test_closes_an_open_review(self, review):
        """Closing moves the status, stamps `closed_at` and names both fields."""
        fields = review.close(status=Review.Status.WITHDRAWN, at=AT)
        assert fields == ["status", "closed_at"]
        assert (review.status, review.closed_at) == (Review.Status.WITHDRAWN, AT)

    def test_a_closed_review_cannot_be_closed_again(self, review):
        """The transition table refuses any move out of a closed review and changes nothing."""
        review.close(status=Review.Status.APPROVED, at=AT)
        with pytest.raises(IllegalTransition):
            review.close(status=Review.Status.WITHDRAWN, at=AT + timedelta(days=1))
        assert (review.status, review.closed_at) == (Review.Status.APPROVED, AT)

    def test_approve_checks_the_decider_before_closing(self, review, contributor):
        """A person who may not decide leaves the review open."""
        with pytest.raises(NotPermitted):
            review.approve(by=contributor, at=AT)
        assert review.is_open
        assert review.closed_at is None


@pytest.mark.django_db
class DecideRuleTests:
    def test_a_credentialed_reviewer_may_decide_an_open_review(self, review, reviewer):
        """An open review, a named credentialed reviewer, not an author: no refusal."""
        assert review.decide_refusal(reviewer) == ""
        assert review.can_be_decided_by(reviewer)
        review.check_decider(reviewer)

    def test_a_contributor_may_not(self, review, contributor):
        """Someone who is not a credentialed reviewer is refused, with the reason."""
        assert "medical reviewers" in review.decide_refusal(contributor)
        assert not review.can_be_decided_by(contributor)
        with pytest.raises(NotPermitted):
            review.check_decider(contributor)

    def test_an_author_may_not(self, reviewer):
        """A reviewer whose edits the revision contains is refused (four eyes)."""
        join_groups(reviewer, ["Contributors"])
        review = review_submit(drug=monograph(name="Ownamine"), by=reviewer)
        assert "your own edits" in review.decide_refusal(reviewer)
        with pytest.raises(OwnEditApproval):
            review.check_decider(reviewer)

    def test_nobody_decides_a_closed_review(self, review, reviewer):
        """Once closed, a review has no decider."""
        review.close(status=Review.Status.WITHDRAWN, at=AT)
        assert "already withdrawn" in review.decide_refusal(reviewer)
        assert not review.can_be_decided_by(reviewer)

    def test_the_queue_and_the_mails_state_the_same_rule(self, review, reviewer, contributor):
        """'Mine to review' and the deciders list agree with `can_be_decided_by`."""
        uncredentialed = ReviewerFactory(profile__credential="")
        people = [reviewer, contributor, uncredentialed]
        deciders = review.deciders()
        for person in people:
            may = review.can_be_decided_by(person)
            assert (review in Review.objects.reviewable_by(person)) == may
            assert (person in deciders) == may
