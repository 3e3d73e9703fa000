"""Change notes readers can use: the change log's parts, notes, flags, diffs and feeds."""

from xml.etree import ElementTree

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils.timezone import localtime

from monographs.models import Reconfirmation, SectionKind
from monographs.public import changes
from reviews.cycles import part_reconfirm
from reviews.services import drug_unpublish, review_submit
from tests.factories import ReviewerFactory, SectionFactory, monograph, publish, signed
from tests.monographs.public.publicsite import outline, page_text

ATOM_NS = {"a": "http://www.w3.org/2005/Atom"}


def changes_url(drug) -> str:
    return reverse("monographs:drug_changes", kwargs={"slug": drug.slug})


def feed_url(drug) -> str:
    return reverse("monographs:drug_changes_feed", kwargs={"slug": drug.slug})


def atom_entries(response) -> list[ElementTree.Element]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ElementTree.fromstring(response.content)  # noqa: S314 — our own response
    return feed.findall("a:entry", ATOM_NS)


def entry_text(entry, tag: str) -> str:
    return entry.findtext(f"a:{tag}", namespaces=ATOM_NS) or ""


def categories(entry) -> list[str]:
    return [category.get("term") for category in entry.findall("a:category", ATOM_NS)]


def set_usage(drug, *, body=None, sources=None):
    """Edit the working copy's usage section (its text and/or its sources)."""
    usage = drug.sections.get(kind=SectionKind.USAGE)
    if body is not None:
        usage.body = body
    if sources is not None:
        usage.sources = sources
    usage.save()
    return usage


@pytest.fixture
def notamine(contributor, reviewer):
    """A monograph published once, with usage text in markdown and one source."""
    drug = monograph(name="Notamine", sections=(SectionKind.USAGE, SectionKind.DOSAGE), faqs=1)
    set_usage(drug, body="Take **one tablet** daily.", sources="NHS | https://www.nhs.uk/")
    return publish(drug, contributor=contributor, reviewer=reviewer, comment="First publication.")


@pytest.fixture
def revised(notamine, contributor, reviewer):
    """Notamine's second version: usage text and sources changed, a clinical change."""
    set_usage(
        notamine,
        body="Take **two tablets** daily.",
        sources="BNF | https://bnf.nice.org.uk/",
    )
    return publish(
        notamine,
        contributor=contributor,
        reviewer=reviewer,
        comment="Dose raised after the new trial.",
        significance="clinical",
    )


