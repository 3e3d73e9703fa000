import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from monographs.importer import ImportFailed, import_file, import_paths
from monographs.models import Drug, FAQItem, Origin, Section, SectionKind
from monographs.versions import drug_document_as_of, drug_versions
from tests.factories import monograph

SEEDS = Path(settings.BASE_DIR).parent / "shared" / "seeds"
COMBINATION_SEED = SEEDS / "000_65a9e41111256bae.txt"
ARTICLE_SEED = SEEDS / "001_6ae279b458452e91.txt"
JEKYLL_SEED = SEEDS / "002_fd55241e7e03e916.txt"

MOJIBAKE = ("â€", "Ã¢", "\u2011")
EN_DASH = "\N{EN DASH}"
APOSTROPHE = "\N{RIGHT SINGLE QUOTATION MARK}"


def history_rows() -> int:
    return Drug.history.count() + Section.history.count() + FAQItem.history.count()


def headings(drug: Drug) -> list[tuple[str, str]]:
    return [(section.kind, section.heading) for section in drug.sections.order_by("position")]


def all_text(drug: Drug) -> str:
    parts = [section.body for section in drug.sections.all()]
    parts += [f"{faq.question}\n{faq.answer}" for faq in drug.faqs.all()]
    return "\n".join(parts)


def origins(drug: Drug) -> set[str]:
    return {section.origin for section in drug.sections.all()} | {
        faq.origin for faq in drug.faqs.all()
    }


@pytest.mark.django_db
class CombinationSeedTests:
    """000: a Jekyll page sectioned by bold labels, naming a combination."""

    @pytest.fixture
    def drug(self, contributor):
        return import_file(COMBINATION_SEED, user=contributor)

    def test_names_and_slug(self, drug):
        """The combination gets its title as name, a slugified slug and its generic name."""
        assert drug.name == "Methylcobalamin + Piracetam"
        assert drug.slug == "methylcobalamin-piracetam"
        assert drug.generic_name == "Methylcobalamin + Piracetam"

    def test_bold_labels_become_sections_in_order(self, drug):
        """Bold labels are the sections; the `##` title repeat is not a section."""
        assert headings(drug) == [
            (SectionKind.GENERIC_NAME, ""),
            (SectionKind.USAGE, ""),
            (SectionKind.SIDE_EFFECTS, ""),
            (SectionKind.HOW_IT_WORKS, ""),
            (SectionKind.DISCLAIMER, ""),
        ]
        assert not drug.sections.filter(body__contains="(Generic Combination)").exists()

    def test_faq_items(self, drug):
        """The FAQ bullets become six question/answer items in document order."""
        faqs = list(drug.faqs.all())
        assert len(faqs) == 6
        assert faqs[0].question == "Is this combination FDA-approved?"
        assert faqs[0].answer.startswith("No, there's no FDA approval")
        assert faqs[-1].question == "Is it safe?"
        assert faqs[1].answer.startswith("This is **not a self-treating option.**")

    def test_components_are_linked_stubs(self, drug):
        """Both components exist as stub drugs of their own, linked to the combination."""
        assert sorted(drug.components.values_list("slug", flat=True)) == [
            "methylcobalamin",
            "piracetam",
        ]
        stub = Drug.objects.get(slug="piracetam")
        assert stub.name == "Piracetam"
        assert not stub.sections.exists()

    def test_provenance_note_is_consumed(self, drug):
        """The "AI-generated or crowd-sourced" note sets every origin and is not itself content."""
        assert origins(drug) == {Origin.AI_OR_CROWD}
        assert "crowd-sourced" not in all_text(drug)

    def test_mojibake_repaired(self, drug):
        """`â€“` in the seed reads as an en dash."""
        text = all_text(drug)
        assert f"synergistic {EN_DASH} meaning" in text
        assert not any(bad in text for bad in MOJIBAKE)

    def test_imported_as_draft_attributed_to_the_user(self, drug, contributor):
        """The import is an unpublished draft whose history names the importer and the file."""
        assert drug.published_revision is None
        record = drug.history.get()
        assert record.history_user == contributor
        assert record.history_change_reason == "Imported from 000_65a9e41111256bae.txt"
        section_record = Section.history.filter(drug_id=drug.pk).first()
        assert section_record.history_user == contributor


