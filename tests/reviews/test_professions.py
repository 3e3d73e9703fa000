"""The default policy: a changed dosage, contraindications or interactions section needs a
pharmacist or prescriber among its approvers."""

import pytest
from django.urls import reverse

from monographs.models import SectionKind
from reviews.models import Review
from reviews.policy import requirement_for
from reviews.services import review_submit
from tests.factories import ReviewerFactory, monograph, signing


def decide_url(review) -> str:
    return reverse("admin:reviews_review_decide", args=[review.pk])


@pytest.fixture
def dosage_review(contributor):
    drug = monograph(name="Dosamine", sections=(SectionKind.DOSAGE,), faqs=0)
    return review_submit(drug=drug, by=contributor, comment="New monograph.")


@pytest.mark.django_db
class ProfessionPolicyTests:
    @pytest.mark.parametrize("kind", ["dosage", "contraindications", "interactions"])
    def test_default_policy_names_a_pharmacist_or_prescriber(self, kind):
        """The shipped policy asks these sections for a pharmacist or prescriber."""
        assert requirement_for(kind).professions_phrase == "a pharmacist or prescriber"

    def test_two_nurses_cannot_publish_a_dosage(self, client, dosage_review):
        """After a nurse approves, the page says what the dosage still needs; a second nurse
        cannot publish it."""
        first, second = (ReviewerFactory(profile__profession="nurse") for _ in range(2))
        client.force_login(first)
        client.post(
            decide_url(dosage_review), {"outcome": "approve", "comment": "Checked.", **signing()}
        )
        client.force_login(second)
        page = client.get(reverse("admin:reviews_review_change", args=[dosage_review.pk])).text
        assert "1 of 2 approvals; needs a pharmacist or prescriber" in page
        client.post(
            decide_url(dosage_review), {"outcome": "approve", "comment": "Checked.", **signing()}
        )
        assert Review.objects.get(pk=dosage_review.pk).is_open

    @pytest.mark.parametrize("profession", ["pharmacist", "physician", "nurse_prescriber"])
    def test_a_pharmacist_or_prescriber_completes_it(self, client, dosage_review, profession):
        """With a nurse's approval, one from a pharmacist or prescriber publishes the dosage."""
        nurse = ReviewerFactory(profile__profession="nurse")
        client.force_login(nurse)
        client.post(
            decide_url(dosage_review), {"outcome": "approve", "comment": "Checked.", **signing()}
        )
        client.force_login(ReviewerFactory(profile__profession=profession))
        client.post(
            decide_url(dosage_review), {"outcome": "approve", "comment": "Checked.", **signing()}
        )
        review = Review.objects.get(pk=dosage_review.pk)
        assert review.status == Review.Status.APPROVED
