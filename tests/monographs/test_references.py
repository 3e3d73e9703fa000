"""References: edited in the admin, cited from sections, listed and linked on the public page,
carried by the importer and the exporter."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from monographs.importer import ImportFailed, import_file
from monographs.models import Drug, Reference, Section, SectionKind
from monographs.public.article import assemble_article
from monographs.references import revision_references
from tests.factories import monograph, publish
from tests.monographs.adminforms import change_url, open_change_form, set_field
from tests.monographs.public.publicsite import jsonld
from tests.pagechecks import assert_page_inert

HOSTILE_TITLE = "<script>alert(1)</script> & </script><b>bold</b>"


def add_reference(data: dict, **fields) -> dict:
    """The change form's data with one more reference row filled in."""
    total = int(data["references-TOTAL_FORMS"][0])
    data["references-TOTAL_FORMS"] = [str(total + 1)]
    for name in ("number", "title", "authors", "year", "url", "doi", "pmid"):
        data[f"references-{total}-{name}"] = [str(fields.get(name, ""))]
    return data


def page(client, drug):
    return client.get(reverse("monographs:drug_detail", kwargs={"slug": drug.slug}))


def referenced_drug(**fields) -> Drug:
    """A working copy whose dosage cites two references, one of them with a DOI and a PMID."""
    drug = monograph(name=fields.pop("name", "Citamine"), sections=[SectionKind.USAGE], faqs=0)
    Reference.objects.create(
        drug=drug,
        number=1,
        title=fields.pop("title", "Summary of product characteristics"),
        authors="Examplar Pharma Ltd",
        year=2023,
        url="https://www.medicines.org.uk/emc/product/1",
    )
    Reference.objects.create(
        drug=drug,
        number=2,
        title="A randomised trial",
        authors="Smith J, Jones K",
        year=2020,
        doi="10.1056/NEJMoa2034577",
        pmid="31978945",
    )
    Section.objects.create(
        drug=drug, kind=SectionKind.DOSAGE, position=1, body="Take 1 mg a day [1, 2]. See [2]."
    )
    return drug


