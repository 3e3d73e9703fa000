"""Assemble a revision's public article once, at publish time, so no request renders markdown.

The article is everything on a monograph page that depends only on the approved revision:
header, disclaimer, table of contents, sections with their provenance and their review, the FAQ
accordion and the schema.org JSON-LD. What can change without this revision changing (the review
box, links to other published monographs) is filled in per request at `ARTICLE_SLOT`; what
changes only when a part's review falls due (its overdue notice, the JSON-LD's status) has
markers of its own, filled in per request from the facts the article opens with.
"""

import bisect
import functools
import json
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from html.parser import HTMLParser

from django.conf import settings
from django.db.models.fields.json import KeyTextTransform
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.text import slugify

from monographs.markdown import render_markdown, sanitize_html
from monographs.models.drugs import Drug
from monographs.models.provenance import UNVERIFIED_ORIGINS, Origin
from monographs.parts import DETAILS_KIND, DETAILS_TITLE, FAQ_KIND, REFERENCES_KIND, document_parts
from monographs.public.links import class_url
from monographs.references import citation_pattern, reference_links
from monographs.vocabulary import html_to_text, origin_label, section_title, source_links

ARTICLE_TEMPLATE = "monographs/article.html"
ARTICLE_SLOT = "<!--medref:live-->"
# The article opens with the facts a request needs, so serving it never decodes the revision.
# The version moves on whenever the facts do: an article stored before is assembled afresh.
ARTICLE_META_START = "<!--medref:facts:v2 "
ARTICLE_META_END = "-->"
# Then each reviewed part's facts, decoded only when a part is overdue (rarely).
ARTICLE_PARTS_START = "<!--medref:parts "
# Where the site's address goes in the stored JSON-LD: it is filled in when the page is served,
# so a page approved under one SITE_URL (or port) links correctly under another. Content can
# never produce it: `json_for_html` escapes every `<`, and the sanitizer drops comments.
ARTICLE_SITE = "<!--medref:site-->"
# Stands for the site's address while the JSON-LD is built, then becomes ARTICLE_SITE.
_SITE_PLACEHOLDER = f"medref-site-{secrets.token_hex(16)}"
# The JSON-LD page's `creativeWorkStatus`, as a JSON string: "Published", or that a review is
# overdue, decided when the page is served (as safe from content as ARTICLE_SITE).
ARTICLE_STATUS = "<!--medref:status-->"
_STATUS_PLACEHOLDER = f"medref-status-{secrets.token_hex(16)}"
PUBLISHED_STATUS = "Published"
# Where a part's overdue notice goes (`{}` is the part's index in the facts); a marker stays an
# empty comment until that part is overdue, so serving a page on time replaces nothing.
OVERDUE_MARKER = "<!--medref:overdue {}-->"

DIGITAL_SOURCE_TYPES = {
    Origin.AI_GENERATED: "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia",
    Origin.AI_EDITED: (
        "http://cv.iptc.org/newscodes/digitalsourcetype/compositeWithTrainedAlgorithmicMedia"
    ),
    Origin.AI_OR_CROWD: (
        "http://cv.iptc.org/newscodes/digitalsourcetype/compositeWithTrainedAlgorithmicMedia"
    ),
}

DISCLAIMER = (
    "This information is AI-generated or crowd-sourced and may not be accurate. "
    "Please consult a medical professional for verified advice."
)

# Ids the page around the article uses; section anchors never take them.
RESERVED_IDS = frozenset(
    {
        "main",
        "top",
        "site-search",
        "site-search-q",
        "contents",
        "faqs",
        "related",
        "reviewed",
        "references",
    }
)
REFERENCE_ANCHOR = "ref-{}"

SECTION_HEADING_LEVEL = 2
_JSON_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


class _Anchors:
    """Hands out unique, readable ids for one page."""

    def __init__(self):
        self.taken: set[str] = set(RESERVED_IDS)

    def claim(self, wanted: str, fallback: str) -> str:
        base = slugify(wanted) or fallback
        anchor, counter = base, 1
        while anchor in self.taken:
            counter += 1
            anchor = f"{base}-{counter}"
        self.taken.add(anchor)
        return anchor


