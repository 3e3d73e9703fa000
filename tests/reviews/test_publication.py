"""What the public sees moves only on approval: drafts, reviews and restores leave it alone."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from monographs.models import SectionKind
from reviews.models import Review, WorkflowState, drug_workflow_state
from reviews.services import review_submit
from tests.factories import edit_section, monograph, publish, signing
from tests.monographs.adminforms import change_form_data, section_field


def public_article(client, drug) -> str:
    client.logout()
    response = client.get(drug.get_absolute_url())
    assert response.status_code == 200
    return response.text


@pytest.mark.django_db
class PendingDraftTests:
    def test_edit_and_submit_through_the_admin_leave_the_public_page_alone(
        self, client, contributor, reviewer, published_drug, django_capture_on_commit_callbacks
    ):
        """A draft saved and submitted in the admin never reaches readers before approval."""
        before = public_article(client, published_drug)
        client.force_login(contributor)
        data = change_form_data(client, published_drug)
        data[section_field(data, 0, "body")] = "An unreviewed dosage claim."
        assert (
            client.post(
                reverse("admin:monographs_drug_change", args=[published_drug.pk]), data
            ).status_code
            == 302
        )
        client.post(
            reverse("admin:monographs_drug_workflow_submit", args=[published_drug.pk]),
            {"reason": "New claim"},
        )
        assert Review.objects.in_review().filter(drug=published_drug).exists()
        assert public_article(client, published_drug) == before

        client.force_login(reviewer)
        review = Review.objects.in_review().get(drug=published_drug)
        with django_capture_on_commit_callbacks(execute=True):
            client.post(
                reverse("admin:reviews_review_decide", args=[review.pk]),
                {"outcome": "approve", **signing()},
            )
        assert "An unreviewed dosage claim." in public_article(client, published_drug)


@pytest.mark.django_db
class RestoreTests:
    def test_restore_makes_a_draft_and_leaves_what_is_live(
        self, client, contributor, reviewer, editor
    ):
        """Restoring an old version changes the working copy only, and brings back no approval."""
        drug = monograph(name="Restorol")
        edit_section(drug, by=contributor, body="Version one.")
        drug = publish(drug, contributor=contributor, reviewer=reviewer)
        first = drug.published_revision
        edit_section(drug, by=contributor, body="Version two.")
        drug = publish(drug, contributor=contributor, reviewer=reviewer)
        live = drug.published_revision
        before = public_article(client, drug)

        client.force_login(editor)
        response = client.post(
            reverse("admin:monographs_drug_restore", args=[drug.pk]),
            {"at": first.created_at.isoformat(), "reason": "Back to version one"},
        )
        assert response.status_code == 302
        drug.refresh_from_db()
        assert drug.sections.order_by("position")[0].body == "Version one."
        assert drug.published_revision == live
        assert drug_workflow_state(drug) == WorkflowState.PUBLISHED_WITH_CHANGES
        assert public_article(client, drug) == before

        review = review_submit(drug=drug, by=editor)
        assert review.revision.number == 3
        assert not review.revision.is_approved

    def test_restore_during_review_supersedes_it(self, client, contributor, reviewer, editor):
        """A restore is an edit like any other: a pending review of older content is closed."""
        drug = publish(monograph(name="Restorene"), contributor=contributor, reviewer=reviewer)
        published = drug.published_revision
        edit_section(drug, by=contributor, body="Pending change.")
        review = review_submit(drug=drug, by=contributor)
        client.force_login(editor)
        client.post(
            reverse("admin:monographs_drug_restore", args=[drug.pk]),
            {"at": published.created_at.isoformat()},
        )
        review.refresh_from_db()
        assert review.status == Review.Status.SUPERSEDED


@pytest.mark.django_db
class PublicPageCostTests:
    def test_public_page_query_count_does_not_grow_with_sections(
        self, client, contributor, reviewer
    ):
        """A public page costs the same queries for a monograph of 1 section or 10."""
        small = publish(
            monograph(name="Smallol", sections=[SectionKind.USAGE], faqs=1),
            contributor=contributor,
            reviewer=reviewer,
        )
        large = publish(
            monograph(name="Largol", sections=[SectionKind.OTHER] * 10, faqs=10),
            contributor=contributor,
            reviewer=reviewer,
        )
        small_url, large_url = small.get_absolute_url(), large.get_absolute_url()
        client.get(small_url)
        cache.clear()  # measure rendering, not the page cache
        with CaptureQueriesContext(connection) as one:
            assert client.get(small_url).status_code == 200
        cache.clear()
        with CaptureQueriesContext(connection) as ten:
            response = client.get(large_url)
        assert response.status_code == 200
        assert response.text.count("Used for") == 10
        assert 1 <= len(ten) == len(one)
