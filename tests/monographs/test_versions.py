import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from monographs.models import Drug, FAQItem, Origin, Reference, Section, SectionKind
from monographs.versions import drug_document_as_of, drug_restore, drug_versions
from tests.factories import FAQItemFactory, SectionFactory, UserFactory, monograph
from tests.monographs.adminforms import (
    change_url,
    inline_index,
    open_change_form,
    set_field,
)


def history_url(drug) -> str:
    return reverse("admin:monographs_drug_history", args=[drug.pk])


def compare_url(drug, **points) -> str:
    base = reverse("admin:monographs_drug_history_compare", args=[drug.pk])
    return f"{base}?{urlencode(points)}" if points else base


def restore_url(drug) -> str:
    return reverse("admin:monographs_drug_restore", args=[drug.pk])


def save(obj, *, by, reason="", at=None):
    """Save through `save()` as a person would, optionally at a chosen moment."""
    obj._history_user = by
    obj._change_reason = reason
    if at is not None:
        obj._history_date = at
    obj.save()
    return obj


def history_rows(drug) -> int:
    return (
        Drug.history.filter(id=drug.pk).count()
        + Section.history.filter(drug_id=drug.pk).count()
        + FAQItem.history.filter(drug_id=drug.pk).count()
    )


@pytest.fixture
def timeline(contributor, other_contributor):
    """A drug written at T0, edited at T1 (section rewritten, FAQ added) and at T2 (deleted)."""
    t0 = timezone.now() - timedelta(days=3)
    t1, t2 = t0 + timedelta(days=1), t0 + timedelta(days=2)
    drug = save(Drug(name="Piracetam", drug_class="Nootropics"), by=contributor, at=t0)
    usage = save(
        Section(drug=drug, kind=SectionKind.USAGE, body="Improves memory.", position=0),
        by=contributor,
        at=t0,
    )
    dosage = save(
        Section(drug=drug, kind=SectionKind.DOSAGE, body="800 mg three times a day.", position=1),
        by=contributor,
        at=t0,
    )
    usage.body = "Used for cortical myoclonus."
    save(usage, by=other_contributor, reason="Evidence review", at=t1)
    faq = save(
        FAQItem(drug=drug, question="Is it a stimulant?", answer="No.", position=0),
        by=other_contributor,
        reason="Evidence review",
        at=t1,
    )
    dosage._history_user, dosage._history_date = contributor, t2
    dosage._change_reason = "Dosage is in the leaflet"
    dosage_id = dosage.pk
    dosage.delete()
    return {"drug": drug, "usage": usage, "dosage_id": dosage_id, "faq": faq, "t": [t0, t1, t2]}


@pytest.mark.django_db
class ReconstructionTests:
    def test_document_as_of_each_point(self, timeline):
        """The monograph as of any moment has the sections and FAQs that existed then."""
        drug, (t0, t1, t2) = timeline["drug"], timeline["t"]

        at_t0 = drug_document_as_of(drug, t0)
        assert [s["markdown"] for s in at_t0["sections"]] == [
            "Improves memory.",
            "800 mg three times a day.",
        ]
        assert at_t0["faqs"] == []

        at_t1 = drug_document_as_of(drug, t1)
        assert [s["markdown"] for s in at_t1["sections"]] == [
            "Used for cortical myoclonus.",
            "800 mg three times a day.",
        ]
        assert [f["question"] for f in at_t1["faqs"]] == ["Is it a stimulant?"]

        at_t2 = drug_document_as_of(drug, t2)
        assert [s["kind"] for s in at_t2["sections"]] == [SectionKind.USAGE]
        assert at_t2 == drug.document()

    def test_before_the_drug_existed_there_is_nothing(self, timeline):
        """Asking for the monograph before it was created gives None."""
        assert drug_document_as_of(timeline["drug"], timeline["t"][0] - timedelta(1)) is None

    def test_versions_merge_all_tables_newest_first(self, timeline):
        """The version list merges drug, section and FAQ rows by time with who, why and what."""
        versions = drug_versions(timeline["drug"].pk)
        assert [v.at for v in versions] == list(reversed(timeline["t"]))
        deleted, edited, created = versions
        assert [u.username for u in edited.users] == ["colin"]
        assert edited.reasons == ["Evidence review"]
        assert [e.summary for e in edited.entries] == [
            "Section “Usage”: body changed",
            "FAQ “Is it a stimulant?” added",
        ]
        assert [e.summary for e in deleted.entries] == ["Section “Dosage” deleted"]
        assert deleted.reasons == ["Dosage is in the leaflet"]
        assert len(created.entries) == 3


