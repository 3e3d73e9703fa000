"""Our own export format (see `monographs.exporter`): the front matter says the exact structure."""

from monographs.importer.parsing.builder import monograph_build
from monographs.importer.parsing.decoding import drop_leading_blanks, tidy
from monographs.importer.parsing.document import (
    ImportFailed,
    ParsedFAQ,
    ParsedMonograph,
    ParsedSection,
)
from monographs.importer.parsing.front_matter import meta_list, meta_text, scalar_text
from monographs.importer.parsing.markdown_article import atx_heading
from monographs.importer.parsing.references import cite_section_sources, references_from_meta
from monographs.importer.parsing.sections import drug_name_from_title
from monographs.models import Origin, SectionKind
from monographs.vocabulary import parse_source

FAQ_HEADING = "Frequently asked questions"


def parse_exported(meta: dict, body: str, source_name: str) -> ParsedMonograph:
    """Read a file written by `monographs.exporter`: front matter says the exact structure."""
    sections_meta = meta_list(meta, "sections", source_name)
    faqs_meta = meta_list(meta, "faqs", source_name)
    lines = drop_leading_blanks(body.split("\n"))
    heading_title = None
    if lines and (heading := atx_heading(lines[0])) and heading[0] == 1:
        heading_title, lines = heading[1], lines[1:]
    name = drug_name_from_title(meta_text(meta, "title", source_name)) or drug_name_from_title(
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
    if tidy(lines[: starts[0] if starts else len(lines)]):
        raise ImportFailed(source_name, "text before the first section heading")

    bounds = [*starts, len(lines)]
    bodies = [tidy(lines[bounds[i] + 1 : bounds[i + 1]]) for i in range(len(starts))]
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
    if "references" in meta:
        references = references_from_meta(meta, source_name)
    else:
        # Exported before references existed: each section's sources become references.
        references = []
        cite_section_sources(sections, references)
        references = references or None
    return monograph_build(
        meta,
        name=name,
        generic_name=meta_text(meta, "generic_name", source_name) or "",
        sections=sections,
        faqs=faqs,
        references=references,
        source_name=source_name,
    )


def _exported_section_meta(item, source_name: str) -> tuple[str, str]:
    if not isinstance(item, dict):
        raise ImportFailed(source_name, "each front-matter section must be a mapping")
    kind = (
        scalar_text(item.get("kind"), "a front-matter section kind", source_name)
        or SectionKind.OTHER
    )
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
    return [(question, tidy(answer)) for question, answer in pairs]


def _provenance(item, source_name: str) -> dict:
    value = item.get("provenance") if isinstance(item, dict) else None
    if value is None:
        return {"origin": Origin.UNKNOWN, "ai_tool": "", "sources": []}
    if not isinstance(value, dict):
        raise ImportFailed(source_name, "a front-matter provenance is not a mapping")
    origin = scalar_text(value.get("origin"), "a provenance origin", source_name) or Origin.UNKNOWN
    if origin not in Origin.values:
        raise ImportFailed(source_name, f"unknown provenance origin '{origin}' in the front matter")
    sources = []
    for source in value.get("sources") or []:
        if isinstance(source, dict):
            url = scalar_text(source.get("url"), "a source url", source_name)
            title = scalar_text(source.get("title"), "a source title", source_name)
            sources.append({"title": title or url, "url": url})
        elif isinstance(source, str):
            sources.append(parse_source(source))
        else:
            raise ImportFailed(source_name, "a front-matter source is neither text nor a mapping")
    return {
        "origin": origin,
        "ai_tool": scalar_text(value.get("ai_tool"), "a provenance ai_tool", source_name),
        "sources": sources,
    }
