"""Helpers shared by the public-site tests: publishing through the real workflow, reading pages."""

import json
import re
from html.parser import HTMLParser

from monographs.models import Drug, Revision
from monographs.search import search_index_rebuild
from reviews.services import review_approve, review_submit
from tests.factories import edit_section, monograph, publish, signed

JSONLD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.DOTALL)


def published(name: str, *, contributor, reviewer, **fields) -> Drug:
    """A monograph created and published through submit + approve."""
    return publish(monograph(name=name, **fields), contributor=contributor, reviewer=reviewer)


def clone_published(original: Drug, count: int, *, prefix: str) -> None:
    """Many more published monographs like `original`, written in bulk (fast, for scale tests).

    Each clone gets its own drug row and a copy of the original's approved revision with its
    own name and slug, so pages see exactly what the workflow would have left behind.
    """
    source = original.published_revision
    drugs = Drug.objects.bulk_create(
        Drug(
            name=f"{prefix} {number:03}",
            slug=f"{prefix.lower()}-{number:03}",
            drug_class="Vitamins",
        )
        for number in range(count)
    )
    revisions = Revision.objects.bulk_create(
        Revision(
            drug=drug,
            number=1,
            content={**source.content, "name": drug.name, "slug": drug.slug},
            content_hash=source.content_hash,
            article_html=source.article_html.replace(original.name, drug.name),
            created_by=source.created_by,
            approved_by=source.approved_by,
            approved_by_credit=source.approved_by_credit,
            approved_at=source.approved_at,
            next_review_due=source.next_review_due,
        )
        for drug in drugs
    )
    for drug, revision in zip(drugs, revisions, strict=True):
        drug.published_revision = revision
    Drug.objects.bulk_update(drugs, ["published_revision"])
    search_index_rebuild()


def edit_and_publish(drug: Drug, body: str, *, contributor, reviewer) -> Drug:
    edit_section(drug, body)
    review = review_submit(drug=drug, by=contributor)
    review_approve(review=review, by=reviewer, signature=signed(reviewer))
    drug.refresh_from_db()
    return drug


def page_text(response) -> str:
    return response.content.decode()


def jsonld(response) -> dict:
    """The page's own JSON-LD (beside it, breadcrumbs may have their BreadcrumbList)."""
    blocks = [json.loads(block) for block in JSONLD.findall(page_text(response))]
    blocks = [block for block in blocks if block.get("@type") != "BreadcrumbList"]
    assert len(blocks) == 1, f"expected one JSON-LD block, found {len(blocks)}"
    return blocks[0]


class Outline(HTMLParser):
    """Headings (level, text), ids and landmarks of a page, as a browser would parse them."""

    def __init__(self):
        super().__init__()
        self.headings: list[tuple[int, str]] = []
        self.ids: list[str] = []
        self.tags: list[tuple[str, dict]] = []
        self._heading: list | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if attributes.get("id"):
            self.ids.append(attributes["id"])
        if re.fullmatch(r"h[1-6]", tag):
            self._heading = [int(tag[1]), ""]

    def handle_data(self, data):
        if self._heading is not None:
            self._heading[1] += data

    def handle_endtag(self, tag):
        if re.fullmatch(r"h[1-6]", tag) and self._heading is not None:
            self.headings.append((self._heading[0], " ".join(self._heading[1].split())))
            self._heading = None

    def count(self, tag: str) -> int:
        return sum(1 for name, _attributes in self.tags if name == tag)


def outline(response) -> Outline:
    parser = Outline()
    parser.feed(page_text(response))
    parser.close()
    return parser
