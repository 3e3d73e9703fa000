from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import ReviewerFactory


@pytest.fixture
def login_url():
    return reverse("admin:login")


@pytest.fixture
def unverified(db):
    """A medical reviewer whose credential no editor has verified."""
    return ReviewerFactory(username="una", profile__unverified=True)


@pytest.fixture
def expired(db):
    """A medical reviewer whose credential expired three days ago."""
    return ReviewerFactory(
        username="exa", profile__expires_on=timezone.localdate() - timedelta(days=3)
    )
