"""The seed layouts' common steps: an article in markdown or plain text becomes a monograph."""

from monographs.importer.parsing.builder import monograph_build
from monographs.importer.parsing.document import ImportFailed, ParsedMonograph
from monographs.importer.parsing.front_matter import meta_text
from monographs.importer.parsing.markdown_article import looks_like_markdown, markdown_sections
from monographs.importer.parsing.plain_text import plain_text_sections
from monographs.importer.parsing.references import references_from_lines
from monographs.importer.parsing.sections import (
    build_sections,
    consume_provenance_note,
    drug_name_from_title,
    generic_name_from,
)


def parse_article(meta: dict, body: str, source_name: str) -> ParsedMonograph:
    """Read a seed article: as markdown when it has front matter or looks like it, else as text."""
    lines, origin = consume_provenance_note(body.split("\n"))
    provenance = {"origin": origin, "ai_tool": "", "sources": []}

    if meta or looks_like_markdown(lines):
        heading_title, raw_sections = markdown_sections(lines)
    else:
        heading_title, raw_sections = plain_text_sections(lines)

    name = drug_name_from_title(meta_text(meta, "title", source_name)) or drug_name_from_title(
        heading_title, loose=True
    )
    if not name:
        raise ImportFailed(source_name, "no title (no front-matter title, # heading or first line)")

    sections, faqs, reference_lines = build_sections(raw_sections, provenance)
    references = None
    if reference_lines:
        references = references_from_lines([line for lines in reference_lines for line in lines])
    if not sections and not faqs:
        raise ImportFailed(source_name, "no sections found")

    generic_name = meta_text(meta, "generic_name", source_name)
    if generic_name is None:
        generic_name = generic_name_from(sections)
    return monograph_build(
        meta,
        name=name,
        generic_name=generic_name,
        sections=sections,
        faqs=faqs,
        references=references,
        source_name=source_name,
    )