@pytest.mark.django_db
class HistoryPageTests:
    def test_permissions(self, client, timeline, contributor, reviewer):
        """History needs view permission: anonymous → login, no permission → 403, reader → 200."""
        drug = timeline["drug"]
        for url in [history_url(drug), compare_url(drug)]:
            response = client.get(url)
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("admin:login"))
            client.force_login(UserFactory(username="stan", is_staff=True))
            assert client.get(url).status_code == 403
            client.force_login(reviewer)
            assert client.get(url).status_code == 200
            client.logout()

    def test_lists_every_version_with_who_why_and_what(self, client, timeline, contributor):
        """The history page shows each version's author, reason and changes, newest first."""
        client.force_login(contributor)
        html = client.get(history_url(timeline["drug"])).content.decode()
        assert html.index("Section “Dosage” deleted") < html.index("Section “Usage”: body changed")
        assert "Dosage is in the leaflet" in html
        assert "Evidence review" in html
        assert "colin" in html
        assert html.count('name="from"') == 3

    def test_compare_any_two_points_word_by_word(self, client, timeline, contributor):
        """Comparing T0 with T1 shows the rewritten section as a word diff and the new FAQ."""
        t0, t1, _ = timeline["t"]
        client.force_login(contributor)
        response = client.get(
            compare_url(timeline["drug"], **{"from": t0.isoformat(), "to": t1.isoformat()})
        )
        html = response.content.decode()
        assert response.status_code == 200
        assert "<del>Improves memory</del><ins>Used for cortical myoclonus</ins>." in html
        assert "FAQ: Is it a stimulant?" in html
        assert "Section: Dosage" not in html  # unchanged between T0 and T1

    def test_compare_with_current_shows_the_deletion(self, client, timeline, contributor):
        """Comparing T1 with the working copy shows the deleted section as removed."""
        client.force_login(contributor)
        url = compare_url(timeline["drug"], **{"from": timeline["t"][1].isoformat()})
        html = client.get(url).content.decode()
        assert re.search(r"Section: Dosage\s*<span[^>]*>removed", html)
        assert "<del>800</del>" in html or "<del>800 mg" in html

    def test_diff_escapes_hostile_markdown(self, client, contributor, draft_drug):
        """Markup typed into a section shows as text in the diff and never runs."""
        section = draft_drug.sections.first()
        section.body = '<script>alert("x")</script><img src=x onerror=alert(1)>'
        save(section, by=contributor)
        client.force_login(contributor)
        html = client.get(compare_url(draft_drug)).content.decode()
        assert "<script>alert" not in html
        assert "<img src=x" not in html
        assert "&lt;script&gt;" in html

    def test_invalid_point_is_a_bad_request(self, client, timeline, contributor):
        """A made-up version in the URL is answered with 400, not an error page."""
        client.force_login(contributor)
        assert client.get(compare_url(timeline["drug"], to="yesterday")).status_code == 400

    def test_history_page_query_count_is_constant(self, client, contributor):
        """The history page costs the same queries for 3 versions as for 30."""
        drug = monograph(sections=[SectionKind.USAGE], faqs=0)
        section = drug.sections.get()
        client.force_login(contributor)

        def count() -> int:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(history_url(drug)).status_code == 200
            return len(queries)

        count()  # warm per-process caches (content types)
        few = count()
        for number in range(27):
            section.body = f"Edit {number}"
            save(section, by=contributor)
        assert count() == few


