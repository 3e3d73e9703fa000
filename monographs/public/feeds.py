"""Atom feeds of approved monograph revisions: sitewide, and the changes to one monograph."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import F
from django.db.models.fields.json import KeyTextTransform
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape, format_html, format_html_join

from monographs.models import Revision, Significance
from monographs.public.changes import approved_versions, published_drug, significance_phrase
from monographs.public.links import redirect_retired_slug, slug_url
from monographs.public.page_cache import cached_public_page

FEED_ENTRIES = 50
SAFETY_PREFIX = "Safety change: "


class MedRefFeed(Feed):
    """An Atom feed authored by MedRef (RFC 4287: a feed whose entries name no author must)."""

    feed_type = Atom1Feed
    author_name = "MedRef"

    def author_link(self):
        return settings.SITE_URL + reverse("monographs:home")


class ReviewedFeed(MedRefFeed):
    """Each approval of a monograph that is published now, newest first."""

    title = "MedRef: newly reviewed monographs"
    subtitle = "Drug monographs approved by MedRef's medical reviewers, newest first."

    def link(self):
        return settings.SITE_URL + reverse("monographs:home")

    def feed_url(self):
        return settings.SITE_URL + reverse("monographs:feed_reviewed")

    def items(self):
        return (
            Revision.objects.approved()
            .filter(drug__published_revision__isnull=False)
            .only(
                "number",
                "reason",
                "significance",
                "approved_at",
                "approved_by_credit",
                "next_review_due",
            )
            .annotate(
                public_name=KeyTextTransform("name", "content"),
                public_class=KeyTextTransform("drug_class", "content"),
                own_slug=KeyTextTransform("slug", "content"),
                # Where the monograph is published now, whatever slug this approval had.
                public_slug=F("drug__search_document__slug"),
            )
            .order_by("-approved_at", "-pk")[:FEED_ENTRIES]
        )

    def item_title(self, item):
        if item.significance == Significance.SAFETY:
            return f"{SAFETY_PREFIX}{item.public_name}"
        return f"{item.public_name}: reviewed"

    def item_categories(self, item):
        return [item.significance]

    def item_description(self, item):
        # Atom summaries are HTML to a feed reader: escape, so names can never become markup.
        summary = f"{item.public_name}"
        if item.public_class:
            summary += f" ({item.public_class})"
        summary += f" was medically reviewed by {item.approved_by_credit or 'a reviewer'}"
        summary += f" on {item.approved_at:%d %B %Y}."
        if item.next_review_due:
            summary += f" Next review due {item.next_review_due:%d %B %Y}."
        summary += f" {significance_phrase(item.significance)}"
        if item.reason.strip():
            summary += f" Change note: {item.reason.strip()}"
        return escape(summary)

    def item_link(self, item):
        path = reverse("monographs:drug_detail", kwargs={"slug": item.public_slug})
        return settings.SITE_URL + path

    def item_guid(self, item):
        """A permanent id per approval (a monograph is approved again and again, and renamed)."""
        path = reverse("monographs:drug_detail", kwargs={"slug": item.own_slug})
        return f"{settings.SITE_URL}{path}#revision-{item.number}"

    item_guid_is_permalink = False

    def item_pubdate(self, item):
        return item.approved_at

    def item_updateddate(self, item):
        return item.approved_at


class DrugChangesFeed(MedRefFeed):
    """The approved versions of one published monograph, newest first, with what changed."""

    item_guid_is_permalink = False

    def __init__(self, drug: dict):
        super().__init__()
        self.drug = drug

    def get_object(self, request, *args, **kwargs):
        return self.drug

    def title(self, drug):
        return f"MedRef: changes to {drug['title']}"

    def subtitle(self, drug):
        return (
            f"Each version of the {drug['title']} monograph approved by MedRef's medical "
            "reviewers, with what changed and why."
        )

    def link(self, drug):
        return settings.SITE_URL + slug_url("monographs:drug_changes", drug["slug"])

    def feed_url(self, drug):
        return settings.SITE_URL + slug_url("monographs:drug_changes_feed", drug["slug"])

    def items(self, drug):
        _newer, entries, _has_older = approved_versions(
            drug["drug_id"], start=0, count=FEED_ENTRIES
        )
        return entries

    def item_title(self, entry):
        title = f"{self.drug['title']}, version {entry.version}"
        if entry.is_first:
            return f"{title}: first published"
        if entry.is_safety:
            return f"{SAFETY_PREFIX}{title}"
        return f"{title}: {entry.significance_label.lower()} change"

    def item_description(self, entry):
        # Atom summaries are HTML to a feed reader: every piece is escaped by format_html.
        parts = []
        if entry.is_first:
            parts.append(format_html("<p>{}</p>", "First published version."))
        else:
            parts.append(
                format_html("<p><strong>{}</strong></p>", significance_phrase(entry.significance))
            )
            if entry.changes:
                parts.append(
                    format_html(
                        "<p>What changed:</p><ul>{}</ul>",
                        format_html_join(
                            "", "<li>{}</li>", ((label,) for label in entry.changed_labels)
                        ),
                    )
                )
            else:
                parts.append(format_html("<p>{}</p>", "Published again without changes."))
        if entry.note:
            parts.append(format_html("<p>Why it changed: {}</p>", entry.note))
        credit = entry.revision.approved_by_credit or "a medical reviewer"
        parts.append(format_html("<p>Reviewed by {}.</p>", credit))
        return "".join(parts)

    def item_link(self, entry):
        return f"{self.link(self.drug)}#{entry.anchor}"

    def item_guid(self, entry):
        """A permanent id per approved version (the monograph may be renamed later)."""
        path = reverse("monographs:drug_changes", kwargs={"slug": entry.revision.slug})
        return f"{settings.SITE_URL}{path}#{entry.anchor}"

    def item_categories(self, entry):
        return [] if entry.is_first else [entry.significance]

    def item_pubdate(self, entry):
        return entry.at

    def item_updateddate(self, entry):
        return entry.at


@cached_public_page(params=())
def drug_changes_feed(request, slug):
    """The Atom feed of a published monograph's approved changes."""
    drug = published_drug(slug)
    if drug is None:
        return redirect_retired_slug(request, "monographs:drug_changes_feed", slug)
    return DrugChangesFeed(drug)(request, slug=slug)
