"""Two-factor sign-in: setting it up, signing in with a code, what it guards, resetting it."""

import re
import time
from base64 import b32decode
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from monographs.models import Reconfirmation, SectionKind
from reviews.models import AuditEntry, Review
from reviews.services import review_approve, review_submit
from reviews.two_factor import backup_codes_issue
from tests.factories import (
    TEST_PASSWORD,
    confirmed_totp_device,
    edit_section,
    monograph,
    publish,
    signed,
    signing,
)
from tests.reviews.test_seed_demo import seed

PASSWORD = TEST_PASSWORD
ACCOUNT_URL = "/admin/two-factor/"


def totp_code(key: bytes, *, steps_ahead: int = 0) -> str:
    """The code an authenticator app holding `key` shows now (or `steps_ahead` steps later)."""
    totp = TOTP(key)
    totp.time = time.time() + steps_ahead * totp.step
    return f"{totp.token():06d}"


def next_code(device) -> str:
    """A code `device` accepts that no earlier sign-in used: the next step's (within drift)."""
    device.refresh_from_db()
    return totp_code(device.bin_key, steps_ahead=1)


def password_step(client, username, password=PASSWORD):
    return client.post(reverse("admin:login"), {"username": username, "password": password})


def code_step(client, code):
    return client.post(reverse("admin:login_code"), {"code": code})


def is_signed_in(client) -> bool:
    return client.get(reverse("admin:index")).status_code == 200


def entries(action, **filters):
    return AuditEntry.objects.filter(action=action, **filters)


@pytest.fixture
def enrolled_reviewer(reviewer):
    """A reviewer with an authenticator app and backup codes; `.codes` are those codes."""
    device = confirmed_totp_device(reviewer)
    reviewer.codes = backup_codes_issue(user=reviewer)
    reviewer.device = device
    return reviewer


