"""Small presentation helpers for the public templates."""

from django import template

from monographs.article import origin_label as _origin_label

register = template.Library()

CHANGE_LABELS = {"added": "New", "changed": "Changed", "removed": "Removed"}


@register.filter
def origin_label(provenance) -> str:
    """The reader-facing name of a provenance dict's origin ("AI-generated", …)."""
    return _origin_label((provenance or {}).get("origin", ""))


@register.filter
def change_label(status: str) -> str:
    """How the change log names a section's status."""
    return CHANGE_LABELS.get(status, "")
