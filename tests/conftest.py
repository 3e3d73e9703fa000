import copy

import pytest
from django.conf import settings as django_settings
from django.test import Client, RequestFactory
from django_otp import DEVICE_ID_SESSION_KEY

from reviews.policy import without_reference_rule
from tests.factories import (
    ContributorFactory,
    EditorFactory,
    ReviewerFactory,
    UserFactory,
    confirmed_totp_device,
    monograph,
    must_use_two_factor,
    publish,
)

CONFIGURED_REVIEW_POLICY = copy.deepcopy(django_settings.MEDREF_REVIEW_POLICY)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Tests log in with force_login; a slow hasher only makes every user factory slow."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _policy_without_reference_rule(settings):
    """Most tests edit dosage and other high-risk sections without citing a reference; the
    rule that they must is tested on its own, with the `reference_policy` fixture."""
    settings.MEDREF_REVIEW_POLICY = without_reference_rule(settings.MEDREF_REVIEW_POLICY)


@pytest.fixture
def reference_policy(settings):
    """The review policy as configured, with its rule that high-risk changes cite a reference."""
    settings.MEDREF_REVIEW_POLICY = CONFIGURED_REVIEW_POLICY


class AxesClient(Client):
    """Django's test client; `login()` hands authenticate() the request django-axes needs.

    `force_login` signs reviewers and editors in as if with their one-time code too (their
    device is made for them), as every publishing action requires; `two_factor=False` signs in
    with the password alone. The sign-in flow itself is tested through its pages.
    """

    def login(self, **credentials):
        request = RequestFactory().post("/admin/login/")
        return super().login(request=request, **credentials)

    def force_login(self, user, backend=None, *, two_factor=None):
        super().force_login(user, backend)
        if two_factor is None:
            two_factor = must_use_two_factor(user)
        if two_factor:
            session = self.session
            session[DEVICE_ID_SESSION_KEY] = confirmed_totp_device(user).persistent_id
            session.save()


@pytest.fixture
def client():
    return AxesClient()


@pytest.fixture(autouse=True)
def _isolated_cache(settings):
    """Each test starts with an empty page cache."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def contributor(db):
    return ContributorFactory(username="carla")


@pytest.fixture
def other_contributor(db):
    return ContributorFactory(username="colin")


@pytest.fixture
def reviewer(db):
    return ReviewerFactory(username="rita")


@pytest.fixture
def other_reviewer(db):
    return ReviewerFactory(username="rob")


@pytest.fixture
def editor(db):
    return EditorFactory(username="eddie")


@pytest.fixture
def reader(db):
    """Logged in, but neither staff nor in any editorial group."""
    return UserFactory(username="randall")


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def draft_drug(contributor):
    """A working copy, never submitted."""
    return monograph(name="Cyanocobalamin", other_names="Vitamin B12")


@pytest.fixture
def published_drug(contributor, reviewer):
    drug = monograph(name="Methylcobalamin")
    return publish(drug, contributor=contributor, reviewer=reviewer)
