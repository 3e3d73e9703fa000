"""The permission matrix of the editorial workflow, through real HTTP requests.

Each row is an action, each column a role. A cell says what the role gets:
OK (the action happens), LOGIN (sent to the admin login), DENIED (403, nothing changes),
or GONE (404: the public never learns a draft exists).
"""

from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from django.contrib import admin
from django.urls import reverse

from monographs.models import Drug
from reviews.models import Review
from reviews.services import review_submit
from tests.factories import (
    edit_section,
    join_groups,
    make_credentialed_reviewer,
    monograph,
    publish,
    signing,
)
from tests.monographs.adminforms import change_form_data

OK, LOGIN, DENIED, GONE = "ok", "login", "denied", "gone"
ROLES = ["anonymous", "reader", "contributor", "reviewer", "editor", "superuser"]

# fmt: off
MATRIX = {
    #                    anonymous reader  contributor reviewer editor  superuser
    "view_public":       (OK,      OK,     OK,         OK,      OK,     OK),
    "view_public_draft": (GONE,    GONE,   GONE,       GONE,    GONE,   GONE),
    "view_draft":        (LOGIN,   LOGIN,  OK,         OK,      OK,     OK),
    "view_history":      (LOGIN,   LOGIN,  OK,         OK,      OK,     OK),
    "view_diff":         (LOGIN,   LOGIN,  OK,         OK,      OK,     OK),
    "view_review":       (LOGIN,   LOGIN,  OK,         OK,      OK,     OK),
    "view_audit":        (LOGIN,   LOGIN,  OK,         OK,      OK,     OK),
    "edit":              (LOGIN,   LOGIN,  OK,         DENIED,  OK,     OK),
    "submit":            (LOGIN,   LOGIN,  OK,         DENIED,  OK,     OK),
    "withdraw":          (LOGIN,   LOGIN,  OK,         DENIED,  DENIED, DENIED),
    "approve_own":       (LOGIN,   LOGIN,  DENIED,     DENIED,  DENIED, DENIED),
    "approve_others":    (LOGIN,   LOGIN,  DENIED,     OK,      DENIED, DENIED),
    "request_changes":   (LOGIN,   LOGIN,  DENIED,     OK,      DENIED, DENIED),
    "unpublish":         (LOGIN,   LOGIN,  DENIED,     DENIED,  OK,     OK),
    "restore":           (LOGIN,   LOGIN,  DENIED,     DENIED,  OK,     OK),
}
# fmt: on


@dataclass
class Outcome:
    response: object
    happened: bool


@pytest.fixture
def world(contributor, reviewer):
    """A live monograph, one with a submitted edit waiting for review, and a never-published one."""
    live = publish(monograph(name="Livedrine"), contributor=contributor, reviewer=reviewer)
    pending = publish(monograph(name="Pendolol"), contributor=contributor, reviewer=reviewer)
    edit_section(pending, by=contributor, body="A clarified usage, waiting for review.")
    review = review_submit(drug=pending, by=contributor, comment="Clarified usage")
    draft = monograph(name="Draftamine")
    return SimpleNamespace(live=live, pending=pending, review=review, draft=draft)


@pytest.fixture
def users(contributor, reviewer, editor, reader, superuser):
    return {
        "anonymous": None,
        "reader": reader,
        "contributor": contributor,
        "reviewer": reviewer,
        "editor": editor,
        "superuser": superuser,
    }


def _get(client, url) -> Outcome:
    return Outcome(client.get(url), happened=False)


def view_public(client, world, user, admin_client):
    return _get(client, world.live.get_absolute_url())


def view_public_draft(client, world, user, admin_client):
    return _get(client, world.draft.get_absolute_url())


def view_draft(client, world, user, admin_client):
    return _get(client, reverse("admin:monographs_drug_change", args=[world.draft.pk]))


def view_history(client, world, user, admin_client):
    return _get(client, reverse("admin:monographs_drug_history", args=[world.pending.pk]))


def view_diff(client, world, user, admin_client):
    url = reverse("admin:monographs_drug_history_compare", args=[world.pending.pk])
    return _get(client, url)


def view_review(client, world, user, admin_client):
    return _get(client, reverse("admin:reviews_review_change", args=[world.review.pk]))