@pytest.mark.django_db
class DeletionKeepsHistoryTests:
    def test_deleting_a_section_in_the_admin_keeps_its_history(
        self, client, contributor, draft_drug
    ):
        """A section deleted through the admin keeps its past rows plus a deletion row."""
        section = draft_drug.sections.get(kind=SectionKind.DOSAGE)
        client.force_login(contributor)
        data = open_change_form(client, draft_drug)
        data[f"sections-{inline_index(data, 'sections', section.pk)}-DELETE"] = ["on"]
        assert client.post(change_url(draft_drug), data).status_code == 302
        types = list(
            Section.history.filter(id=section.pk)
            .order_by("history_date")
            .values_list("history_type", "history_user__username")
        )
        assert types == [("+", None), ("-", "carla")]

    def test_deleting_a_drug_keeps_all_its_history(self, client, superuser, draft_drug):
        """A drug deleted through the admin leaves every drug, section and FAQ history row."""
        before = history_rows(draft_drug)
        client.force_login(superuser)
        url = reverse("admin:monographs_drug_delete", args=[draft_drug.pk])
        assert client.post(url, {"post": "yes"}).status_code == 302
        assert not Drug.objects.filter(pk=draft_drug.pk).exists()
        # One deletion row each for the drug, its 2 sections and its FAQ.
        assert history_rows(draft_drug) == before + 4
        assert Drug.history.filter(id=draft_drug.pk, history_type="-").exists()


@pytest.mark.django_db
class RestoreServiceTests:
    def test_restore_brings_back_deleted_and_removes_added(self, timeline, editor):
        """Restoring T0 re-creates the deleted section, undoes the rewrite and drops the new FAQ."""
        drug, (t0, _, _) = timeline["drug"], timeline["t"]
        assert drug_restore(drug=drug, as_of=t0, by=editor, reason="Bad edit") is True
        assert drug_document_as_of(drug, timezone.now()) == drug_document_as_of(drug, t0)
        assert drug.document() == drug_document_as_of(drug, t0)
        dosage = Section.objects.get(pk=timeline["dosage_id"])
        assert dosage.body_html == "<p>800 mg three times a day.</p>"
        assert not FAQItem.objects.filter(pk=timeline["faq"].pk).exists()

    def test_restore_brings_back_references(self, contributor, editor):
        """A reference deleted or rewritten since is put back, and one added since goes."""
        t0 = timezone.now() - timedelta(days=2)
        t1 = t0 + timedelta(days=1)
        drug = save(Drug(name="Citorestol"), by=contributor, at=t0)
        kept = save(Reference(drug=drug, number=1, title="SmPC, 2019"), by=contributor, at=t0)
        dropped = save(Reference(drug=drug, number=2, title="A trial"), by=contributor, at=t0)
        kept.title = "SmPC, 2024"
        save(kept, by=contributor, at=t1)
        dropped._history_user, dropped._history_date = contributor, t1
        dropped.delete()
        save(Reference(drug=drug, number=3, title="A blog post"), by=contributor, at=t1)

        assert [entry.title for entry in drug_versions(drug.pk)[0].entries] == [
            "[1] SmPC, 2024",
            "[2] A trial",
            "[3] A blog post",
        ]
        assert drug_restore(drug=drug, as_of=t0, by=editor) is True

        assert list(drug.references.values_list("number", "title")) == [
            (1, "SmPC, 2019"),
            (2, "A trial"),
        ]
        assert drug.document() == drug_document_as_of(drug, t0)
        assert [r["title"] for r in drug_document_as_of(drug, t0)["references"]] == [
            "SmPC, 2019",
            "A trial",
        ]

    def test_restore_is_a_recorded_edit(self, timeline, editor):
        """Every row a restore writes names the restorer and the restored date."""
        drug, t0 = timeline["drug"], timeline["t"][0]
        drug_restore(drug=drug, as_of=t0, by=editor)
        latest = drug_versions(drug.pk)[0]
        assert [u.username for u in latest.users] == ["eddie"]
        assert len(latest.reasons) == 1
        assert latest.reasons[0].startswith("Restored version of ")
        assert t0.strftime("%Y-%m-%d %H:%M:%S") in latest.reasons[0]
        assert {e.action for e in latest.entries} == {"changed", "added", "deleted"}

    def test_recreated_section_gets_a_fresh_version(self, timeline, editor):
        """A re-created section's version is above any it had, so stale forms cannot match it."""
        drug_restore(drug=timeline["drug"], as_of=timeline["t"][0], by=editor)
        old_versions = Section.history.filter(id=timeline["dosage_id"]).values_list(
            "version", flat=True
        )
        restored = Section.objects.get(pk=timeline["dosage_id"])
        assert restored.version == max(old_versions)
        assert restored.version > 1

    def test_restoring_the_current_version_changes_nothing(self, timeline, editor):
        """Restoring what the working copy already reads writes no history."""
        drug = timeline["drug"]
        before = history_rows(drug)
        assert drug_restore(drug=drug, as_of=timeline["t"][2], by=editor) is False
        assert history_rows(drug) == before

    def test_restore_never_touches_the_published_revision(self, published_drug, editor):
        """Restoring an old version changes the working copy only, never what the public sees."""
        published = published_drug.published_revision
        first = Drug.history.filter(id=published_drug.pk).earliest("history_date").history_date
        section = published_drug.sections.first()
        section.body = "A later draft."
        save(section, by=editor)
        SectionFactory(drug=published_drug, kind=SectionKind.OTHER, heading="Storage")
        drug_restore(drug=published_drug, as_of=first, by=editor)
        published_drug.refresh_from_db()
        assert published_drug.published_revision == published
        published.refresh_from_db()
        assert "A later draft." not in str(published.content)


