"""Turn a monograph document's text into plain data; no database access here."""

from monographs.importer.parsing.sections import (
    FAQ_HEADING,
    ComponentRef,
    ImportFailed,
    ParsedFAQ,
    ParsedMonograph,
    ParsedSection,
    clean_text,
    decode_document,
    drug_name_from_title,
    parse_document,
    section_kind,
)

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
