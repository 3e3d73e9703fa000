"""The reviewers' queue and the list of monographs overdue for re-review."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from monographs.models import SectionKind
from reviews.models import Review
from reviews.services import review_request_changes, review_submit
from tests.factories import ContributorFactory, edit_section, join_groups, monograph, publish

QUEUE = reverse("admin:reviews_review_changelist")


def make_part_overdue(drug, kind: str, *, days: int) -> None:
    """Put one live part (and so the monograph) `days` past its review date."""
    revision = drug.published_revision
    due = timezone.localdate() - timedelta(days=days)
    part = revision.reviewed_parts.get(kind=kind)
    part.next_review_due = due
    part.save(update_fields=["next_review_due"])
    revision.next_review_due = due
    revision.save(update_fields=["next_review_due"])


OVERDUE = reverse("admin:reviews_review_overdue")


def queue_rows(response) -> list[Review]:
    return list(response.context["cl"].result_list)


@pytest.mark.django_db
class ReviewQueueTests:
    def test_queue_lists_reviews_in_progress_oldest_first(self, client, contributor, reviewer):
        """Reviewers see what waits for them, the longest-waiting first."""
        first = review_submit(drug=monograph(name="Firstamine"), by=contributor)
        second = review_submit(drug=monograph(name="Secondamine"), by=contributor)
        closed = review_submit(drug=monograph(name="Closedamine"), by=contributor)
        review_request_changes(review=closed, by=reviewer, comment="No.")
        Review.objects.filter(pk=second.pk).update(submitted_at=timezone.now() - timedelta(days=3))
        client.force_login(reviewer)
        response = client.get(QUEUE)
        assert [review.pk for review in queue_rows(response)] == [second.pk, first.pk]
        assert "Closedamine" not in response.text
        assert "3\xa0days" in response.text

    def test_queue_shows_submitter_and_changed_sections(self, client, contributor, reviewer):
        """Each row names the submitter and the sections that differ from the live version."""
        drug = publish(
            monograph(name="Changamine", sections=[SectionKind.USAGE, SectionKind.DOSAGE]),
            contributor=contributor,
            reviewer=reviewer,
        )
        edit_section(drug, by=contributor, position=1, body="Take **twice** daily.")
        review_submit(drug=drug, by=contributor)
        contributor.first_name, contributor.last_name = "Carla", "Contreras"
        contributor.save()
        client.force_login(reviewer)
        response = client.get(QUEUE)
        assert '<td class="field-submitter">Carla Contreras</td>' in response.text
        needs = "Dosage (0 of 2 approvals; needs a pharmacist or prescriber)"
        assert f'<td class="field-changed_sections">{needs}</td>' in response.text

    def test_mine_to_review_leaves_out_my_own_edits(self, client, contributor, reviewer):
        """'Mine to review' lists only what the reviewer may decide: nothing they edited."""
        join_groups(reviewer, ["Contributors"])
        theirs = review_submit(drug=monograph(name="Theirsamine"), by=contributor)
        mine_drug = monograph(name="Minesamine")
        edit_section(mine_drug, by=reviewer)
        review_submit(drug=mine_drug, by=contributor)
        client.force_login(reviewer)
        everything = queue_rows(client.get(QUEUE))
        mine = queue_rows(client.get(QUEUE, {"show": "mine"}))
        assert len(everything) == 2
        assert [review.pk for review in mine] == [theirs.pk]

    def test_closed_reviews_filter(self, client, contributor, reviewer):
        """Closed reviews are one click away, not in the way."""
        closed = review_submit(drug=monograph(name="Closedamine"), by=contributor)
        review_request_changes(review=closed, by=reviewer, comment="No.")
        review_submit(drug=monograph(name="Openamine"), by=contributor)
        client.force_login(reviewer)
        rows = queue_rows(client.get(QUEUE, {"show": "closed"}))
        assert [review.pk for review in rows] == [closed.pk]

    def test_queue_costs_the_same_queries_for_one_review_or_many(
        self, client, contributor, reviewer
    ):
        """The queue's query count does not grow with the number of reviews."""
        client.force_login(reviewer)
        drug = publish(monograph(name="Onlyamine"), contributor=contributor, reviewer=reviewer)
        edit_section(drug, by=contributor)
        review_submit(drug=drug, by=contributor)
        client.get(QUEUE)
        with CaptureQueriesContext(connection) as one:
            client.get(QUEUE)
        for number in range(6):
            submitter = ContributorFactory()
            drug = publish(
                monograph(name=f"Manyamine {number}"), contributor=submitter, reviewer=reviewer
            )
            edit_section(drug, by=submitter)
            review_submit(drug=drug, by=submitter)
        with CaptureQueriesContext(connection) as seven:
            response = client.get(QUEUE)
        assert len(queue_rows(response)) == 7
        assert len(seven) == len(one)

    def test_contributor_can_read_the_queue_but_not_decide(self, client, contributor):
        """Contributors may look at the queue; it offers them no decision."""
        review = review_submit(drug=monograph(name="Lookamine"), by=contributor)
        client.force_login(contributor)
        assert client.get(QUEUE).status_code == 200
        page = client.get(reverse("admin:reviews_review_change", args=[review.pk])).text
        assert reverse("admin:reviews_review_decide", args=[review.pk]) not in page


