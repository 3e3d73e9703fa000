"""Migrations of problem reports: the groups get their permissions, articles gain the links."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from monographs.models import Revision
from tests.factories import ensure_editorial_groups, monograph, publish

BEFORE = [("reviews", "0023_grant_problem_report_permissions")]
AFTER = [("reviews", "0024_articles_link_problem_reports")]


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


def codenames(group_name: str) -> set[str]:
    group = Group.objects.get(name=group_name)
    return set(
        group.permissions.filter(codename__endswith="problemreport").values_list(
            "codename", flat=True
        )
    )


@pytest.mark.django_db(transaction=True)
class ProblemReportMigrationTests:
    def test_editors_and_reviewers_triage_contributors_read(self):
        """Editors and medical reviewers may change reports; contributors may only view them."""
        ensure_editorial_groups()
        assert codenames("Editors") == {"view_problemreport", "change_problemreport"}
        assert codenames("Medical reviewers") == {"view_problemreport", "change_problemreport"}
        assert codenames("Contributors") == {"view_problemreport"}

    def test_articles_stored_before_get_the_report_links(self, client, contributor, reviewer):
        """A published article stored without the links is assembled again, and shows them."""
        drug = publish(monograph(name="Linkless"), contributor=contributor, reviewer=reviewer)
        migrate(BEFORE)
        Revision.objects.filter(pk=drug.published_revision_id).update(
            article_html=drug.published_revision.article_html.replace("report-problem", "x")
        )
        migrate(AFTER)
        assert Revision.objects.get(pk=drug.published_revision_id).article_html == ""
        html = client.get(reverse("monographs:drug_detail", args=[drug.slug])).text
        assert reverse("report_problem", args=[drug.slug]) in html
