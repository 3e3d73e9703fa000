"""Every public page is semantic HTML a screen reader can navigate (checked by parsing it)."""

import itertools

import pytest
from django.conf import settings
from django.urls import reverse

from monographs.models import Origin, SectionKind
from tests.factories import FAQItemFactory, SectionFactory, monograph, publish
from tests.monographs.public.publicsite import edit_and_publish, outline, published

LANDMARKS = ("header", "nav", "main", "footer")


@pytest.fixture
def site(contributor, reviewer):
    """A small published site with a monograph whose markdown has its own headings."""
    drug = monograph(name="Cyanocobalamin", other_names="Vitamin B12", sections=(), faqs=0)
    SectionFactory(
        drug=drug,
        kind=SectionKind.DOSAGE,
        body="# Adults\n\ntext\n\n##### Children\n\ntext\n\n## Elderly\n\ntext",
        origin=Origin.AI_GENERATED,
        sources="NHS | https://www.nhs.uk/",
    )
    SectionFactory(drug=drug, kind=SectionKind.USAGE, body="### Overview\n\ntext")
    SectionFactory(drug=drug, kind=SectionKind.OTHER, heading="Usage", body="# Usage\n\nsame name")
    FAQItemFactory(drug=drug, answer="## Short answer\n\nYes.")
    publish(drug, contributor=contributor, reviewer=reviewer)
    edit_and_publish(drug, "# Changed\n\nnow", contributor=contributor, reviewer=reviewer)
    published("Piracetam", contributor=contributor, reviewer=reviewer, drug_class="Racetams")
    return drug


PAGES = [
    "monographs:home",
    "monographs:drug_index",
    "monographs:class_list",
    ("monographs:class_detail", {"slug": "vitamins"}),
    ("monographs:drug_detail", {"slug": "cyanocobalamin"}),
    ("monographs:drug_changes", {"slug": "cyanocobalamin"}),
    "monographs:editorial_policy",
]


def page_url(page) -> str:
    if isinstance(page, tuple):
        return reverse(page[0], kwargs=page[1])
    return reverse(page)


@pytest.mark.django_db
@pytest.mark.parametrize("page", PAGES, ids=lambda page: page_url(page))
class HtmlQualityTests:
    def test_exactly_one_h1(self, client, site, page):
        """Each page has one main heading."""
        levels = [level for level, _text in outline(client.get(page_url(page))).headings]
        assert levels.count(1) == 1
        assert levels[0] == 1

    def test_heading_levels_never_skip(self, client, site, page):
        """Going down, each heading is at most one level below the one before it."""
        levels = [level for level, _text in outline(client.get(page_url(page))).headings]
        for previous, current in itertools.pairwise(levels):
            assert current <= previous + 1, levels

    def test_language_landmarks_and_skip_link(self, client, site, page):
        """The page declares its language, has the landmarks, and the skip link lands."""
        parsed = outline(client.get(page_url(page)))
        html_tag = next(attributes for tag, attributes in parsed.tags if tag == "html")
        assert html_tag["lang"] == "en"
        for landmark in LANDMARKS:
            assert parsed.count(landmark) >= 1, landmark
        assert parsed.count("main") == 1
        first_link = next(attributes for tag, attributes in parsed.tags if tag == "a")
        assert first_link["href"] == "#main"
        assert "main" in parsed.ids

    def test_ids_are_unique(self, client, site, page):
        """No id appears twice, so anchors and labels point at one element."""
        ids = outline(client.get(page_url(page))).ids
        assert len(ids) == len(set(ids))

    def test_in_page_links_have_targets(self, client, site, page):
        """Every #fragment link (skip link, table of contents) points at an existing id."""
        parsed = outline(client.get(page_url(page)))
        fragments = [
            attributes["href"][1:]
            for tag, attributes in parsed.tags
            if tag == "a" and attributes.get("href", "").startswith("#")
        ]
        assert set(fragments) <= set(parsed.ids)

    def test_form_fields_are_labelled_and_navs_distinct(self, client, site, page):
        """Inputs have labels; several navigation landmarks have distinct names."""
        parsed = outline(client.get(page_url(page)))
        labels = {attributes.get("for") for tag, attributes in parsed.tags if tag == "label"}
        for tag, attributes in parsed.tags:
            if tag == "input" and attributes.get("type") != "hidden":
                assert attributes.get("id") in labels or attributes.get("aria-label")
        nav_names = [
            attributes.get("aria-label") or attributes.get("aria-labelledby")
            for tag, attributes in parsed.tags
            if tag in {"nav", "form"} and (tag == "nav" or attributes.get("role") == "search")
        ]
        assert None not in nav_names
        assert len(nav_names) == len(set(nav_names))

    def test_no_third_party_assets(self, client, site, page):
        """Scripts, styles and images come from this site only."""
        parsed = outline(client.get(page_url(page)))
        for tag, attributes in parsed.tags:
            if tag in {"script", "img", "iframe"} and "src" in attributes:
                assert attributes["src"].startswith("/"), attributes
            if tag == "link" and attributes.get("rel") == "canonical":
                assert attributes["href"].startswith(settings.SITE_URL + "/"), attributes
            elif tag == "link":
                assert attributes["href"].startswith(("/", "data:")), attributes
            if tag == "script" and "src" not in attributes:
                assert attributes.get("type") == "application/ld+json", "inline script"
