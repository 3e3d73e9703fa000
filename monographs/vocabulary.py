"""The words for a frozen monograph document, each defined once.

A revision's `content` outlives the lists it was written with: a frozen revision may name a
section kind or an origin that is no longer offered, and must still display everywhere. The
public page, the change log, search, the review page, history and diffs all name sections,
origins, sources and changes through this module, so each has one spelling and one fallback.
"""

import html
import re

from monographs.models.drugs import SectionKind
from monographs.models.provenance import Origin

ADDED, CHANGED, UNCHANGED, REMOVED = "added", "changed", "unchanged", "removed"
# Same text, another place in the author's order.
MOVED = "moved"
CHANGE_LABELS = {
    ADDED: "New",
    CHANGED: "Changed",
    MOVED: "Moved",
    UNCHANGED: "Unchanged",
    REMOVED: "Removed",
}

_TAG = re.compile(r"<\s*/?\s*([a-zA-Z][a-zA-Z0-9]*)?[^<>]*>")
# Tags that end a run of words; inline ones (em, a, code, …) sit inside a word's letters.
_BLOCK_TAGS = frozenset(
    {
        "address",
        "article",
        "aside",
        "blockquote",
        "br",
        "dd",
        "div",
        "dl",
        "dt",
        "figcaption",
        "figure",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "li",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
    }
)
_WEB_SCHEMES = ("http://", "https://")


def kind_label(kind: str) -> str:
    """A section kind's display name; a kind no longer offered shows as its own words."""
    try:
        return SectionKind(kind).label
    except ValueError:
        return str(kind or "").replace("_", " ").strip().capitalize() or SectionKind.OTHER.label


def section_title(section: dict) -> str:
    """What readers see as a section's title: its own heading, else the name of its kind."""
    return section.get("heading") or kind_label(section.get("kind"))


def origin_label(origin: str) -> str:
    """The reader-facing name of an origin ("AI-generated", …); an unknown one is "unknown"."""
    try:
        return Origin(origin).label
    except ValueError:
        return Origin.UNKNOWN.label


def change_label(status: str) -> str:
    """How comparisons name a change's status ("New", "Changed", …)."""
    return CHANGE_LABELS.get(status, "")


def _tag_break(match: re.Match) -> str:
    return " " if (match.group(1) or "").lower() in _BLOCK_TAGS else ""


def html_to_text(fragment: str) -> str:
    """The text of sanitized HTML: tags dropped (blocks as word breaks), entities decoded."""
    return " ".join(html.unescape(_TAG.sub(_tag_break, fragment or "")).split())


def parse_source(line: str) -> dict:
    """One source written `Title | https://url` (the title is optional)."""
    title, _, url = line.rpartition("|")
    return {"title": title.strip() or url.strip(), "url": url.strip()}


def parse_sources(text: str) -> list[dict]:
    """One source per non-blank line, as `parse_source` reads it."""
    return [parse_source(line) for line in (text or "").splitlines() if line.strip()]


def format_sources(sources: list[dict]) -> str:
    """Sources as the editor writes them, one `Title | url` per line."""
    return "\n".join(f"{source['title']} | {source['url']}" for source in sources)


def source_links(sources: list[dict] | None) -> list[dict]:
    """Sources as readers see them: a title, and a link only to a web address."""
    links = []
    for source in sources or []:
        url = (source.get("url") or "").strip()
        is_link = url.lower().startswith(_WEB_SCHEMES)
        links.append({"title": source.get("title") or url, "url": url if is_link else ""})
    return links


def provenance_summary(provenance: dict | None) -> str:
    """One readable line: origin, tool and source titles."""
    if not provenance:
        return ""
    parts = [origin_label(provenance.get("origin", ""))]
    if provenance.get("ai_tool"):
        parts.append(f"tool: {provenance['ai_tool']}")
    sources = provenance.get("sources") or []
    if sources:
        parts.append("sources: " + "; ".join(source.get("title", "") for source in sources))
    return " · ".join(parts)
