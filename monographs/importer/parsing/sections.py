"""What the layouts share: a heading's kind, the drug a title names, FAQ items, provenance notes."""

import re
from dataclasses import dataclass

from monographs.importer.parsing.decoding import tidy
from monographs.importer.parsing.document import ParsedFAQ, ParsedSection
from monographs.models import Origin, SectionKind

FAQ_KIND = "faq"
OVERVIEW_HEADING = "Overview"


# The first of these found in a heading decides its kind ("How It Works and Common Uses").
_KIND_KEYWORDS = {
    SectionKind.GENERIC_NAME: r"generic(?: names?)?",
    SectionKind.USAGE: r"usages?|uses?|used for|indications?|indicated",
    SectionKind.DOSAGE: r"dosages?|doses?|dosing|administration|how to take",
    SectionKind.SIDE_EFFECTS: r"side[- ]effects?|adverse(?: effects| reactions| events)?",
    SectionKind.HOW_IT_WORKS: (
        r"how (?:it|does it|do they|they) works?|mechanisms?(?: of action)?|pharmacology"
        r"|mode of action"
    ),
    SectionKind.WARNINGS: r"boxed warnings?|black[- ]box(?: warnings?)?|warnings?",
    SectionKind.PRECAUTIONS: r"precautions?|cautions?",
    SectionKind.CONTRAINDICATIONS: r"contra-?indications?",
    SectionKind.INTERACTIONS: r"interactions?",
    SectionKind.PREGNANCY: r"pregnancy|pregnant|breast-?feeding|lactation|nursing mothers",
    SectionKind.OVERDOSE: r"overdoses?|overdosage",
    SectionKind.STORAGE: r"storage|how to store|storing",
    SectionKind.DISCLAIMER: r"disclaimers?",
    FAQ_KIND: r"faqs?|frequently asked(?: questions)?|q ?& ?a|common questions",
}
_KIND_PATTERNS = {
    kind: re.compile(rf"\b(?:{pattern})\b", re.IGNORECASE)
    for kind, pattern in _KIND_KEYWORDS.items()
}

# Each run of spaces is scanned once: these patterns run over every line of untrusted files, and
# a pattern that can split a run of spaces several ways backtracks quadratically.
BULLET = re.compile(r"^[ \t]*[•●▪‣◦∙*+\-][ \t]+(?P<text>\S.*)$")
NUMBERED = re.compile(r"^[ \t]*(?P<number>\d{1,3})[.)][ \t]+(?P<text>\S.*)$")
_WHAT_IS = re.compile(r"^\s*what\s+(?:is|are)\s+(?P<name>[^?]+)\?", re.IGNORECASE)
_TITLE_SEPARATOR = re.compile(r"(?<!\s)\s+[-\u2013\u2014|]\s+|:\s+")
_NOTE_LABEL = re.compile(
    r"^\s*+(?:\*\*|__)?\s*+(?:note|notice|provenance|disclaimer)\s*(?::\s*(?:\*\*|__)?|(?:\*\*|__)\s*:)\s*",
    re.IGNORECASE,
)
_PROVENANCE_CLAIM = re.compile(
    r"^[*_]*(?:this|the)\s+(?:information|content|text|article|page|monograph)\s+"
    r"(?:is|was|has been)\s+(?P<claim>"
    r"ai[- ]generated(?:\s+(?:or|and/or|and)\s+crowd[- ]sourced)?"
    r"|crowd[- ]sourced(?:\s+(?:or|and/or|and)\s+ai[- ]generated)?)\b",
    re.IGNORECASE,
)


@dataclass
class RawSection:
    heading: str | None  # None: text before the first heading
    lines: list[str]


def section_kind(heading: str) -> str:
    """Map a heading to a `SectionKind` value (or "faq"); the earliest keyword wins."""
    best: tuple[int, int, str] | None = None
    for kind, pattern in _KIND_PATTERNS.items():
        match = pattern.search(heading)
        if match:
            candidate = (match.start(), -len(match[0]), kind)
            best = candidate if best is None else min(best, candidate)
    return best[2] if best else SectionKind.OTHER


def _kept_heading(kind: str, heading: str) -> str:
    return "" if heading.casefold() == SectionKind(kind).label.casefold() else heading