class _OutlineRewriter(HTMLParser):
    """Re-level the headings of one sanitized fragment under its section, and scope its ids.

    Heading levels are mapped in order of appearance so that the fragment starts at `top` and
    never skips a level; ids get the section's anchor as prefix (and in-fragment links follow).
    """

    def __init__(self, *, top: int, id_prefix: str, anchors: _Anchors):
        super().__init__(convert_charrefs=False)
        self.top, self.id_prefix, self.anchors = top, id_prefix, anchors
        self.parts: list[str] = []
        self.ids: dict[str, str] = {}
        self.level_map: dict[int, int] = {}
        self.open_levels: list[int] = []
        self.previous = top - 1

    def rewrite(self, fragment: str) -> str:
        self.level_map = self._plan_levels(fragment)
        self.feed(fragment)
        self.close()
        output = "".join(self.parts)
        for old, new in self.ids.items():
            output = output.replace(f'href="#{escape(old)}"', f'href="#{escape(new)}"')
        return output

    def _plan_levels(self, fragment: str) -> dict[int, int]:
        collector = _HeadingLevels()
        collector.feed(fragment)
        collector.close()
        return {
            level: min(self.top + rank, 6) for rank, level in enumerate(sorted(collector.levels))
        }

    @staticmethod
    def _heading_level(tag: str) -> int | None:
        if len(tag) == 2 and tag[0] == "h" and tag[1] in "123456":
            return int(tag[1])
        return None

    def handle_starttag(self, tag, attrs):
        level = self._heading_level(tag)
        if level is None:
            self.parts.append(self.get_starttag_text())
            return
        new_level = min(self.level_map.get(level, self.top), self.previous + 1)
        new_level = max(new_level, self.top)
        self.previous = new_level
        self.open_levels.append(new_level)
        attributes = ""
        for name, value in attrs:
            if name == "id" and value:
                scoped = self.anchors.claim(f"{self.id_prefix}-{value}", self.id_prefix)
                self.ids[value] = scoped
                attributes += f' id="{escape(scoped)}"'
        self.parts.append(f"<h{new_level}{attributes}>")

    def handle_startendtag(self, tag, attrs):
        self.parts.append(self.get_starttag_text())

    def handle_endtag(self, tag):
        if self._heading_level(tag) is not None and self.open_levels:
            self.parts.append(f"</h{self.open_levels.pop()}>")
        else:
            self.parts.append(f"</{tag}>")

    def handle_data(self, data):
        self.parts.append(data)

    def handle_entityref(self, name):
        self.parts.append(f"&{name};")

    def handle_charref(self, name):
        self.parts.append(f"&#{name};")


class _HeadingLevels(HTMLParser):
    def __init__(self):
        super().__init__()
        self.levels: set[int] = set()

    def handle_starttag(self, tag, attrs):
        if len(tag) == 2 and tag[0] == "h" and tag[1] in "123456":
            self.levels.add(int(tag[1]))


def outline_fragment(fragment: str, *, top: int, id_prefix: str, anchors: _Anchors) -> str:
    """Sanitize a stored HTML fragment and fit its headings and ids into the page outline."""
    rewriter = _OutlineRewriter(top=top, id_prefix=id_prefix, anchors=anchors)
    return sanitize_html(rewriter.rewrite(sanitize_html(fragment)))


