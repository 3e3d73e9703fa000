"""Turn a monograph document's text into plain data; no database access here.

Three layouts are read (see `/shared/seeds`): Jekyll markdown with YAML front matter and `#`
headings, a page whose sections are bold labels (`**Usage:** …`), and a plain-text article whose
headings are bare lines. Files written by our own exporter carry a `sections` list in their front
matter and are read back exactly (see `monographs.exporter`).
"""

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

import ftfy
import yaml
from django.utils.text import slugify
from frontmatter.default_handlers import YAMLHandler

from monographs import limits
from monographs.models import Origin, SectionKind

FAQ_KIND = "faq"
FAQ_HEADING = "Frequently asked questions"
OVERVIEW_HEADING = "Overview"

_FIXER = ftfy.TextFixerConfig(
    unescape_html=False,  # `&lt;` in markdown is deliberate
    uncurl_quotes=False,  # keep typographic quotes: mojibake becomes a curly quote, not `'`
    fix_character_width=False,
    fix_latin_ligatures=False,
    explain=False,
)

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
    SectionKind.PRECAUTIONS: r"precautions?|warnings?|cautions?",
    SectionKind.CONTRAINDICATIONS: r"contra-?indications?",
    SectionKind.INTERACTIONS: r"interactions?",
    SectionKind.DISCLAIMER: r"disclaimers?",
    FAQ_KIND: r"faqs?|frequently asked(?: questions)?|q ?& ?a|common questions",
}
_KIND_PATTERNS = {
    kind: re.compile(rf"\b(?:{pattern})\b", re.IGNORECASE)
    for kind, pattern in _KIND_KEYWORDS.items()
}

# Closing hashes (`## Usage ##`) are cut by `_atx_heading`: in a pattern they backtrack
# quadratically over a long run of spaces, as do the separators and labels below unless written
# so that each run of spaces is scanned once.
_ATX_HEADING = re.compile(r"^(#{1,6})[ \t]+(.*)$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_BOLD_LABEL = re.compile(
    r"^(?:\*\*(?P<a>[^*\n]{1,80}?)\s*:\s*\*\*|\*\*(?P<b>[^*\n]{1,80}?)\*\*\s*:)[ \t]*(?P<rest>.*)$"
)
_BULLET = re.compile(r"^[ \t]*[•●▪‣◦∙*+\-][ \t]+(?P<text>\S.*)$")
_PLAIN_BULLET = re.compile(r"^[ \t]*[•●▪‣◦∙][ \t]*(?P<text>\S.*)$")
_NUMBERED = re.compile(r"^[ \t]*(?P<number>\d{1,3})[.)][ \t]+(?P<text>\S.*)$")
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


class ImportFailed(Exception):
    """A file could not be imported; `str()` is one line naming the file and the reason."""

    def __init__(self, source_name: str, reason: str):
        super().__init__(f"{source_name}: {reason}")
        self.source_name = source_name
        self.reason = reason


class _RefusedYAML(yaml.composer.ComposerError):
    """Front matter that is valid YAML but is not read (see `_FrontMatterLoader`)."""

    def __init__(self, problem: str, mark):
        super().__init__(problem=problem, problem_mark=mark)


class _FrontMatterLoader(yaml.SafeLoader):
    """The safe loader, refusing anchors and aliases and deep nesting as it composes each node.

    Refusing at compose time, before anything is built: a few hundred bytes of nested aliases
    expand to gigabytes once the value is walked, and composing recurses once per level, so a
    deep document would otherwise hit Python's recursion limit. This is the pure-Python loader
    because libyaml's (python-frontmatter's default) has no hook at compose time.
    """

    def __init__(self, stream):
        super().__init__(stream)
        self.depth = 0

    def compose_node(self, parent, index):
        event = self.peek_event()
        if event.anchor is not None:
            raise _RefusedYAML(
                "anchors and aliases (&name, *name) are not allowed", event.start_mark
            )
        if not isinstance(event, yaml.SequenceStartEvent | yaml.MappingStartEvent):
            return super().compose_node(parent, index)
        if self.depth == limits.MAX_FRONT_MATTER_DEPTH:
            raise _RefusedYAML(
                f"lists and mappings nested more than {limits.MAX_FRONT_MATTER_DEPTH} levels deep "
                "(MAX_FRONT_MATTER_DEPTH)",
                event.start_mark,
            )
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


@dataclass(frozen=True)
class ComponentRef:
    name: str
    slug: str


