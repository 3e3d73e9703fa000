"""An Atom feed of newly approved monograph revisions."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import F
from django.db.models.fields.json import KeyTextTransform
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape

from monographs.models import Revision

FEED_ENTRIES = 50


class ReviewedFeed(Feed):
    """Each approval of a monograph that is published now, newest first."""

    feed_type = Atom1Feed
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
            .only("number", "approved_at", "approved_by_credit", "next_review_due")
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
        return f"{item.public_name}: reviewed"

    def item_description(self, item):
        # Atom summaries are HTML to a feed reader: escape, so names can never become markup.
        summary = f"{item.public_name}"
        if item.public_class:
            summary += f" ({item.public_class})"
        summary += f" was medically reviewed by {item.approved_by_credit or 'a reviewer'}"
        summary += f" on {item.approved_at:%d %B %Y}."
        if item.next_review_due:
            summary += f" Next review due {item.next_review_due:%d %B %Y}."
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
