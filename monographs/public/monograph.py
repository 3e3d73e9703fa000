"""The monograph page, the hot path of the public site.

A monograph's article was assembled when its revision was approved (`article.py`, beside this
module), so showing it costs one indexed query; a combination's links and the other drugs of
its class come from the cache (computed once per publication). Pages are found by the
published slug, so a pending rename cannot show early, and a monograph's slug from before a
reviewed rename redirects.
"""

import hashlib
import logging
from datetime import date, datetime
from html import escape

from django.conf import settings
from django.db.models import Exists, OuterRef, Value
from django.db.models.fields.json import KeyTransform
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe

from monographs.models import Drug, Revision, SearchDocument
from monographs.public.article import (
    PUBLISHED_STATUS,
    DuePart,
    StoredArticle,
    assemble_article,
    split_article,
    with_status,
)
from monographs.public.chrome import breadcrumbs, page_meta, render_page
from monographs.public.compiled_query import CompiledQuery
from monographs.public.links import (
    drug_link,
    drug_links,
    drug_url,
    letter_label,
    letter_url,
    name_letter,
    redirect_retired_slug,
    slug_url,
)
from monographs.public.page_cache import cached_public_page, generation_cached, true_until

logger = logging.getLogger(__name__)

RELATED_IN_CLASS = 6
FIRST_IN_CLASS_KEY = "medref:directory:first-in-class:"
COMBINATION_LINKS_KEY = "medref:directory:combination-links:"

MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
COMPONENT, COMBINATION = "component", "combination"

