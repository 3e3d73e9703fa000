from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from monographs.models.drugs import Drug
from monographs.models.tracking import ChangeTrackedModel
from monographs.references import (
    MAX_REFERENCES,
    normalize_doi,
    validate_doi,
    validate_pmid,
    validate_web_url,
)


class Reference(ChangeTrackedModel):
    """A source a monograph's sections cite by its number (`[1]`), listed under References."""

    drug = models.ForeignKey(Drug, on_delete=models.CASCADE, related_name="references")
    number = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(MAX_REFERENCES)],
        help_text="Sections cite it as [number], e.g. [1].",
    )
    title = models.CharField(max_length=500)
    authors = models.CharField("authors or publisher", max_length=500, blank=True)
    year = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1000), MaxValueValidator(2999)]
    )
    url = models.CharField(
        "URL",
        max_length=2000,
        blank=True,
        validators=[validate_web_url],
        help_text="An http:// or https:// address.",
    )
    doi = models.CharField(
        "DOI",
        max_length=250,
        blank=True,
        validators=[validate_doi],
        help_text="e.g. 10.1056/NEJMoa2034577",
    )
    pmid = models.CharField(
        "PubMed ID", max_length=9, blank=True, validators=[validate_pmid], help_text="Digits only."
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["number", "id"]
        constraints = [
            models.UniqueConstraint(fields=["drug", "number"], name="one_reference_per_number")
        ]

    def __str__(self):
        return f"[{self.number}] {self.title}"

    def clean(self):
        self.doi = normalize_doi(self.doi)
        self.url = (self.url or "").strip()
        self.pmid = (self.pmid or "").strip()

    def document(self) -> dict:
        return {
            "number": self.number,
            "title": self.title,
            "authors": self.authors,
            "year": self.year,
            "url": self.url,
            "doi": self.doi,
            "pmid": self.pmid,
        }