@pytest.mark.django_db
class ChangeNoteTests:
    def test_lists_the_parts_each_version_changed(self, client, revised):
        """A version names the parts it changed, and only those."""
        parsed = outline(client.get(changes_url(revised)))
        assert (3, "Usage (Changed)") in parsed.headings
        assert not any(text.startswith("Dosage") for _level, text in parsed.headings)
        html = page_text(client.get(changes_url(revised)))
        assert ">Usage (Changed)</a></li>" in html

    def test_shows_the_change_note_and_significance(self, client, revised):
        """The submitter's note and the clinical flag are shown with the version."""
        html = page_text(client.get(changes_url(revised)))
        assert "Why it changed:</strong> Dose raised after the new trial." in html
        assert "Clinical change</span> changes what a reader is advised" in html
        assert "Why it changed:</strong> First publication." in html

    def test_safety_changes_are_marked_prominently(self, client, notamine, contributor, reviewer):
        """A safety change says so in its heading and in a strong flag."""
        set_usage(notamine, body="Do not take with alcohol.")
        publish(notamine, contributor=contributor, reviewer=reviewer, significance="safety")
        response = client.get(changes_url(notamine))
        headings = [text for level, text in outline(response).headings if level == 2]
        assert headings[0].startswith("Safety change: Version 2, reviewed")
        assert not headings[1].startswith("Safety change")
        assert "<strong>Safety change</strong>" in page_text(response)
        assert 'data-significance="safety"' in page_text(response)

    def test_diff_is_of_the_rendered_text_not_the_markdown(self, client, revised):
        """Words changed are marked in the text readers see; markdown syntax never shows."""
        html = page_text(client.get(changes_url(revised)))
        assert "Take <del>one tablet</del><ins>two tablets</ins> daily." in html
        diffs = html.split('<div class="diff">')[1:]
        assert diffs
        assert not any("**" in diff.split("</div>")[0] for diff in diffs)

    def test_formatting_only_change_says_the_text_reads_the_same(
        self, client, notamine, contributor, reviewer
    ):
        """Markdown that renders to the same words shows no word diff."""
        set_usage(notamine, body="Take __one tablet__ daily.")
        publish(notamine, contributor=contributor, reviewer=reviewer)
        html = page_text(client.get(changes_url(notamine)))
        assert "The text reads the same" in html
        assert "<del>" not in html.split("diff-legend")[1].replace("<del>removed words", "")

    def test_lists_sources_added_and_removed(self, client, revised):
        """Each changed part says which sources it gained and which it lost."""
        html = page_text(client.get(changes_url(revised)))
        added = html.split('<p class="sources-added">')[1].split("</p>")[0]
        removed = html.split('<p class="sources-removed">')[1].split("</p>")[0]
        assert 'href="https://bnf.nice.org.uk/"' in added
        assert ">BNF</a>" in added
        assert ">NHS</a>" in removed
        assert "NHS" not in added

    def test_lists_reconfirmations_between_versions(
        self, client, notamine, contributor, reviewer, other_reviewer
    ):
        """A part reviewed again without change is listed by date among the versions."""
        part = notamine.published_revision.reviewed_parts.get(kind=SectionKind.USAGE)
        part_reconfirm(part=part, by=other_reviewer, signature=signed(other_reviewer))
        record = Reconfirmation.objects.get(drug=notamine)
        set_usage(notamine, body="Take two tablets daily.")
        publish(notamine, contributor=contributor, reviewer=reviewer)

        response = client.get(changes_url(notamine))
        headings = [text for level, text in outline(response).headings if level == 2]
        starts = ("Version 2, reviewed", "Reviewed, no change:", "Version 1, reviewed")
        assert len(headings) == 3
        assert all(text.startswith(start) for text, start in zip(headings, starts, strict=True))
        html = page_text(response)
        assert f"Reviewed again by {record.credits[0]}" in html
        assert f'datetime="{localtime(record.reviewed_at):%Y-%m-%dT%H:%M:%S%z}"' in html
        assert f"Usage · next review due {record.next_review_due:%-d %B %Y}" in html
        assert html.count('<article class="change"') == 2

    def test_reconfirmations_sit_on_the_page_of_the_version_they_follow(
        self, client, notamine, contributor, reviewer, other_reviewer, monkeypatch
    ):
        """Across pages each reconfirmation shows once, after the version it was made on."""
        monkeypatch.setattr(changes, "CHANGES_PER_PAGE", 1)
        part = notamine.published_revision.reviewed_parts.get(kind=SectionKind.USAGE)
        part_reconfirm(part=part, by=other_reviewer, signature=signed(other_reviewer))
        set_usage(notamine, body="Take two tablets daily.")
        publish(notamine, contributor=contributor, reviewer=reviewer)

        first = page_text(client.get(changes_url(notamine)))
        second = page_text(client.get(changes_url(notamine) + "?page=2"))
        assert "Version 2, reviewed" in first
        assert "Reviewed, no change" not in first
        assert second.index("Reviewed, no change") < second.index("Version 1, reviewed")

    def test_hostile_text_is_escaped(self, client, contributor, reviewer):
        """Notes, headings and source titles show as text and never become markup."""
        drug = monograph(name="Hostamine", sections=(), faqs=0)
        SectionFactory(drug=drug, kind=SectionKind.OTHER, heading="<b>Bold</b>", body="Text.")
        publish(drug, contributor=contributor, reviewer=reviewer)
        section = drug.sections.get()
        section.body = "Text <script>alert(1)</script> more."
        section.sources = "<script>alert(2)</script> | https://example.org/"
        section.save()
        publish(
            drug, contributor=contributor, reviewer=reviewer, comment="<script>alert(3)</script>"
        )

        html = page_text(client.get(changes_url(drug)))
        assert "<script>alert" not in html
        assert "&lt;script&gt;alert(3)&lt;/script&gt;" in html
        assert "&lt;script&gt;alert(2)&lt;/script&gt;" in html
        assert "&lt;b&gt;Bold&lt;/b&gt;" in html
        for response in (client.get(feed_url(drug)), client.get("/feeds/reviewed.atom")):
            summary = atom_entries(response)[0].find("a:summary", ATOM_NS)
            assert summary.get("type") == "html"
            assert "<script>" not in summary.text
            assert "&lt;script&gt;alert(3)&lt;/script&gt;" in summary.text

    def test_pending_revision_is_never_shown(self, client, revised, contributor):
        """A revision waiting for review appears in neither the change log nor the feeds."""
        set_usage(revised, body="PENDING WORDING", sources="PENDING SOURCE | https://p.example/")
        review_submit(drug=revised, by=contributor, comment="PENDING NOTE", significance="safety")

        pages = [changes_url(revised), feed_url(revised), "/feeds/reviewed.atom"]
        for url in pages:
            html = page_text(client.get(url))
            for secret in ("PENDING", "Safety change", "safety"):
                assert secret not in html, (url, secret)
        assert page_text(client.get(changes_url(revised))).count('<article class="change"') == 2