@dataclass
class ParsedSection:
    kind: str
    heading: str
    body: str
    provenance: dict


@dataclass
class ParsedFAQ:
    question: str
    answer: str
    provenance: dict


@dataclass
class ParsedMonograph:
    """A document's content. `None` means "the document does not say" (keep what is stored)."""

    name: str
    slug: str
    generic_name: str
    sections: list[ParsedSection] = field(default_factory=list)
    faqs: list[ParsedFAQ] = field(default_factory=list)
    other_names: list[str] | None = None
    drug_class: str | None = None
    regulatory_notes: str | None = None
    components: list[ComponentRef] | None = None
    slug_is_explicit: bool = False  # the front matter names the slug (else it is the name's)


@dataclass
class _RawSection:
    heading: str | None  # None: text before the first heading
    lines: list[str]


# --- text -----------------------------------------------------------------------------------


def decode_document(data: bytes, *, source_name: str) -> str:
    """Decode a file's bytes as UTF-8, refusing empty, binary and non-UTF-8 files."""
    if not data.strip():
        raise ImportFailed(source_name, "the file is empty")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportFailed(source_name, "the file is UTF-16 encoded; save it as UTF-8")
    if b"\x00" in data:
        raise ImportFailed(source_name, "binary file (contains NUL bytes), not a text document")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        byte = data[error.start]
        raise ImportFailed(
            source_name,
            f"not UTF-8 text (byte 0x{byte:02x} at offset {error.start}); save it as UTF-8",
        ) from None


