"""Preview as the public will see it: a draft in the public templates, for the editorial team."""

import pytest
from django.urls import reverse

from reviews.services import review_submit
from tests.factories import edit_section, monograph, publish
from tests.pagechecks import assert_page_inert

PENDING = "Pending wording, not reviewed yet."


def drug_preview_url(drug) -> str:
    return reverse("admin:monographs_drug_preview", args=[drug.pk])


def review_preview_url(review) -> str:
    return reverse("admin:reviews_review_preview", args=[review.pk])


@pytest.fixture
def edited(contributor, reviewer):
    """A published monograph whose working copy has an edit nobody reviewed."""
    drug = publish(monograph(name="Pyridoxine"), contributor=contributor, reviewer=reviewer)
    edit_section(drug, PENDING, by=contributor)
    return drug


@pytest.mark.django_db
class WorkingCopyPreviewTests:
    def test_the_draft_shows_in_the_public_page_under_a_banner(self, client, contributor, edited):
        """The contributor sees the edit with the site's own styling, marked as not reviewed."""
        client.force_login(contributor)
        response = client.get(drug_preview_url(edited))
        html = response.content.decode()
        assert response.status_code == 200
        assert PENDING in html
        assert "Draft — not reviewed." in html
        assert "/static/medref/site.css" in html
        assert 'id="contents"' in html  # the public table of contents
        assert "badge" in html  # provenance badges, as readers see them
        assert '<meta name="robots" content="noindex, nofollow">' in html
        assert {"private", "no-store"} <= set(response["Cache-Control"].replace(" ", "").split(","))
        assert response["X-Robots-Tag"] == "noindex, nofollow"

    def test_the_public_never_sees_it(self, client, contributor, edited):
        """Previewing leaves the public page as it was approved."""
        client.force_login(contributor)
        client.get(drug_preview_url(edited))
        client.logout()
        public = client.get(reverse("monographs:drug_detail", args=[edited.slug])).content
        assert PENDING.encode() not in public
        preview = client.get(drug_preview_url(edited))
        assert preview.status_code == 302
        assert preview.url.startswith(reverse("admin:login"))

    def test_someone_outside_the_editorial_team_is_refused(self, client, reader, edited):
        """A logged-in user without editorial permissions gets no preview."""
        reader.is_staff = True
        reader.save()
        client.force_login(reader)
        assert client.get(drug_preview_url(edited)).status_code == 403

    def test_hostile_text_stays_inert(self, client, contributor, edited):
        """Markup typed into a section cannot run in the preview."""
        edit_section(edited, '<script>alert(1)</script><img src=x onerror="alert(1)">')
        client.force_login(contributor)
        assert_page_inert(client.get(drug_preview_url(edited)).content.decode())


@pytest.mark.django_db
class RevisionPreviewTests:
    def test_the_reviewer_previews_exactly_the_submitted_revision(
        self, client, contributor, reviewer, edited
    ):
        """Edits made after submitting are not in the revision's preview."""
        review = review_submit(drug=edited, by=contributor)
        edit_section(edited, "Typed after submitting.", by=contributor)
        client.force_login(reviewer)
        html = client.get(review_preview_url(review)).content.decode()
        assert PENDING in html
        assert "Typed after submitting." not in html
        assert "Draft — not reviewed." in html
        page = client.get(reverse("admin:reviews_review_change", args=[review.pk]))
        assert review_preview_url(review) in page.content.decode()
