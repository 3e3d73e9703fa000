"""What the public monograph page, its JSON-LD and the API say about each part's review."""

import re
from datetime import datetime, time, timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse
from django.utils import timezone

from monographs.models import Origin, ReviewedPart, Revision, SectionKind
from reviews.services import review_submit
from tests.factories import ReviewerFactory, SectionFactory, monograph, publish
from tests.monographs.public.publicsite import jsonld, page_text, published

HOSTILE = "</script><script>alert(1)</script>"
TRAINED = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
COMPOSITE = "http://cv.iptc.org/newscodes/digitalsourcetype/compositeWithTrainedAlgorithmicMedia"


def drug_url(drug) -> str:
    return reverse("monographs:drug_detail", kwargs={"slug": drug.slug})


def api_url(drug) -> str:
    return reverse("monographs:api_drug", args=[drug.slug])


def section_html(html: str, anchor: str) -> str:
    """The HTML of the section headed `anchor`, up to the end of its section element."""
    start = html.index(f'<h2 id="{anchor}">')
    return html[start : html.index("</section>", start)]


def reviews_by_title(drug) -> dict:
    return {part.title: part for part in drug.published_revision.reviewed_parts.all()}


def review_box(html: str) -> str:
    start = html.index('<div class="review-status')
    return html[start : html.index("</header>", start)]


def medical_page(response) -> dict:
    return next(n for n in jsonld(response)["@graph"] if n["@type"] == "MedicalWebPage")


def site_midnight_after(day) -> datetime:
    """00:00 site time of the day after `day`: when a review due on `day` becomes overdue."""
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


@pytest.fixture
def second_reviewer(db):
    return ReviewerFactory(username="sam", first_name="Sam", last_name="Second")


@pytest.fixture
def drug(contributor, reviewer, second_reviewer):
    """Usage (standard risk, one reviewer) and dosage (high risk, two reviewers), one FAQ."""
    drug = monograph(name="Cyanocobalamin", sections=(SectionKind.USAGE, SectionKind.DOSAGE))
    return publish(
        drug, contributor=contributor, reviewer=reviewer, second_reviewer=second_reviewer
    )


@pytest.fixture
def dosage_due(drug):
    """The day the dosage section's review is due (the first part to fall due)."""
    due = reviews_by_title(drug)["Dosage"].next_review_due
    assert due == drug.published_revision.next_review_due
    return due


@pytest.mark.django_db
class PartReviewLineTests:
    def test_each_section_names_its_own_reviewers_and_dates(
        self, client, drug, reviewer, second_reviewer
    ):
        """Usage names its one reviewer, dosage both of its reviewers, each with its dates; for
        AI or crowd text the disclosure stays and names who took editorial responsibility."""
        html = page_text(client.get(drug_url(drug)))
        parts = reviews_by_title(drug)
        first, second = f"{reviewer.get_full_name()}, MD", f"{second_reviewer.get_full_name()}, MD"
        usage, dosage = section_html(html, "usage"), section_html(html, "dosage")
        page = reverse("reviewer_page", args=[reviewer.reviewer_profile.slug])
        assert (
            "AI-generated or crowd-sourced, reviewed and approved by "
            f'<strong><a href="{page}">{first}</a></strong>, '
            "who takes editorial responsibility, on"
        ) in usage
        assert second not in usage
        responsibility = re.search(r"reviewed and approved by (.*?), who take editorial", dosage)
        assert responsibility is not None
        assert " and " in responsibility.group(1)
        assert first in responsibility.group(1)
        assert second in responsibility.group(1)
        for section, title in ((usage, "Usage"), (dosage, "Dosage")):
            due = parts[title].next_review_due
            assert f'next review due <time datetime="{due:%Y-%m-%d}">' in section

    def test_each_faq_item_shows_its_review(self, client, drug, reviewer):
        """An FAQ answer carries its own review line beside its provenance badge."""
        html = page_text(client.get(drug_url(drug)))
        faq = html[html.index('<details class="faq"') : html.index("</details>")]
        page = reverse("reviewer_page", args=[reviewer.reviewer_profile.slug])
        name = f"{reviewer.get_full_name()}, MD"
        assert (
            '<p class="part-review">AI-generated or crowd-sourced, reviewed and approved by '
            f'<strong><a href="{page}">{name}</a></strong>, who takes editorial responsibility'
        ) in faq

    def test_professional_text_and_unsigned_approvals_say_reviewed_by(
        self, client, contributor, reviewer
    ):
        """Text written by a professional is "reviewed by"; so is AI text whose approval was
        given before approvals were signed: nobody is said to take responsibility unsigned."""
        drug = monograph(name="Plainamine", sections=(SectionKind.USAGE, SectionKind.DOSAGE))
        drug.sections.filter(kind=SectionKind.USAGE).update(origin=Origin.PROFESSIONAL)
        drug = publish(drug, contributor=contributor, reviewer=reviewer)
        html = page_text(client.get(drug_url(drug)))
        name = f"{reviewer.get_full_name()}, MD"
        page = reverse("reviewer_page", args=[reviewer.reviewer_profile.slug])
        assert f'Reviewed by <strong><a href="{page}">{name}</a></strong> on' in section_html(
            html, "usage"
        )
        assert "editorial responsibility" in section_html(html, "dosage")

        ReviewedPart.objects.filter(revision=drug.published_revision).update(approvals_signed=False)
        drug.published_revision.assemble_article()
        drug.published_revision.save(update_fields=["article_html"])
        cache.clear()
        html = page_text(client.get(drug_url(drug)))
        assert "editorial responsibility" not in html
        assert "Reviewed by <strong>" in section_html(html, "dosage")

    def test_summary_names_every_reviewer_of_the_version(
        self, client, drug, reviewer, second_reviewer
    ):
        """The review box at the top names everyone who reviewed a part of this version."""
        html = page_text(client.get(drug_url(drug)))
        box = review_box(html)
        assert reviewer.get_full_name() in box
        assert second_reviewer.get_full_name() in box

    def test_preview_of_an_unapproved_revision_has_no_review_lines(
        self, client, contributor, editor
    ):
        """A draft preview shows the banner and no review line, since nothing is reviewed yet."""
        draft = monograph(name="Drafty")
        review = review_submit(drug=draft, by=contributor)
        client.force_login(editor)
        response = client.get(reverse("admin:reviews_review_preview", args=[review.pk]))
        assert response.status_code == 200
        html = page_text(response)
        assert "Draft — not reviewed." in html
        assert 'class="part-review"' not in html


