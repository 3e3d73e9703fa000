"""Export drugs as the JSON document list, or as Jekyll pages that re-import to the same content.

A Jekyll page's YAML front matter carries what its markdown body cannot: the slug, the drug's
fields, each section's kind, heading and provenance (in body order), each FAQ's provenance, and
the references (number, title, authors, year, URL, DOI, PubMed ID) the sections cite as `[n]`.
The body is `# Name`, one `## Heading` per section, then `## Frequently asked questions` with one
`### Question` per FAQ. Component stubs (drugs with no sections yet) are exported too, with empty
`sections`, and re-import as stubs.
"""

from pathlib import Path

import yaml

from monographs.importer.parsing import FAQ_HEADING
from monographs.models import Drug, SectionKind


class _NoAliasDumper(yaml.SafeDumper):
    """Writes a value seen twice in full: the importer refuses YAML anchors and aliases."""

    def ignore_aliases(self, data) -> bool:
        return True


def drugs_for_export():
    """Every drug, drafts included, with its relations fetched in a constant number of queries."""
    return Drug.objects.prefetch_related("sections", "faqs", "components", "references")


def published_documents() -> list[dict]:
    """The published revision of each published drug, without rendered HTML."""
    drugs = Drug.objects.published().select_related("published_revision")
    return [_without_html(drug.published_revision.content) for drug in drugs]


def draft_documents() -> list[dict]:
    return [drug.document() for drug in drugs_for_export()]


def export_jekyll(directory: Path, *, published: bool = False) -> list[Path]:
    """Write one `<slug>.md` per drug into `directory`; return the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    if published:
        documents = published_documents()
        component_slugs = {slug for document in documents for slug in document["components"]}
        names = dict(Drug.objects.filter(slug__in=component_slugs).values_list("slug", "name"))
    else:
        documents, names = [], {}
        for drug in drugs_for_export():
            # Position order (not reading order) so a re-import leaves positions as they are.
            documents.append(
                {**drug.document(), "sections": [s.document() for s in drug.sections.all()]}
            )
            names.update((component.slug, component.name) for component in drug.components.all())
    written = []
    for document in documents:
        path = directory / f"{document['slug']}.md"
        path.write_text(jekyll_page(document, component_names=names), encoding="utf-8")
        written.append(path)
    return written


def jekyll_page(document: dict, *, component_names: dict[str, str]) -> str:
    """Render one drug document as a Jekyll page (front matter plus markdown body)."""
    front_matter = {
        "title": document["name"],
        "slug": document["slug"],
        "generic_name": document["generic_name"],
        "other_names": document["other_names"],
        "drug_class": document["drug_class"],
        "regulatory_notes": document["regulatory_notes"],
        "components": [
            {"name": component_names.get(slug, slug), "slug": slug}
            for slug in document["components"]
        ],
        "sections": [
            {
                "kind": section["kind"],
                "heading": section["heading"],
                "provenance": section["provenance"],
            }
            for section in document["sections"]
        ],
        "faqs": [{"provenance": faq["provenance"]} for faq in document["faqs"]],
        # Always listed, even empty: a file without the list predates references, and its
        # sections' sources are read as references when it is imported.
        "references": list(document.get("references") or []),
    }
    blocks = [f"# {document['name']}"]
    for section in document["sections"]:
        title = section["heading"] or SectionKind(section["kind"]).label
        blocks.append(f"## {title}\n\n{section['markdown']}".rstrip())
    if document["faqs"]:
        blocks.append(f"## {FAQ_HEADING}")
        blocks.extend(
            f"### {faq['question']}\n\n{faq['answer']}".rstrip() for faq in document["faqs"]
        )
    yaml_text = yaml.dump(
        front_matter,
        Dumper=_NoAliasDumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=100,
    )
    return f"---\n{yaml_text}---\n\n" + "\n\n".join(blocks) + "\n"


def _without_html(value):
    if isinstance(value, dict):
        return {key: _without_html(item) for key, item in value.items() if key != "html"}
    if isinstance(value, list):
        return [_without_html(item) for item in value]
    return value
