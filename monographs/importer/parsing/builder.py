"""The one place a `ParsedMonograph` is made: what a layout read plus what the front matter says."""

from django.utils.text import slugify

from monographs import limits
from monographs.importer.parsing.document import (
    ComponentRef,
    ImportFailed,
    ParsedFAQ,
    ParsedMonograph,
    ParsedReference,
    ParsedSection,
)
from monographs.importer.parsing.front_matter import meta_list, meta_names, meta_text, scalar_text
from monographs.importer.parsing.references import check_references
from monographs.models import SectionKind


def monograph_build(
    meta: dict,
    *,
    name: str,
    generic_name: str,
    sections: list[ParsedSection],
    faqs: list[ParsedFAQ],
    source_name: str,
    references: list[ParsedReference] | None = None,
) -> ParsedMonograph:
    """Make the monograph a layout read, taking the fields its front matter states; check limits."""
    parsed = ParsedMonograph(
        name=name,
        slug=_slug(meta, name, source_name),
        slug_is_explicit=bool(meta_text(meta, "slug", source_name)),
        generic_name=generic_name,
        sections=sections,
        faqs=faqs,
        references=references,
        other_names=meta_names(meta, source_name),
        drug_class=meta_text(meta, "drug_class", source_name),
        regulatory_notes=meta_text(meta, "regulatory_notes", source_name),
        components=_components(meta, name, source_name),
    )
    _check_limits(parsed, source_name)
    if references is not None:
        check_references(references, source_name)
    return parsed


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


def _slug(meta: dict, name: str, source_name: str) -> str:
    slug = meta_text(meta, "slug", source_name) or slugify(name)
    if not slug:
        raise ImportFailed(source_name, f"the name '{_excerpt(name)}' gives an empty slug")
    return slug


def _components(meta: dict, name: str, source_name: str) -> list[ComponentRef] | None:
    if "components" in meta:
        refs = []
        for item in meta_list(meta, "components", source_name):
            if isinstance(item, dict) and item.get("name"):
                component = scalar_text(item["name"], "a front-matter component name", source_name)
                slug = item.get("slug") or slugify(component)
                refs.append(
                    ComponentRef(component, scalar_text(slug, "a component slug", source_name))
                )
            elif isinstance(item, str) and item.strip():
                refs.append(ComponentRef(item.strip(), slugify(item)))
            else:
                raise ImportFailed(source_name, "each front-matter component needs a name")
        return refs
    if " + " in name:
        return [ComponentRef(part.strip(), slugify(part)) for part in name.split(" + ")]
    return None
