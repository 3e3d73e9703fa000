"""The author's order is the reader's order: sections show as the document or author gives them."""

import json
import re
from importlib import import_module

import pytest
from django.apps import apps
from django.urls import reverse

from monographs.exporter import published_documents
from monographs.importer import import_file
from monographs.models import Section, SectionKind
from reviews.management.commands.seed_demo import default_seed_folder
from reviews.services import review_approve, review_submit
from tests.factories import monograph, publish, signed
from tests.monographs.adminforms import change_form_data, section_field
from tests.monographs.public.publicsite import outline, page_text

CERECETAM_SEED = default_seed_folder() / "001_6ae279b458452e91.txt"


def section_headings(response) -> list[str]:
    """The h2 titles of a monograph page's sections, in page order (ToC and FAQ left out)."""
    return [
        text
        for level, text in outline(response).headings
        if level == 2 and text not in {"Contents", "Frequently asked questions"}
    ]


def toc_entries(response) -> list[str]:
    nav = re.search(r'<nav[^>]*aria-labelledby="contents".*?</nav>', page_text(response), re.S)
    return [
        re.sub(r"<[^>]+>", "", item).strip() for item in re.findall(r"<a [^>]*>.*?</a>", nav[0])
    ]


def reorder_in_admin(client, drug, order: list[int], reason="Put the overview first"):
    """Save the change form with the section at old position `order[i]` moved to place i."""
    data = change_form_data(client, drug)
    for place, old in enumerate(order):
        data[section_field(data, old, "position")] = str(place)
    data["change_reason"] = reason
    response = client.post(reverse("admin:monographs_drug_change", args=[drug.pk]), data)
    assert response.status_code == 302, response.content.decode()[:3000]


@pytest.mark.django_db
class ImportedOrderTests:
    def test_the_seed_article_reads_in_its_own_order(self, client, contributor, reviewer):
        """Cerecetam's "What is Cerecetam?" comes before its dosage, as the article has it."""
        drug = publish(
            import_file(CERECETAM_SEED, user=contributor),
            contributor=contributor,
            reviewer=reviewer,
        )
        response = client.get(reverse("monographs:drug_detail", args=[drug.slug]))
        assert section_headings(response) == [
            "Overview",
            "What is Cerecetam?",
            "How It Works and Common Uses",
            "Dosage, Administration, and Practical Tips",
            "Side Effects, Warnings, and Drug Interactions",
            "FAQs, Practical Advice, and Next Steps",
        ]


@pytest.mark.django_db
class ReorderingTests:
    @pytest.fixture
    def drug(self, contributor, reviewer):
        drug = monograph(
            name="Niacin", sections=(SectionKind.USAGE, SectionKind.DOSAGE, SectionKind.OTHER)
        )
        other = drug.sections.get(kind=SectionKind.OTHER)
        other.heading = "What is niacin?"
        other.save()
        return publish(drug, contributor=contributor, reviewer=reviewer)

    def test_a_reorder_is_a_recorded_edit_reviewed_as_a_move(
        self, client, contributor, reviewer, drug
    ):
        """A move is saved with its reason, submitted, and shown to the reviewer as a move."""
        client.force_login(contributor)
        reorder_in_admin(client, drug, [2, 0, 1])
        latest = Section.history.filter(drug_id=drug.pk).latest()
        assert latest.history_change_reason == "Put the overview first"
        review = review_submit(drug=drug, by=contributor)
        assert [s["heading"] or s["kind"] for s in review.revision.sections] == [
            "What is niacin?",
            "usage",
            "dosage",
        ]
        client.force_login(reviewer)
        page = page_text(client.get(reverse("admin:reviews_review_change", args=[review.pk])))
        assert "Moved" in page
        review_approve(review=review, by=reviewer, signature=signed(reviewer))

        client.logout()
        detail = client.get(reverse("monographs:drug_detail", args=[drug.slug]))
        assert section_headings(detail) == ["What is niacin?", "Usage", "Dosage"]
        assert toc_entries(detail)[:3] == ["What is niacin?", "Usage", "Dosage"]
        api = json.loads(client.get(reverse("monographs:api_drug", args=[drug.slug])).content)
        assert [s["kind"] for s in api["sections"]] == ["other", "usage", "dosage"]
        exported = next(d for d in published_documents() if d["slug"] == drug.slug)
        assert [s["kind"] for s in exported["sections"]] == ["other", "usage", "dosage"]
        changes = page_text(client.get(reverse("monographs:drug_changes", args=[drug.slug])))
        assert "(Moved)" in changes

    def test_a_reorder_alone_can_be_submitted(self, client, contributor, drug):
        """Changing only the order is a change: it is not refused as "nothing to submit"."""
        client.force_login(contributor)
        reorder_in_admin(client, drug, [1, 0, 2])
        review = review_submit(drug=drug, by=contributor)
        assert review.revision.content_hash != drug.published_revision.content_hash


@pytest.mark.django_db
class UpgradeTests:
    def test_renumbering_keeps_the_order_readers_were_shown(self):
        """The upgrade numbers sections in the old kind-first order, so no page reshuffles."""
        drug = monograph(name="Biotin", sections=(SectionKind.OTHER, SectionKind.USAGE))
        # Positions as an older MedRef left them: document order, while pages showed the
        # usage section (a canonical kind) before the "other" one.
        assert [s.kind for s in drug.sections.order_by("position")] == ["other", "usage"]
        migration = import_module("monographs.migrations.0010_sections_numbered_in_the_order_shown")
        migration.number_in_shown_order(apps, None)
        drug.refresh_from_db()
        assert [s.kind for s in drug.ordered_sections()] == ["usage", "other"]
        assert [s.position for s in drug.ordered_sections()] == [0, 1]
