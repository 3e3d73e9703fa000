"""Small presentation helpers for the public templates."""

from django import template

from monographs import vocabulary

register = template.Library()


@register.filter
def origin_label(provenance) -> str:
    """The reader-facing name of a provenance dict's origin ("AI-generated", …)."""
    return vocabulary.origin_label((provenance or {}).get("origin", ""))


@register.filter
def change_label(status: str) -> str:
    """How the change log names a section's status."""
    return vocabulary.change_label(status)
