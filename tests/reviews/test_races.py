"""Content saves racing the workflow: a stale copy never undoes a transition, one lock order
means no deadlock, and a lock conflict that still happens is a message, never an error page."""

import contextlib
import threading
import time

import psycopg
import pytest
from django.contrib.messages import get_messages
from django.db import connection, connections, transaction
from django.urls import reverse

from monographs.admin import SAVE_REFUSED_MESSAGE
from monographs.models import Drug, Revision, SectionKind
from reviews.admin import WorkflowDrugAdmin
from reviews.admin_views import BUSY_MESSAGE
from reviews.exceptions import IllegalTransition
from reviews.models import AuditEntry, Review
from reviews.services import drug_unpublish, review_approve, review_submit
from tests.conftest import AxesClient
from tests.factories import monograph, review_fully_approve, signed, signing
from tests.monographs.adminforms import change_url, inline_index, open_change_form, set_field

# Seconds a thread waits for another before the test gives up (a safety net against hangs).
PATIENCE = 60
POSTGRESQL_ONLY = (
    "row locks and lock conflicts need PostgreSQL; the sequential cases run everywhere"
)


def logged_in(user) -> AxesClient:
    client = AxesClient()
    client.force_login(user)
    return client


def edit_usage(data: dict, drug: Drug, body: str) -> dict:
    usage = drug.sections.get(kind=SectionKind.USAGE)
    return set_field(data, f"sections-{inline_index(data, 'sections', usage.pk)}-body", body)


@pytest.fixture
def after_admin_reads(monkeypatch):
    """Run a function right after the drug admin's POST has read the drug it will save."""

    def install(between):
        read = WorkflowDrugAdmin.get_object

        def get_object(self, request, object_id, from_field=None):
            drug = read(self, request, object_id, from_field)
            if request.method == "POST":
                between()
            return drug

        monkeypatch.setattr(WorkflowDrugAdmin, "get_object", get_object)

    return install


@pytest.mark.django_db
class StaleAdminSaveTests:
    def test_save_read_before_an_approval_keeps_it_published(
        self, client, contributor, reviewer, draft_drug, after_admin_reads
    ):
        """An admin save that read the drug before an approval leaves the monograph published."""
        review = review_submit(drug=draft_drug, by=contributor)
        client.force_login(contributor)
        data = set_field(open_change_form(client, draft_drug), "drug_class", "Cobalamins")
        after_admin_reads(lambda: review_fully_approve(review, reviewer))

        assert client.post(change_url(draft_drug), data).status_code == 302

        drug = Drug.objects.get(pk=draft_drug.pk)
        assert (drug.published_revision_id, drug.drug_class) == (review.revision_id, "Cobalamins")
        assert client.get(drug.get_absolute_url()).status_code == 200

    def test_save_read_before_an_unpublish_keeps_it_unpublished(
        self, client, contributor, editor, published_drug, after_admin_reads
    ):
        """An admin save that read the drug before an unpublish does not put it back online."""
        client.force_login(contributor)
        data = set_field(open_change_form(client, published_drug), "drug_class", "Cobalamins")
        after_admin_reads(lambda: drug_unpublish(drug=published_drug, by=editor))

        assert client.post(change_url(published_drug), data).status_code == 302

        drug = Drug.objects.get(pk=published_drug.pk)
        assert (drug.published_revision_id, drug.drug_class) == (None, "Cobalamins")
        assert client.get(drug.get_absolute_url()).status_code == 404

    def test_save_before_an_approval_makes_the_approval_stale(
        self, client, contributor, reviewer, draft_drug
    ):
        """The other order: a content save that commits first supersedes the pending review."""
        review = review_submit(drug=draft_drug, by=contributor)
        client.force_login(contributor)
        data = set_field(open_change_form(client, draft_drug), "drug_class", "Cobalamins")
        assert client.post(change_url(draft_drug), data).status_code == 302

        with pytest.raises(IllegalTransition, match="superseded"):
            review_fully_approve(review, reviewer)
        assert Drug.objects.get(pk=draft_drug.pk).published_revision_id is None
        assert Review.objects.get(pk=review.pk).status == Review.Status.SUPERSEDED

    def test_save_before_an_unpublish_stays_unpublished(
        self, client, contributor, editor, published_drug
    ):
        """The other order: an unpublish after a content save takes the page down."""
        client.force_login(contributor)
        data = set_field(open_change_form(client, published_drug), "drug_class", "Cobalamins")
        assert client.post(change_url(published_drug), data).status_code == 302

        drug_unpublish(drug=published_drug, by=editor)
        drug = Drug.objects.get(pk=published_drug.pk)
        assert (drug.published_revision_id, drug.drug_class) == (None, "Cobalamins")


