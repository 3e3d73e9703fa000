"""Data migrations bring monographs published before part-by-part review into the new model."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from monographs.models import ReviewedPart, Revision
from reviews.services import review_submit
from tests.factories import monograph, publish

BEFORE = [("reviews", "0008_decisions_part_by_part")]
AFTER = [("reviews", "0009_published_parts_reviewed_by_their_approver")]


def migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


@pytest.fixture(autouse=True)
def _back_to_the_latest_schema():
    """Each test leaves the database migrated to the newest schema, as the next test expects."""
    yield
    executor = MigrationExecutor(connection)
    migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
class PartsReviewedByTheirApproverTests:
    def test_every_part_of_an_approved_revision_counts_as_approved_by_its_approver(
        self, contributor, reviewer
    ):
        """A revision approved with one stamp gets a review record per part: its approver,
        its date, and a due date by the part's risk class."""
        drug = publish(monograph(name="Legacyamine"), contributor=contributor, reviewer=reviewer)
        revision = drug.published_revision
        # As it stood before the new model: one approval for the whole revision, no records.
        ReviewedPart.objects.all().delete()
        Revision.objects.filter(pk=revision.pk).update(approved_by_credit="Dr Old Stamp, MD")
        migrate(BEFORE)

        migrate(AFTER)

        parts = {part.kind: part for part in ReviewedPart.objects.filter(revision=revision)}
        assert set(parts) == {"details", "usage", "dosage", "faq"}
        assert {tuple(part.credits) for part in parts.values()} == {("Dr Old Stamp, MD",)}
        assert {part.reviewed_at for part in parts.values()} == {revision.approved_at}
        assert list(parts["usage"].reviewers.all()) == [revision.approved_by]
        approved_on = revision.approved_at.date()
        assert (parts["dosage"].next_review_due - approved_on).days in range(365, 367)
        assert (parts["usage"].next_review_due - approved_on).days in range(730, 732)
        revision.refresh_from_db()
        assert revision.next_review_due == parts["dosage"].next_review_due

    def test_unapproved_revisions_get_no_records(self, contributor):
        """A revision never approved is left alone."""
        review = review_submit(drug=monograph(name="Pendamine"), by=contributor)
        migrate(BEFORE)
        migrate(AFTER)
        assert not ReviewedPart.objects.filter(revision=review.revision).exists()