class _CitationLinker(HTMLParser):
    """Link the citations (`[1]`, `[1, 3]`) in one sanitized fragment to its references.

    Only numbers of known references become links, and never inside a link or code; the
    markup added is built from those numbers alone.
    """

    _SKIPPED = frozenset({"a", "code", "pre"})

    def __init__(self, known: set[int]):
        super().__init__(convert_charrefs=False)
        self.known = known
        self.parts: list[str] = []
        self.skipping = 0

    def link(self, fragment: str) -> str:
        self.feed(fragment)
        self.close()
        return "".join(self.parts)

    def handle_starttag(self, tag, attrs):
        if tag in self._SKIPPED:
            self.skipping += 1
        self.parts.append(self.get_starttag_text())

    def handle_startendtag(self, tag, attrs):
        self.parts.append(self.get_starttag_text())

    def handle_endtag(self, tag):
        if tag in self._SKIPPED and self.skipping:
            self.skipping -= 1
        self.parts.append(f"</{tag}>")

    def handle_data(self, data):
        self.parts.append(data if self.skipping else citation_pattern().sub(self._citation, data))

    def handle_entityref(self, name):
        self.parts.append(f"&{name};")

    def handle_charref(self, name):
        self.parts.append(f"&#{name};")

    def _citation(self, match) -> str:
        numbers = [int(part) for part in match[1].split(",")]
        if not any(number in self.known for number in numbers):
            return match[0]
        linked = ", ".join(
            f'<a href="#{REFERENCE_ANCHOR.format(number)}" aria-label="Reference {number}">'
            f"{number}</a>"
            if number in self.known
            else str(number)
            for number in numbers
        )
        return f'<sup class="citation">[{linked}]</sup>'


def link_citations(fragment: str, known: set[int]) -> str:
    """A sanitized fragment with its citations of `known` references linked to them."""
    if not known or "[" not in fragment:
        return fragment
    return _CitationLinker(known).link(fragment)


@dataclass(frozen=True)
class ArticleReference:
    """A reference as the article's References list shows it."""

    number: int
    title: str
    authors: str
    year: int | None
    links: list[dict]
    doi: str = ""
    pmid: str = ""

    @property
    def anchor(self) -> str:
        return REFERENCE_ANCHOR.format(self.number)


def article_references(content: dict) -> list[ArticleReference]:
    """The revision's references in their numbers' order, with the links a reader can check."""
    return [
        ArticleReference(
            number=reference["number"],
            title=reference.get("title") or "",
            authors=reference.get("authors") or "",
            year=reference.get("year"),
            links=reference_links(reference),
            doi=reference.get("doi") or "",
            pmid=reference.get("pmid") or "",
        )
        for reference in sorted(content.get("references") or [], key=lambda r: r["number"])
    ]


def _fragment_html(item: dict, markdown_key: str) -> str:
    if "html" in item:
        return item["html"] or ""
    return render_markdown(item.get(markdown_key, ""))


REVIEWER_PAGE = "reviewer_page"  # the URL name of a reviewer's public page


@dataclass(frozen=True)
class Reviewer:
    """A reviewer as a part's review credits them: name and credential, and their page."""

    name: str
    url: str = ""


def reviewer_url(slug: str) -> str:
    if not slug:
        return ""
    try:
        return reverse(REVIEWER_PAGE, args=[slug])
    except NoReverseMatch:
        return ""


def credited_reviewers(credits: list) -> list[Reviewer]:
    """The reviewers a `ReviewedPart.credits` list names ({"name", "slug"} each)."""
    return [
        Reviewer(name=credit["name"], url=reviewer_url(credit.get("slug", "")))
        for credit in credits
    ]


@dataclass(frozen=True)
class PartReview:
    """A live part's medical review: who, when, and when it is next due."""

    reviewed_at: datetime
    reviewers: list[Reviewer]
    next_review_due: date
    # Its reviewers signed that they examined it and take editorial responsibility for it.
    responsibility_taken: bool = False

    @property
    def credits(self) -> list[str]:
        """The reviewers' names and credentials, as the API and JSON-LD give them."""
        return [reviewer.name for reviewer in self.reviewers]

    @property
    def reviewed_on(self) -> date:
        return timezone.localtime(self.reviewed_at).date()