@pytest.mark.django_db
class OverdueTests:
    def test_review_intervals_are_configurable(self, contributor, reviewer, settings):
        """The policy's interval per risk class sets when each part is due again."""
        policy = settings.MEDREF_REVIEW_POLICY
        settings.MEDREF_REVIEW_POLICY = {
            **policy,
            "risk_classes": {
                "high": {"approvals": 2, "review_interval_months": 1},
                "standard": {"approvals": 1, "review_interval_months": 6},
            },
        }
        drug = publish(monograph(name="Monthamine"), contributor=contributor, reviewer=reviewer)
        revision = drug.published_revision
        approved = timezone.localdate(revision.approved_at)
        dosage = revision.reviewed_parts.get(kind="dosage")
        usage = revision.reviewed_parts.get(kind="usage")
        assert (dosage.next_review_due - approved).days in range(28, 32)
        assert (usage.next_review_due - approved).days in range(180, 185)
        assert revision.next_review_due == dosage.next_review_due

    def test_overdue_list_shows_only_past_due_parts(self, client, contributor, reviewer):
        """Reviewers see which live parts are past their review date, and by how much."""
        overdue = publish(monograph(name="Lateamine"), contributor=contributor, reviewer=reviewer)
        current = publish(monograph(name="Fineamine"), contributor=contributor, reviewer=reviewer)
        make_part_overdue(overdue, "usage", days=10)
        client.force_login(reviewer)
        response = client.get(OVERDUE)
        assert response.status_code == 200
        assert [row.part.title for row in response.context["overdue"]] == ["Usage"]
        assert "Lateamine" in response.text
        assert current.name not in response.text
        assert "<td>10</td>" in response.text
        assert "Overdue for re-review (1)" in client.get(QUEUE).text

    def test_overdue_list_query_count_is_constant(self, client, contributor, reviewer):
        """The overdue list costs the same queries for one part as for five."""

        def make_overdue(name):
            drug = publish(monograph(name=name), contributor=contributor, reviewer=reviewer)
            make_part_overdue(drug, "usage", days=1)

        client.force_login(reviewer)
        make_overdue("Overamine 0")
        client.get(OVERDUE)
        with CaptureQueriesContext(connection) as one:
            client.get(OVERDUE)
        for number in range(1, 5):
            make_overdue(f"Overamine {number}")
        with CaptureQueriesContext(connection) as five:
            response = client.get(OVERDUE)
        assert len(response.context["overdue"]) == 5
        assert len(five) == len(one)

    def test_readers_cannot_see_the_overdue_list(self, client, reader, login_url):
        """The overdue list is for staff only."""
        client.force_login(reader)
        response = client.get(OVERDUE)
        assert response.status_code == 302
        assert response.url.startswith(login_url)
