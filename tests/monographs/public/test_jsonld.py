from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from monographs.models import Revision, SectionKind
from reviews.services import review_submit
from tests.factories import FAQItemFactory, monograph, publish, review_fully_approve
from tests.monographs.public.publicsite import jsonld, page_text, published

HOSTILE = "</script><script>alert(1)</script>"


def nodes_by_type(data: dict) -> dict:
    return {node["@type"]: node for node in data["@graph"]}


def drug_page(client, drug):
    return client.get(reverse("monographs:drug_detail", kwargs={"slug": drug.slug}))


@pytest.mark.django_db
class JsonLdTests:
    def test_monograph_describes_page_drug_and_faq(self, client, contributor, reviewer):
        """The JSON-LD names the reviewed page, the drug it is about, and the FAQ."""
        drug = monograph(
            name="Cyanocobalamin",
            generic_name="cyanocobalamin",
            other_names="Vitamin B12",
            drug_class="Vitamins",
            faqs=2,
        )
        publish(drug, contributor=contributor, reviewer=reviewer)
        revision = drug.published_revision
        data = jsonld(drug_page(client, drug))
        assert data["@context"] == "https://schema.org"
        nodes = nodes_by_type(data)

        page = nodes["MedicalWebPage"]
        assert page["lastReviewed"] == revision.approved_at.date().isoformat()
        credits = revision.approved_by_credit.split("; ")
        assert page["reviewedBy"] == [{"@type": "Person", "name": name} for name in credits]
        assert page["creativeWorkStatus"] == "Published"
        assert page["about"] == {"@id": nodes["Drug"]["@id"]}
        assert page["url"].endswith("/drugs/cyanocobalamin/")

        assert nodes["Drug"]["name"] == "Cyanocobalamin"
        assert nodes["Drug"]["nonProprietaryName"] == "cyanocobalamin"
        assert nodes["Drug"]["alternateName"] == ["Vitamin B12"]
        assert nodes["Drug"]["drugClass"] == {"@type": "DrugClass", "name": "Vitamins"}
        assert "activeIngredient" not in nodes["Drug"]

        questions = nodes["FAQPage"]["mainEntity"]
        assert [item["name"] for item in questions] == [faq.question for faq in drug.faqs.all()]
        assert questions[0]["acceptedAnswer"] == {"@type": "Answer", "text": "An answer."}

    def test_links_use_the_site_address_of_today_not_of_the_approval(
        self, client, contributor, reviewer, settings
    ):
        """A page approved while the site ran on one port links to the port it is served on."""
        settings.SITE_URL = "http://127.0.0.1:8000"
        drug = published("Folic acid", contributor=contributor, reviewer=reviewer)
        settings.SITE_URL = "http://127.0.0.1:8101"
        html = page_text(drug_page(client, drug))
        assert ":8000" not in html
        page = nodes_by_type(jsonld(drug_page(client, drug)))["MedicalWebPage"]
        assert page["url"] == "http://127.0.0.1:8101/drugs/folic-acid/"

    def test_a_site_address_is_escaped_for_the_script_element(
        self, client, contributor, reviewer, settings
    ):
        """Even a hostile SITE_URL cannot close the JSON-LD script element."""
        drug = published("Biotin", contributor=contributor, reviewer=reviewer)
        settings.SITE_URL = 'https://x.example/"</script><script>alert(1)</script>'
        html = page_text(drug_page(client, drug))
        assert "<script>alert(1)" not in html
        page = nodes_by_type(jsonld(drug_page(client, drug)))["MedicalWebPage"]
        assert page["url"].startswith(settings.SITE_URL)

    def test_combination_lists_its_active_ingredients(self, client, contributor, reviewer):
        """A combination's Drug node names each component as an active ingredient."""
        methyl = published("Methylcobalamin", contributor=contributor, reviewer=reviewer)
        piracetam = published("Piracetam", contributor=contributor, reviewer=reviewer)
        combo = monograph(name="Methylcobalamin + Piracetam")
        combo.components.add(methyl, piracetam)
        publish(combo, contributor=contributor, reviewer=reviewer)
        drug_node = nodes_by_type(jsonld(drug_page(client, combo)))["Drug"]
        assert drug_node["activeIngredient"] == ["Methylcobalamin", "Piracetam"]

    def test_no_faq_node_without_faq_items(self, client, contributor, reviewer):
        """A monograph without questions does not claim to be an FAQ page."""
        drug = published("Quiet", contributor=contributor, reviewer=reviewer, faqs=0)
        assert "FAQPage" not in nodes_by_type(jsonld(drug_page(client, drug)))

    def test_text_cannot_close_the_script_element(self, client, contributor, reviewer):
        """Names and answers with </script> stay data: the JSON parses and nothing runs."""
        drug = monograph(
            name=f"Evil {HOSTILE}",
            slug="evil",
            other_names=HOSTILE,
            drug_class=f"Class {HOSTILE}",
            sections=(SectionKind.USAGE,),
            faqs=0,
        )
        FAQItemFactory(drug=drug, question=f"Q {HOSTILE}?", answer=f"A & {HOSTILE} <b>x</b>")
        publish(drug, contributor=contributor, reviewer=reviewer)
        response = drug_page(client, drug)
        html = page_text(response)
        assert "<script>alert(1)</script>" not in html
        # The monograph's JSON-LD, the breadcrumbs' and the site's own script file.
        assert html.count("<script") == 3
        nodes = nodes_by_type(jsonld(response))
        assert nodes["Drug"]["name"] == f"Evil {HOSTILE}"
        assert nodes["Drug"]["alternateName"] == [HOSTILE]
        assert nodes["FAQPage"]["mainEntity"][0]["name"] == f"Q {HOSTILE}?"
        raw = html.split('<script type="application/ld+json">')[1].split("</script>")[0]
        assert "<" not in raw
        assert ">" not in raw
        assert "&" not in raw


