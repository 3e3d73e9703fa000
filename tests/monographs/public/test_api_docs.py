"""The API's page for people at /api/: endpoints, limits and real examples, in the site chrome."""

import html
import itertools
import json
import re

import pytest
from django.conf import settings

from monographs.models import SectionKind
from tests.factories import SectionFactory, monograph, publish
from tests.monographs.public.publicsite import outline, page_text

DOCS_URL = "/api/"
HOSTILE = "<script>alert(1)</script>"
PRE = re.compile(r"<pre><code>(.*?)</code></pre>", re.DOTALL)


def code_blocks(response) -> list[str]:
    return [html.unescape(block) for block in PRE.findall(page_text(response))]


@pytest.fixture
def combination(contributor, reviewer):
    """A published combination whose one component is still a draft."""
    alpha = publish(
        monograph(name="Alphamine", drug_class="Vitamins", faqs=1),
        contributor=contributor,
        reviewer=reviewer,
    )
    draft = monograph(name="Betamine draft", slug="betamine-draft", faqs=0)
    combo = monograph(name="Alphamine + Betamine", faqs=0)
    combo.components.add(alpha, draft)
    publish(combo, contributor=contributor, reviewer=reviewer)
    return alpha


@pytest.mark.django_db
class ApiDocsPageTests:
    def test_page_lists_every_described_endpoint_and_its_parameters(self, client, combination):
        """Each path and parameter of the OpenAPI description is on the page."""
        response = client.get(DOCS_URL)
        assert response.status_code == 200
        text = page_text(response)
        document = client.get("/api/openapi.json").json()
        for path, methods in document["paths"].items():
            assert f"GET {path}" in text
            for parameter in methods["get"].get("parameters", []):
                assert f"<code>{parameter['name']}</code>" in text
        assert 'href="/api/openapi.json"' in text
        assert "50 monographs a page" in text
        assert "120 a minute" in text

    def test_examples_are_the_api_s_real_answers(self, client, combination):
        """Each example request's shown answer is what the API gives for it now (shortened)."""
        blocks = code_blocks(client.get(DOCS_URL))
        requests, answers = blocks[0::2], [json.loads(block) for block in blocks[1::2]]
        paths = [request.split(settings.SITE_URL, 1)[1].rstrip("'") for request in requests]
        assert paths == [
            "/api/drugs/?class=vitamins",
            "/api/drugs/alphamine/",
            "/api/drugs/?updated_since=yesterday",
            "/api/drugs/no-such-drug/",
        ]
        for path, answer in zip(paths, answers, strict=True):
            real = client.get(path).json()
            if "sections" in real:
                real["sections"], real["faqs"] = real["sections"][:1], real["faqs"][:1]
            if "results" in real:
                real["results"] = real["results"][:2]
            assert answer == real

    def test_examples_never_show_an_unpublished_monograph(self, client, combination):
        """No example names a draft's slug or links to it."""
        text = page_text(client.get(DOCS_URL))
        assert "betamine-draft" not in text

    def test_content_in_examples_is_escaped(self, client, contributor, reviewer):
        """Markup in a monograph's text is shown as text in the examples, never run."""
        drug = monograph(name="Alphamine", sections=(), faqs=0)
        SectionFactory(drug=drug, kind=SectionKind.USAGE, body=f"Take it. {HOSTILE}")
        publish(drug, contributor=contributor, reviewer=reviewer)
        text = page_text(client.get(DOCS_URL))
        assert HOSTILE not in text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text  # the markdown, as text
        assert text.count("<script") == 1  # the site's own script file

    def test_without_published_monographs_it_says_so(self, client, db):
        """An empty site explains that examples come with the first publication."""
        response = client.get(DOCS_URL)
        assert response.status_code == 200
        assert "No monograph is published yet" in page_text(response)

    def test_page_is_semantic_html_in_the_site_chrome(self, client, combination):
        """One h1, no skipped heading level, unique ids, landmarks and a meta description."""
        response = client.get(DOCS_URL)
        parsed = outline(response)
        levels = [level for level, _text in parsed.headings]
        assert levels.count(1) == 1
        for previous, current in itertools.pairwise(levels):
            assert current <= previous + 1, levels
        assert len(parsed.ids) == len(set(parsed.ids))
        for landmark in ("header", "nav", "main", "footer"):
            assert parsed.count(landmark) >= 1
        assert any(
            tag == "meta" and attributes.get("name") == "description"
            for tag, attributes in parsed.tags
        )

    def test_page_is_cached_and_costs_no_query_when_cached(
        self, client, combination, django_assert_num_queries
    ):
        """A second visit is a cache hit (no query) and revalidates to a 304."""
        first = client.get(DOCS_URL)
        with django_assert_num_queries(0):
            again = client.get(DOCS_URL, headers={"if-none-match": first["ETag"]})
        assert again.status_code == 304