@pytest.mark.django_db
class PartJsonLdTests:
    def test_sections_are_page_elements_with_their_reviews(
        self, client, contributor, reviewer, second_reviewer
    ):
        """hasPart lists each section with its anchor, review date, reviewers and AI origin."""
        drug = monograph(name="Sourced", sections=(), faqs=0)
        SectionFactory(drug=drug, kind=SectionKind.USAGE, origin=Origin.AI_GENERATED)
        SectionFactory(drug=drug, kind=SectionKind.DOSAGE, origin=Origin.AI_EDITED)
        SectionFactory(drug=drug, kind=SectionKind.SIDE_EFFECTS, origin=Origin.AI_OR_CROWD)
        SectionFactory(drug=drug, kind=SectionKind.OTHER, origin=Origin.PROFESSIONAL)
        publish(drug, contributor=contributor, reviewer=reviewer, second_reviewer=second_reviewer)
        page = medical_page(client.get(drug_url(drug)))
        parts = reviews_by_title(drug)
        elements = page["hasPart"]
        assert [element["@type"] for element in elements] == ["WebPageElement"] * 4
        assert [element["name"] for element in elements] == [
            "Usage",
            "Dosage",
            "Side effects",
            "Other",
        ]
        assert elements[0]["url"] == page["url"] + "#usage"
        for element in elements:
            record = parts[element["name"]]
            reviewed_on = timezone.localdate(record.reviewed_at).isoformat()
            assert element["lastReviewed"] == reviewed_on
            assert element["reviewedBy"] == [
                {"@type": "Person", "name": credit} for credit in record.credit_names
            ]
        assert len(elements[1]["reviewedBy"]) == 2  # dosage: two reviewers
        assert [element.get("digitalSourceType") for element in elements] == [
            TRAINED,
            COMPOSITE,
            COMPOSITE,
            None,
        ]

    def test_page_names_every_reviewer_and_the_latest_review(
        self, client, drug, reviewer, second_reviewer
    ):
        """The page's reviewedBy lists each reviewer once; lastReviewed is the latest review."""
        page = medical_page(client.get(drug_url(drug)))
        names = [person["name"] for person in page["reviewedBy"]]
        assert sorted(names) == sorted(
            [f"{reviewer.get_full_name()}, MD", f"{second_reviewer.get_full_name()}, MD"]
        )
        latest = max(part.reviewed_at for part in reviews_by_title(drug).values())
        assert page["lastReviewed"] == timezone.localdate(latest).isoformat()
        assert page["creativeWorkStatus"] == "Published"

    def test_overdue_review_is_stated_in_the_jsonld(self, client, drug, dosage_due):
        """Once a part is overdue the page's creativeWorkStatus says since when."""
        with time_machine.travel(site_midnight_after(dosage_due), tick=False):
            page = medical_page(client.get(drug_url(drug)))
        assert page["creativeWorkStatus"] == f"Review overdue since {dosage_due.isoformat()}"

    def test_content_cannot_forge_the_status(self, client, contributor, reviewer):
        """A section whose text is the status marker leaves the page's status untouched."""
        drug = monograph(name="Forger", sections=(), faqs=0)
        SectionFactory(drug=drug, heading="<!--medref:status-->", kind=SectionKind.OTHER)
        publish(drug, contributor=contributor, reviewer=reviewer)
        response = client.get(drug_url(drug))
        assert medical_page(response)["creativeWorkStatus"] == "Published"
        assert "<!--medref:status-->" not in page_text(response).split("</script>")[1]