def rename(drug, name: str) -> None:
    """Save a new name on the working copy, never submitted."""
    drug.name = name
    drug.save()


@pytest.mark.django_db
class ReviewedComponentNameTests:
    def test_unreviewed_component_rename_never_reaches_the_combination(
        self, client, contributor, reviewer
    ):
        """Renaming a published component's working copy does not change its name anywhere."""
        methyl = published("Methylcobalamin", contributor=contributor, reviewer=reviewer)
        piracetam = published("Piracetam", contributor=contributor, reviewer=reviewer)
        combo = monograph(name="Methylcobalamin + Piracetam")
        combo.components.add(methyl, piracetam)
        rename(methyl, "Unreviewed Before Submission")
        review = review_submit(drug=combo, by=contributor)
        rename(piracetam, "Unreviewed After Submission")
        review_fully_approve(review, reviewer)

        response = drug_page(client, combo)
        drug_node = nodes_by_type(jsonld(response))["Drug"]
        assert drug_node["activeIngredient"] == ["Methylcobalamin", "Piracetam"]
        assert "Unreviewed" not in page_text(response)

    def test_unpublished_component_keeps_the_name_its_reviewer_saw(
        self, client, contributor, reviewer
    ):
        """A draft component's name is frozen at submission, shown as approved, and stays data."""
        draft = monograph(name=f"Folate {HOSTILE}", faqs=0)
        combo = monograph(name="Folate + Other")
        combo.components.add(draft)
        review = review_submit(drug=combo, by=contributor)
        rename(draft, "Unreviewed Folate")
        review_fully_approve(review, reviewer)

        response = drug_page(client, combo)
        html = page_text(response)
        assert nodes_by_type(jsonld(response))["Drug"]["activeIngredient"] == [f"Folate {HOSTILE}"]
        assert "Unreviewed" not in html
        assert "<script>alert(1)</script>" not in html
        raw = html.split('<script type="application/ld+json">')[1].split("</script>")[0]
        assert "<" not in raw

    def test_revision_frozen_before_names_were_is_assembled_from_public_names(
        self, client, contributor, reviewer
    ):
        """An older revision without frozen names gets its components' published names."""
        methyl = published("Methylcobalamin", contributor=contributor, reviewer=reviewer)
        combo = monograph(name="Methylcobalamin + Other")
        combo.components.add(methyl)
        publish(combo, contributor=contributor, reviewer=reviewer)
        Revision.objects.filter(pk=combo.published_revision_id).update(component_names={})
        rename(methyl, "Unreviewed Name")
        call_command("assemble_articles", stdout=StringIO())
        drug_node = nodes_by_type(jsonld(drug_page(client, combo)))["Drug"]
        assert drug_node["activeIngredient"] == ["Methylcobalamin"]