@pytest.mark.django_db
class StaleModelSaveTests:
    def test_stale_drug_save_keeps_the_approval(self, contributor, reviewer, draft_drug):
        """A drug loaded before an approval and saved after it stays published."""
        review = review_submit(drug=draft_drug, by=contributor)
        stale = Drug.objects.get(pk=draft_drug.pk)
        review_fully_approve(review, reviewer)

        stale.regulatory_notes = "Prescription only."
        stale.save()

        assert Drug.objects.get(pk=draft_drug.pk).published_revision_id == review.revision_id

    def test_stale_drug_save_keeps_the_unpublish(self, editor, published_drug):
        """A drug loaded before an unpublish and saved after it stays off the public site."""
        stale = Drug.objects.get(pk=published_drug.pk)
        drug_unpublish(drug=published_drug, by=editor)

        stale.regulatory_notes = "Prescription only."
        stale.save()

        assert not Drug.objects.published().filter(pk=published_drug.pk).exists()
        assert Drug.objects.get(pk=published_drug.pk).regulatory_notes == "Prescription only."

    def test_stale_revision_and_review_saves_keep_the_approval(
        self, contributor, reviewer, other_reviewer, draft_drug
    ):
        """A revision or review loaded before its approval cannot erase it by saving."""
        review = review_submit(drug=draft_drug, by=contributor)
        stale_review = Review.objects.get(pk=review.pk)
        stale_revision = Revision.objects.get(pk=review.revision_id)
        review_fully_approve(review, other_reviewer, reviewer)

        stale_review.comment = "Reworded."
        stale_review.save()
        stale_revision.reason = "Reworded."
        stale_revision.save()

        review.refresh_from_db()
        review.revision.refresh_from_db()
        assert (review.status, review.comment) == (Review.Status.APPROVED, "Reworded.")
        assert review.closed_at is not None
        assert review.revision.approved_by == reviewer
        assert review.revision.approved_at is not None
        assert review.revision.next_review_due is not None
        assert review.revision.approved_by_credit.endswith(", MD")
        assert "Cyanocobalamin" in review.revision.article_html


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def wait_until_blocked(pid: int) -> None:
    """Return once backend `pid` waits for a lock (polling PostgreSQL)."""
    deadline = time.monotonic() + PATIENCE
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT cardinality(pg_blocking_pids(%s)), pg_sleep(0.01)", [pid])
            if cursor.fetchone()[0]:
                return
    raise AssertionError(f"backend {pid} never waited for a lock")


def raw_connection():
    """A connection of its own to the test database, outside Django."""
    settings = connection.settings_dict
    return psycopg.connect(
        dbname=settings["NAME"],
        user=settings["USER"],
        password=settings["PASSWORD"] or None,
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
    )


@contextlib.contextmanager
def drug_locked_elsewhere(drug: Drug):
    """Another connection holds the drug's row lock; this one gives up waiting after 50 ms."""
    with raw_connection() as holder, connection.cursor() as cursor:
        holder.execute("SELECT 1 FROM monographs_drug WHERE id = %s FOR UPDATE", [drug.pk])
        cursor.execute("SET lock_timeout = '50ms'")
        try:
            yield
        finally:
            cursor.execute("RESET lock_timeout")


class Worker(threading.Thread):
    """Run `job` in a thread with its own database connection; keep its result or error."""

    def __init__(self, job):
        super().__init__()
        self.job = job
        self.pid = None
        self.started_job = threading.Event()
        self.result = self.error = None

    def run(self):
        try:
            self.pid = backend_pid()
            self.started_job.set()
            self.result = self.job()
        except Exception as error:
            self.error = error
        finally:
            connections.close_all()