@pytest.mark.django_db
class OverdueReviewTests:
    def test_on_the_due_day_the_review_is_not_yet_overdue(self, client, drug, dosage_due):
        """On the day a review is due, the box is still the green one and no part is flagged."""
        last_moment = site_midnight_after(dosage_due) - timedelta(seconds=1)
        with time_machine.travel(last_moment, tick=False):
            html = page_text(client.get(drug_url(drug)))
        assert '<div class="review-status" id="reviewed">' in html
        assert "Medically reviewed by" in html
        assert "review-overdue" not in html
        assert "overdue-notice" not in html

    def test_after_the_due_day_the_box_says_overdue_and_names_the_parts(
        self, client, drug, dosage_due
    ):
        """From midnight after the due day the box says since when, and which parts."""
        with time_machine.travel(site_midnight_after(dosage_due), tick=False):
            html = page_text(client.get(drug_url(drug)))
        box = review_box(html)
        assert 'class="review-status review-overdue"' in box
        assert f'Review overdue since <time datetime="{dosage_due:%Y-%m-%d}">' in box
        assert '<a href="#dosage">Dosage</a>' in box
        assert '<a href="#usage">' not in box  # usage is reviewed less often: not yet due
        assert "Medically reviewed by" not in html

    def test_each_overdue_part_carries_its_own_notice(self, client, drug, dosage_due):
        """The overdue section shows a notice; a section not yet due shows none."""
        with time_machine.travel(site_midnight_after(dosage_due), tick=False):
            html = page_text(client.get(drug_url(drug)))
        assert 'class="overdue-notice"' in section_html(html, "dosage")
        assert 'class="overdue-notice"' not in section_html(html, "usage")

    def test_cached_page_is_not_served_once_a_part_falls_due(
        self, client, drug, dosage_due, settings
    ):
        """A page cached (for years) before the due moment is not served after it."""
        settings.MEDREF_PAGE_CACHE_SECONDS = 10**9
        with time_machine.travel(site_midnight_after(dosage_due) - timedelta(hours=1)):
            before = client.get(drug_url(drug))
            assert "review-overdue" not in page_text(before)
            assert client.get(drug_url(drug))["ETag"] == before["ETag"]  # served from the cache
        with time_machine.travel(site_midnight_after(dosage_due), tick=False):
            after = client.get(drug_url(drug), headers={"if-none-match": before["ETag"]})
        assert after.status_code == 200
        assert after["ETag"] != before["ETag"]
        assert "review-overdue" in page_text(after)

    def test_overdue_page_has_a_later_last_modified(self, client, drug, dosage_due):
        """A client asking only If-Modified-Since gets the overdue page, not a 304."""
        before = client.get(drug_url(drug))
        with time_machine.travel(site_midnight_after(dosage_due), tick=False):
            after = client.get(
                drug_url(drug), headers={"if-modified-since": before["Last-Modified"]}
            )
        assert after.status_code == 200
        assert "review-overdue" in page_text(after)

    def test_stored_articles_of_the_old_format_are_assembled_again(self, client, drug):
        """An article stored with the facts before per-part reviews is served with them."""
        revision = drug.published_revision
        old = revision.article_html.replace("<!--medref:facts:v2 ", "<!--medref:facts ", 1)
        Revision.objects.filter(pk=revision.pk).update(article_html=old)
        html = page_text(client.get(drug_url(drug)))
        assert 'class="part-review"' in html


