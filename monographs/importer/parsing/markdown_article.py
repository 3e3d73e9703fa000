"""The markdown layouts: sections start at `#` headings, or at `**Label:**` on a bold-label page."""

import re

from monographs.importer.parsing.decoding import drop_leading_blanks
from monographs.importer.parsing.sections import RawSection

# Closing hashes (`## Usage ##`) are cut by `atx_heading`: in a pattern they backtrack
# quadratically over a long run of spaces, as does the label below unless written so that each
# run of spaces is scanned once.
_ATX_HEADING = re.compile(r"^(#{1,6})[ \t]+(.*)$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_BOLD_LABEL = re.compile(
    r"^(?:\*\*(?P<a>[^*\n]{1,80}?)\s*:\s*\*\*|\*\*(?P<b>[^*\n]{1,80}?)\*\*\s*:)[ \t]*(?P<rest>.*)$"
)


def looks_like_markdown(lines: list[str]) -> bool:
    """Whether any line is an ATX heading or a bold label."""
    return any(atx_heading(line) or _BOLD_LABEL.match(line) for line in lines)


def markdown_sections(lines: list[str]) -> tuple[str | None, list[RawSection]]:
    """Split a markdown body at its section headings (ATX headings or bold labels)."""
    lines = drop_leading_blanks(lines)
    title = None
    if lines and (heading := atx_heading(lines[0])) and heading[0] == 1:
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
        if heading := atx_heading(line):
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

    sections = [RawSection(None, [])]
    for index, line in enumerate(lines):
        if index in starters:
            heading, rest = starters[index]
            sections.append(RawSection(heading, [rest] if rest else []))
        elif index not in skipped:
            sections[-1].lines.append(line)
    return title, sections


def atx_heading(line: str) -> tuple[int, str] | None:
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
