"""Editors record reviewers' credentials; a credential is what lets a reviewer approve."""

import pytest
from django.urls import reverse

from reviews.models import ReviewerProfile, can_decide
from tests.factories import UserFactory

PROFILES = reverse("admin:reviews_reviewerprofile_changelist")
ADD_PROFILE = reverse("admin:reviews_reviewerprofile_add")


@pytest.fixture
def new_reviewer(db):
    """A member of the Medical reviewers group with no credential recorded yet."""
    return UserFactory(
        username="nadia", first_name="Nadia", last_name="Haddad", groups=["Medical reviewers"]
    )


@pytest.mark.django_db
class ReviewerProfileAdminTests:
    def test_editor_records_a_credential_that_lets_the_reviewer_approve(
        self, client, editor, new_reviewer
    ):
        """Once an editor records a credential, the reviewer may decide."""
        assert not can_decide(new_reviewer)
        client.force_login(editor)
        response = client.post(ADD_PROFILE, {"user": new_reviewer.pk, "credential": "PharmD"})
        assert response.status_code == 302
        new_reviewer = type(new_reviewer).objects.get(pk=new_reviewer.pk)
        assert can_decide(new_reviewer)
        assert "Nadia Haddad, PharmD" in client.get(PROFILES).text

    def test_only_reviewers_without_a_profile_are_offered(
        self, client, editor, new_reviewer, contributor, reviewer
    ):
        """The user list offers reviewers lacking a credential, not contributors."""
        client.force_login(editor)
        choices = client.get(ADD_PROFILE).context["adminform"].form.fields["user"].queryset
        assert list(choices) == [new_reviewer]

    def test_editor_changes_a_credential_but_not_whose_it_is(
        self, client, editor, reviewer, contributor
    ):
        """An editor can correct a credential; the profile stays with its reviewer."""
        profile = reviewer.reviewer_profile
        client.force_login(editor)
        url = reverse("admin:reviews_reviewerprofile_change", args=[profile.pk])
        response = client.post(url, {"user": contributor.pk, "credential": "DO"})
        assert response.status_code == 302
        profile.refresh_from_db()
        assert (profile.user, profile.credential) == (reviewer, "DO")

    @pytest.mark.parametrize("role", ["contributor", "reviewer"])
    def test_contributors_and_reviewers_cannot_set_credentials(
        self, client, role, request, new_reviewer
    ):
        """Nobody but editors (and superusers) grants the right to approve."""
        user = request.getfixturevalue(role)
        client.force_login(user)
        response = client.post(ADD_PROFILE, {"user": new_reviewer.pk, "credential": "MD"})
        assert response.status_code == 403
        assert not ReviewerProfile.objects.filter(user=new_reviewer).exists()
