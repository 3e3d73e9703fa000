"""The public reference: published monographs only, a constant handful of queries per page.

A monograph's article was assembled when its revision was approved, so showing it costs one
indexed query; a combination's links and the other drugs of its class come from the cache
(computed once per publication). Listings read `SearchDocument`, which holds the published
name and class of every published drug (never a draft's, written in the publishing
transaction), so a pending rename or reclassification cannot show early; pages are found by
its slug for the same reason, and a monograph's slug from before a reviewed rename redirects.
"""

import functools
import hashlib
import logging
import re
import string
from datetime import datetime
from html import escape

from django.db.models import Count, Exists, OuterRef, Subquery, Value
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.safestring import mark_safe

from monographs.article import class_slug, split_article
from monographs.caching import cached_public_page, generation_cached
from monographs.diff import UNCHANGED, compare_documents
from monographs.models import Drug, RetiredSlug, Revision, SearchDocument
from monographs.models.search import name_initial
from monographs.prepared import PreparedQuery
from monographs.views.shell import render_page

logger = logging.getLogger(__name__)

LETTERS = list(string.ascii_uppercase)
OTHER_INITIAL = "#"
RECENTLY_REVIEWED = 10
RELATED_IN_CLASS = 6
CHANGES_PER_PAGE = 10
INITIALS_KEY = "medref:directory:initials"
CLASSES_KEY = "medref:directory:classes"
FIRST_IN_CLASS_KEY = "medref:directory:first-in-class:"
COMBINATION_LINKS_KEY = "medref:directory:combination-links:"


_SLUG_PLACEHOLDER = "medref-slug-placeholder"
_SLUG = re.compile(r"[-a-zA-Z0-9_]+")


@functools.cache
def _slug_url_parts(name: str, script_prefix: str) -> tuple[str, str]:
    before, _placeholder, after = reverse(name, kwargs={"slug": _SLUG_PLACEHOLDER}).partition(
        _SLUG_PLACEHOLDER
    )
    return before, after


def slug_urls(name: str):
    """reverse() for a route taking one slug, without its cost on pages listing thousands."""
    before, after = _slug_url_parts(name, get_script_prefix())

    def url(slug: str) -> str:
        if not _SLUG.fullmatch(slug):
            return reverse(name, kwargs={"slug": slug})
        return f"{before}{slug}{after}"

    return url


def slug_url(name: str, slug: str) -> str:
    return slug_urls(name)(slug)


def _drug_url(slug: str) -> str:
    return slug_url("monographs:drug_detail", slug)


def _links(rows) -> list[dict]:
    """Links to monographs from (slug, public name) pairs."""
    url = slug_urls("monographs:drug_detail")
    return [{"url": url(slug), "name": name or slug} for slug, name in rows]


def _link(slug: str, name: str) -> dict:
    return _links([(slug, name)])[0]


def _listed():
    """Every published monograph as listings show it: slug, published name and class."""
    return SearchDocument.objects.order_by()


# ---------------------------------------------------------------------------------------------
# A-Z


def _initials() -> set[str]:
    """The initials that have at least one published monograph (non-letters as `#`)."""
    return generation_cached(INITIALS_KEY, _scan_initials)


def _scan_initials() -> set[str]:
    initials = (
        _listed().annotate(initial=name_initial()).values_list("initial", flat=True).distinct()
    )
    return {initial if initial in LETTERS else OTHER_INITIAL for initial in initials}


def _letter_links(initials: set[str], current: str | None = None) -> list[dict]:
    index_url = reverse("monographs:drug_index")
    links = []
    for letter in [*LETTERS, OTHER_INITIAL]:
        query = "0" if letter == OTHER_INITIAL else letter.lower()
        links.append(
            {
                "letter": letter,
                "label": "Other" if letter == OTHER_INITIAL else letter,
                "url": f"{index_url}?letter={query}" if letter in initials else "",
                "is_current": letter == current,
            }
        )
    return links


def _parse_letter(value: str) -> str | None:
    value = value.strip().upper()
    if value in LETTERS:
        return value
    if value in {"0", OTHER_INITIAL}:
        return OTHER_INITIAL
    return None


@cached_public_page(params=("letter",))
def drug_index(request):
    """The A-Z index, one letter per page."""
    initials = _initials()
    requested = request.GET.get("letter")
    if requested is None:
        letter = next((letter for letter in LETTERS if letter in initials), None) or (
            OTHER_INITIAL if OTHER_INITIAL in initials else "A"
        )
    else:
        letter = _parse_letter(requested)
        if letter is None:
            raise Http404("No such letter.")
    return render(
        request,
        "monographs/drug_index.html",
        {
            "letter": letter,
            "letter_label": "other characters" if letter == OTHER_INITIAL else letter,
            "letters": _letter_links(initials, letter),
            "entries": _index_entries_html(_index_rows(letter)),
        },
    )


