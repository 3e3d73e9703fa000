"""The listings: the home page, the A-Z index, drug classes and the editorial policy.

Listings read `SearchDocument`, which holds the published name and class of every published
drug (never a draft's, written in the publishing transaction), so a pending rename or
reclassification cannot show early.
"""

from html import escape

from django.db.models import Count, OuterRef, Subquery
from django.http import Http404
from django.shortcuts import render
from django.utils.safestring import mark_safe

from monographs.models import Revision, SearchDocument
from monographs.models.search import name_initial
from monographs.public.links import (
    LETTERS,
    OTHER_INITIAL,
    class_slug,
    drug_link,
    drug_links,
    letter_label,
    letter_query,
    letter_url,
    slug_url,
    slug_urls,
)
from monographs.public.page_cache import cached_public_page, generation_cached

RECENTLY_REVIEWED = 10
INITIALS_KEY = "medref:directory:initials"
CLASSES_KEY = "medref:directory:classes"


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
    links = []
    for letter in [*LETTERS, OTHER_INITIAL]:
        links.append(
            {
                "letter": letter,
                "label": letter_label(letter),
                "url": letter_url(letter) if letter in initials else "",
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
            "letter_query": letter_query(letter),
            "letter_crumb": letter_label(letter),
            "letter_path": letter_url(letter),
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
        {**drug_link(slug, name), "approved_at": approved_at, "credit": credit}
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
    entries = drug_links(
        _listed().filter(drug_class__in=names).order_by("name").values_list("slug", "name")
    )
    return render(
        request,
        "monographs/class_detail.html",
        {"class_name": names[0], "entries": entries},
    )
