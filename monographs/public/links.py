"""Links between public pages: monograph and class URLs, and the redirect from a retired slug."""

import functools
import re
import string

from django.http import Http404, HttpResponsePermanentRedirect
from django.urls import get_script_prefix, reverse
from django.utils.text import slugify

from monographs.models import RetiredSlug

_SLUG_PLACEHOLDER = "medref-slug-placeholder"
_SLUG = re.compile(r"[-a-zA-Z0-9_]+")


@functools.cache
def _slug_url_parts(name: str, script_prefix: str) -> tuple[str, str]:
    before, _placeholder, after = reverse(name, kwargs={"slug": _SLUG_PLACEHOLDER}).partition(
        _SLUG_PLACEHOLDER
    )
    return before, after


def slug_urls(name: str):
    """reverse() for a route taking one slug, without its cost on pages listing thousands."""
    before, after = _slug_url_parts(name, get_script_prefix())

    def url(slug: str) -> str:
        if not _SLUG.fullmatch(slug):
            return reverse(name, kwargs={"slug": slug})
        return f"{before}{slug}{after}"

    return url


def slug_url(name: str, slug: str) -> str:
    return slug_urls(name)(slug)


def drug_url(slug: str) -> str:
    """The public page of the monograph published at `slug`."""
    return slug_url("monographs:drug_detail", slug)


def drug_links(rows) -> list[dict]:
    """Links to monographs from (slug, public name) pairs."""
    url = slug_urls("monographs:drug_detail")
    return [{"url": url(slug), "name": name or slug} for slug, name in rows]


def drug_link(slug: str, name: str) -> dict:
    return drug_links([(slug, name)])[0]


LETTERS = list(string.ascii_uppercase)
OTHER_INITIAL = "#"


def letter_query(letter: str) -> str:
    """The `?letter=` value of an A-Z page (`#`, every other initial, is `0`)."""
    return "0" if letter == OTHER_INITIAL else letter.lower()


def letter_url(letter: str) -> str:
    """The A-Z page of `letter`."""
    return f"{reverse('monographs:drug_index')}?letter={letter_query(letter)}"


def letter_label(letter: str) -> str:
    """How breadcrumbs and the letter links name an A-Z page."""
    return "Other" if letter == OTHER_INITIAL else letter


def name_letter(name: str) -> str:
    """The A-Z letter a published name is listed under (as `name_initial()` files it)."""
    initial = (name or "")[:1].upper()
    return initial if initial in LETTERS else OTHER_INITIAL


def class_slug(drug_class: str) -> str:
    return slugify(drug_class or "")


def class_url(drug_class: str) -> str:
    slug = class_slug(drug_class)
    return reverse("monographs:class_detail", kwargs={"slug": slug}) if slug else ""


def redirect_retired_slug(request, route: str, slug: str):
    """A permanent redirect from a monograph's earlier published slug; 404 for any other."""
    target = RetiredSlug.objects.current_slug(slug)
    if target is None:
        raise Http404("No published monograph by that name.")
    url = slug_url(route, target)
    query = request.META.get("QUERY_STRING")
    return HttpResponsePermanentRedirect(f"{url}?{query}" if query else url)