@dataclass
class ArticlePart:
    """A section or FAQ item as the article shows it."""

    anchor: str
    title: str
    html: str
    origin: str
    origin_label: str
    ai_tool: str
    sources: list[dict] = field(default_factory=list)
    review: PartReview | None = None
    overdue_marker: str = ""

    @property
    def is_unverified(self) -> bool:
        return self.origin in UNVERIFIED_ORIGINS

    @property
    def is_under_editorial_responsibility(self) -> bool:
        """AI or crowd text whose reviewers signed that they take editorial responsibility."""
        return self.is_unverified and self.review is not None and self.review.responsibility_taken

    @property
    def digital_source_type(self) -> str | None:
        return DIGITAL_SOURCE_TYPES.get(self.origin)


def _part(item: dict, *, anchor: str, title: str, html_fragment: str) -> ArticlePart:
    provenance = item.get("provenance") or {}
    origin = provenance.get("origin") or Origin.UNKNOWN
    return ArticlePart(
        anchor=anchor,
        title=title,
        html=html_fragment,
        origin=origin,
        origin_label=origin_label(origin),
        ai_tool=provenance.get("ai_tool") or "",
        sources=source_links(provenance.get("sources")),
    )


def article_parts(content: dict) -> tuple[list[ArticlePart], list[ArticlePart]]:
    """The revision's sections and FAQ items, in the author's order, for the article template."""
    anchors = _Anchors()
    known = {reference["number"] for reference in content.get("references") or []}
    anchors.taken.update(REFERENCE_ANCHOR.format(number) for number in known)
    sections = []
    for index, section in enumerate(content.get("sections", []), start=1):
        title = section_title(section)
        anchor = anchors.claim(title, f"section-{index}")
        fragment = outline_fragment(
            _fragment_html(section, "markdown"),
            top=SECTION_HEADING_LEVEL + 1,
            id_prefix=anchor,
            anchors=anchors,
        )
        fragment = link_citations(fragment, known)
        sections.append(_part(section, anchor=anchor, title=title, html_fragment=fragment))
    faqs = []
    for index, faq in enumerate(content.get("faqs", []), start=1):
        anchor = anchors.claim(f"faq-{index}", f"faq-{index}")
        fragment = outline_fragment(
            _fragment_html(faq, "answer"),
            top=SECTION_HEADING_LEVEL + 1,
            id_prefix=anchor,
            anchors=anchors,
        )
        faqs.append(
            _part(faq, anchor=anchor, title=faq.get("question", ""), html_fragment=fragment)
        )
    return sections, faqs


DETAILS_ANCHOR = "monograph-title"


@dataclass(frozen=True)
class ReviewedArticle:
    """An approved revision's reviews, part by part, in the order of the page."""

    details: PartReview | None
    sections: list[PartReview | None]
    faqs: list[PartReview | None]

    @property
    def all(self) -> list[PartReview]:
        return [review for review in (self.details, *self.sections, *self.faqs) if review]


def part_reviews(revision) -> ReviewedArticle:
    """Each part's review record, matched to the article's parts by key (none for a draft)."""
    records = {}
    if revision.pk is not None and revision.is_approved:
        records = {record.key: record for record in revision.reviewed_parts.all()}
    details, sections, faqs = None, [], []
    for part in document_parts(revision.content):
        record = records.get(part.key)
        review = None
        if record is not None:
            review = PartReview(
                reviewed_at=record.reviewed_at,
                reviewers=credited_reviewers(record.credits),
                next_review_due=record.next_review_due,
                responsibility_taken=record.approvals_signed,
            )
        if part.kind == REFERENCES_KIND:
            continue
        if part.kind == DETAILS_KIND:
            details = review
        elif part.kind == FAQ_KIND:
            faqs.append(review)
        else:
            sections.append(review)
    return ReviewedArticle(details=details, sections=sections, faqs=faqs)


def reviewer_credits(reviews: list[PartReview]) -> list[str]:
    """Everyone who reviewed a part, most recent review first, once each."""
    credits = []
    for review in sorted(reviews, key=lambda review: review.reviewed_at, reverse=True):
        for credit in review.credits:
            if credit not in credits:
                credits.append(credit)
    return credits


