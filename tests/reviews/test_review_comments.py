"""Comments without a verdict: a reviewer who may not approve (yet) can still comment."""

import pytest
from django.core import mail
from django.urls import reverse

from monographs.models import SectionKind
from reviews.models import AuditEntry, Review, ReviewComment
from reviews.services import review_submit, review_withdraw
from tests.factories import (
    ContributorFactory,
    InterestDeclarationFactory,
    edit_section,
    monograph,
    publish,
)


def review_url(review) -> str:
    return reverse("admin:reviews_review_change", args=[review.pk])


def comment_url(review) -> str:
    return reverse("admin:reviews_review_comment", args=[review.pk])


def post_comment(client, review, body):
    return client.post(comment_url(review), {"body": body})


@pytest.fixture
def open_review(contributor, other_reviewer):
    drug = publish(
        monograph(name="Commentol", sections=(SectionKind.USAGE,)),
        contributor=contributor,
        reviewer=other_reviewer,
    )
    contributor.email = "carla@example.org"
    contributor.save()
    edit_section(drug, "Used for a clearer condition.", by=contributor)
    return review_submit(drug=drug, by=contributor, comment="Clearer usage.")


@pytest.mark.django_db
class CommentWithoutDecidingTests:
    @pytest.mark.parametrize("who", ["unverified", "expired"])
    def test_reviewer_who_cannot_approve_can_comment(
        self, client, request, who, open_review, django_capture_on_commit_callbacks
    ):
        """The page says why they cannot decide, offers a comment box, and the comment lands."""
        user = request.getfixturevalue(who)
        client.force_login(user)
        page = client.get(review_url(open_review)).text
        assert "You cannot decide on this review" in page
        assert f'action="{comment_url(open_review)}"' in page

        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            response = post_comment(client, open_review, "Check the dose <b>units</b>, please.")

        assert response.status_code == 302
        assert response["Location"].endswith("#review-comments")
        comment = ReviewComment.objects.get(review=open_review)
        assert (comment.author, comment.body) == (user, "Check the dose <b>units</b>, please.")
        assert Review.objects.get(pk=open_review.pk).status == Review.Status.IN_REVIEW
        assert not open_review.decisions.exists()
        page = client.get(review_url(open_review)).text
        assert "Check the dose &lt;b&gt;units&lt;/b&gt;, please." in page
        assert "<b>units</b>" not in page
        entry = AuditEntry.objects.get(action=AuditEntry.Action.COMMENTED)
        assert (entry.actor, entry.drug, entry.comment) == (
            user,
            open_review.drug,
            comment.body,
        )
        [message] = [m for m in mail.outbox if "carla@example.org" in m.to]
        assert "Check the dose <b>units</b>, please." in message.body

    def test_editor_can_comment(self, client, editor, open_review):
        client.force_login(editor)
        assert post_comment(client, open_review, "Please cite the SmPC.").status_code == 302
        assert ReviewComment.objects.filter(author=editor, review=open_review).exists()

    def test_submitter_reads_the_comment_and_cannot_post_one(
        self, client, contributor, unverified, open_review
    ):
        """Contributors read reviewer comments on their submission; a forged comment is a 403."""
        ReviewComment.objects.create(review=open_review, author=unverified, body="Looks thin.")
        client.force_login(contributor)
        page = client.get(review_url(open_review)).text
        assert "Looks thin." in page
        assert f'action="{comment_url(open_review)}"' not in page

        response = post_comment(client, open_review, "Forged comment")

        assert response.status_code == 403
        assert not ReviewComment.objects.filter(body="Forged comment").exists()

    def test_other_contributor_cannot_read_comments(self, client, unverified, open_review):
        """Someone with no part in the revision sees that comments exist, not what they say."""
        ReviewComment.objects.create(review=open_review, author=unverified, body="Looks thin.")
        client.force_login(ContributorFactory(username="outsider"))
        page = client.get(review_url(open_review)).text
        assert "Looks thin." not in page
        assert "Reviewer comments are visible to the submitter" in page

    def test_recused_reviewer_cannot_comment(self, client, reviewer, open_review):
        """A declared interest in the drug keeps its holder out of the discussion too."""
        InterestDeclarationFactory(
            reviewer=reviewer, description="Shares in the maker", drugs=[open_review.drug]
        )
        client.force_login(reviewer)
        page = client.get(review_url(open_review)).text
        assert f'action="{comment_url(open_review)}"' not in page

        response = post_comment(client, open_review, "Conflicted opinion")

        assert response.status_code == 403
        assert not ReviewComment.objects.exists()

    def test_empty_comment_is_refused_on_the_page(self, client, unverified, open_review):
        client.force_login(unverified)
        response = post_comment(client, open_review, "   ")
        assert response.status_code == 400
        assert "This field is required." in response.text
        assert not ReviewComment.objects.exists()

    def test_too_long_comment_keeps_the_text(self, client, unverified, open_review):
        """A comment over the limit is refused with the reason, and the typed text is kept."""
        client.force_login(unverified)
        body = "word " * 1100
        response = post_comment(client, open_review, body)
        assert response.status_code == 400
        assert f"at most {ReviewComment.MAX_LENGTH} characters" in response.text
        assert body.strip() in response.text
        assert not ReviewComment.objects.exists()

    def test_comment_on_a_closed_review_keeps_the_text(
        self, client, contributor, unverified, open_review
    ):
        """A review closed while the comment was typed: a message, and the text stays typed."""
        client.force_login(unverified)
        client.get(review_url(open_review))
        review_withdraw(review=open_review, by=contributor)

        response = post_comment(client, open_review, "Too late, but kept.")

        assert response.status_code == 400
        assert "This review is already withdrawn." in response.text
        assert "Too late, but kept." in response.text
        assert not ReviewComment.objects.exists()

    def test_closed_review_offers_no_comment_box(
        self, client, contributor, unverified, open_review
    ):
        review_withdraw(review=open_review, by=contributor)
        client.force_login(unverified)
        page = client.get(review_url(open_review)).text
        assert f'action="{comment_url(open_review)}"' not in page
