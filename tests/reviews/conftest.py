import pytest
from django.urls import reverse


@pytest.fixture
def login_url():
    return reverse("admin:login")
