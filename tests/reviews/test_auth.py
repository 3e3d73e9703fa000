"""Logging in to the admin: throttling, password hashing, where a login lands, session expiry."""

import logging
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.contrib.auth.hashers import make_password
from django.contrib.sessions.models import Session
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from medref import settings as production
from reviews.sessions import RENEWED_AT
from tests.factories import ContributorFactory

PASSWORD = "correct horse battery staple"  # tests/factories.py
WRONG = "not the password"


def log_in(client, username, password, address="198.51.100.1", **headers):
    """POST the admin's login form from `address`, as a browser would."""
    data = {"username": username, "password": password}
    return client.post(reverse("admin:login"), data, REMOTE_ADDR=address, **headers)


def fail(client, username, times, address="198.51.100.1", **headers):
    """`times` wrong passwords for `username`; the status of each answer."""
    return [log_in(client, username, WRONG, address, **headers).status_code for _ in range(times)]


def is_logged_in(client) -> bool:
    return client.get(reverse("admin:index")).status_code == 200


@pytest.mark.django_db
class LoginThrottlingTests:
    def test_repeated_failures_lock_the_account(self, client, contributor):
        """The limit-th wrong password is answered 429, and then so is the right one."""
        limit = django_settings.AXES_FAILURE_LIMIT
        assert fail(client, "carla", limit + 1) == [200] * (limit - 1) + [429, 429]
        response = log_in(client, "carla", PASSWORD)
        assert response.status_code == 429
        assert b"Too many failed login attempts" in response.content
        assert not is_logged_in(client)

    def test_the_right_password_works_again_after_the_cool_off(self, client, contributor):
        """Once the cool-off has passed since the last failure, the account logs in again."""
        fail(client, "carla", django_settings.AXES_FAILURE_LIMIT)
        past_cool_off = django_settings.AXES_COOLOFF_TIME + timedelta(seconds=1)
        AccessAttempt.objects.update(attempt_time=F("attempt_time") - past_cool_off)
        assert log_in(client, "carla", PASSWORD).status_code == 302
        assert is_logged_in(client)

    def test_a_locked_account_leaves_other_accounts_alone(self, client, contributor):
        """Locking one account out does not stop another account from another address."""
        ContributorFactory(username="colin")
        fail(client, "carla", django_settings.AXES_FAILURE_LIMIT, address="198.51.100.1")
        assert log_in(client, "colin", PASSWORD, address="203.0.113.2").status_code == 302

    def test_an_address_trying_many_accounts_is_locked_out(self, client, contributor):
        """Failures spread over many usernames from one address lock that address out."""
        for number in range(django_settings.AXES_FAILURE_LIMIT):
            fail(client, f"guess{number}", 1, address="198.51.100.1")
        assert log_in(client, "carla", PASSWORD, address="198.51.100.1").status_code == 429
        assert log_in(client, "carla", PASSWORD, address="203.0.113.2").status_code == 302

    def test_unknown_and_known_accounts_are_answered_alike(self, client, contributor):
        """An attacker cannot tell from the lockout whether the account exists."""
        limit = django_settings.AXES_FAILURE_LIMIT
        known = fail(client, "carla", limit, address="198.51.100.1")
        unknown = fail(client, "nobody-here", limit, address="203.0.113.2")
        assert known == unknown
        known_lockout = log_in(client, "carla", WRONG, address="198.51.100.1")
        unknown_lockout = log_in(client, "nobody-here", WRONG, address="203.0.113.2")
        assert known_lockout.status_code == unknown_lockout.status_code == 429
        assert known_lockout.content == unknown_lockout.content
        assert sorted(known_lockout.headers) == sorted(unknown_lockout.headers)
        assert b"carla" not in known_lockout.content

    def test_failures_are_logged_with_the_address(self, client, contributor, caplog):
        """Each failed login leaves a warning naming the address, never the password."""
        with caplog.at_level(logging.WARNING, logger="axes"):
            fail(client, "carla", 2, address="198.51.100.7")
        failures = [r for r in caplog.records if r.name.startswith("axes")]
        assert len(failures) == 2
        assert all("198.51.100.7" in record.getMessage() for record in failures)
        assert not any(WRONG in record.getMessage() for record in failures)

    def test_forged_forwarded_for_does_not_escape_the_lockout(self, client, contributor):
        """Without a trusted proxy, a new X-Forwarded-For per attempt is still one address."""
        for number in range(django_settings.AXES_FAILURE_LIMIT):
            fail(client, f"guess{number}", 1, HTTP_X_FORWARDED_FOR=f"192.0.2.{number}")
        response = log_in(client, "carla", PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.99")
        assert response.status_code == 429

    def test_behind_a_trusted_proxy_clients_are_told_apart(self, client, contributor, settings):
        """Behind one proxy the client is the address it appended, whatever the client forged."""
        settings.MEDREF_TRUSTED_PROXY_COUNT = 1
        proxy = "10.0.0.1"
        for number in range(settings.AXES_FAILURE_LIMIT):
            forwarded = f"192.0.2.{number}, 198.51.100.1"  # the left part is the client's own
            fail(client, f"guess{number}", 1, address=proxy, HTTP_X_FORWARDED_FOR=forwarded)
        attacker = {"address": proxy, "HTTP_X_FORWARDED_FOR": "198.51.100.1"}
        assert log_in(client, "carla", PASSWORD, **attacker).status_code == 429
        other = {"address": proxy, "HTTP_X_FORWARDED_FOR": "203.0.113.2"}
        assert log_in(client, "carla", PASSWORD, **other).status_code == 302


@pytest.mark.django_db
class PasswordHashingTests:
    def test_production_hashes_with_argon2_and_still_reads_pbkdf2(self):
        """Production settings hash with Argon2 first and keep PBKDF2 to verify older hashes."""
        assert production.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
        assert "django.contrib.auth.hashers.PBKDF2PasswordHasher" in production.PASSWORD_HASHERS

    def test_logging_in_upgrades_a_pbkdf2_hash_to_argon2(self, client, contributor, settings):
        """A user with an old PBKDF2 hash logs in with it and leaves with an Argon2 hash."""
        settings.PASSWORD_HASHERS = production.PASSWORD_HASHERS  # tests otherwise use MD5
        contributor.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
        contributor.save(update_fields=["password"])
        assert log_in(client, "carla", PASSWORD).status_code == 302
        contributor.refresh_from_db()
        assert contributor.password.startswith("argon2$")


def renewed_long_ago(client) -> None:
    """Make the client's session look last renewed more than SESSION_RENEW_SECONDS ago."""
    session = client.session
    session[RENEWED_AT] = 0
    session.save()


@pytest.mark.django_db
class LoginSessionTests:
    def test_a_login_lands_on_the_admin_index(self, client, contributor):
        """A login without `next` redirects to the admin index, a page that exists."""
        response = log_in(client, "carla", PASSWORD)
        assert response.status_code == 302
        assert response["Location"] == reverse("admin:index")
        assert client.get(response["Location"]).status_code == 200

    def test_the_session_cookie_ends_with_the_browser(self, client, contributor):
        """The session cookie has no expiry date: closing the browser ends the session."""
        cookie = log_in(client, "carla", PASSWORD).cookies[django_settings.SESSION_COOKIE_NAME]
        assert cookie.value
        assert not cookie["expires"]
        assert not cookie["max-age"]

    def test_each_admin_request_renews_the_idle_timeout(self, client, contributor):
        """A session about to go idle lasts the whole idle period again after an admin request."""
        log_in(client, "carla", PASSWORD)
        renewed_long_ago(client)
        Session.objects.update(expire_date=timezone.now() + timedelta(minutes=1))
        assert is_logged_in(client)
        idle = timedelta(seconds=django_settings.SESSION_COOKIE_AGE)
        assert Session.objects.get().expire_date > timezone.now() + idle - timedelta(minutes=1)

    def test_admin_requests_write_the_session_at_most_once_a_minute(self, client, contributor):
        """Page views right after a renewal leave the session row alone (no write per view)."""
        log_in(client, "carla", PASSWORD)
        renewed_long_ago(client)
        assert is_logged_in(client)
        expiry = Session.objects.get().expire_date
        Session.objects.update(expire_date=expiry - timedelta(seconds=30))
        for _ in range(3):
            assert is_logged_in(client)
        assert Session.objects.get().expire_date == expiry - timedelta(seconds=30)

    def test_an_idle_session_is_logged_out(self, client, contributor):
        """After the idle period without a request, the admin asks for a login again."""
        log_in(client, "carla", PASSWORD)
        Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
        response = client.get(reverse("admin:index"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))

    def test_the_idle_period_is_a_few_hours_by_default(self):
        """Without SESSION_IDLE_MINUTES, a session lasts four hours without a request."""
        assert production.SESSION_COOKIE_AGE == 4 * 60 * 60
        assert not getattr(production, "SESSION_SAVE_EVERY_REQUEST", False)  # reviews.sessions
        assert production.SESSION_EXPIRE_AT_BROWSER_CLOSE

    @pytest.mark.parametrize("cookie", ["none", "stale", "editor's"])
    def test_public_pages_stay_sessionless(
        self, client, published_drug, editor, cookie, django_assert_num_queries
    ):
        """Public pages never save a session or vary on it, whatever cookie comes with them."""
        if cookie == "stale":
            client.cookies[django_settings.SESSION_COOKIE_NAME] = "0123456789abcdefghijklmnopqrstuv"
        elif cookie == "editor's":
            client.force_login(editor)
        sessions = Session.objects.count()
        url = reverse("monographs:drug_detail", kwargs={"slug": published_drug.slug})
        first = client.get(url)
        with django_assert_num_queries(0):  # a hit: the page was stored for everyone
            second = client.get(url)
        for response in (first, second):
            assert response.status_code == 200
            assert not response.cookies
            assert "Cookie" not in response.get("Vary", "")
        assert Session.objects.count() == sessions
