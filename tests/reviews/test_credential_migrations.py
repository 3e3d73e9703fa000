"""Data migrations of verified credentials: professions renamed, slugs given, credits linked."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from monographs.models import ReviewedPart, Revision
from reviews.models import ReviewerProfile
from tests.factories import monograph, publish

BEFORE = [
    ("reviews", "0015_two_factor_reset_permission"),
    ("monographs", "0013_parts_with_signed_approvals"),
]
AFTER = [("reviews", "0019_credits_link_reviewer_pages")]


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
class CredentialMigrationTests:
    def test_prescribers_become_physicians_with_slugs_and_linked_credits(
        self, contributor, reviewer
    ):
        """Old "prescriber" profiles are physicians, every profile gets a page address, and
        each recorded credit names its reviewer's page; the article is assembled again."""
        drug = publish(monograph(name="Migratol"), contributor=contributor, reviewer=reviewer)
        name = f"{reviewer.get_full_name()}, MD"
        migrate(BEFORE)
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE reviews_reviewerprofile SET profession = 'prescriber' WHERE user_id = %s",
                [reviewer.pk],
            )
            cursor.execute("UPDATE monographs_reviewedpart SET credits = %s", [f'["{name}"]'])

        migrate(AFTER)

        profile = ReviewerProfile.objects.get(user=reviewer)
        assert profile.profession == "physician"
        assert profile.slug == reviewer.get_full_name().lower().replace(" ", "-")
        credits = {tuple(map(str, part.credits)) for part in ReviewedPart.objects.all()}
        assert credits == {(str({"name": name, "slug": profile.slug}),)}
        assert Revision.objects.get(pk=drug.published_revision_id).article_html == ""

    def test_unmatched_credits_keep_their_name_without_a_page(self, contributor, reviewer):
        """A credit naming nobody among the part's reviewers is kept, linking nowhere."""
        publish(monograph(name="Orphanol"), contributor=contributor, reviewer=reviewer)
        migrate(BEFORE)
        with connection.cursor() as cursor:
            cursor.execute("UPDATE monographs_reviewedpart SET credits = %s", ['["Dr Gone, MD"]'])
        migrate(AFTER)
        part = ReviewedPart.objects.first()
        assert part.credits == [{"name": "Dr Gone, MD", "slug": ""}]
