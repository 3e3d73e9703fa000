"""Verified credentials: only a verified, unexpired credential decides; editors verify it."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from monographs.models import Reconfirmation, ReviewedPart, SectionKind
from reviews.models import AuditEntry, PartDecision, Profession, ReviewerProfile, long_date
from reviews.services import review_submit
from tests.factories import (
    EditorFactory,
    edit_section,
    make_credentialed_reviewer,
    monograph,
    publish,
)


def review_url(review) -> str:
    return reverse("admin:reviews_review_change", args=[review.pk])


def decide_url(review) -> str:
    return reverse("admin:reviews_review_decide", args=[review.pk])


def verify_url(profile) -> str:
    return reverse("admin:reviews_reviewerprofile_verify", args=[profile.pk])


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def open_review(contributor, reviewer):
    """A published monograph whose usage section was edited and submitted again."""
    drug = publish(
        monograph(name="Credamine", sections=(SectionKind.USAGE,)),
        contributor=contributor,
        reviewer=reviewer,
    )
    edit_section(drug, "Used for a clearer condition.", by=contributor)
    return review_submit(drug=drug, by=contributor, comment="Clearer usage.")


@pytest.mark.django_db
class CredentialRefusalTests:
    def test_unverified_reviewer_is_told_on_the_review_page(self, client, unverified, open_review):
        """A reviewer whose credential no editor verified sees why, and no decision form."""
        client.force_login(unverified)
        page = client.get(review_url(open_review)).text
        assert "not yet verified by an editor" in page
        assert f'action="{decide_url(open_review)}"' not in page

    def test_expired_reviewer_is_told_the_date(self, client, expired, open_review):
        """An expired credential's page says on which day it expired."""
        client.force_login(expired)
        page = client.get(review_url(open_review)).text
        day = long_date(expired.reviewer_profile.expires_on)
        assert f"expired on {day}" in page
        assert f'action="{decide_url(open_review)}"' not in page

    @pytest.mark.parametrize("who", ["unverified", "expired"])
    @pytest.mark.parametrize("outcome", ["approve", "request_changes"])
    def test_forged_decisions_are_refused(self, client, open_review, who, outcome, request):
        """A forged approve or send-back POST from an unverified or expired reviewer is a 403."""
        client.force_login(request.getfixturevalue(who))
        response = client.post(
            decide_url(open_review), {"outcome": outcome, "comment": "Looks fine to me."}
        )
        assert response.status_code == 403
        open_review.refresh_from_db()
        assert open_review.is_open
        assert not PartDecision.objects.filter(review=open_review).exists()

    def test_queue_says_why(self, client, expired, open_review):
        """The review queue tells an expired reviewer why they cannot decide."""
        client.force_login(expired)
        page = client.get(reverse("admin:reviews_review_changelist")).text
        assert "You cannot decide on reviews: Your credential expired on" in page
        mine = client.get(reverse("admin:reviews_review_changelist") + "?show=mine").text
        assert "Credamine" not in mine

    def test_forged_reconfirm_by_expired_reviewer_is_refused(self, client, expired, open_review):
        """Re-confirming a live part needs a current credential too."""
        part = ReviewedPart.objects.live().filter(kind="usage").get()
        client.force_login(expired)
        response = client.post(reverse("admin:reviews_review_reconfirm", args=[part.pk]))
        assert response.status_code == 403
        assert not Reconfirmation.objects.exists()

    def test_unverified_reviewer_is_not_asked_to_decide(self, unverified, open_review):
        """Nobody is told to decide a review they cannot: notifications skip them."""
        assert unverified not in open_review.deciders()


def profile_form(profile, **changes) -> dict:
    data = {
        "credential": profile.credential,
        "profession": profile.profession,
        "registering_body": profile.registering_body,
        "registration_number": profile.registration_number,
    }
    return {**data, **changes}