@pytest.mark.django_db
class RestoreViewTests:
    def test_contributor_without_restore_permission_gets_403(self, client, timeline, contributor):
        """A contributor (no restore permission) cannot restore, and nothing changes."""
        drug = timeline["drug"]
        before = history_rows(drug)
        client.force_login(contributor)
        response = client.post(restore_url(drug), {"at": timeline["t"][0].isoformat()})
        assert response.status_code == 403
        assert history_rows(drug) == before

    def test_restore_button_only_for_those_allowed(self, client, timeline, contributor, editor):
        """The compare page offers restore to editors but not to contributors."""
        url = compare_url(timeline["drug"], **{"from": timeline["t"][0].isoformat()})
        client.force_login(contributor)
        assert restore_url(timeline["drug"]) not in client.get(url).content.decode()
        client.force_login(editor)
        assert restore_url(timeline["drug"]) in client.get(url).content.decode()

    def test_editor_restores_through_a_post(self, client, timeline, editor):
        """An editor's restore POST makes T0 the working copy and returns to the change form."""
        drug, t0 = timeline["drug"], timeline["t"][0]
        client.force_login(editor)
        response = client.post(restore_url(drug), {"at": t0.isoformat(), "reason": "Vandalism"})
        assert response.status_code == 302
        assert response["Location"] == change_url(drug)
        assert drug.document() == drug_document_as_of(drug, t0)
        record = Section.history.filter(id=timeline["usage"].pk).latest("history_date")
        assert record.history_change_reason.endswith(": Vandalism")
        assert record.history_user == editor

    def test_restore_requires_post_and_csrf(self, timeline, editor):
        """A GET cannot restore, and a POST without the CSRF token is refused."""
        drug = timeline["drug"]
        before = history_rows(drug)
        browser = Client(enforce_csrf_checks=True)
        browser.force_login(editor)
        assert browser.get(restore_url(drug), {"at": timeline["t"][0].isoformat()}).status_code == (
            405
        )
        assert browser.post(
            restore_url(drug), {"at": timeline["t"][0].isoformat()}
        ).status_code == (403)
        assert history_rows(drug) == before

    def test_restore_clash_with_another_drug_is_reported(self, client, contributor, editor):
        """Restoring a name another drug has taken since is refused with a message."""
        drug = save(Drug(name="Old name"), by=contributor)
        t0 = Drug.history.filter(id=drug.pk).latest("history_date").history_date
        drug.name, drug.slug = "New name", "new-name"
        save(drug, by=contributor)
        save(Drug(name="Old name"), by=contributor)
        client.force_login(editor)
        response = client.post(restore_url(drug), {"at": t0.isoformat()}, follow=True)
        assert "already exists" in response.content.decode()
        drug.refresh_from_db()
        assert drug.name == "New name"

    def test_restoring_markdown_the_limits_refuse_is_reported(self, client, contributor, editor):
        """A version whose markdown predates today's limits is refused with the reason."""
        drug = save(Drug(name="Piracetam"), by=contributor)
        usage = save(Section(drug=drug, kind=SectionKind.USAGE, body="Memory."), by=contributor)
        # Written before the nesting limit existed: history keeps it as it was.
        Section.history.filter(id=usage.pk).update(body="- " * 100 + "x")
        t0 = timezone.now()
        usage.body = "Memory and focus."
        save(usage, by=contributor)
        client.force_login(editor)
        response = client.post(restore_url(drug), {"at": t0.isoformat()}, follow=True)
        assert "cannot be restored as it is" in response.content.decode()
        assert "nests 100 levels deep" in response.content.decode()
        usage.refresh_from_db()
        assert usage.body == "Memory and focus."


