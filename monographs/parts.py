"""The parts of a monograph document that are reviewed one by one.

A part is the monograph's details (names, class, components, regulatory notes), one section,
one FAQ item, or the list of references (a part only while there is one). Each has a key,
stable across revisions while its kind and heading (or its question) stay the same, and a
content hash over its text and provenance: two parts with the same key and hash are the same
content, whichever revision they are in.
"""

import hashlib
import json
from dataclasses import dataclass

from monographs.diff import DRUG_FIELDS, faq_key, numbered_keys, section_key
from monographs.references import cited_numbers
from monographs.vocabulary import ADDED, CHANGED, REMOVED, section_title

DETAILS_KIND = "details"
FAQ_KIND = "faq"
DETAILS_TITLE = "Names, class and components"
REFERENCES_KIND = "references"
REFERENCES_TITLE = "References"


def _digest(value) -> str:
    canonical = json.dumps(value, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _without_html(item: dict) -> dict:
    return {name: value for name, value in item.items() if name != "html"}


@dataclass(frozen=True)
class Part:
    """One reviewable part of a revision's document."""

    key: str
    kind: str
    title: str
    content_hash: str
    # Its place among the article's sections (or FAQ items); None for the details.
    position: int | None = None
    # For a section: the numbers of the monograph's references it cites.
    citations: tuple[int, ...] = ()

    @property
    def is_section(self) -> bool:
        return self.kind not in (DETAILS_KIND, FAQ_KIND, REFERENCES_KIND)


DETAILS_KEY = _digest([DETAILS_KIND])
REFERENCES_KEY = _digest([REFERENCES_KIND])


def section_part_key(item_key: tuple) -> str:
    """The part key of a section, from its `numbered_keys` key (as a comparison has it)."""
    return _digest(["section", *item_key])


def faq_part_key(item_key: tuple) -> str:
    """The part key of an FAQ item, from its `numbered_keys` key."""
    return _digest([FAQ_KIND, *item_key])


def _details(document: dict) -> dict:
    return {name: document.get(name) for name, _label in DRUG_FIELDS}


def part_html(document: dict, part: Part) -> str:
    """The text of a section or FAQ item as readers see it (sanitized HTML); "" for the details."""
    if part.position is None or part.kind == DETAILS_KIND:
        return ""
    items = document.get("faqs" if part.kind == FAQ_KIND else "sections", [])
    return items[part.position].get("html", "") if part.position < len(items) else ""


def document_parts(document: dict) -> list[Part]:
    """The details, the sections in the author's order, the FAQ items, then the references."""
    parts = [
        Part(
            key=DETAILS_KEY,
            kind=DETAILS_KIND,
            title=DETAILS_TITLE,
            content_hash=_digest(_details(document)),
        )
    ]
    references = document.get("references") or []
    known = {reference.get("number") for reference in references}
    sections = document.get("sections", [])
    for position, (key, section) in enumerate(numbered_keys(sections, section_key)):
        citations = cited_numbers(section.get("markdown", ""))
        parts.append(
            Part(
                key=section_part_key(key),
                kind=section.get("kind") or "other",
                title=section_title(section),
                content_hash=_digest(_without_html(section)),
                position=position,
                citations=tuple(number for number in citations if number in known),
            )
        )
    faqs = document.get("faqs", [])
    for position, (key, faq) in enumerate(numbered_keys(faqs, faq_key)):
        parts.append(
            Part(
                key=faq_part_key(key),
                kind=FAQ_KIND,
                title=faq.get("question", ""),
                content_hash=_digest(_without_html(faq)),
                position=position,
            )
        )
    if references:
        parts.append(
            Part(
                key=REFERENCES_KEY,
                kind=REFERENCES_KIND,
                title=REFERENCES_TITLE,
                content_hash=_digest(references),
            )
        )
    return parts


@dataclass(frozen=True)
class PartChange:
    """A part that differs from what is live: added, changed (text or provenance) or removed."""

    part: Part
    status: str

    @property
    def key(self) -> str:
        return self.part.key

    @property
    def content_hash(self) -> str:
        """What an approval of this change approves: the new content, or the removal."""
        if self.status == REMOVED:
            return _digest(["removed", self.part.content_hash])
        return self.part.content_hash


def changed_parts(base: dict | None, document: dict) -> list[PartChange]:
    """The parts of `document` that differ from `base` (what is live), in the document's order,
    then the parts it removes. A part that only moved is unchanged."""
    base_parts = {part.key: part for part in document_parts(base)} if base else {}
    changes = []
    new_keys = set()
    for part in document_parts(document):
        new_keys.add(part.key)
        before = base_parts.get(part.key)
        if before is None:
            changes.append(PartChange(part=part, status=ADDED))
        elif before.content_hash != part.content_hash:
            changes.append(PartChange(part=part, status=CHANGED))
    changes += [
        PartChange(part=part, status=REMOVED)
        for key, part in base_parts.items()
        if key not in new_keys
    ]
    return changes
