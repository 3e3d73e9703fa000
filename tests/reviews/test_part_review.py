"""Section-by-section review: each changed part is decided on its own, under the risk policy."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from monographs.models import ReviewedPart, SectionKind
from monographs.parts import DETAILS_KIND
from reviews.exceptions import OwnEditApproval, PolicyRefusal, ReviewError
from reviews.models import AuditEntry, PartDecision, Profession, Review
from reviews.policy import requirement_for
from reviews.progress import review_progress
from reviews.services import (
    review_approve,
    review_decide_parts,
    review_submit,
)
from tests.factories import (
    ReviewerFactory,
    edit_section,
    make_credentialed_reviewer,
    monograph,
    part_key_of,
    publish,
    signed,
)
from tests.reviews.test_races import (
    PATIENCE,
    POSTGRESQL_ONLY,
    Worker,
    raw_connection,
    wait_until_blocked,
)

APPROVE, SEND_BACK = PartDecision.Outcome.APPROVED, PartDecision.Outcome.CHANGES_REQUESTED


def reload(review):
    return Review.objects.get(pk=review.pk)


@pytest.fixture
def dosage_edit(contributor, reviewer):
    """A published monograph whose dosage section was then edited and submitted."""
    drug = publish(
        monograph(name="Partamine", sections=(SectionKind.USAGE, SectionKind.DOSAGE)),
        contributor=contributor,
        reviewer=reviewer,
    )
    edit_section(drug, "Take 20 mg once daily.", by=contributor, position=1)
    return review_submit(drug=drug, by=contributor, comment="Higher dose.")


@pytest.mark.django_db
class RiskPolicyTests:
    def test_high_risk_part_needs_two_reviewers(self, dosage_edit, reviewer, other_reviewer):
        """A dosage change stays in review after one approval and publishes after a second."""
        review_approve(review=dosage_edit, by=reviewer, signature=signed(reviewer))
        review = reload(dosage_edit)
        assert review.is_open
        assert review_progress(review).parts[0].still_needed == "1 of 2 approvals"
        assert review.drug.published_revision_id != review.revision_id

        review_approve(review=review, by=other_reviewer, signature=signed(other_reviewer))
        review = reload(review)
        assert review.status == Review.Status.APPROVED
        assert review.drug.published_revision_id == review.revision_id

    def test_same_reviewer_cannot_give_both_approvals(self, dosage_edit, reviewer):
        """The second approval of a high-risk part must come from another reviewer."""
        review_approve(review=dosage_edit, by=reviewer, signature=signed(reviewer))
        with pytest.raises(PolicyRefusal, match="another reviewer"):
            review_approve(review=reload(dosage_edit), by=reviewer, signature=signed(reviewer))
        assert reload(dosage_edit).is_open

    def test_standard_part_needs_one_approval(self, contributor, reviewer):
        """A change to usage only is published by one reviewer."""
        drug = publish(monograph(name="Onceamine"), contributor=contributor, reviewer=reviewer)
        edit_section(drug, "Used for anaemia.", by=contributor, position=0)
        review = review_approve(
            review=review_submit(drug=drug, by=contributor), by=reviewer, signature=signed(reviewer)
        )
        assert review.status == Review.Status.APPROVED

    def test_policy_can_demand_a_profession(self, settings, dosage_edit, reviewer, other_reviewer):
        """With dosage needing a pharmacist, the last approval by a physician is refused."""
        settings.MEDREF_REVIEW_POLICY = {
            **settings.MEDREF_REVIEW_POLICY,
            "kinds": {"dosage": {"risk": "high", "professions": ["pharmacist"]}},
        }
        review_approve(review=dosage_edit, by=reviewer, signature=signed(reviewer))
        progress = review_progress(reload(dosage_edit))
        assert progress.parts[0].still_needed == "1 of 2 approvals; needs a pharmacist"
        with pytest.raises(PolicyRefusal, match="must come from a pharmacist"):
            review_approve(
                review=reload(dosage_edit), by=other_reviewer, signature=signed(other_reviewer)
            )
        pharmacist = ReviewerFactory()
        pharmacist.reviewer_profile.profession = Profession.PHARMACIST
        pharmacist.reviewer_profile.save()
        assert (
            review_approve(
                review=reload(dosage_edit), by=pharmacist, signature=signed(pharmacist)
            ).status
            == "approved"
        )

    def test_new_kinds_have_their_risk_class(self):
        """Warnings, pregnancy and overdose are high risk; storage is standard."""
        assert [requirement_for(kind).approvals for kind in ("warnings", "pregnancy")] == [2, 2]
        assert requirement_for("overdose").is_high_risk
        assert requirement_for("storage").approvals == 1
        assert requirement_for("faq").approvals == 1


@pytest.mark.django_db
class PartDecisionTests:
    def test_partial_approval_is_visible_and_audited(self, contributor, reviewer):
        """Approving one part of two leaves the other waiting, recorded in the audit trail."""
        drug = monograph(name="Halfamine", sections=(SectionKind.USAGE, SectionKind.STORAGE))
        review = review_submit(drug=drug, by=contributor)
        usage = part_key_of(review, SectionKind.USAGE)
        review_decide_parts(
            review=review, by=reviewer, verdicts={usage: (APPROVE, "")}, signature=signed(reviewer)
        )

        progress = review_progress(reload(review))
        assert [part.is_approved for part in progress.parts if part.change.part.is_section] == [
            True,
            False,
        ]
        entry = drug.audit_entries.get(action=AuditEntry.Action.PARTS_DECIDED)
        assert "Approved: Usage." in entry.comment
        assert "Still needed" in entry.comment

    def test_sending_back_a_part_returns_the_revision(self, dosage_edit, reviewer):
        """A part sent back closes the review as changes requested, with the part's note."""
        key = part_key_of(dosage_edit, SectionKind.DOSAGE)
        review_decide_parts(
            review=dosage_edit,
            by=reviewer,
            verdicts={key: (SEND_BACK, "Cite the label.")},
            signature=signed(reviewer),
        )
        review = reload(dosage_edit)
        assert review.status == Review.Status.CHANGES_REQUESTED
        decision = review.part_decisions.get()
        assert (decision.part_title, decision.note) == ("Dosage", "Cite the label.")

    def test_sending_back_needs_a_reason(self, dosage_edit, reviewer):
        """A part sent back without a note or a comment is refused and nothing is recorded."""
        key = part_key_of(dosage_edit, SectionKind.DOSAGE)
        with pytest.raises(ReviewError, match="note or a comment"):
            review_decide_parts(
                review=dosage_edit,
                by=reviewer,
                verdicts={key: (SEND_BACK, "")},
                signature=signed(reviewer),
            )
        assert reload(dosage_edit).is_open
        assert not PartDecision.objects.filter(review=dosage_edit).exists()

    def test_unknown_part_is_refused(self, dosage_edit, reviewer):
        """A forged verdict on a part the revision did not change is refused."""
        with pytest.raises(ReviewError, match="not among this revision's changes"):
            review_decide_parts(
                review=dosage_edit,
                by=reviewer,
                verdicts={"0" * 64: (APPROVE, "")},
                signature=signed(reviewer),
            )

    def test_author_decides_no_part(self, contributor, reviewer):
        """Four eyes per part: a reviewer who edited the revision decides none of its parts."""
        make_credentialed_reviewer(contributor)
        drug = monograph(name="Selfamine")
        review = review_submit(drug=drug, by=contributor)
        key = part_key_of(review, SectionKind.USAGE)
        with pytest.raises(OwnEditApproval):
            review_decide_parts(
                review=review,
                by=contributor,
                verdicts={key: (APPROVE, "")},
                signature=signed(contributor),
            )

    def test_publish_at_only_on_the_completing_approval(self, dosage_edit, reviewer):
        """Scheduling is refused while the review still needs approvals, with what it needs."""
        with pytest.raises(ReviewError, match="1 of 2 approvals"):
            review_approve(
                review=dosage_edit,
                by=reviewer,
                publish_at=timezone.now() + timedelta(days=1),
                signature=signed(reviewer),
            )
        assert not PartDecision.objects.filter(review=dosage_edit).exists()


