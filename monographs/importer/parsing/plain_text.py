"""The plain-text layout: the first line is the title and bare short lines are headings."""

import re

from monographs.importer.parsing.decoding import drop_leading_blanks, tidy
from monographs.importer.parsing.sections import BULLET, NUMBERED, RawSection

_PLAIN_BULLET = re.compile(r"^[ \t]*[•●▪‣◦∙][ \t]*(?P<text>\S.*)$")


def plain_text_sections(lines: list[str]) -> tuple[str | None, list[RawSection]]:
    """Split a plain-text article: first line is the title, bare short lines are headings."""
    lines = drop_leading_blanks(lines)
    if not lines:
        return None, []
    title, lines = lines[0].strip(), lines[1:]
    sections = [RawSection(None, [])]
    previous_kind = "blank"
    for index, line in enumerate(lines):
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if _is_bare_heading(line, previous_kind, following):
            text = " ".join(line.split())
            # The article repeats some headings on consecutive lines: keep one.
            if not (sections[-1].heading == text and not tidy(sections[-1].lines)):
                sections.append(RawSection(text, []))
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
    if match := _PLAIN_BULLET.match(line) or BULLET.match(line):
        return f"- {match['text'].strip()}", "list"
    if match := NUMBERED.match(line):
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
        and not BULLET.match(line)
        and not NUMBERED.match(line)
    )