@pytest.mark.django_db
class SimpleHistoryRevertHoleTests:
    """django-simple-history 3.13 saves a POST to its revert form on view permission alone."""

    def revert_url(self, drug, record) -> str:
        return reverse("admin:monographs_drug_simple_history", args=[drug.pk, record.history_id])

    def test_view_only_user_posting_a_revert_gets_403(self, client, reviewer, contributor):
        """A reviewer (view-only) posting to the revert URL is refused and nothing changes."""
        drug = save(Drug(name="Piracetam", drug_class="Nootropics"), by=contributor)
        first = Drug.history.filter(id=drug.pk).latest("history_date")
        drug.drug_class = "Racetams"
        save(drug, by=contributor)
        before = Drug.history.filter(id=drug.pk).count()
        client.force_login(reviewer)
        payload = {"name": "Hijacked", "slug": "piracetam", "drug_class": "Nootropics"}
        response = client.post(self.revert_url(drug, first), payload)
        assert response.status_code == 403
        drug.refresh_from_db()
        assert (drug.name, drug.drug_class) == ("Piracetam", "Racetams")
        assert Drug.history.filter(id=drug.pk).count() == before

    def test_contributor_without_restore_permission_gets_403(self, client, contributor):
        """Change permission alone is not enough to revert through simple-history's URL."""
        drug = save(Drug(name="Piracetam"), by=contributor)
        record = Drug.history.filter(id=drug.pk).latest("history_date")
        client.force_login(contributor)
        assert client.post(self.revert_url(drug, record), {"name": "X"}).status_code == 403
        drug.refresh_from_db()
        assert drug.name == "Piracetam"

    def test_editor_post_is_a_whole_monograph_restore(self, client, timeline, editor):
        """With restore permission the old URL restores the whole monograph as of that row."""
        drug = timeline["drug"]
        record = Drug.history.filter(id=drug.pk).earliest("history_date")
        client.force_login(editor)
        response = client.post(self.revert_url(drug, record), {"name": "ignored"})
        assert response.status_code == 302
        drug.refresh_from_db()
        assert drug.name == "Piracetam"
        assert Section.objects.filter(pk=timeline["dosage_id"]).exists()

    def test_get_shows_the_comparison(self, client, timeline, reviewer):
        """Opening the old revert URL shows that version compared with the working copy."""
        drug = timeline["drug"]
        record = Drug.history.filter(id=drug.pk).earliest("history_date")
        client.force_login(reviewer)
        response = client.get(self.revert_url(drug, record), follow=True)
        assert response.status_code == 200
        assert response.redirect_chain[0][0].startswith(compare_url(drug))
        assert "Section: Dosage" in response.content.decode()