@pytest.mark.django_db
class CarryOverTests:
    def test_unchanged_part_keeps_its_approval_on_resubmission(
        self, contributor, reviewer, other_reviewer
    ):
        """Usage approved, dosage sent back: after a dosage fix, only dosage needs deciding."""
        drug = monograph(name="Carryamine", sections=(SectionKind.USAGE, SectionKind.DOSAGE))
        review = review_submit(drug=drug, by=contributor)
        verdicts = {
            part_key_of(review, SectionKind.USAGE): (APPROVE, ""),
            part_key_of(review, SectionKind.DOSAGE): (SEND_BACK, "Wrong unit."),
        }
        review_decide_parts(
            review=review, by=reviewer, verdicts=verdicts, signature=signed(reviewer)
        )
        edit_section(drug, "Take 5 mg daily.", by=contributor, position=1)

        again = review_submit(drug=drug, by=contributor)
        progress = review_progress(again)
        usage = progress.part(part_key_of(again, SectionKind.USAGE))
        dosage = progress.part(part_key_of(again, SectionKind.DOSAGE))
        assert usage.is_approved
        assert usage.approvals[0].carried_from is not None
        assert not dosage.decisions
        assert drug.audit_entries.filter(action=AuditEntry.Action.APPROVALS_CARRIED).exists()

        review_approve(review=again, by=reviewer, signature=signed(reviewer))
        review_approve(review=reload(again), by=other_reviewer, signature=signed(other_reviewer))
        assert reload(again).status == Review.Status.APPROVED

    def test_edited_part_loses_its_approval(self, contributor, reviewer):
        """A part edited after it was approved must be approved again."""
        drug = monograph(name="Loseamine", sections=(SectionKind.USAGE, SectionKind.STORAGE))
        review = review_submit(drug=drug, by=contributor)
        usage = part_key_of(review, SectionKind.USAGE)
        review_decide_parts(
            review=review, by=reviewer, verdicts={usage: (APPROVE, "")}, signature=signed(reviewer)
        )
        edit_section(drug, "Rewritten usage.", by=contributor, position=0)

        again = review_submit(drug=drug, by=contributor)
        assert not review_progress(again).part(part_key_of(again, SectionKind.USAGE)).decisions

    def test_no_carry_over_for_a_reviewer_who_became_an_author(self, contributor, reviewer):
        """An approval by someone whose edits are now in the revision does not carry over."""
        drug = monograph(name="Turnamine", sections=(SectionKind.USAGE, SectionKind.STORAGE))
        review = review_submit(drug=drug, by=contributor)
        usage = part_key_of(review, SectionKind.USAGE)
        review_decide_parts(
            review=review, by=reviewer, verdicts={usage: (APPROVE, "")}, signature=signed(reviewer)
        )
        edit_section(drug, "Keep cool.", by=reviewer, position=1)

        again = review_submit(drug=drug, by=contributor)
        assert not review_progress(again).part(part_key_of(again, SectionKind.USAGE)).decisions


