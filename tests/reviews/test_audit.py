"""The per-monograph audit trail in the admin."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reviews.models import AuditEntry
from reviews.services import (
    drug_unpublish,
    review_request_changes,
    review_submit,
    review_withdraw,
)
from tests.factories import edit_section, monograph, publish


def audit_url(drug) -> str:
    return reverse("admin:monographs_drug_workflow_audit", args=[drug.pk])


@pytest.fixture
def eventful_drug(contributor, reviewer, other_reviewer, editor):
    """A monograph sent back once, then published by two reviewers, then unpublished."""
    drug = monograph(name="Auditamine")
    review_request_changes(
        review=review_submit(drug=drug, by=contributor, comment="First try"),
        by=reviewer,
        comment="Reviewer says: add sources",
    )
    edit_section(drug, by=contributor)
    publish(
        drug,
        contributor=contributor,
        reviewer=reviewer,
        second_reviewer=other_reviewer,
        comment="Second try",
    )
    drug_unpublish(drug=drug, by=editor, comment="Market withdrawal")
    return drug


@pytest.mark.django_db
class AuditTrailTests:
    def test_every_move_is_listed_newest_first(
        self, client, editor, reviewer, other_reviewer, eventful_drug
    ):
        """The audit trail lists each workflow move with who did it, newest first: the dosage
        change needed a second reviewer, so the first approval was in part."""
        client.force_login(editor)
        response = client.get(audit_url(eventful_drug))
        assert response.status_code == 200
        actions = [row.entry.action for row in response.context["rows"]]
        assert actions == [
            "unpublished",
            "approved",
            "parts_decided",
            "submitted",
            "changes_requested",
            "submitted",
        ]
        actors = [row.actor_name for row in response.context["rows"]]
        assert actors[:3] == [
            "eddie",
            f"{other_reviewer.get_full_name()}, MD",
            f"{reviewer.get_full_name()}, MD",
        ]
        assert "Market withdrawal" in response.text
        assert "Reviewer says: add sources" in response.text

    def test_reviewer_comments_hidden_from_uninvolved_contributors(
        self, client, other_contributor, eventful_drug
    ):
        """A contributor who had no part in the revision sees the moves but not review comments."""
        client.force_login(other_contributor)
        response = client.get(audit_url(eventful_drug))
        assert response.status_code == 200
        assert "Reviewer says: add sources" not in response.text
        assert "Reviewer comment (visible to the submitter" in response.text
        assert "First try" in response.text  # the submitter's own reason is not a review comment

    def test_submitter_reads_reviewer_comments(self, client, contributor, eventful_drug):
        """The submitter reads what the reviewer said in the audit trail."""
        client.force_login(contributor)
        assert "Reviewer says: add sources" in client.get(audit_url(eventful_drug)).text

    def test_audit_trail_is_read_only(self, client, editor, eventful_drug):
        """The audit trail cannot be written through its page or the admin."""
        client.force_login(editor)
        assert client.post(audit_url(eventful_drug)).status_code == 405
        entry = AuditEntry.objects.first()
        change = reverse("admin:reviews_auditentry_change", args=[entry.pk])
        delete = reverse("admin:reviews_auditentry_delete", args=[entry.pk])
        assert client.post(change, {"comment": "rewritten"}).status_code == 403
        assert client.post(delete, {"post": "yes"}).status_code == 403
        assert client.get(reverse("admin:reviews_auditentry_add")).status_code == 403
        entry.refresh_from_db()
        assert entry.comment != "rewritten"

    def test_global_audit_list_is_for_reviewers_and_editors(self, client, contributor, editor):
        """Across monographs, the audit list is for those who may read every comment."""
        changelist = reverse("admin:reviews_auditentry_changelist")
        client.force_login(contributor)
        assert client.get(changelist).status_code == 403
        client.force_login(editor)
        assert client.get(changelist).status_code == 200

    def test_audit_query_count_is_constant(self, client, editor, contributor, reviewer):
        """The audit trail costs the same queries for two entries as for twenty."""
        drug = monograph(name="Countamine")
        review_withdraw(review=review_submit(drug=drug, by=contributor), by=contributor)
        client.force_login(editor)
        client.get(audit_url(drug))
        with CaptureQueriesContext(connection) as few:
            client.get(audit_url(drug))
        for round_ in range(6):
            edit_section(drug, by=contributor, body=f"Round {round_}")
            review_request_changes(
                review=review_submit(drug=drug, by=contributor), by=reviewer, comment="Again"
            )
        with CaptureQueriesContext(connection) as many:
            response = client.get(audit_url(drug))
        assert len(response.context["rows"]) == 14
        assert len(many) == len(few)
