"""Small presentation helpers for the public templates."""

from django import template
from django.utils.http import urlencode

from monographs import vocabulary
from monographs.public import chrome

register = template.Library()


@register.filter
def origin_label(provenance) -> str:
    """The reader-facing name of a provenance dict's origin ("AI-generated", …)."""
    return vocabulary.origin_label((provenance or {}).get("origin", ""))


@register.filter
def change_label(status: str) -> str:
    """How the change log names a section's status."""
    return vocabulary.change_label(status)


@register.simple_tag(takes_context=True)
def page_meta(context, *, title, description, path=None, kind="website", **params):
    """Description, canonical link, OpenGraph and Twitter card of this page (chrome.page_meta);
    other keyword arguments are the query parameters of its canonical address, if not empty."""
    if path is None:
        path = context["request"].path
    query = urlencode({name: value for name, value in params.items() if value})
    if query:
        path = f"{path}?{query}"
    return chrome.page_meta(title=title, description=description, path=path, kind=kind)


@register.simple_tag
def breadcrumbs(*trail):
    """Breadcrumbs from alternating names and paths, this page last, with their JSON-LD."""
    pairs = [(str(trail[index]), str(trail[index + 1])) for index in range(0, len(trail), 2)]
    return chrome.breadcrumbs(pairs)