@pytest.mark.django_db
class ReviewedPartTests:
    def test_publication_records_each_part(self, contributor, reviewer, other_reviewer):
        """Every live part records its reviewers, its date and its risk-based due date."""
        drug = publish(
            monograph(name="Recordamine"),
            contributor=contributor,
            reviewer=reviewer,
            second_reviewer=other_reviewer,
        )
        parts = {part.kind: part for part in drug.published_revision.reviewed_parts.all()}
        assert set(parts) == {DETAILS_KIND, "usage", "dosage", "faq"}
        assert len(parts["dosage"].credits) == 2
        assert len(parts["usage"].credits) == 1
        reviewed = parts["dosage"].reviewed_at.date()
        assert (parts["dosage"].next_review_due - reviewed).days in range(365, 367)
        assert (parts["usage"].next_review_due - reviewed).days in range(730, 732)
        revision = drug.published_revision
        assert revision.next_review_due == parts["dosage"].next_review_due
        assert other_reviewer.get_full_name() in revision.approved_by_credit

    def test_unchanged_part_carries_its_earlier_review(self, contributor, reviewer):
        """Publishing a usage change leaves the dosage section's review date as it was."""
        drug = publish(monograph(name="Keepamine"), contributor=contributor, reviewer=reviewer)
        first = drug.published_revision.reviewed_parts.get(kind="dosage")
        edit_section(drug, "Used for tiredness.", by=contributor, position=0)
        drug = publish(drug, contributor=contributor, reviewer=reviewer)

        again = drug.published_revision.reviewed_parts.get(kind="dosage")
        assert (again.reviewed_at, again.credits) == (first.reviewed_at, first.credits)
        usage = drug.published_revision.reviewed_parts.get(kind="usage")
        assert usage.reviewed_at > first.reviewed_at