@pytest.mark.django_db
class PlainTextArticleSeedTests:
    """001: a plain-text article with bare-line headings, `•` bullets and numbered steps."""

    @pytest.fixture
    def drug(self, contributor):
        return import_file(ARTICLE_SEED, user=contributor)

    def test_name_from_what_is_title(self, drug):
        """ "What is Cerecetam? Uses, Dosage, …" names the drug Cerecetam."""
        assert (drug.name, drug.slug, drug.generic_name) == ("Cerecetam", "cerecetam", "")

    def test_sections_in_order_with_repeated_headings_once(self, drug):
        """Bare-line headings map to kinds by their first keyword; repeats collapse to one."""
        assert headings(drug) == [
            (SectionKind.OTHER, "Overview"),
            (SectionKind.OTHER, "What is Cerecetam?"),
            (SectionKind.HOW_IT_WORKS, "How It Works and Common Uses"),
            (SectionKind.DOSAGE, "Dosage, Administration, and Practical Tips"),
            (SectionKind.SIDE_EFFECTS, "Side Effects, Warnings, and Drug Interactions"),
            (SectionKind.OTHER, "FAQs, Practical Advice, and Next Steps"),
        ]
        dosage = drug.sections.get(kind=SectionKind.DOSAGE)
        assert "Dosage, Administration" not in dosage.body

    def test_faq_items_split_at_the_question_mark(self, drug):
        """`• Question? answer` bullets become five FAQ items."""
        faqs = list(drug.faqs.all())
        assert len(faqs) == 5
        assert faqs[0].question == "Is Cerecetam legal in the UK?"
        assert faqs[0].answer.startswith("Yes, but only with a prescription.")
        assert faqs[-1].question == "Is it safe for older adults?"

    def test_faq_section_prose_is_kept(self, drug):
        """The FAQ section's intro, next steps and closing words survive as an "other" section."""
        rest = drug.sections.get(heading="FAQs, Practical Advice, and Next Steps").body
        assert rest.startswith("Below are the most common questions")
        assert f"**Next steps**\n\n1. If you{APOSTROPHE}re considering Cerecetam" in rest
        assert rest.endswith("gives you the best chance of lasting mental sharpness.")
        assert "Is Cerecetam legal" not in rest

    def test_bullets_and_steps_become_markdown_lists(self, drug):
        """`•` bullets become `- ` items and indented steps become `1. ` items."""
        overview = drug.sections.get(heading="Overview").body
        assert f"it{APOSTROPHE}s right for you.\n\n- Quick definition: Cerecetam is" in overview
        dosage = drug.sections.get(kind=SectionKind.DOSAGE).body
        assert "\n1. Start low: 100mg once daily" in dosage
        assert "\n5. Cycle usage:" in dosage
        assert "•" not in all_text(drug)

    def test_characters_normalised(self, drug):
        """Non-breaking hyphens become `-`; curly apostrophes stay curly."""
        text = all_text(drug)
        assert "prescription-only medicine" in text
        assert f"It{APOSTROPHE}s sold in tablet form" in text
        assert not any(bad in text for bad in MOJIBAKE)

    def test_no_claim_means_unknown_origin(self, drug):
        """A page that says nothing about its origin is "unknown", never "professional"."""
        assert origins(drug) == {Origin.UNKNOWN}
        assert not drug.components.exists()