@pytest.mark.django_db
class EnrolmentTests:
    def test_account_page_is_linked_from_the_admin_header(self, client, contributor):
        """Every staff user finds "Two-factor sign-in" in the admin header."""
        client.force_login(contributor)
        page = client.get(reverse("admin:index")).text
        assert f'<a href="{ACCOUNT_URL}">Two-factor sign-in</a>' in page
        assert "Two-factor sign-in is <strong>off</strong>" in client.get(ACCOUNT_URL).text

    def test_setting_up_shows_qr_code_key_and_uri(self, client, contributor):
        """Setting up shows an inline SVG QR code, the base32 key and the otpauth URI."""
        client.force_login(contributor)
        response = client.post(ACCOUNT_URL, {"action": "start"})
        assert response.status_code == 302
        page = client.get(ACCOUNT_URL)
        device = TOTPDevice.objects.get(user=contributor)
        assert not device.confirmed
        assert "<svg" in page.text
        assert "<script" not in page.text.split('class="qr-code"')[1].split("</svg>")[0]
        secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page.text).group(1)
        uri = re.search(r'id="totp-uri" href="([^"]+)"', page.text).group(1).replace("&amp;", "&")
        assert uri.startswith("otpauth://totp/MedRef%3Acarla?")
        query = parse_qs(urlparse(uri).query)
        assert query["issuer"] == ["MedRef"]
        assert query["secret"] == [secret]
        # The policy allows inline SVG markup: it is neither a script nor an external image.
        assert "script-src 'self'" in page.headers["Content-Security-Policy"]

    def test_confirming_with_a_code_turns_it_on_and_shows_backup_codes_once(
        self, client, contributor
    ):
        """A right code confirms the app, verifies this session and shows 10 backup codes once."""
        client.force_login(contributor)
        client.post(ACCOUNT_URL, {"action": "start"})
        device = TOTPDevice.objects.get(user=contributor)
        response = client.post(
            ACCOUNT_URL, {"action": "confirm", "code": totp_code(device.bin_key)}
        )
        assert response.status_code == 200
        codes = re.findall(r"<li><code>([a-z2-7]+)</code></li>", response.text)
        assert len(codes) == 10
        device.refresh_from_db()
        assert device.confirmed
        page = client.get(ACCOUNT_URL).text
        assert "This session is signed in with it." in page
        assert codes[0] not in page
        assert entries(AuditEntry.Action.TWO_FACTOR_ENROLLED, subject=contributor).exists()
        assert entries(AuditEntry.Action.BACKUP_CODES_ISSUED, subject=contributor).exists()

    def test_a_wrong_code_is_refused(self, client, contributor):
        """A wrong code leaves two-factor sign-in off, with a message saying so."""
        client.force_login(contributor)
        client.post(ACCOUNT_URL, {"action": "start"})
        response = client.post(ACCOUNT_URL, {"action": "confirm", "code": "000000"})
        assert response.status_code == 400
        assert "That code is not right" in response.text
        assert not TOTPDevice.objects.get(user=contributor).confirmed
        assert not entries(AuditEntry.Action.TWO_FACTOR_ENROLLED).exists()

    def test_new_backup_codes_replace_the_old_ones(self, client, enrolled_reviewer):
        """Issuing new backup codes (from a verified session) makes the earlier ones fail."""
        client.force_login(enrolled_reviewer)
        response = client.post(ACCOUNT_URL, {"action": "backup_codes"})
        new_codes = re.findall(r"<li><code>([a-z2-7]+)</code></li>", response.text)
        assert len(new_codes) == 10
        assert not set(new_codes) & set(enrolled_reviewer.codes)
        assert (
            entries(AuditEntry.Action.BACKUP_CODES_ISSUED, subject=enrolled_reviewer).count() == 2
        )
        client.logout()
        password_step(client, "rita")
        assert code_step(client, new_codes[0]).status_code == 302
        client.logout()
        password_step(client, "rita")
        assert code_step(client, enrolled_reviewer.codes[0]).status_code == 400

    def test_backup_codes_need_a_verified_session(self, client, enrolled_reviewer):
        """A password-only session of an enrolled user cannot issue itself backup codes."""
        client.force_login(enrolled_reviewer, two_factor=False)
        response = client.post(ACCOUNT_URL, {"action": "backup_codes"}, follow=True)
        assert "New backup codes need two-factor sign-in" in response.text
        assert set(StaticToken.objects.values_list("token", flat=True)) == set(
            enrolled_reviewer.codes
        )

    def test_set_up_cannot_be_started_over(self, client, enrolled_reviewer):
        """An enrolled user cannot replace their app themselves: an editor resets it."""
        client.force_login(enrolled_reviewer, two_factor=False)
        response = client.post(ACCOUNT_URL, {"action": "start"}, follow=True)
        assert "ask an editor to reset it" in response.text
        assert list(TOTPDevice.objects.filter(user=enrolled_reviewer)) == [enrolled_reviewer.device]