def clean_text(text: str) -> str:
    """Repair mojibake and normalise line endings, Unicode form and whitespace."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = ftfy.fix_text(text, _FIXER)
    text = unicodedata.normalize("NFC", text).replace("\u2011", "-")
    lines = [line.rstrip() for line in text.split("\n")]
    return "\n".join(_collapse_blank_lines(lines)).strip("\n")


def _collapse_blank_lines(lines: list[str]) -> list[str]:
    collapsed: list[str] = []
    for line in lines:
        if line.strip() or (collapsed and collapsed[-1].strip()):
            collapsed.append(line if line.strip() else "")
    return collapsed


def _tidy(lines: list[str]) -> str:
    """Join body lines, dropping leading/trailing blank lines and runs of blank lines."""
    return "\n".join(_collapse_blank_lines(lines)).strip("\n")


# --- entry point ----------------------------------------------------------------------------


def parse_document(text: str, *, source_name: str) -> ParsedMonograph:
    """Parse one monograph document (already decoded) into a `ParsedMonograph`."""
    text = clean_text(text)
    if not text.strip():
        raise ImportFailed(source_name, "the file is empty")
    meta, body = _split_front_matter(text, source_name)
    if "sections" in meta:
        parsed = _parse_exported(meta, body, source_name)
    else:
        parsed = _parse_article(meta, body, source_name)
    _check_limits(parsed, source_name)
    return parsed


def _split_front_matter(text: str, source_name: str) -> tuple[dict, str]:
    handler = YAMLHandler()
    if not handler.detect(text):
        return {}, text
    try:
        front_matter, body = handler.split(text)
    except ValueError:
        raise ImportFailed(source_name, "broken YAML front matter: no closing '---' line") from None
    size = len(front_matter.encode())
    if size > limits.MAX_FRONT_MATTER_BYTES:
        raise ImportFailed(
            source_name,
            f"the front matter is {size} bytes, more than the limit of "
            f"{limits.MAX_FRONT_MATTER_BYTES} (MAX_FRONT_MATTER_BYTES)",
        )
    try:
        meta = handler.load(front_matter, Loader=_FrontMatterLoader)
    except yaml.YAMLError as error:
        first_line = text[: text.find(front_matter)].count("\n") + 1
        reason = _yaml_reason(error, first_line)
        problem = "refused" if isinstance(error, _RefusedYAML) else "broken"
        raise ImportFailed(source_name, f"{problem} YAML front matter: {reason}") from None
    except ValueError as error:  # a date like 2024-02-30, an integer of over 4300 digits
        reason = " ".join(str(error).split())
        raise ImportFailed(source_name, f"broken YAML front matter: {reason}") from None
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise ImportFailed(source_name, "broken YAML front matter: it is not a key: value mapping")
    return meta, body.strip("\n")


def _check_limits(parsed: ParsedMonograph, source_name: str) -> None:
    """Refuse a monograph bigger than `monographs.limits` allows, naming the limit."""
    for count, what, limit, limit_name in (
        (len(parsed.sections), "sections", limits.MAX_SECTIONS, "MAX_SECTIONS"),
        (len(parsed.faqs), "FAQ items", limits.MAX_FAQ_ITEMS, "MAX_FAQ_ITEMS"),
    ):
        if count > limit:
            raise ImportFailed(
                source_name, f"{count} {what}, more than the limit of {limit} ({limit_name})"
            )
    texts = [
        (f"section '{_excerpt(section.heading or SectionKind(section.kind).label)}'", section.body)
        for section in parsed.sections
    ]
    texts += [(f"the answer to '{_excerpt(faq.question)}'", faq.answer) for faq in parsed.faqs]
    for what, text in texts:
        if len(text) > limits.MAX_TEXT_CHARS:
            raise ImportFailed(
                source_name,
                f"{what} has {len(text)} characters, more than the limit of "
                f"{limits.MAX_TEXT_CHARS} (MAX_TEXT_CHARS)",
            )


def _excerpt(text: str, length: int = 60) -> str:
    return text if len(text) <= length else text[: length - 1] + "\N{HORIZONTAL ELLIPSIS}"


def _yaml_reason(error: yaml.YAMLError, first_line: int) -> str:
    """Describe a YAML error in one line, with its line number in the file."""
    if isinstance(error, yaml.MarkedYAMLError) and error.problem_mark is not None:
        return f"{error.problem or error.context} (line {first_line + error.problem_mark.line})"
    return " ".join(str(error).split())


# --- articles (the seed layouts) ------------------------------------------------------------


def _parse_article(meta: dict, body: str, source_name: str) -> ParsedMonograph:
    lines, origin = _consume_provenance_note(body.split("\n"))
    provenance = {"origin": origin, "ai_tool": "", "sources": []}

    if meta or _looks_like_markdown(lines):
        heading_title, raw_sections = _markdown_sections(lines)
    else:
        heading_title, raw_sections = _plain_text_sections(lines)

    name = drug_name_from_title(_meta_text(meta, "title", source_name)) or drug_name_from_title(
        heading_title, loose=True
    )
    if not name:
        raise ImportFailed(source_name, "no title (no front-matter title, # heading or first line)")

    sections, faqs = _build_sections(raw_sections, provenance)
    if not sections and not faqs:
        raise ImportFailed(source_name, "no sections found")

    generic_name = _meta_text(meta, "generic_name", source_name)
    if generic_name is None:
        generic_name = _generic_name_from(sections)
    return ParsedMonograph(
        name=name,
        slug=_slug(meta, name, source_name),
        slug_is_explicit=bool(_meta_text(meta, "slug", source_name)),
        generic_name=generic_name,
        sections=sections,
        faqs=faqs,
        other_names=_meta_names(meta, source_name),
        drug_class=_meta_text(meta, "drug_class", source_name),
        regulatory_notes=_meta_text(meta, "regulatory_notes", source_name),
        components=_components(meta, name, source_name),
    )


def drug_name_from_title(title: str | None, *, loose: bool = False) -> str:
    """The drug a page title names: "What is Cerecetam? Uses, …" names "Cerecetam".

    `loose` also cuts a headline at its first separator ("Cerecetam: a guide"); it is used for
    titles taken from the text, not for an explicit front-matter title.
    """
    if not title:
        return ""
    title = _strip_emphasis(title)
    match = _WHAT_IS.match(title)
    if match:
        return match["name"].strip()
    if loose:
        title = _TITLE_SEPARATOR.split(title, maxsplit=1)[0]
    return " ".join(title.split())


def _strip_emphasis(text: str) -> str:
    return re.sub(r"(\*\*|__|\*)(.+?)\1", r"\2", text.strip()).strip()


def _consume_provenance_note(lines: list[str]) -> tuple[list[str], str]:
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


def _looks_like_markdown(lines: list[str]) -> bool:
    return any(_atx_heading(line) or _BOLD_LABEL.match(line) for line in lines)


def _markdown_sections(lines: list[str]) -> tuple[str | None, list[_RawSection]]:
    """Split a markdown body at its section headings (ATX headings or bold labels)."""
    lines = _drop_leading_blanks(lines)
    title = None
    if lines and (heading := _atx_heading(lines[0])) and heading[0] == 1:
        title, lines = heading[1], lines[1:]

    headings: dict[int, tuple[int, str]] = {}  # line index -> (level, text)
    labels: dict[int, tuple[str, str]] = {}  # line index -> (label, rest of line)
    in_fence = False
    for index, line in enumerate(lines):
        if _FENCE.match(line):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        if heading := _atx_heading(line):
            headings[index] = heading
        elif (index == 0 or not lines[index - 1].strip() or index - 1 in headings) and (
            match := _BOLD_LABEL.match(line)
        ):
            labels[index] = ((match["a"] or match["b"]).strip(), match["rest"].strip())

    # A page sectioned by bold labels may still carry headings with no text of their own: a
    # repeat of the title ("## Methylcobalamin + Piracetam (Generic Combination)").
    bold_page = bool(labels) and not any(
        _has_own_text(lines, index, headings, labels) for index in headings
    )
    starters: dict[int, tuple[str, str]] = {}
    if bold_page:
        starters = dict(labels)
        skipped = set(headings)
    else:
        level = min((level for level, _ in headings.values()), default=0)
        starters = {index: (text, "") for index, (lvl, text) in headings.items() if lvl == level}
        skipped = set()

    sections = [_RawSection(None, [])]
    for index, line in enumerate(lines):
        if index in starters:
            heading, rest = starters[index]
            sections.append(_RawSection(heading, [rest] if rest else []))
        elif index not in skipped:
            sections[-1].lines.append(line)
    return title, sections


def _atx_heading(line: str) -> tuple[int, str] | None:
    """The level and text of an ATX heading line (`## Usage ##`), or None."""
    match = _ATX_HEADING.match(line)
    if not match:
        return None
    text = match[2].rstrip(" \t")
    unclosed = text.rstrip("#")
    if unclosed != text and unclosed.endswith((" ", "\t")):
        text = unclosed
    return len(match[1]), text.strip()


def _has_own_text(lines, index, headings, labels) -> bool:
    for following in range(index + 1, len(lines)):
        if following in headings or following in labels:
            return False
        if lines[following].strip():
            return True
    return False


def _drop_leading_blanks(lines: list[str]) -> list[str]:
    start = 0
    while start < len(lines) and not lines[start].strip():
        start += 1
    return lines[start:]


def _plain_text_sections(lines: list[str]) -> tuple[str | None, list[_RawSection]]:
    """Split a plain-text article: first line is the title, bare short lines are headings."""
    lines = _drop_leading_blanks(lines)
    if not lines:
        return None, []
    title, lines = lines[0].strip(), lines[1:]
    sections = [_RawSection(None, [])]
    previous_kind = "blank"
    for index, line in enumerate(lines):
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if _is_bare_heading(line, previous_kind, following):
            text = " ".join(line.split())
            # The article repeats some headings on consecutive lines: keep one.
            if not (sections[-1].heading == text and not _tidy(sections[-1].lines)):
                sections.append(_RawSection(text, []))
            previous_kind = "heading"
            continue
        markdown_line, kind = _plain_line_to_markdown(line)
        body = sections[-1].lines
        if kind != "blank" and previous_kind not in ("blank", "heading", kind):
            body.append("")  # markdown needs a blank line between a paragraph and a list
        body.append(markdown_line)
        previous_kind = kind
    return title, sections


def _plain_line_to_markdown(line: str) -> tuple[str, str]:
    if not line.strip():
        return "", "blank"
    if match := _PLAIN_BULLET.match(line) or _BULLET.match(line):
        return f"- {match['text'].strip()}", "list"
    if match := _NUMBERED.match(line):
        return f"{match['number']}. {match['text'].strip()}", "list"
    return line.strip(), "text"


def _is_bare_heading(line: str, previous_kind: str, following: str) -> bool:
    text = line.strip()
    return (
        bool(text)
        and line == line.lstrip()
        and previous_kind in ("blank", "list", "heading")
        and not following.strip()
        and len(text) <= 80
        and text[-1] not in ".,:;!"
        and "**" not in text
        and any(character.isalpha() for character in text)
        and not _PLAIN_BULLET.match(line)
        and not _BULLET.match(line)
        and not _NUMBERED.match(line)
    )


# --- sections and FAQs ----------------------------------------------------------------------


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


def _build_sections(
    raw_sections: list[_RawSection], provenance: dict
) -> tuple[list[ParsedSection], list[ParsedFAQ]]:
    sections: list[ParsedSection] = []
    faqs: list[ParsedFAQ] = []
    for raw in raw_sections:
        if raw.heading is None:
            body = _tidy(raw.lines)
            if body:
                sections.append(
                    ParsedSection(SectionKind.OTHER, OVERVIEW_HEADING, body, dict(provenance))
                )
            continue
        heading = _strip_emphasis(raw.heading)
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
        body = _tidy(raw.lines)
        if body:
            sections.append(
                ParsedSection(kind, _kept_heading(kind, heading), body, dict(provenance))
            )
    return sections, faqs


def _split_faqs(lines: list[str], provenance: dict) -> tuple[list[ParsedFAQ], str]:
    """Take question bullets out of a FAQ section; return them and the remaining text."""
    faqs: list[ParsedFAQ] = []
    leftover: list[str] = []
    index = 0
    while index < len(lines):
        match = _BULLET.match(lines[index])
        if not match:
            leftover.append(lines[index])
            index += 1
            continue
        end = index + 1
        while end < len(lines) and lines[end][:1] in (" ", "\t") and lines[end].strip():
            if _BULLET.match(lines[end]) or _NUMBERED.match(lines[end]):
                break
            end += 1
        text = "\n".join([match["text"], *(line.strip() for line in lines[index + 1 : end])])
        pair = _question_and_answer(text)
        if pair:
            faqs.append(ParsedFAQ(pair[0], pair[1], dict(provenance)))
        else:
            leftover.extend(lines[index:end])
        index = end
    return faqs, _tidy(leftover)


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


def _generic_name_from(sections: list[ParsedSection]) -> str:
    for section in sections:
        if section.kind == SectionKind.GENERIC_NAME:
            first_line = section.body.strip().split("\n", 1)[0]
            return " ".join(_strip_emphasis(first_line.split("(", 1)[0]).split())
    return ""


# --- files written by our exporter ----------------------------------------------------------


def _parse_exported(meta: dict, body: str, source_name: str) -> ParsedMonograph:
    """Read a file written by `monographs.exporter`: front matter says the exact structure."""
    sections_meta = _meta_list(meta, "sections", source_name)
    faqs_meta = _meta_list(meta, "faqs", source_name)
    lines = _drop_leading_blanks(body.split("\n"))
    heading_title = None
    if lines and (heading := _atx_heading(lines[0])) and heading[0] == 1:
        heading_title, lines = heading[1], lines[1:]
    name = drug_name_from_title(_meta_text(meta, "title", source_name)) or drug_name_from_title(
        heading_title
    )
    if not name:
        raise ImportFailed(source_name, "no title (no front-matter title or # heading)")

    kinds_and_headings = [_exported_section_meta(item, source_name) for item in sections_meta]
    expected = [f"## {heading or SectionKind(kind).label}" for kind, heading in kinds_and_headings]
    if faqs_meta:
        expected.append(f"## {FAQ_HEADING}")
    starts: list[int] = []
    cursor = 0
    for heading_line in expected:
        try:
            cursor = lines.index(heading_line, cursor)
        except ValueError:
            raise ImportFailed(
                source_name,
                f"the front matter lists a section '{heading_line[3:]}' that is not in the body "
                "(in this order)",
            ) from None
        starts.append(cursor)
        cursor += 1
    if _tidy(lines[: starts[0] if starts else len(lines)]):
        raise ImportFailed(source_name, "text before the first section heading")

    bounds = [*starts, len(lines)]
    bodies = [_tidy(lines[bounds[i] + 1 : bounds[i + 1]]) for i in range(len(starts))]
    sections = [
        ParsedSection(kind, heading, bodies[i], _provenance(item, source_name))
        for i, ((kind, heading), item) in enumerate(
            zip(kinds_and_headings, sections_meta, strict=True)
        )
    ]
    faqs = []
    if faqs_meta:
        questions = _exported_faqs(lines[starts[-1] + 1 :], source_name)
        if len(questions) != len(faqs_meta):
            raise ImportFailed(
                source_name,
                f"the front matter lists {len(faqs_meta)} FAQs but the body has {len(questions)}",
            )
        faqs = [
            ParsedFAQ(question, answer, _provenance(item, source_name))
            for (question, answer), item in zip(questions, faqs_meta, strict=True)
        ]
    return ParsedMonograph(
        name=name,
        slug=_slug(meta, name, source_name),
        slug_is_explicit=bool(_meta_text(meta, "slug", source_name)),
        generic_name=_meta_text(meta, "generic_name", source_name) or "",
        sections=sections,
        faqs=faqs,
        other_names=_meta_names(meta, source_name),
        drug_class=_meta_text(meta, "drug_class", source_name),
        regulatory_notes=_meta_text(meta, "regulatory_notes", source_name),
        components=_components(meta, name, source_name),
    )


def _exported_section_meta(item, source_name: str) -> tuple[str, str]:
    if not isinstance(item, dict):
        raise ImportFailed(source_name, "each front-matter section must be a mapping")
    kind = _text(item.get("kind"), "a front-matter section kind", source_name) or SectionKind.OTHER
    if kind not in SectionKind.values:
        raise ImportFailed(source_name, f"unknown section kind '{kind}' in the front matter")
    heading = item.get("heading") or ""
    if not isinstance(heading, str):
        raise ImportFailed(source_name, "a front-matter section heading is not text")
    return kind, heading.strip()


def _exported_faqs(lines: list[str], source_name: str) -> list[tuple[str, str]]:
    pairs: list[tuple[str, list[str]]] = []
    for line in lines:
        if line.startswith("### "):
            pairs.append((line[4:].strip(), []))
        elif pairs:
            pairs[-1][1].append(line)
        elif line.strip():
            raise ImportFailed(source_name, "text before the first FAQ question (### Question)")
    return [(question, _tidy(answer)) for question, answer in pairs]


def _provenance(item, source_name: str) -> dict:
    value = item.get("provenance") if isinstance(item, dict) else None
    if value is None:
        return {"origin": Origin.UNKNOWN, "ai_tool": "", "sources": []}
    if not isinstance(value, dict):
        raise ImportFailed(source_name, "a front-matter provenance is not a mapping")
    origin = _text(value.get("origin"), "a provenance origin", source_name) or Origin.UNKNOWN
    if origin not in Origin.values:
        raise ImportFailed(source_name, f"unknown provenance origin '{origin}' in the front matter")
    sources = []
    for source in value.get("sources") or []:
        if isinstance(source, dict):
            url = _text(source.get("url"), "a source url", source_name)
            title = _text(source.get("title"), "a source title", source_name)
            sources.append({"title": title or url, "url": url})
        elif isinstance(source, str):
            title, _, url = source.rpartition("|")
            sources.append({"title": title.strip() or url.strip(), "url": url.strip()})
        else:
            raise ImportFailed(source_name, "a front-matter source is neither text nor a mapping")
    return {
        "origin": origin,
        "ai_tool": _text(value.get("ai_tool"), "a provenance ai_tool", source_name),
        "sources": sources,
    }


# --- front-matter values --------------------------------------------------------------------


def _text(value, what: str, source_name: str) -> str:
    """A front-matter scalar as text; lists, mappings and sets are refused, never stringified."""
    if value is None:
        return ""
    if isinstance(value, str | int | float | date):
        try:
            return str(value).strip()
        except ValueError:  # an integer too long to print (sys.get_int_max_str_digits)
            pass
    raise ImportFailed(source_name, f"{what} must be text")


def _meta_text(meta: dict, key: str, source_name: str) -> str | None:
    if key not in meta:
        return None
    return _text(meta[key], f"front-matter '{key}'", source_name)


def _meta_list(meta: dict, key: str, source_name: str) -> list:
    value = meta.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise ImportFailed(source_name, f"front-matter '{key}' must be a list")
    return value


def _meta_names(meta: dict, source_name: str) -> list[str] | None:
    if "other_names" not in meta:
        return None
    value = meta["other_names"]
    if isinstance(value, str):
        value = value.split("\n")
    if not isinstance(value, list | type(None)):
        raise ImportFailed(source_name, "front-matter 'other_names' must be a list")
    names = (_text(name, "each front-matter other name", source_name) for name in value or [])
    return [name for name in names if name]


def _slug(meta: dict, name: str, source_name: str) -> str:
    slug = _meta_text(meta, "slug", source_name) or slugify(name)
    if not slug:
        raise ImportFailed(source_name, f"the name '{_excerpt(name)}' gives an empty slug")
    return slug


def _components(meta: dict, name: str, source_name: str) -> list[ComponentRef] | None:
    if "components" in meta:
        refs = []
        for item in _meta_list(meta, "components", source_name):
            if isinstance(item, dict) and item.get("name"):
                component = _text(item["name"], "a front-matter component name", source_name)
                slug = item.get("slug") or slugify(component)
                refs.append(ComponentRef(component, _text(slug, "a component slug", source_name)))
            elif isinstance(item, str) and item.strip():
                refs.append(ComponentRef(item.strip(), slugify(item)))
            else:
                raise ImportFailed(source_name, "each front-matter component needs a name")
        return refs
    if " + " in name:
        return [ComponentRef(part.strip(), slugify(part)) for part in name.split(" + ")]
    return None