@pytest.mark.django_db
class JekyllHeadingSeedTests:
    """002: Jekyll markdown with front matter and `###` section headings."""

    @pytest.fixture
    def drug(self, contributor):
        return import_file(JEKYLL_SEED, user=contributor)

    def test_names(self, drug):
        """Front-matter title names the drug; the generic-name section gives its generic name."""
        assert (drug.name, drug.slug, drug.generic_name) == (
            "Cyanocobalamin",
            "cyanocobalamin",
            "Cyanocobalamin",
        )

    def test_headings_become_sections(self, drug):
        """Each `###` heading is a section of the mapped kind, with no custom heading."""
        assert headings(drug) == [
            (SectionKind.GENERIC_NAME, ""),
            (SectionKind.USAGE, ""),
            (SectionKind.DOSAGE, ""),
            (SectionKind.SIDE_EFFECTS, ""),
            (SectionKind.HOW_IT_WORKS, ""),
            (SectionKind.PRECAUTIONS, ""),
        ]
        dosage = drug.sections.get(kind=SectionKind.DOSAGE).body
        assert dosage.endswith("Self-treating vitamin B12 deficiency can be dangerous.")
        assert "**Important Note:**" in dosage

    def test_faq_prefixes_stripped(self, drug):
        """`**Q: …** A: …` bullets become questions and answers without the prefixes."""
        faqs = list(drug.faqs.all())
        assert len(faqs) == 5
        assert faqs[0].question == "Can I take cyanocobalamin without a doctor's prescription?"
        assert faqs[0].answer.startswith("While some forms of vitamin B12")
        assert faqs[2].question == "How long does it take to see results?"
        assert faqs[-1].question == "What should I do if I miss a dose?"
        assert not any(faq.answer.startswith("A:") for faq in faqs)

    def test_mojibake_repaired(self, drug):
        """`Itâ€™s` in the seed reads as `It` + a curly apostrophe + `s`."""
        text = all_text(drug)
        assert f"It{APOSTROPHE}s important to inform your doctor" in text
        assert not any(bad in text for bad in MOJIBAKE)
        assert origins(drug) == {Origin.UNKNOWN}


@pytest.mark.django_db
class FrontMatterTests:
    def test_front_matter_fields_take_precedence(self, tmp_path, contributor):
        """Drug fields stated in the front matter are used as given."""
        path = tmp_path / "b12.md"
        path.write_text(
            "---\ntitle: Vitamin B12 + Folic acid\nslug: b12-folate\n"
            "generic_name: cyanocobalamin + folic acid\nother_names: [B12 folate]\n"
            "drug_class: Vitamins\nregulatory_notes: Sold over the counter.\n"
            "components: [Cyanocobalamin]\n---\n\n## Generic name\n\nIgnored here.\n\n"
            "## Usage\n\nDeficiency.\n",
            encoding="utf-8",
        )
        drug = import_file(path, user=contributor)
        assert (drug.name, drug.slug, drug.generic_name) == (
            "Vitamin B12 + Folic acid",
            "b12-folate",
            "cyanocobalamin + folic acid",
        )
        assert drug.other_name_list == ["B12 folate"]
        assert (drug.drug_class, drug.regulatory_notes) == ("Vitamins", "Sold over the counter.")
        assert list(drug.components.values_list("name", flat=True)) == ["Cyanocobalamin"]

    def test_fields_the_file_does_not_state_are_kept(self, contributor):
        """Re-importing a seed leaves fields it says nothing about (other names, class) alone."""
        drug = import_file(JEKYLL_SEED, user=contributor)
        drug.other_names = "Vitamin B12"
        drug.drug_class = "Vitamins"
        drug.save()
        again = import_file(JEKYLL_SEED, user=contributor)
        assert (again.other_names, again.drug_class) == ("Vitamin B12", "Vitamins")


BAD_FILES = {
    "empty.md": (b"", "the file is empty"),
    "blank.txt": (b" \n\n\t\n", "the file is empty"),
    "picture.md": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file"),
    "latin1.md": ("---\ntitle: Café\n---\n# Café\n\n## Usage\n\nOui.".encode("latin-1"), "UTF-8"),
    "utf16.md": ("# Foo\n\n## Usage\n\nText".encode("utf-16"), "UTF-16"),
    "broken-yaml.md": (
        b"---\ntitle: [Foo\nlayout: x\n---\n# Foo\n\n## Usage\n\nText.",
        "broken YAML front matter",
    ),
    "unclosed.md": (b"---\ntitle: Foo\n\n# Foo\n\n## Usage\n\nText.", "no closing '---'"),
    "untitled.md": (b"---\nlayout: page\n---\n**Usage:** For things.", "no title"),
    "no-sections.md": (b"---\ntitle: Foo\n---\n# Foo\n", "no sections"),
}


