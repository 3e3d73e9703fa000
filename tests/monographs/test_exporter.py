import json
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import CommandError, call_command

from monographs import limits
from monographs.exporter import draft_documents, published_documents
from monographs.importer import ImportFailed, import_file, import_paths
from monographs.models import Drug, FAQItem, Origin, Section, SectionKind
from tests.factories import DrugFactory, FAQItemFactory, SectionFactory, monograph

SEEDS = Path(settings.BASE_DIR).parent / "shared" / "seeds"
DOCUMENT_KEYS = {
    "slug", "name", "generic_name", "other_names", "drug_class", "regulatory_notes",
    "components", "sections", "faqs",
}  # fmt: skip


def export(*args) -> str:
    out = StringIO()
    call_command("export_monographs", *args, stdout=out)
    return out.getvalue()


def documents_by_slug() -> dict[str, dict]:
    return {drug.slug: drug.document() for drug in Drug.objects.all()}


def history_rows() -> int:
    return Drug.history.count() + Section.history.count() + FAQItem.history.count()


def split_page(path: Path) -> tuple[dict, str]:
    _, front_matter, body = path.read_text(encoding="utf-8").split("---\n", 2)
    return yaml.safe_load(front_matter), body


@pytest.fixture
def annotated_drug(db):
    """A drug using every field the markdown body alone cannot carry."""
    piracetam = DrugFactory(name="Piracetam")
    b12 = DrugFactory(name="Vitamin B12", slug="b12")
    drug = DrugFactory(
        name="Examplamine",
        other_names="Exa\nExamine forte",
        drug_class="Nootropics",
        regulatory_notes="Prescription-only in the UK.\nNot approved by the FDA.",
    )
    drug.components.set([piracetam, b12])
    SectionFactory(
        drug=drug,
        kind=SectionKind.USAGE,
        heading="What it is for",
        body="Memory support.",
        origin=Origin.AI_GENERATED,
        ai_tool="GPT-4o",
        sources="NHS medicines | https://www.nhs.uk/medicines/\nhttps://example.org/paper",
    )
    SectionFactory(
        drug=drug,
        kind=SectionKind.OTHER,
        heading="Storage and handling",
        body="Keep below 25 °C.\n\n## Notes\n\n### Travelling\n\nCarry it in hand luggage.",
        origin=Origin.CROWD_SOURCED,
    )
    SectionFactory(drug=drug, kind=SectionKind.DOSAGE, heading="", body="1. One tablet.")
    FAQItemFactory(
        drug=drug,
        question="Can I drive?",
        answer="Not until you know how it affects you.\n\n- ask your GP",
        origin=Origin.PROFESSIONAL,
        sources="BNF | https://bnf.nice.org.uk/",
    )
    FAQItemFactory(drug=drug, question="Is it safe?", answer="", origin=Origin.UNKNOWN)
    return drug