@pytest.mark.django_db
class DrugChangesFeedTests:
    def test_each_version_is_an_entry_with_its_changes(self, client, revised, reviewer):
        """Each entry names the version, the parts changed, the note, the flag and reviewers."""
        newest, first = atom_entries(client.get(feed_url(revised)))
        assert entry_text(newest, "title") == "Notamine, version 2: clinical change"
        assert entry_text(first, "title") == "Notamine, version 1: first published"
        summary = entry_text(newest, "summary")
        assert "<li>Usage (Changed)</li>" in summary
        assert "Why it changed: Dose raised after the new trial." in summary
        assert "Clinical change: changes what a reader is advised." in summary
        assert reviewer.get_full_name() in summary
        assert categories(newest) == ["clinical"]
        link = newest.find("a:link", ATOM_NS).get("href")
        revision = revised.published_revision
        assert link == f"{settings.SITE_URL}{changes_url(revised)}#revision-{revision.number}"
        assert entry_text(newest, "id") != entry_text(first, "id")

    def test_safety_entries_are_marked(self, client, notamine, contributor, reviewer):
        """A safety change's entry title starts "Safety change:" and has the category."""
        set_usage(notamine, body="Do not take with alcohol.")
        publish(notamine, contributor=contributor, reviewer=reviewer, significance="safety")
        newest = atom_entries(client.get(feed_url(notamine)))[0]
        assert entry_text(newest, "title") == "Safety change: Notamine, version 2"
        assert categories(newest) == ["safety"]

    def test_change_log_links_to_its_feed(self, client, notamine):
        """The change log links to its feed, visibly and as an alternate for feed readers."""
        parsed = outline(client.get(changes_url(notamine)))
        url = feed_url(notamine)
        assert ("link", {"rel": "alternate", "type": "application/atom+xml"}) in [
            (tag, {k: attributes.get(k) for k in ("rel", "type")})
            for tag, attributes in parsed.tags
            if tag == "link" and attributes.get("href") == url
        ]
        assert any(tag == "a" and attributes.get("href") == url for tag, attributes in parsed.tags)

    def test_unknown_and_unpublished_monographs_have_no_feed(
        self, client, notamine, draft_drug, editor
    ):
        """The feed exists only while the monograph is published."""
        assert client.get(feed_url(draft_drug)).status_code == 404
        assert client.get("/drugs/nothing/changes.atom").status_code == 404
        drug_unpublish(drug=notamine, by=editor)
        assert client.get(feed_url(notamine)).status_code == 404

    def test_a_retired_slug_redirects_to_the_feed(self, client, notamine, contributor, reviewer):
        """After a reviewed rename the old feed address answers 301 to the new one."""
        old = feed_url(notamine)
        notamine.slug = "notamine-tablets"
        notamine.save()
        publish(notamine, contributor=contributor, reviewer=reviewer)
        response = client.get(old)
        assert response.status_code == 301
        assert response["Location"] == "/drugs/notamine-tablets/changes.atom"
        assert len(atom_entries(client.get(response["Location"]))) == 2


