import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from tests.monographs.adminforms import change_url

PROJECT_DIR = Path(__file__).resolve().parents[2]


def policy(response) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy")
    assert header, f"no CSP header on {response.request['PATH_INFO']}"
    directives = {}
    for directive in header.split(";"):
        name, *values = directive.split()
        directives[name] = values
    return directives


def assert_strict_policy(response) -> None:
    directives = policy(response)
    script_src = directives.get("script-src", directives.get("default-src"))
    assert script_src == ["'self'"], script_src
    assert "'unsafe-inline'" not in script_src
    assert "'unsafe-eval'" not in script_src
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["form-action"] == ["'self'"]


@pytest.mark.django_db
class ContentSecurityPolicyTests:
    def test_public_page_forbids_inline_script(self, client, published_drug):
        """The public monograph page carries a CSP without inline or eval'd script."""
        response = client.get(published_drug.get_absolute_url())
        assert response.status_code == 200
        assert_strict_policy(response)

    def test_admin_pages_forbid_inline_script(self, client, contributor, draft_drug):
        """The admin login, change form, history and preview all carry the strict CSP."""
        assert_strict_policy(client.get(reverse("admin:login")))
        client.force_login(contributor)
        for url in [
            change_url(draft_drug),
            reverse("admin:monographs_drug_history", args=[draft_drug.pk]),
            reverse("admin:monographs_drug_history_compare", args=[draft_drug.pk]),
        ]:
            response = client.get(url)
            assert response.status_code == 200
            assert_strict_policy(response)
        assert_strict_policy(client.post(reverse("markdownx_markdownify"), {"content": "x"}))

    def test_other_security_headers(self, client, published_drug):
        """Responses forbid framing and MIME sniffing and keep referrers on-site."""
        response = client.get(published_drug.get_absolute_url())
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["Cross-Origin-Opener-Policy"] == "same-origin"


class DeployCheckTests:
    def test_production_settings_pass_the_deploy_check(self):
        """`manage.py check --deploy` with production settings reports no issue at all."""
        inherited = {
            name: value
            for name, value in os.environ.items()
            if name != "DJANGO_ALLOW_ASYNC_UNSAFE"  # set for the browser tests only
        }
        env = {
            **inherited,
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "ALLOWED_HOSTS": "medref.example",
        }
        result = subprocess.run(
            [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
            cwd=PROJECT_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert "System check identified no issues" in result.stdout, result.stdout
