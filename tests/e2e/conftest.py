"""Browser tests: Playwright driving Debian's Chromium against a live MedRef server."""

import os
import re
import shutil
from pathlib import Path

import pytest

from tests.factories import (
    TEST_PASSWORD,
    ContributorFactory,
    confirmed_totp_device,
    must_use_two_factor,
    next_totp_code,
)

# Playwright's sync API runs an event loop in this thread; the tests' own ORM calls are safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = TEST_PASSWORD
CHROMIUM = os.environ.get("MEDREF_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
BROWSER_REQUIRED = os.environ.get("MEDREF_REQUIRE_BROWSER") == "1" or os.environ.get("CI") == "true"
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium():
    """A headless Chromium; missing is a skip locally and a failure in CI."""
    if not Path(CHROMIUM).exists():
        message = f"Chromium not found at {CHROMIUM} (install it: apt-get install -y chromium)"
        if BROWSER_REQUIRED:
            pytest.fail(f"{message}; browser tests are required here.", pytrace=False)
        pytest.skip(f"{message}; browser tests skipped.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def artifacts_dir():
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def contributor_page(page, live_server):
    """A contributor who may edit and submit, logged into the admin."""
    ContributorFactory(username="carla")
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    admin_sign_in(page, live_server, "carla")
    page.problems = problems
    return page


def admin_sign_in(page, live_server, username, password=PASSWORD):
    """Sign in through the admin's login form, then its code step for an account with an
    authenticator app; reviewers and editors, who publish, are given one if they have none."""
    from django.contrib.auth import get_user_model
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = get_user_model().objects.get(username=username)
    if must_use_two_factor(user):
        device = confirmed_totp_device(user)
    else:
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    if device is not None:
        page.wait_for_url(re.compile(r"/admin/login/code/$"))
        page.fill("#id_code", next_totp_code(device))
        page.click("input[type=submit]")
    page.wait_for_url(re.compile(r"/admin/$"))
