"""`manage.py seed_demo` gives the demo reviewers verified credentials and one declaration."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from reviews.models import AuditEntry, InterestDeclaration, Review, can_decide


def seed() -> None:
    call_command("seed_demo", stdout=StringIO(), stderr=StringIO())


@pytest.mark.django_db
class DemoCredentialTests:
    def test_demo_reviewers_are_verified_by_the_demo_editor(self, monkeypatch):
        """Both demo reviewers' registrations are recorded and verified by the editor."""
        monkeypatch.setenv("MEDREF_DEMO_PASSWORD", "demo-pass-for-tests")
        seed()
        User = get_user_model()
        editor = User.objects.get(username="editor")
        for username, body, profession in [
            ("reviewer", "GMC", "physician"),
            ("pharmacist", "GPhC", "pharmacist"),
        ]:
            profile = User.objects.get(username=username).reviewer_profile
            assert (profile.registering_body, profile.profession) == (body, profession)
            assert profile.registration_number
            assert profile.verified_by == editor
            assert profile.expires_on > profile.verified_on
            assert can_decide(profile.user)
        assert AuditEntry.objects.filter(action=AuditEntry.Action.CREDENTIAL_VERIFIED).count() == 2

    def test_demo_declaration_recuses_from_no_seed(self, monkeypatch):
        """The pharmacist's demo interest is declared and every seed was still published."""
        monkeypatch.setenv("MEDREF_DEMO_PASSWORD", "demo-pass-for-tests")
        seed()
        declaration = InterestDeclaration.objects.get()
        assert declaration.reviewer.username == "pharmacist"
        assert declaration.ends_on is None
        assert not Review.objects.in_review().exists()
        assert Review.objects.filter(status=Review.Status.APPROVED).count() == 3

    def test_second_run_changes_no_credential_or_declaration(self, monkeypatch):
        """Seeding again leaves credentials, declarations and their audit entries as they were."""
        monkeypatch.setenv("MEDREF_DEMO_PASSWORD", "demo-pass-for-tests")
        seed()
        User = get_user_model()
        profile = User.objects.get(username="pharmacist").reviewer_profile
        profile.registration_number = "CHANGED-BY-AN-EDITOR"
        profile.save()
        before = (AuditEntry.objects.count(), InterestDeclaration.objects.count())
        seed()
        profile.refresh_from_db()
        assert profile.registration_number == "CHANGED-BY-AN-EDITOR"
        assert (AuditEntry.objects.count(), InterestDeclaration.objects.count()) == before
