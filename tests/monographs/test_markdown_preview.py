import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory
from tests.monographs.test_sanitizer import HOSTILE, assert_inert

PREVIEW = reverse("markdownx_markdownify")


@pytest.mark.django_db
class PreviewAccessTests:
    def test_anonymous_is_refused(self, client):
        """Anonymous visitors cannot use the preview (markdownx's own view lets them)."""
        assert client.post(PREVIEW, {"content": "**hi**"}).status_code == 403

    def test_non_staff_user_is_refused(self, client, reader):
        """A logged-in reader who is not staff gets 403."""
        client.force_login(reader)
        assert client.post(PREVIEW, {"content": "**hi**"}).status_code == 403

    def test_staff_without_edit_permission_is_refused(self, client, reviewer):
        """A medical reviewer (staff, view-only on content) gets 403."""
        client.force_login(reviewer)
        assert client.post(PREVIEW, {"content": "**hi**"}).status_code == 403

    def test_staff_with_unrelated_permission_is_refused(self, client):
        """Staff allowed only to view drugs cannot preview."""
        user = UserFactory(username="viv", is_staff=True)
        user.user_permissions.add(Permission.objects.get(codename="view_drug"))
        client.force_login(user)
        assert client.post(PREVIEW, {"content": "**hi**"}).status_code == 403

    def test_contributor_gets_rendered_html(self, client, contributor):
        """A contributor's preview is the rendered markdown."""
        client.force_login(contributor)
        response = client.post(PREVIEW, {"content": "## Dose\n\n**500 mg** daily"})
        assert response.status_code == 200
        assert response.content.decode() == (
            '<h2 id="dose">Dose</h2>\n<p><strong>500 mg</strong> daily</p>'
        )

    def test_get_is_not_allowed(self, client, contributor):
        """The preview only answers POST."""
        client.force_login(contributor)
        assert client.get(PREVIEW, {"content": "x"}).status_code == 405

    def test_csrf_token_is_required(self, contributor):
        """A cross-site POST without the CSRF token is refused."""
        browser = Client(enforce_csrf_checks=True)
        browser.force_login(contributor)
        assert browser.post(PREVIEW, {"content": "x"}).status_code == 403

    def test_preview_is_not_cached(self, client, contributor):
        """Previews of unsaved drafts are never stored by caches."""
        client.force_login(contributor)
        response = client.post(PREVIEW, {"content": "x"})
        assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
@pytest.mark.parametrize("source", HOSTILE.values(), ids=HOSTILE.keys())
def test_preview_output_is_sanitized(client, contributor, source):
    """Hostile markdown typed in the editor previews without anything executable."""
    client.force_login(contributor)
    response = client.post(PREVIEW, {"content": source})
    assert response.status_code == 200
    assert_inert(response.content.decode())


@pytest.mark.django_db
class PreviewLimitsTests:
    def test_poisonous_markdown_answers_400_with_the_reason(self, client, contributor):
        """A preview the renderer refuses is a 400 whose text says why."""
        client.force_login(contributor)
        response = client.post(PREVIEW, {"content": "- " * 1000 + "x"})
        assert response.status_code == 400
        assert "levels deep" in response.content.decode()

    def test_poison_does_not_change_the_next_preview(self, client, contributor):
        """After a refused preview, the same worker previews normal markdown intact."""
        client.force_login(contributor)
        client.post(PREVIEW, {"content": "- " * 1000 + "x"})
        client.post(PREVIEW, {"content": "[" * 8000})
        response = client.post(
            PREVIEW, {"content": "Take *one* [tablet](https://a.example).\n\nOK."}
        )
        assert response.content.decode() == (
            '<p>Take <em>one</em> <a href="https://a.example" rel="noopener noreferrer nofollow">'
            "tablet</a>.</p>\n<p>OK.</p>"
        )

    def test_refusal_is_shown_in_the_preview_pane(self, client, contributor):
        """markdownx shows any answer in the pane, whatever its status: the refusal is an alert."""
        client.force_login(contributor)
        response = client.post(PREVIEW, {"content": "x" * 40_001})
        assert response.content.decode() == (
            '<p class="preview-refused" role="alert">This text is 40,001 characters long; '
            "the limit is 40,000 characters.</p>"
        )

    def test_too_long_text_names_the_limit(self, client, contributor):
        """A preview over MAX_TEXT_CHARS is refused naming the limit."""
        client.force_login(contributor)
        response = client.post(PREVIEW, {"content": "x" * 40_001})
        assert response.status_code == 400
        assert "40,000 characters" in response.content.decode()

    def test_previews_are_rate_limited_per_user(
        self, client, contributor, other_contributor, monkeypatch
    ):
        """Past 60 previews a minute a user gets 429 with a message; another user does not."""
        # One counting window for the whole test: a real minute may end between two requests.
        monkeypatch.setattr("django_ratelimit.core._get_window", lambda value, period: 2**40)
        client.force_login(contributor)
        statuses = [client.post(PREVIEW, {"content": "x"}).status_code for _ in range(60)]
        assert statuses == [200] * 60
        response = client.post(PREVIEW, {"content": "x"})
        assert response.status_code == 429
        assert "Too many previews" in response.content.decode()
        client.force_login(other_contributor)
        assert client.post(PREVIEW, {"content": "x"}).status_code == 200