def _index_rows(letter: str):
    """(slug, published name, published class) of the monographs listed under `letter`."""
    # Filtered on the very expression the (initial, name) index holds, so it serves the page.
    documents = _listed().annotate(initial=name_initial()).order_by("initial", "name")
    if letter == OTHER_INITIAL:
        documents = documents.exclude(initial__gte="A", initial__lte="Z")
    else:
        documents = documents.filter(initial=letter)
    return documents.values_list("slug", "name", "drug_class")


def _index_entries_html(rows) -> str:
    """The list items of an index page (thousands at 10,000 drugs: built without a template)."""
    url = slug_urls("monographs:drug_detail")
    items = []
    for slug, name, drug_class in rows:
        meta = f' <span class="meta">{escape(drug_class)}</span>' if drug_class else ""
        items.append(f'<li><a href="{escape(url(slug))}">{escape(name)}</a>{meta}</li>\n')
    return mark_safe("".join(items))  # noqa: S308 — every value is escaped above


# ---------------------------------------------------------------------------------------------
# Home and editorial policy


def _recently_reviewed() -> list[dict]:
    # The credit comes from a subquery, not a join, so the newest rows are read off the
    # reviewed_at index and only they look up their revision.
    credit = Revision.objects.filter(published_for=OuterRef("drug_id")).values("approved_by_credit")
    rows = (
        _listed()
        .order_by("-reviewed_at")
        .annotate(credit=Subquery(credit[:1]))
        .values_list("slug", "name", "reviewed_at", "credit")[:RECENTLY_REVIEWED]
    )
    return [
        {**_link(slug, name), "approved_at": approved_at, "credit": credit}
        for slug, name, approved_at, credit in rows
    ]


@cached_public_page(params=())
def home(request):
    """The front door: search, the A-Z letters and what was reviewed most recently."""
    return render(
        request,
        "monographs/home.html",
        {"letters": _letter_links(_initials()), "recent": _recently_reviewed()},
    )


@cached_public_page(params=())
def editorial_policy(request):
    """How content is made, flagged and reviewed."""
    return render(request, "pages/editorial_policy.html")


# ---------------------------------------------------------------------------------------------
# Drug classes


def _classes() -> list[dict]:
    """Every drug class with published monographs, with how many."""
    return [
        {
            "name": name,
            "slug": slug,
            "url": slug_url("monographs:class_detail", slug),
            "count": count,
        }
        for name, slug, count in generation_cached(CLASSES_KEY, _scan_classes)
    ]


def _scan_classes() -> list[tuple[str, str, int]]:
    rows = (
        _listed()
        .exclude(drug_class="")
        .values_list("drug_class")
        .annotate(count=Count("pk"))
        .order_by("drug_class")
    )
    return [(name, class_slug(name), count) for name, count in rows if class_slug(name)]


@cached_public_page(params=())
def class_list(request):
    """Every drug class that has a published monograph."""
    return render(request, "monographs/class_list.html", {"classes": _classes()})


@cached_public_page(params=())
def class_detail(request, slug):
    """The published monographs of one drug class."""
    names = [entry["name"] for entry in _classes() if entry["slug"] == slug]
    if not names:
        raise Http404("No such drug class.")
    entries = _links(
        _listed().filter(drug_class__in=names).order_by("name").values_list("slug", "name")
    )
    return render(
        request,
        "monographs/class_detail.html",
        {"class_name": names[0], "entries": entries},
    )


# ---------------------------------------------------------------------------------------------
# Monograph


MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
COMPONENT, COMBINATION = "component", "combination"

_PUBLISHED_PAGE = PreparedQuery(
    SearchDocument,
    lambda slug: (
        # By the published slug (written with the search document in the publishing
        # transaction): the working copy's slug may be an edit still waiting for review.
        SearchDocument.objects.filter(slug=slug, drug__published_revision__isnull=False)
        .order_by()
        .annotate(
            # Two EXISTS, each on its own index (one with an OR scans the whole table).
            in_combinations=Exists(
                Drug.components.through.objects.filter(from_drug=OuterRef("drug_id"))
            )
            | Exists(Drug.components.through.objects.filter(to_drug=OuterRef("drug_id")))
        )
        .values(
            "drug_id",
            "slug",
            "in_combinations",
            "drug__published_revision__article_html",
            "drug__published_revision__approved_at",
            "drug__published_revision__approved_by_credit",
            "drug__published_revision__next_review_due",
        )[:1]
    ),
    slug=str,
)