@pytest.mark.django_db(transaction=True)
class ConcurrentPartApprovalTests:
    @pytest.fixture(autouse=True)
    def _postgresql(self):
        if connection.vendor != "postgresql":
            pytest.skip(POSTGRESQL_ONLY)

    def _race(self, review, *reviewers):
        drug_id = review.drug_id
        with raw_connection() as holder:
            holder.execute("SELECT 1 FROM monographs_drug WHERE id = %s FOR UPDATE", [drug_id])
            workers = [
                Worker(lambda who=who: review_approve(review=review, by=who, signature=signed(who)))
                for who in reviewers
            ]
            for worker in workers:
                worker.start()
            for worker in workers:
                assert worker.started_job.wait(PATIENCE)
            for worker in workers:
                wait_until_blocked(worker.pid)
            holder.rollback()
        for worker in workers:
            worker.join(PATIENCE)
        return workers

    def test_two_reviewers_approving_a_high_risk_part_at_once(
        self, contributor, reviewer, other_reviewer
    ):
        """Both approvals of a dosage change made at the same moment count: it publishes."""
        drug = monograph(name="Raceamine", sections=(SectionKind.DOSAGE,), faqs=0)
        review = review_submit(drug=drug, by=contributor)
        workers = self._race(review, reviewer, other_reviewer)

        assert [worker.error for worker in workers] == [None, None]
        dosage = part_key_of(review, SectionKind.DOSAGE)
        assert PartDecision.objects.filter(review=review, part_key=dosage).count() == 2
        assert reload(review).status == Review.Status.APPROVED

    def test_two_reviewers_approving_a_standard_part_at_once(
        self, contributor, reviewer, other_reviewer
    ):
        """One of two simultaneous approvals of a one-approval change wins; the other is
        refused, and the published article is that revision's."""
        drug = monograph(name="Raceamine", sections=(SectionKind.USAGE,), faqs=0)
        review = review_submit(drug=drug, by=contributor)
        workers = self._race(review, reviewer, other_reviewer)

        errors = [worker.error for worker in workers if worker.error is not None]
        assert len(errors) == 1
        assert isinstance(errors[0], ReviewError)
        usage = part_key_of(review, SectionKind.USAGE)
        assert PartDecision.objects.filter(review=review, part_key=usage).count() == 1
        revision = reload(review).revision
        assert revision.drug.published_revision_id == revision.pk
        assert ReviewedPart.objects.filter(revision=revision).count() == len(
            review_progress(reload(review)).parts
        )
