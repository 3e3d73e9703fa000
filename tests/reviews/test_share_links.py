"""Shareable review links: one revision, read-only, for a specialist without an account."""

import re
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from reviews.models import AuditEntry, ShareLink
from reviews.services import review_submit
from tests.factories import edit_section, monograph

SUBMITTED = "Submitted wording for the specialist."


def share_url(review) -> str:
    return reverse("admin:reviews_review_share", args=[review.pk])


def link_from_messages(response) -> str:
    text = " ".join(str(message) for message in get_messages(response.wsgi_request))
    return re.search(r"https?://\S+/review-links/\S+/", text).group(0)


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def actions(drug) -> list[str]:
    return list(drug.audit_entries.order_by("created_at", "id").values_list("action", flat=True))


@pytest.fixture
def review(contributor):
    drug = monograph(name="Ursodiol")
    edit_section(drug, SUBMITTED, by=contributor)
    return review_submit(drug=drug, by=contributor)


@pytest.fixture
def shared(client, reviewer, review):
    """A reviewer made a link for Dr Lee; returns the path it opens at."""
    client.force_login(reviewer)
    response = client.post(share_url(review), {"recipient": "Dr Lee, hepatology", "days": "7"})
    assert response.status_code == 302
    return path_of(link_from_messages(response))


@pytest.mark.django_db
class ShareLinkTests:
    def test_a_specialist_without_an_account_reads_the_revision(self, shared, review):
        """The link opens the submitted revision read-only, not indexed, not cached, no cookie."""
        response = Client().get(shared)
        html = response.content.decode()
        assert response.status_code == 200
        assert SUBMITTED in html
        assert "Draft — not reviewed." in html
        assert "<form" not in html.split("<main", 1)[-1].split("</main>")[0]
        assert response["X-Robots-Tag"] == "noindex, nofollow"
        assert "no-store" in response["Cache-Control"]
        assert response["Referrer-Policy"] == "no-referrer"
        assert "Set-Cookie" not in response
        assert actions(review.drug) == ["submitted", "link_created", "link_opened"]
        created = review.drug.audit_entries.get(action=AuditEntry.Action.LINK_CREATED)
        assert "Dr Lee, hepatology" in created.comment

    def test_it_never_shows_a_later_draft(self, shared, review, contributor):
        """Edits after submitting stay private: the link shows only its revision."""
        edit_section(review.drug, "A later, unreviewed draft.", by=contributor)
        html = Client().get(shared).content.decode()
        assert SUBMITTED in html
        assert "A later, unreviewed draft." not in html

    def test_a_forged_or_altered_token_finds_nothing(self, shared):
        """Only tokens MedRef signed open anything."""
        assert Client().get(shared[:-3] + "xyz/").status_code == 404
        assert Client().get("/review-links/1/").status_code == 404

    def test_a_revoked_link_is_gone_at_once(self, client, shared, review):
        """Revoking answers 410 with a plain message, and the audit trail says who revoked it."""
        link = ShareLink.objects.get()
        response = client.post(
            reverse("admin:reviews_review_share_revoke", args=[review.pk, link.pk])
        )
        assert response.status_code == 302
        gone = Client().get(shared)
        assert gone.status_code == 410
        assert "withdrawn by the MedRef editorial team" in gone.content.decode()
        assert actions(review.drug)[-1] == "link_revoked"
        assert (
            "Revoke</button>"
            not in client.get(
                reverse("admin:reviews_review_change", args=[review.pk])
            ).content.decode()
        )

    def test_an_expired_link_is_gone(self, shared):
        """After its days are up the link answers 410."""
        ShareLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
        gone = Client().get(shared)
        assert gone.status_code == 410
        assert "expired" in gone.content.decode()

    def test_the_review_page_lists_the_links(self, client, shared, review):
        """Reviewers see who each link is for, until when, and can copy it."""
        html = client.get(reverse("admin:reviews_review_change", args=[review.pk])).content
        html = html.decode()
        assert "Dr Lee, hepatology" in html
        assert path_of(shared) in html

    def test_a_contributor_may_not_create_one_even_by_a_forged_post(
        self, client, contributor, review
    ):
        """Sharing is for reviewers and editors: others get 403 and no link exists."""
        client.force_login(contributor)
        response = client.post(share_url(review), {"recipient": "Anyone", "days": "7"})
        assert response.status_code == 403
        assert not ShareLink.objects.exists()

    def test_a_link_lasts_at_most_thirty_days(self, client, reviewer, review):
        """Asking for longer is refused with a message, and nothing is created."""
        client.force_login(reviewer)
        response = client.post(share_url(review), {"recipient": "Dr Lee", "days": "365"})
        assert response.status_code == 400
        assert "less than or equal to 30" in response.content.decode()
        assert not ShareLink.objects.exists()

    def test_a_recipient_name_is_escaped(self, client, reviewer, review):
        """What is typed as the recipient is shown as text on the review page."""
        client.force_login(reviewer)
        client.post(share_url(review), {"recipient": "<script>alert(1)</script>", "days": "7"})
        html = client.get(reverse("admin:reviews_review_change", args=[review.pk])).content
        assert b"<script>alert(1)</script>" not in html
        assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in html