def view_audit(client, world, user, admin_client):
    return _get(client, reverse("admin:monographs_drug_workflow_audit", args=[world.pending.pk]))


def edit(client, world, user, admin_client):
    data = change_form_data(admin_client, world.draft)
    data["generic_name"] = "draftamine hydrochloride"
    response = client.post(reverse("admin:monographs_drug_change", args=[world.draft.pk]), data)
    world.draft.refresh_from_db()
    return Outcome(response, world.draft.generic_name == "draftamine hydrochloride")


def submit(client, world, user, admin_client):
    url = reverse("admin:monographs_drug_workflow_submit", args=[world.draft.pk])
    response = client.post(url, {"reason": "First draft"})
    return Outcome(response, world.draft.reviews.exists())


def withdraw(client, world, user, admin_client):
    url = reverse("admin:monographs_drug_workflow_withdraw", args=[world.pending.pk])
    response = client.post(url, {"comment": "Not ready"})
    world.review.refresh_from_db()
    return Outcome(response, world.review.status == Review.Status.WITHDRAWN)


def _decide(client, review, **data):
    return client.post(
        reverse("admin:reviews_review_decide", args=[review.pk]), {**signing(), **data}
    )


def approve_own(client, world, user, admin_client):
    drug = world.draft
    if user is not None:
        # A reviewer (or superuser) who is also a contributor edits and submits, then tries to
        # approve their own edit: the four-eyes rule, not a missing permission, must stop them.
        join_groups(user, ["Contributors"])
        if user.is_superuser and not hasattr(user, "reviewer_profile"):
            make_credentialed_reviewer(user)
        user = type(user).objects.get(pk=user.pk)  # permissions as of now, not as cached
        edit_section(drug, by=user)
        review = review_submit(drug=drug, by=user)
    else:
        review = world.review
        drug = world.pending
    response = _decide(client, review, outcome="approve")
    review.refresh_from_db()
    return Outcome(response, review.status == Review.Status.APPROVED)


def approve_others(client, world, user, admin_client):
    response = _decide(client, world.review, outcome="approve", comment="Accurate.")
    world.pending.refresh_from_db()
    return Outcome(response, world.pending.published_revision_id == world.review.revision_id)


def request_changes(client, world, user, admin_client):
    response = _decide(client, world.review, outcome="request_changes", comment="Cite a source.")
    world.review.refresh_from_db()
    return Outcome(response, world.review.status == Review.Status.CHANGES_REQUESTED)


def unpublish(client, world, user, admin_client):
    url = reverse("admin:monographs_drug_workflow_unpublish", args=[world.live.pk])
    response = client.post(url, {"comment": "Withdrawn from market"})
    return Outcome(response, not Drug.objects.get(pk=world.live.pk).is_published)


def restore(client, world, user, admin_client):
    drug = world.pending
    published = drug.published_revision
    url = reverse("admin:monographs_drug_restore", args=[drug.pk])
    response = client.post(url, {"at": published.created_at.isoformat(), "reason": "Undo"})
    drug.refresh_from_db()
    assert drug.published_revision_id == published.pk  # never changes what is live
    restored = drug.sections.order_by("position")[0].body == published.sections[0]["markdown"]
    return Outcome(response, restored)


ACTIONS = {
    function.__name__: function
    for function in [
        view_public,
        view_public_draft,
        view_draft,
        view_history,
        view_diff,
        view_review,
        view_audit,
        edit,
        submit,
        withdraw,
        approve_own,
        approve_others,
        request_changes,
        unpublish,
        restore,
    ]
}

CASES = [
    pytest.param(action, role, expected, id=f"{action}-{role}")
    for action, row in MATRIX.items()
    for role, expected in zip(ROLES, row, strict=True)
]


@pytest.mark.django_db
class PermissionMatrixTests:
    @pytest.mark.parametrize(("action", "role", "expected"), CASES)
    def test_role_may_do_exactly_what_the_matrix_says(
        self, client, action, role, expected, world, users, superuser, login_url
    ):
        """Every role gets exactly what the matrix says for every action, and nothing else."""
        user = users[role]
        admin_client = type(client)()
        admin_client.force_login(superuser)
        if user is not None:
            client.force_login(user)
        outcome = ACTIONS[action](client, world, user, admin_client)
        response = outcome.response
        if expected == OK:
            assert response.status_code in (200, 302)
            if response.status_code == 302:
                assert not response.url.startswith(login_url)
            if action.startswith("view"):
                assert response.status_code == 200
            else:
                assert outcome.happened
        elif expected == LOGIN:
            assert response.status_code == 302
            assert response.url.startswith(login_url)
            assert not outcome.happened
        elif expected == DENIED:
            assert response.status_code == 403
            assert not outcome.happened
        else:
            assert response.status_code == 404


