"""Readable, word-level comparisons of two drug documents (`Drug.document()` shape).

Every diff is built from escaped source text, so hostile markdown shows as text and never runs.
"""

import difflib
import re
from dataclasses import dataclass, field

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from monographs.references import reference_text
from monographs.vocabulary import ADDED, CHANGED, MOVED, REMOVED, UNCHANGED, section_title

_TOKEN = re.compile(r"\s+|\w+|[^\w\s]", re.UNICODE)

DRUG_FIELDS = [
    ("name", "Name"),
    ("slug", "Address (slug)"),
    ("generic_name", "Generic name"),
    ("other_names", "Other names"),
    ("drug_class", "Drug class"),
    ("regulatory_notes", "Regulatory notes"),
    ("components", "Components"),
]


def word_diff_html(old: str, new: str) -> SafeString:
    """Mark words removed from `old` with <del> and words added in `new` with <ins>."""
    old, new = old or "", new or ""
    if old == new:
        return escape(new)
    # Match whole lines first and compare words only inside the lines that differ: a word
    # matcher over a whole section is quadratic in its repeated tokens (spaces, "the"), ~15 ms
    # a section even when nothing changed.
    old_lines, new_lines = old.splitlines(keepends=True), new.splitlines(keepends=True)
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    parts = []
    for operation, i1, i2, j1, j2 in matcher.get_opcodes():
        if operation == "equal":
            parts.append(escape("".join(old_lines[i1:i2])))
        else:
            parts.append(_word_diff("".join(old_lines[i1:i2]), "".join(new_lines[j1:j2])))
    return mark_safe("".join(parts))  # noqa: S308 — every fragment is escaped


def _word_diff(old: str, new: str) -> str:
    old_tokens, new_tokens = _TOKEN.findall(old), _TOKEN.findall(new)
    # An edit usually touches a few words of a paragraph: match around it in linear time.
    start = 0
    while start < min(len(old_tokens), len(new_tokens)) and old_tokens[start] == new_tokens[start]:
        start += 1
    end = 0
    while (
        end < min(len(old_tokens), len(new_tokens)) - start
        and old_tokens[-1 - end] == new_tokens[-1 - end]
    ):
        end += 1
    head = escape("".join(old_tokens[:start]))
    tail = escape("".join(old_tokens[len(old_tokens) - end :]))
    old_tokens = old_tokens[start : len(old_tokens) - end]
    new_tokens = new_tokens[start : len(new_tokens) - end]
    # Spaces are junk: matches are anchored on words and only extended across spaces. This
    # halves the tokens the matcher indexes (the review page of a heavily edited 20-section
    # monograph spent 200 ms here) and keeps a run of changed words in one <del>/<ins>.
    matcher = difflib.SequenceMatcher(str.isspace, old_tokens, new_tokens, autojunk=False)
    parts = [head]
    for operation, i1, i2, j1, j2 in matcher.get_opcodes():
        removed, added = "".join(old_tokens[i1:i2]), "".join(new_tokens[j1:j2])
        if operation == "equal":
            parts.append(escape(removed))
            continue
        if removed:
            parts.append(f"<del>{escape(removed)}</del>")
        if added:
            parts.append(f"<ins>{escape(added)}</ins>")
    parts.append(tail)
    return "".join(parts)


def faq_key(faq: dict) -> str:
    """What identifies an FAQ item across revisions: its question."""
    return faq.get("question", "")


def _as_text(value) -> str:
    return "\n".join(value) if isinstance(value, list) else str(value or "")


def _status(old, new) -> str:
    if old is None:
        return ADDED
    if new is None:
        return REMOVED
    return UNCHANGED if old == new else CHANGED


@dataclass
class FieldChange:
    name: str
    label: str
    status: str
    diff_html: SafeString


@dataclass
class SectionChange:
    status: str
    title: str
    kind: str
    old: dict | None
    new: dict | None
    diff_html: SafeString
    provenance_changed: bool = False
    # What identifies the item across revisions (`numbered_keys`), for `monographs.parts`.
    item_key: tuple = ()

    @property
    def is_changed(self) -> bool:
        return self.status != UNCHANGED

    @property
    def html(self) -> str:
        """The sanitized rendering of the new text (or the old one, for a removal)."""
        return (self.new or self.old or {}).get("html", "")


