"""References under review: a change to them is a part to approve, shown in the diff, and the
policy asks that a changed high-risk section cite one."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from monographs.models import Reference, SectionKind
from reviews.exceptions import PolicyRefusal
from reviews.models import PartDecision
from reviews.services import review_approve, review_submit
from tests.conftest import CONFIGURED_REVIEW_POLICY
from tests.factories import monograph, part_key_of, publish, signed, signing

HOSTILE_TITLE = "<img src=x onerror=alert(1)> label"


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def review_url(review) -> str:
    return reverse("admin:reviews_review_change", args=[review.pk])


def decide_url(review) -> str:
    return reverse("admin:reviews_review_decide", args=[review.pk])


def published_with_a_reference(contributor, reviewer):
    drug = monograph(name="Refamine", sections=[SectionKind.USAGE], faqs=0)
    Reference.objects.create(drug=drug, number=1, title="Label", url="https://example.org/l")
    section = drug.sections.get()
    section.body = "Used for tiredness [1]."
    section.save()
    return publish(drug, contributor=contributor, reviewer=reviewer)


@pytest.mark.django_db
class ReferenceChangeReviewTests:
    def test_a_reference_change_is_a_part_to_approve(self, contributor, reviewer):
        """Changing only a reference puts one part, References, in review."""
        drug = published_with_a_reference(contributor, reviewer)
        reference = drug.references.get()
        reference.url = "https://example.org/newer"
        reference.save()
        review = review_submit(drug=drug, by=contributor)
        from reviews.progress import review_progress

        assert [part.title for part in review_progress(review).parts] == ["References"]

    def test_the_review_page_shows_the_reference_diff_escaped(
        self, client, contributor, reviewer, other_reviewer
    ):
        """Reviewers see what changed in a reference, its title escaped."""
        drug = published_with_a_reference(contributor, reviewer)
        reference = drug.references.get()
        reference.title = HOSTILE_TITLE
        reference.save()
        review = review_submit(drug=drug, by=contributor)
        client.force_login(other_reviewer)
        html = client.get(review_url(review)).text
        assert 'id="review-references"' in html
        assert "<ins>&lt;img src=x onerror=alert(1)&gt; label</ins>" in html
        assert "<img src=x" not in html
        assert "Your decision on “References”" in html

    def test_a_reference_author_may_not_approve_it(self, contributor, reviewer):
        """Editing a reference makes one an author of the revision (the four-eyes rule)."""
        drug = published_with_a_reference(contributor, reviewer)
        reference = drug.references.get()
        reference.title = "Edited by the reviewer"
        reference._history_user = reviewer
        reference.save()
        review = review_submit(drug=drug, by=contributor)
        assert reviewer.pk in set(review.revision.authors.values_list("pk", flat=True))


@pytest.fixture
def uncited_dosage_review(contributor, reviewer, settings):
    """A monograph published before the rule, whose dosage was then changed without citing
    any reference, in review under the configured policy."""
    drug = monograph(name="Dosamine", sections=[SectionKind.USAGE, SectionKind.DOSAGE], faqs=0)
    publish(drug, contributor=contributor, reviewer=reviewer)
    settings.MEDREF_REVIEW_POLICY = CONFIGURED_REVIEW_POLICY
    dosage = drug.sections.get(kind=SectionKind.DOSAGE)
    dosage.body = "Take two tablets."
    dosage.save()
    return review_submit(drug=drug, by=contributor)


@pytest.mark.django_db
class ReferencePolicyTests:
    def test_the_review_page_says_why_next_to_the_part(
        self, client, other_reviewer, uncited_dosage_review
    ):
        """The changed dosage says it cannot be approved until it cites a reference."""
        client.force_login(other_reviewer)
        html = client.get(review_url(uncited_dosage_review)).text
        assert '<p class="part-needs-reference" role="note"><strong>Cannot be approved yet:' in html
        assert "It cites no reference." in html
        assert "needs a cited reference" in html

    def test_a_forged_approval_of_the_part_is_refused(
        self, client, other_reviewer, uncited_dosage_review
    ):
        """Posting an approval of the uncited dosage is refused with the policy's message."""
        client.force_login(other_reviewer)
        key = part_key_of(uncited_dosage_review, SectionKind.DOSAGE)
        response = client.post(
            decide_url(uncited_dosage_review),
            {**signing(), "outcome": "parts", f"verdict_{key}": "approved"},
        )
        assert response.status_code == 302
        assert any("It cites no reference" in message for message in messages_of(response))
        assert not PartDecision.objects.filter(review=uncited_dosage_review).exists()

    def test_approve_all_leaves_the_uncited_part_waiting(
        self, client, other_reviewer, uncited_dosage_review
    ):
        """ "Approve all I may" refuses when the uncited dosage is all there is, saying why."""
        client.force_login(other_reviewer)
        response = client.post(
            decide_url(uncited_dosage_review), {**signing(), "outcome": "approve"}
        )
        assert any("It cites no reference" in message for message in messages_of(response))
        uncited_dosage_review.refresh_from_db()
        assert uncited_dosage_review.is_open

    def test_the_service_refuses_it_too(self, other_reviewer, uncited_dosage_review):
        """The service itself refuses the approval, whoever calls it."""
        with pytest.raises(PolicyRefusal, match="It cites no reference"):
            review_approve(
                review=uncited_dosage_review, by=other_reviewer, signature=signed(other_reviewer)
            )

    def test_citing_a_reference_makes_it_approvable(self, contributor, reviewer, other_reviewer):
        """Once the dosage cites a reference, two approvals publish it."""
        drug = monograph(name="Citadose", sections=[SectionKind.DOSAGE], faqs=0)
        Reference.objects.create(drug=drug, number=1, title="Label", url="https://example.org/l")
        dosage = drug.sections.get()
        dosage.body = "Take one tablet [1]."
        dosage.save()
        publish(drug, contributor=contributor, reviewer=reviewer, second_reviewer=other_reviewer)
        drug.refresh_from_db()
        assert drug.published_revision is not None

    def test_the_rule_can_be_switched_off(self, settings, other_reviewer, uncited_dosage_review):
        """A kind without `requires_reference` is approved without a citation."""
        settings.MEDREF_REVIEW_POLICY = {
            **settings.MEDREF_REVIEW_POLICY,
            "kinds": {"dosage": {"risk": "standard"}},
        }
        review = review_approve(
            review=uncited_dosage_review, by=other_reviewer, signature=signed(other_reviewer)
        )
        assert not review.is_open
