import pytest
from django.urls import reverse
from django.utils.timezone import localtime

from monographs.models import Reference, Revision
from monographs.public import changes
from reviews.services import (
    drug_unpublish,
    review_approve,
    review_request_changes,
    review_submit,
    review_withdraw,
)
from tests.factories import edit_section, monograph, publish, signed
from tests.monographs.public.publicsite import (
    edit_and_publish,
    outline,
    page_text,
    published,
)


def changes_url(drug) -> str:
    return reverse("monographs:drug_changes", kwargs={"slug": drug.slug})


@pytest.mark.django_db
class ChangeLogTests:
    def test_lists_approved_versions_newest_first_with_reviewer(
        self, client, contributor, reviewer, other_reviewer
    ):
        """Each approved version shows its date and reviewer, the newest at the top."""
        drug = published("Logged", contributor=contributor, reviewer=reviewer)
        edit_and_publish(drug, "Second text.", contributor=contributor, reviewer=other_reviewer)
        html = page_text(client.get(changes_url(drug)))
        first, second = Revision.objects.approved().filter(drug=drug).order_by("approved_at")
        assert html.index(second.approved_by_credit) < html.index(first.approved_by_credit)
        assert f"Approved by {first.approved_by_credit}" in html
        assert f'datetime="{localtime(second.approved_at):%Y-%m-%dT%H:%M:%S%z}"' in html
        assert "First published version." in html

    def test_shows_a_word_diff_of_changed_sections_only(self, client, contributor, reviewer):
        """Readers see the words removed and added, and only for the sections that changed."""
        drug = monograph(name="Diffed", sections=("usage", "dosage"))
        usage = drug.sections.get(kind="usage")
        usage.body = "Take one tablet daily."
        usage.save()
        dosage = drug.sections.get(kind="dosage")
        dosage.body = "Unchanged dosage text."
        dosage.save()
        publish(drug, contributor=contributor, reviewer=reviewer)
        usage.refresh_from_db()
        usage.body = "Take two tablets daily."
        usage.save()
        review_approve(
            review=review_submit(drug=drug, by=contributor), by=reviewer, signature=signed(reviewer)
        )

        html = page_text(client.get(changes_url(drug)))
        assert "Take <del>one tablet</del><ins>two tablets</ins> daily." in html
        assert "Unchanged dosage text." not in html
        assert (3, "Usage (Changed)") in outline(client.get(changes_url(drug))).headings

    def test_reference_changes_are_listed(self, client, contributor, reviewer):
        """A version that added or rewrote a reference says so, with the words changed."""
        drug = monograph(name="Referenced", sections=("usage",))
        reference = Reference.objects.create(drug=drug, number=1, title="SmPC, 2019 edition")
        publish(drug, contributor=contributor, reviewer=reviewer)
        reference.title = "SmPC, 2024 edition"
        reference.save()
        Reference.objects.create(drug=drug, number=2, title="<b>NICE</b> guideline")
        review_approve(
            review=review_submit(drug=drug, by=contributor), by=reviewer, signature=signed(reviewer)
        )

        response = client.get(changes_url(drug))
        headings = outline(response).headings
        assert (3, "Reference [1] SmPC, 2024 edition (Changed)") in headings
        assert (3, "Reference [2] <b>NICE</b> guideline (New)") in headings
        html = page_text(response)
        assert "<del>2019</del><ins>2024</ins>" in html
        assert "<b>NICE</b>" not in html

    def test_drafts_rejections_withdrawals_and_comments_never_appear(
        self, client, contributor, reviewer
    ):
        """Only approved versions are compared; nothing else from the workflow leaks."""
        drug = published("Guarded", contributor=contributor, reviewer=reviewer)

        edit_section(drug, "REJECTED WORDING")
        rejected = review_submit(drug=drug, by=contributor, comment="SUBMITTER NOTE")
        review_request_changes(review=rejected, by=reviewer, comment="REVIEWER COMMENT")
        edit_section(drug, "WITHDRAWN WORDING")
        review_withdraw(review=review_submit(drug=drug, by=contributor), by=contributor)
        edit_section(drug, "SUPERSEDED WORDING")
        review_submit(drug=drug, by=contributor)
        edit_section(drug, "Approved wording.")
        review_approve(
            review=review_submit(drug=drug, by=contributor), by=reviewer, signature=signed(reviewer)
        )
        edit_section(drug, "DRAFT WORDING")

        html = page_text(client.get(changes_url(drug)))
        for secret in [
            "REJECTED",
            "WITHDRAWN",
            "SUPERSEDED",
            "DRAFT",
            "REVIEWER COMMENT",
            "SUBMITTER NOTE",
        ]:
            assert secret not in html
        assert "<ins>Approved</ins>" in html or "<ins>Approved wording</ins>" in html
        assert html.count('<article class="change"') == 2

    def test_unpublished_or_unknown_monograph_has_no_change_log(
        self, client, published_drug, draft_drug, editor
    ):
        """A change log exists only while the monograph is published."""
        assert client.get(changes_url(draft_drug)).status_code == 404
        assert client.get("/drugs/nothing/changes/").status_code == 404
        drug_unpublish(drug=published_drug, by=editor)
        assert client.get(changes_url(published_drug)).status_code == 404

    def test_links_back_to_the_monograph(self, client, published_drug):
        """The change log links to the monograph it describes."""
        url = reverse("monographs:drug_detail", kwargs={"slug": published_drug.slug})
        assert f'href="{url}"' in page_text(client.get(changes_url(published_drug)))

    def test_long_histories_are_paginated(self, client, contributor, reviewer, monkeypatch):
        """Older versions are on later pages, still compared with the version before them."""
        monkeypatch.setattr(changes, "CHANGES_PER_PAGE", 2)
        drug = published("Paged", contributor=contributor, reviewer=reviewer)
        for number in range(1, 4):
            edit_and_publish(drug, f"Text {number}.", contributor=contributor, reviewer=reviewer)

        first_page = page_text(client.get(changes_url(drug)))
        assert first_page.count('<article class="change"') == 2
        assert "<del>2</del><ins>3</ins>" in first_page
        assert "<del>1</del><ins>2</ins>" in first_page  # against a version on page 2
        assert f'href="{changes_url(drug)}?page=2"' in first_page
        second_page = page_text(client.get(changes_url(drug) + "?page=2"))
        assert second_page.count('<article class="change"') == 2
        assert "First published version." in second_page
        assert f'href="{changes_url(drug)}"' in second_page
        assert client.get(changes_url(drug) + "?page=3").status_code == 404
        assert client.get(changes_url(drug) + "?page=x").status_code == 404


@pytest.mark.django_db
class ChangeLogQueryCountTests:
    @pytest.fixture(autouse=True)
    def _uncached(self, settings):
        settings.MEDREF_PAGE_CACHE_SECONDS = 0

    @pytest.mark.parametrize("approvals", [1, 10])
    def test_query_count_does_not_grow_with_revisions(
        self, client, contributor, reviewer, approvals, django_assert_num_queries
    ):
        """One query each for the drug, a page of approved revisions and its reconfirmations."""
        drug = published("Counted", contributor=contributor, reviewer=reviewer)
        for number in range(1, approvals):
            edit_and_publish(drug, f"Text {number}.", contributor=contributor, reviewer=reviewer)
        with django_assert_num_queries(3):
            response = client.get(changes_url(drug))
        assert response.status_code == 200
        assert page_text(response).count('<article class="change"') == approvals
