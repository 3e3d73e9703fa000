from django.core.exceptions import ValidationError
from django.db import models, router, transaction
from django.dispatch import receiver
from django.utils.text import slugify
from markdownx.models import MarkdownxField
from simple_history.models import HistoricalRecords
from simple_history.signals import pre_create_historical_record

from monographs.limits import MAX_TEXT_CHARS
from monographs.markdown import MarkdownError, render_markdown
from monographs.models.ownership import WorkflowOwnedModel
from monographs.models.provenance import Provenance
from monographs.models.tracking import ChangeTrackedModel


class SectionKind(models.TextChoices):
    """The kinds of section a monograph has; their order is the default for a new monograph.

    Readers see sections in the order the author gives them (`Section.position`).
    """

    GENERIC_NAME = "generic_name", "Generic name"
    USAGE = "usage", "Usage"
    DOSAGE = "dosage", "Dosage"
    WARNINGS = "warnings", "Warnings"
    SIDE_EFFECTS = "side_effects", "Side effects"
    HOW_IT_WORKS = "how_it_works", "How it works"
    PRECAUTIONS = "precautions", "Precautions"
    CONTRAINDICATIONS = "contraindications", "Contraindications"
    INTERACTIONS = "interactions", "Interactions"
    PREGNANCY = "pregnancy", "Pregnancy and breastfeeding"
    OVERDOSE = "overdose", "Overdose"
    STORAGE = "storage", "Storage"
    DISCLAIMER = "disclaimer", "Disclaimer"
    OTHER = "other", "Other"

    @classmethod
    def rank(cls, kind: str) -> int:
        return cls.values.index(kind)


def validate_markdown(text: str) -> None:
    """Refuse markdown that is too large, shaped to render slowly, or that fails to render.

    Rendering here, before anything is written or locked, also leaves the result for save().
    """
    try:
        render_markdown(text)
    except MarkdownError as error:
        raise ValidationError(str(error), code="markdown") from None


def split_lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class DrugQuerySet(models.QuerySet):
    def published(self):
        """Drugs the public may see: those with an approved, published revision."""
        return self.filter(published_revision__isnull=False)


class DrugHistoryFields(models.Model):
    """What a drug's history rows record besides the drug's own columns."""

    component_ids = models.JSONField(
        default=list, blank=True, help_text="The ids of the drug's components at that moment."
    )

    class Meta:
        abstract = True


