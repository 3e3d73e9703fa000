from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models


class Origin(models.TextChoices):
    AI_GENERATED = "ai_generated", "AI-generated"
    CROWD_SOURCED = "crowd_sourced", "Crowd-sourced"
    AI_OR_CROWD = "ai_or_crowd", "AI-generated or crowd-sourced"
    AI_EDITED = "ai_edited", "AI-generated, edited by people"
    PROFESSIONAL = "professional", "Written by a professional"
    UNKNOWN = "unknown", "Origin unknown"


UNVERIFIED_ORIGINS = frozenset(
    {Origin.AI_GENERATED, Origin.CROWD_SOURCED, Origin.AI_OR_CROWD, Origin.AI_EDITED}
)

_url_validator = URLValidator(schemes=["http", "https"])


def validate_sources(text: str) -> None:
    # Imported here: the vocabulary module imports these models.
    from monographs.vocabulary import parse_sources

    for source in parse_sources(text):
        try:
            _url_validator(source["url"])
        except ValidationError as error:
            raise ValidationError(
                "Source %(url)s is not an http(s) URL. Write one source per line: Title | URL.",
                params={"url": source["url"]},
                code="invalid_source",
            ) from error


class Provenance(models.Model):
    """Where a piece of content came from; readers are told this next to the content."""

    origin = models.CharField(max_length=20, choices=Origin, default=Origin.UNKNOWN)
    ai_tool = models.CharField(
        "AI model or tool", max_length=200, blank=True, help_text="For AI-generated content."
    )
    sources = models.TextField(
        blank=True,
        validators=[validate_sources],
        help_text="One source per line: Title | https://…",
    )

    class Meta:
        abstract = True

    @property
    def source_list(self) -> list[dict]:
        from monographs.vocabulary import parse_sources

        return parse_sources(self.sources)

    @property
    def is_unverified(self) -> bool:
        return self.origin in UNVERIFIED_ORIGINS

    def provenance_document(self) -> dict:
        return {"origin": self.origin, "ai_tool": self.ai_tool, "sources": self.source_list}

    def set_provenance(self, document: dict) -> None:
        self.origin = document.get("origin") or Origin.UNKNOWN
        self.ai_tool = document.get("ai_tool") or ""
        from monographs.vocabulary import format_sources

        self.sources = format_sources(document.get("sources") or [])
