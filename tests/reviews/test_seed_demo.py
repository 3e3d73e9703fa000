"""`manage.py seed_demo`: demo users, and the seeds published through the real workflow."""

import re
import shutil
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.urls import reverse

from monographs.models import Drug, FAQItem, Origin, Revision, Section
from reviews.management.commands.seed_demo import default_seed_folder
from reviews.models import AuditEntry, Decision, Review, can_decide
from reviews.policy import requirement_for
from reviews.services import review_submit
from tests.factories import edit_section, make_credentialed_reviewer, publish

SEEDS = default_seed_folder()
SEED_NAMES = {"Methylcobalamin + Piracetam", "Cerecetam", "Cyanocobalamin"}


def seed(*paths) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("seed_demo", *map(str, paths), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def snapshot() -> dict:
    """Counts of everything a seeding run could create."""
    models = [Revision, Review, Decision, AuditEntry, Drug, get_user_model()]
    counts = {model.__name__: model.objects.count() for model in models}
    for model in (Drug, Section, FAQItem):
        counts[f"{model.__name__} history"] = model.history.count()
    return counts


@pytest.fixture
def demo_password(monkeypatch):
    monkeypatch.setenv("MEDREF_DEMO_PASSWORD", "demo-pass-for-tests")
    return "demo-pass-for-tests"


@pytest.mark.django_db
class DemoUserTests:
    def test_creates_the_three_roles(self, client, demo_password):
        """contributor, reviewer (credentialed) and editor exist, are staff, and can log in."""
        out, _ = seed()
        User = get_user_model()
        contributor, reviewer, editor = (
            User.objects.get(username=name) for name in ("contributor", "reviewer", "editor")
        )
        assert all(user.is_staff for user in (contributor, reviewer, editor))
        assert [group.name for group in contributor.groups.all()] == ["Contributors"]
        assert [group.name for group in editor.groups.all()] == ["Editors"]
        assert can_decide(reviewer)
        assert reviewer.reviewer_profile.credential == "MD"
        assert reviewer.get_full_name() == "Amara Okafor"
        for name in ("contributor", "reviewer", "editor"):
            assert client.login(username=name, password=demo_password)
        assert demo_password not in out
        assert "password from $MEDREF_DEMO_PASSWORD" in out
        assert "Admin: http://" in out

    def test_existing_nameless_demo_reviewer_is_named_and_credited_by_name(self, demo_password):
        """A demo reviewer created without a name gets one, so the seeds credit no login."""
        nameless = get_user_model().objects.create_user(
            username="reviewer", password="x", is_staff=True
        )
        make_credentialed_reviewer(nameless)
        nameless.first_name = nameless.last_name = ""
        nameless.save()
        seed()
        reviewer = get_user_model().objects.get(username="reviewer")
        assert reviewer.get_full_name() == "Amara Okafor"
        credits = set(Revision.objects.approved().values_list("approved_by_credit", flat=True))
        assert all(credit.startswith("Amara Okafor, MD") for credit in credits)
        assert "reviewer" not in " ".join(credits)

    def test_generated_passwords_are_printed_once(self, client, monkeypatch):
        """Without the variable, each password is generated, printed once, and works."""
        monkeypatch.delenv("MEDREF_DEMO_PASSWORD", raising=False)
        out, _ = seed()
        passwords = dict(re.findall(r"^\s+(\w+)\s+password (\S+)  \(shown once", out, re.M))
        assert set(passwords) == {"contributor", "reviewer", "pharmacist", "editor"}
        assert len(set(passwords.values())) == 4
        for username, password in passwords.items():
            assert client.login(username=username, password=password)
        again, _ = seed()
        assert "shown once" not in again
        assert again.count("password unchanged") == 4
        assert client.login(username="reviewer", password=passwords["reviewer"])


@pytest.mark.django_db
class DemoContentTests:
    def test_each_seed_is_imported_submitted_and_approved(self, demo_password):
        """Every seed monograph is live, submitted by the contributor and approved through the
        real policy: its high-risk sections by both demo reviewers, the rest by the first."""
        out, _ = seed()
        published = Drug.objects.published().select_related("published_revision")
        assert {drug.name for drug in published} == SEED_NAMES
        User = get_user_model()
        contributor = User.objects.get(username="contributor")
        for drug in published:
            revision = drug.published_revision
            assert list(revision.authors.all()) == [contributor]
            assert revision.review.submitted_by == contributor
            for part in revision.reviewed_parts.all():
                expected = ["Amara Okafor, MD"]
                if requirement_for(part.kind).approvals == 2:
                    expected.append("Lena Moritz, PharmD")
                assert part.credit_names == expected, (drug.name, part.title)
            actions = list(
                drug.audit_entries.order_by("created_at").values_list("action", "actor__username")
            )
            assert actions[0] == ("submitted", "contributor")
            assert actions[-1][0] == "approved"
            assert f"{drug.name} (published revision 1)" in out

    def test_second_run_changes_nothing(self, demo_password):
        """Running it again creates no revision, review, history row or user."""
        seed()
        before = snapshot()
        out, _ = seed()
        assert snapshot() == before
        assert out.count("skipped: it exists already, left as it is") == 3

    def test_default_folder_is_the_shared_seeds(self, demo_password):
        """With no path, the seeds next to the project are used."""
        assert SEEDS.name == "seeds"
        assert SEEDS.parent.name == "shared"
        out, _ = seed()
        assert len(re.findall(r"^\d{3}_\w+\.txt: ", out, re.M)) == 3

    def test_a_second_run_keeps_every_edit_review_and_label(self, client, demo_password):
        """Edits, reviews and provenance made after seeding survive a second `make run`."""
        seed()
        User = get_user_model()
        contributor = User.objects.get(username="contributor")
        reviewer = User.objects.get(username="reviewer")
        drug = Drug.objects.get(name="Cerecetam")
        section = drug.sections.order_by("position", "id").first()
        section.body = "Reviewed wording."
        section.origin = Origin.PROFESSIONAL
        section._history_user = contributor
        section.save()
        publish(drug, contributor=contributor, reviewer=reviewer)
        edit_section(drug, "A draft nobody has reviewed.", by=contributor)
        changes_url = reverse("monographs:drug_changes", args=[drug.slug])
        change_log = client.get(changes_url).content
        before = snapshot()

        out, _ = seed()

        assert snapshot() == before
        section.refresh_from_db()
        assert section.body == "A draft nobody has reviewed."
        assert section.origin == Origin.PROFESSIONAL
        drug.refresh_from_db()
        assert drug.published_revision.number == 2
        published_text = [s["markdown"] for s in drug.published_revision.content["sections"]]
        assert "Reviewed wording." in published_text
        cache.clear()
        assert client.get(changes_url).content == change_log
        assert "Cerecetam (skipped: it exists already, left as it is)" in out

    def test_a_changed_seed_file_does_not_overwrite_the_drug(self, tmp_path, demo_password):
        """Seeding is for a new site: an edited seed file is skipped, not published over."""
        source = next(path for path in sorted(SEEDS.iterdir()) if path.suffix == ".txt")
        copy = tmp_path / source.name
        shutil.copy(source, copy)
        seed(copy)
        text = copy.read_text(encoding="utf-8")
        assert "potentially improve" in text
        copy.write_text(text.replace("potentially improve", "possibly improve", 1), "utf-8")
        out, _ = seed(copy)
        assert "skipped: it exists already" in out
        drug = Drug.objects.get(name="Methylcobalamin + Piracetam")
        assert drug.published_revision.number == 1
        assert "possibly improve" not in str(drug.published_revision.content)

    def test_a_drug_left_in_review_is_left_alone(self, tmp_path, demo_password):
        """A seed someone submitted is not approved behind the reviewers' backs."""
        source = next(path for path in sorted(SEEDS.iterdir()) if path.suffix == ".txt")
        seed(tmp_path)  # creates the demo users and nothing else: no documents in the folder
        from monographs.importer import import_file

        contributor = get_user_model().objects.get(username="contributor")
        drug = import_file(source, user=contributor)
        review = review_submit(drug=drug, by=contributor)
        out, _ = seed(source)
        review.refresh_from_db()
        assert review.status == Review.Status.IN_REVIEW
        assert "skipped" in out

    def test_demo_accounts_changed_by_an_admin_stay_changed(self, demo_password):
        """A second run neither resets a password nor puts a removed group back."""
        seed()
        editor = get_user_model().objects.get(username="editor")
        editor.set_password("chosen-by-the-editor")
        editor.save()
        editor.groups.clear()
        seed()
        editor.refresh_from_db()
        assert editor.check_password("chosen-by-the-editor")
        assert not editor.groups.exists()

    def test_printed_admin_link_uses_the_served_address(self, settings, demo_password):
        """`make run PORT=8101` passes SITE_URL; the printed admin link follows it."""
        settings.SITE_URL = "http://127.0.0.1:8101"
        out, _ = seed()
        assert "Admin: http://127.0.0.1:8101/admin/" in out

    def test_bad_file_fails_loudly_and_the_rest_is_published(self, tmp_path, demo_password):
        """A broken file is named and makes the command fail; the good ones still go live."""
        good = next(path for path in sorted(SEEDS.iterdir()) if path.suffix == ".txt")
        shutil.copy(good, tmp_path / good.name)
        (tmp_path / "broken.txt").write_bytes(b"")
        err = StringIO()
        with pytest.raises(CommandError, match="1 seed file"):
            call_command("seed_demo", str(tmp_path), stdout=StringIO(), stderr=err)
        assert "broken.txt" in err.getvalue()
        assert Drug.objects.published().count() == 1
