"""E-mail on submit, approve and changes requested: the right people, and a receipt on submit."""

import pytest
from django.urls import reverse

from monographs.models import SectionKind
from reviews.services import review_submit
from tests.factories import (
    ContributorFactory,
    ReviewerFactory,
    UserFactory,
    edit_section,
    join_groups,
    monograph,
    signing,
)


def recipients(mailoutbox) -> set[str]:
    return {address for mail in mailoutbox for address in mail.to}


@pytest.fixture
def co_author(db):
    return ContributorFactory(username="cora")


@pytest.fixture
def submitted(
    client,
    contributor,
    co_author,
    reviewer,
    other_reviewer,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    """A monograph edited by two contributors and submitted (through the admin) by one; its
    usage section alone needs one approval."""
    drug = monograph(name="Mailamine", sections=(SectionKind.USAGE,))
    edit_section(drug, by=co_author)
    client.force_login(contributor)
    url = reverse("admin:monographs_drug_workflow_submit", args=[drug.pk])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"reason": "Clearer dosage"})
    return drug.reviews.get()


def decide(client, user, review, captured, **data):
    client.force_login(user)
    with captured(execute=True):
        return client.post(
            reverse("admin:reviews_review_decide", args=[review.pk]), {**signing(), **data}
        )


@pytest.mark.django_db
class SubmitMailTests:
    def test_reviewers_co_authors_and_submitter_are_told(
        self, submitted, mailoutbox, reviewer, other_reviewer, co_author, contributor
    ):
        """Submitting asks every credentialed reviewer, tells the co-author, and gives a receipt."""
        assert recipients(mailoutbox) == {
            reviewer.email,
            other_reviewer.email,
            co_author.email,
            contributor.email,
        }
        receipt = next(mail for mail in mailoutbox if mail.to == [contributor.email])
        assert receipt.subject == "[MedRef] Your submission is in review: Mailamine"
        to_reviewer = next(mail for mail in mailoutbox if mail.to == [reviewer.email])
        assert to_reviewer.subject == "[MedRef] Review requested: Mailamine"
        assert "Clearer dosage" in to_reviewer.body
        assert reverse("admin:reviews_review_change", args=[submitted.pk]) in to_reviewer.body

    def test_reviewers_without_credential_or_who_edited_are_not_asked(
        self, client, contributor, mailoutbox, django_capture_on_commit_callbacks
    ):
        """Only reviewers able to decide are asked: credentialed and not among the authors."""
        able = ReviewerFactory(username="able")
        ReviewerFactory(username="uncredentialed", profile__credential="")
        editing = ReviewerFactory(username="editing")
        join_groups(editing, ["Contributors"])
        UserFactory(username="bystander", is_staff=True)
        drug = monograph(name="Askamine")
        edit_section(drug, by=editing)
        with django_capture_on_commit_callbacks(execute=True):
            review_submit(drug=drug, by=contributor)
        assert recipients(mailoutbox) == {able.email, editing.email, contributor.email}
        to_editing = next(mail for mail in mailoutbox if mail.to == [editing.email])
        assert "Submitted for review" in to_editing.subject  # told as a co-author, not asked

    def test_no_mail_when_the_submission_is_refused(
        self, client, contributor, mailoutbox, django_capture_on_commit_callbacks, published_drug
    ):
        """A refused submission mails nobody."""
        mailoutbox.clear()
        client.force_login(contributor)
        url = reverse("admin:monographs_drug_workflow_submit", args=[published_drug.pk])
        with django_capture_on_commit_callbacks(execute=True):
            client.post(url, {"reason": ""})
        assert mailoutbox == []


@pytest.mark.django_db
class DecisionMailTests:
    def test_approval_in_part_asks_the_other_reviewers(
        self,
        client,
        contributor,
        reviewer,
        other_reviewer,
        mailoutbox,
        django_capture_on_commit_callbacks,
    ):
        """A first approval of a dosage change asks the other reviewers for the second one."""
        drug = monograph(name="Twiceamine", sections=(SectionKind.DOSAGE,))
        review = review_submit(drug=drug, by=contributor)
        mailoutbox.clear()
        decide(client, reviewer, review, django_capture_on_commit_callbacks, outcome="approve")
        assert recipients(mailoutbox) == {other_reviewer.email}
        assert mailoutbox[0].subject == "[MedRef] Further review needed: Twiceamine"

    def test_approval_tells_submitter_and_authors(
        self,
        client,
        submitted,
        mailoutbox,
        reviewer,
        contributor,
        co_author,
        django_capture_on_commit_callbacks,
    ):
        """Approving mails the submitter and the co-author, not the approving reviewer."""
        mailoutbox.clear()
        response = decide(
            client,
            reviewer,
            submitted,
            django_capture_on_commit_callbacks,
            outcome="approve",
            comment="Well sourced.",
        )
        assert response.status_code == 302
        assert recipients(mailoutbox) == {contributor.email, co_author.email}
        assert mailoutbox[0].subject == "[MedRef] Mailamine approved and published"
        assert "Well sourced." in mailoutbox[0].body

    def test_changes_requested_tells_submitter_and_authors_with_the_comment(
        self,
        client,
        submitted,
        mailoutbox,
        reviewer,
        contributor,
        co_author,
        django_capture_on_commit_callbacks,
    ):
        """Sending back mails the submitter and co-author the reviewer's comment."""
        mailoutbox.clear()
        decide(
            client,
            reviewer,
            submitted,
            django_capture_on_commit_callbacks,
            outcome="request_changes",
            comment="Cite the dosing guideline.",
        )
        assert recipients(mailoutbox) == {contributor.email, co_author.email}
        assert all("sent back for changes" in mail.subject for mail in mailoutbox)
        assert all("Cite the dosing guideline." in mail.body for mail in mailoutbox)

    def test_refused_decision_mails_nobody(
        self, client, submitted, mailoutbox, contributor, django_capture_on_commit_callbacks
    ):
        """A forged decision that is refused sends no mail."""
        mailoutbox.clear()
        response = decide(
            client, contributor, submitted, django_capture_on_commit_callbacks, outcome="approve"
        )
        assert response.status_code == 403
        assert mailoutbox == []

    def test_withdrawal_tells_the_reviewers(
        self,
        client,
        submitted,
        mailoutbox,
        contributor,
        reviewer,
        other_reviewer,
        django_capture_on_commit_callbacks,
    ):
        """Withdrawing a submission tells the reviewers it left the queue."""
        mailoutbox.clear()
        client.force_login(contributor)
        url = reverse("admin:monographs_drug_workflow_withdraw", args=[submitted.drug_id])
        with django_capture_on_commit_callbacks(execute=True):
            client.post(url)
        assert recipients(mailoutbox) == {reviewer.email, other_reviewer.email}
        assert all(mail.subject == "[MedRef] Withdrawn: Mailamine" for mail in mailoutbox)

    def test_subject_never_carries_a_line_break(
        self, contributor, reviewer, mailoutbox, django_capture_on_commit_callbacks
    ):
        """A name with a line break cannot inject mail headers."""
        drug = monograph(name="Line\nBcc: victim@example.com")
        with django_capture_on_commit_callbacks(execute=True):
            review_submit(drug=drug, by=contributor)
        assert mailoutbox
        assert all("\n" not in mail.subject for mail in mailoutbox)
        assert {tuple(mail.to) for mail in mailoutbox} == {(reviewer.email,), (contributor.email,)}
