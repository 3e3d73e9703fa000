import hashlib
import json
from datetime import date, datetime

from django.conf import settings
from django.db import models
from django.urls import reverse

from monographs.models.drugs import Drug, FAQItem, Section
from monographs.models.ownership import WorkflowOwnedModel
from monographs.models.references import Reference


def document_hash(document: dict) -> str:
    """Fingerprint a drug document's content, ignoring derived HTML."""

    def strip_html(value):
        if isinstance(value, dict):
            return {key: strip_html(item) for key, item in value.items() if key != "html"}
        if isinstance(value, list):
            return [strip_html(item) for item in value]
        return value

    canonical = json.dumps(strip_html(document), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def edit_authors(drug: Drug, *, since=None) -> set[int]:
    """Ids of the users who edited the drug, its sections, FAQs or references (after `since`)."""
    authors: set[int] = set()
    histories = [
        Drug.history.filter(id=drug.pk),
        Section.history.filter(drug_id=drug.pk),
        FAQItem.history.filter(drug_id=drug.pk),
        Reference.history.filter(drug_id=drug.pk),
    ]
    for history in histories:
        if since is not None:
            history = history.filter(history_date__gt=since)
        authors.update(
            history.exclude(history_user=None).values_list("history_user_id", flat=True).distinct()
        )
    return authors


class RevisionQuerySet(models.QuerySet):
    def approved(self):
        return self.filter(approved_at__isnull=False)

    def published(self):
        """Revisions the public currently sees (one per published drug)."""
        return self.filter(published_for__isnull=False)


class Significance(models.TextChoices):
    """How much a revision changes what readers are told (its submitter says)."""

    EDITORIAL = "editorial", "Editorial"
    CLINICAL = "clinical", "Clinical"
    SAFETY = "safety", "Safety"


SIGNIFICANCE_HELP = {
    Significance.EDITORIAL: "wording, layout or sources; the advice is the same",
    Significance.CLINICAL: "changes what a reader is advised",
    Significance.SAFETY: "a new or changed warning, dose, contraindication or interaction",
}


class Revision(WorkflowOwnedModel):
    """An immutable snapshot of a monograph, frozen when it is submitted for review."""

    workflow_fields = frozenset(
        {"approved_by", "approved_by_credit", "approved_at", "next_review_due", "article_html"}
    )

    drug = models.ForeignKey(Drug, on_delete=models.PROTECT, related_name="revisions")
    number = models.PositiveIntegerField()
    content = models.JSONField(help_text="The drug document, with rendered HTML per section.")
    content_hash = models.CharField(max_length=64, db_index=True)
    article_html = models.TextField(blank=True, editable=False)
    component_names = models.JSONField(
        default=dict,
        blank=True,
        editable=False,
        help_text="Each component's name by slug, as frozen at submission (the public one if "
        "it had one). Not part of the content hash: it is not the drug's own content.",
    )
    reason = models.TextField(blank=True, help_text="Why this change was made.")
    significance = models.CharField(
        max_length=20,
        choices=Significance,
        default=Significance.EDITORIAL,
        help_text="Clinical significance of the change, as its submitter judged it.",
    )
    authors = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="authored_revisions",
        help_text="Everyone whose edits this revision contains.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="created_revisions"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="approved_revisions",
    )
    approved_by_credit = models.TextField(
        blank=True,
        help_text="The names and credentials of everyone who reviewed a part of this revision, "
        "as at approval.",
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    next_review_due = models.DateField(null=True, blank=True)

    objects = RevisionQuerySet.as_manager()

    class Meta:
        ordering = ["drug", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["drug", "number"], name="unique_revision_number")
        ]
        indexes = [models.Index(fields=["approved_at"])]

    def __str__(self):
        return f"{self.content.get('name', self.drug_id)} — revision {self.number}"

    @property
    def is_approved(self) -> bool:
        return self.approved_at is not None

    @property
    def slug(self) -> str:
        """The slug the monograph is published under while this revision is live."""
        return self.content.get("slug", "")

    def page_url(self) -> str:
        return reverse("monographs:drug_detail", kwargs={"slug": self.slug})

    @property
    def sections(self) -> list[dict]:
        return self.content.get("sections", [])

    @property
    def faqs(self) -> list[dict]:
        return self.content.get("faqs", [])

    def record_approval(
        self, *, by, credit: str, at: datetime, next_review_due: date, assemble: bool = True
    ) -> list[str]:
        """Stamp who approved this revision and when; return the workflow fields it set.

        `credit` names everyone who reviewed a part of it, with credentials, as at approval;
        `next_review_due` is when its first part falls due. The caller saves
        with `update_fields=` the returned list, under the row's lock. `assemble=False` leaves
        `article_html` to the caller (the bench writer assembles combinations once their
        components are in the database) and leaves it out of the list.
        """
        self.approved_by = by
        self.approved_by_credit = credit
        self.approved_at = at
        self.next_review_due = next_review_due
        fields = ["approved_by", "approved_by_credit", "approved_at", "next_review_due"]
        if assemble:
            self.assemble_article()
            fields.append("article_html")
        return fields

    def assemble_article(self) -> None:
        """Render the article HTML once, so public requests never render markdown."""
        from monographs.public.article import assemble_article

        self.article_html = assemble_article(self)
