"""Scheduled publishing: approved now, live at a chosen time, through the same publishing path."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from monographs.models import Drug
from monographs.publication import PublishedSlugTaken
from reviews import services
from reviews.exceptions import NotPermitted
from reviews.models import AuditEntry, Review, WorkflowState, drug_workflow_state
from reviews.services import (
    drug_unpublish,
    review_approve,
    review_cancel_schedule,
    review_publish_due,
    review_submit,
)
from tests.factories import edit_section, monograph, publish, signed, signing

OLD, NEW = "The label as it is today.", "The label from the first of next month."


def page(client, drug) -> str:
    return client.get(reverse("monographs:drug_detail", args=[drug.slug])).content.decode()


def api(client, drug) -> str:
    return client.get(reverse("monographs:api_drug", args=[drug.slug])).content.decode()


@pytest.fixture
def pending(contributor, reviewer):
    """A published monograph with a submitted edit waiting for review."""
    drug = monograph(name="Valproate")
    edit_section(drug, OLD, by=contributor)
    publish(drug, contributor=contributor, reviewer=reviewer)
    edit_section(drug, NEW, by=contributor)
    return review_submit(drug=drug, by=contributor, comment="Label change")


def later(hours=24):
    return timezone.now() + timedelta(hours=hours)


@pytest.mark.django_db
class ScheduleTests:
    def test_the_reviewer_schedules_from_the_review_page(self, client, reviewer, pending):
        """Approving with a time records the approval; the old version stays public."""
        client.force_login(reviewer)
        go_live = timezone.localtime(later(48)).replace(second=0, microsecond=0)
        response = client.post(
            reverse("admin:reviews_review_decide", args=[pending.pk]),
            {
                **signing(),
                "outcome": "approve",
                "comment": "",
                "publish_at": go_live.strftime("%Y-%m-%dT%H:%M"),
            },
        )
        assert response.status_code == 302
        pending.refresh_from_db()
        assert pending.status == Review.Status.SCHEDULED
        assert pending.publish_at == go_live
        review_page = client.get(reverse("admin:reviews_review_change", args=[pending.pk]))
        assert "Approved, scheduled to go live on" in review_page.content.decode()
        drug = Drug.objects.get(pk=pending.drug_id)
        assert drug_workflow_state(drug) == WorkflowState.SCHEDULED
        client.logout()
        public = page(client, drug)
        assert OLD in public
        assert NEW not in public
        assert NEW not in api(client, drug)
        changes = client.get(reverse("monographs:drug_changes", args=[drug.slug])).content
        assert NEW.encode() not in changes

    def test_publish_due_publishes_once_the_time_has_come(self, client, reviewer, pending):
        """Before its time nothing happens; after it one run publishes, a second does nothing."""
        review_approve(review=pending, by=reviewer, publish_at=later(1), signature=signed(reviewer))
        assert review_publish_due(now=timezone.now()) == []
        published = review_publish_due(now=later(2))
        assert [review.pk for review in published] == [pending.pk]
        assert review_publish_due(now=later(3)) == []
        drug = Drug.objects.get(pk=pending.drug_id)
        assert drug.published_revision_id == pending.revision_id
        assert drug.published_revision.approved_by == reviewer
        assert NEW in page(client, drug)
        actions = list(drug.audit_entries.values_list("action", flat=True))
        assert actions.count(AuditEntry.Action.PUBLISHED_AS_SCHEDULED) == 1

    def test_the_command_is_idempotent(self, reviewer, pending):
        """`manage.py publish_due` twice: published once, then nothing is due."""
        review_approve(review=pending, by=reviewer, publish_at=later(1), signature=signed(reviewer))
        Review.objects.filter(pk=pending.pk).update(
            publish_at=timezone.now() - timedelta(minutes=1)
        )
        first, second = StringIO(), StringIO()
        call_command("publish_due", stdout=first)
        call_command("publish_due", stdout=second)
        assert "Published Valproate, revision 2." in first.getvalue()
        assert second.getvalue().strip() == "Nothing is due."

    def test_a_time_in_the_past_is_refused_with_a_message(self, client, reviewer, pending):
        """A forged or mistaken past time is a form error; nothing is approved."""
        client.force_login(reviewer)
        past = timezone.localtime(timezone.now() - timedelta(hours=1))
        response = client.post(
            reverse("admin:reviews_review_decide", args=[pending.pk]),
            {**signing(), "outcome": "approve", "publish_at": past.strftime("%Y-%m-%dT%H:%M")},
        )
        assert response.status_code == 400
        assert "must be in the future" in response.content.decode()
        pending.refresh_from_db()
        assert pending.status == Review.Status.IN_REVIEW

    def test_only_a_decider_may_schedule(self, contributor, pending):
        """The four-eyes rule holds for a scheduled approval too."""
        with pytest.raises(NotPermitted):
            review_approve(
                review=pending, by=contributor, publish_at=later(), signature=signed(contributor)
            )


@pytest.mark.django_db
class CancellationTests:
    def test_a_newer_approval_cancels_the_schedule(self, contributor, reviewer, pending):
        """Approving a later revision straight away means the scheduled one never goes live."""
        review_approve(review=pending, by=reviewer, publish_at=later(1), signature=signed(reviewer))
        drug = Drug.objects.get(pk=pending.drug_id)
        edit_section(drug, "An urgent correction.", by=contributor)
        newer = review_submit(drug=drug, by=contributor)
        review_approve(review=newer, by=reviewer, signature=signed(reviewer))
        pending.refresh_from_db()
        assert pending.status == Review.Status.CANCELLED
        assert review_publish_due(now=later(2)) == []
        drug.refresh_from_db()
        assert drug.published_revision_id == newer.revision_id

    def test_unpublishing_cancels_the_schedule(self, reviewer, editor, pending):
        """A monograph taken off the site is not brought back by an old schedule."""
        review_approve(review=pending, by=reviewer, publish_at=later(1), signature=signed(reviewer))
        drug_unpublish(drug=Drug.objects.get(pk=pending.drug_id), by=editor)
        assert review_publish_due(now=later(2)) == []
        assert Drug.objects.get(pk=pending.drug_id).published_revision_id is None

    def test_the_submitter_withdraws_it_from_the_review_page(
        self, client, contributor, reviewer, pending
    ):
        """Cancelling keeps the current version public and is in the audit trail."""
        review_approve(review=pending, by=reviewer, publish_at=later(1), signature=signed(reviewer))
        client.force_login(contributor)
        response = client.post(reverse("admin:reviews_review_cancel_schedule", args=[pending.pk]))
        assert response.status_code == 302
        pending.refresh_from_db()
        assert pending.status == Review.Status.CANCELLED
        assert review_publish_due(now=later(2)) == []
        assert pending.drug.audit_entries.filter(
            action=AuditEntry.Action.SCHEDULE_CANCELLED, actor=contributor
        ).exists()

    def test_others_may_not_cancel_it(self, other_contributor, reviewer, pending):
        """Someone who neither submitted it nor reviews may not cancel a schedule."""
        review_approve(review=pending, by=reviewer, publish_at=later(1), signature=signed(reviewer))
        with pytest.raises(NotPermitted):
            review_cancel_schedule(review=pending, by=other_contributor)

    def test_publish_due_query_count_is_bounded(
        self, reviewer, pending, django_assert_max_num_queries
    ):
        """Publishing one due approval costs a bounded number of queries."""
        review_approve(review=pending, by=reviewer, publish_at=later(1), signature=signed(reviewer))
        with django_assert_max_num_queries(40):
            review_publish_due(now=later(2))


@pytest.mark.django_db
def test_contributors_are_told_when_it_goes_live(
    reviewer, pending, mailoutbox, django_capture_on_commit_callbacks
):
    """The e-mail about a scheduled approval says it is not live yet, and when it will be."""
    with django_capture_on_commit_callbacks(execute=True):
        review_approve(
            review=pending, by=reviewer, publish_at=later(24), signature=signed(reviewer)
        )
    subjects = [message.subject for message in mailoutbox]
    assert any("approved, to go live on" in subject for subject in subjects)
    assert not any("approved and published" in subject for subject in subjects)


@pytest.mark.django_db
class GuardTests:
    def test_a_scheduled_review_cannot_be_approved_again_to_go_live_now(
        self, client, reviewer, other_reviewer, pending
    ):
        """A stale tab or forged POST cannot publish a scheduled revision before its time."""
        review_approve(
            review=pending, by=reviewer, publish_at=later(24), signature=signed(reviewer)
        )
        client.force_login(other_reviewer)
        response = client.post(
            reverse("admin:reviews_review_decide", args=[pending.pk]),
            {"outcome": "approve", **signing()},
        )
        assert response.status_code == 302
        pending.refresh_from_db()
        assert pending.status == Review.Status.SCHEDULED
        assert Drug.objects.get(pk=pending.drug_id).published_revision_id != pending.revision_id

    def test_one_that_cannot_go_live_does_not_hold_up_the_others(
        self, contributor, reviewer, pending, monkeypatch
    ):
        """A schedule that cannot go live is cancelled with why; the others still go live."""
        review_approve(review=pending, by=reviewer, publish_at=later(1), signature=signed(reviewer))
        other = publish(monograph(name="Lamotrigine"), contributor=contributor, reviewer=reviewer)
        edit_section(other, "Also new.", by=contributor)
        second = review_submit(drug=other, by=contributor)
        review_approve(review=second, by=reviewer, publish_at=later(2), signature=signed(reviewer))
        real = services.publication_changed

        def address_taken_for_the_first(drug):
            if drug.pk == pending.drug_id:
                raise PublishedSlugTaken("Another monograph is published at /drugs/valproate/.")
            real(drug)

        monkeypatch.setattr(services, "publication_changed", address_taken_for_the_first)
        published = review_publish_due(now=later(3))
        assert [review.pk for review in published] == [second.pk]
        pending.refresh_from_db()
        assert pending.status == Review.Status.CANCELLED
        cancelled = pending.drug.audit_entries.get(action=AuditEntry.Action.SCHEDULE_CANCELLED)
        assert "Another monograph is published" in cancelled.comment
        assert review_publish_due(now=later(4)) == []