@pytest.mark.django_db
class FourEyesTests:
    def test_superuser_reviewer_approves_others_but_never_their_own(
        self, client, world, superuser, contributor
    ):
        """A superuser who is a credentialed reviewer approves others' edits, never their own."""
        make_credentialed_reviewer(superuser)
        client.force_login(superuser)
        response = _decide(client, world.review, outcome="approve")
        assert response.status_code == 302
        world.pending.refresh_from_db()
        assert world.pending.published_revision_id == world.review.revision_id

        edit_section(world.pending, by=superuser)
        own = review_submit(drug=world.pending, by=contributor)
        response = _decide(client, own, outcome="approve")
        assert response.status_code == 403
        own.refresh_from_db()
        assert own.status == Review.Status.IN_REVIEW

    def test_reviewer_without_credential_cannot_approve(self, client, world, reviewer):
        """Only reviewers with a recorded credential may approve."""
        reviewer.reviewer_profile.credential = ""
        reviewer.reviewer_profile.save()
        client.force_login(reviewer)
        response = _decide(client, world.review, outcome="approve")
        assert response.status_code == 403
        world.review.refresh_from_db()
        assert world.review.is_open

    def test_reviewer_who_also_contributes_is_stopped_only_by_own_edits(
        self, client, world, reviewer, contributor
    ):
        """A reviewer who edits approves others' revisions but never one with their own edits."""
        join_groups(reviewer, ["Contributors"])
        own_drug = monograph(name="Ownamine")
        edit_section(own_drug, by=reviewer)
        own = review_submit(drug=own_drug, by=contributor)
        client.force_login(reviewer)
        assert _decide(client, own, outcome="approve").status_code == 403
        assert _decide(client, world.review, outcome="approve").status_code == 302
        own.refresh_from_db()
        world.review.refresh_from_db()
        assert (own.status, world.review.status) == ("in_review", "approved")


@pytest.mark.django_db
class ObjectPermissionTests:
    """Workflow screens ask the drug admin for per-object permission, exactly as editing does."""

    @pytest.fixture
    def hidden_drug(self, world, monkeypatch):
        drug_admin = admin.site.get_model_admin(Drug)
        original = drug_admin.has_view_permission

        def has_view_permission(request, obj=None):
            if obj is not None and obj.pk == world.pending.pk:
                return False
            return original(request, obj)

        monkeypatch.setattr(drug_admin, "has_view_permission", has_view_permission)
        monkeypatch.setattr(drug_admin, "has_change_permission", has_view_permission)
        return world.pending

    @pytest.mark.parametrize(
        "url",
        [
            lambda world: reverse("admin:reviews_review_change", args=[world.review.pk]),
            lambda world: reverse("admin:monographs_drug_workflow_audit", args=[world.pending.pk]),
            lambda world: reverse("admin:monographs_drug_change", args=[world.pending.pk]),
            lambda world: reverse("admin:monographs_drug_workflow_submit", args=[world.pending.pk]),
        ],
        ids=["review page", "audit trail", "change form", "submit"],
    )
    def test_object_the_drug_admin_hides_is_hidden_everywhere(
        self, client, editor, world, hidden_drug, url
    ):
        """If the drug admin refuses a monograph to a user, so does every workflow screen."""
        client.force_login(editor)
        assert client.get(url(world)).status_code == 403
        other = reverse("admin:monographs_drug_workflow_audit", args=[world.live.pk])
        assert client.get(other).status_code == 200

    def test_decision_on_a_hidden_monograph_is_refused(self, client, reviewer, world, hidden_drug):
        """A reviewer cannot decide on a monograph the drug admin does not show them."""
        client.force_login(reviewer)
        assert _decide(client, world.review, outcome="approve").status_code == 403
        world.review.refresh_from_db()
        assert world.review.is_open