@pytest.mark.django_db
class ProfileChangeTests:
    def test_changing_the_substance_clears_the_verification(self, client, editor, reviewer):
        """A new registration number after verification needs verifying again; audited, masked."""
        profile = reviewer.reviewer_profile
        old_number = profile.registration_number
        client.force_login(editor)
        response = client.post(
            reverse("admin:reviews_reviewerprofile_change", args=[profile.pk]),
            profile_form(profile, registration_number="9988776655"),
        )
        assert response.status_code == 302
        profile.refresh_from_db()
        assert profile.registration_number == "9988776655"
        assert not profile.is_verified
        entry = AuditEntry.objects.get(action=AuditEntry.Action.PROFILE_CHANGED, subject=reviewer)
        assert entry.actor == editor
        changes = entry.details["changes"]
        assert changes["registration_number"] == [f"…{old_number[-2:]}", "…55"]
        assert changes["verified_on"][1] == ""
        assert "9988776655" not in str(entry.details) + entry.comment

    def test_expiry_is_not_edited_outside_verification(self, client, editor, reviewer):
        """The profile form leaves verification and expiry alone when nothing else changed."""
        profile = reviewer.reviewer_profile
        client.force_login(editor)
        page = client.get(reverse("admin:reviews_reviewerprofile_change", args=[profile.pk])).text
        assert 'name="expires_on"' not in page
        assert 'name="verified_by"' not in page
        client.post(
            reverse("admin:reviews_reviewerprofile_change", args=[profile.pk]),
            profile_form(profile, expires_on="2099-01-01", verified_on="2099-01-01"),
        )
        refreshed = ReviewerProfile.objects.get(pk=profile.pk)
        assert (refreshed.expires_on, refreshed.verified_on) == (
            profile.expires_on,
            profile.verified_on,
        )
        assert refreshed.is_verified

    def test_changing_the_profession_is_audited_with_old_and_new(self, client, editor, reviewer):
        """Every change to a profile is recorded as field: old → new."""
        profile = reviewer.reviewer_profile
        client.force_login(editor)
        client.post(
            reverse("admin:reviews_reviewerprofile_change", args=[profile.pk]),
            profile_form(profile, profession=Profession.PHARMACIST, credential="PharmD"),
        )
        entry = AuditEntry.objects.get(action=AuditEntry.Action.PROFILE_CHANGED, subject=reviewer)
        assert entry.details["changes"]["profession"] == ["physician", "pharmacist"]
        assert entry.details["changes"]["credential"] == ["MD", "PharmD"]
        assert "profession: physician → pharmacist" in entry.comment


@pytest.mark.django_db
class VerificationTests:
    def expiry(self) -> str:
        return (timezone.localdate() + timedelta(days=400)).isoformat()

    def test_editor_verifies_a_credential(self, client, editor, unverified, open_review):
        """Verified by an editor with two factors, the reviewer may decide; audited."""
        profile = unverified.reviewer_profile
        client.force_login(editor)
        page = client.get(verify_url(profile)).text
        assert profile.registration_number in page
        response = client.post(verify_url(profile), {"expires_on": self.expiry()})
        assert response.status_code == 302
        profile.refresh_from_db()
        assert (profile.verified_by, profile.verified_on) == (editor, timezone.localdate())
        assert profile.expires_on.isoformat() == self.expiry()
        entry = AuditEntry.objects.get(action=AuditEntry.Action.CREDENTIAL_VERIFIED)
        assert (entry.actor, entry.subject) == (editor, unverified)
        assert entry.details["changes"]["verified_by"] == ["", editor.get_username()]
        client.force_login(unverified)
        assert f'action="{decide_url(open_review)}"' in client.get(review_url(open_review)).text

    def test_own_credential_is_refused(self, client, db):
        """An editor who also reviews cannot verify their own credential, even by a forged POST."""
        editor = EditorFactory(username="selma")
        make_credentialed_reviewer(editor)
        profile = editor.reviewer_profile
        profile.verified_by = profile.verified_on = None
        profile.save()
        client.force_login(editor)
        assert "cannot verify your own credential" in client.get(verify_url(profile)).text
        response = client.post(verify_url(profile), {"expires_on": self.expiry()})
        assert "You cannot verify your own credential" in messages_of(response)[0]
        profile.refresh_from_db()
        assert not profile.is_verified
        assert not AuditEntry.objects.filter(action=AuditEntry.Action.CREDENTIAL_VERIFIED)

    @pytest.mark.parametrize("role", ["reviewer", "contributor"])
    def test_without_the_permission_is_forbidden(self, client, unverified, role, request):
        """Reviewers and contributors may not verify anyone (403), forged POST or not."""
        client.force_login(request.getfixturevalue(role))
        profile = unverified.reviewer_profile
        assert client.get(verify_url(profile)).status_code == 403
        response = client.post(verify_url(profile), {"expires_on": self.expiry()})
        assert response.status_code == 403
        profile.refresh_from_db()
        assert not profile.is_verified

    def test_without_two_factors_is_refused(self, client, editor, unverified):
        """A password-only session may not verify a credential."""
        client.force_login(editor, two_factor=False)
        profile = unverified.reviewer_profile
        assert "two-factor sign-in" in client.get(verify_url(profile)).text
        response = client.post(verify_url(profile), {"expires_on": self.expiry()})
        assert "two-factor sign-in" in messages_of(response)[0]
        profile.refresh_from_db()
        assert not profile.is_verified

    def test_expiry_must_be_in_the_future(self, client, editor, unverified):
        """A verification that has already run out is not recorded."""
        client.force_login(editor)
        profile = unverified.reviewer_profile
        yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
        response = client.post(verify_url(profile), {"expires_on": yesterday})
        assert response.status_code == 200
        assert "must run until a day after today" in response.text
        profile.refresh_from_db()
        assert not profile.is_verified
