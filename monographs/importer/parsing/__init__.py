"""Turn a monograph document's text into plain data; no database access here.

Three layouts are read (see `/shared/seeds`): Jekyll markdown with YAML front matter and `#`
headings, a page whose sections are bold labels (`**Usage:** …`), and a plain-text article whose
headings are bare lines. Files written by our own exporter carry a `sections` list in their front
matter and are read back exactly (see `monographs.exporter`).

`decoding` turns bytes into clean text, `front_matter` reads the YAML header, `article` (with
`markdown_article` and `plain_text`) and `exported` read the layouts, `sections` holds what the
layouts share, and `builder.monograph_build` makes every `ParsedMonograph`.
"""

from monographs.importer.parsing.article import parse_article
from monographs.importer.parsing.decoding import clean_text, decode_document
from monographs.importer.parsing.document import (
    ComponentRef,
    ImportFailed,
    ParsedFAQ,
    ParsedMonograph,
    ParsedSection,
)
from monographs.importer.parsing.exported import FAQ_HEADING, parse_exported
from monographs.importer.parsing.front_matter import split_front_matter
from monographs.importer.parsing.sections import drug_name_from_title, section_kind

__all__ = [
    "FAQ_HEADING",
    "ComponentRef",
    "ImportFailed",
    "ParsedFAQ",
    "ParsedMonograph",
    "ParsedSection",
    "clean_text",
    "decode_document",
    "drug_name_from_title",
    "parse_document",
    "section_kind",
]


def parse_document(text: str, *, source_name: str) -> ParsedMonograph:
    """Parse one monograph document (already decoded) into a `ParsedMonograph`."""
    text = clean_text(text)
    if not text.strip():
        raise ImportFailed(source_name, "the file is empty")
    meta, body = split_front_matter(text, source_name)
    if "sections" in meta:
        return parse_exported(meta, body, source_name)
    return parse_article(meta, body, source_name)
