"""Helpers for driving the public search page and reading its results."""

import re

from django.db import connection
from django.urls import reverse

from monographs.models import SectionKind
from tests.factories import FAQItemFactory, SectionFactory, monograph, publish

HIT = re.compile(r'<h3><a href="(?P<url>[^"]+)">(?P<name>[^<]+)</a></h3>')
SNIPPET = re.compile(r'<p class="snippet">(.*?)</p>', re.DOTALL)


def published(name, *, contributor, reviewer, body="", faq=None, **fields):
    """A monograph with one usage section (and optionally an FAQ), through submit + approve."""
    drug = monograph(name=name, sections=(), faqs=0, **fields)
    SectionFactory(drug=drug, kind=SectionKind.USAGE, body=body or f"Information about {name}.")
    if faq:
        FAQItemFactory(drug=drug, question=faq[0], answer=faq[1])
    return publish(drug, contributor=contributor, reviewer=reviewer)


def search(client, query, **params):
    response = client.get(reverse("monographs:search"), {"q": query, **params})
    assert response.status_code == 200
    return response


def hit_names(response) -> list[str]:
    return [match["name"] for match in HIT.finditer(response.content.decode())]


def queries_per_search() -> int:
    """Count + ranked page; SQLite fetches its FTS5 snippets in a third query."""
    return 2 if connection.vendor == "postgresql" else 3
