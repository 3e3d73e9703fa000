"""Declared interests: a reviewer with a current interest in a drug is recused from it."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from monographs.models import Reconfirmation, ReviewedPart, SectionKind
from reviews.models import AuditEntry, InterestDeclaration, PartDecision, Review
from reviews.services import review_submit
from tests.factories import (
    InterestDeclarationFactory,
    edit_section,
    monograph,
    publish,
)


def queue_url(show: str = "") -> str:
    url = reverse("admin:reviews_review_changelist")
    return f"{url}?show={show}" if show else url


def review_url(review) -> str:
    return reverse("admin:reviews_review_change", args=[review.pk])


def decide_url(review) -> str:
    return reverse("admin:reviews_review_decide", args=[review.pk])


@pytest.fixture
def open_review(contributor, other_reviewer):
    """Statinol (a statin), published, its usage edited and submitted again."""
    drug = publish(
        monograph(name="Statinol", sections=(SectionKind.USAGE,), drug_class="Statins"),
        contributor=contributor,
        reviewer=other_reviewer,
    )
    edit_section(drug, "Used to lower cholesterol.", by=contributor)
    return review_submit(drug=drug, by=contributor, comment="Clearer usage.")


@pytest.fixture
def drug_interest(reviewer, open_review):
    return InterestDeclarationFactory(
        reviewer=reviewer, description="Shares in the maker", drugs=[open_review.drug]
    )


@pytest.mark.django_db
class RecusalTests:
    def test_review_page_says_recused(self, client, reviewer, drug_interest, open_review):
        """The review page names the interest and offers no decision."""
        client.force_login(reviewer)
        page = client.get(review_url(open_review)).text
        assert "You declared an interest in Statinol (Shares in the maker, since " in page
        assert "): recused." in page
        assert f'action="{decide_url(open_review)}"' not in page

    @pytest.mark.parametrize("outcome", ["approve", "request_changes"])
    def test_forged_decisions_are_refused(
        self, client, reviewer, drug_interest, open_review, outcome
    ):
        """A recused reviewer's forged approve or send-back is a 403 and records nothing."""
        client.force_login(reviewer)
        response = client.post(decide_url(open_review), {"outcome": outcome, "comment": "Fine."})
        assert response.status_code == 403
        assert Review.objects.get(pk=open_review.pk).is_open
        assert not PartDecision.objects.filter(review=open_review).exists()

    def test_a_class_interest_recuses_from_the_classes_drugs(self, client, reviewer, open_review):
        """An interest in a drug class recuses from each of its drugs, whatever the case."""
        InterestDeclarationFactory(reviewer=reviewer, drug_classes="statins\nOpioids")
        client.force_login(reviewer)
        assert "): recused." in client.get(review_url(open_review)).text
        assert reviewer not in open_review.deciders()

    def test_queue_says_recused_and_mine_leaves_it_out(
        self, client, reviewer, drug_interest, open_review
    ):
        """The queue marks the review recused; "Mine to review" and the dashboard omit it."""
        client.force_login(reviewer)
        assert "You declared an interest in Statinol: recused." in client.get(queue_url()).text
        assert "Statinol" not in client.get(queue_url("mine")).text
        assert not Review.objects.reviewable_by(reviewer).exists()

    def test_an_ended_or_future_interest_recuses_from_nothing(self, client, reviewer, open_review):
        """Interests that ended, or start later, leave the reviewer free to decide."""
        today = timezone.localdate()
        InterestDeclarationFactory(
            reviewer=reviewer,
            drugs=[open_review.drug],
            starts_on=today - timedelta(days=90),
            ends_on=today - timedelta(days=1),
        )
        InterestDeclarationFactory(
            reviewer=reviewer, drugs=[open_review.drug], starts_on=today + timedelta(days=5)
        )
        client.force_login(reviewer)
        assert f'action="{decide_url(open_review)}"' in client.get(review_url(open_review)).text
        assert Review.objects.reviewable_by(reviewer).filter(pk=open_review.pk).exists()
        assert reviewer in open_review.deciders()

    def test_recused_reviewer_is_not_notified(self, reviewer, drug_interest, open_review):
        """Deciders, who are e-mailed about the review, leave out the recused."""
        assert reviewer not in open_review.deciders()

    def test_forged_reconfirm_is_refused(self, client, reviewer, drug_interest, open_review):
        """A recused reviewer may not re-confirm a live part of the drug either."""
        part = ReviewedPart.objects.live().get(revision__drug=open_review.drug, kind="usage")
        client.force_login(reviewer)
        response = client.post(reverse("admin:reviews_review_reconfirm", args=[part.pk]))
        assert response.status_code == 403
        assert not Reconfirmation.objects.exists()