@pytest.mark.django_db
class ReferenceAdminTests:
    def test_contributor_adds_a_reference_and_cites_it(self, client, contributor, draft_drug):
        """A reference added and cited in the same save is stored, with a history row."""
        client.force_login(contributor)
        data = open_change_form(client, draft_drug)
        add_reference(
            data,
            number=1,
            title="BNF: cyanocobalamin",
            authors="NICE",
            year=2024,
            url="https://bnf.nice.org.uk/drugs/cyanocobalamin/",
            doi="https://doi.org/10.1000/xyz123",
            pmid="12345678",
        )
        set_field(data, "sections-0-body", "Used for anaemia [1].")
        response = client.post(change_url(draft_drug), data)
        assert response.status_code == 302
        reference = draft_drug.references.get()
        assert (reference.number, reference.title, reference.doi, reference.pmid) == (
            1,
            "BNF: cyanocobalamin",
            "10.1000/xyz123",
            "12345678",
        )
        assert reference.history.get().history_user == contributor
        assert draft_drug.document()["references"][0]["url"].startswith("https://bnf.")

    @pytest.mark.parametrize(
        "url", ["javascript:alert(1)", "data:text/html,<script>x</script>", "ftp://example.org/a"]
    )
    def test_a_non_web_address_is_refused(self, client, contributor, draft_drug, url):
        """Only http(s) addresses are taken; the message says so and the typed title stays."""
        client.force_login(contributor)
        data = add_reference(open_change_form(client, draft_drug), number=1, title="Typed", url=url)
        response = client.post(change_url(draft_drug), data)
        assert response.status_code == 200
        assert "Only web addresses starting with http:// or https://" in response.text
        assert 'value="Typed"' in response.text
        assert not Reference.objects.exists()

    @pytest.mark.parametrize(
        ("field", "value", "message"),
        [
            ("doi", "11.1000/abc", "A DOI starts with 10."),
            ("doi", "10.12/abc", "A DOI starts with 10."),
            ("pmid", "PMID 123", "A PubMed ID is digits only"),
            ("pmid", "0123", "A PubMed ID is digits only"),
        ],
    )
    def test_a_malformed_identifier_is_refused(
        self, client, contributor, draft_drug, field, value, message
    ):
        """A DOI or PubMed ID in the wrong format is refused with the format it should have."""
        client.force_login(contributor)
        data = open_change_form(client, draft_drug)
        add_reference(data, number=1, title="Trial", **{field: value})
        response = client.post(change_url(draft_drug), data)
        assert response.status_code == 200
        assert message in response.text
        assert not Reference.objects.exists()

    def test_a_bad_reference_cited_in_the_same_save_gets_one_message(
        self, client, contributor, draft_drug
    ):
        """Citing a new reference whose URL is refused reports the URL, not a missing number."""
        client.force_login(contributor)
        data = open_change_form(client, draft_drug)
        add_reference(data, number=1, title="Label", url="javascript:alert(1)")
        set_field(data, "sections-0-body", "Used for anaemia [1].")
        response = client.post(change_url(draft_drug), data)
        assert response.status_code == 200
        assert "Only web addresses starting with http:// or https://" in response.text
        assert "This text cites [1]" not in response.text

    def test_citing_an_unknown_number_is_refused(self, client, contributor, draft_drug):
        """A section citing a number no reference has is not saved; its text stays typed."""
        client.force_login(contributor)
        data = add_reference(open_change_form(client, draft_drug), number=1, title="Label")
        set_field(data, "sections-0-body", "Used for anaemia [1, 4].")
        response = client.post(change_url(draft_drug), data)
        assert response.status_code == 200
        assert "This text cites [4], but the monograph has no reference" in response.text
        assert "Used for anaemia [1, 4]." in response.text
        assert not Reference.objects.exists()
        assert "[4]" not in draft_drug.sections.get(position=0).body

    def test_deleting_a_cited_reference_is_refused(self, client, contributor):
        """A reference a section still cites cannot be deleted."""
        drug = referenced_drug()
        client.force_login(contributor)
        data = open_change_form(client, drug)
        set_field(data, "references-0-DELETE", "on")
        response = client.post(change_url(drug), data)
        assert response.status_code == 200
        assert "This text cites [1]" in response.text
        assert drug.references.count() == 2

    def test_two_references_may_not_share_a_number(self, client, contributor, draft_drug):
        """Numbers are unique within a monograph."""
        client.force_login(contributor)
        data = open_change_form(client, draft_drug)
        add_reference(data, number=1, title="One")
        add_reference(data, number=1, title="Other")
        response = client.post(change_url(draft_drug), data)
        assert response.status_code == 200
        assert not Reference.objects.exists()

    def test_a_hostile_title_is_text_in_the_admin(self, client, contributor):
        """A reference title is escaped on the change form."""
        drug = referenced_drug(title=HOSTILE_TITLE)
        client.force_login(contributor)
        response = client.get(change_url(drug))
        assert "<script>alert(1)</script>" not in response.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text


