"""Titles, names, comments and credentials are shown as text on every workflow screen."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from reviews.services import review_request_changes, review_submit
from tests.factories import ReviewerFactory, edit_section, monograph, part_key_of, publish
from tests.pagechecks import assert_page_inert

HOSTILE_NAME = "<script>alert(1)</script>"
HOSTILE_COMMENT = '<img src=x onerror="alert(2)"> <b onmouseover=alert(3)>bold</b>'
HOSTILE_PERSON = "<svg onload=alert(4)>"
HOSTILE_CREDENTIAL = '<a href="javascript:alert(5)">MD</a>'


@pytest.fixture
def hostile(contributor):
    """A monograph, a reviewer and comments whose every text is an XSS attempt."""
    reviewer = ReviewerFactory(
        username="mallory", first_name=HOSTILE_PERSON, last_name="Doe", profile__credential="MD"
    )
    contributor.first_name = HOSTILE_PERSON
    contributor.save()
    drug = publish(monograph(name=HOSTILE_NAME), contributor=contributor, reviewer=reviewer)
    reviewer.reviewer_profile.credential = HOSTILE_CREDENTIAL
    reviewer.reviewer_profile.save()
    revision = drug.published_revision
    revision.next_review_due = timezone.localdate() - timedelta(days=1)
    revision.save(update_fields=["next_review_due"])
    revision.reviewed_parts.update(next_review_due=revision.next_review_due)
    edit_section(drug, by=contributor)
    sent_back = review_submit(drug=drug, by=contributor, comment=HOSTILE_COMMENT)
    review_request_changes(
        review=sent_back,
        by=reviewer,
        comment=HOSTILE_COMMENT,
        part_notes={part_key_of(sent_back, "usage"): HOSTILE_COMMENT},
    )
    edit_section(drug, by=contributor)
    review = review_submit(drug=drug, by=contributor, comment=HOSTILE_COMMENT)
    return drug, review, reviewer


PAGES = {
    "review queue": lambda drug, review: reverse("admin:reviews_review_changelist"),
    "review page": lambda drug, review: reverse("admin:reviews_review_change", args=[review.pk]),
    "audit trail": lambda drug, review: reverse(
        "admin:monographs_drug_workflow_audit", args=[drug.pk]
    ),
    "change form": lambda drug, review: reverse("admin:monographs_drug_change", args=[drug.pk]),
    "drug list": lambda drug, review: reverse("admin:monographs_drug_changelist"),
    "overdue list": lambda drug, review: reverse("admin:reviews_review_overdue"),
    "withdraw page": lambda drug, review: reverse(
        "admin:monographs_drug_workflow_withdraw", args=[drug.pk]
    ),
    "reviewer profiles": lambda drug, review: reverse("admin:reviews_reviewerprofile_changelist"),
}


@pytest.mark.django_db
class EscapingTests:
    @pytest.mark.parametrize("page", list(PAGES))
    def test_hostile_text_is_shown_never_run(self, client, contributor, editor, hostile, page):
        """Names, titles, comments and credentials appear as text, with no live markup."""
        drug, review, _ = hostile
        user = editor if page == "reviewer profiles" else contributor
        client.force_login(user)
        response = client.get(PAGES[page](drug, review))
        assert response.status_code == 200
        assert_page_inert(response.text)
        assert HOSTILE_NAME not in response.text
        if page != "reviewer profiles":
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text

    def test_comments_and_credentials_on_the_review_page_are_text(
        self, client, contributor, hostile
    ):
        """Reviewer comments, notes and credentials read as the characters typed."""
        _drug, review, _ = hostile
        client.force_login(contributor)
        response = client.get(reverse("admin:reviews_review_change", args=[review.pk]))
        assert_page_inert(response.text, payload_text=HOSTILE_COMMENT)
        assert_page_inert(response.text, payload_text=HOSTILE_PERSON)

    def test_messages_escape_the_monograph_name(self, client, contributor, hostile):
        """A success message naming the monograph shows its name as text."""
        drug, _review, _ = hostile
        client.force_login(contributor)
        url = reverse("admin:monographs_drug_workflow_withdraw", args=[drug.pk])
        response = client.post(url, follow=True)
        assert f"of “{HOSTILE_NAME}” was withdrawn" in "".join(
            str(message) for message in response.context["messages"]
        )
        assert_page_inert(response.text, payload_text=f"“{HOSTILE_NAME}” was withdrawn")

    def test_decision_message_escapes_the_monograph_name(self, client, other_reviewer, hostile):
        """The reviewer's confirmation after a decision shows the name as text."""
        _drug, review, _ = hostile
        client.force_login(other_reviewer)
        response = client.post(
            reverse("admin:reviews_review_decide", args=[review.pk]),
            {"outcome": "request_changes", "comment": HOSTILE_COMMENT},
            follow=True,
        )
        assert response.status_code == 200
        assert_page_inert(response.text, payload_text=f"“{HOSTILE_NAME}” revision")
