"""The data migration that turns each section's stored sources into references it cites."""

from importlib import import_module

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from monographs.models import Reference, Section, SectionKind
from tests.factories import SectionFactory, monograph

MIGRATION = ("monographs", "0016_section_sources_become_references")


def run_migration() -> None:
    """Run the migration's function with the models as that migration sees them."""
    state_apps = MigrationLoader(connection).project_state(MIGRATION).apps
    import_module("monographs.migrations." + MIGRATION[1]).sources_to_references(state_apps, None)


@pytest.mark.django_db
class SourcesBecomeReferencesTests:
    def test_sources_become_references_cited_by_their_sections(self):
        """Each distinct address becomes one reference; each section cites its own, recorded."""
        drug = monograph(name="Legacamine", sections=[], faqs=0)
        usage = SectionFactory(
            drug=drug, kind=SectionKind.USAGE, position=0, body="Tiredness.",
            sources="NHS | https://www.nhs.uk/a",
        )  # fmt: skip
        dosage = SectionFactory(
            drug=drug, kind=SectionKind.DOSAGE, position=1, body="One a day.",
            sources="NHS | https://www.nhs.uk/a\nBNF | https://bnf.nice.org.uk/b",
        )  # fmt: skip
        untouched = SectionFactory(drug=drug, kind=SectionKind.STORAGE, position=2, body="Cool.")
        history_before = Section.history.count()

        run_migration()

        assert list(Reference.objects.values_list("number", "title", "url")) == [
            (1, "NHS", "https://www.nhs.uk/a"),
            (2, "BNF", "https://bnf.nice.org.uk/b"),
        ]
        usage.refresh_from_db()
        dosage.refresh_from_db()
        untouched.refresh_from_db()
        assert (usage.body, usage.sources) == ("Tiredness.\n\nSources: [1]", "")
        assert dosage.body == "One a day.\n\nSources: [1, 2]"
        assert "Sources:" in dosage.body_html
        assert untouched.body == "Cool."
        assert Section.history.count() == history_before + 2
        assert Reference.history.count() == 2
        assert drug.document()["references"][1]["title"] == "BNF"

    def test_running_it_again_changes_nothing(self):
        """Sections without sources are left alone, so a second run writes nothing."""
        drug = monograph(name="Legacamine", sections=[], faqs=0)
        SectionFactory(drug=drug, position=0, body="Text.", sources="NHS | https://www.nhs.uk/a")
        run_migration()
        history = Section.history.count()
        run_migration()
        assert Reference.objects.count() == 1
        assert Section.history.count() == history
