"""Two-factor sign-in in a real Chromium: set up an authenticator app, then sign in with it."""

import re
from base64 import b32decode

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.e2e.conftest import PASSWORD
from tests.factories import ReviewerFactory, next_totp_code

pytestmark = pytest.mark.django_db(transaction=True)


def submit_login(page, live_server, username):
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")


def test_reviewer_sets_up_an_app_and_signs_in_with_its_code(page, live_server):
    """From the header link: QR code, key, a code from the app, backup codes; then the next
    sign-in asks for a code after the password."""
    reviewer = ReviewerFactory(username="rita")
    problems: list[str] = []
    page.on(
        "console",
        lambda message: problems.append(message.text) if message.type == "error" else None,
    )
    page.on("pageerror", lambda error: problems.append(str(error)))

    submit_login(page, live_server, "rita")
    page.wait_for_url(re.compile(r"/admin/$"))
    page.get_by_role("link", name="Two-factor sign-in").click()
    assert "Two-factor sign-in is off" in page.locator("#two-factor-status").inner_text()
    page.get_by_role("button", name="Set up two-factor sign-in").click()
    assert page.locator(".qr-code svg").is_visible()
    secret = page.locator("#totp-secret").inner_text()
    assert page.locator("#totp-uri").get_attribute("href").startswith("otpauth://totp/MedRef")

    page.get_by_label("Code from your app").fill(f"{TOTP(b32decode(secret)).token():06d}")
    page.get_by_role("button", name="Confirm").click()
    assert page.locator("#backup-codes li").count() == 10
    assert "This session is signed in with it." in page.locator("#two-factor-status").inner_text()

    page.locator("#logout-form button").click()
    submit_login(page, live_server, "rita")
    page.wait_for_url(re.compile(r"/admin/login/code/$"))
    device = TOTPDevice.objects.get(user=reviewer)
    page.get_by_label("Code").fill(next_totp_code(device))
    page.get_by_role("button", name="Verify and log in").click()
    page.wait_for_url(re.compile(r"/admin/$"))
    page.get_by_role("link", name="Two-factor sign-in").click()
    assert "This session is signed in with it." in page.locator("#two-factor-status").inner_text()
    assert problems == []
