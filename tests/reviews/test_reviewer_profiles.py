"""Editors record reviewers' credentials; a credential is what lets a reviewer approve."""

import pytest
from django.urls import reverse

from monographs.models import Drug, SectionKind
from reviews.exceptions import NotPermitted
from reviews.models import Review, ReviewerProfile, can_decide, reviewer_display_name
from reviews.services import review_approve, review_request_changes, review_submit
from tests.factories import ReviewerProfileFactory, UserFactory, monograph, signed

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
        """Once an editor records a credential and another verifies it, the reviewer decides."""
        assert not can_decide(new_reviewer)
        client.force_login(editor)
        response = client.post(
            ADD_PROFILE,
            {
                "user": new_reviewer.pk,
                "credential": "PharmD",
                "profession": "pharmacist",
                "registering_body": "GPhC",
                "registration_number": "2011223",
            },
        )
        assert response.status_code == 302
        new_reviewer = type(new_reviewer).objects.get(pk=new_reviewer.pk)
        assert not can_decide(new_reviewer)
        profile = new_reviewer.reviewer_profile
        client.post(
            reverse("admin:reviews_reviewerprofile_verify", args=[profile.pk]),
            {"expires_on": "2099-12-31"},
        )
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


LOGIN = "zq-login-7781"


@pytest.fixture
def nameless_reviewer(db):
    """A credentialed medical reviewer whose account has no first or last name."""
    user = UserFactory(username=LOGIN, is_staff=True, groups=["Medical reviewers"])
    ReviewerProfileFactory(user=user, credential="MD")
    return user


@pytest.mark.django_db
class ReviewerNameTests:
    def test_nameless_reviewer_cannot_approve_or_send_back(self, contributor, nameless_reviewer):
        """Deciding needs a full name to credit: the service refuses, nothing is published."""
        review = review_submit(drug=monograph(name="Namelessol"), by=contributor)
        with pytest.raises(NotPermitted, match="first and last name"):
            review_approve(review=review, by=nameless_reviewer, signature=signed(nameless_reviewer))
        with pytest.raises(NotPermitted, match="first and last name"):
            review_request_changes(review=review, by=nameless_reviewer, comment="Sources?")
        review.refresh_from_db()
        assert review.status == Review.Status.IN_REVIEW
        assert not Drug.objects.published().exists()

    def test_admin_refuses_the_decision_and_says_why(self, client, contributor, nameless_reviewer):
        """The review page explains the missing form; a forged POST is a 403."""
        review = review_submit(drug=monograph(name="Namelessol"), by=contributor)
        client.force_login(nameless_reviewer)
        page = client.get(reverse("admin:reviews_review_change", args=[review.pk])).text
        decide = reverse("admin:reviews_review_decide", args=[review.pk])
        assert decide not in page
        assert "add your first and last name to your account" in page
        response = client.post(decide, {"outcome": "approve", "comment": ""})
        assert response.status_code == 403
        review.refresh_from_db()
        assert review.status == Review.Status.IN_REVIEW

    def test_named_reviewer_may_decide_once_named(self, contributor, nameless_reviewer):
        """Adding the name is all it takes."""
        nameless_reviewer.first_name, nameless_reviewer.last_name = "Zoe", "Quist"
        nameless_reviewer.save()
        assert can_decide(nameless_reviewer)

    def test_credit_is_the_name_and_never_the_login(self, client, contributor, nameless_reviewer):
        """Page, JSON-LD, API, feed, home and change log credit the name, not the username."""
        nameless_reviewer.first_name, nameless_reviewer.last_name = "Zoe", "Quist"
        nameless_reviewer.save()
        drug = monograph(name="Creditol", sections=(SectionKind.USAGE,))
        review_approve(
            review=review_submit(drug=drug, by=contributor),
            by=nameless_reviewer,
            signature=signed(nameless_reviewer),
        )
        pages = [
            f"/drugs/{drug.slug}/",
            f"/drugs/{drug.slug}/changes/",
            f"/api/drugs/{drug.slug}/",
            "/api/drugs/",
            "/feeds/reviewed.atom",
            "/",
        ]
        for url in pages:
            response = client.get(url)
            assert response.status_code == 200, url
            assert LOGIN not in response.content.decode(), url
        assert "Zoe Quist, MD" in client.get(f"/drugs/{drug.slug}/").content.decode()
        assert client.get(f"/api/drugs/{drug.slug}/").json()["reviewed_by"] == ["Zoe Quist, MD"]

    def test_display_name_never_falls_back_to_the_login(self, nameless_reviewer):
        """What approvals are credited with is empty rather than a username."""
        assert reviewer_display_name(nameless_reviewer) == ""