def _people(credits: list[str]) -> list[dict]:
    return [{"@type": "Person", "name": credit} for credit in credits]


def monograph_jsonld(
    revision,
    *,
    components: list[str],
    sections: list[ArticlePart],
    faqs: list[ArticlePart],
    reviews: list[PartReview],
    references: list[ArticleReference] = (),
) -> dict:
    """schema.org data for a monograph page: the page and its reviewed sections, the drug it is
    about, and its FAQ."""
    content = revision.content
    try:
        path = reverse("monographs:drug_detail", kwargs={"slug": content.get("slug", "")})
    except NoReverseMatch:
        path = "/"
    url = f"{_SITE_PLACEHOLDER}{path}"
    drug = {
        "@type": "Drug",
        "@id": f"{url}#drug",
        "name": content.get("name", ""),
        "url": url,
    }
    if content.get("generic_name"):
        drug["nonProprietaryName"] = content["generic_name"]
    if content.get("other_names"):
        drug["alternateName"] = list(content["other_names"])
    if content.get("drug_class"):
        drug["drugClass"] = {"@type": "DrugClass", "name": content["drug_class"]}
    if components:
        drug["activeIngredient"] = list(components)
    page = {
        "@type": "MedicalWebPage",
        "@id": url,
        "url": url,
        "name": content.get("name", ""),
        "about": {"@id": f"{url}#drug"},
        "mainEntity": {"@id": f"{url}#drug"},
        "inLanguage": "en",
        "creativeWorkStatus": _STATUS_PLACEHOLDER,
    }
    if reviews:
        page["lastReviewed"] = max(review.reviewed_on for review in reviews).isoformat()
        page["reviewedBy"] = _people(reviewer_credits(reviews))
    else:
        # Approved before reviews were recorded part by part: the revision's own stamps.
        if revision.approved_at:
            page["lastReviewed"] = timezone.localdate(revision.approved_at).isoformat()
        if revision.approved_by_credit:
            page["reviewedBy"] = [{"@type": "Person", "name": revision.approved_by_credit}]
    if sections:
        page["hasPart"] = [_section_element(section, url=url) for section in sections]
    if references:
        page["citation"] = [_citation_element(reference) for reference in references]
    graph = [page, drug]
    if faqs:
        graph.append(
            {
                "@type": "FAQPage",
                "@id": f"{url}#faqs",
                "url": url,
                "mainEntity": [
                    {
                        "@type": "Question",
                        "name": faq.title,
                        "acceptedAnswer": {"@type": "Answer", "text": html_to_text(faq.html)},
                    }
                    for faq in faqs
                ],
            }
        )
    return {"@context": "https://schema.org", "@graph": graph}


def _section_element(section: ArticlePart, *, url: str) -> dict:
    element = {
        "@type": "WebPageElement",
        "@id": f"{url}#{section.anchor}",
        "name": section.title,
        "url": f"{url}#{section.anchor}",
    }
    if section.review:
        element["lastReviewed"] = section.review.reviewed_on.isoformat()
        element["reviewedBy"] = _people(section.review.credits)
    if section.digital_source_type:
        element["digitalSourceType"] = section.digital_source_type
    return element


def _citation_element(reference: ArticleReference) -> dict:
    element = {"@type": "CreativeWork", "name": reference.title}
    if reference.authors:
        # "Authors or publisher": which of the two a person or a body is, is not recorded.
        element["creditText"] = reference.authors
    if reference.year:
        element["datePublished"] = str(reference.year)
    links = {link["kind"]: link["url"] for link in reference.links}
    if "url" in links:
        element["url"] = links["url"]
    identifiers = [
        {"@type": "PropertyValue", "propertyID": property_id, "value": value}
        for property_id, value in (("DOI", reference.doi), ("PMID", reference.pmid))
        if value
    ]
    if identifiers:
        element["identifier"] = identifiers
        element["sameAs"] = [links[kind] for kind in ("doi", "pmid") if kind in links]
    return element


