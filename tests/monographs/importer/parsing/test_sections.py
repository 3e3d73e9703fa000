"""Section kinds: what a heading means, whatever the layout."""

import pytest

from monographs.importer.parsing import parse_document, section_kind
from monographs.models import SectionKind


class SectionKindTests:
    @pytest.mark.parametrize(
        ("heading", "kind"),
        [
            ("How It Works and Common Uses", SectionKind.HOW_IT_WORKS),
            ("Side Effects, Warnings, and Drug Interactions", SectionKind.SIDE_EFFECTS),
            ("Dosage and Administration", SectionKind.DOSAGE),
            ("Uses and indications", SectionKind.USAGE),
            ("Warnings and precautions", SectionKind.WARNINGS),
            ("Precautions", SectionKind.PRECAUTIONS),
            ("Boxed warning", SectionKind.WARNINGS),
            ("Pregnancy and breastfeeding", SectionKind.PREGNANCY),
            ("Contra-indications", SectionKind.CONTRAINDICATIONS),
            ("Drug interactions", SectionKind.INTERACTIONS),
            ("Mechanism of action", SectionKind.HOW_IT_WORKS),
            ("Frequently Asked Questions", "faq"),
            ("Storage", SectionKind.STORAGE),
            ("Overdose", SectionKind.OVERDOSE),
            ("Packaging", SectionKind.OTHER),
        ],
    )
    def test_first_keyword_decides(self, heading, kind):
        """A heading naming several kinds takes the one it names first; unknown is "other"."""
        assert section_kind(heading) == kind

    def test_unknown_heading_kept_as_other(self):
        """An unrecognised heading becomes an "other" section that keeps the heading."""
        parsed = parse_document("# Foo\n\n## Packaging\n\nIn blisters.", source_name="x.md")
        assert [(s.kind, s.heading, s.body) for s in parsed.sections] == [
            (SectionKind.OTHER, "Packaging", "In blisters.")
        ]