@pytest.mark.django_db
class PublicReferencesTests:
    @pytest.fixture
    def drug(self, contributor, reviewer):
        return publish(referenced_drug(), contributor=contributor, reviewer=reviewer)

    def test_citations_link_to_the_numbered_references(self, client, drug):
        """[1, 2] in a section links each number to its entry in the References list."""
        html = page(client, drug).text
        assert (
            '<sup class="citation">[<a href="#ref-1" aria-label="Reference 1">1</a>, '
            '<a href="#ref-2" aria-label="Reference 2">2</a>]</sup>'
        ) in html
        assert '<h2 id="references">References</h2>' in html
        assert '<li><a href="#references">References</a></li>' in html
        assert '<li id="ref-1" value="1">Examplar Pharma Ltd. <cite>Summary' in html
        assert '<a href="https://www.medicines.org.uk/emc/product/1">' in html
        assert (
            '<a href="https://doi.org/10.1056/NEJMoa2034577">doi:10.1056/NEJMoa2034577</a>' in html
        )
        assert '<a href="https://pubmed.ncbi.nlm.nih.gov/31978945/">PMID 31978945</a>' in html

    def test_jsonld_cites_the_references(self, client, drug):
        """The page's JSON-LD lists each reference as a `citation`."""
        page_node = next(
            node
            for node in jsonld(page(client, drug))["@graph"]
            if node["@type"] == "MedicalWebPage"
        )
        first, second = page_node["citation"]
        assert first == {
            "@type": "CreativeWork",
            "name": "Summary of product characteristics",
            "creditText": "Examplar Pharma Ltd",
            "datePublished": "2023",
            "url": "https://www.medicines.org.uk/emc/product/1",
        }
        assert second["identifier"] == [
            {"@type": "PropertyValue", "propertyID": "DOI", "value": "10.1056/NEJMoa2034577"},
            {"@type": "PropertyValue", "propertyID": "PMID", "value": "31978945"},
        ]
        assert second["sameAs"] == [
            "https://doi.org/10.1056/NEJMoa2034577",
            "https://pubmed.ncbi.nlm.nih.gov/31978945/",
        ]

    def test_a_hostile_title_stays_text_on_the_page_and_in_jsonld(
        self, client, contributor, reviewer
    ):
        """A reference title never becomes markup: escaped on the page, inert in the JSON-LD."""
        drug = publish(
            referenced_drug(title=HOSTILE_TITLE), contributor=contributor, reviewer=reviewer
        )
        response = page(client, drug)
        assert_page_inert(response.text)
        assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;/script&gt;" in response.text
        titles = [
            citation["name"]
            for node in jsonld(response)["@graph"]
            if node["@type"] == "MedicalWebPage"
            for citation in node["citation"]
        ]
        assert titles[0] == HOSTILE_TITLE

    def test_a_pending_reference_edit_is_not_shown(self, client, contributor, drug):
        """Readers see the approved references until a change to them is approved."""
        reference = drug.references.get(number=1)
        reference.title = "A newer label"
        reference.save()
        from reviews.services import review_submit

        review_submit(drug=drug, by=contributor)
        html = page(client, drug).text
        assert "Summary of product characteristics" in html
        assert "A newer label" not in html

    def test_numbers_in_code_or_of_no_reference_are_left_alone(self, contributor, reviewer):
        """Only citations of known references become links; code keeps its brackets."""
        drug = referenced_drug()
        Section.objects.create(
            drug=drug, kind=SectionKind.STORAGE, position=2, body="Keep `a[1]` below 25 °C."
        )
        publish(drug, contributor=contributor, reviewer=reviewer)
        html = assemble_article(drug.published_revision)
        assert "<code>a[1]</code>" in html

    def test_revision_references_for_the_api(self, drug):
        """The API's function gives the references with their links and each section's cites."""
        data = revision_references(drug.published_revision)
        assert [reference["number"] for reference in data["references"]] == [1, 2]
        assert data["references"][1]["links"] == [
            {
                "kind": "doi",
                "label": "doi:10.1056/NEJMoa2034577",
                "url": "https://doi.org/10.1056/NEJMoa2034577",
            },
            {
                "kind": "pmid",
                "label": "PMID 31978945",
                "url": "https://pubmed.ncbi.nlm.nih.gov/31978945/",
            },
        ]
        assert data["sections"] == [
            {"title": "Usage", "citations": []},
            {"title": "Dosage", "citations": [1, 2]},
        ]


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


SEED_WITH_REFERENCES = """\
# Citamine

## Usage

Used for tiredness [1].

## Dosage

One tablet a day [2, 3].

## References

1. Summary of product characteristics. Examplar Pharma (2023). https://www.example.org/smpc
2. [Dosing in adults](https://journals.example.org/dosing) doi:10.1234/abc.567
3. Smith J. A trial of citamine. 2019. PMID: 31978945
"""