@pytest.mark.django_db
class BadInputTests:
    @pytest.mark.parametrize("name", sorted(BAD_FILES))
    def test_bad_file_fails_alone_with_one_line(self, name, tmp_path, contributor):
        """A bad file fails with one line naming it and the reason, and writes nothing."""
        content, reason = BAD_FILES[name]
        path = tmp_path / name
        path.write_bytes(content)
        with pytest.raises(ImportFailed) as failure:
            import_file(path, user=contributor)
        message = str(failure.value)
        assert message.startswith(f"{name}: ")
        assert reason in message
        assert "\n" not in message
        assert Drug.objects.count() == 0
        assert history_rows() == 0

    def test_failure_after_writing_starts_rolls_back(self, tmp_path, contributor):
        """A file that fails half-way through writing leaves no trace (all or nothing)."""
        path = tmp_path / "long-question.md"
        question = "Is " + "very " * 120 + "long?"
        path.write_text(f"# Foo\n\n## Usage\n\nText.\n\n## FAQ\n\n* **{question}** Yes.")
        with pytest.raises(ImportFailed, match=r"^long-question\.md: invalid FAQ item: question"):
            import_file(path, user=contributor)
        assert Drug.objects.count() == 0
        assert history_rows() == 0

    def test_other_files_still_import(self, tmp_path, contributor):
        """Failures are reported per file while the good files in the same run are imported."""
        shutil.copy(JEKYLL_SEED, tmp_path / "b-good.txt")
        (tmp_path / "a-empty.md").write_bytes(b"")
        (tmp_path / "c-binary.txt").write_bytes(b"\x00\x01\x02")
        (tmp_path / "ignored.png").write_bytes(b"\x00")
        report = import_paths([tmp_path, tmp_path / "missing.md"], user=contributor)
        assert [item.drug.slug for item in report.imported] == ["cyanocobalamin"]
        assert [str(failure) for failure in report.failures] == [
            "missing.md: no such file or folder",
            "a-empty.md: the file is empty",
            "c-binary.txt: binary file (contains NUL bytes), not a text document",
        ]


@pytest.mark.django_db
class ImportCommandTests:
    def run(self, *args):
        out, err = StringIO(), StringIO()
        call_command("import_monographs", *args, stdout=out, stderr=err)
        return out.getvalue(), err.getvalue()

    def test_imports_every_seed(self, contributor):
        """Importing the seeds folder prints one line per file and creates the drugs."""
        out, err = self.run(str(SEEDS), "--as", "carla")
        assert out.splitlines() == [
            "000_65a9e41111256bae.txt: created Methylcobalamin + Piracetam "
            "(methylcobalamin-piracetam)",
            "001_6ae279b458452e91.txt: created Cerecetam (cerecetam)",
            "002_fd55241e7e03e916.txt: created Cyanocobalamin (cyanocobalamin)",
            "3 imported, 0 unchanged, 0 failed.",
        ]
        assert err == ""
        assert sorted(Drug.objects.values_list("slug", flat=True)) == [
            "cerecetam",
            "cyanocobalamin",
            "methylcobalamin",
            "methylcobalamin-piracetam",
            "piracetam",
        ]

    def test_failures_exit_non_zero(self, tmp_path, contributor):
        """Any failed file prints its line on stderr and makes the command fail."""
        bad = tmp_path / "broken.md"
        bad.write_bytes(b"---\ntitle: [x\n---\n# X\n\n## Usage\n\nText.")
        out, err = StringIO(), StringIO()
        with pytest.raises(CommandError, match="1 of 2 imports failed"):
            call_command(
                "import_monographs", str(bad), str(JEKYLL_SEED), "--as", "carla",
                stdout=out, stderr=err,
            )  # fmt: skip
        [line] = err.getvalue().splitlines()
        assert line.startswith("broken.md: broken YAML front matter: ")
        assert line.endswith("(line 3)")
        assert "created Cyanocobalamin" in out.getvalue()
        assert Drug.objects.filter(slug="cyanocobalamin").exists()

    def test_unknown_user(self, db):
        """An unknown --as user is a clear error and nothing is imported."""
        with pytest.raises(CommandError, match="No user named 'nobody'"):
            self.run(str(JEKYLL_SEED), "--as", "nobody")
        assert not Drug.objects.exists()

    def test_user_is_required(self, db):
        """--as is required."""
        with pytest.raises(CommandError, match="--as"):
            self.run(str(JEKYLL_SEED))