@pytest.mark.django_db
class SitewideFeedNoteTests:
    def test_safety_changes_are_marked_with_their_note(
        self, client, notamine, contributor, reviewer
    ):
        """The sitewide feed prefixes safety changes, adds the category and the change note."""
        set_usage(notamine, body="Do not take with alcohol.")
        publish(
            notamine,
            contributor=contributor,
            reviewer=reviewer,
            comment="New interaction warning.",
            significance="safety",
        )
        newest, first = atom_entries(client.get("/feeds/reviewed.atom"))
        assert entry_text(newest, "title") == "Safety change: Notamine"
        assert categories(newest) == ["safety"]
        assert "Change note: New interaction warning." in entry_text(newest, "summary")
        assert entry_text(first, "title") == "Notamine: reviewed"
        assert categories(first) == ["editorial"]


@pytest.mark.django_db
class ChangeNoteQueryCountTests:
    @pytest.fixture(autouse=True)
    def _uncached(self, settings):
        settings.MEDREF_PAGE_CACHE_SECONDS = 0

    def grow(self, drug, versions, *, contributor, reviewer, checker):
        """Publish `versions` more versions, each changing text and sources, each reconfirmed."""
        for number in range(versions):
            set_usage(
                drug,
                body=f"Take **{number} tablets** daily.",
                sources=f"Source {number} | https://example.org/{number}",
            )
            SectionFactory(drug=drug, kind=SectionKind.OTHER, heading=f"Extra {number}")
            publish(drug, contributor=contributor, reviewer=reviewer, comment=f"Note {number}.")
            part = drug.published_revision.reviewed_parts.get(kind=SectionKind.USAGE)
            part_reconfirm(part=part, by=checker, signature=signed(checker))

    @pytest.mark.parametrize("versions", [1, 8])
    def test_change_log_and_feed_queries_do_not_grow(
        self, client, notamine, contributor, reviewer, versions, django_assert_num_queries
    ):
        """The drug, a page of versions and its reconfirmations: three queries; the feed two."""
        checker = ReviewerFactory()
        self.grow(notamine, versions, contributor=contributor, reviewer=reviewer, checker=checker)
        with django_assert_num_queries(3):
            response = client.get(changes_url(notamine))
        html = page_text(response)
        assert html.count('<article class="change"') == versions + 1
        assert html.count('<article class="reconfirmation"') == versions
        with django_assert_num_queries(2):
            entries = atom_entries(client.get(feed_url(notamine)))
        assert len(entries) == versions + 1


@pytest.mark.django_db
def test_monograph_page_links_its_changes_feed(client, contributor, reviewer):
    """The monograph page links the feed of its approved changes, visibly and for feed readers."""
    drug = publish(monograph(name="Feedlinkamine"), contributor=contributor, reviewer=reviewer)
    feed = reverse("monographs:drug_changes_feed", args=[drug.slug])
    html = client.get(drug.get_absolute_url()).content.decode()
    assert f'<link rel="alternate" type="application/atom+xml" href="{feed}"' in html
    assert f'<a href="{feed}" type="application/atom+xml">follow the changes</a>' in html
    assert client.get(feed).status_code == 200