_PUBLISHED_PAGE = CompiledQuery(
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
            "drug__published_revision__number",
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


_COMBINATION_LINKS = CompiledQuery(Drug, _combination_links_queryset, pk=int)

_FIRST_IN_CLASS = CompiledQuery(
    SearchDocument,
    lambda drug_class: (
        SearchDocument.objects.filter(drug_class=drug_class)
        .order_by("name")  # the first few of the (class, name) index: no sort, no big rows
        .values_list("slug", "name")[: RELATED_IN_CLASS + 1]
    ),
    drug_class=str,
)


def _combination_links(*, pk: int, slug: str, article: StoredArticle):
    """This combination's components (a link where published, else a name), and the published
    combinations containing it.

    Candidates come from the drugs' working copies; each is kept only if the published
    revisions agree (this revision names the component; the combination's names this drug),
    so an edit still in review can neither add a link nor reveal itself. The candidates change
    only when something is published or unpublished: they are looked up once per generation.
    """
    candidates = generation_cached(
        f"{COMBINATION_LINKS_KEY}{pk}",
        lambda: [tuple(row) for row in _COMBINATION_LINKS.rows(pk=pk)],
    )
    published_components, combinations = {}, []
    for link_slug, name, its_components, role in candidates:
        if role == COMPONENT and link_slug in article.components:
            published_components[link_slug] = drug_link(link_slug, name)
        elif role == COMBINATION and slug in (its_components or []):
            combinations.append(drug_link(link_slug, name))
    components = list(published_components.values())
    names = article.component_names
    if len(names) == len(article.components):
        components += [
            {"url": "", "name": name}
            for component_slug, name in zip(article.components, names, strict=True)
            if component_slug not in published_components
        ]
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
    return drug_links(rows[:RELATED_IN_CLASS])


def _time(value) -> str:
    if isinstance(value, datetime):
        value = timezone.localtime(value)
    return (
        f'<time datetime="{value.year:04}-{value.month:02}-{value.day:02}">'
        f"{value.day} {MONTHS[value.month - 1]} {value.year}</time>"
    )


def _anchor(link: dict) -> str:
    if not link["url"]:
        return escape(link["name"])
    return f'<a href="{escape(link["url"])}">{escape(link["name"])}</a>'


def _link_list(links: list[dict]) -> str:
    return ", ".join(_anchor(link) for link in links)


def overdue_status(since: date) -> str:
    """The JSON-LD status of a page with a review overdue since `since`."""
    return f"Review overdue since {since.isoformat()}"


def _review_box(row: dict, overdue: list[DuePart]) -> str:
    credit = row["drug__published_revision__approved_by_credit"]
    approved_at = row["drug__published_revision__approved_at"]
    due = row["drug__published_revision__next_review_due"]
    by = f" by <strong>{escape(credit)}</strong>" if credit else ""
    on = f" on {_time(approved_at)}" if approved_at else ""
    if overdue:
        parts = ", ".join(
            f'<a href="#{escape(part.anchor)}">{escape(part.title)}</a>' for part in overdue
        )
        return (
            '<div class="review-status review-overdue" id="reviewed" role="note">\n'
            f'<p class="overdue-since"><strong>Review overdue since '
            f"{_time(overdue[0].due_date)}</strong></p>\n"
            f'<p class="overdue-parts">Not reviewed again in time: {parts}.</p>\n'
            f'<p class="reviewed">Last medically reviewed{by}{on}</p>\n'
        )
    reviewed = f"Medically reviewed{by}{on}"
    if due:
        reviewed += f" &middot; next review due {_time(due)}"
    return f'<div class="review-status" id="reviewed">\n<p class="reviewed">{reviewed}</p>\n'


def _print_details(row: dict) -> str:
    """What a printout needs to be traced back: the page's address, version and review date."""
    url = settings.SITE_URL + drug_url(row["slug"])
    approved_at = row["drug__published_revision__approved_at"]
    reviewed = f" &middot; medically reviewed {_time(approved_at)}" if approved_at else ""
    return (
        f'<p class="print-details">Printed from {escape(url)} &middot; '
        f"version {row['drug__published_revision__number']}{reviewed}</p>\n"
    )


def _live_header(row: dict, *, overdue: list[DuePart], components, combinations) -> str:
    """The review box and combination links, which the stored article leaves to each request."""
    changes = slug_url("monographs:drug_changes", row["slug"])
    feed = slug_url("monographs:drug_changes_feed", row["slug"])
    parts = [
        _review_box(row, overdue),
        f'<p class="changes-link"><a href="{escape(changes)}">'
        "See what changed in each reviewed version</a> "
        f'(<a href="{escape(feed)}" type="application/atom+xml">follow the changes</a>)'
        "</p>\n</div>\n",
        # site.js puts a print button here; without JavaScript there is nothing to show.
        '<div class="print-action" data-print-button hidden></div>\n',
        _print_details(row),
    ]
    if components:
        parts.append(f'<p class="components">Combination of: {_link_list(components)}</p>\n')
    if combinations:
        parts.append(f'<p class="combinations">Also part of: {_link_list(combinations)}</p>\n')
    return "".join(parts)


def _overdue_notice(part: DuePart) -> str:
    return (
        '<p class="overdue-notice" role="note"><strong>Review overdue:</strong> '
        f"“{escape(part.title)}” was due for its next medical review by {_time(part.due_date)}."
        "</p>\n"
    )


def _mark_overdue(html: str, overdue: list[DuePart]) -> str:
    for part in overdue:
        html = html.replace(part.marker, _overdue_notice(part), 1)
    return html


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
        return redirect_retired_slug(request, "monographs:drug_detail", slug)
    row = rows[0]
    article = split_article(row["drug__published_revision__article_html"])
    if article is None:
        article = _assemble_stale_article(row["drug_id"], slug)
    components, combinations = [], []
    if row["in_combinations"] or article.components:
        components, combinations = _combination_links(
            pk=row["drug_id"], slug=row["slug"], article=article
        )
    related = _related_in_class(slug=row["slug"], drug_class=article.drug_class)
    today = timezone.localdate()
    overdue = article.overdue_parts(today)
    head, rest, status = article.head, article.rest, PUBLISHED_STATUS
    if overdue:
        head, rest = _mark_overdue(head, overdue), _mark_overdue(rest, overdue)
        status = overdue_status(overdue[0].due_date)
    title = escape(article.title)
    letter = name_letter(article.title)
    trail = [
        ("Home", reverse("monographs:home")),
        ("A\u2013Z", reverse("monographs:drug_index")),
        (letter_label(letter), letter_url(letter)),
        (article.title, drug_url(row["slug"])),
    ]
    content = "".join(
        (
            breadcrumbs(trail),
            with_status(head, status),
            _live_header(row, overdue=overdue, components=components, combinations=combinations),
            rest,
            _related_section(related),
        )
    )
    feed = escape(slug_url("monographs:drug_changes_feed", row["slug"]))
    description = (
        f"{article.title}: uses, dosage, side effects and how it works, with the origin of "
        "every section and its medical review."
    )
    meta = (
        page_meta(
            title=article.title, description=description, path=drug_url(row["slug"]), kind="article"
        )
        + f'<link rel="alternate" type="application/atom+xml" href="{feed}" '
        f'title="{title}: reviewed changes">\n'
    )
    response = HttpResponse(
        render_page(title=title, meta=mark_safe(meta), content=mark_safe(content))  # noqa: S308
    )
    # Becoming overdue changes the page: no copy of it may outlive the next part falling due.
    return true_until(response, article.true_until(today), since=article.true_since(today))


DRAFT_BANNER = (
    '<div class="draft-banner" role="note" id="reviewed">\n'
    "<p><strong>Draft — not reviewed.</strong> This is how the page will look to readers once "
    "a medical reviewer approves it; nobody outside the editorial team can see it.</p>\n</div>\n"
)


def preview_page(revision: Revision) -> str:
    """A revision not yet approved, as the monograph page will show it, under a draft banner.

    The same article assembly and site chrome as `drug_detail`; the review line is replaced by
    the banner, and the page asks search engines to leave it alone.
    """
    article = split_article(assemble_article(revision))
    title = escape(f"Draft: {article.title}")
    content = "".join((with_status(article.head, "Draft"), DRAFT_BANNER, article.rest))
    meta = '<meta name="robots" content="noindex, nofollow">\n'
    return render_page(title=title, meta=mark_safe(meta), content=mark_safe(content))  # noqa: S308