@pytest.mark.django_db
class ImporterReferenceTests:
    def test_a_references_section_becomes_references(self, tmp_path, contributor):
        """A "References" section is read into numbered references, not kept as a section."""
        drug = import_file(write(tmp_path, "citamine.md", SEED_WITH_REFERENCES), user=contributor)
        assert [section.kind for section in drug.sections.all()] == ["usage", "dosage"]
        references = [reference.document() for reference in drug.references.all()]
        assert references[0]["url"] == "https://www.example.org/smpc"
        assert references[0]["year"] == 2023
        assert references[1]["title"] == "Dosing in adults"
        assert references[1]["url"] == "https://journals.example.org/dosing"
        assert references[1]["doi"] == "10.1234/abc.567"
        assert (references[2]["pmid"], references[2]["year"]) == ("31978945", 2019)

    def test_a_sources_section_of_bullets_is_read_too(self, tmp_path, contributor):
        """A "Sources" section of bullet points is numbered in order."""
        text = (
            "# Citamine\n\n## Usage\n\nTiredness [2].\n\n## Sources\n\n"
            "- NHS | https://www.nhs.uk/a\n- MedlinePlus | https://medlineplus.gov/b\n"
        )
        drug = import_file(write(tmp_path, "citamine.md", text), user=contributor)
        assert list(drug.references.values_list("number", "title", "url")) == [
            (1, "NHS", "https://www.nhs.uk/a"),
            (2, "MedlinePlus", "https://medlineplus.gov/b"),
        ]

    def test_a_hostile_reference_address_fails_the_whole_file(self, tmp_path, contributor):
        """A javascript: link among the references refuses the file; nothing is written."""
        text = (
            "# Citamine\n\n## Usage\n\nTiredness [1].\n\n"
            "## References\n\n1. [Click](javascript:alert(1))\n"
        )
        with pytest.raises(ImportFailed, match="Only web addresses"):
            import_file(write(tmp_path, "citamine.md", text), user=contributor)
        assert not Drug.objects.exists()
        assert not Reference.objects.exists()

    def test_citing_an_unlisted_number_fails_the_file(self, tmp_path, contributor):
        """A section citing a number the document lists no reference for is refused."""
        text = "# Citamine\n\n## Usage\n\nTiredness [7].\n"
        with pytest.raises(ImportFailed, match=r"cites \[7\], but the document has no reference"):
            import_file(write(tmp_path, "citamine.md", text), user=contributor)
        assert not Drug.objects.exists()

    def test_per_section_sources_of_an_older_export_become_cited_references(
        self, tmp_path, contributor
    ):
        """An export from before references: each section's sources become references it cites."""
        text = """\
---
title: Citamine
slug: citamine
sections:
- kind: usage
  heading: ''
  provenance: {origin: professional, ai_tool: '', sources: [{title: NHS, url: 'https://www.nhs.uk/a'}]}
- kind: dosage
  heading: ''
  provenance: {origin: professional, ai_tool: '', sources: ['NHS | https://www.nhs.uk/a', 'BNF | https://bnf.nice.org.uk/b']}
faqs: []
---

# Citamine

## Usage

Tiredness.

## Dosage

One a day.
"""
        drug = import_file(write(tmp_path, "citamine.md", text), user=contributor)
        assert list(drug.references.values_list("number", "title", "url")) == [
            (1, "NHS", "https://www.nhs.uk/a"),
            (2, "BNF", "https://bnf.nice.org.uk/b"),
        ]
        usage, dosage = drug.ordered_sections()
        assert usage.body == "Tiredness.\n\nSources: [1]"
        assert dosage.body == "One a day.\n\nSources: [1, 2]"
        assert usage.sources == dosage.sources == ""


@pytest.mark.django_db
class ExportReferenceTests:
    def test_export_then_import_gives_the_same_document(self, tmp_path, contributor):
        """References and their citations survive an export and a re-import unchanged."""
        drug = referenced_drug()
        before = drug.document()
        call_command(
            "export_monographs", "--format", "jekyll", "--output", str(tmp_path), stdout=StringIO()
        )
        Drug.objects.all().delete()
        imported = import_file(tmp_path / "citamine.md", user=contributor)
        assert imported.document() == before
        assert imported.document()["references"][1]["doi"] == "10.1056/NEJMoa2034577"