def _combination_links_queryset(pk):
    published = Drug.objects.published().annotate(
        its_components=KeyTransform("components", "published_revision__content")
    )
    columns = ("search_document__slug", "search_document__name", "its_components", "role")
    components = (
        published.filter(combinations=pk)
        .annotate(role=Value(COMPONENT))
        .order_by()
        .values_list(*columns)
    )
    containing = (
        published.filter(components=pk)
        .annotate(role=Value(COMBINATION))
        .order_by()
        .values_list(*columns)
    )
    return components.union(containing, all=True)


_COMBINATION_LINKS = PreparedQuery(Drug, _combination_links_queryset, pk=int)

_FIRST_IN_CLASS = PreparedQuery(
    SearchDocument,
    lambda drug_class: (
        SearchDocument.objects.filter(drug_class=drug_class)
        .order_by("name")  # the first few of the (class, name) index: no sort, no big rows
        .values_list("slug", "name")[: RELATED_IN_CLASS + 1]
    ),
    drug_class=str,
)


def _combination_links(*, pk: int, slug: str, component_slugs: list[str]):
    """Published components of this combination, and published combinations containing it.

    Candidates come from the drugs' working copies; each is kept only if the published
    revisions agree (this revision names the component; the combination's names this drug),
    so an edit still in review can neither add a link nor reveal itself. The candidates change
    only when something is published or unpublished: they are looked up once per generation.
    """
    candidates = generation_cached(
        f"{COMBINATION_LINKS_KEY}{pk}",
        lambda: [tuple(row) for row in _COMBINATION_LINKS.rows(pk=pk)],
    )
    components, combinations = [], []
    for link_slug, name, its_components, role in candidates:
        if role == COMPONENT and link_slug in component_slugs:
            components.append(_link(link_slug, name))
        elif role == COMBINATION and slug in (its_components or []):
            combinations.append(_link(link_slug, name))
    by_name = lambda link: link["name"].casefold()  # noqa: E731
    return sorted(components, key=by_name), sorted(combinations, key=by_name)


def _first_in_class(drug_class: str) -> list[tuple[str, str]]:
    """(slug, name) of the first few published monographs of a class, by name.

    Only a publish or unpublish changes them, so they are computed once per generation: the
    monograph page then reads them from the cache instead of querying for them.
    """
    digest = hashlib.blake2b(drug_class.encode(), digest_size=16).hexdigest()
    return generation_cached(
        FIRST_IN_CLASS_KEY + digest,
        lambda: [tuple(row) for row in _FIRST_IN_CLASS.rows(drug_class=drug_class)],
    )


def _related_in_class(*, slug: str, drug_class: str) -> list[dict]:
    """A few other published monographs of the same (published) class."""
    if not drug_class:
        return []
    rows = [row for row in _first_in_class(drug_class) if row[0] != slug]
    return _links(rows[:RELATED_IN_CLASS])


def _time(value) -> str:
    if isinstance(value, datetime):
        value = timezone.localtime(value)
    return (
        f'<time datetime="{value.year:04}-{value.month:02}-{value.day:02}">'
        f"{value.day} {MONTHS[value.month - 1]} {value.year}</time>"
    )


def _anchor(link: dict) -> str:
    return f'<a href="{escape(link["url"])}">{escape(link["name"])}</a>'


def _link_list(links: list[dict]) -> str:
    return ", ".join(_anchor(link) for link in links)


def _live_header(row: dict, *, components, combinations) -> str:
    """The review line and combination links, which the stored article leaves to each request."""
    credit = row["drug__published_revision__approved_by_credit"]
    approved_at = row["drug__published_revision__approved_at"]
    due = row["drug__published_revision__next_review_due"]
    reviewed = "Medically reviewed"
    if credit:
        reviewed += f" by <strong>{escape(credit)}</strong>"
    if approved_at:
        reviewed += f" on {_time(approved_at)}"
    if due:
        reviewed += f" &middot; next review due {_time(due)}"
    changes = slug_url("monographs:drug_changes", row["slug"])
    parts = [
        '<div class="review-status" id="reviewed">\n',
        f'<p class="reviewed">{reviewed}</p>\n',
        f'<p class="changes-link"><a href="{escape(changes)}">'
        "See what changed in each reviewed version</a></p>\n</div>\n",
    ]
    if components:
        parts.append(f'<p class="components">Combination of: {_link_list(components)}</p>\n')
    if combinations:
        parts.append(f'<p class="combinations">Also part of: {_link_list(combinations)}</p>\n')
    return "".join(parts)


def _related_section(related: list[dict]) -> str:
    if not related:
        return ""
    items = "".join(f"<li>{_anchor(link)}</li>" for link in related)
    return (
        '\n<section class="related" aria-labelledby="related">\n'
        '<h2 id="related">Other drugs in this class</h2>\n'
        f"<ul>{items}</ul>\n</section>\n"
    )