def json_for_html(data) -> str:
    """JSON with `<`, `>` and `&` escaped, safe inside a script element or an HTML comment."""
    return json.dumps(data, ensure_ascii=False).translate(_JSON_SCRIPT_ESCAPES)


def jsonld_script(data: dict) -> str:
    """JSON-LD inside a script element; no name or answer can close the element."""
    data = json_for_html(data).replace(_SITE_PLACEHOLDER, ARTICLE_SITE)
    data = data.replace(_STATUS_PLACEHOLDER, ARTICLE_STATUS)
    return f'<script type="application/ld+json">{data}</script>'


@functools.cache
def _site_in_json(site_url: str) -> str:
    return json_for_html(site_url)[1:-1]


def _public_names(drugs) -> dict[str, str]:
    rows = drugs.annotate(
        published_name=KeyTextTransform("name", "published_revision__content")
    ).values_list("slug", "published_name", "name")
    return {slug: published_name or name for slug, published_name, name in rows}


def public_component_names(drug: Drug) -> dict[str, str]:
    """Each component's name by slug: its published one, or its working one if unpublished.

    Frozen into a revision at submission, so that the reviewer sees the names the article
    will show, and no later edit of a component can change them.
    """
    return _public_names(drug.components.all())


def component_names(revision) -> list[str]:
    """The names of a combination's components, as reviewed with this revision."""
    slugs = list(revision.content.get("components") or [])
    names = revision.component_names
    if slugs and not names:
        # Frozen before names were: what approving it showed then, the components' public names.
        names = _public_names(Drug.objects.filter(slug__in=slugs))
    return [names.get(slug, slug) for slug in slugs]


def _with_reviews(parts: list[ArticlePart], reviews: list, *, first_index: int) -> None:
    for index, (part, review) in enumerate(zip(parts, reviews, strict=True), start=first_index):
        part.review = review
        part.overdue_marker = OVERDUE_MARKER.format(index) if review else ""


def _fact(anchor: str, title: str, review: PartReview | None) -> dict:
    due = review.next_review_due.isoformat() if review else None
    return {"anchor": anchor, "title": title, "due": due}


def assemble_article(revision) -> str:
    """The article HTML of an approved revision, with its facts in a leading comment.

    The facts carry what serving needs and the revision alone knows: the title, class and
    components, and each reviewed part's anchor, title and next review date (in the order of
    the overdue markers), so that a request never decodes the revision.
    """
    content = revision.content
    sections, faqs = article_parts(content)
    reviews = part_reviews(revision)
    _with_reviews(sections, reviews.sections, first_index=1)
    _with_reviews(faqs, reviews.faqs, first_index=1 + len(sections))
    components = component_names(revision)
    references = article_references(content)
    jsonld = monograph_jsonld(
        revision,
        components=components,
        sections=sections,
        faqs=faqs,
        reviews=reviews.all,
        references=references,
    )
    article = render_to_string(
        ARTICLE_TEMPLATE,
        {
            "content": content,
            "sections": sections,
            "faqs": faqs,
            "references": references,
            "details_marker": OVERDUE_MARKER.format(0) if reviews.details else "",
            "class_url": class_url(content.get("drug_class", "")),
            "is_unverified": any(part.is_unverified for part in [*sections, *faqs]),
            "disclaimer": DISCLAIMER,
            "jsonld": jsonld_script(jsonld),
            "slot": ARTICLE_SLOT,
        },
    )
    parts = [_fact(DETAILS_ANCHOR, DETAILS_TITLE, reviews.details)]
    parts += [_fact(part.anchor, part.title, part.review) for part in [*sections, *faqs]]
    facts = {
        "title": content.get("name", ""),
        "drug_class": content.get("drug_class", ""),
        "components": list(content.get("components") or []),
        "component_names": components,
        "due_dates": sorted({part["due"] for part in parts if part["due"]}),
    }
    return (
        f"{ARTICLE_META_START}{json_for_html(facts)}{ARTICLE_META_END}\n"
        f"{ARTICLE_PARTS_START}{json_for_html(parts)}{ARTICLE_META_END}\n{article}"
    )


