"""Text cleanup: line endings, whitespace and Unicode form are normalised before parsing."""

from monographs.importer.parsing import parse_document


class TextCleanupTests:
    def test_line_endings_and_whitespace(self):
        """CRLF/CR become LF, trailing spaces go and runs of blank lines collapse."""
        text = (
            "---\r\ntitle: Foo\r\n---\r\n# Foo\r\n## Usage  \r\nLine one.   \r\r\r\n\r\nLine two.\r"
        )
        parsed = parse_document(text, source_name="foo.md")
        assert parsed.sections[0].body == "Line one.\n\nLine two."

    def test_decomposed_unicode_is_composed(self):
        """Text in decomposed form (e + combining accent) is stored composed (NFC)."""
        parsed = parse_document("# Cafe\u0301ine\n\n## Usage\n\nCafe\u0301.", source_name="x.md")
        assert parsed.name == "Caféine"
        assert parsed.sections[0].body == "Café."