def _assemble_stale_article(pk: int, slug: str):
    """Assemble, for this request only, an article stored by an older version of MedRef."""
    logger.warning(
        "The stored article of %s predates this version of MedRef; "
        "run `manage.py assemble_articles` to store it afresh.",
        slug,
    )
    revision = Revision.objects.get(published_for__pk=pk)
    revision.assemble_article()
    return split_article(revision.article_html)


@cached_public_page(params=())
def drug_detail(request, slug):
    """A published monograph, exactly as its last approved revision has it.

    The hot path of the site: one prepared query for the drug and its stored article, a
    combination's links and the class's drugs from the cache (they change only when something
    is published), and the pre-rendered site chrome around them. No markdown,
    no template, no JSON decoding.
    """
    rows = _PUBLISHED_PAGE.dicts(slug=slug)
    if not rows:
        return _redirect_retired_slug(request, "monographs:drug_detail", slug)
    row = rows[0]
    article = split_article(row["drug__published_revision__article_html"])
    if article is None:
        article = _assemble_stale_article(row["drug_id"], slug)
    components, combinations = [], []
    if row["in_combinations"]:
        components, combinations = _combination_links(
            pk=row["drug_id"], slug=row["slug"], component_slugs=article.components
        )
    related = _related_in_class(slug=row["slug"], drug_class=article.drug_class)
    title = escape(article.title)
    content = "".join(
        (
            article.head,
            _live_header(row, components=components, combinations=combinations),
            article.rest,
            _related_section(related),
        )
    )
    meta = (
        f'<meta name="description" content="{title}: uses, dosage, side effects and how it '
        'works, with the origin of every section and its medical review.">\n'
    )
    return HttpResponse(
        render_page(title=title, meta=mark_safe(meta), content=mark_safe(content))  # noqa: S308
    )


def _published_drug(slug: str) -> dict | None:
    """The drug id, slug and public title of the monograph published at `slug`, if any."""
    return (
        SearchDocument.objects.filter(slug=slug, drug__published_revision__isnull=False)
        .order_by()
        .annotate(title=KeyTextTransform("name", "drug__published_revision__content"))
        .values("drug_id", "slug", "title")
        .first()
    )


def _redirect_retired_slug(request, route: str, slug: str):
    """A permanent redirect from a monograph's earlier published slug; 404 for any other."""
    target = RetiredSlug.objects.current_slug(slug)
    if target is None:
        raise Http404("No published monograph by that name.")
    url = slug_url(route, target)
    query = request.META.get("QUERY_STRING")
    return HttpResponsePermanentRedirect(f"{url}?{query}" if query else url)


# ---------------------------------------------------------------------------------------------
# Change log


def _page_number(request) -> int:
    try:
        number = int(request.GET.get("page", "1"))
    except ValueError as error:
        raise Http404("No such page.") from error
    if number < 1:
        raise Http404("No such page.")
    return number


def _visible_changes(comparison) -> dict:
    return {
        "fields": [change for change in comparison.fields if change.status != UNCHANGED],
        "sections": [change for change in comparison.sections if change.is_changed],
        "faqs": [change for change in comparison.faqs if change.is_changed],
    }


@cached_public_page(params=("page",))
def drug_changes(request, slug):
    """What changed in each approved version of a monograph, newest first."""
    drug = _published_drug(slug)
    if drug is None:
        return _redirect_retired_slug(request, "monographs:drug_changes", slug)
    number = _page_number(request)
    start = (number - 1) * CHANGES_PER_PAGE
    # One row more than the page shows: the version the page's oldest entry is compared with.
    revisions = list(
        Revision.objects.approved()
        .filter(drug_id=drug["drug_id"])
        .order_by("-approved_at", "-number")
        .only("content", "approved_at", "approved_by_credit", "next_review_due")[
            start : start + CHANGES_PER_PAGE + 1
        ]
    )
    if not revisions:
        raise Http404("No such page.")
    shown = revisions[:CHANGES_PER_PAGE]
    entries = []
    for index, revision in enumerate(shown):
        older = revisions[index + 1] if index + 1 < len(revisions) else None
        entry = {"revision": revision, "is_first": older is None}
        if older is not None:
            entry["changes"] = _visible_changes(compare_documents(older.content, revision.content))
            entry["has_changes"] = any(entry["changes"].values())
        entries.append(entry)
    changes_url = reverse("monographs:drug_changes", kwargs={"slug": drug["slug"]})
    return render(
        request,
        "monographs/drug_changes.html",
        {
            "drug": drug,
            "title": drug["title"],
            "drug_url": _drug_url(drug["slug"]),
            "entries": entries,
            "newer_url": (f"{changes_url}?page={number - 1}" if number > 2 else changes_url)
            if number > 1
            else "",
            "older_url": f"{changes_url}?page={number + 1}"
            if len(revisions) > CHANGES_PER_PAGE
            else "",
        },
    )
