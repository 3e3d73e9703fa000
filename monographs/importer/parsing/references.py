"""A document's references: a "References" or "Sources" section, the front matter's list, and
the per-section sources of files written before references existed."""

import re

from monographs.importer.parsing.decoding import tidy
from monographs.importer.parsing.document import ImportFailed, ParsedReference, ParsedSection
from monographs.importer.parsing.front_matter import meta_list, scalar_text
from monographs.importer.parsing.sections import BULLET, strip_emphasis
from monographs.references import MAX_REFERENCES, normalize_doi

_HEADING = re.compile(
    r"^\s*(?:references?|sources?|bibliography|citations?|works cited)\s*:?\s*$", re.IGNORECASE
)
_NUMBERED = re.compile(r"^[ \t]*(?:\[(?P<a>\d{1,3})\]|(?P<b>\d{1,3})[.)])[ \t]+(?P<text>\S.*)$")
_MARKDOWN_LINK = re.compile(r"\[(?P<text>[^\]\n]{0,500})\]\((?P<url>[^)\s]{1,2000})\)")
_WEB_URL = re.compile(r"https?://[^\s<>()\[\]]{1,2000}", re.IGNORECASE)
_DOI = re.compile(
    r"(?:doi:\s*|https?://(?:dx\.)?doi\.org/)?\b(10\.\d{4,9}/[^\s<>\[\]]{1,200})", re.I
)
_PMID = re.compile(r"\bPMID:?[ \t]*(\d{1,9})\b", re.IGNORECASE)
_YEAR = re.compile(r"\((\d{4})[a-z]?\)|\b((?:1[89]|20)\d{2})\b")
_TRAILING = ".,;: "


def is_references_heading(heading: str) -> bool:
    """Whether a section heading names the document's list of references."""
    return bool(_HEADING.match(strip_emphasis(heading)))


def _items(lines: list[str]) -> list[tuple[int | None, str]]:
    """Each entry of a references section: its own number if it has one, and its text."""
    items: list[tuple[int | None, list[str]]] = []
    open_item = False
    for line in lines:
        if not line.strip():
            open_item = False
            continue
        if match := _NUMBERED.match(line):
            items.append((int(match["a"] or match["b"]), [match["text"]]))
        elif match := BULLET.match(line):
            items.append((None, [match["text"]]))
        elif open_item:
            items[-1][1].append(line.strip())
            continue
        else:
            items.append((None, [line.strip()]))
        open_item = True
    return [(number, " ".join(text)) for number, text in items]


def parse_reference_text(text: str, number: int) -> ParsedReference:
    """Read one entry: a markdown link or web address, a DOI, a PubMed ID, a year, a title."""
    text = strip_emphasis(text)
    url, title = "", ""
    if "|" in text and not _MARKDOWN_LINK.search(text):
        # The per-section sources' own form: "Title | https://…".
        title, _, url = (part.strip() for part in text.rpartition("|"))
        text = title
    elif link := _MARKDOWN_LINK.search(text):
        url = link["url"]
        title = link["text"].strip()
        text = (text[: link.start()] + title + text[link.end() :]).strip()
    elif web := _WEB_URL.search(text):
        url = web[0].rstrip(_TRAILING)
        text = (text[: web.start()] + text[web.end() :]).strip()
    doi = ""
    if found := _DOI.search(text) or _DOI.search(url):
        doi = normalize_doi(found[1].rstrip(_TRAILING))
        text = text.replace(found[0], "")
    if url and normalize_doi(url) == doi:
        url = ""
    pmid = ""
    if found := _PMID.search(text):
        pmid = found[1]
        text = text.replace(found[0], "")
    year = None
    if found := _YEAR.search(text):
        year = int(found[1] or found[2])
        if found[1]:
            text = text.replace(found[0], "")
    cleaned = " ".join(text.split()).strip(_TRAILING + "-\N{EN DASH}\N{EM DASH}")
    title = (cleaned or title or url or (f"doi:{doi}" if doi else "") or f"PMID {pmid}")[:500]
    return ParsedReference(number=number, title=title, year=year, url=url, doi=doi, pmid=pmid)


def references_from_lines(lines: list[str]) -> list[ParsedReference]:
    """The entries of a "References" section, numbered as written or else in order."""
    references: list[ParsedReference] = []
    for number, text in _items(lines):
        taken = {reference.number for reference in references}
        if number is None or number in taken:
            number = max(taken, default=0) + 1
        references.append(parse_reference_text(text, number))
    return references


def references_from_meta(meta: dict, source_name: str) -> list[ParsedReference]:
    """The front matter's `references` list (our exporter's), each a mapping."""
    references = []
    for item in meta_list(meta, "references", source_name):
        if not isinstance(item, dict):
            raise ImportFailed(source_name, "each front-matter reference must be a mapping")
        number = item.get("number")
        if not isinstance(number, int) or isinstance(number, bool):
            raise ImportFailed(source_name, "each front-matter reference needs a whole number")
        year = item.get("year")
        if year is not None and (not isinstance(year, int) or isinstance(year, bool)):
            raise ImportFailed(source_name, f"reference {number}: the year is not a number")
        fields = {
            name: scalar_text(item.get(name), f"a reference's {name}", source_name) or ""
            for name in ("title", "authors", "url", "doi", "pmid")
        }
        references.append(ParsedReference(number=number, year=year, **fields))
    return references


def cite_section_sources(sections: list[ParsedSection], references: list[ParsedReference]) -> None:
    """Turn each section's provenance sources into references the section cites.

    A source already listed (same address) is cited by its number; others are added after the
    last. The section's text ends with the citations, and its provenance lists no sources.
    """
    by_url = {reference.url: reference for reference in references if reference.url}
    for section in sections:
        sources = section.provenance.get("sources") or []
        if not sources:
            continue
        numbers = []
        for source in sources:
            url = (source.get("url") or "").strip()
            reference = by_url.get(url) if url else None
            if reference is None:
                number = max((r.number for r in references), default=0) + 1
                reference = parse_reference_text(
                    f"{source.get('title') or url} | {url}" if url else source.get("title", ""),
                    number,
                )
                references.append(reference)
                if url:
                    by_url[url] = reference
            if reference.number not in numbers:
                numbers.append(reference.number)
        cited = ", ".join(str(number) for number in numbers)
        section.body = tidy([*section.body.split("\n"), "", f"Sources: [{cited}]"])
        section.provenance = {**section.provenance, "sources": []}


def check_references(references: list[ParsedReference], source_name: str) -> None:
    """Refuse too many references and a number used twice."""
    if len(references) > MAX_REFERENCES:
        raise ImportFailed(
            source_name,
            f"{len(references)} references, more than the limit of {MAX_REFERENCES} "
            "(MAX_REFERENCES)",
        )
    numbers = [reference.number for reference in references]
    if len(set(numbers)) != len(numbers):
        raise ImportFailed(source_name, "two references have the same number")
