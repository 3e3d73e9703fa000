"""Each reviewer's public page, and the monograph review lines that link to it."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from monographs.models import SectionKind
from reviews.services import drug_unpublish, review_approve, review_submit
from tests.factories import (
    InterestDeclarationFactory,
    ReviewerFactory,
    monograph,
    publish,
    signed,
)
from tests.pagechecks import assert_page_inert


def page_url(user) -> str:
    return reverse("reviewer_page", args=[user.reviewer_profile.slug])


@pytest.fixture
def pharmacist(db):
    return ReviewerFactory(
        username="lena-login",
        first_name="Lena",
        last_name="Moritz",
        email="lena.private@example.com",
        profile__credential="PharmD",
        profile__profession="pharmacist",
        profile__registering_body="GPhC",
        profile__registration_number="REG-5566778",
    )


def usage_only(name: str, **fields):
    return monograph(name=name, sections=(SectionKind.USAGE,), **fields)


@pytest.mark.django_db
class ReviewerPageTests:
    def test_shows_name_credential_profession_and_verification(self, client, pharmacist):
        """The page names the reviewer with letters and profession, and when it was verified."""
        response = client.get(page_url(pharmacist))
        assert response.status_code == 200
        html = response.text
        assert "<h1>Lena Moritz, PharmD</h1>" in html
        assert "Pharmacist" in html
        verified_on = pharmacist.reviewer_profile.verified_on
        assert f'Credential verified on <time datetime="{verified_on:%Y-%m-%d}">' in html
        assert '<meta name="description" content="Lena Moritz, PharmD: medical reviewer' in html
        assert 'class="site-search"' in html  # the site's chrome, like every public page

    def test_never_shows_private_details(self, client, pharmacist, contributor):
        """Registration number, registering body, e-mail and login stay off the page."""
        publish(usage_only("Privatol"), contributor=contributor, reviewer=pharmacist)
        html = client.get(page_url(pharmacist)).text
        for private in ["REG-5566778", "GPhC", "lena.private@example.com", "lena-login"]:
            assert private not in html

    @pytest.mark.parametrize(
        "profile", [{"unverified": True}, {"expires_on": date(2020, 1, 1)}], ids=["new", "expired"]
    )
    def test_says_when_not_currently_verified(self, client, profile):
        """An unverified or expired credential is said to be not currently verified."""
        reviewer = ReviewerFactory(**{f"profile__{key}": value for key, value in profile.items()})
        html = client.get(page_url(reviewer)).text
        assert "not currently verified" in html
        assert "Credential verified on" not in html

    def test_lists_declared_interests_with_dates(self, client, pharmacist, contributor):
        """Declarations show what they concern and when, ended ones with their end."""
        drug = publish(usage_only("Interestol"), contributor=contributor, reviewer=pharmacist)
        InterestDeclarationFactory(
            reviewer=pharmacist,
            description="Advisory board",
            drugs=[drug],
            drug_classes="Statins",
            manufacturers="Acme Pharma",
            starts_on=date(2025, 2, 1),
            ends_on=date(2025, 12, 31),
        )
        html = client.get(page_url(pharmacist)).text
        assert "Advisory board (concerning " in html
        assert f'<a href="{drug.published_revision.page_url()}">Interestol</a>' in html
        assert "Statins" in html
        assert "Acme Pharma" in html
        assert '<time datetime="2025-02-01">1 February 2025</time>' in html
        assert '<time datetime="2025-12-31">31 December 2025</time>' in html

    def test_unpublished_drugs_in_a_declaration_are_not_named(self, client, pharmacist):
        """A declaration's unpublished drug stays as unseen as the drug itself."""
        secret = usage_only("Secretamine")
        InterestDeclarationFactory(reviewer=pharmacist, drugs=[secret], drug_classes="Statins")
        html = client.get(page_url(pharmacist)).text
        assert "Secretamine" not in html

    def test_lists_what_they_reviewed_that_is_live_only(
        self, client, pharmacist, contributor, editor
    ):
        """Live monographs they reviewed are listed with their sections; pending, draft and
        unpublished work is not."""
        publish(usage_only("Livamine"), contributor=contributor, reviewer=pharmacist)
        pending = monograph(name="Pendamine", sections=(SectionKind.USAGE, SectionKind.DOSAGE))
        review = review_approve(
            review=review_submit(drug=pending, by=contributor),
            by=pharmacist,
            signature=signed(pharmacist),
        )
        assert review.is_open  # dosage needs a second approval: nothing of it is published
        gone = publish(usage_only("Gonamine"), contributor=contributor, reviewer=pharmacist)
        drug_unpublish(drug=gone, by=editor, comment="Withdrawn from the market.")
        html = client.get(page_url(pharmacist)).text
        assert ">Livamine</a>" in html
        assert "Usage" in html
        assert "Pendamine" not in html
        assert "Gonamine" not in html

    def test_text_is_escaped(self, client, contributor):
        """Names and declarations are shown as text, never as markup."""
        reviewer = ReviewerFactory(first_name="<script>alert(1)</script>", last_name="X")
        InterestDeclarationFactory(
            reviewer=reviewer, description="<img src=x onerror=alert(2)>", drug_classes="Statins"
        )
        response = client.get(page_url(reviewer))
        assert_page_inert(response.text, payload_text="<script>alert(1)</script>")
        assert "&lt;img src=x onerror=alert(2)&gt;" in response.text

    def test_unknown_slug_is_not_found(self, client, db):
        """Only existing reviewers have pages."""
        assert client.get(reverse("reviewer_page", args=["nobody-here"])).status_code == 404

    @pytest.mark.parametrize("monographs", [1, 6])
    def test_query_count_does_not_grow(
        self, client, pharmacist, contributor, django_assert_num_queries, monographs
    ):
        """However much they reviewed and declared, the page costs the same queries."""
        for number in range(monographs):
            drug = publish(
                usage_only(f"Countamine {number}"), contributor=contributor, reviewer=pharmacist
            )
            InterestDeclarationFactory(
                reviewer=pharmacist, drugs=[drug], starts_on=timezone.localdate() - timedelta(1)
            )
        with django_assert_num_queries(4):
            response = client.get(page_url(pharmacist))
        assert response.text.count("Countamine") == 2 * monographs


@pytest.mark.django_db
class MonographLinksTests:
    def test_review_line_links_to_the_reviewer_page(self, client, pharmacist, contributor):
        """Each part's "Reviewed by" names its reviewer with a link to their page."""
        drug = publish(usage_only("Linkamine"), contributor=contributor, reviewer=pharmacist)
        html = client.get(drug.published_revision.page_url()).text
        assert f'<a href="{page_url(pharmacist)}">Lena Moritz, PharmD</a>' in html
        assert client.get(page_url(pharmacist)).status_code == 200

    def test_monograph_page_never_shows_registration(self, client, pharmacist, contributor):
        """The registration number stays off the monograph page, its API and JSON-LD."""
        drug = publish(usage_only("Regamine"), contributor=contributor, reviewer=pharmacist)
        pages = [
            drug.published_revision.page_url(),
            reverse("monographs:api_drug", args=[drug.slug]),
            reverse("monographs:feed_reviewed"),
            reverse("monographs:drug_changes", args=[drug.slug]),
        ]
        for url in pages:
            body = client.get(url).content.decode()
            assert "REG-5566778" not in body, url
            assert "lena.private@example.com" not in body, url