@pytest.mark.django_db
class SignInTests:
    def test_without_an_app_the_password_signs_in(self, client, contributor):
        """An account without an authenticator app signs in with its password alone."""
        response = password_step(client, "carla")
        assert response.status_code == 302
        assert response.url == reverse("admin:index")
        assert is_signed_in(client)

    def test_with_an_app_a_code_is_asked_after_the_password(self, client, enrolled_reviewer):
        """The password alone signs nobody in; the code from the app then does, verified."""
        response = password_step(client, "rita")
        assert response.url == reverse("admin:login_code")
        assert not is_signed_in(client)
        page = client.get(reverse("admin:login_code")).text
        assert 'autocomplete="one-time-code"' in page
        response = code_step(client, next_code(enrolled_reviewer.device))
        assert response.status_code == 302
        assert response.url == reverse("admin:index")
        assert "This session is signed in with it." in client.get(ACCOUNT_URL).text

    def test_next_is_kept_through_the_code_step(self, client, enrolled_reviewer):
        """Asked to sign in on the way to a page, one lands on it after the code."""
        queue = reverse("admin:reviews_review_changelist")
        client.post(
            f"{reverse('admin:login')}?next={queue}",
            {"username": "rita", "password": PASSWORD, "next": queue},
        )
        assert code_step(client, next_code(enrolled_reviewer.device)).url == queue

    def test_a_wrong_code_is_refused_and_audited(self, client, enrolled_reviewer):
        """A wrong code signs nobody in, says why, and is audited with the address."""
        password_step(client, "rita")
        response = code_step(client, "123456")
        assert response.status_code == 400
        assert "That code is not right" in response.text
        assert not is_signed_in(client)
        failure = entries(AuditEntry.Action.SIGN_IN_FAILED, subject=enrolled_reviewer).get()
        assert failure.details == {"ip": "127.0.0.1", "step": "one-time code"}

    def test_a_backup_code_works_once(self, client, enrolled_reviewer):
        """A backup code signs in instead of the app's code, and only once."""
        password_step(client, "rita")
        assert code_step(client, enrolled_reviewer.codes[3]).status_code == 302
        assert is_signed_in(client)
        client.post(reverse("admin:logout"))
        password_step(client, "rita")
        assert code_step(client, enrolled_reviewer.codes[3]).status_code == 400
        assert not is_signed_in(client)

    def test_the_code_step_needs_the_password_first(self, client, enrolled_reviewer):
        """Posting a code without the password step goes back to the login page."""
        response = code_step(client, enrolled_reviewer.codes[0])
        assert response.status_code == 302
        assert response.url == reverse("admin:login")
        assert not is_signed_in(client)

    def test_wrong_codes_lock_the_account_out_like_wrong_passwords(self, client, enrolled_reviewer):
        """After the failure limit of wrong codes, even the right password is refused."""
        password_step(client, "rita")
        for _ in range(settings.AXES_FAILURE_LIMIT):
            code_step(client, "000000")
        response = password_step(client, "rita")
        assert settings.AXES_COOLOFF_MESSAGE in response.text
        assert not is_signed_in(client)

    def test_failures_do_not_tell_whether_an_account_exists(self, client, enrolled_reviewer):
        """A wrong password and an unknown username get the same answer, and no code step."""
        known = password_step(client, "rita", "wrong password")
        unknown = password_step(client, "nobody-here", "wrong password")
        assert known.status_code == unknown.status_code == 200
        assert known.context["form"].errors == unknown.context["form"].errors

    def test_sign_in_failure_and_sign_out_are_audited(self, client, enrolled_reviewer):
        """Editorial sign-ins (with how), failed passwords and sign-outs are audited."""
        password_step(client, "rita", "wrong password")
        password_step(client, "nobody-here", "wrong password")
        password_step(client, "rita")
        code_step(client, next_code(enrolled_reviewer.device))
        client.post(reverse("admin:logout"))
        failed = entries(AuditEntry.Action.SIGN_IN_FAILED).get()
        assert failed.subject == enrolled_reviewer
        assert failed.details["step"] == "password"
        signed_in = entries(AuditEntry.Action.SIGNED_IN, subject=enrolled_reviewer).get()
        assert signed_in.details == {"ip": "127.0.0.1", "two_factor": True}
        assert entries(AuditEntry.Action.SIGNED_OUT, actor=enrolled_reviewer).exists()


def _scheduled_review(contributor, reviewer):
    drug = publish(
        monograph(name="Schedulamine", sections=[SectionKind.USAGE]),
        contributor=contributor,
        reviewer=reviewer,
    )
    edit_section(drug, "Changed wording.", by=contributor)
    review = review_submit(drug=drug, by=contributor, comment="Reworded")
    return review_approve(
        review=review,
        by=reviewer,
        publish_at=timezone.now() + timedelta(days=2),
        signature=signed(reviewer),
    )


