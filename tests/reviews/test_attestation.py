"""Every approval is a signed attestation: what the reviewer declared, who, how, when, on what."""

import pytest
from django.core.checks import run_checks
from django.urls import reverse

from monographs.models import Drug, SectionKind
from reviews.attestation import approved_parts_digest, attestation_statements, attestation_text
from reviews.exceptions import ReviewError
from reviews.models import AuditEntry, Decision, Review
from reviews.progress import review_progress
from reviews.services import review_approve, review_decide_parts, review_submit
from tests.factories import (
    ReviewerFactory,
    confirmed_totp_device,
    monograph,
    next_totp_code,
    part_key_of,
    signed,
    signing,
)


@pytest.fixture
def submitted(contributor):
    """A new one-section monograph (usage: one approval) submitted for review."""
    return review_submit(
        drug=monograph(name="Attestamine", sections=(SectionKind.USAGE,), faqs=0), by=contributor
    )


def review_url(review) -> str:
    return reverse("admin:reviews_review_change", args=[review.pk])


def decide(client, review, **data):
    return client.post(reverse("admin:reviews_review_decide", args=[review.pk]), data)


def reload(review) -> Review:
    return Review.objects.get(pk=review.pk)


@pytest.mark.django_db
class SigningPageTests:
    def test_the_decision_form_shows_every_statement_and_asks_for_a_signature(
        self, client, reviewer, submitted
    ):
        client.force_login(reviewer)
        page = client.get(review_url(submitted)).text
        for statement in attestation_statements():
            assert f'value="{statement}"' in page
        assert "Sign with your password or a one-time code" in page
        assert 'type="password" name="signing_secret"' in page

    def test_approving_with_a_box_unticked_is_refused_and_keeps_what_was_typed(
        self, client, reviewer, submitted
    ):
        client.force_login(reviewer)
        data = signing()
        data["attest"] = data["attest"][:-1]
        response = decide(client, submitted, outcome="approve", comment="Checked the SmPC.", **data)
        assert response.status_code == 400
        assert "Tick every statement to approve." in response.text
        assert "Checked the SmPC." in response.text
        assert reload(submitted).is_open
        assert not Decision.objects.filter(review=submitted).exists()

    def test_a_wrong_password_signs_nothing(self, client, reviewer, submitted):
        client.force_login(reviewer)
        response = decide(client, submitted, outcome="approve", **signing("not my password"))
        assert response.status_code == 400
        assert "neither your password nor a current one-time code" in response.text
        assert reload(submitted).is_open
        assert not Drug.objects.get(pk=submitted.drug_id).is_published

    def test_a_forged_statement_is_refused(self, client, reviewer, submitted):
        """A POST claiming a statement other than the configured ones is not a signature."""
        client.force_login(reviewer)
        data = signing()
        data["attest"] = [*data["attest"][:-1], "I skimmed it."]
        response = decide(client, submitted, outcome="approve", **data)
        assert response.status_code == 400
        assert reload(submitted).is_open

    def test_a_signed_approval_records_the_statement_signer_time_and_parts(
        self, client, reviewer, submitted
    ):
        client.force_login(reviewer)
        usage = part_key_of(submitted, SectionKind.USAGE)
        hashes = {part.key: part.change.content_hash for part in review_progress(submitted).parts}

        response = decide(client, submitted, outcome="approve", **signing())

        assert response.status_code == 302
        assert reload(submitted).status == Review.Status.APPROVED
        decision = Decision.objects.get(review=submitted)
        assert decision.reviewer == reviewer
        assert decision.attestation == attestation_text()
        assert decision.attestation.splitlines() == [f"[x] {s}" for s in attestation_statements()]
        assert decision.signature_method == "password"
        assert decision.signed_at is not None
        assert decision.approved_parts == hashes
        assert usage in decision.approved_parts
        assert decision.approved_parts_hash == approved_parts_digest(hashes)
        page = client.get(review_url(submitted)).text
        assert "Signed with password on" in page
        assert decision.approved_parts_hash in page
        entry = AuditEntry.objects.get(revision=submitted.revision, action="approved")
        assert entry.details["attestation"] == decision.attestation
        assert entry.details["approved_parts_hash"] == decision.approved_parts_hash
        assert entry.details["signature"] == "password"

    def test_a_one_time_code_signs_too(self, client, reviewer, submitted):
        client.force_login(reviewer)
        response = decide(
            client,
            submitted,
            outcome="approve",
            **signing(next_totp_code(confirmed_totp_device(reviewer))),
        )
        assert response.status_code == 302
        assert Decision.objects.get(review=submitted).signature_method == "one-time code"

    def test_requesting_changes_needs_no_signature(self, client, reviewer, submitted):
        client.force_login(reviewer)
        response = decide(client, submitted, outcome="request_changes", comment="Cite a source.")
        assert response.status_code == 302
        assert reload(submitted).status == Review.Status.CHANGES_REQUESTED
        assert not Decision.objects.get(review=submitted).is_signed

    def test_a_part_approved_on_its_own_is_signed(self, client, contributor, reviewer):
        """Approving one part of a two-approval review is an approval and needs the signature;
        the decision covers exactly that part."""
        review = review_submit(
            drug=monograph(name="Partamine", sections=(SectionKind.USAGE, SectionKind.DOSAGE)),
            by=contributor,
        )
        client.force_login(reviewer)
        dosage = part_key_of(review, SectionKind.DOSAGE)
        unsigned = decide(client, review, outcome="parts", **{f"verdict_{dosage}": "approved"})
        assert unsigned.status_code == 400
        assert not Decision.objects.filter(review=review).exists()

        response = decide(
            client, review, outcome="parts", **{f"verdict_{dosage}": "approved"}, **signing()
        )
        assert response.status_code == 302
        decision = Decision.objects.get(review=review)
        assert list(decision.approved_parts) == [dosage]
        assert decision.outcome == Decision.Outcome.PARTLY_APPROVED

    def test_configured_statements_are_shown_escaped_and_stored_verbatim(
        self, client, reviewer, submitted, settings
    ):
        settings.MEDREF_APPROVAL_ATTESTATION = ["Doses <b>match</b> the label & the BNF."]
        client.force_login(reviewer)
        page = client.get(review_url(submitted)).text
        assert "Doses &lt;b&gt;match&lt;/b&gt; the label &amp; the BNF." in page
        assert "<b>match</b>" not in page
        decide(client, submitted, outcome="approve", **signing())
        decision = Decision.objects.get(review=submitted)
        assert decision.attestation == "[x] Doses <b>match</b> the label & the BNF."


@pytest.mark.django_db
class SignatureServiceTests:
    def test_an_approval_without_a_signature_is_refused(self, reviewer, submitted):
        with pytest.raises(ReviewError, match="signed attestation"):
            review_approve(review=submitted, by=reviewer, signature=None)
        assert reload(submitted).is_open

    def test_someone_elses_signature_is_refused(self, reviewer, submitted):
        with pytest.raises(ReviewError, match="signed attestation"):
            review_approve(review=submitted, by=reviewer, signature=signed(ReviewerFactory()))
        assert not Decision.objects.filter(review=submitted).exists()

    def test_a_send_back_of_parts_needs_no_signature(self, reviewer, submitted):
        usage = part_key_of(submitted, SectionKind.USAGE)
        review_decide_parts(
            review=submitted, by=reviewer, verdicts={usage: ("changes_requested", "Cite it.")}
        )
        assert reload(submitted).status == Review.Status.CHANGES_REQUESTED


def test_an_empty_attestation_stops_the_site_from_starting(settings):
    settings.MEDREF_APPROVAL_ATTESTATION = []
    assert "reviews.E002" in {message.id for message in run_checks()}