@pytest.mark.django_db
class PartReviewApiTests:
    def test_each_section_and_faq_has_its_review(self, client, drug, reviewer, second_reviewer):
        """The API gives each section and FAQ item who reviewed it, when, and when next."""
        data = client.get(api_url(drug)).json()
        parts = reviews_by_title(drug)
        dosage = next(s for s in data["sections"] if s["kind"] == SectionKind.DOSAGE)
        record = parts["Dosage"]
        assert dosage["review"] == {
            "reviewed_at": DjangoJSONEncoder().default(record.reviewed_at),
            "reviewed_by": record.credit_names,
            "next_review_due": record.next_review_due.isoformat(),
            "overdue": False,
            "editorial_responsibility_taken": True,
        }
        assert len(record.credits) == 2
        assert data["faqs"][0]["review"]["reviewed_by"] == [f"{reviewer.get_full_name()}, MD"]
        assert sorted(data["reviewed_by"]) == sorted(
            [f"{reviewer.get_full_name()}, MD", f"{second_reviewer.get_full_name()}, MD"]
        )
        assert data["review_overdue_since"] is None

    def test_overdue_parts_and_since_when(self, client, drug, dosage_due, settings):
        """Once dosage falls due the API says so, even if it cached the detail before."""
        settings.MEDREF_PAGE_CACHE_SECONDS = 10**9
        assert client.get(api_url(drug)).json()["review_overdue_since"] is None
        with time_machine.travel(site_midnight_after(dosage_due), tick=False):
            data = client.get(api_url(drug)).json()
        assert data["review_overdue_since"] == dosage_due.isoformat()
        overdue = {section["kind"]: section["review"]["overdue"] for section in data["sections"]}
        assert overdue == {SectionKind.USAGE: False, SectionKind.DOSAGE: True}


@pytest.mark.django_db
class HostileReviewerTests:
    @pytest.fixture
    def hostile(self, contributor, second_reviewer):
        reviewer = ReviewerFactory(username="mallory", first_name=HOSTILE, last_name="Smith")
        drug = monograph(name="Hostile", sections=(SectionKind.USAGE, SectionKind.DOSAGE))
        return publish(
            drug, contributor=contributor, reviewer=reviewer, second_reviewer=second_reviewer
        )

    def test_a_reviewer_name_stays_text_in_the_review_lines(self, client, hostile):
        """A reviewer named like a script tag is shown as text, never run."""
        html = page_text(client.get(drug_url(hostile)))
        assert "<script>alert(1)" not in html
        assert "&lt;script&gt;alert(1)" in section_html(html, "usage")
        assert html.count("<script") == 3  # two JSON-LD blocks (page, breadcrumbs) and site.js

    def test_a_reviewer_name_stays_data_in_the_jsonld(self, client, hostile):
        """The JSON-LD keeps the name as data: it parses, and has no raw angle brackets."""
        response = client.get(drug_url(hostile))
        page = medical_page(response)
        assert f"{HOSTILE} Smith, MD" in [person["name"] for person in page["reviewedBy"]]
        assert page["hasPart"][0]["reviewedBy"] == [
            {"@type": "Person", "name": f"{HOSTILE} Smith, MD"}
        ]
        raw = page_text(response).split('<script type="application/ld+json">')[1]
        raw = raw.split("</script>")[0]
        assert not re.search(r"[<>&]", raw)

    def test_a_hostile_title_stays_text_in_the_overdue_box(
        self, client, contributor, reviewer, second_reviewer
    ):
        """An overdue part's title is escaped where the box and its notice name it."""
        drug = monograph(name="Titled", sections=(), faqs=0)
        SectionFactory(drug=drug, kind=SectionKind.DOSAGE, heading=HOSTILE)
        publish(drug, contributor=contributor, reviewer=reviewer, second_reviewer=second_reviewer)
        due = drug.published_revision.next_review_due
        with time_machine.travel(site_midnight_after(due), tick=False):
            html = page_text(client.get(drug_url(drug)))
        assert "review-overdue" in html
        assert "<script>alert(1)" not in html


@pytest.mark.django_db
class PartReviewQueryCountTests:
    @pytest.fixture(autouse=True)
    def _uncached(self, settings):
        settings.MEDREF_PAGE_CACHE_SECONDS = 0

    @pytest.mark.parametrize("sections", [1, 20])
    @pytest.mark.parametrize("overdue", [False, True], ids=["on time", "overdue"])
    def test_page_queries_do_not_grow_with_sections(
        self, client, contributor, reviewer, sections, overdue, django_assert_num_queries
    ):
        """Twenty reviewed sections cost what one does, on time and overdue alike."""
        drug = published(
            "Sectioned",
            contributor=contributor,
            reviewer=reviewer,
            sections=[SectionKind.OTHER] * sections,
            faqs=sections,
        )
        when = timezone.now()
        if overdue:
            when = site_midnight_after(drug.published_revision.next_review_due)
        with time_machine.travel(when, tick=False), django_assert_num_queries(2):
            response = client.get(drug_url(drug))
        html = page_text(response)
        assert html.count('class="part-review"') == 2 * sections
        assert html.count('class="overdue-notice"') == (2 * sections + 1 if overdue else 0)