@pytest.mark.django_db
class EnforcementTests:
    """Reviewers and editors signed in with their password alone: pages explain, POSTs refuse."""

    @pytest.fixture
    def open_review(self, contributor, reviewer):
        drug = publish(
            monograph(name="Guardamine", sections=[SectionKind.USAGE]),
            contributor=contributor,
            reviewer=reviewer,
        )
        edit_section(drug, "Changed wording.", by=contributor)
        return review_submit(drug=drug, by=contributor, comment="Reworded")

    def test_review_page_and_queue_say_why_and_link_the_set_up(
        self, client, other_reviewer, open_review
    ):
        """No decision form; the page and the queue say two-factor sign-in is needed."""
        client.force_login(other_reviewer, two_factor=False)
        page = client.get(reverse("admin:reviews_review_change", args=[open_review.pk])).text
        assert 'id="decision-form"' not in page
        assert "This needs a two-factor sign-in" in page
        assert f'<a href="{ACCOUNT_URL}">Two-factor sign-in</a>' in page
        queue = client.get(reverse("admin:reviews_review_changelist")).text
        assert "You cannot decide on reviews yet" in queue

    def test_verified_reviewer_sees_no_such_notice(self, client, other_reviewer, open_review):
        """Signed in with a code, the reviewer gets the decision form and no notice."""
        client.force_login(other_reviewer)
        page = client.get(reverse("admin:reviews_review_change", args=[open_review.pk])).text
        assert 'id="decision-form"' in page
        assert "This needs a two-factor sign-in" not in page

    @pytest.mark.parametrize("outcome", ["approve", "request_changes"])
    def test_forged_decision_is_refused(self, client, other_reviewer, open_review, outcome):
        """Approving or sending back by a forged POST changes nothing."""
        client.force_login(other_reviewer, two_factor=False)
        response = client.post(
            reverse("admin:reviews_review_decide", args=[open_review.pk]),
            {"outcome": outcome, "comment": "Looks fine", **signing()},
            follow=True,
        )
        assert "This needs a two-factor sign-in" in response.text
        open_review.refresh_from_db()
        assert open_review.status == Review.Status.IN_REVIEW
        assert not open_review.decisions.exists()

    def test_forged_schedule_cancel_is_refused(self, client, contributor, reviewer):
        """A reviewer without two factors cannot call off a scheduled publication."""
        review = _scheduled_review(contributor, reviewer)
        client.force_login(reviewer, two_factor=False)
        client.post(reverse("admin:reviews_review_cancel_schedule", args=[review.pk]))
        review.refresh_from_db()
        assert review.status == Review.Status.SCHEDULED

    def test_forged_reconfirm_is_refused(self, client, contributor, reviewer, other_reviewer):
        """Re-confirming an overdue part needs two factors; the list says so."""
        drug = publish(
            monograph(name="Cyclamine", sections=[SectionKind.USAGE]),
            contributor=contributor,
            reviewer=reviewer,
        )
        part = drug.published_revision.reviewed_parts.get(kind="usage")
        with time_machine.travel(timezone.now() + timedelta(days=800), tick=False):
            client.force_login(other_reviewer, two_factor=False)
            page = client.get(reverse("admin:reviews_review_overdue")).text
            assert "You cannot re-confirm parts yet" in page
            assert "Reviewed, no change</button>" not in page
            client.post(reverse("admin:reviews_review_reconfirm", args=[part.pk]), signing())
        assert not Reconfirmation.objects.exists()

    def test_forged_unpublish_is_refused(self, client, editor, published_drug):
        """An editor without two factors cannot take a monograph off the site."""
        client.force_login(editor, two_factor=False)
        url = reverse("admin:monographs_drug_workflow_unpublish", args=[published_drug.pk])
        assert "This needs a two-factor sign-in" in client.get(url).text
        response = client.post(url, {"comment": "Withdrawn"}, follow=True)
        assert "This needs a two-factor sign-in" in response.text
        published_drug.refresh_from_db()
        assert published_drug.is_published

    def test_forged_restore_is_refused(self, client, editor, contributor, published_drug):
        """An editor without two factors cannot restore an earlier version."""
        published = published_drug.published_revision
        edit_section(published_drug, "An edit to undo.", by=contributor)
        client.force_login(editor, two_factor=False)
        response = client.post(
            reverse("admin:monographs_drug_restore", args=[published_drug.pk]),
            {"at": published.created_at.isoformat(), "reason": "Undo"},
            follow=True,
        )
        assert "This needs a two-factor sign-in" in response.text
        assert published_drug.sections.order_by("position")[0].body == "An edit to undo."

    def test_verified_editor_restores(self, client, editor, contributor, published_drug):
        """Signed in with a code, the same restore goes through."""
        published = published_drug.published_revision
        edit_section(published_drug, "An edit to undo.", by=contributor)
        client.force_login(editor)
        client.post(
            reverse("admin:monographs_drug_restore", args=[published_drug.pk]),
            {"at": published.created_at.isoformat(), "reason": "Undo"},
        )
        assert published_drug.sections.order_by("position")[0].body != "An edit to undo."