@pytest.mark.django_db
class JsonExportTests:
    def test_every_drug_including_drafts(self, draft_drug, published_drug):
        """JSON export lists every drug, drafts included, as its document."""
        documents = json.loads(export("--format", "json"))
        assert [document["slug"] for document in documents] == ["cyanocobalamin", "methylcobalamin"]
        assert all(set(document) == DOCUMENT_KEYS for document in documents)
        assert documents == [draft_drug.document(), published_drug.document()]

    def test_document_shape(self, annotated_drug):
        """Sections and FAQs carry kind, heading, markdown and full provenance."""
        [document] = [d for d in json.loads(export()) if d["slug"] == "examplamine"]
        assert document["components"] == ["b12", "piracetam"]
        assert document["other_names"] == ["Exa", "Examine forte"]
        usage = document["sections"][0]
        assert usage == {
            "kind": "usage",
            "heading": "What it is for",
            "markdown": "Memory support.",
            "provenance": {
                "origin": "ai_generated",
                "ai_tool": "GPT-4o",
                "sources": [
                    {"title": "NHS medicines", "url": "https://www.nhs.uk/medicines/"},
                    {"title": "https://example.org/paper", "url": "https://example.org/paper"},
                ],
            },
        }
        assert document["faqs"][0]["question"] == "Can I drive?"
        assert document["faqs"][0]["provenance"]["origin"] == "professional"

    def test_output_file(self, tmp_path, draft_drug):
        """--output writes the JSON to a UTF-8 file."""
        target = tmp_path / "drugs.json"
        message = export("--format", "json", "--output", str(target))
        assert message == f"Wrote 1 drugs to {target}\n"
        assert json.loads(target.read_text(encoding="utf-8")) == [draft_drug.document()]

    def test_published_content_only(self, draft_drug, published_drug):
        """--published exports the approved revision of published drugs, without HTML."""
        section = published_drug.sections.first()
        section.body = "Unreviewed edit."
        section.save()
        documents = json.loads(export("--published"))
        assert [document["slug"] for document in documents] == ["methylcobalamin"]
        assert "Unreviewed edit." not in json.dumps(documents)
        assert "html" not in documents[0]["sections"][0]
        assert "html" not in documents[0]["faqs"][0]
        published_drug.refresh_from_db()
        expected = published_drug.published_revision.content
        assert documents[0]["sections"][0]["markdown"] == expected["sections"][0]["markdown"]

    def test_query_count_does_not_grow_with_drugs(self, django_assert_num_queries):
        """Exporting costs the same few queries for 3 drugs as for 6."""
        for count in (3, 6):
            while Drug.objects.count() < count:
                drug = monograph(faqs=2)
                drug.components.add(DrugFactory())
            # Drugs, then their sections, FAQ items, components and references.
            with django_assert_num_queries(5):
                documents = draft_documents()
            assert len(documents) == Drug.objects.count()

    def test_published_query_count(self, published_drug, django_assert_num_queries):
        """Exporting published content reads the revisions in one query."""
        with django_assert_num_queries(1):
            assert len(published_documents()) == 1


@pytest.mark.django_db
class JekyllExportTests:
    def test_requires_output_folder(self, db):
        """Jekyll export needs a folder to write to."""
        with pytest.raises(CommandError, match="needs --output DIR"):
            export("--format", "jekyll")

    def test_page_layout(self, tmp_path, annotated_drug):
        """Front matter carries what the body cannot; the body is `##` sections and FAQs."""
        export("--format", "jekyll", "--output", str(tmp_path))
        assert sorted(path.name for path in tmp_path.iterdir()) == [
            "b12.md",
            "examplamine.md",
            "piracetam.md",
        ]
        meta, body = split_page(tmp_path / "examplamine.md")
        assert meta["title"] == "Examplamine"
        assert meta["components"] == [
            {"name": "Vitamin B12", "slug": "b12"},
            {"name": "Piracetam", "slug": "piracetam"},
        ]
        assert [(s["kind"], s["heading"]) for s in meta["sections"]] == [
            ("usage", "What it is for"),
            ("other", "Storage and handling"),
            ("dosage", ""),
        ]
        assert meta["faqs"][0]["provenance"]["sources"] == [
            {"title": "BNF", "url": "https://bnf.nice.org.uk/"}
        ]
        assert body.startswith("\n# Examplamine\n\n## What it is for\n\nMemory support.\n\n")
        assert "## Dosage\n\n1. One tablet.\n\n## Frequently asked questions\n\n" in body
        assert body.endswith("### Can I drive?\n\nNot until you know how it affects you.\n\n"
                             "- ask your GP\n\n### Is it safe?\n")  # fmt: skip

    def test_seeds_round_trip(self, tmp_path, contributor):
        """Exported seeds (and their component stubs) re-import to identical documents."""
        assert import_paths([SEEDS], user=contributor).ok
        before = documents_by_slug()
        export("--format", "jekyll", "--output", str(tmp_path))
        Drug.objects.all().delete()
        report = import_paths([tmp_path], user=contributor)
        assert report.failures == []
        assert len(report.imported) == 5
        assert documents_by_slug() == before

    def test_reimporting_an_export_changes_nothing(self, tmp_path, contributor):
        """Importing the export of the seeds over the seeds writes no history."""
        import_paths([SEEDS], user=contributor)
        rows = history_rows()
        export("--format", "jekyll", "--output", str(tmp_path))
        report = import_paths([tmp_path], user=contributor)
        assert {item.outcome for item in report.imported} == {"unchanged"}
        assert history_rows() == rows

    def test_annotated_drug_round_trip(self, tmp_path, contributor, annotated_drug):
        """Sources, AI tool names, custom headings and drug fields survive the round trip."""
        before = documents_by_slug()
        export("--format", "jekyll", "--output", str(tmp_path))
        Drug.objects.all().delete()
        report = import_paths([tmp_path], user=contributor)
        assert report.failures == []
        assert documents_by_slug() == before

    def test_drug_at_the_limits_round_trips(self, tmp_path, contributor):
        """A drug with as many sections and FAQ items as allowed, each cited, re-imports."""
        source = "British National Formulary | https://bnf.nice.org.uk/drugs/examplamine/"
        drug = monograph(sections=[SectionKind.OTHER] * limits.MAX_SECTIONS, faqs=0)
        drug.sections.update(sources=source, heading="Note")
        for position in range(limits.MAX_FAQ_ITEMS):
            FAQItemFactory(drug=drug, position=position, sources=source)
        before = documents_by_slug()
        export("--format", "jekyll", "--output", str(tmp_path))
        Drug.objects.all().delete()
        report = import_paths([tmp_path], user=contributor)
        assert report.failures == []
        assert documents_by_slug() == before

    def test_published_pages_only(self, tmp_path, draft_drug, published_drug):
        """--published writes pages for published drugs only, from their approved revision."""
        export("--format", "jekyll", "--output", str(tmp_path), "--published")
        assert [path.name for path in tmp_path.iterdir()] == ["methylcobalamin.md"]


