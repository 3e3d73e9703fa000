"""Helpers for driving the public search page and reading its results."""

import re

from django.test import TestCase
from django.urls import reverse

from monographs.models import SectionKind
from tests.factories import FAQItemFactory, SectionFactory, monograph, publish

HIT = re.compile(r'<h3><a href="(?P<url>[^"]+)">(?P<name>[^<]+)</a></h3>')
SNIPPET = re.compile(r'<p class="snippet">(.*?)</p>', re.DOTALL)


def published(name, *, contributor, reviewer, body="", faq=None, sections=None, **fields):
    """A monograph with one usage section (or `sections`, kind to body) and optionally an FAQ,
    through submit + approve, committed (so cached results make way for it, as after a real
    approval)."""
    drug = monograph(name=name, sections=(), faqs=0, **fields)
    sections = sections or {SectionKind.USAGE: body or f"Information about {name}."}
    for position, (kind, text) in enumerate(sections.items()):
        SectionFactory(drug=drug, kind=kind, body=text, position=position)
    if faq:
        FAQItemFactory(drug=drug, question=faq[0], answer=faq[1])
    with TestCase.captureOnCommitCallbacks(execute=True):
        return publish(drug, contributor=contributor, reviewer=reviewer)


def search(client, query, **params):
    response = client.get(reverse("monographs:search"), {"q": query, **params})
    assert response.status_code == 200
    return response


def hit_names(response) -> list[str]:
    return [match["name"] for match in HIT.finditer(response.content.decode())]


def queries_per_search() -> int:
    """Count, then the ranked page with its documents (snippets are cut in Python)."""
    return 2