class Drug(WorkflowOwnedModel, ChangeTrackedModel):
    """A monograph's working copy: a single drug or a combination of drugs.

    Components are part of the monograph's content: change them with `stage_components()`
    and `save()`, which records them in the history row and bumps the version like any edit.
    """

    untracked_fields = frozenset({"version", "updated_at", "published_revision"})
    workflow_fields = frozenset({"published_revision"})

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True, blank=True)
    generic_name = models.CharField(max_length=300, blank=True)
    other_names = models.TextField(
        blank=True, help_text="Brand names and synonyms, one per line (e.g. Vitamin B12)."
    )
    drug_class = models.CharField(max_length=200, blank=True, db_index=True)
    regulatory_notes = models.TextField(blank=True)
    components = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="combinations",
        help_text="For a combination: the drugs it combines.",
    )
    published_revision = models.OneToOneField(
        "monographs.Revision",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="published_for",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(
        excluded_fields=["published_revision", "updated_at"], bases=[DrugHistoryFields]
    )
    objects = DrugQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        permissions = [
            ("restore_drug", "Can restore an old version of a monograph"),
            ("unpublish_drug", "Can unpublish a monograph"),
        ]

    def __str__(self):
        return self.name

    def prepare_for_save(self):
        if not self.slug:
            self.slug = slugify(self.name)[:200]

    def stage_components(self, components) -> None:
        """The components the drug will have once `save()` runs (and its history records)."""
        self._staged_components = list(components)

    def recorded_component_ids(self) -> list[int]:
        """The component ids a history row written now records: the staged ones, if any."""
        staged = self.__dict__.get("_staged_components")
        if staged is not None:
            return sorted(component.pk for component in staged)
        if self.pk is None:
            return []
        return sorted(self.components.values_list("pk", flat=True))

    def has_changed(self) -> bool:
        staged = self.__dict__.get("_staged_components")
        return super().has_changed() or (
            staged is not None
            and {component.pk for component in staged}
            != set(self.components.values_list("pk", flat=True))
        )

    def save(self, *args, **kwargs):
        staged = self.__dict__.get("_staged_components")
        if staged is None:
            super().save(*args, **kwargs)
            return
        with transaction.atomic(using=kwargs.get("using") or router.db_for_write(Drug)):
            super().save(*args, **kwargs)
            self.components.set(staged)
        del self._staged_components

    def get_absolute_url(self):
        """The public page at its published slug (the working copy's may be in review), if any."""
        revision = self.published_revision
        return revision.page_url() if revision is not None else None

    @property
    def other_name_list(self) -> list[str]:
        return split_lines(self.other_names)

    @property
    def is_combination(self) -> bool:
        return " + " in self.name

    @property
    def is_published(self) -> bool:
        return self.published_revision_id is not None

    def ordered_sections(self) -> list["Section"]:
        """The sections in the author's order (their positions)."""
        return sorted(self.sections.all(), key=lambda section: (section.position, section.pk or 0))

    def document(self, *, with_html: bool = False) -> dict:
        """The drug as one plain dict: the export, API and revision-snapshot shape."""
        document = {
            "slug": self.slug,
            "name": self.name,
            "generic_name": self.generic_name,
            "other_names": self.other_name_list,
            "drug_class": self.drug_class,
            "regulatory_notes": self.regulatory_notes,
            "components": sorted(component.slug for component in self.components.all()),
            "sections": [
                section.document(with_html=with_html) for section in self.ordered_sections()
            ],
            "faqs": [faq.document(with_html=with_html) for faq in self.faqs.all()],
        }
        references = [reference.document() for reference in self.references.all()]
        if references:
            # Only when there are some: a document without keeps the hash it was frozen with,
            # so open reviews of monographs without references are not made stale.
            document["references"] = references
        return document


@receiver(pre_create_historical_record, sender=Drug.history.model)
def _record_components(sender, instance: Drug, history_instance, **kwargs) -> None:
    history_instance.component_ids = instance.recorded_component_ids()


class Section(Provenance, ChangeTrackedModel):
    drug = models.ForeignKey(Drug, on_delete=models.CASCADE, related_name="sections")
    kind = models.CharField(max_length=30, choices=SectionKind, default=SectionKind.OTHER)
    heading = models.CharField(
        max_length=300, blank=True, help_text="Shown instead of the kind's name when set."
    )
    body = MarkdownxField(blank=True, max_length=MAX_TEXT_CHARS, validators=[validate_markdown])
    body_html = models.TextField(blank=True, editable=False)
    position = models.PositiveIntegerField(default=0)

    history = HistoricalRecords(excluded_fields=["body_html"])

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["drug", "position"])]

    def __str__(self):
        return f"{self.drug}: {self.title}"

    def prepare_for_save(self):
        self.body_html = render_markdown(self.body)

    @property
    def title(self) -> str:
        return self.heading or self.get_kind_display()

    def document(self, *, with_html: bool = False) -> dict:
        document = {
            "kind": self.kind,
            "heading": self.heading,
            "markdown": self.body,
            "provenance": self.provenance_document(),
        }
        if with_html:
            document["html"] = self.body_html
        return document


class FAQItem(Provenance, ChangeTrackedModel):
    drug = models.ForeignKey(Drug, on_delete=models.CASCADE, related_name="faqs")
    question = models.CharField(max_length=500)
    answer = MarkdownxField(blank=True, max_length=MAX_TEXT_CHARS, validators=[validate_markdown])
    answer_html = models.TextField(blank=True, editable=False)
    position = models.PositiveIntegerField(default=0)

    history = HistoricalRecords(excluded_fields=["answer_html"])

    class Meta:
        ordering = ["position", "id"]
        verbose_name = "FAQ item"
        indexes = [models.Index(fields=["drug", "position"])]

    def __str__(self):
        return self.question

    def prepare_for_save(self):
        self.answer_html = render_markdown(self.answer)

    def document(self, *, with_html: bool = False) -> dict:
        document = {
            "question": self.question,
            "answer": self.answer,
            "provenance": self.provenance_document(),
        }
        if with_html:
            document["html"] = self.answer_html
        return document