@pytest.mark.django_db
class EditedPageTests:
    """Hand-edited Jekyll pages either re-import or fail with one clear line."""

    @pytest.fixture
    def page(self, tmp_path, annotated_drug):
        export("--format", "jekyll", "--output", str(tmp_path))
        return tmp_path / "examplamine.md"

    @pytest.mark.parametrize(
        ("old", "new", "reason"),
        [
            (
                "## Storage and handling\n",
                "## Storage\n",
                "the front matter lists a section 'Storage and handling' that is not in the body "
                "(in this order)",
            ),
            ("### Is it safe?\n", "", "the front matter lists 2 FAQs but the body has 1"),
            ("kind: dosage", "kind: dose", "unknown section kind 'dose' in the front matter"),
            (
                "origin: crowd_sourced",
                "origin: rumour",
                "unknown provenance origin 'rumour' in the front matter",
            ),
            (
                "# Examplamine\n",
                "# Examplamine\n\nStray text.\n",
                "text before the first section heading",
            ),
            ("sections:\n", "sections: 3\nx:\n", "front-matter 'sections' must be a list"),
        ],
    )
    def test_inconsistent_page_fails(self, page, contributor, old, new, reason):
        """A page whose body no longer matches its front matter is refused, naming the file."""
        text = page.read_text(encoding="utf-8")
        assert old in text
        page.write_text(text.replace(old, new, 1), encoding="utf-8")
        Drug.objects.all().delete()
        with pytest.raises(ImportFailed) as failure:
            import_file(page, user=contributor)
        assert str(failure.value) == f"examplamine.md: {reason}"
        assert not Drug.objects.exists()

    def test_edited_text_is_imported(self, page, contributor, annotated_drug):
        """Editing a section's text in the page updates that section on re-import."""
        text = page.read_text(encoding="utf-8")
        page.write_text(text.replace("Memory support.", "Memory and focus."), encoding="utf-8")
        drug = import_file(page, user=contributor)
        assert drug.pk == annotated_drug.pk
        assert drug.sections.get(kind=SectionKind.USAGE).body == "Memory and focus."
        assert drug.sections.get(kind=SectionKind.USAGE).ai_tool == "GPT-4o"