@dataclass
class DocumentComparison:
    fields: list[FieldChange] = field(default_factory=list)
    sections: list[SectionChange] = field(default_factory=list)
    faqs: list[SectionChange] = field(default_factory=list)
    references: list[SectionChange] = field(default_factory=list)

    @property
    def has_changes(self) -> bool:
        return any(change.status != UNCHANGED for change in self.all_changes)

    @property
    def all_changes(self) -> list:
        return [*self.fields, *self.sections, *self.faqs, *self.references]

    @property
    def changed_section_titles(self) -> list[str]:
        return [change.title for change in self.sections if change.is_changed]


def section_key(section: dict) -> tuple[str, str]:
    """What identifies a section across revisions: its kind and its heading."""
    return (section["kind"], section.get("heading", ""))


def numbered_keys(items: list[dict], key) -> list[tuple[tuple, dict]]:
    """Each item with `(key(item), n)`, numbering repeats so that each key is unique."""
    numbered, seen = [], {}
    for item in items:
        base = key(item)
        seen[base] = seen.get(base, 0) + 1
        numbered.append(((base, seen[base]), item))
    return numbered


def _keyed(items: list[dict], key) -> dict:
    return dict(numbered_keys(items, key))


def _moved_keys(old_keys: list, new_keys: list) -> set:
    """Keys in both lists that left the longest run of items kept in the same order."""
    old_common = [k for k in old_keys if k in set(new_keys)]
    new_common = [k for k in new_keys if k in set(old_keys)]
    matcher = difflib.SequenceMatcher(None, old_common, new_common, autojunk=False)
    in_place = {
        key
        for block in matcher.get_matching_blocks()
        for key in new_common[block.b : block.b + block.size]
    }
    return set(new_common) - in_place


def _compare_items(old_items, new_items, *, key, text, title, kind) -> list[SectionChange]:
    old_by_key, new_by_key = _keyed(old_items, key), _keyed(new_items, key)
    order = list(new_by_key) + [k for k in old_by_key if k not in new_by_key]
    moved = _moved_keys(list(old_by_key), list(new_by_key))
    changes = []
    for item_key in order:
        old, new = old_by_key.get(item_key), new_by_key.get(item_key)
        old_text, new_text = (text(old) if old else ""), (text(new) if new else "")
        content_status = _status(old_text if old else None, new_text if new is not None else None)
        provenance_changed = bool(old and new and old.get("provenance") != new.get("provenance"))
        status = CHANGED if content_status == UNCHANGED and provenance_changed else content_status
        if status == UNCHANGED and item_key in moved:
            status = MOVED
        changes.append(
            SectionChange(
                status=status,
                title=title(new or old),
                kind=kind(new or old),
                old=old,
                new=new,
                diff_html=word_diff_html(old_text, new_text),
                provenance_changed=provenance_changed,
                item_key=item_key,
            )
        )
    return changes


def reference_key(reference: dict) -> int:
    """What identifies a reference across revisions: its number, which sections cite."""
    return reference.get("number", 0)


def reference_title(reference: dict) -> str:
    return f"[{reference.get('number', '')}] {reference.get('title', '')}"


def compare_documents(old: dict | None, new: dict) -> DocumentComparison:
    """Compare two documents field by field, section by section, FAQ by FAQ and reference by
    reference."""
    old = old or {}
    comparison = DocumentComparison()
    for name, label in DRUG_FIELDS:
        old_text, new_text = _as_text(old.get(name)), _as_text(new.get(name))
        comparison.fields.append(
            FieldChange(
                name=name,
                label=label,
                status=UNCHANGED if old_text == new_text else CHANGED,
                diff_html=word_diff_html(old_text, new_text),
            )
        )
    comparison.sections = _compare_items(
        old.get("sections", []),
        new.get("sections", []),
        key=section_key,
        text=lambda section: section["markdown"],
        title=section_title,
        kind=lambda section: section["kind"],
    )
    comparison.faqs = _compare_items(
        old.get("faqs", []),
        new.get("faqs", []),
        key=faq_key,
        text=lambda faq: f"{faq['question']}\n\n{faq['answer']}",
        title=lambda faq: faq["question"],
        kind=lambda faq: "faq",
    )
    comparison.references = _compare_items(
        old.get("references") or [],
        new.get("references") or [],
        key=reference_key,
        text=reference_text,
        title=reference_title,
        kind=lambda reference: "reference",
    )
    return comparison