@pytest.mark.django_db(transaction=True)
class ConcurrentSaveTests:
    @pytest.fixture(autouse=True)
    def _postgresql(self):
        if connection.vendor != "postgresql":
            pytest.skip(POSTGRESQL_ONLY)

    def test_save_reading_before_a_concurrent_approval_keeps_it_published(
        self, contributor, reviewer, monkeypatch
    ):
        """A save in another thread that read the drug before an approval committed."""
        drug = monograph(name="Raceamine")
        review = review_submit(drug=drug, by=contributor)
        client = logged_in(contributor)
        data = set_field(open_change_form(client, drug), "drug_class", "Cobalamins")
        has_read, approved = threading.Event(), threading.Event()
        read = WorkflowDrugAdmin.get_object

        def get_object(self, request, object_id, from_field=None):
            stale = read(self, request, object_id, from_field)
            has_read.set()
            approved.wait(PATIENCE)
            return stale

        monkeypatch.setattr(WorkflowDrugAdmin, "get_object", get_object)
        save = Worker(lambda: client.post(change_url(drug), data))
        save.start()
        try:
            assert has_read.wait(PATIENCE)
            review_fully_approve(review, reviewer)
        finally:
            approved.set()
            save.join(PATIENCE)

        assert save.error is None
        assert save.result.status_code == 302
        drug.refresh_from_db()
        assert (drug.published_revision_id, drug.drug_class) == (review.revision_id, "Cobalamins")

    def test_approval_waits_for_a_save_without_holding_the_review(
        self, contributor, reviewer, monkeypatch
    ):
        """Lock order: an approval waits for the drug a save holds, holding nothing of its own,
        so the save supersedes the review and the approval is told it is stale: no deadlock."""
        drug = monograph(name="Raceamine")
        review = review_submit(drug=drug, by=contributor)
        client = logged_in(contributor)
        data = edit_usage(open_change_form(client, drug), drug, "Edited while in review.")
        holding_drug, go_on = threading.Event(), threading.Event()
        supersede = WorkflowDrugAdmin._supersede_stale_review

        def pause_then_supersede(self, request, drug):
            holding_drug.set()
            go_on.wait(PATIENCE)
            supersede(self, request, drug)

        monkeypatch.setattr(WorkflowDrugAdmin, "_supersede_stale_review", pause_then_supersede)
        save = Worker(lambda: client.post(change_url(drug), data))
        approval = Worker(
            lambda: review_approve(review=review, by=reviewer, signature=signed(reviewer))
        )
        save.start()
        try:
            assert holding_drug.wait(PATIENCE)
            approval.start()
            assert approval.started_job.wait(PATIENCE)
            wait_until_blocked(approval.pid)
            with transaction.atomic():
                # Raises if the waiting approval had locked the review before the drug.
                Review.objects.select_for_update(nowait=True).get(pk=review.pk)
        finally:
            go_on.set()
            save.join(PATIENCE)
            approval.join(PATIENCE)

        assert save.error is None
        assert save.result.status_code == 302
        assert isinstance(approval.error, IllegalTransition)
        assert "superseded" in str(approval.error)
        assert drug.sections.get(kind=SectionKind.USAGE).body == "Edited while in review."
        assert Review.objects.get(pk=review.pk).status == Review.Status.SUPERSEDED
        assert not AuditEntry.objects.filter(action=AuditEntry.Action.APPROVED).exists()

    def test_deadlocked_save_is_tried_again(self, contributor, monkeypatch):
        """A save picked as a deadlock's victim is rolled back and saved on the second try."""
        drug = monograph(name="Raceamine")
        review = review_submit(drug=drug, by=contributor)
        client = logged_in(contributor)
        data = edit_usage(open_change_form(client, drug), drug, "Saved on the second try.")
        holding_drug, go_on = threading.Event(), threading.Event()
        supersede = WorkflowDrugAdmin._supersede_stale_review

        def pause_then_supersede(self, request, drug):
            if not go_on.is_set():
                holding_drug.set()
                go_on.wait(PATIENCE)
            supersede(self, request, drug)

        def save_as_deadlock_victim():
            with connection.cursor() as cursor:
                cursor.execute("SET deadlock_timeout = '10ms'")
            try:
                return client.post(change_url(drug), data)
            finally:
                with connection.cursor() as cursor:
                    cursor.execute("RESET deadlock_timeout")

        monkeypatch.setattr(WorkflowDrugAdmin, "_supersede_stale_review", pause_then_supersede)
        with raw_connection() as outsider:
            # Something outside the lock order: the review first, then the drug.
            outsider.execute("SET deadlock_timeout = '10min'")
            outsider.execute("SELECT 1 FROM reviews_review WHERE id = %s FOR UPDATE", [review.pk])
            save = Worker(save_as_deadlock_victim)
            save.start()
            wants_drug = threading.Thread(
                target=outsider.execute,
                args=("SELECT 1 FROM monographs_drug WHERE id = %s FOR UPDATE", [drug.pk]),
            )
            try:
                assert holding_drug.wait(PATIENCE)
                wants_drug.start()
                wait_until_blocked(outsider.info.backend_pid)
            finally:
                go_on.set()
            wants_drug.join(PATIENCE)
            outsider.commit()
        save.join(PATIENCE)

        assert save.error is None
        assert save.result.status_code == 302
        assert drug.sections.get(kind=SectionKind.USAGE).body == "Saved on the second try."
        assert Review.objects.get(pk=review.pk).status == Review.Status.SUPERSEDED

    def test_save_that_cannot_get_its_locks_keeps_the_text(self, contributor):
        """A save that times out waiting for a lock shows a message and the typed text."""
        drug = monograph(name="Raceamine")
        client = logged_in(contributor)
        data = edit_usage(open_change_form(client, drug), drug, "My unsaved edit.")
        with drug_locked_elsewhere(drug):
            response = client.post(change_url(drug), data)

        assert response.status_code == 200
        page = response.content.decode()
        assert SAVE_REFUSED_MESSAGE in page
        assert "My unsaved edit." in page
        assert drug.sections.get(kind=SectionKind.USAGE).body != "My unsaved edit."

    def test_decision_that_cannot_get_its_locks_says_so(self, contributor, reviewer):
        """An approval that times out waiting for a lock is a message; the review stays open."""
        drug = monograph(name="Raceamine")
        review = review_submit(drug=drug, by=contributor)
        client = logged_in(reviewer)
        with drug_locked_elsewhere(drug):
            response = client.post(
                reverse("admin:reviews_review_decide", args=[review.pk]),
                {"outcome": "approve", **signing()},
            )

        assert response.status_code == 302
        assert [str(message) for message in get_messages(response.wsgi_request)] == [BUSY_MESSAGE]
        assert Review.objects.get(pk=review.pk).status == Review.Status.IN_REVIEW
        assert Drug.objects.get(pk=drug.pk).published_revision_id is None
