"""A monograph's references and the citations of them in its sections' markdown.

A section cites references by number in its text: `[1]`, or several at once, `[1, 3]`. A number
is a citation only when nothing follows that makes it markdown (a link `[1](…)`, a reference
link `[1][x]` or definition `[1]:`), and text in code is never one. Every cited number must be a
reference of the monograph: saving a section that cites an unknown number is refused.
"""

import re

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

# Sections and the importer refuse more than this (a hostile file cannot make thousands).
MAX_REFERENCES = 200

DOI_PATTERN = re.compile(r"^10\.\d{4,9}/\S{1,200}$")
PMID_PATTERN = re.compile(r"^[1-9]\d{0,8}$")
WEB_SCHEMES = ("http", "https")

_CITATION = re.compile(r"(?<![\\!\]])\[(\d{1,3}(?:[ \t]*,[ \t]*\d{1,3}){0,19})\](?![(\[:])")
_FENCED_CODE = re.compile(r"^[ \t]*(```|~~~).*?^[ \t]*\1[ \t]*$", re.MULTILINE | re.DOTALL)
_INLINE_CODE = re.compile(r"(`+)[^`]*?\1")
_url_validator = URLValidator(schemes=list(WEB_SCHEMES))


def validate_web_url(value: str) -> None:
    """Refuse anything but an http(s) address (`javascript:`, `data:`, `ftp:` …)."""
    scheme = value.split(":", 1)[0].strip().lower() if ":" in value else ""
    if scheme not in WEB_SCHEMES:
        shown = f"“{scheme}:” " if scheme else ""
        raise ValidationError(
            f"Only web addresses starting with http:// or https:// can be linked; "
            f"the {shown}address given is not one.",
            code="url_scheme",
        )
    try:
        _url_validator(value)
    except ValidationError:
        raise ValidationError(
            "This is not a complete web address (e.g. https://www.nhs.uk/medicines/…).",
            code="invalid_url",
        ) from None


def validate_doi(value: str) -> None:
    if not DOI_PATTERN.match(normalize_doi(value)):
        raise ValidationError(
            "A DOI starts with 10., a registrant number of 4 to 9 digits and a slash, "
            "e.g. 10.1056/NEJMoa2034577 (without https://doi.org/).",
            code="invalid_doi",
        )


def validate_pmid(value: str) -> None:
    if not PMID_PATTERN.match(value):
        raise ValidationError(
            "A PubMed ID is digits only, e.g. 31978945 (without “PMID:”).", code="invalid_pmid"
        )


def normalize_doi(value: str) -> str:
    """A DOI as written, without a resolver address or a `doi:` prefix."""
    value = (value or "").strip()
    value = re.sub(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", "", value, flags=re.IGNORECASE)
    return value


def _without_code(markdown: str) -> str:
    return _INLINE_CODE.sub("", _FENCED_CODE.sub("", markdown or ""))


def cited_numbers(markdown: str) -> list[int]:
    """The reference numbers a section's markdown cites, in order of first citation."""
    numbers: list[int] = []
    for match in _CITATION.finditer(_without_code(markdown)):
        for number in (int(part) for part in match[1].split(",")):
            if number not in numbers:
                numbers.append(number)
    return numbers


def unknown_citations(markdown: str, known: set[int]) -> list[int]:
    return [number for number in cited_numbers(markdown) if number not in known]


def unknown_citation_message(numbers: list[int]) -> str:
    cited = ", ".join(f"[{number}]" for number in numbers)
    return (
        f"This text cites {cited}, but the monograph has no reference with "
        f"{'that number' if len(numbers) == 1 else 'those numbers'}. Add it under References, "
        "or correct the number."
    )


def citation_pattern() -> re.Pattern:
    """What a citation looks like in text (group 1: its comma-separated numbers)."""
    return _CITATION


def reference_links(reference: dict) -> list[dict]:
    """Where a reader can check a reference: its address, its DOI and its PubMed record."""
    links = []
    url = (reference.get("url") or "").strip()
    if url.split(":", 1)[0].lower() in WEB_SCHEMES:
        links.append({"kind": "url", "label": url, "url": url})
    if reference.get("doi"):
        doi = reference["doi"]
        links.append({"kind": "doi", "label": f"doi:{doi}", "url": f"https://doi.org/{doi}"})
    if reference.get("pmid"):
        pmid = reference["pmid"]
        links.append(
            {
                "kind": "pmid",
                "label": f"PMID {pmid}",
                "url": f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/",
            }
        )
    return links


def reference_text(reference: dict) -> str:
    """One line naming a reference: authors, title, year, and its identifiers (for diffs)."""
    parts = [reference.get("authors") or "", reference.get("title") or ""]
    if reference.get("year"):
        parts.append(f"({reference['year']})")
    parts += [link["label"] for link in reference_links(reference)]
    return " ".join(part for part in parts if part)


def revision_references(revision) -> dict:
    """A published revision's references and what each section cites, ready for JSON.

    `{"references": [{"number", "title", "authors", "year", "url", "doi", "pmid",
    "links": [{"kind": "url"|"doi"|"pmid", "label", "url"}]}, …],
    "sections": [{"title", "citations": [numbers]}, …]}`, sections in the page's order.
    """
    from monographs.vocabulary import section_title

    references = revision.content.get("references") or []
    known = {reference["number"] for reference in references}
    return {
        "references": [
            {
                "number": reference["number"],
                "title": reference.get("title", ""),
                "authors": reference.get("authors", ""),
                "year": reference.get("year"),
                "url": reference.get("url", ""),
                "doi": reference.get("doi", ""),
                "pmid": reference.get("pmid", ""),
                "links": reference_links(reference),
            }
            for reference in references
        ],
        "sections": [
            {
                "title": section_title(section),
                "citations": [
                    number
                    for number in cited_numbers(section.get("markdown", ""))
                    if number in known
                ],
            }
            for section in revision.content.get("sections", [])
        ],
    }