@dataclass(frozen=True)
class DuePart:
    """A reviewed part as serving sees it: where it is on the page, and when it falls due."""

    index: int
    anchor: str
    title: str
    due: str  # ISO date: compared as text, so serving an article on time parses no date

    @property
    def due_date(self) -> date:
        return date.fromisoformat(self.due)

    @property
    def marker(self) -> str:
        return OVERDUE_MARKER.format(self.index)


def falls_due_at(day: date) -> datetime:
    """The moment a review due on `day` is overdue: the start of the next day, site time."""
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


@functools.lru_cache(maxsize=4096)
def _falls_due_at_text(day: str, zone: str) -> datetime:
    # Saves every page served a date parse and a time-zone conversion; `zone` is in the key
    # because `falls_due_at` reads the current time zone.
    return falls_due_at(date.fromisoformat(day))


@dataclass
class StoredArticle:
    """A stored article split for serving: its facts, and the HTML around the live slot."""

    title: str
    drug_class: str
    components: list[str]
    head: str
    rest: str
    # The facts of each part in marker order, as JSON: decoded only when a part is overdue.
    parts_json: str = "[]"
    # The distinct due dates, soonest first (ISO text).
    due_dates: list[str] = field(default_factory=list)
    # The components' names as reviewed, beside `components` (none in articles stored before).
    component_names: list[str] = field(default_factory=list)

    def overdue_parts(self, today: date) -> list[DuePart]:
        """The parts whose review was due before `today`, soonest due first."""
        today_text = today.isoformat()
        if not self.due_dates or self.due_dates[0] >= today_text:
            return []
        overdue = [
            DuePart(index=index, anchor=part["anchor"], title=part["title"], due=part["due"])
            for index, part in enumerate(json.loads(self.parts_json))
            if part["due"] and part["due"] < today_text
        ]
        return sorted(overdue, key=lambda part: part.due)

    def true_until(self, today: date) -> datetime | None:
        """When the page served `today` stops being true: the next part falling due."""
        upcoming = bisect.bisect_left(self.due_dates, today.isoformat())
        if upcoming == len(self.due_dates):
            return None
        return _falls_due_at_text(self.due_dates[upcoming], timezone.get_current_timezone_name())

    def true_since(self, today: date) -> datetime | None:
        """Since when the page served `today` has been as it is, if a part fell due since."""
        passed = bisect.bisect_left(self.due_dates, today.isoformat())
        if passed == 0:
            return None
        return _falls_due_at_text(self.due_dates[passed - 1], timezone.get_current_timezone_name())


def split_article(article_html: str) -> StoredArticle | None:
    """Read an assembled article; None if it predates today's stored facts (assemble it again).

    The JSON-LD's status is left at ARTICLE_STATUS for the caller (`with_status`).
    """
    if not article_html.startswith(ARTICLE_META_START):
        return None
    end = article_html.find(ARTICLE_META_END)
    facts = json.loads(article_html[len(ARTICLE_META_START) : end])
    parts_start = end + len(ARTICLE_META_END) + 1 + len(ARTICLE_PARTS_START)
    parts_end = article_html.find(ARTICLE_META_END, parts_start)
    body = article_html[parts_end + len(ARTICLE_META_END) + 1 :]
    head, _slot, rest = body.partition(ARTICLE_SLOT)
    return StoredArticle(
        title=facts.get("title", ""),
        drug_class=facts.get("drug_class", ""),
        components=facts.get("components", []),
        head=head.replace(ARTICLE_SITE, _site_in_json(settings.SITE_URL)),
        rest=rest,
        parts_json=article_html[parts_start:parts_end],
        due_dates=facts["due_dates"],
        component_names=facts.get("component_names", []),
    )


def with_status(head: str, status: str) -> str:
    """The article's head with its JSON-LD `creativeWorkStatus` filled in (escaped)."""
    return head.replace(ARTICLE_STATUS, json_for_html(status)[1:-1])