@pytest.mark.django_db
class ReimportTests:
    def test_unchanged_files_write_nothing(self, contributor):
        """Re-importing unchanged seeds adds no history rows, versions or drugs."""
        report = import_paths([SEEDS], user=contributor)
        before = (history_rows(), Drug.objects.count())
        versions = sorted(Section.objects.values_list("id", "version"))
        again = import_paths([SEEDS], user=contributor)
        assert again.ok
        assert [item.outcome for item in again.imported] == ["unchanged"] * 3
        assert (history_rows(), Drug.objects.count()) == before
        assert sorted(Section.objects.values_list("id", "version")) == versions
        assert [d.pk for d in again.drugs] == [d.pk for d in report.drugs]

    def test_changed_file_updates_the_same_drug(self, tmp_path, contributor, other_contributor):
        """Re-importing an edited file updates the same drug, recorded as one history row."""
        path = tmp_path / "cyanocobalamin.txt"
        shutil.copy(JEKYLL_SEED, path)
        drug = import_file(path, user=contributor)
        before = history_rows()
        path.write_text(path.read_text().replace("Itching", "Itching or rash"), encoding="utf-8")
        again = import_file(path, user=other_contributor, reason="Seed refresh")
        assert again.pk == drug.pk
        assert history_rows() == before + 1
        record = Section.history.filter(drug_id=drug.pk).latest("history_id")
        assert record.kind == SectionKind.SIDE_EFFECTS
        assert "* Itching or rash" in record.body
        assert record.history_user == other_contributor
        assert record.history_change_reason == "Seed refresh"

    def test_removed_section_is_deleted_with_history(self, tmp_path, contributor):
        """A section gone from the file is deleted, and the deletion is in history."""
        path = tmp_path / "foo.md"
        path.write_text("# Foo\n\n## Usage\n\nUse.\n\n## Dosage\n\nDose.\n")
        drug = import_file(path, user=contributor)
        path.write_text("# Foo\n\n## Usage\n\nUse.\n")
        import_file(path, user=contributor)
        assert headings(drug) == [(SectionKind.USAGE, "")]
        deletion = Section.history.get(history_type="-")
        assert deletion.body == "Dose."
        assert deletion.history_change_reason == "Imported from foo.md"

    def test_component_stubs_not_duplicated(self, contributor):
        """Re-importing a combination reuses its component drugs."""
        import_file(COMBINATION_SEED, user=contributor)
        import_file(COMBINATION_SEED, user=contributor)
        assert Drug.objects.filter(slug__in=["methylcobalamin", "piracetam"]).count() == 2

    def test_existing_component_is_linked(self, contributor):
        """A component that already exists as a drug is linked, and its content left alone."""
        existing = monograph(name="Methylcobalamin")
        document = existing.document()
        drug = import_file(COMBINATION_SEED, user=contributor)
        assert existing in drug.components.all()
        existing.refresh_from_db()
        assert existing.document() == document

    def test_drug_found_by_name_keeps_its_slug(self, contributor):
        """A drug whose slug was changed by hand is updated by name and keeps its URL."""
        existing = monograph(name="Cyanocobalamin", slug="vitamin-b12")
        drug = import_file(JEKYLL_SEED, user=contributor)
        assert (drug.pk, drug.slug) == (existing.pk, "vitamin-b12")
        assert drug.generic_name == "Cyanocobalamin"

    def test_name_clash_fails_cleanly(self, contributor):
        """A file that would rename a drug onto another drug's name fails and changes nothing."""
        monograph(name="Cyanocobalamin (old name)", slug="cyanocobalamin")
        monograph(name="Cyanocobalamin", slug="cobalamin")
        rows = history_rows()
        with pytest.raises(ImportFailed) as failure:
            import_file(JEKYLL_SEED, user=contributor)
        message = str(failure.value)
        assert message.startswith("002_fd55241e7e03e916.txt: conflicts with an existing drug")
        assert "\n" not in message
        assert history_rows() == rows
        assert Drug.objects.get(slug="cyanocobalamin").name == "Cyanocobalamin (old name)"


@pytest.mark.django_db
def test_an_import_is_one_version_with_its_components(contributor):
    """Every row a file writes shares one moment, and that version records the components."""
    drug = import_file(COMBINATION_SEED, user=contributor)
    versions = drug_versions(drug.pk)
    assert len(versions) == 1
    assert {entry.subject for entry in versions[0].entries} == {"Drug", "Section", "FAQ"}
    document = drug_document_as_of(drug, versions[0].at)
    assert document["components"] == ["methylcobalamin", "piracetam"]