@pytest.mark.django_db
class AdminEditsAreOneVersionTests:
    def test_admin_save_of_several_rows_is_one_version(self, client, contributor, draft_drug):
        """Changing the drug, a section and an FAQ in one save lists as one version."""
        FAQItemFactory(drug=draft_drug, origin=Origin.UNKNOWN)
        client.force_login(contributor)
        data = open_change_form(client, draft_drug)
        set_field(data, "drug_class", "Cobalamins")
        set_field(data, "sections-0-body", "New body.")
        set_field(data, "faqs-0-answer", "New answer.")
        set_field(data, "change_reason", "Tidy up")
        assert client.post(change_url(draft_drug), data).status_code == 302
        latest = drug_versions(draft_drug.pk)[0]
        assert len(latest.entries) == 3
        assert latest.reasons == ["Tidy up"]


@pytest.mark.django_db
class ComponentHistoryTests:
    """A combination's components are content: kept in history, compared and restored."""

    @pytest.fixture
    def combination(self, contributor):
        a, b, c = (save(Drug(name=name), by=contributor) for name in ("Alpha", "Beta", "Gamma"))
        combo = Drug(name="Alpha + Beta")
        combo.stage_components([a, b])
        save(combo, by=contributor)
        return {"combo": combo, "alpha": a, "beta": b, "gamma": c}

    def test_changing_components_in_the_admin_is_a_recorded_edit(
        self, client, contributor, combination
    ):
        combo, gamma = combination["combo"], combination["gamma"]
        version = combo.version
        client.force_login(contributor)
        data = open_change_form(client, combo)
        data["components"] = [str(combination["alpha"].pk), str(gamma.pk)]
        set_field(data, "change_reason", "Beta was wrong")
        assert client.post(change_url(combo), data).status_code == 302

        combo.refresh_from_db()
        assert combo.version == version + 1
        latest = drug_versions(combo.pk)[0]
        assert latest.reasons == ["Beta was wrong"]
        assert latest.entries[0].changed_fields == ["components"]
        assert drug_document_as_of(combo, timezone.now())["components"] == ["alpha", "gamma"]

    def test_compare_shows_the_old_and_new_components(self, client, contributor, combination):
        combo = combination["combo"]
        before = timezone.now()
        combo.stage_components([combination["alpha"], combination["gamma"]])
        save(combo, by=contributor)
        client.force_login(contributor)
        html = client.get(compare_url(combo, **{"from": before.isoformat()})).content.decode()
        assert "<del>beta</del><ins>gamma</ins>" in html

    def test_restore_puts_the_components_back(self, combination, editor):
        combo = combination["combo"]
        before = timezone.now()
        combo.stage_components([combination["gamma"]])
        save(combo, by=editor)
        assert drug_restore(drug=combo, as_of=before, by=editor)
        assert sorted(combo.components.values_list("slug", flat=True)) == ["alpha", "beta"]
        assert drug_versions(combo.pk)[0].entries[0].changed_fields == ["components"]

    def test_saving_the_same_components_writes_nothing(self, combination, contributor):
        combo = combination["combo"]
        rows, version = history_rows(combo), combo.version
        combo.stage_components([combination["beta"], combination["alpha"]])
        save(combo, by=contributor)
        assert (history_rows(combo), combo.version) == (rows, version)

    def test_a_stale_form_cannot_overwrite_new_components(self, client, contributor, combination):
        combo = combination["combo"]
        client.force_login(contributor)
        stale = open_change_form(client, combo)
        combo.stage_components([combination["gamma"]])
        save(combo, by=contributor)
        stale["components"] = [str(combination["alpha"].pk)]
        response = client.post(change_url(combo), stale)
        assert response.status_code == 200
        assert "Someone saved this monograph while you were editing" in response.content.decode()
        assert list(combo.components.values_list("slug", flat=True)) == ["gamma"]