def declaration_form(**fields) -> dict:
    return {
        "description": "Advisory board for a maker",
        "drug_classes": "",
        "manufacturers": "",
        "starts_on": timezone.localdate().isoformat(),
        "ends_on": "",
        **fields,
    }


@pytest.mark.django_db
class DeclarationAdminTests:
    def test_reviewer_declares_their_own_interest(self, client, reviewer, open_review):
        """A reviewer declares an interest in the admin; it is theirs and audited."""
        client.force_login(reviewer)
        response = client.post(
            reverse("admin:reviews_interestdeclaration_add"),
            declaration_form(drugs=[open_review.drug.pk], manufacturers="Acme Pharma"),
        )
        assert response.status_code == 302
        declaration = InterestDeclaration.objects.get()
        assert declaration.reviewer == reviewer
        assert list(declaration.drugs.all()) == [open_review.drug]
        entry = AuditEntry.objects.get(action=AuditEntry.Action.INTEREST_DECLARED)
        assert (entry.actor, entry.subject) == (reviewer, reviewer)
        assert entry.details["changes"]["drugs"] == ["", "Statinol"]
        assert not Review.objects.reviewable_by(reviewer).exists()

    def test_ending_an_interest_is_audited(self, client, reviewer, drug_interest):
        """Changing a declaration records the old and new values."""
        client.force_login(reviewer)
        today = timezone.localdate().isoformat()
        client.post(
            reverse("admin:reviews_interestdeclaration_change", args=[drug_interest.pk]),
            declaration_form(
                description=drug_interest.description,
                drugs=[drug.pk for drug in drug_interest.drugs.all()],
                starts_on=drug_interest.starts_on.isoformat(),
                ends_on=today,
            ),
        )
        entry = AuditEntry.objects.get(action=AuditEntry.Action.INTEREST_CHANGED)
        assert entry.details["changes"] == {"ends_on": ["", today]}

    def test_reviewers_see_and_change_only_their_own(self, client, other_reviewer, drug_interest):
        """Another reviewer cannot list, open or change someone else's declaration."""
        client.force_login(other_reviewer)
        listing = client.get(reverse("admin:reviews_interestdeclaration_changelist")).text
        assert "Shares in the maker" not in listing
        url = reverse("admin:reviews_interestdeclaration_change", args=[drug_interest.pk])
        assert client.get(url).status_code == 302  # "does not exist", back to the admin
        client.post(url, declaration_form(description="Nothing to see"))
        drug_interest.refresh_from_db()
        assert drug_interest.description == "Shares in the maker"

    def test_editors_see_every_declaration_but_change_none(self, client, editor, drug_interest):
        """Editors read all declarations; they are the reviewer's to change."""
        client.force_login(editor)
        listing = client.get(reverse("admin:reviews_interestdeclaration_changelist")).text
        assert "Shares in the maker" in listing
        url = reverse("admin:reviews_interestdeclaration_change", args=[drug_interest.pk])
        client.post(url, declaration_form(description="Edited by the editor"))
        drug_interest.refresh_from_db()
        assert drug_interest.description == "Shares in the maker"

    def test_a_declaration_must_name_what_it_concerns(self, client, reviewer):
        """A declaration naming no drug, class or manufacturer is refused."""
        client.force_login(reviewer)
        response = client.post(reverse("admin:reviews_interestdeclaration_add"), declaration_form())
        assert response.status_code == 200
        assert "Name the drugs, drug classes or manufacturers concerned." in response.text
        assert not InterestDeclaration.objects.exists()