def build_sections(
    raw_sections: list[RawSection], provenance: dict
) -> tuple[list[ParsedSection], list[ParsedFAQ], list[list[str]]]:
    """Turn a layout's raw sections into sections and FAQ items, each with the provenance,
    and the lines of each "References" (or "Sources") section."""
    from monographs.importer.parsing.references import is_references_heading

    sections: list[ParsedSection] = []
    faqs: list[ParsedFAQ] = []
    reference_lines: list[list[str]] = []
    for raw in raw_sections:
        if raw.heading is None:
            body = tidy(raw.lines)
            if body:
                sections.append(
                    ParsedSection(SectionKind.OTHER, OVERVIEW_HEADING, body, dict(provenance))
                )
            continue
        heading = strip_emphasis(raw.heading)
        if is_references_heading(heading):
            reference_lines.append(raw.lines)
            continue
        kind = section_kind(heading)
        if kind == FAQ_KIND:
            items, leftover = _split_faqs(raw.lines, provenance)
            faqs.extend(items)
            if leftover:
                # Text around the questions (an intro, next steps) stays, under the same heading.
                sections.append(
                    ParsedSection(SectionKind.OTHER, heading, leftover, dict(provenance))
                )
            continue
        body = tidy(raw.lines)
        if body:
            sections.append(
                ParsedSection(kind, _kept_heading(kind, heading), body, dict(provenance))
            )
    return sections, faqs, reference_lines


def _split_faqs(lines: list[str], provenance: dict) -> tuple[list[ParsedFAQ], str]:
    """Take question bullets out of a FAQ section; return them and the remaining text."""
    faqs: list[ParsedFAQ] = []
    leftover: list[str] = []
    index = 0
    while index < len(lines):
        match = BULLET.match(lines[index])
        if not match:
            leftover.append(lines[index])
            index += 1
            continue
        end = index + 1
        while end < len(lines) and lines[end][:1] in (" ", "\t") and lines[end].strip():
            if BULLET.match(lines[end]) or NUMBERED.match(lines[end]):
                break
            end += 1
        text = "\n".join([match["text"], *(line.strip() for line in lines[index + 1 : end])])
        pair = _question_and_answer(text)
        if pair:
            faqs.append(ParsedFAQ(pair[0], pair[1], dict(provenance)))
        else:
            leftover.extend(lines[index:end])
        index = end
    return faqs, tidy(leftover)


def _question_and_answer(text: str) -> tuple[str, str] | None:
    text = re.sub(r"(\*\*|__)\s*([QA])\s*:\s*\1", r"\2:", text)
    bold = re.match(r"(\*\*|__)(?P<question>.+?)\1(?P<answer>.*)", text, re.DOTALL)
    if bold:
        question, had_prefix = _drop_prefix(bold["question"], "Q")
        if not (question.endswith("?") or had_prefix):
            return None
        answer = bold["answer"]
    else:
        text, _ = _drop_prefix(text, "Q")
        question, mark, answer = text.partition("?")
        if not mark:
            return None
        question += "?"
    answer, _ = _drop_prefix(answer, "A")
    return " ".join(question.split()), answer.strip()


def _drop_prefix(text: str, letter: str) -> tuple[str, bool]:
    match = re.match(rf"\s*{letter}\s*:\s*", text)
    return (text[match.end() :].strip(), True) if match else (text.strip(), False)


def generic_name_from(sections: list[ParsedSection]) -> str:
    """The generic name a Generic Name section starts with, or ""."""
    for section in sections:
        if section.kind == SectionKind.GENERIC_NAME:
            first_line = section.body.strip().split("\n", 1)[0]
            return " ".join(strip_emphasis(first_line.split("(", 1)[0]).split())
    return ""


def drug_name_from_title(title: str | None, *, loose: bool = False) -> str:
    """The drug a page title names: "What is Cerecetam? Uses, …" names "Cerecetam".

    `loose` also cuts a headline at its first separator ("Cerecetam: a guide"); it is used for
    titles taken from the text, not for an explicit front-matter title.
    """
    if not title:
        return ""
    title = strip_emphasis(title)
    match = _WHAT_IS.match(title)
    if match:
        return match["name"].strip()
    if loose:
        title = _TITLE_SEPARATOR.split(title, maxsplit=1)[0]
    return " ".join(title.split())


def strip_emphasis(text: str) -> str:
    """Remove bold and italic markers around words."""
    return re.sub(r"(\*\*|__|\*)(.+?)\1", r"\2", text.strip()).strip()


def consume_provenance_note(lines: list[str]) -> tuple[list[str], str]:
    """Remove the "This information is AI-generated or crowd-sourced…" note; return its origin."""
    origin = Origin.UNKNOWN
    kept: list[str] = []
    paragraph: list[str] = []
    for line in [*lines, ""]:
        if line.strip():
            paragraph.append(line)
            continue
        claim = _provenance_claim(" ".join(paragraph))
        if claim:
            origin = claim
        else:
            kept.extend(paragraph)
        paragraph = []
        kept.append(line)
    return kept[:-1], origin


def _provenance_claim(paragraph: str) -> str | None:
    match = _PROVENANCE_CLAIM.match(_NOTE_LABEL.sub("", paragraph, count=1))
    if not match:
        return None
    claim = match["claim"].lower()
    if "ai" in claim and "crowd" in claim:
        return Origin.AI_OR_CROWD
    return Origin.AI_GENERATED if "ai" in claim else Origin.CROWD_SOURCED