@pytest.mark.django_db
class ResetTests:
    def reset_url(self, user):
        return reverse("admin:two_factor_reset", args=[user.pk])

    def test_an_editor_resets_someones_two_factor(self, client, editor, enrolled_reviewer):
        """The reviewer's app and codes are removed, audited; they sign in with the password."""
        client.force_login(editor)
        page = client.get(ACCOUNT_URL).text
        assert 'aria-label="Reset two-factor sign-in of' in page
        response = client.post(self.reset_url(enrolled_reviewer), follow=True)
        assert "is reset" in response.text
        assert not TOTPDevice.objects.filter(user=enrolled_reviewer).exists()
        assert not StaticDevice.objects.filter(user=enrolled_reviewer).exists()
        entry = entries(AuditEntry.Action.TWO_FACTOR_RESET).get()
        assert (entry.actor, entry.subject) == (editor, enrolled_reviewer)
        audit_list = client.get(reverse("admin:reviews_auditentry_changelist")).text
        assert "Two-factor sign-in reset" in audit_list
        assert '<td class="field-subject nowrap">rita</td>' in audit_list
        client.logout()
        assert password_step(client, "rita").url == reverse("admin:index")

    def test_without_the_permission_it_is_forbidden(
        self, client, other_reviewer, enrolled_reviewer
    ):
        """A reviewer (no reset permission) gets 403 and no reset button."""
        client.force_login(other_reviewer)
        assert "Reset someone" not in client.get(ACCOUNT_URL).text
        assert client.post(self.reset_url(enrolled_reviewer)).status_code == 403
        assert TOTPDevice.objects.filter(user=enrolled_reviewer).exists()

    def test_an_editor_without_their_own_two_factor_is_refused(
        self, client, editor, enrolled_reviewer
    ):
        """An editor signed in with a password alone cannot reset anyone."""
        client.force_login(editor, two_factor=False)
        response = client.post(self.reset_url(enrolled_reviewer), follow=True)
        assert "This needs a two-factor sign-in" in response.text
        assert TOTPDevice.objects.filter(user=enrolled_reviewer).exists()
        assert not entries(AuditEntry.Action.TWO_FACTOR_RESET).exists()


@pytest.mark.django_db
class SeedDemoTwoFactorTests:
    def test_demo_reviewers_and_editor_get_an_app_once_and_its_uri_every_run(
        self, client, monkeypatch
    ):
        """Each run prints the same otpauth URI per reviewer and the editor; its code signs in."""
        monkeypatch.setenv("MEDREF_DEMO_PASSWORD", "demo-pass-for-tests")
        first, _ = seed()
        second, _ = seed()
        uris = dict(re.findall(r"^\s+(\w+)\s+(otpauth://\S+)$", first, re.MULTILINE))
        assert set(uris) == {"reviewer", "pharmacist", "editor"}
        assert dict(re.findall(r"^\s+(\w+)\s+(otpauth://\S+)$", second, re.MULTILINE)) == uris
        assert "backup codes (shown once)" in first
        assert "backup codes" not in second
        assert TOTPDevice.objects.count() == 3
        secret = parse_qs(urlparse(uris["reviewer"]).query)["secret"][0]
        device = TOTPDevice.objects.get(user__username="reviewer")
        assert totp_code(device.bin_key) == totp_code(b32decode(secret))
        client.post(
            reverse("admin:login"),
            {"username": "reviewer", "password": "demo-pass-for-tests"},
        )
        assert code_step(client, totp_code(device.bin_key)).url == reverse("admin:index")
